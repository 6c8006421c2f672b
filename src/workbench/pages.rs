//! The workbench's pages: Rust builds the view of each (plain data from the
//! snapshot), the templates in `templates/` make the markup, escaped.
//! Everything they need is served from here: no CDN, no web font.

use super::ledger::{written_keys, HONORS, INDICATORS, LEDGER};
use super::reports::{self, ReportForm};
use super::{store, Snapshot, Workbench};
use crate::model::{Inputs, Site};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

const TEMPLATES: [(&str, &str); 7] = [
    ("base.html", include_str!("templates/base.html")),
    ("overview.html", include_str!("templates/overview.html")),
    ("reports.html", include_str!("templates/reports.html")),
    ("report.html", include_str!("templates/report.html")),
    ("ledger.html", include_str!("templates/ledger.html")),
    ("build.html", include_str!("templates/build.html")),
    ("backups.html", include_str!("templates/backups.html")),
];

const ASSETS: [(&str, &str, &str); 2] = [
    (
        "workbench.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/workbench.js"),
    ),
    (
        "workbench.css",
        "text/css; charset=utf-8",
        include_str!("assets/workbench.css"),
    ),
];

pub(super) fn templates() -> anyhow::Result<tera::Tera> {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates(TEMPLATES.to_vec())
        .map_err(|e| anyhow::anyhow!("工作台的页面模板有误：{e}"))?;
    tera.autoescape_on(vec![".html"]);
    Ok(tera)
}

pub(super) async fn asset(UrlPath(name): UrlPath<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => ([(CONTENT_TYPE, *kind)], *body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A photo or attachment of a report as it is in the site folder, for the
/// form's thumbnails and preview before the preview site has it. Only
/// pictures are shown inline; anything else (an SVG could run script) is a
/// download.
pub(super) async fn source(
    State(wb): State<Arc<Workbench>>,
    UrlPath(rel): UrlPath<String>,
) -> Response {
    let Ok(path) = store::resolve(&wb.root, &rel) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !rel.starts_with("content/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(bytes) = std::fs::read(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let extension = rel.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let kind = match extension.as_str() {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "webp" => Some("image/webp"),
        "gif" => Some("image/gif"),
        _ => None,
    };
    let nosniff = (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    match kind {
        Some(kind) => ([(CONTENT_TYPE, kind), nosniff], bytes).into_response(),
        None => (
            [
                (CONTENT_TYPE, "application/octet-stream"),
                (axum::http::header::CONTENT_DISPOSITION, "attachment"),
                nosniff,
            ],
            bytes,
        )
            .into_response(),
    }
}

/// JSON for a `<script type="application/json">`: nothing in it can end
/// the script element.
fn script_json(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn page(
    wb: &Workbench,
    template: &str,
    active: &str,
    title: &str,
    mut ctx: tera::Context,
) -> Response {
    let snapshot = wb.snapshot();
    ctx.insert("title", title);
    ctx.insert("active", active);
    ctx.insert("csrf", &wb.access.csrf);
    ctx.insert("preview", &snapshot.base);
    ctx.insert("summary", &snapshot.summary);
    match wb.templates.render(template, &ctx) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                message = format!("{message}：{s}");
                source = s.source();
            }
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("工作台页面出错：{message}"),
            )
                .into_response()
        }
    }
}

/// The form that fixes what a message is about.
fn fix_link(path: &str) -> Option<String> {
    if path.starts_with("content/reports/") && path.ends_with(".md") {
        Some(format!("report?path={}", crate::urls::encode(path)))
    } else if path == LEDGER || path == INDICATORS || path == HONORS {
        Some("ledger".into())
    } else {
        None
    }
}

#[derive(Serialize)]
struct MessageView {
    error: bool,
    text: String,
    link: Option<String>,
    path: String,
}

fn messages(snapshot: &Snapshot) -> Vec<MessageView> {
    snapshot
        .diagnostics
        .iter()
        .map(|d| MessageView {
            error: d.severity == crate::diagnostic::Severity::Error,
            text: d.to_string(),
            link: fix_link(&d.path),
            path: d.path.clone(),
        })
        .collect()
}

fn assembled(inputs: &Inputs, drafts: bool) -> Site {
    let mut ignore = crate::diagnostic::Diagnostics::new();
    crate::model::assemble(inputs.clone(), drafts, &mut ignore)
}

fn no_site(wb: &Workbench, active: &str, title: &str) -> Response {
    let mut ctx = tera::Context::new();
    ctx.insert("messages", &messages(&wb.snapshot()));
    ctx.insert("unit", &json!(null));
    page(wb, "overview.html", active, title, ctx)
}

pub(super) async fn overview(State(wb): State<Arc<Workbench>>) -> Response {
    let snapshot = wb.snapshot();
    let Some(inputs) = snapshot.inputs.as_deref() else {
        return no_site(&wb, "overview", "总览");
    };
    let site = assembled(inputs, snapshot.drafts);
    let unit = &site.progress.unit;
    let mut overdue = Vec::new();
    let mut without_evidence = Vec::new();
    for c in site.table.criteria() {
        let Some(p) = site.progress.criteria.get(&c.id) else {
            continue;
        };
        for item in p.items.iter().filter(|i| i.overdue) {
            let text = c
                .items
                .iter()
                .find(|i| i.id == item.id)
                .map(|i| i.text.clone());
            overdue.push(json!({
                "id": item.id,
                "text": text,
                "deadline": item.deadline.map(|d| d.to_string()),
                "status": item.status.label(),
            }));
        }
        if site.evidence.get(&c.id).is_none_or(|e| e.is_empty()) {
            without_evidence
                .push(json!({ "id": c.id, "text": c.text.clone().unwrap_or_default() }));
        }
    }
    let mut ctx = tera::Context::new();
    ctx.insert(
        "unit",
        &json!({
            "score": crate::data::fmt_points(unit.score),
            "total": crate::data::fmt_points(unit.total),
            "bonus": crate::data::fmt_points(unit.bonus),
            "items": unit.items,
            "done": unit.done,
            "doing": unit.doing,
            "todo": unit.todo,
            "overdue": unit.overdue,
            "reports": site.reports.len(),
        }),
    );
    ctx.insert("overdue", &overdue);
    ctx.insert("without_evidence", &without_evidence);
    ctx.insert("messages", &messages(&snapshot));
    page(&wb, "overview.html", "overview", "总览", ctx)
}

/// The lists the report forms choose from.
fn choices(inputs: &Inputs) -> serde_json::Value {
    let kinds: Vec<_> = inputs
        .config
        .kinds
        .iter()
        .map(|k| json!({ "id": k.id, "name": k.name }))
        .collect();
    let mut criteria = Vec::new();
    for cat in &inputs.table.categories {
        for c in &cat.criteria {
            criteria.push(json!({
                "id": c.id.to_string(),
                "text": c.text.clone().unwrap_or_default(),
                "category": cat.name,
                "items": c.items.iter().map(|i| json!({
                    "id": i.id,
                    "text": i.text,
                    "points": crate::data::fmt_points(i.points),
                })).collect::<Vec<_>>(),
            }));
        }
    }
    json!({ "kinds": kinds, "criteria": criteria, "offices": inputs.table.offices })
}

pub(super) async fn report_list(State(wb): State<Arc<Workbench>>) -> Response {
    let snapshot = wb.snapshot();
    let Some(inputs) = snapshot.inputs.as_deref() else {
        return no_site(&wb, "reports", "报道");
    };
    let kind_names: BTreeMap<&str, &str> = inputs
        .config
        .kinds
        .iter()
        .map(|k| (k.id.as_str(), k.name.as_str()))
        .collect();
    let mut list: Vec<_> = inputs.reports.iter().collect();
    list.sort_by(|a, b| b.date.cmp(&a.date).then(a.title.cmp(&b.title)));
    let rows: Vec<_> = list
        .iter()
        .map(|r| {
            json!({
                "path": r.body.path,
                "edit": format!("report?path={}", crate::urls::encode(&r.body.path)),
                "title": r.title,
                "date": r.date.to_string(),
                "month": r.date.format("%Y-%m").to_string(),
                "kind": r.kind,
                "kind_name": kind_names.get(r.kind.as_str()).copied().unwrap_or(r.kind.as_str()),
                "criteria": r.criteria.iter().map(|c| c.label()).collect::<Vec<_>>(),
                "criterion_ids": r.criteria.iter().map(|c| c.criterion.to_string()).collect::<Vec<_>>(),
                "offices": r.offices,
                "draft": r.draft,
                "preview": format!("{}{}", snapshot.base, Site::report_route(r)),
            })
        })
        .collect();
    let mut months: Vec<String> = rows
        .iter()
        .filter_map(|r| r["month"].as_str().map(String::from))
        .collect();
    months.dedup();
    let mut ctx = tera::Context::new();
    ctx.insert("rows", &rows);
    ctx.insert("months", &months);
    ctx.insert("choices", &choices(inputs));
    page(&wb, "reports.html", "reports", "报道", ctx)
}

#[derive(Deserialize)]
pub(super) struct FormQuery {
    #[serde(default)]
    path: String,
    /// A criterion to start a new report with (from 总览's list of
    /// criteria without evidence).
    #[serde(default)]
    criterion: String,
}

pub(super) async fn report_form(
    State(wb): State<Arc<Workbench>>,
    Query(q): Query<FormQuery>,
) -> Response {
    let snapshot = wb.snapshot();
    let Some(inputs) = snapshot.inputs.as_deref() else {
        return no_site(&wb, "reports", "报道");
    };
    let form = if q.path.is_empty() {
        ReportForm {
            version: store::version_of(None),
            date: inputs
                .config
                .as_of
                .min(chrono::Local::now().date_naive())
                .to_string(),
            kind: inputs
                .config
                .kinds
                .first()
                .map(|k| k.id.clone())
                .unwrap_or_default(),
            criteria: (!q.criterion.is_empty())
                .then(|| vec![q.criterion.clone()])
                .unwrap_or_default(),
            ..Default::default()
        }
    } else {
        let read = store::resolve(&wb.root, &q.path)
            .and_then(|p| {
                std::fs::read(&p).map_err(|e| {
                    anyhow::anyhow!("无法读取 {}：{}", q.path, crate::source::io_reason(&e))
                })
            })
            .and_then(|bytes| reports::read(&q.path, &bytes));
        match read {
            Ok(form) => form,
            Err(e) => return (StatusCode::NOT_FOUND, Html(format!("<!doctype html><meta charset=\"utf-8\"><title>打不开</title><p>{}</p><p><a href=\"reports\">返回报道列表</a></p>", html_escape::encode_text(&crate::fs::explain(&e))))).into_response(),
        }
    };
    let preview = inputs
        .reports
        .iter()
        .find(|r| r.body.path == form.path)
        .map(|r| format!("{}{}", snapshot.base, Site::report_route(r)));
    let mut ctx = tera::Context::new();
    ctx.insert(
        "data",
        &script_json(&json!({
            "form": form,
            "choices": choices(inputs),
            // The preview site's root, for its style sheet in the preview.
            "base": snapshot.base,
        })),
    );
    ctx.insert("form", &form);
    ctx.insert(
        "kinds",
        &inputs
            .config
            .kinds
            .iter()
            .map(|k| json!({"id": k.id, "name": k.name}))
            .collect::<Vec<_>>(),
    );
    ctx.insert("offices", &inputs.table.offices);
    ctx.insert("report_preview", &preview);
    let title = if form.path.is_empty() {
        "新建报道"
    } else {
        "修改报道"
    };
    page(&wb, "report.html", "reports", title, ctx)
}

pub(super) async fn ledger(State(wb): State<Arc<Workbench>>) -> Response {
    let snapshot = wb.snapshot();
    let Some(inputs) = snapshot.inputs.as_deref() else {
        return no_site(&wb, "ledger", "台账");
    };
    let read = |rel: &str| std::fs::read(wb.root.join(rel)).ok();
    let ledger_bytes = read(LEDGER);
    let ledger_text = ledger_bytes
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let written = written_keys(&ledger_text);
    let mut categories = Vec::new();
    for cat in &inputs.table.categories {
        let mut criteria = Vec::new();
        for c in &cat.criteria {
            let cid = c.id.to_string();
            let rows: Vec<_> = c
                .items
                .iter()
                .map(|item| {
                    let entry = inputs.ledger.get(&item.id);
                    // An item's own row, else the criterion's (all its items), else a new one.
                    let key = if written.contains(&item.id) || !written.contains(&cid) {
                        item.id.clone()
                    } else {
                        cid.clone()
                    };
                    json!({
                        "id": item.id,
                        "key": key,
                        "shared": key == cid && c.items.len() > 1,
                        "text": item.text,
                        "points": crate::data::fmt_points(item.points),
                        "status": entry.and_then(|e| e.status).map(|s| format!("{s:?}").to_lowercase()).unwrap_or_else(|| "todo".into()),
                        "deadline": entry.and_then(|e| e.deadline).map(|d| d.to_string()).unwrap_or_default(),
                        "score": entry.and_then(|e| e.score).map(crate::data::fmt_points).unwrap_or_default(),
                        "note": entry.and_then(|e| e.note.clone()).unwrap_or_default(),
                        "files": entry.map(|e| e.files.clone()).unwrap_or_default(),
                    })
                })
                .collect();
            criteria.push(
                json!({ "id": c.id, "text": c.text.clone().unwrap_or_default(), "rows": rows }),
            );
        }
        categories.push(json!({ "name": cat.name, "criteria": criteria }));
    }
    let indicators_bytes = read(INDICATORS);
    let indicators: Vec<_> = indicators_bytes
        .as_deref()
        .and_then(|b| serde_yaml::from_slice::<serde_yaml::Mapping>(b).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| {
            Some(json!({ "name": k.as_str()?, "value": v.as_f64().map(crate::data::fmt_points).unwrap_or_default() }))
        })
        .collect();
    let honors: Vec<_> = inputs
        .honors
        .iter()
        .map(|h| json!({ "name": h.name, "level": h.level, "date": h.date.to_string(), "issuer": h.issuer }))
        .collect();
    let levels: Vec<String> = inputs
        .table
        .bonus
        .as_ref()
        .map(|b| b.levels.keys().cloned().collect())
        .unwrap_or_default();
    let mut ctx = tera::Context::new();
    ctx.insert("categories", &categories);
    ctx.insert(
        "ledger_version",
        &store::version_of(ledger_bytes.as_deref()),
    );
    ctx.insert("indicators", &indicators);
    ctx.insert(
        "indicators_version",
        &store::version_of(indicators_bytes.as_deref()),
    );
    ctx.insert("honors", &honors);
    ctx.insert(
        "honors_version",
        &store::version_of(read(HONORS).as_deref()),
    );
    ctx.insert("levels", &levels);
    page(&wb, "ledger.html", "ledger", "台账", ctx)
}

pub(super) async fn build(State(wb): State<Arc<Workbench>>) -> Response {
    let packages: Vec<_> = crate::publish::packages(&wb.root)
        .into_iter()
        .map(|(name, size)| {
            json!({ "href": percent_encode(&name), "name": name, "size": crate::render::human_size(size) })
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("packages", &packages);
    ctx.insert("folder", crate::publish::DIR);
    page(&wb, "build.html", "build", "生成与发布", ctx)
}

/// Every byte but letters, digits and `-._` as `%XX`: a file name in a
/// URL path or a `filename*` parameter.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A package of 发布包 to save from the browser: a plain `.zip` name
/// there, nothing else.
pub(super) async fn package(
    State(wb): State<Arc<Workbench>>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    let plain = !name.is_empty()
        && name.ends_with(".zip")
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':', '\0']);
    if !plain {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(bytes) = std::fs::read(wb.root.join(crate::publish::DIR).join(&name)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // RFC 6266: the UTF-8 name percent-encoded, which every browser reads.
    let disposition = format!("attachment; filename*=UTF-8''{}", percent_encode(&name));
    (
        [
            (CONTENT_TYPE, "application/zip".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                "nosniff".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub(super) async fn backups(State(wb): State<Arc<Workbench>>) -> Response {
    let list = store::backups(&wb.root, None);
    let mut ctx = tera::Context::new();
    ctx.insert("backups", &list);
    page(&wb, "backups.html", "backups", "备份与恢复", ctx)
}
