//! The report form ⇄ the report file. A form is read from the file's front
//! matter and body; a save writes a new report the way `wenming new
//! report` does, or changes in an existing one only the keys whose values
//! changed (through `yaml_edit`, so comments, order and spacing stay) and
//! the body. Before a save the candidate text goes through the parsers of
//! `wenming check`, and each message is put next to the field it is about.

use super::Snapshot;
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::yaml_edit::{self, Key, NewValue};
use anyhow::{anyhow, Result};
use serde::{Deserialize, Serialize};
use serde_yaml::Value;
use std::path::Path;

/// What the form shows and sends. Numbers travel as the text typed, so a
/// wrong one reaches the check and gets its message.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ReportForm {
    /// Site-relative path of the file; empty for a report not saved yet.
    pub(crate) path: String,
    /// The file's version when the form was opened (`store::version_of`).
    pub(crate) version: String,
    pub(crate) title: String,
    pub(crate) date: String,
    pub(crate) kind: String,
    pub(crate) criteria: Vec<String>,
    pub(crate) offices: Vec<String>,
    pub(crate) participants: String,
    pub(crate) hours: String,
    pub(crate) location: String,
    pub(crate) summary: String,
    pub(crate) attachments: Vec<String>,
    pub(crate) draft: bool,
    pub(crate) body: String,
}

/// A message of the check, with the form field it belongs to (`title`,
/// `body` …, or `""` for the report as a whole).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FieldMessage {
    pub(crate) field: String,
    pub(crate) error: bool,
    pub(crate) text: String,
}

/// The keys the form edits, in the order a new report writes them.
const FORM_KEYS: [&str; 11] = [
    "title",
    "date",
    "kind",
    "criteria",
    "offices",
    "participants",
    "hours",
    "location",
    "summary",
    "attachments",
    "draft",
];

/// A Markdown file split where its front matter ends, keeping what the
/// file had: a BOM, CRLF line ends.
struct Parts {
    bom: bool,
    crlf: bool,
    /// Front matter YAML and body, with `\n` line ends.
    yaml: String,
    body: String,
}

fn split(bytes: &[u8]) -> Result<Parts> {
    let mut diags = Diagnostics::new();
    let text = crate::source::decode("", bytes, &mut diags)
        .ok_or_else(|| anyhow!("这个文件不是文本文件，工作台不能打开它"))?;
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let crlf = bytes.windows(2).any(|w| w == b"\r\n");
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let Some(rest) = text.strip_prefix("---\n") else {
        // No front matter: everything is body; the save writes one.
        return Ok(Parts {
            bom,
            crlf,
            yaml: String::new(),
            body: text,
        });
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Ok(Parts {
                bom,
                crlf,
                yaml: rest[..offset].to_string(),
                body: rest[offset + line.len()..].to_string(),
            });
        }
        offset += line.len();
    }
    Err(anyhow!(
        "这篇报道的 front matter 没有用一行 “---” 结束，请先用记事本改正"
    ))
}

fn join(parts: &Parts) -> Vec<u8> {
    let mut text = format!("---\n{}---\n{}", parts.yaml, parts.body);
    if parts.crlf {
        text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    let mut out = Vec::with_capacity(text.len() + 3);
    if parts.bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    out.extend_from_slice(text.as_bytes());
    out
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn list_text(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(items)) => items.iter().map(scalar_text).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![scalar_text(other)],
    }
}

/// The form for the file at `rel` holding `bytes`.
pub(crate) fn read(rel: &str, bytes: &[u8]) -> Result<ReportForm> {
    let parts = split(bytes)?;
    let map: serde_yaml::Mapping = if parts.yaml.trim().is_empty() {
        Default::default()
    } else {
        serde_yaml::from_str(&parts.yaml)
            .map_err(|e| anyhow!("{rel} 的 front matter 有语法错误，请先用记事本改正：{e}"))?
    };
    let get = |k: &str| map.get(Value::String(k.into()));
    let text = |k: &str| get(k).map(scalar_text).unwrap_or_default();
    Ok(ReportForm {
        path: rel.to_string(),
        version: super::store::version_of(Some(bytes)),
        title: text("title"),
        date: text("date"),
        kind: text("kind"),
        criteria: list_text(get("criteria")),
        offices: list_text(get("offices")),
        participants: text("participants"),
        hours: text("hours"),
        location: text("location"),
        summary: text("summary"),
        attachments: list_text(get("attachments")),
        draft: matches!(get("draft"), Some(Value::Bool(true))),
        body: parts.body.trim_start_matches('\n').to_string(),
    })
}

/// The value the form gives `key`; `None` leaves the key out.
fn form_value(form: &ReportForm, key: &str) -> Option<NewValue> {
    let text = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| NewValue::Str(s.to_string()))
    };
    let list = |l: &[String]| {
        let l: Vec<NewValue> = l
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| match key {
                // As people write them: a whole criterion a number, an
                // item a quoted string (`[16, "23.2"]`).
                "criteria" => s
                    .parse::<i64>()
                    .map(NewValue::Int)
                    .unwrap_or_else(|_| NewValue::Str(s.to_string())),
                _ => NewValue::Str(s.to_string()),
            })
            .collect();
        (!l.is_empty()).then_some(NewValue::List(l))
    };
    match key {
        "title" => text(&form.title),
        "date" => {
            let d = form.date.trim();
            match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(date) => Some(NewValue::Date(date)),
                Err(_) => text(d),
            }
        }
        "kind" => text(&form.kind),
        // An empty list is kept as `[]`: the place to fill in stays visible.
        "criteria" => list(&form.criteria).or(Some(NewValue::List(vec![]))),
        "offices" => list(&form.offices),
        "participants" => {
            let s = form.participants.trim();
            match s.parse::<i64>() {
                Ok(n) => Some(NewValue::Int(n)),
                Err(_) => text(s),
            }
        }
        "hours" => {
            let s = form.hours.trim();
            match s.parse::<i64>() {
                Ok(n) => Some(NewValue::Int(n)),
                Err(_) => match s.parse::<f64>() {
                    Ok(f) if f.is_finite() => Some(NewValue::Float(f)),
                    _ => text(s),
                },
            }
        }
        "location" => text(&form.location),
        "summary" => text(&form.summary),
        "attachments" => list(&form.attachments),
        "draft" => form.draft.then_some(NewValue::Bool(true)),
        _ => None,
    }
}

/// The file the form makes: from `old` (the file as it is) when editing,
/// changing only the keys whose values differ; a whole new file otherwise.
pub(crate) fn write(form: &ReportForm, old: Option<&[u8]>) -> Result<Vec<u8>> {
    let body = normalise_body(&form.body);
    let Some(old) = old else {
        let mut yaml = String::new();
        for key in FORM_KEYS {
            if let Some(v) = form_value(form, key) {
                yaml = yaml_edit::set(&yaml, &[Key::Map(key)], &v).map_err(|e| anyhow!("{e}"))?;
            }
        }
        return Ok(join(&Parts {
            bom: false,
            crlf: false,
            yaml,
            body,
        }));
    };
    let mut parts = split(old)?;
    let before = read(&form.path, old)?;
    for key in FORM_KEYS {
        if form_value(form, key) == form_value(&before, key) {
            continue;
        }
        parts.yaml = match form_value(form, key) {
            Some(v) => yaml_edit::set(&parts.yaml, &[Key::Map(key)], &v),
            None => yaml_edit::remove(&parts.yaml, &[Key::Map(key)]),
        }
        .map_err(|e| anyhow!("{}：{e}", form.path))?;
    }
    // An unchanged body is kept byte for byte.
    if before.body != form.body {
        parts.body = body;
    }
    Ok(join(&parts))
}

/// A body as typed in a `<textarea>` (CRLF from Windows browsers), with a
/// blank line after the front matter and one line end at its end.
fn normalise_body(body: &str) -> String {
    let body = body.replace("\r\n", "\n");
    let body = body.trim_matches('\n');
    if body.is_empty() {
        "\n".to_string()
    } else {
        format!("\n{body}\n")
    }
}

/// Where a new report goes: `content/reports/<date>-<slug>.md`, with a
/// slug no other report has.
pub(crate) fn new_path(root: &Path, form: &ReportForm) -> Result<String> {
    let date = chrono::NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("请先填写正确的日期（如 2022-09-15），新报道的文件名要用它"))?;
    let title = form.title.trim();
    if title.is_empty() {
        return Err(anyhow!("请先填写标题，新报道的文件名要用它"));
    }
    let path = crate::scaffold::free_report_path(root, title, date);
    let rel = crate::diagnostic::display_path(root, &path);
    Ok(rel)
}

/// The messages `wenming check` gives the candidate `text` of the report
/// at `rel`, each with its field, and the body rendered as the page shows
/// it (links resolved, for the side preview).
pub(crate) fn check(
    snapshot: &Snapshot,
    root: &Path,
    rel: &str,
    text: &[u8],
) -> (Vec<FieldMessage>, String) {
    let mut diags = Diagnostics::new();
    let Some(inputs) = snapshot.inputs.as_deref() else {
        let message = FieldMessage {
            field: String::new(),
            error: true,
            text: "站点的设置或考评标准表有错误，先改正它们（见“总览”）才能检查报道".into(),
        };
        return (vec![message], String::new());
    };
    let path = root.join(rel);
    let bundle = rel.ends_with("/index.md") && Path::new(rel).components().count() == 4;
    let Some(source) =
        crate::source::decode(rel, text, &mut diags).map(|text| crate::source::SourceText {
            path: rel.to_string(),
            text,
        })
    else {
        return (to_fields(&diags.sorted(), ""), String::new());
    };
    let report = crate::content::parse_report(
        &source,
        &path,
        bundle,
        &inputs.config,
        Some(&inputs.table),
        &mut diags,
    );
    let mut html = String::new();
    if let Some(report) = report {
        // Cross-checks (one slug per report …) need the whole site, with
        // this report in place of what is on disk.
        // The snapshot may predate the upload that turned `X.md` into
        // `X/index.md`: neither form of this report is another report.
        let other_form = match rel.strip_suffix("/index.md") {
            Some(stem) => format!("{stem}.md"),
            None => format!("{}/index.md", rel.trim_end_matches(".md")),
        };
        let mut inputs = inputs.clone();
        inputs
            .reports
            .retain(|r| r.body.path != rel && r.body.path != other_form);
        inputs.reports.push(std::sync::Arc::new(report.clone()));
        let mut site_diags = Diagnostics::new();
        let site = crate::model::assemble(inputs, true, &mut site_diags);
        site_diags.retain(|d| d.path == rel);
        diags.extend(site_diags);
        let routes = crate::render::preview_routes(&site);
        let ctx = crate::markdown::PageContext {
            routes: &routes,
            images: None,
            path: rel,
            dir: &report.body.dir,
            route: &crate::model::Site::report_route(&report),
            first_line: report.body.first_line,
        };
        html = crate::markdown::render(&report.body.markdown, &ctx, &mut diags).html;
        // The report's own pictures relative to it, so that the side preview
        // takes them from the folder on disk (its <base>): a report just
        // imported or given photos is not in the preview site yet.
        let own = site
            .config
            .urls
            .path(&crate::model::Site::report_route(&report));
        html = html.replace(&format!("src=\"{own}"), "src=\"");
    }
    (to_fields(&diags.sorted(), &source.text), html)
}

/// Which field each message is about: the front matter key written on its
/// line, `body` below the front matter.
fn to_fields(diags: &[Diagnostic], text: &str) -> Vec<FieldMessage> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .iter()
        .skip(1)
        .position(|l| l.trim_end() == "---")
        .map(|i| i + 2);
    diags
        .iter()
        .map(|d| {
            let field = match end {
                Some(end) if d.line > end => "body".to_string(),
                _ if d.line >= 2 => key_of_line(&lines, d.line),
                _ => String::new(),
            };
            FieldMessage {
                field,
                error: d.severity == Severity::Error,
                text: d.message_with_hint(),
            }
        })
        .collect()
}

/// The top-level key a front matter line belongs to (its own, or the one
/// a continued value started under).
fn key_of_line(lines: &[&str], line: usize) -> String {
    for l in lines[..line.min(lines.len())].iter().rev() {
        if l.starts_with(' ') || l.starts_with('-') || l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        if let Some((key, _)) = l.split_once(':') {
            let key = key.trim().trim_matches('"');
            if FORM_KEYS.contains(&key) {
                return key.to_string();
            }
            return String::new();
        }
    }
    String::new()
}

/// A photo or attachment name a Windows user may have: no folders, no
/// characters Windows or URLs trip on, a known kind of file.
pub(crate) fn clean_name(name: &str, photo: bool) -> Result<String> {
    let name = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let cleaned: String =
        name.chars()
            .map(|c| match c {
                '<' | '>' | ':' | '"' | '|' | '?' | '*' | '#' | '%' | '&' | '[' | ']' | '('
                | ')' => '-',
                c if c.is_control() => '-',
                ' ' | '\u{3000}' => '-',
                c => c,
            })
            .collect();
    let cleaned = cleaned.trim_start_matches(['.', '-']).to_string();
    let ext = cleaned
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let allowed: &[&str] = if photo {
        &["jpg", "jpeg", "png", "webp", "gif"]
    } else {
        &[
            "pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "ofd", "wps", "et",
        ]
    };
    if cleaned.is_empty() || !allowed.contains(&ext.as_str()) {
        return Err(anyhow!(
            "不能上传 “{name}”：{}只能是 {} 文件",
            if photo { "照片" } else { "附件" },
            allowed.join("、")
        ));
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HAND_WRITTEN: &str = "---\ntitle: 读书会\ndate: 2022-10-08   # 活动当天\nkind: reading\ncriteria: [18]\n# 处室以后再补\nparticipants: 20\n---\n\n正文第一段。\n";

    #[test]
    fn an_edit_changes_only_the_values_that_changed() {
        let mut form = read("content/reports/a.md", HAND_WRITTEN.as_bytes()).unwrap();
        assert_eq!(form.title, "读书会");
        assert_eq!(form.criteria, vec!["18"]);
        assert_eq!(form.participants, "20");
        form.participants = "25".into();
        let out = String::from_utf8(write(&form, Some(HAND_WRITTEN.as_bytes())).unwrap()).unwrap();
        assert_eq!(
            out,
            HAND_WRITTEN.replace("participants: 20", "participants: 25")
        );
        // Nothing changed: the same bytes.
        let same = read("content/reports/a.md", HAND_WRITTEN.as_bytes()).unwrap();
        assert_eq!(
            write(&same, Some(HAND_WRITTEN.as_bytes())).unwrap(),
            HAND_WRITTEN.as_bytes()
        );
    }

    #[test]
    fn crlf_and_bom_stay_as_the_file_had_them() {
        let windows = format!("\u{feff}{}", HAND_WRITTEN.replace('\n', "\r\n"));
        let mut form = read("content/reports/a.md", windows.as_bytes()).unwrap();
        form.body = "新的正文。\r\n第二行。".into();
        let out = String::from_utf8(write(&form, Some(windows.as_bytes())).unwrap()).unwrap();
        assert!(out.starts_with("\u{feff}---\r\ntitle: 读书会\r\n"), "{out}");
        assert!(
            out.ends_with("---\r\n\r\n新的正文。\r\n第二行。\r\n"),
            "{out}"
        );
        assert!(!out.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn a_new_report_is_written_as_a_person_would() {
        let form = ReportForm {
            title: "志愿服务: 进社区".into(),
            date: "2022-09-15".into(),
            kind: "volunteer".into(),
            criteria: vec!["16".into(), "23.2".into()],
            participants: "32".into(),
            body: "正文".into(),
            ..Default::default()
        };
        let out = String::from_utf8(write(&form, None).unwrap()).unwrap();
        let (yaml, body) = out
            .strip_prefix("---\n")
            .unwrap()
            .split_once("---\n")
            .unwrap();
        let map: serde_yaml::Mapping = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(map.get("title").unwrap().as_str(), Some("志愿服务: 进社区"));
        assert_eq!(map.get("participants").unwrap().as_u64(), Some(32));
        assert_eq!(body, "\n正文\n");
        assert!(!yaml.contains("offices"), "{yaml}");
    }

    #[test]
    fn a_report_just_turned_into_a_bundle_is_not_its_own_duplicate() {
        // The snapshot still holds the single file the first photo's upload
        // turned into `…/index.md`: the save right after must pass.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut diags = Diagnostics::new();
        let inputs = crate::model::load(root, &Default::default(), &mut diags).unwrap();
        let single = "content/reports/2022-09-22-lianjie-jidi.md";
        assert!(inputs.reports.iter().any(|r| r.body.path == single));
        let snapshot = Snapshot {
            inputs: Some(std::sync::Arc::new(inputs)),
            ..Default::default()
        };
        let text = std::fs::read(root.join(single)).unwrap();
        let bundle = "content/reports/2022-09-22-lianjie-jidi/index.md";
        let (messages, html) = check(&snapshot, root, bundle, &text);
        assert!(
            messages.iter().all(|m| !m.error),
            "{:?}",
            messages.iter().map(|m| &m.text).collect::<Vec<_>>()
        );
        assert!(!html.is_empty());
        // A real second report with the same slug is still refused.
        let other = "content/reports/2023-01-01-lianjie-jidi.md";
        let (messages, _) = check(&snapshot, root, other, &text);
        assert!(messages.iter().any(|m| m.error && m.text.contains("重复")));
    }

    #[test]
    fn upload_names_are_cleaned() {
        assert_eq!(
            clean_name("C:\\Users\\办公室\\IMG 001.JPG", true).unwrap(),
            "IMG-001.JPG"
        );
        assert_eq!(
            clean_name("../../etc/签到表.pdf", false).unwrap(),
            "签到表.pdf"
        );
        assert!(clean_name("run.exe", false).is_err());
        assert!(clean_name("photo.pdf", true).is_err());
        assert!(clean_name("...", true).is_err());
    }
}
