//! Bytes a user saved, decoded to text: UTF-8 (with or without BOM),
//! GB18030/GBK and UTF-16 with its mark (each with a warning saying how to
//! re-save it), line ends normalised, control characters taken out.

use crate::diagnostic::{Diagnostics, Pos};

/// Decode bytes a user saved. Returns `None` (and records an error) when the
/// bytes are no text at all.
pub fn decode(path: &str, bytes: &[u8], diags: &mut Diagnostics) -> Option<String> {
    let text = if let Some(text) = decode_utf16(path, bytes, diags) {
        text?
    } else {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => {
                let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
                if had_errors || bytes.contains(&0) {
                    diags.error_hint(
                        path,
                        Pos::default(),
                        "这个文件不是文本文件，无法读取",
                        "Markdown 和 YAML 文件须用文本编辑器保存为 UTF-8 编码；图片等文件请放在 static/ 或报道的文件夹中",
                    );
                    return None;
                }
                diags.warning_hint(
                    path,
                    Pos::default(),
                    "文件以 GBK/GB18030 编码保存，已按此编码读取",
                    "请用记事本“另存为”，编码选择“UTF-8”后保存，以免个别字符显示错误",
                );
                decoded.into_owned()
            }
        }
    };
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    Some(strip_control_characters(path, text, diags))
}

/// A file Windows 记事本 saved as “Unicode” (UTF-16, with its byte-order
/// mark): read with a warning. `None` when the bytes are not UTF-16;
/// `Some(None)` after an error, for UTF-16 without the mark (half its bytes
/// NUL), which is not guessed at.
fn decode_utf16(path: &str, bytes: &[u8], diags: &mut Diagnostics) -> Option<Option<String>> {
    let encoding = match bytes {
        [0xFF, 0xFE, ..] => encoding_rs::UTF_16LE,
        [0xFE, 0xFF, ..] => encoding_rs::UTF_16BE,
        _ => {
            if looks_like_utf16(bytes) {
                diags.error_hint(
                    path,
                    Pos::default(),
                    "这个文件像是以 “Unicode”（UTF-16）编码保存的，但缺少编码标记，无法可靠读取",
                    "请用记事本打开，“另存为”时编码选择“UTF-8”后保存",
                );
                return Some(None);
            }
            return None;
        }
    };
    let (text, had_errors) = encoding.decode_with_bom_removal(bytes);
    if had_errors {
        diags.error_hint(
            path,
            Pos::default(),
            "这个文件以 “Unicode”（UTF-16）编码保存，但内容已损坏，无法读取",
            "请用记事本打开，“另存为”时编码选择“UTF-8”后保存",
        );
        return Some(None);
    }
    diags.warning_hint(
        path,
        Pos::default(),
        "文件以 “Unicode”（UTF-16）编码保存，已按此编码读取",
        "请用记事本“另存为”，编码选择“UTF-8”后保存",
    );
    Some(Some(text.into_owned()))
}

/// UTF-16 without its mark: text in UTF-8 or GBK has no NUL bytes, while
/// UTF-16 has one in every ASCII character (and in some Chinese ones, such
/// as 开, U+5F00). Such bytes are taken for UTF-16 when they read, in one
/// byte order, as text a person typed: no control characters, and nearly
/// all letters, digits, Chinese characters and punctuation. A picture or
/// other binary file read so gives characters from all over.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) || memchr::memchr(0, bytes).is_none() {
        return false;
    }
    let typed = |text: &str| {
        let (mut all, mut common) = (0usize, 0usize);
        for c in text.chars() {
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                return false;
            }
            all += 1;
            common += usize::from(matches!(c as u32,
                0x20..=0x7E | 0x09 | 0x0A | 0x0D | 0xB7 | 0x2000..=0x206F | 0x3000..=0x303F
                    | 0x4E00..=0x9FFF | 0xFF00..=0xFFEF));
        }
        all > 0 && common * 10 >= all * 9
    };
    [encoding_rs::UTF_16LE, encoding_rs::UTF_16BE]
        .into_iter()
        .any(|encoding| {
            encoding
                .decode_without_bom_handling_and_without_replacement(bytes)
                .is_some_and(|text| typed(&text))
        })
}

/// Control characters (NUL, ESC …; tab and line ends aside) cannot be
/// typed, only pasted by accident, and break pages and feeds: they are
/// taken out, with one warning at the first.
fn strip_control_characters(path: &str, text: String, diags: &mut Diagnostics) -> String {
    let is_control = |c: char| c.is_control() && c != '\t' && c != '\n';
    // The quick skim first: nearly every file has none.
    if !crate::text::has_unsafe_chars(&text) {
        return text;
    }
    let Some(first) = text.find(is_control) else {
        return text;
    };
    let line = text[..first].matches('\n').count() + 1;
    let column = text[..first]
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .chars()
        .count()
        + 1;
    let count = text.chars().filter(|&c| is_control(c)).count();
    diags.warning_hint(
        path,
        Pos::new(line, column),
        format!(
            "文件中有 {count} 个看不见的控制字符（如 U+{:04X}），已去掉",
            text[first..].chars().next().map_or(0, |c| c as u32)
        ),
        "它们多半是从别处复制粘贴带进来的；如果去掉后文字有缺漏，请核对这一处",
    );
    text.chars().filter(|&c| !is_control(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_without_its_mark_is_told_from_binary_files() {
        let le: Vec<u8> = "---\ntitle: 学习\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "---\ntitle: 学习\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(looks_like_utf16(&le) && looks_like_utf16(&be));
        let binary = [
            0x89, b'P', b'N', b'G', 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 1, 0, 0, 0,
        ];
        assert!(!looks_like_utf16(&binary));
        assert!(!looks_like_utf16("标题：学习".as_bytes()));
    }

    #[test]
    fn decodes_bom_crlf_and_gbk() {
        let mut d = Diagnostics::new();
        assert_eq!(decode("a", b"\xEF\xBB\xBFa\r\nb", &mut d).unwrap(), "a\nb");
        let (gbk, _, _) = encoding_rs::GBK.encode("标题：志愿服务");
        assert_eq!(decode("b.md", &gbk, &mut d).unwrap(), "标题：志愿服务");
        assert_eq!(d.warning_count(), 1);
        assert!(decode(
            "c.md",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
            &mut d
        )
        .is_none());
        assert_eq!(d.error_count(), 1);
    }
}
