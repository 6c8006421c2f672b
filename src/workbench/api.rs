//! The JSON endpoints the workbench's pages call. Every write takes the
//! save lock, checks the candidate file with the parsers of `wenming
//! check`, and goes through `store` (atomic, backed up, conflict-checked).
//! Answers: 200 with the new version; 409 when the file changed on disk;
//! 422 with the messages when the save would add an error; 400 otherwise.

use super::ledger::{self, HonorForm, LedgerForm};
use super::reports::{self, FieldMessage, ReportForm};
use super::store::{self, Conflict};
use super::Workbench;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The largest upload: a phone photo or a scanned sign-in sheet.
pub(crate) const MAX_UPLOAD: usize = 30 * 1024 * 1024;

/// The largest Word file to import: a report with a dozen phone photos
/// in it is well over one photo's limit.
pub(crate) const MAX_DOCX: usize = 200 * 1024 * 1024;

/// axum answers an upload over its limit with English text; the page
/// shows the answer's message, so say it in Chinese.
pub(super) async fn too_large_in_chinese(response: Response) -> Response {
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "文件太大，没有上传：照片、附件和扫描件每个不能超过 {} MB，Word 文档不能超过 {} MB（照片请先用手机或看图软件缩小）",
            MAX_UPLOAD / 1024 / 1024,
            MAX_DOCX / 1024 / 1024
        ),
    )
}

fn refused(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "ok": false, "message": message.into() })),
    )
        .into_response()
}

fn failed(e: anyhow::Error) -> Response {
    if e.downcast_ref::<Conflict>().is_some() {
        return refused(StatusCode::CONFLICT, e.to_string());
    }
    refused(StatusCode::BAD_REQUEST, crate::fs::explain(&e))
}

fn with_errors(messages: Vec<FieldMessage>, what: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "ok": false,
            "message": format!("{what}有错误，没有保存：请按标出的提示改正后再保存"),
            "messages": messages,
        })),
    )
        .into_response()
}

/// Run blocking file work off the server's two threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("workbench task")
}

/// The form's file (a new one gets its path now) and the file as it is.
fn target(root: &Path, form: &ReportForm) -> anyhow::Result<(String, Option<Vec<u8>>)> {
    let rel = if form.path.is_empty() {
        reports::new_path(root, form)?
    } else {
        form.path.clone()
    };
    if !rel.starts_with("content/reports/") || !rel.ends_with(".md") {
        anyhow::bail!("“{rel}” 不是一篇报道（报道在 content/reports 文件夹中，以 .md 结尾）");
    }
    let old = store::read_if_exists(&store::resolve(root, &rel)?)?;
    Ok((rel, old))
}

pub(super) async fn report_check(
    State(wb): State<Arc<Workbench>>,
    Json(form): Json<ReportForm>,
) -> Response {
    blocking(move || {
        let root = &wb.root;
        let (rel, old) = match target(root, &form) {
            Ok(t) => t,
            // No title or date yet: nothing to check against a file name.
            Err(e) => return Json(json!({ "ok": true, "messages": [{ "field": "", "error": false, "text": crate::fs::explain(&e) }], "html": "" })).into_response(),
        };
        let text = match reports::write(&form, old.as_deref()) {
            Ok(t) => t,
            Err(e) => return failed(e),
        };
        let (messages, html) = reports::check(&wb.snapshot(), root, &rel, &text);
        Json(json!({ "ok": true, "messages": messages, "html": html })).into_response()
    })
    .await
}

pub(super) async fn report_save(
    State(wb): State<Arc<Workbench>>,
    Json(form): Json<ReportForm>,
) -> Response {
    let _saving = Arc::clone(&wb.saving).lock_owned().await;
    blocking(move || {
        let root = &wb.root;
        let (rel, old) = match target(root, &form) {
            Ok(t) => t,
            Err(e) => return failed(e),
        };
        if form.path.is_empty() && old.is_some() {
            return refused(StatusCode::CONFLICT, format!("{rel} 已存在，没有保存"));
        }
        let text = match reports::write(&form, old.as_deref()) {
            Ok(t) => t,
            Err(e) => return failed(e),
        };
        let (messages, _) = reports::check(&wb.snapshot(), root, &rel, &text);
        if messages.iter().any(|m| m.error) {
            return with_errors(messages, "这篇报道");
        }
        let saved = if form.path.is_empty() {
            store::create(root, &rel, &text)
        } else {
            store::save(root, &rel, &form.version, &text)
        };
        match saved {
            Ok(version) => Json(json!({
                "ok": true,
                "path": rel,
                "version": version,
                "messages": messages,
                "message": if form.draft { "已保存为草稿（不会出现在生成的网站上）" } else { "已保存" },
            }))
            .into_response(),
            Err(e) => failed(e),
        }
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct UploadQuery {
    path: String,
    name: String,
    /// `photo` or `attachment`.
    #[serde(default)]
    kind: String,
}

/// A photo or attachment for a saved report. A single-file report becomes
/// a bundle first (`a.md` → `a/index.md`: same slug, same web address).
/// Answers the report's (maybe new) path and the file's name in it.
pub(super) async fn report_upload(
    State(wb): State<Arc<Workbench>>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Response {
    let _saving = Arc::clone(&wb.saving).lock_owned().await;
    blocking(move || match upload(&wb.root, &q, &body) {
        Ok((path, name, version)) => {
            Json(json!({ "ok": true, "path": path, "name": name, "version": version }))
                .into_response()
        }
        Err(e) => failed(e),
    })
    .await
}

fn upload(root: &Path, q: &UploadQuery, body: &[u8]) -> anyhow::Result<(String, String, String)> {
    let photo = q.kind != "attachment";
    let name = reports::clean_name(&q.name, photo)?;
    if body.is_empty() {
        anyhow::bail!("“{name}” 是空文件，没有上传");
    }
    if photo && image::guess_format(body).is_err() {
        anyhow::bail!("“{name}” 不是照片文件（JPEG、PNG、WebP 或 GIF），没有上传");
    }
    let report = store::resolve(root, &q.path)?;
    if !q.path.starts_with("content/reports/") || !report.is_file() {
        anyhow::bail!("请先保存报道，再上传照片或附件");
    }
    let reports_dir = root.join("content/reports");
    let (rel, report) = if crate::content::is_bundle(&reports_dir, &report) {
        (q.path.clone(), report)
    } else {
        let stem = report
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| anyhow::anyhow!("报道的文件名无法识别"))?;
        let folder = reports_dir.join(stem);
        if folder.exists() {
            anyhow::bail!(
                "要把报道改为文件夹形式（照片放在它旁边），但 content/reports/{stem} 已存在：请先处理这个文件夹"
            );
        }
        std::fs::create_dir(&folder)
            .map_err(|e| anyhow::anyhow!("无法创建文件夹 {}：{e}", folder.display()))?;
        let moved = folder.join("index.md");
        std::fs::rename(&report, &moved).map_err(|e| {
            let _ = std::fs::remove_dir(&folder);
            anyhow::anyhow!(
                "无法把报道移入文件夹 {}：{e}（文件是否正被其他程序打开？）",
                folder.display()
            )
        })?;
        (format!("content/reports/{stem}/index.md"), moved)
    };
    let folder = report.parent().expect("a report has a folder");
    let chosen = crate::fs::free_name(folder, &name);
    let file_rel = format!("{}/{chosen}", rel.rsplit_once('/').expect("a folder").0);
    store::create(root, &file_rel, body)?;
    let version = store::version_of(std::fs::read(&report).ok().as_deref());
    Ok((rel, chosen, version))
}

pub(super) async fn ledger_save(
    State(wb): State<Arc<Workbench>>,
    Json(form): Json<LedgerForm>,
) -> Response {
    let version = form.version.clone();
    data_save(wb, ledger::LEDGER, version, move |text| {
        ledger::edit_ledger(text, &form)
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct IndicatorsForm {
    version: String,
    values: BTreeMap<String, String>,
}

pub(super) async fn indicators_save(
    State(wb): State<Arc<Workbench>>,
    Json(form): Json<IndicatorsForm>,
) -> Response {
    let values: Vec<(String, String)> = form.values.into_iter().collect();
    data_save(wb, ledger::INDICATORS, form.version, move |text| {
        ledger::edit_indicators(text, &values)
    })
    .await
}

pub(super) async fn honor_add(
    State(wb): State<Arc<Workbench>>,
    Json(form): Json<HonorForm>,
) -> Response {
    let version = form.version.clone();
    data_save(wb, ledger::HONORS, version, move |text| {
        ledger::add_honor(text, &form)
    })
    .await
}

/// Edit one data file: read, edit, refuse new errors, save.
async fn data_save(
    wb: Arc<Workbench>,
    rel: &'static str,
    version: String,
    edit: impl FnOnce(&str) -> anyhow::Result<String> + Send + 'static,
) -> Response {
    let _saving = Arc::clone(&wb.saving).lock_owned().await;
    blocking(move || match data_edit(&wb, rel, &version, edit) {
        Ok(version) => {
            Json(json!({ "ok": true, "version": version, "message": "已保存" })).into_response()
        }
        Err(refusal) => refusal,
    })
    .await
}

/// The work of `data_save`, under the save lock the caller holds: the
/// file's new version, or the answer refusing the edit.
fn data_edit(
    wb: &Workbench,
    rel: &str,
    version: &str,
    edit: impl FnOnce(&str) -> anyhow::Result<String>,
) -> Result<String, Response> {
    let root = &wb.root;
    let Some(inputs) = wb.snapshot().inputs.clone() else {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "站点的设置或考评标准表有错误，先改正它们（见“总览”）",
        ));
    };
    let path = store::resolve(root, rel).map_err(failed)?;
    let old = store::read_if_exists(&path).map_err(failed)?;
    let old_text = match old {
        Some(b) => String::from_utf8(b).map_err(|_| {
            refused(
                StatusCode::BAD_REQUEST,
                format!("{rel} 不是 UTF-8 编码：请用记事本“另存为”，编码选 UTF-8 后再在工作台修改"),
            )
        })?,
        None => String::new(),
    };
    let text = edit(&old_text).map_err(failed)?;
    let errors = ledger::new_errors(rel, &inputs.table, &old_text, &text);
    if !errors.is_empty() {
        let messages = errors
            .iter()
            .map(|d| FieldMessage {
                field: String::new(),
                error: true,
                text: d.message_with_hint(),
            })
            .collect();
        return Err(with_errors(messages, rel));
    }
    store::save(root, rel, version, text.as_bytes()).map_err(failed)
}

#[derive(Deserialize)]
pub(super) struct LedgerUploadQuery {
    /// The row's key as written (`"4.3"`, or `"16"` for a whole criterion).
    key: String,
    name: String,
    version: String,
}

/// A 扫描件 for a ledger row: stored in `static/ledger/` (where the default
/// site keeps its scans) and added
/// to the row's `files`, or not stored at all when the ledger edit is
/// refused.
pub(super) async fn ledger_upload(
    State(wb): State<Arc<Workbench>>,
    Query(q): Query<LedgerUploadQuery>,
    body: Bytes,
) -> Response {
    let _saving = Arc::clone(&wb.saving).lock_owned().await;
    blocking(move || {
        let stored = match store_ledger_file(&wb.root, &q, &body) {
            Ok(stored) => stored,
            Err(e) => return failed(e),
        };
        let key = q.key.trim().to_string();
        let file = stored.clone();
        match data_edit(&wb, ledger::LEDGER, &q.version, |text| {
            ledger::add_ledger_file(text, &key, &file)
        }) {
            Ok(version) => {
                let name = stored.rsplit('/').next().unwrap_or_default();
                Json(json!({ "ok": true, "version": version, "file": stored, "name": name, "message": format!("已上传 {name}") }))
                    .into_response()
            }
            Err(refusal) => {
                let _ = std::fs::remove_file(wb.root.join(&stored));
                refusal
            }
        }
    })
    .await
}

/// Writes the upload into `static/ledger/` (never over a file
/// there) and answers its path from the site folder.
fn store_ledger_file(root: &Path, q: &LedgerUploadQuery, body: &[u8]) -> anyhow::Result<String> {
    let key = q.key.trim();
    let is_key = !key.is_empty()
        && key.split('.').count() <= 2
        && key
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !is_key {
        anyhow::bail!("“{key}” 不是计分项编号（如 4.3 或 16）");
    }
    let name = reports::clean_name(&q.name, false)?;
    if body.is_empty() {
        anyhow::bail!("“{name}” 是空文件，没有上传");
    }
    let chosen = crate::fs::free_name(&root.join("static/ledger"), &name);
    let rel = format!("static/ledger/{chosen}");
    store::create(root, &rel, body)?;
    Ok(rel)
}

#[derive(Deserialize)]
pub(super) struct RestoreForm {
    id: String,
}

pub(super) async fn restore(
    State(wb): State<Arc<Workbench>>,
    Json(form): Json<RestoreForm>,
) -> Response {
    let _saving = Arc::clone(&wb.saving).lock_owned().await;
    blocking(move || match store::restore(&wb.root, &form.id) {
        Ok(path) => Json(json!({ "ok": true, "path": path, "message": format!("已恢复 {path}（恢复前的内容也已备份）") })).into_response(),
        Err(e) => failed(e),
    })
    .await
}

/// `wenming build` of the site into its `public/` folder, as the command
/// does; answers the summary and every message.
pub(super) async fn build(State(wb): State<Arc<Workbench>>) -> Response {
    let _saving = Arc::clone(&wb.saving).lock_owned().await;
    blocking(move || {
        // The site to upload: never the drafts, even when the preview
        // shows them (`serve --drafts`).
        let opts = crate::session::BuildOptions::upload(wb.root.clone(), Default::default());
        let report = crate::build(&opts);
        let lines = report.message_lines();
        Json(json!({
            "ok": report.ok(),
            "summary": report.summary(),
            "output": crate::diagnostic::display_path(&wb.root, &wb.root.join("public")),
            "lines": lines,
        }))
        .into_response()
    })
    .await
}

/// `wenming publish` of the site: built, then packaged in 发布包.
pub(super) async fn publish(State(wb): State<Arc<Workbench>>) -> Response {
    let _saving = Arc::clone(&wb.saving).lock_owned().await;
    blocking(move || {
        let done = crate::publish::build_and_publish(&crate::publish::PublishOptions {
            root: wb.root.clone(),
            to: None,
            overrides: Default::default(),
        });
        Json(json!({
            "ok": done.ok,
            "summary": done.summary,
            "lines": done.build_lines,
            "published": done.lines,
        }))
        .into_response()
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct ImportQuery {
    /// The uploaded file's name, as messages call it.
    name: String,
    /// The kind chosen beside the button, if any.
    #[serde(default)]
    kind: String,
}

/// 导入 Word: one .docx as a new report bundle (`wenming import`'s work).
pub(super) async fn report_import(
    State(wb): State<Arc<Workbench>>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Response {
    let _saving = Arc::clone(&wb.saving).lock_owned().await;
    blocking(move || {
        // Only the file's own name: the upload's path on the office PC
        // is no business of the report's.
        let name = q
            .name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .to_string();
        let kind = Some(q.kind.trim()).filter(|k| !k.is_empty());
        match crate::import::import_docx(&wb.root, &name, &body, kind, None) {
            Ok(done) => Json(json!({
                "ok": true,
                "path": done.rel,
                "photos": done.photos,
                "message": format!("已导入 {name} → {}（{} 张照片）", done.rel, done.photos),
                "warnings": done.warnings.iter().map(|d| d.message_with_hint()).collect::<Vec<_>>(),
            }))
            .into_response(),
            Err(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "ok": false,
                    "message": format!("没有导入 {name}：它有下面的问题，什么都没有写入"),
                    "messages": errors.iter().map(|d| d.message_with_hint()).collect::<Vec<_>>(),
                })),
            )
                .into_response(),
        }
    })
    .await
}
