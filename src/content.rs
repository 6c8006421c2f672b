//! `content/`: activity reports (SPEC §7) and publicity pages (SPEC §8).
//! Walks the folders, decodes each file, reads its front matter and checks
//! it against the site's kinds, the assessment table and the offices.

use crate::config::{parse_date, Config};
use crate::data::{parse_citation, unknown_criterion, unknown_office, Citation, Table};
use crate::diagnostic::{Diagnostics, Pos};
use crate::source::{self, find_key, find_value, nearest, SourceText};
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    title: Option<String>,
    date: Option<serde_yaml::Value>,
    kind: Option<String>,
    #[serde(default)]
    criteria: Vec<serde_yaml::Value>,
    #[serde(default)]
    offices: Vec<String>,
    participants: Option<u32>,
    hours: Option<f64>,
    location: Option<String>,
    summary: Option<String>,
    cover: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    attachments: Vec<String>,
    #[serde(default)]
    draft: bool,
    slug: Option<String>,
    extra: Option<serde_yaml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    title: Option<String>,
    #[serde(default)]
    weight: i64,
    #[serde(default)]
    menu: bool,
    summary: Option<String>,
    slug: Option<String>,
    #[serde(default)]
    draft: bool,
}

/// Markdown text with where it came from, for link and image resolution.
#[derive(Debug, Clone)]
pub struct Body {
    /// Site-relative path of the source file.
    pub path: String,
    /// Folder of the source file, absolute.
    pub dir: PathBuf,
    pub markdown: String,
    /// Line in the file where the body starts.
    pub first_line: usize,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub slug: String,
    pub title: String,
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub kind: String,
    pub criteria: Vec<Citation>,
    pub offices: Vec<String>,
    pub participants: Option<u32>,
    pub hours: Option<f64>,
    pub location: Option<String>,
    pub summary: Option<String>,
    pub cover: Option<String>,
    pub tags: Vec<String>,
    pub attachments: Vec<String>,
    pub draft: bool,
    pub extra: serde_json::Value,
    pub bundle: bool,
    pub body: Body,
    /// The front matter as written, to point later messages at a key.
    pub front_matter: String,
}

impl Report {
    /// Where `value` of `key` is written in the file (for messages found
    /// after loading, such as a missing cover photo).
    pub fn pos_of(&self, key: &str, value: &str) -> Pos {
        find_value(&self.front_matter, key, value)
            .map(|p| Pos::new(p.line + 1, p.column))
            .unwrap_or(Pos::new(1, 1))
    }
}

#[derive(Debug, Clone)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub weight: i64,
    pub menu: bool,
    pub summary: Option<String>,
    pub body: Body,
}

/// The URL slug for a name: ASCII kept (lowercased), Chinese turned into
/// pinyin syllables, everything else a separator.
pub fn slugify(name: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::new();
    let mut sep = false;
    let chars: Vec<char> = name.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // Words whose characters read differently than alone (长沙, 调研).
        if let Some((word, reading)) = PHRASES
            .iter()
            .find(|(w, _)| chars[i..].starts_with(&w.chars().collect::<Vec<_>>()))
        {
            for syllable in reading.split(' ') {
                if !out.is_empty() {
                    out.push('-');
                }
                out.push_str(syllable);
            }
            sep = true;
            i += word.chars().count();
            continue;
        }
        let c = chars[i];
        i += 1;
        if c.is_ascii_alphanumeric() {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        } else if let Some(p) = c.to_pinyin() {
            if !out.is_empty() {
                out.push('-');
            }
            out.push_str(p.plain());
            sep = true;
        } else {
            sep = true;
        }
    }
    out
}

/// Readings the character-by-character default gets wrong, for words common
/// in this field's titles.
const PHRASES: &[(&str, &str)] = &[
    ("长沙", "chang sha"),
    ("长江", "chang jiang"),
    ("长城", "chang cheng"),
    ("长征", "chang zheng"),
    ("长效", "chang xiao"),
    ("长期", "chang qi"),
    ("重阳", "chong yang"),
    ("重庆", "chong qing"),
    ("重温", "chong wen"),
    ("银行", "yin hang"),
    ("行业", "hang ye"),
    ("调研", "diao yan"),
    ("调查", "diao cha"),
    ("首都", "shou du"),
    ("成都", "cheng du"),
    ("音乐", "yin yue"),
    ("传记", "zhuan ji"),
    ("还原", "huan yuan"),
    ("单位", "dan wei"),
    ("党员", "dang yuan"),
];

/// `2022-09-15-community-service` → `community-service`.
fn strip_date_prefix(stem: &str) -> &str {
    let b = stem.as_bytes();
    let dated = b.len() > 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b[10] == b'-' || b[10] == b'_');
    if dated {
        &stem[11..]
    } else {
        stem
    }
}

/// Markdown sources under `dir`, sorted, each with whether it is a bundle
/// (`<name>/index.md`). Other files in a bundle are its assets.
fn markdown_files(dir: &Path) -> Vec<(PathBuf, bool)> {
    use rayon::prelude::*;
    // The top level is listed here, and each entry of it (a bundle, or a
    // folder of reports) is read in parallel: a site of 1,000 bundles
    // spent 10–15 ms reading them one after another. The order is
    // walkdir's sorted depth-first order, as one walk would give.
    sorted_entries(dir)
        .par_iter()
        .flat_map_iter(|entry| {
            let mut found = Vec::new();
            visit(entry, &mut found);
            found
        })
        .collect()
}

/// The entries of `dir` in name order (none when it cannot be read).
fn sorted_entries(dir: &Path) -> Vec<std::fs::DirEntry> {
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map(|read| read.flatten().collect())
        .unwrap_or_default();
    entries.sort_by_key(|e| e.file_name());
    entries
}

/// One entry of a folder of reports: a report file, or a folder. Links are
/// not followed (a link's file type is neither).
fn visit(entry: &std::fs::DirEntry, found: &mut Vec<(PathBuf, bool)>) {
    let Ok(file_type) = entry.file_type() else {
        return;
    };
    if file_type.is_dir() {
        walk_folder(&entry.path(), found);
    } else if file_type.is_file() {
        let path = entry.path();
        let is_markdown = path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("md"))
            && !entry
                .file_name()
                .to_string_lossy()
                .starts_with(['.', '~', '_']);
        // (Not a bundle's index: `walk_folder` took those.)
        if is_markdown {
            found.push((path, false));
        }
    }
}

/// A folder below `content/reports`: a bundle when it holds `index.md`
/// (everything else in it, photos, other `.md` files and subfolders,
/// belongs to that report and is not read here: 1,000 bundles were 5,000
/// system calls to list), else a folder of reports, read in name order.
fn walk_folder(dir: &Path, found: &mut Vec<(PathBuf, bool)>) {
    let index = dir.join("index.md");
    // (A link named index.md is not followed, as elsewhere.)
    if std::fs::symlink_metadata(&index).is_ok_and(|m| m.is_file()) {
        found.push((index, true));
    } else {
        for entry in sorted_entries(dir) {
            visit(&entry, found);
        }
    }
}

fn name_for_slug(path: &Path, bundle: bool) -> String {
    let named = if bundle {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    let stem = if bundle {
        named
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        named
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    strip_date_prefix(&stem).to_string()
}

fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

struct Loaded<'a> {
    src: &'a SourceText,
    yaml: &'a str,
    first_line: usize,
}

impl Loaded<'_> {
    fn key_pos(&self, key: &str) -> Pos {
        find_key(self.yaml, key)
            .map(|p| self.shift(p))
            .unwrap_or(Pos::new(self.first_line.saturating_sub(1).max(1), 1))
    }
    fn value_pos(&self, key: &str, value: &str) -> Pos {
        find_value(self.yaml, key, value)
            .map(|p| self.shift(p))
            .unwrap_or_else(|| self.key_pos(key))
    }
    fn shift(&self, p: Pos) -> Pos {
        Pos::new(p.line + self.first_line - 1, p.column)
    }
}

fn slug_for(
    l: &Loaded,
    given: Option<String>,
    path: &Path,
    bundle: bool,
    diags: &mut Diagnostics,
) -> String {
    match given {
        Some(s) if valid_slug(&s) => s,
        Some(s) => {
            diags.error_hint(
                &l.src.path,
                l.key_pos("slug"),
                format!("slug “{s}” 含有网址中不宜使用的字符"),
                format!("只用小写字母、数字和 -，如 {}", slugify(&s)),
            );
            slugify(&s)
        }
        None => {
            let s = slugify(&name_for_slug(path, bundle));
            if s.is_empty() {
                "untitled".into()
            } else {
                s
            }
        }
    }
}

/// Every report under `content/reports`, parsed in parallel; diagnostics
/// are merged in file order so output stays reproducible.
pub fn load_reports(
    root: &Path,
    config: &Config,
    table: Option<&Table>,
    diags: &mut Diagnostics,
) -> Vec<Arc<Report>> {
    use rayon::prelude::*;
    let files = markdown_files(&root.join("content/reports"));
    let parsed: Vec<(Option<Report>, Diagnostics)> = files
        .par_iter()
        .map(|(path, bundle)| {
            let mut d = Diagnostics::new();
            let r = load_report_file(root, path, *bundle, config, table, &mut d);
            (r, d)
        })
        .collect();
    let mut reports = Vec::with_capacity(parsed.len());
    for (r, d) in parsed {
        diags.extend(d);
        reports.extend(r.map(Arc::new));
    }
    reports
}

/// One report file, read and parsed.
pub fn load_report_file(
    root: &Path,
    path: &Path,
    bundle: bool,
    config: &Config,
    table: Option<&Table>,
    diags: &mut Diagnostics,
) -> Option<Report> {
    let src = source::read_source(root, path, diags)?;
    parse_report(&src, path, bundle, config, table, diags)
}

/// The slugs the reports under `root` get from their file names (a
/// front-matter `slug:` is not read: this is for naming new files).
pub fn existing_slugs(root: &Path) -> std::collections::HashSet<String> {
    markdown_files(&root.join("content/reports"))
        .into_iter()
        .map(|(p, bundle)| slugify(&name_for_slug(&p, bundle)))
        .collect()
}

/// Whether a Markdown path is a bundle's `index.md` (`reports/<name>/index.md`).
pub fn is_bundle(reports_dir: &Path, path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "index.md")
        && path.parent().is_some_and(|p| p != reports_dir)
}

pub fn parse_report(
    src: &SourceText,
    path: &Path,
    bundle: bool,
    config: &Config,
    table: Option<&Table>,
    diags: &mut Diagnostics,
) -> Option<Report> {
    let fm = source::split_front_matter(src, diags)?;
    let raw: RawReport = source::parse_yaml(&src.path, fm.yaml, fm.first_line, diags)?;
    let l = Loaded {
        src,
        yaml: fm.yaml,
        first_line: fm.first_line,
    };
    let p = src.path.as_str();
    let mut ok = true;

    let title = raw
        .title
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if title.is_none() {
        diags.error_hint(
            p,
            l.key_pos("title"),
            "缺少标题 title",
            "在 front matter 中加一行 title: 活动标题",
        );
        ok = false;
    }
    let (date, time) = match raw.date.as_ref().map(yaml_scalar) {
        None => {
            diags.error_hint(
                p,
                l.key_pos("date"),
                "缺少日期 date",
                "加一行 date: 2022-09-15（活动日期）",
            );
            ok = false;
            (None, None)
        }
        Some(s) => match parse_datetime(&s) {
            Some((d, t)) => (Some(d), t),
            None => {
                crate::config::date_error(diags, p, l.value_pos("date", &s), "date", &s);
                ok = false;
                (None, None)
            }
        },
    };
    let kind_ids: Vec<&str> = config.kinds.iter().map(|k| k.id.as_str()).collect();
    match raw.kind.as_deref() {
        None => {
            diags.error_hint(
                p,
                l.key_pos("kind"),
                "缺少活动类别 kind",
                format!("加一行 kind: 类别编号，可选：{}", kind_choices(config)),
            );
            ok = false;
        }
        // Without kinds (site.yaml unreadable, already reported) nothing to check against.
        Some(k) if config.kind(k).is_none() && !config.kinds.is_empty() => {
            let hint = match nearest(k, kind_ids.iter().copied()) {
                Some(n) => format!("是否想写 “{n}”？可选：{}", kind_choices(config)),
                None => format!(
                    "可选：{}（类别在 site.yaml 的 kinds 中定义）",
                    kind_choices(config)
                ),
            };
            diags.error_hint(
                p,
                l.value_pos("kind", k),
                format!("未知的活动类别 “{k}”"),
                hint,
            );
            ok = false;
        }
        Some(_) => {}
    }

    let mut criteria = Vec::new();
    for v in &raw.criteria {
        let s = yaml_scalar(v);
        let pos = l.value_pos("criteria", &s);
        let Some((cid, item)) = parse_citation(&s) else {
            diags.error_hint(
                p,
                pos,
                format!("“{s}” 不是考评标准编号"),
                "写条目序号，如 16，或具体某项，如 \"23.2\"",
            );
            continue;
        };
        let citation = Citation {
            criterion: cid,
            item,
        };
        if let Some(t) = table {
            match t.criterion(cid) {
                None => {
                    let (m, h) = unknown_criterion(cid, t);
                    diags.error_hint(p, pos, m, h);
                    continue;
                }
                Some(c) => {
                    if let Some(i) = item {
                        if i == 0 || i > c.items.len() {
                            diags.error_hint(
                                p,
                                pos,
                                format!("第 {cid} 条没有第 {i} 项（“{s}”）"),
                                format!(
                                    "第 {cid} 条共 {} 项，可写：{}",
                                    c.items.len(),
                                    c.items
                                        .iter()
                                        .map(|x| format!("\"{}\"", x.id))
                                        .collect::<Vec<_>>()
                                        .join("、")
                                ),
                            );
                            continue;
                        }
                    }
                }
            }
        }
        if !criteria.contains(&citation) {
            criteria.push(citation);
        }
    }
    if let Some(t) = table {
        for o in &raw.offices {
            if !t.offices.contains(o) {
                unknown_office(diags, p, l.value_pos("offices", o), o, &t.offices);
            }
        }
    }
    let hours = raw.hours.map(|h| {
        source::amount(
            diags,
            p,
            || l.key_pos("hours"),
            "服务时长 hours ",
            h,
            "hours 写成志愿服务的总小时数，如 hours: 96",
        )
    });
    let slug = slug_for(&l, raw.slug, path, bundle, diags);
    let extra = match raw.extra {
        Some(v) => serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
        None => serde_json::Value::Object(Default::default()),
    };
    if !ok {
        return None;
    }
    Some(Report {
        slug,
        title: title?,
        date: date?,
        time,
        kind: raw.kind?,
        criteria,
        offices: raw.offices,
        participants: raw.participants,
        hours,
        location: raw.location,
        summary: raw.summary,
        cover: raw.cover,
        tags: raw.tags,
        attachments: raw.attachments,
        draft: raw.draft,
        extra,
        bundle,
        body: Body {
            path: src.path.clone(),
            dir: path.parent().unwrap_or(path).to_path_buf(),
            markdown: fm.body.to_string(),
            first_line: fm.body_line,
        },
        front_matter: fm.yaml.to_string(),
    })
}

fn kind_choices(config: &Config) -> String {
    config
        .kinds
        .iter()
        .map(|k| format!("{}（{}）", k.id, k.name))
        .collect::<Vec<_>>()
        .join("、")
}

fn yaml_scalar(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.trim().to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// `2022-09-15`, `2022-09-15 09:30`, `2022-09-15T09:30:00`.
pub fn parse_datetime(s: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let s = s.trim();
    if let Some(d) = parse_date(s) {
        return Some((d, None));
    }
    let (d, t) = s.split_once([' ', 'T'])?;
    let date = parse_date(d)?;
    let t = t.trim().trim_end_matches('Z');
    let time = NaiveTime::parse_from_str(t, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
        .ok()?;
    Some((date, Some(time)))
}

pub fn load_pages(root: &Path, diags: &mut Diagnostics) -> Vec<Page> {
    let dir = root.join("content/pages");
    let mut pages = Vec::new();
    for (path, bundle) in markdown_files(&dir) {
        let Some(src) = source::read_source(root, &path, diags) else {
            continue;
        };
        let Some(fm) = source::split_front_matter(&src, diags) else {
            continue;
        };
        let Some(raw) = source::parse_yaml::<RawPage>(&src.path, fm.yaml, fm.first_line, diags)
        else {
            continue;
        };
        let l = Loaded {
            src: &src,
            yaml: fm.yaml,
            first_line: fm.first_line,
        };
        let Some(title) = raw.title.filter(|t| !t.trim().is_empty()) else {
            diags.error_hint(
                &src.path,
                l.key_pos("title"),
                "缺少标题 title",
                "在 front matter 中加一行 title: 页面标题",
            );
            continue;
        };
        if raw.draft {
            continue;
        }
        let slug = slug_for(&l, raw.slug, &path, bundle, diags);
        pages.push(Page {
            slug,
            title: title.trim().to_string(),
            weight: raw.weight,
            menu: raw.menu,
            summary: raw.summary,
            body: Body {
                path: src.path.clone(),
                dir: path.parent().unwrap_or(&path).to_path_buf(),
                markdown: fm.body.to_string(),
                first_line: fm.body_line,
            },
        });
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("志愿服务进社区"), "zhi-yuan-fu-wu-jin-she-qu");
        assert_eq!(
            slugify("长沙重阳节调研"),
            "chang-sha-chong-yang-jie-diao-yan"
        );
        assert_eq!(slugify("Community Service"), "community-service");
        assert_eq!(
            slugify("二十大精神宣讲 2022"),
            "er-shi-da-jing-shen-xuan-jiang-2022"
        );
        assert_eq!(
            strip_date_prefix("2022-09-15-community-service"),
            "community-service"
        );
        assert_eq!(strip_date_prefix("2022-09-15"), "2022-09-15");
        assert_eq!(
            slugify(&name_for_slug(
                Path::new("r/2022-10-20-志愿服务进社区.md"),
                false
            )),
            "zhi-yuan-fu-wu-jin-she-qu"
        );
        assert_eq!(
            name_for_slug(Path::new("r/2022-10-20-reading/index.md"), true),
            "reading"
        );
    }

    #[test]
    fn citations_and_dates() {
        assert_eq!(parse_citation("16"), Some((16, None)));
        assert_eq!(parse_citation("23.2"), Some((23, Some(2))));
        assert_eq!(parse_citation("x"), None);
        assert!(parse_datetime("2022-02-29").is_none());
        assert_eq!(
            parse_datetime("2022-09-15 09:30")
                .unwrap()
                .1
                .unwrap()
                .to_string(),
            "09:30:00"
        );
    }
}
