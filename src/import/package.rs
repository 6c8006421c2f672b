//! The .docx file as a zip package: what kind of file it is (the old
//! formats and the usual mix-ups named), its parts read within limits
//! (a zip bomb stops here, whatever its headers declare), and the
//! relationships between them.

use super::xml::{self, Element};
use std::collections::HashMap;
use std::io::Read;

/// A larger picture is refused: no report photo is that big, and the
/// whole file is held in memory.
pub(crate) const MAX_PICTURE: u64 = 100 * 1024 * 1024;
/// The most a .docx may unpack to, all parts together (a zip bomb stops
/// here, whatever sizes its entries declare).
pub(crate) const MAX_TOTAL: u64 = 300 * 1024 * 1024;
/// One XML part: a long report's document.xml is a few megabytes, and
/// its element tree takes some ten times the part's size in memory.
pub(super) const MAX_XML: u64 = 32 * 1024 * 1024;

/// Why a file cannot be imported, in words for its user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub(super) fn new(message: impl Into<String>, hint: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

pub(super) const SAVE_AS_DOCX: &str = "请用 Word 或 WPS 打开它，点“文件”→“另存为”，文件类型选“Word 文档（*.docx）”，再导入另存的 .docx 文件";

// ---------- the file's format ----------

/// Files that are not a zip at all: the old formats and the usual mix-ups.
pub(super) fn sniff(bytes: &[u8], ext: &str) -> Result<(), Problem> {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(OLE) {
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let encrypted = memchr::memmem::find(bytes, &utf16("EncryptedPackage")).is_some()
            || memchr::memmem::find(bytes, &utf16("EncryptionInfo")).is_some();
        if encrypted || ext == "docx" {
            return Err(Problem::new(
                "文件设置了打开密码（加密的 .docx），无法读取",
                "请用 Word 或 WPS 打开它，去掉打开密码（Word：“文件”→“信息”→“保护文档”→“用密码进行加密”，清空密码；WPS：“文件”→“文档加密”→“密码加密”，清空密码）后保存，再导入；如果没有设过密码，它可能是改了扩展名的旧版 .doc 文件，".to_string() + SAVE_AS_DOCX,
            ));
        }
        let what = match ext {
            "wps" => "这是 WPS 文字的旧格式（.wps），不能直接导入",
            "et" | "xls" => "这是旧版表格文件（.xls/.et），不是 Word 文档",
            _ => "这是旧版 Word 文档格式（.doc），不能直接导入",
        };
        return Err(Problem::new(what, SAVE_AS_DOCX));
    }
    if bytes.starts_with(b"PK") {
        return Ok(());
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let what = if head.starts_with("{\\rtf") {
        "这是 RTF 格式的文档，不是 .docx"
    } else if head.starts_with("%pdf") {
        return Err(Problem::new(
            "这是 PDF 文件，不是 Word 文档",
            "PDF 无法导入，请找到它原来的 Word 文档（.docx）再导入",
        ));
    } else if head.contains("<html") || head.contains("mime-version") || head.contains("<?mso") {
        "这是网页格式（Word 另存的“网页”或“单个文件网页”），不是 .docx"
    } else if bytes.is_empty() {
        return Err(Problem::new(
            "文件是空的（0 字节）",
            "请重新下载或复制这个文件，确认它能用 Word 或 WPS 打开",
        ));
    } else {
        return Err(Problem::new(
            "这不是 Word 文档（.docx），无法导入",
            "只能导入 Word 或 WPS 保存的 .docx 文件；其他格式请先用 Word 或 WPS 打开，另存为 .docx",
        ));
    };
    Err(Problem::new(what, SAVE_AS_DOCX))
}

fn damaged(detail: impl std::fmt::Display) -> Problem {
    Problem::new(
        format!("文件不完整或已损坏，无法打开（{detail}）"),
        "可能没有下载完整或复制时中断了：请重新下载或复制；如果 Word 或 WPS 还能打开它，请另存为一个新的 .docx 再导入",
    )
}

pub(super) fn not_a_word_document(pkg: &Package) -> Problem {
    if pkg.has("xl/workbook.xml") {
        return Problem::new(
            "这是 Excel 表格（.xlsx），不是 Word 文档",
            "只能导入 Word 文档；表格内容请复制到 Word 文档里，或作为附件放进报道",
        );
    }
    if pkg.has("ppt/presentation.xml") {
        return Problem::new(
            "这是 PowerPoint 演示文稿（.pptx），不是 Word 文档",
            "只能导入 Word 文档；可以把演示文稿作为附件放进报道",
        );
    }
    if pkg.has("content.xml") && pkg.has("mimetype") {
        return Problem::new("这是 ODF 格式的文档（.odt 等），不是 .docx", SAVE_AS_DOCX);
    }
    Problem::new(
        "这是一个压缩包，但不是 Word 文档（里面没有 word/document.xml）",
        "只能导入 Word 或 WPS 保存的 .docx 文件",
    )
}

// ---------- the package ----------

pub(super) struct Package<'a> {
    zip: zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    /// Part names, lowercased (OPC names are case-insensitive) → index.
    names: HashMap<String, usize>,
    /// Bytes unpacked so far.
    total: u64,
}

/// A part's relationships: id → (type's last segment, target).
#[derive(Default)]
pub(super) struct Rels {
    map: HashMap<String, Rel>,
    order: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Rel {
    pub kind: String,
    /// A part name inside the package, or the URL of an external target.
    pub target: String,
    pub external: bool,
}

impl Rels {
    pub fn get(&self, id: &str) -> Option<&Rel> {
        self.map.get(id)
    }
    pub fn first_of(&self, kind: &str) -> Option<String> {
        self.order
            .iter()
            .filter_map(|id| self.map.get(id))
            .find(|r| r.kind == kind && !r.external)
            .map(|r| r.target.clone())
    }
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Package<'a>, Problem> {
        let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| match e {
            zip::result::ZipError::UnsupportedArchive(_) => {
                Problem::new("文件用了无法读取的压缩方式或加密", SAVE_AS_DOCX)
            }
            other => damaged(other),
        })?;
        let mut names = HashMap::new();
        for i in 0..zip.len() {
            if let Some(Ok(name)) = zip.name_for_index(i) {
                names
                    .entry(name.trim_start_matches('/').to_lowercase())
                    .or_insert(i);
            }
        }
        Ok(Package {
            zip,
            names,
            total: 0,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.names.contains_key(&name.to_lowercase())
    }

    /// The bytes of part `name` (`None` when there is no such part), at
    /// most `limit` of them: more, declared or actual, is refused.
    pub fn read(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, Problem> {
        let Some(&index) = self.names.get(&name.to_lowercase()) else {
            return Ok(None);
        };
        let too_big = |size: u64| {
            if limit == MAX_PICTURE {
                Problem::new(
                    format!(
                        "文档中的图片 {name} 有 {:.0} MB，超过 {} MB 的上限",
                        size as f64 / 1048576.0,
                        MAX_PICTURE / 1048576
                    ),
                    "请在 Word 中选中图片，点“图片格式”→“压缩图片”（WPS：“图片工具”→“压缩图片”）后保存，再导入",
                )
            } else {
                Problem::new(
                    format!(
                        "文档中的 {name} 解压后过大（超过 {} MB），文件可能已损坏",
                        limit / 1048576
                    ),
                    SAVE_AS_DOCX,
                )
            }
        };
        let total_too_big = || {
            Problem::new(
                format!(
                    "文件解压后超过 {} MB，不像是正常的 Word 文档，可能已损坏",
                    MAX_TOTAL / 1048576
                ),
                "如果文档里有很多大图，请先在 Word 中“压缩图片”后另存，再导入",
            )
        };
        let mut file = self.zip.by_index(index).map_err(|e| match e {
            zip::result::ZipError::UnsupportedArchive(m)
                if m == zip::result::ZipError::PASSWORD_REQUIRED =>
            {
                Problem::new("文件的内容加密了，无法读取", SAVE_AS_DOCX)
            }
            other => damaged(format!("{name}：{other}")),
        })?;
        if file.encrypted() {
            return Err(Problem::new("文件的内容加密了，无法读取", SAVE_AS_DOCX));
        }
        let declared = file.size();
        if declared > limit {
            return Err(too_big(declared));
        }
        if self.total.saturating_add(declared) > MAX_TOTAL {
            return Err(total_too_big());
        }
        // Read one byte past the limit: what a lying header hides shows.
        let cap = limit.min(MAX_TOTAL - self.total);
        let mut buf = Vec::with_capacity(declared.min(cap) as usize);
        (&mut file)
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| damaged(format!("{name} 无法解压：{e}")))?;
        if buf.len() as u64 > cap {
            return Err(if buf.len() as u64 > limit {
                too_big(buf.len() as u64)
            } else {
                total_too_big()
            });
        }
        self.total += buf.len() as u64;
        Ok(Some(buf))
    }

    /// Part `name` parsed (`None` when missing); bad XML is located.
    pub fn xml(&mut self, name: &str) -> Result<Option<Element>, Problem> {
        let Some(bytes) = self.read(name, MAX_XML)? else {
            return Ok(None);
        };
        xml::parse(&bytes).map(Some).map_err(|e| {
            Problem::new(
                format!(
                    "文件已损坏：{name} 第 {} 行第 {} 列不是正确的 XML（{}）",
                    e.line, e.column, e.reason
                ),
                "如果 Word 或 WPS 还能打开它，请另存为一个新的 .docx 再导入",
            )
        })
    }

    /// The relationships of `part` (none when it has no .rels part).
    pub fn rels(&mut self, part: &str) -> Result<Rels, Problem> {
        let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
        let rels_name = if dir.is_empty() {
            format!("_rels/{file}.rels")
        } else {
            format!("{dir}/_rels/{file}.rels")
        };
        let mut rels = Rels::default();
        let Some(root) = self.xml(&rels_name)? else {
            return Ok(rels);
        };
        for r in root.children_named("Relationship") {
            let (Some(id), Some(target)) = (r.attr("Id"), r.attr("Target")) else {
                continue;
            };
            let external = r
                .attr("TargetMode")
                .is_some_and(|m| m.eq_ignore_ascii_case("external"));
            let kind = r
                .attr("Type")
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            let target = if external {
                target.to_string()
            } else {
                resolve(dir, target)
            };
            rels.order.push(id.to_string());
            rels.map.insert(
                id.to_string(),
                Rel {
                    kind,
                    target,
                    external,
                },
            );
        }
        Ok(rels)
    }

    /// The main document part: as the package's relationships say, else
    /// where Word puts it.
    pub fn main_part(&mut self) -> Result<String, Problem> {
        let rels = self.rels("")?;
        Ok(rels
            .first_of("officeDocument")
            .unwrap_or_else(|| "word/document.xml".into()))
    }
}

/// A relationship target relative to the folder `dir` of its source part.
fn resolve(dir: &str, target: &str) -> String {
    let target = target.split('#').next().unwrap_or(target);
    let joined = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None if dir.is_empty() => target.to_string(),
        None => format!("{dir}/{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    // %20 and the like in targets name the part as stored.
    percent_decode(&joined)
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_targets_resolve_to_part_names() {
        assert_eq!(resolve("word", "media/image1.png"), "word/media/image1.png");
        assert_eq!(resolve("word", "../media/a%20b.png"), "media/a b.png");
        assert_eq!(resolve("word", "/word/media/x.jpeg"), "word/media/x.jpeg");
    }

    #[test]
    fn old_formats_and_mix_ups_are_named() {
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert!(sniff(&ole, "doc").unwrap_err().message.contains(".doc"));
        assert!(sniff(&ole, "wps").unwrap_err().message.contains(".wps"));
        assert!(sniff(&ole, "docx").unwrap_err().message.contains("密码"));
        let mut enc = ole.to_vec();
        enc.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert!(sniff(&enc, "doc").unwrap_err().message.contains("密码"));
        assert!(sniff(b"{\\rtf1 abc", "doc")
            .unwrap_err()
            .message
            .contains("RTF"));
        assert!(sniff(b"%PDF-1.4", "docx")
            .unwrap_err()
            .message
            .contains("PDF"));
        assert!(sniff(b"", "docx").unwrap_err().message.contains("空"));
        assert!(sniff(b"hello", "docx")
            .unwrap_err()
            .message
            .contains("不是 Word"));
        assert!(sniff(b"PK\x03\x04", "docx").is_ok());
    }
}
