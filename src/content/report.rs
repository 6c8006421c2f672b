//! Activity reports (SPEC §7): each file read, its front matter parsed
//! and checked against the site's kinds, the assessment table and the
//! offices; all of them parsed in parallel.

use super::slug::slug_for;
use super::walk::markdown_files;
use super::{Body, Loaded, Report};
use crate::config::{parse_date, Config};
use crate::data::{parse_citation, unknown_criterion, unknown_office, Citation, Table};
use crate::diagnostic::Diagnostics;
use crate::source::{self, nearest, SourceText};
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use std::path::Path;
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

/// Every report under `content/reports`, parsed in parallel; diagnostics
/// are merged in file order so output stays reproducible.
pub(crate) fn load_reports(
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
            let r = source::read_source(root, path, &mut d)
                .and_then(|src| parse_report(&src, path, *bundle, config, table, &mut d));
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
pub(crate) fn parse_datetime(s: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
