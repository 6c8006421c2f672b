//! What the preview serves: the site's files of the last good build, the
//! errors of a failed rebuild, and the answer for a request path, with the
//! live-reload script put into every page served.

use super::names::Names;
use crate::diagnostic::Diagnostics;
use crate::output::Content;
use crate::report::BuildReport;
use crate::session::Session;
use std::collections::BTreeMap;
use std::sync::Mutex;
use tokio::sync::{watch, Semaphore};

/// What the server shows; replaced or patched after every rebuild.
pub(super) struct Site {
    pub(super) files: BTreeMap<String, Content>,
    pub(super) version: u64,
    /// The diagnostics of a failed rebuild, shown over the page.
    pub(super) errors: Option<String>,
    /// `/wmcj/`: the base path of the last good build (until there is
    /// one, of the `site.yaml` read at start, or `/`).
    pub(super) base: String,
}

/// Everything the handlers share.
pub(super) struct Preview {
    pub(super) site: Mutex<Site>,
    /// The site's version, announced after every rebuild to the long polls.
    pub(super) version: watch::Sender<u64>,
    pub(super) waiting: Semaphore,
    pub(super) names: Names,
}

pub(super) fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        "wasm" => "application/wasm",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        _ => "application/octet-stream",
    }
}

/// The site-relative file a request path names, or `None` when it is not
/// under the base path or tries to leave the site (`..`, encoded or not,
/// backslashes, NUL).
pub(crate) fn request_to_path(base: &str, raw: &str) -> Option<String> {
    let path = raw.split(['?', '#']).next().unwrap_or("");
    let rest = path
        .strip_prefix(base)
        .or_else(|| (format!("{path}/") == base).then_some(""))?;
    let decoded = crate::links::decode_url_path(rest);
    if decoded.contains('\\') || decoded.contains('\0') || decoded.starts_with('/') {
        return None;
    }
    if decoded.split('/').any(|seg| seg == ".." || seg == ".") {
        return None;
    }
    Some(decoded)
}

pub(super) enum Reply {
    Found { path: String, body: Vec<u8> },
    Redirect(String),
    NotFound(Vec<u8>),
}

impl Preview {
    pub(super) fn lookup(&self, path: &str) -> Reply {
        let site = self.site.lock().expect("site lock");
        let Some(rel) = request_to_path(&site.base, path) else {
            if path == "/" {
                return Reply::Redirect(site.base.clone());
            }
            return Reply::NotFound(not_found(site));
        };
        let candidate = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.clone()
        };
        if let Some(content) = site.files.get(&candidate) {
            let body = read_content(content);
            let (base, version) = (site.base.clone(), site.version);
            drop(site);
            let body = if candidate.ends_with(".html") {
                inject(body, &base, version)
            } else {
                body
            };
            return Reply::Found {
                path: candidate,
                body,
            };
        }
        if site.files.contains_key(&format!("{rel}/index.html")) {
            return Reply::Redirect(format!("{}{}/", site.base, crate::urls::encode(&rel)));
        }
        Reply::NotFound(not_found(site))
    }

    pub(super) fn status_json(&self) -> String {
        let site = self.site.lock().expect("site lock");
        serde_json::json!({ "version": site.version, "errors": site.errors }).to_string()
    }

    pub(super) fn publish(
        &self,
        report: &BuildReport,
        files: Vec<crate::output::OutputFile>,
        session: &Session,
    ) {
        let mut site = self.site.lock().expect("site lock");
        if report.ok() {
            if report.incremental {
                for f in files {
                    site.files.insert(f.path, f.content);
                }
            } else {
                let mut files = session.files.clone();
                // The search index of a full rebuild comes later, from the
                // background; until then the previous one keeps search working.
                if !files.keys().any(|p| p.starts_with(crate::search::DIR)) {
                    for (p, c) in &site.files {
                        if p.starts_with(crate::search::DIR) {
                            files.insert(p.clone(), c.clone());
                        }
                    }
                }
                site.files = files;
            }
            // The base follows the build, so a fixed or changed `base_url`
            // (or a site started broken) is served where its links point.
            if let Some(base) = session.base_path() {
                site.base = base.to_string();
            }
            site.errors = None;
        } else {
            site.errors = Some(diagnostics_text(
                &report.diagnostics,
                report.fatal.as_deref(),
            ));
        }
        site.version += 1;
        let version = site.version;
        drop(site);
        self.version.send_replace(version);
    }
}

/// The site's 404 page; before any good build, a word on why there is
/// nothing yet (the errors show over it).
fn not_found(site: std::sync::MutexGuard<'_, Site>) -> Vec<u8> {
    let body = match site.files.get("404.html") {
        Some(page) => read_content(page),
        None if site.files.is_empty() => "<!doctype html><meta charset=\"utf-8\"><title>预览</title><body><h1>网站还没有生成成功</h1><p>请按下方列出的错误改正文件，保存后这里会自动刷新。</p></body>".into(),
        None => "<!doctype html><meta charset=\"utf-8\"><title>404</title><body><h1>404 页面未找到</h1></body>".into(),
    };
    let (base, version) = (site.base.clone(), site.version);
    drop(site);
    inject(body, &base, version)
}

/// Live reload: a small script before `</body>` (served bytes only; the
/// built files never contain it).
fn inject(mut html: Vec<u8>, base: &str, version: u64) -> Vec<u8> {
    let tag = format!("<script src=\"{base}__wenming/reload.js\" data-base=\"{base}\" data-version=\"{version}\"></script>");
    let at = html
        .windows(7)
        .rposition(|w| w == b"</body>")
        .unwrap_or(html.len());
    html.splice(at..at, tag.into_bytes());
    html
}

fn read_content(c: &Content) -> Vec<u8> {
    match c {
        Content::Bytes(b) => b.to_vec(),
        Content::Copy(p) => std::fs::read(p).unwrap_or_default(),
    }
}

pub(super) fn diagnostics_text(d: &Diagnostics, fatal: Option<&str>) -> String {
    let mut out: Vec<String> = d
        .sorted()
        .iter()
        .filter(|x| x.severity == crate::diagnostic::Severity::Error)
        .map(|x| x.to_string())
        .collect();
    if let Some(f) = fatal {
        out.push(format!("错误：{f}"));
    }
    out.push(d.summary_line());
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_stay_inside() {
        assert_eq!(
            request_to_path("/wmcj/", "/wmcj/progress/16/").as_deref(),
            Some("progress/16/")
        );
        assert_eq!(request_to_path("/wmcj/", "/wmcj").as_deref(), Some(""));
        assert_eq!(
            request_to_path("/wmcj/", "/wmcj/reports/a/%E7%AD%BE.pdf?x=1").as_deref(),
            Some("reports/a/签.pdf")
        );
        for bad in [
            "/wmcj/../etc/passwd",
            "/wmcj/%2e%2e/etc/passwd",
            "/wmcj/a/%2E%2E/%2E%2E/x",
            "/wmcj/..%5c..%5cwin.ini",
            "/wmcj//etc/passwd",
            "/other/",
            "/wmcj/a%00b",
        ] {
            assert_eq!(request_to_path("/wmcj/", bad), None, "{bad}");
        }
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("ledger.csv"), "text/csv; charset=utf-8");
    }
}
