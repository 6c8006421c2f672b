//! `wenming import`: Word (.docx) reports into report bundles (SPEC §14),
//! `content/reports/<date>-<slug>/index.md` with the pictures beside it.
//!
//! - `docx.rs`: the .docx read into `model.rs`, a plain document (blocks,
//!   inlines, pictures) with the passes that need all of it (title,
//!   captions); from
//!   - `package.rs`: the zip package and its parts, within limits;
//!   - `styles.rs`: styles and list numbering;
//! - `markdown.rs`: that document as a report body;
//! - `dates.rs`: the activity date found in the text;
//! - `xml.rs`: one XML part as a small element tree;
//! - this file: the command, the front matter, the bundle written whole.
//!
//! A file that fails writes nothing: the bundle is made in a hidden
//! folder beside the others and renamed into place when complete.

mod dates;
mod docx;
mod markdown;
mod model;
mod package;
mod styles;
mod xml;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use chrono::{Datelike, NaiveDate};
use std::path::{Path, PathBuf};

pub struct ImportOptions {
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
    pub kind: Option<String>,
    pub date: Option<chrono::NaiveDate>,
}

/// What one imported file became.
#[derive(Debug, Clone)]
pub(crate) struct Imported {
    /// `content/reports/<date>-<slug>/index.md`, site-relative.
    pub rel: String,
    /// Pictures written beside it.
    pub photos: usize,
    /// What could not be carried over and what to check, each naming the
    /// file imported.
    pub warnings: Vec<Diagnostic>,
}

/// The site file larger than this is no report (and it is read whole).
const MAX_FILE: u64 = package::MAX_TOTAL;

/// Imports every file, prints what it made and every message; the exit
/// status (0 all imported, 1 otherwise).
pub fn run(opts: &ImportOptions) -> u8 {
    let config = match crate::scaffold::site_config(&opts.root, &Default::default()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("错误：{}", crate::fs::explain(&e));
            return 1;
        }
    };
    if let Some(kind) = &opts.kind {
        if let Err(e) = crate::scaffold::check_kind(&config, kind) {
            eprintln!("错误：{}，未导入任何文件", crate::fs::explain(&e));
            return 1;
        }
    }
    // A panic is caught per file and reported as its error (with the
    // panic's text): the hook's own message would only repeat it, rawer.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let today = chrono::Local::now().date_naive();
    let (mut ok, mut failed, mut warnings) = (0, 0, 0);
    for file in &opts.files {
        let name = crate::fs::display(file);
        // The whole of a file's import (the reader has its own guard):
        // no panic may end the run silently under the quiet hook.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_file(file, &name).and_then(|bytes| {
                import_with(
                    &opts.root,
                    &config,
                    &name,
                    &bytes,
                    opts.kind.as_deref(),
                    opts.date,
                    today,
                )
            })
        }))
        .unwrap_or_else(|panic| Err(vec![internal_error(&name, &*panic)]));
        match result {
            Ok(imported) => {
                ok += 1;
                warnings += imported.warnings.len();
                println!(
                    "已导入 {name} → {}（{} 张照片）",
                    imported.rel, imported.photos
                );
                for w in &imported.warnings {
                    eprintln!("{w}");
                }
            }
            Err(errors) => {
                failed += 1;
                for e in &errors {
                    eprintln!("{e}");
                }
            }
        }
    }
    std::panic::set_hook(hook);
    if failed == 0 {
        eprintln!(
            "导入完成：{ok} 个文件，{warnings} 个警告。请打开导入的 index.md 核对内容，并在工作台或 index.md 中填写考评标准"
        );
        0
    } else {
        eprintln!("导入结束：{ok} 个文件已导入，{failed} 个文件失败（失败的文件没有写入任何内容）");
        1
    }
}

fn error(name: &str, message: impl Into<String>, hint: Option<String>) -> Diagnostic {
    Diagnostic {
        path: name.to_string(),
        line: 0,
        column: 0,
        severity: Severity::Error,
        message: message.into(),
        hint,
    }
}

/// A panic while importing `name`, as its error.
fn internal_error(name: &str, panic: &(dyn std::any::Any + Send)) -> Diagnostic {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    error(
        name,
        format!("读取这个文件时出错，文件可能已损坏（内部错误：{what}）"),
        Some("如果 Word 或 WPS 还能打开它，请另存为一个新的 .docx 再导入；仍不行请把文件交给维护人员".into()),
    )
}

fn read_file(path: &Path, name: &str) -> Result<Vec<u8>, Vec<Diagnostic>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let reason = crate::fs::reason(&e);
        vec![error(name, format!("无法读取这个文件：{reason}"), None)]
    })?;
    if meta.is_dir() {
        return Err(vec![error(
            name,
            "这是一个文件夹，不是 Word 文档",
            Some("请写出要导入的 .docx 文件，可以一次写多个".into()),
        )]);
    }
    if meta.len() > MAX_FILE {
        return Err(vec![error(
            name,
            format!(
                "文件有 {} MB，超过 {} MB 的上限，不像是一篇报道",
                meta.len() / 1048576,
                MAX_FILE / 1048576
            ),
            Some("如果文档里有很多大图，请先在 Word 中“压缩图片”后另存，再导入".into()),
        )]);
    }
    std::fs::read(path).map_err(|e| {
        let reason = crate::fs::reason(&e);
        vec![error(name, format!("无法读取这个文件：{reason}"), None)]
    })
}

/// Imports one .docx (its bytes; `name` is how messages name it, e.g. the
/// uploaded file's name) into a new bundle under `root`'s
/// `content/reports`. Nothing is written when it fails. For the
/// workbench; `wenming import` runs the same.
pub(crate) fn import_docx(
    root: &Path,
    name: &str,
    bytes: &[u8],
    kind: Option<&str>,
    date: Option<NaiveDate>,
) -> Result<Imported, Vec<Diagnostic>> {
    let config = crate::scaffold::site_config(root, &Default::default())
        .map_err(|e| vec![error("site.yaml", crate::fs::explain(&e), None)])?;
    if let Some(kind) = kind {
        crate::scaffold::check_kind(&config, kind)
            .map_err(|e| vec![error(name, crate::fs::explain(&e), None)])?;
    }
    let today = chrono::Local::now().date_naive();
    import_with(root, &config, name, bytes, kind, date, today)
}

fn import_with(
    root: &Path,
    config: &Config,
    name: &str,
    bytes: &[u8],
    kind: Option<&str>,
    date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Imported, Vec<Diagnostic>> {
    let converted = convert(name, bytes, kind, date, config, today)?;
    let rel = write_bundle(root, &converted)
        .map_err(|e| vec![error(name, crate::fs::explain(&e), None)])?;
    Ok(Imported {
        rel,
        photos: converted.photos.len(),
        warnings: converted.warnings,
    })
}

/// A report made from a .docx, in memory.
struct Converted {
    title: String,
    date: NaiveDate,
    /// index.md
    text: String,
    photos: Vec<(String, Vec<u8>)>,
    warnings: Vec<Diagnostic>,
}

fn convert(
    name: &str,
    bytes: &[u8],
    kind: Option<&str>,
    date: Option<NaiveDate>,
    config: &Config,
    today: NaiveDate,
) -> Result<Converted, Vec<Diagnostic>> {
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    // The last guard: whatever slipped past the reader's checks is this
    // file's error, not the end of the run (or of the workbench).
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Test hook: the guard is proven by a reader that panics.
        if std::env::var_os("WENMING_TEST_IMPORT_PANIC").is_some() {
            panic!("WENMING_TEST_IMPORT_PANIC");
        }
        docx::read(bytes, &ext)
    }));
    let mut doc = match read {
        Ok(Ok(doc)) => doc,
        Ok(Err(p)) => return Err(vec![error(name, p.message, p.hint)]),
        Err(panic) => return Err(vec![internal_error(name, &*panic)]),
    };
    // In the order found (not sorted: they follow the document).
    let mut warnings = Vec::new();
    model::attach_captions(&mut doc.blocks);
    let Some((title, title_note)) = model::take_title(&mut doc) else {
        return Err(vec![error(
            name,
            "文档里找不到报道标题",
            Some(
                "请在文档第一行写上报道标题（不超过 60 个字）并保存，再导入；或在 Word 的“文件”→“信息”→“属性”里填写标题".into()
            ),
        )]);
    };
    if let Some(n) = title_note {
        warning(&mut warnings, name, n.message, n.hint.unwrap_or_default());
    }
    let date = match date {
        Some(d) => d,
        None => {
            let mut texts = vec![title.clone()];
            texts.extend(doc.blocks.iter().map(|b| b.text()));
            match dates::find_date(&texts, doc.core_year, today) {
                Some(found) => {
                    let year = if found.year_guessed {
                        format!("，没有写年份，按 {} 年", found.date.year())
                    } else {
                        String::new()
                    };
                    warning(
                        &mut warnings,
                        name,
                        format!("活动日期取自文中的 “{}”{year}：{}", found.written, found.date),
                        "如不对，请改 index.md 的 date 一行，或导入时用 --date 指定（如 --date 2022-10-15）",
                    );
                    found.date
                }
                None => {
                    warning(
                        &mut warnings,
                        name,
                        format!("文档里没有找到活动日期，暂用今天（{today}）"),
                        "请改 index.md 的 date 一行，或导入时用 --date 指定（如 --date 2022-10-15）",
                    );
                    today
                }
            }
        }
    };
    for n in std::mem::take(&mut doc.warnings) {
        warning(&mut warnings, name, n.message, n.hint.unwrap_or_default());
    }
    let md = markdown::write(&doc, &title);
    if kind.is_none() {
        warning(
            &mut warnings,
            name,
            "没有指定活动类别（--kind），index.md 的 kind 一行留空了，生成网站前必须填写",
            format!(
                "在工作台打开这篇报道选择类别，或在 kind: 后面写上类别编号：{}",
                crate::scaffold::kind_choices(config)
            ),
        );
    }
    warning(
        &mut warnings,
        name,
        "还没有选择这篇报道佐证的考评标准（criteria）",
        "请在工作台打开这篇报道勾选考评标准，或在 index.md 的 criteria 一行填写，如 [16, \"23.2\"]",
    );
    let text = crate::scaffold::report_text(&title, date, kind, config, &md.body);
    let photos = md
        .photos
        .into_iter()
        .map(|(file, i)| (file, std::mem::take(&mut doc.pictures[i].bytes)))
        .collect();
    Ok(Converted {
        title,
        date,
        text,
        photos,
        warnings,
    })
}

/// A warning about the file `name` (the whole file: no line in it).
fn warning(
    out: &mut Vec<Diagnostic>,
    name: &str,
    message: impl Into<String>,
    hint: impl Into<String>,
) {
    out.push(Diagnostic {
        path: name.to_string(),
        line: 0,
        column: 0,
        severity: Severity::Warning,
        message: message.into(),
        hint: Some(hint.into()).filter(|h: &String| !h.is_empty()),
    });
}

/// Writes the bundle: pictures and `_index.md` (which the folder walk
/// skips) into a hidden folder in `content/reports`, renamed to the
/// bundle's name, then `_index.md` renamed to `index.md`: no build sees
/// half a report, and a failure leaves nothing behind.
fn write_bundle(root: &Path, c: &Converted) -> anyhow::Result<String> {
    let reports = root.join("content/reports");
    crate::fs::create_dir_all(&reports)?;
    let md_path = crate::scaffold::free_report_path(root, &c.title, c.date);
    let dir = md_path.with_extension("");
    let tmp = tempfile::Builder::new()
        .prefix(".wenming-import-")
        .tempdir_in(&reports)
        .map_err(|e| crate::fs::failed("创建文件夹", &reports, e))?;
    for (file, bytes) in &c.photos {
        crate::fs::write(&tmp.path().join(file), bytes)?;
    }
    crate::fs::write(&tmp.path().join("_index.md"), c.text.as_bytes())?;
    if dir.exists() {
        anyhow::bail!(
            "{} 已存在（可能是刚刚别处建的），未做任何修改，请重新导入",
            crate::fs::display(&dir)
        );
    }
    std::fs::rename(tmp.path(), &dir).map_err(|e| crate::fs::failed("创建文件夹", &dir, e))?;
    // The folder is in place and no longer the temporary's to delete.
    let _ = tmp.keep();
    if let Err(e) = std::fs::rename(dir.join("_index.md"), dir.join("index.md")) {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(crate::fs::failed("写入", &dir.join("index.md"), e));
    }
    Ok(crate::diagnostic::display_path(root, &dir.join("index.md")))
}
