//! `wenming publish`: build as `wenming build` does, then the hand-over
//! for the portal in the site's `发布包` folder — the whole column
//! (`<unit>-专栏-<date>.zip`) and what changed since the last publish
//! (`…-增量.zip`, with a 删除清单 of the files to remove), both with a
//! 清单 of file, size and SHA-256. The column sits in the zips under its
//! sub-path folder (`wmcj/…`), as the portal serves it.
//!
//! All or nothing: the zips are written beside their final names and
//! renamed when whole, and the record of what was published is replaced
//! last, so a failure at any point leaves the last record as it was (the
//! next delta then covers this one too).

mod package;
mod record;

use crate::config;
use anyhow::{bail, Context, Result};
use package::Package;
use record::{Changes, Published, Record};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The packages' folder in the site folder.
pub const DIR: &str = "发布包";

pub struct PublishOptions {
    pub root: PathBuf,
    pub to: Option<PathBuf>,
    pub overrides: config::Overrides,
}

/// Builds the site and writes the packages, printing what it did; the
/// exit status (0 written, 1 otherwise).
pub fn run(opts: &PublishOptions) -> u8 {
    let done = build_and_publish(opts);
    for line in &done.build_lines {
        eprintln!("{line}");
    }
    eprintln!("{}", done.summary);
    for line in &done.lines {
        eprintln!("{line}");
    }
    if done.ok {
        0
    } else {
        1
    }
}

/// What `wenming publish` says, for the command window and the 工作台.
pub(crate) struct Done {
    pub ok: bool,
    /// The build's messages (errors and warnings, located).
    pub build_lines: Vec<String>,
    /// The build's few summary lines.
    pub summary: String,
    /// What was packaged, or why not.
    pub lines: Vec<String>,
}

/// The site built as `wenming build` builds it (no drafts), then packaged.
pub(crate) fn build_and_publish(opts: &PublishOptions) -> Done {
    let build = crate::BuildOptions::upload(opts.root.clone(), opts.overrides.clone());
    let report = crate::build(&build);
    let build_lines = report.message_lines();
    let summary = report.summary();
    if !report.ok() {
        return Done {
            ok: false,
            build_lines,
            summary,
            lines: vec!["网站有错误，没有生成发布包：改正上面的错误后再发布".to_string()],
        };
    }
    let (ok, lines) = match publish(opts, &build.output, chrono::Local::now().naive_local()) {
        Ok(outcome) => (true, outcome.lines()),
        Err(e) => (
            false,
            vec![
                format!("错误：{}", crate::fs::explain(&e)),
                "没有生成发布包（写了一半的文件已删除），上次的发布记录不变".to_string(),
            ],
        ),
    };
    Done {
        ok,
        build_lines,
        summary,
        lines,
    }
}

/// The packages in the site's 发布包 folder, newest first: (file name,
/// size in bytes).
pub(crate) fn packages(root: &Path) -> Vec<(String, u64)> {
    let Ok(dir) = std::fs::read_dir(root.join(DIR)) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, String, u64)> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let meta = e.metadata().ok()?;
            (name.ends_with(".zip") && meta.is_file()).then(|| {
                (
                    meta.modified().unwrap_or(std::time::UNIX_EPOCH),
                    name,
                    meta.len(),
                )
            })
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    found.into_iter().map(|(_, n, l)| (n, l)).collect()
}

/// What one publish wrote.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub full: PathBuf,
    pub full_files: usize,
    pub full_bytes: u64,
    /// `None` on the first publish and when nothing changed.
    pub delta: Option<PathBuf>,
    pub changes: Changes,
    /// The last publish's time, if there was one.
    pub since: Option<String>,
    pub copies: Vec<PathBuf>,
    /// Where the column lives (`https://example.gov.cn/wmcj/`) and its
    /// folder in the zips (`wmcj`).
    pub url: String,
    pub folder: String,
}

impl Outcome {
    fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "全量包：{}（{} 个文件，{}）",
            crate::fs::display(&self.full),
            self.full_files,
            crate::render::human_size(self.full_bytes)
        )];
        let c = &self.changes;
        match (&self.delta, &self.since) {
            (Some(delta), Some(since)) => out.push(format!(
                "增量包：{}（与 {since} 的发布相比：新增 {}、修改 {}、删除 {} 个文件）",
                crate::fs::display(delta),
                c.added.len(),
                c.changed.len(),
                c.deleted.len()
            )),
            (None, Some(since)) => out.push(format!(
                "与 {since} 的发布相比没有任何变化，不需要上传增量包"
            )),
            _ => out.push(
                "这是第一次发布，没有增量包：请把全量包交给信息中心。以后每次发布都会另外生成只含变化文件的增量包"
                    .to_string(),
            ),
        }
        for copy in &self.copies {
            out.push(format!("已复制到 {}", crate::fs::display(copy)));
        }
        let place = if self.folder.is_empty() {
            "门户网站的根目录".to_string()
        } else {
            format!("门户网站的根目录，使其中的 {} 文件夹就是专栏", self.folder)
        };
        out.push(format!(
            "交给信息中心：解压到{place}（{}）；做法见压缩包里的 {}",
            self.url,
            package::README
        ));
        out
    }
}

/// A name Windows accepts for a file: no `\ / : * ? " < > |`.
fn file_name_part(s: &str) -> String {
    let cleaned: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => '-',
            c => c,
        })
        .collect();
    if cleaned.is_empty() {
        "文明创建".to_string()
    } else {
        cleaned
    }
}

/// The files of the built column (the output folder's own list of what
/// wenming wrote: never a file someone else put there), by path.
fn column_files(out: &Path) -> Result<Vec<String>> {
    let marker = out.join(crate::output::manifest::FILE);
    let text = std::fs::read_to_string(&marker)
        .with_context(|| format!("无法读取 {}", crate::fs::display(&marker)))?;
    let Some(manifest) = crate::output::manifest::Manifest::parse(&text) else {
        bail!(
            "{} 不是这个版本的 wenming 写的，请先运行 wenming build",
            crate::fs::display(&marker)
        );
    };
    let mut files: Vec<String> = manifest.files.into_keys().collect();
    files.sort();
    Ok(files)
}

pub(crate) fn publish(
    opts: &PublishOptions,
    out: &Path,
    now: chrono::NaiveDateTime,
) -> Result<Outcome> {
    let config = crate::scaffold::site_config(&opts.root, &opts.overrides)?;
    let dir = opts.root.join(DIR);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("无法创建文件夹 {}", crate::fs::display(&dir)))?;
    let last = record::read(&dir)?;
    let folder = config.base_path().trim_matches('/').to_string();
    let in_zip = |path: &str| {
        if folder.is_empty() {
            path.to_string()
        } else {
            format!("{folder}/{path}")
        }
    };

    let stem = package::free_stem(
        &dir,
        &format!(
            "{}-专栏-{}",
            file_name_part(&config.unit),
            now.format("%Y-%m-%d")
        ),
    );
    let stamp = package::zip_time(now);
    let mut full = Package::begin(&dir, stamp)?;
    // A delta only against a record: the first publish has nothing to
    // compare with.
    let mut delta = match &last {
        Some(_) => Some(Package::begin(&dir, stamp)?),
        None => None,
    };
    let empty = BTreeMap::new();
    let before = last.as_ref().map_or(&empty, |r| &r.files);
    let mut now_files = BTreeMap::new();
    for path in column_files(out)? {
        let file = out.join(&path);
        let bytes = std::fs::read(&file)
            .with_context(|| format!("无法读取 {}", crate::fs::display(&file)))?;
        let sha256 = package::sha256_hex(&bytes);
        let name = in_zip(&path);
        full.add(&name, &bytes, &sha256)?;
        let this = Published {
            size: bytes.len() as u64,
            sha256,
        };
        if let Some(delta) = delta.as_mut() {
            if before.get(&path) != Some(&this) {
                delta.add(&name, &bytes, &this.sha256)?;
            }
        }
        now_files.insert(path, this);
    }
    let changes = record::changes(before, &now_files);
    let url = config.urls.base_url().to_string();
    full.add_note(package::README, &readme(&url, &folder, false))?;
    let full_path = dir.join(format!("{stem}.zip"));
    let (full_files, full_bytes) = full.finish(&full_path)?;

    let delta_path = match delta {
        Some(mut delta) if !changes.is_empty() => {
            let deleted: Vec<String> = changes.deleted.iter().map(|p| in_zip(p)).collect();
            delta.add_note(package::DELETED, &deleted_list(&deleted))?;
            delta.add_note(package::README, &readme(&url, &folder, true))?;
            let path = dir.join(format!("{stem}-增量.zip"));
            delta.finish(&path)?;
            Some(path)
        }
        _ => None,
    };

    let mut copies = Vec::new();
    if let Some(to) = &opts.to {
        for package in std::iter::once(&full_path).chain(delta_path.as_ref()) {
            copies.push(copy_to(package, to)?);
        }
    }

    let published_at = now.format("%Y-%m-%d %H:%M").to_string();
    record::write(
        &dir,
        &Record {
            published_at,
            package: full_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            files: now_files,
        },
    )?;
    Ok(Outcome {
        full: full_path,
        full_files,
        full_bytes,
        delta: delta_path,
        changes,
        since: last.map(|r| r.published_at),
        copies,
        url,
        folder,
    })
}

/// Copies a package into `to` (created if missing), under a free name,
/// whole or not at all.
fn copy_to(package: &Path, to: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(to).with_context(|| {
        format!(
            "无法创建文件夹 {}（U 盘是否已插好？）",
            crate::fs::display(to)
        )
    })?;
    let name = package
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let target = to.join(crate::fs::free_name(to, &name));
    let mut tmp = crate::fs::temp_file_in(to)
        .with_context(|| format!("无法写入 {}（U 盘是否写保护？）", crate::fs::display(to)))?;
    let mut source = std::fs::File::open(package)
        .with_context(|| format!("无法读取 {}", crate::fs::display(package)))?;
    std::io::copy(&mut source, tmp.as_file_mut())
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("无法复制到 {}（空间是否不够？）", crate::fs::display(to)))?;
    tmp.persist_noclobber(&target).map_err(|e| {
        anyhow::anyhow!(
            "无法保存 {}：{}",
            crate::fs::display(&target),
            crate::fs::reason(&e.error)
        )
    })?;
    Ok(target)
}

fn deleted_list(deleted: &[String]) -> String {
    if deleted.is_empty() {
        return "（这次没有要删除的文件）\n".to_string();
    }
    let mut out =
        String::from("上传增量包后，请在门户网站上删除下列文件（它们已不在专栏里）：\n\n");
    for path in deleted {
        out.push_str(path);
        out.push('\n');
    }
    out
}

/// 上传说明.txt: what the information centre does with the zip.
fn readme(url: &str, folder: &str, delta: bool) -> String {
    let place = if folder.is_empty() {
        "网站的根目录".to_string()
    } else {
        format!("网站的根目录下（压缩包里的 {folder} 文件夹对应网址中的 /{folder}/）")
    };
    let mut text = format!(
        "文明创建专题专栏 上传说明\n\n\
         专栏的网址：{url}\n\n\
         这个压缩包由 wenming 生成，是{}。\n\n\
         上传方法：把压缩包里的文件解压到{place}，保持文件夹结构不变；同名文件直接覆盖。\n\
         全部是静态文件（HTML、CSS、JS、图片），不需要数据库或后台程序。\n\n",
        if delta {
            "增量包：只含上次发布以来新增和修改的文件"
        } else {
            "全量包：专栏的全部文件"
        }
    );
    if delta {
        text.push_str(&format!(
            "上次发布以来删除的文件列在 {}，上传后请在网站上删除它们。\n",
            package::DELETED
        ));
    } else {
        text.push_str("第一次上传，或网站上的专栏文件不齐全时，上传全量包。\n");
    }
    text.push_str(&format!(
        "\n核对：{} 列出了包内每个文件的大小和 SHA-256 校验值（可用 Excel 或 WPS 表格打开）。\n",
        package::LISTING
    ));
    text
}
