//! `wenming new report` and `wenming init`: the only commands that create
//! files in a site, and they never overwrite anything.

use crate::config::{self, Config, Overrides};
use crate::content::slugify;
use crate::diagnostic::Diagnostics;
use anyhow::{bail, Context as _, Result};
use chrono::NaiveDate;
use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};

/// The default site (the repository root), compiled in for `init`.
static DEFAULT_DATA: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/data");
static DEFAULT_CONTENT: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/content");
static DEFAULT_STATIC: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/static");
const DEFAULT_SITE_YAML: &str = include_str!("../site.yaml");

/// Create a dated report with its front matter filled in; returns its path.
pub fn new_report(root: &Path, title: &str, kind: &str, date: NaiveDate) -> Result<PathBuf> {
    let config = site_config(root, &Overrides::default())?;
    check_kind(&config, kind)?;
    let title = title.trim();
    if title.is_empty() {
        bail!("标题不能为空");
    }
    let slug = slugify(title);
    let slug = if slug.is_empty() {
        "report".to_string()
    } else {
        slug
    };
    let dir = root.join("content/reports");
    let path = dir.join(format!("{date}-{slug}.md"));
    if path.exists() {
        bail!(
            "{} 已存在，未做任何修改；如是另一篇报道，请换一个标题或日期",
            path.display()
        );
    }
    // Another day's report may already use this web address: numbered.
    let path = free_report_path(root, title, date);
    std::fs::create_dir_all(&dir).with_context(|| format!("无法创建文件夹 {}", dir.display()))?;
    let text = report_text(
        title,
        date,
        Some(kind),
        &config,
        "在这里写活动报道正文。图片请放在同一文件夹，写成 `![图片说明](照片.jpg)`（不带反引号）。\n",
    );
    // create_new: never overwrite, even if the file appeared just now.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("无法创建 {}", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(path)
}

/// The site's `site.yaml` with `overrides` applied, or why it cannot be
/// read in `root` (every message).
pub(crate) fn site_config(root: &Path, overrides: &Overrides) -> Result<Config> {
    let mut diags = Diagnostics::new();
    let site_yaml = root.join("site.yaml");
    let config = crate::source::read_source(root, &site_yaml, &mut diags)
        .and_then(|s| config::parse(&s, overrides, &mut diags));
    let Some(config) = config.filter(|_| !diags.has_errors()) else {
        let details: Vec<String> = diags.sorted().iter().map(|d| d.to_string()).collect();
        bail!(
            "读取 {} 失败，请先确认站点文件夹正确（可用 --root 指定）\n{}",
            site_yaml.display(),
            details.join("\n")
        );
    };
    Ok(config)
}

/// `kind` is one of the site's kinds, or the message listing them.
pub(crate) fn check_kind(config: &Config, kind: &str) -> Result<()> {
    if config.kind(kind).is_none() {
        bail!("未知的活动类别 “{kind}”，可选：{}", kind_choices(config));
    }
    Ok(())
}

/// `volunteer（志愿服务）、reading（读书活动）…`
pub(crate) fn kind_choices(config: &Config) -> String {
    let choices: Vec<String> = config
        .kinds
        .iter()
        .map(|k| format!("{}（{}）", k.id, k.name))
        .collect();
    choices.join("、")
}

/// A new report's text: the front matter `new report` fills in (title,
/// date, kind; criteria and offices left for the writer), then `body`.
/// Without `kind` its line is left empty, with the choices beside it.
pub(crate) fn report_text(
    title: &str,
    date: NaiveDate,
    kind: Option<&str>,
    config: &Config,
    body: &str,
) -> String {
    let quoted_title = serde_json::to_string(title).unwrap_or_else(|_| format!("\"{title}\""));
    let kind_line = match kind {
        Some(kind) => format!("kind: {kind}"),
        None => format!(
            "kind:                 # 必填，活动类别，可选：{}",
            kind_choices(config)
        ),
    };
    format!(
        "---\ntitle: {quoted_title}\ndate: {date}\n{kind_line}\n\
         criteria: []          # 本报道佐证的考评标准，如 [16, \"23.2\"]\n\
         offices: []           # 责任处室，如 [机关党委]\n\
         # participants: 30    # 参加人数\n\
         # hours: 60           # 志愿服务时长（小时）\n\
         # location: 活动地点\n\
         ---\n\n{body}"
    )
}

/// `content/reports/<date>-<slug>.md` for a new report titled `title`,
/// its slug numbered (`-2`, `-3` …) when another report has it already or
/// a bundle folder of that name is there.
pub(crate) fn free_report_path(root: &Path, title: &str, date: NaiveDate) -> PathBuf {
    let slug = slugify(title);
    let slug = if slug.is_empty() {
        "report".to_string()
    } else {
        slug
    };
    let dir = root.join("content/reports");
    let taken = crate::content::existing_slugs(root);
    let mut unique = slug.clone();
    let mut n = 2;
    while taken.contains(&unique) || dir.join(format!("{date}-{unique}")).exists() {
        unique = format!("{slug}-{n}");
        n += 1;
    }
    dir.join(format!("{date}-{unique}.md"))
}

/// A new site in `dir` from the defaults. `dir` must be missing or empty.
pub fn init(dir: &Path) -> Result<usize> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir)
            .with_context(|| format!("无法读取 {}", dir.display()))?
            .next()
            .is_some();
        if non_empty {
            bail!(
                "{} 已存在且不是空文件夹，未做任何修改；请指定一个新的文件夹名",
                dir.display()
            );
        }
    }
    let mut files: Vec<(PathBuf, &[u8])> =
        vec![(dir.join("site.yaml"), DEFAULT_SITE_YAML.as_bytes())];
    for (prefix, tree) in [
        ("data", &DEFAULT_DATA),
        ("content", &DEFAULT_CONTENT),
        ("static", &DEFAULT_STATIC),
    ] {
        collect(tree, &dir.join(prefix), &mut files);
    }
    for (path, bytes) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("无法创建文件夹 {}", parent.display()))?;
        }
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .with_context(|| format!("无法创建 {}", path.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("无法写入 {}", path.display()))?;
    }
    Ok(files.len())
}

fn collect<'a>(tree: &'a Dir<'a>, target: &Path, out: &mut Vec<(PathBuf, &'a [u8])>) {
    for f in tree.files() {
        out.push((
            target.join(f.path().file_name().unwrap_or_default()),
            f.contents(),
        ));
    }
    for d in tree.dirs() {
        collect(
            d,
            &target.join(d.path().file_name().unwrap_or_default()),
            out,
        );
    }
}
