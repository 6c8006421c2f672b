//! `wenming serve`: build in memory, serve the site under its base path on
//! loopback, watch the sources, rebuild incrementally and reload open pages.
//! A broken edit never takes the preview down: the last good site stays
//! served and the errors show in the terminal and over the page.

use crate::diagnostic::Diagnostics;
use crate::output::Content;
use crate::session::Session;
use crate::{BuildOptions, BuildReport};
use anyhow::{Context as _, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

pub struct ServeOptions {
    pub build: BuildOptions,
    pub bind: String,
    pub port: u16,
}

/// What the server shows; replaced or patched after every rebuild.
struct State {
    files: BTreeMap<String, Content>,
    version: u64,
    /// The diagnostics of a failed rebuild, shown over the page.
    errors: Option<String>,
}

pub struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// `/wmcj/`
    base: String,
}

const RELOAD_JS: &str = include_str!("reload.js");

fn content_type(path: &str) -> &'static str {
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
pub fn request_to_path(base: &str, raw: &str) -> Option<String> {
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

enum Reply {
    Found { path: String, body: Vec<u8> },
    Redirect(String),
    NotFound(Vec<u8>),
}

impl Shared {
    fn lookup(&self, raw_url: &str) -> Reply {
        let Some(rel) = request_to_path(&self.base, raw_url) else {
            if raw_url.split('?').next() == Some("/") {
                return Reply::Redirect(self.base.clone());
            }
            return Reply::NotFound(self.not_found());
        };
        let state = self.state.lock().expect("state lock");
        let candidate = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.clone()
        };
        if let Some(content) = state.files.get(&candidate) {
            let body = read_content(content);
            let version = state.version;
            drop(state);
            let body = if candidate.ends_with(".html") {
                self.inject(body, version)
            } else {
                body
            };
            return Reply::Found {
                path: candidate,
                body,
            };
        }
        if state.files.contains_key(&format!("{rel}/index.html")) {
            return Reply::Redirect(format!(
                "{}{}/",
                self.base,
                crate::links::encode_url_path(&rel)
            ));
        }
        drop(state);
        Reply::NotFound(self.not_found())
    }

    fn not_found(&self) -> Vec<u8> {
        let state = self.state.lock().expect("state lock");
        let body = state
            .files
            .get("404.html")
            .map(read_content)
            .unwrap_or_else(|| "<h1>404</h1>".into());
        let version = state.version;
        drop(state);
        self.inject(body, version)
    }

    /// Live reload: a small script before `</body>` (served bytes only; the
    /// built files never contain it).
    fn inject(&self, mut html: Vec<u8>, version: u64) -> Vec<u8> {
        let tag = format!("<script src=\"{}__wenming/reload.js\" data-base=\"{}\" data-version=\"{version}\"></script>", self.base, self.base);
        let at = html
            .windows(7)
            .rposition(|w| w == b"</body>")
            .unwrap_or(html.len());
        html.splice(at..at, tag.into_bytes());
        html
    }

    fn status_json(&self, state: &State) -> String {
        serde_json::json!({ "version": state.version, "errors": state.errors }).to_string()
    }

    /// Long poll: answers when the version differs from `seen`, or after 25 s.
    fn wait(&self, seen: u64) -> String {
        let state = self.state.lock().expect("state lock");
        let (state, _) = self
            .changed
            .wait_timeout_while(state, Duration::from_secs(25), |s| s.version == seen)
            .expect("state lock");
        self.status_json(&state)
    }

    fn publish(
        &self,
        report: &BuildReport,
        files: Vec<crate::output::OutputFile>,
        session: &Session,
    ) {
        let mut state = self.state.lock().expect("state lock");
        if report.ok() {
            if report.incremental {
                for f in files {
                    state.files.insert(f.path, f.content);
                }
            } else {
                let mut files = session.files.clone();
                // The search index of a full rebuild comes later, from the
                // background; until then the previous one keeps search working.
                if !files.keys().any(|p| p.starts_with(crate::search::DIR)) {
                    for (p, c) in &state.files {
                        if p.starts_with(crate::search::DIR) {
                            files.insert(p.clone(), c.clone());
                        }
                    }
                }
                state.files = files;
            }
            state.errors = None;
        } else {
            state.errors = Some(diagnostics_text(
                &report.diagnostics,
                report.fatal.as_deref(),
            ));
        }
        state.version += 1;
        drop(state);
        self.changed.notify_all();
    }
}

fn read_content(c: &Content) -> Vec<u8> {
    match c {
        Content::Bytes(b) => b.to_vec(),
        Content::Copy(p) => std::fs::read(p).unwrap_or_default(),
    }
}

fn diagnostics_text(d: &Diagnostics, fatal: Option<&str>) -> String {
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

fn respond(shared: &Shared, request: tiny_http::Request) {
    let url = request.url().to_string();
    let header = |k: &str, v: &str| {
        tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header")
    };
    let no_store = header("Cache-Control", "no-store");
    let internal = url
        .strip_prefix(&shared.base)
        .and_then(|r| r.strip_prefix("__wenming/"));
    let response = match internal {
        Some(r) if r.starts_with("reload.js") => {
            tiny_http::Response::from_data(RELOAD_JS.as_bytes().to_vec())
                .with_header(header("Content-Type", "text/javascript; charset=utf-8"))
        }
        Some(r) if r.starts_with("state") => {
            let body = shared.status_json(&shared.state.lock().expect("state lock"));
            tiny_http::Response::from_data(body.into_bytes())
                .with_header(header("Content-Type", "application/json"))
        }
        Some(r) if r.starts_with("wait") => {
            let seen = r
                .split("v=")
                .nth(1)
                .and_then(|v| v.split('&').next()?.parse().ok())
                .unwrap_or(0);
            let body = shared.wait(seen);
            tiny_http::Response::from_data(body.into_bytes())
                .with_header(header("Content-Type", "application/json"))
        }
        _ => match shared.lookup(&url) {
            Reply::Found { path, body } => tiny_http::Response::from_data(body)
                .with_header(header("Content-Type", content_type(&path))),
            Reply::Redirect(to) => tiny_http::Response::from_data(Vec::new())
                .with_status_code(302)
                .with_header(header("Location", &to)),
            Reply::NotFound(body) => tiny_http::Response::from_data(body)
                .with_status_code(404)
                .with_header(header("Content-Type", "text/html; charset=utf-8")),
        },
    };
    // A client that went away mid-transfer is not our problem.
    let _ = request.respond(response.with_header(no_store));
}

/// Editor droppings and our own output never trigger a rebuild.
pub fn ignored(root: &Path, output: &Path, path: &Path) -> bool {
    if path.starts_with(output) {
        return true;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    if rel.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some(".git" | "target" | "node_modules")
        )
    }) {
        return true;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.starts_with('.')
        || name.starts_with('~')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".bak",
            ".crdownload",
            ".part",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

fn print_report(report: &BuildReport) {
    for d in report.diagnostics.sorted() {
        if d.severity == crate::diagnostic::Severity::Error {
            eprintln!("{d}");
        }
    }
    if let Some(f) = &report.fatal {
        eprintln!("错误：{f}");
    }
}

/// Start the server and the watcher; returns only on a startup failure.
pub fn serve(opts: ServeOptions) -> Result<()> {
    let mut session = Session::new(opts.build.clone()).map_err(anyhow::Error::msg)?;
    session.defer_search = true;
    let root = session.root.clone();
    let output = opts
        .build
        .output
        .canonicalize()
        .unwrap_or_else(|_| opts.build.output.clone());
    // Watch before the first build, so no edit made after start is missed.
    let (tx, rx) = std::sync::mpsc::channel();
    use notify::{RecursiveMode, Watcher};
    let mut watcher = notify::recommended_watcher(tx).context("无法监视文件变化")?;
    watcher
        .watch(&root, RecursiveMode::NonRecursive)
        .context("无法监视站点文件夹")?;
    for dir in ["data", "content", "static", "themes"] {
        let p = root.join(dir);
        if p.is_dir() {
            watcher
                .watch(&p, RecursiveMode::Recursive)
                .with_context(|| format!("无法监视 {dir}"))?;
        }
    }
    let (report, _) = session.build_all();
    print_report(&report);
    eprintln!("{}", report.summary());
    let base = session_base(&session);
    let first_search = session.search_job();
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            files: session.files.clone(),
            version: 1,
            errors: (!report.ok())
                .then(|| diagnostics_text(&report.diagnostics, report.fatal.as_deref())),
        }),
        changed: Condvar::new(),
        base: base.clone(),
    });

    let addr = format!("{}:{}", opts.bind, opts.port);
    let server = tiny_http::Server::http(&addr).map_err(|e| {
        anyhow::anyhow!("无法在 {addr} 上启动预览服务：{e}（端口是否已被占用？可用 --port 换一个）")
    })?;
    let server = Arc::new(server);
    let shown_host = if opts.bind == "0.0.0.0" {
        "127.0.0.1"
    } else {
        opts.bind.as_str()
    };
    eprintln!(
        "预览地址：http://{shown_host}:{}{base}  （修改文件后自动刷新；按 Ctrl+C 停止）",
        opts.port
    );
    if opts.bind != "127.0.0.1" && opts.bind != "localhost" && opts.bind != "::1" {
        eprintln!(
            "注意：预览服务监听在 {}，局域网内其他电脑也能访问",
            opts.bind
        );
    }
    for _ in 0..4 {
        let server = Arc::clone(&server);
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            while let Ok(request) = server.recv() {
                if request.url().contains("__wenming/wait") {
                    // Long polls get their own thread so pages keep loading.
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || respond(&shared, request));
                } else {
                    respond(&shared, request);
                }
            }
        });
    }

    // The search index is built here, one job at a time, always from the
    // latest pages: indexing a large site takes far longer than a rebuild.
    let (search_tx, search_rx) = std::sync::mpsc::channel::<crate::session::SearchJob>();
    {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            // Rebuilds and page requests go first: indexing is the background work.
            crate::threads::run_when_idle();
            // Indexing runs in parallel on threads of its own, all at low
            // priority: on the shared pool it would hold up the next edit.
            let pool = rayon::ThreadPoolBuilder::new()
                .thread_name(|i| format!("search-{i}"))
                .start_handler(|_| crate::threads::run_when_idle())
                .build();
            while let Ok(mut job) = search_rx.recv() {
                while let Ok(newer) = search_rx.try_recv() {
                    job = newer;
                }
                let result = match &pool {
                    Ok(pool) => pool.install(|| job.run()),
                    Err(_) => job.run(),
                };
                match result {
                    Ok(index) => {
                        let mut state = shared.state.lock().expect("state lock");
                        state
                            .files
                            .retain(|p, _| !p.starts_with(crate::search::DIR));
                        for f in index {
                            state.files.insert(f.path, f.content);
                        }
                    }
                    Err(e) => eprintln!("警告：更新搜索索引失败：{e}"),
                }
            }
        });
    }
    if let Some(job) = first_search {
        let _ = search_tx.send(job);
    }

    while let Some(events) = next_batch(&rx) {
        let mut changed: Vec<PathBuf> = events
            .into_iter()
            .filter(|p| !ignored(&root, &output, p))
            .collect();
        changed.sort();
        changed.dedup();
        // Directory events carry no content of their own; a vanished file
        // that was never a report is an editor's temporary file.
        changed.retain(|p| !p.is_dir() && (p.exists() || p.extension().is_some_and(|e| e == "md")));
        if changed.is_empty() {
            continue;
        }
        let (report, files) = session.rebuild(&changed);
        shared.publish(&report, files, &session);
        // The edited page is on screen; the search index catches up in
        // the background (open pages need no reload for it).
        if let Some(job) = session.search_job() {
            let _ = search_tx.send(job);
        }
        print_report(&report);
        let names: Vec<String> = changed
            .iter()
            .take(3)
            .map(|p| crate::diagnostic::display_path(&root, p))
            .collect();
        if report.ok() {
            eprintln!(
                "已更新（{}）：{}{} 个页面，用时 {} 毫秒",
                names.join("、"),
                if report.incremental {
                    "增量生成 "
                } else {
                    "全部重新生成 "
                },
                report.rendered,
                report.elapsed.as_millis()
            );
        } else {
            eprintln!(
                "{}：预览仍显示上一次成功生成的内容，改正后保存即可",
                report.diagnostics.summary_line()
            );
        }
    }
    Ok(())
}

/// Changes worth a rebuild: content written, files created, removed or
/// renamed. Reads (inotify reports every open, including our own) are not.
fn is_change(kind: &notify::EventKind) -> bool {
    use notify::event::{EventKind, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(notify::event::AccessKind::Close(notify::event::AccessMode::Write)) => {
            true
        }
        _ => false,
    }
}

/// Wait for the next change, then gather the burst it belongs to (an
/// editor's save is several events, within a few milliseconds) until 15 ms
/// pass quietly. The wait adds to every edit's latency; a save spread wider
/// only costs a second rebuild.
fn next_batch(
    rx: &std::sync::mpsc::Receiver<notify::Result<notify::Event>>,
) -> Option<Vec<PathBuf>> {
    let mut paths = Vec::new();
    loop {
        let event = rx.recv().ok()?;
        if let Ok(e) = event {
            if is_change(&e.kind) {
                paths.extend(e.paths);
                break;
            }
        }
    }
    // Quiet means no *change* for 15 ms (reads keep arriving meanwhile).
    let quiet = Duration::from_millis(15);
    let mut last_change = std::time::Instant::now();
    loop {
        let left = quiet.saturating_sub(last_change.elapsed());
        if left.is_zero() {
            break;
        }
        match rx.recv_timeout(left) {
            Ok(Ok(e)) if is_change(&e.kind) => {
                paths.extend(e.paths);
                last_change = std::time::Instant::now();
            }
            Ok(_) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
    Some(paths)
}

fn session_base(session: &Session) -> String {
    // The base path honoured locally, so links work as they will on the portal.
    let mut d = Diagnostics::new();
    crate::source::read_source(&session.root, &session.root.join("site.yaml"), &mut d)
        .and_then(|s| crate::config::parse(&s, &session.opts.overrides, &mut d))
        .map(|c| c.base_path().to_string())
        .unwrap_or_else(|| "/".into())
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

    #[test]
    fn editor_files_are_ignored() {
        let root = Path::new("/s");
        let out = Path::new("/s/public");
        for p in [
            "/s/content/reports/.a.md.swp",
            "/s/content/reports/a.md~",
            "/s/public/index.html",
            "/s/content/4913",
            "/s/content/#a.md#",
        ] {
            assert!(ignored(root, out, Path::new(p)), "{p}");
        }
        assert!(!ignored(root, out, Path::new("/s/content/reports/a.md")));
    }
}
