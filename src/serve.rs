//! `wenming serve`: build in memory, serve the site under its base path on
//! loopback, watch the sources, rebuild incrementally and reload open pages.
//! A broken edit never takes the preview down: the last good site stays
//! served and the errors show in the terminal and over the page.
//!
//! The server answers only its own page (#19): a request must name the
//! server in its Host header, and anything but a plain read must come from
//! one of the server's own pages (Origin). Long polls, connections and idle
//! or slow clients are capped, so no client can exhaust the machine.
//!
//! The rebuild loop runs on the calling thread and publishes into
//! [`Preview`]; the HTTP side is a small tokio runtime: an accept loop,
//! one axum router, two middleware layers and the handlers.

use crate::diagnostic::Diagnostics;
use crate::output::Content;
use crate::session::Session;
use crate::report::BuildReport;
use crate::session::BuildOptions;
use anyhow::{Context as _, Result};
use axum::extract::{RawQuery, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST, LOCATION, ORIGIN};
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};

pub struct ServeOptions {
    pub build: BuildOptions,
    pub bind: String,
    pub port: u16,
}

/// How long a long poll is held when nothing changes.
const LONG_POLL: Duration = Duration::from_secs(25);
/// Long polls held at once (a few per open tab is normal); more are
/// answered at once, and the page asks again after a pause.
const MAX_WAITING: usize = 64;
/// Connections served at once; more wait in the system's listen queue.
const MAX_CONNECTIONS: usize = 256;
/// A connection that sends no complete request head for this long is
/// closed: idle between requests, or a slowloris dripping its headers.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection is asked to close after this long (browsers reconnect
/// unnoticed), and closed this much later whatever it is doing, so a
/// client that never reads its answer cannot keep its slot either.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
const CLOSE_GRACE: Duration = Duration::from_secs(30);

/// What the server shows; replaced or patched after every rebuild.
struct Site {
    files: BTreeMap<String, Content>,
    version: u64,
    /// The diagnostics of a failed rebuild, shown over the page.
    errors: Option<String>,
    /// `/wmcj/`: the base path of the last good build (until there is
    /// one, of the `site.yaml` read at start, or `/`).
    base: String,
}

/// Everything the handlers share.
struct Preview {
    site: Mutex<Site>,
    /// The site's version, announced after every rebuild to the long polls.
    version: watch::Sender<u64>,
    waiting: Semaphore,
    names: Names,
}

/// The names a request may give for this server.
#[derive(Clone, Copy)]
struct Names {
    port: u16,
    /// Bound beyond loopback (`--bind 0.0.0.0`, a LAN address): any IP
    /// address may name the server, as it is reached through several.
    any_ip: bool,
}

impl Names {
    /// Whether `authority` (`host[:port]`, as in Host or Origin) names this
    /// server: `localhost` or a loopback address (or, bound beyond
    /// loopback, any IP address), with our port. Never another DNS name,
    /// whatever it resolves to: that is how DNS rebinding lets a page of
    /// another site read ours. A missing port means 80, as in HTTP.
    fn name_us(&self, authority: &str) -> bool {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, Some(port)),
            _ => (authority, None),
        };
        let port_ok = match port {
            Some(p) => p.parse::<u16>() == Ok(self.port),
            None => self.port == 80,
        };
        let ip = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
            None => host.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
        };
        let host_ok = match ip {
            Some(ip) => self.any_ip || ip.is_loopback(),
            None => host.eq_ignore_ascii_case("localhost"),
        };
        port_ok && host_ok
    }

    /// Whether the request names this server. A browser always sends Host
    /// (HTTP/1.1 requires it); a request without one (hand-made HTTP/1.0)
    /// names nothing and is refused like any other, which keeps the rule
    /// one rule. An absolute request target names a host of its own, which
    /// must be ours too.
    fn request_names_us(&self, req: &Request) -> bool {
        let mut hosts = req.headers().get_all(HOST).iter();
        let (Some(host), None) = (hosts.next(), hosts.next()) else {
            return false;
        };
        host.to_str().is_ok_and(|h| self.name_us(h))
            && req
                .uri()
                .authority()
                .is_none_or(|a| self.name_us(a.as_str()))
    }

    /// Whether the request comes from a page of this server: its Origin is
    /// `http://` and a name of ours. Browsers send Origin on every request
    /// that is not a plain read.
    fn request_from_our_page(&self, req: &Request) -> bool {
        req.headers()
            .get(ORIGIN)
            .and_then(|o| o.to_str().ok())
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|a| !a.contains('/') && self.name_us(a))
    }
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

impl Preview {
    fn lookup(&self, path: &str) -> Reply {
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
            return Reply::Redirect(format!(
                "{}{}/",
                site.base,
                crate::links::encode_url_path(&rel)
            ));
        }
        Reply::NotFound(not_found(site))
    }

    fn status_json(&self) -> String {
        let site = self.site.lock().expect("site lock");
        serde_json::json!({ "version": site.version, "errors": site.errors }).to_string()
    }

    fn publish(
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

/// The preview's routes. Every route, the site's files included, is behind
/// the Host and Origin checks: add new routes above the `layer` lines.
fn router(preview: Arc<Preview>) -> Router {
    Router::new()
        .route("/__wenming/reload.js", get(reload_js))
        .route("/__wenming/state", get(state))
        .route("/__wenming/wait", get(wait))
        .fallback(get(site_file))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&preview),
            only_our_pages,
        ))
        .layer(middleware::map_response(no_store))
        .with_state(preview)
}

/// Refuse requests that do not name this server (DNS rebinding), and
/// anything but a plain read that does not come from one of its pages
/// (cross-site forms and scripts). No CORS headers are ever sent, so other
/// sites cannot read our answers either.
async fn only_our_pages(State(p): State<Arc<Preview>>, req: Request, next: Next) -> Response {
    if !p.names.request_names_us(&req) {
        let port = p.names.port;
        return forbidden(if p.names.any_ip {
            format!("预览服务只接受用本机地址或 IP 地址访问（不接受其他域名）：请打开 http://127.0.0.1:{port}/，在其他电脑上把 127.0.0.1 换成这台电脑的 IP 地址\n")
        } else {
            format!("预览服务只接受用本机地址访问：请在浏览器中打开 http://127.0.0.1:{port}/\n")
        });
    }
    let plain_read = matches!(*req.method(), Method::GET | Method::HEAD);
    if !plain_read && !p.names.request_from_our_page(&req) {
        return forbidden("预览服务只接受从它自己的页面发出的修改请求\n".into());
    }
    next.run(req).await
}

fn forbidden(message: String) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// A preview is always the latest build: nothing is cached.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Our endpoints answer under any prefix: pages ask at `<base>__wenming/…`,
/// and a page opened before the base path changed asks at its old one.
fn own_endpoints_under_any_base<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let path = req.uri().path();
    let Some(at) = path.find("/__wenming/").filter(|&at| at > 0) else {
        return req;
    };
    let target = match req.uri().query() {
        Some(q) => format!("{}?{q}", &path[at..]),
        None => path[at..].to_string(),
    };
    let mut parts = req.uri().clone().into_parts();
    parts.path_and_query = target.parse().ok();
    if let Ok(uri) = Uri::from_parts(parts) {
        *req.uri_mut() = uri;
    }
    req
}

async fn reload_js() -> Response {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
        RELOAD_JS,
    )
        .into_response()
}

fn json(body: String) -> Response {
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

async fn state(State(p): State<Arc<Preview>>) -> Response {
    json(p.status_json())
}

/// Long poll: answers when the version differs from `?v=`, or after 25 s.
/// Beyond [`MAX_WAITING`] it answers at once with the state unchanged.
async fn wait(State(p): State<Arc<Preview>>, RawQuery(query): RawQuery) -> Response {
    let seen: u64 = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("v="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if let Ok(_slot) = p.waiting.try_acquire() {
        let mut version = p.version.subscribe();
        let _ = tokio::time::timeout(LONG_POLL, version.wait_for(|&v| v != seen)).await;
    }
    json(p.status_json())
}

async fn site_file(State(p): State<Arc<Preview>>, uri: Uri) -> Response {
    match p.lookup(uri.path()) {
        Reply::Found { path, body } => {
            ([(CONTENT_TYPE, content_type(&path))], body).into_response()
        }
        Reply::Redirect(to) => (StatusCode::FOUND, [(LOCATION, to)]).into_response(),
        Reply::NotFound(body) => (
            StatusCode::NOT_FOUND,
            [(CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
    }
}

/// Serve connections, at most [`MAX_CONNECTIONS`] at once.
async fn accept_loop(listener: tokio::net::TcpListener, preview: Arc<Preview>) {
    use tower::ServiceExt as _;
    let app = router(preview).map_request(own_endpoints_under_any_base::<hyper::body::Incoming>);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let slot = Arc::clone(&slots)
            .acquire_owned()
            .await
            .expect("never closed");
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file handles and the like: pass, then try again.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                // `Content-Type`, as browsers' tools and our tests show it.
                .title_case_headers(true);
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = tokio::time::sleep(CONNECTION_LIFETIME) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(CLOSE_GRACE, connection).await;
                }
            }
            drop(slot);
        });
    }
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
    let base = session.base_path().unwrap_or("/").to_string();
    let first_search = session.search_job();

    // Requests are cheap tasks on two threads; a long poll holds no thread.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(2)
        .thread_name("serve")
        .enable_io()
        .enable_time()
        .build()
        .context("无法启动预览服务")?;
    let addr = format!("{}:{}", opts.bind, opts.port);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind((
            opts.bind.as_str(),
            opts.port,
        )))
        .and_then(|l| Ok((l.local_addr()?, l)));
    let (local, listener) = listener.map_err(|e| {
        anyhow::anyhow!("无法在 {addr} 上启动预览服务：{e}（端口是否已被占用？可用 --port 换一个）")
    })?;
    let beyond_loopback = !local.ip().is_loopback();
    let preview = Arc::new(Preview {
        site: Mutex::new(Site {
            files: session.files.clone(),
            version: 1,
            errors: (!report.ok())
                .then(|| diagnostics_text(&report.diagnostics, report.fatal.as_deref())),
            base: base.clone(),
        }),
        version: watch::Sender::new(1),
        waiting: Semaphore::new(MAX_WAITING),
        names: Names {
            port: local.port(),
            any_ip: beyond_loopback,
        },
    });
    runtime.spawn(accept_loop(listener, Arc::clone(&preview)));

    let shown_host = match local.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    eprintln!(
        "预览地址：http://{shown_host}:{}{base}  （修改文件后自动刷新；按 Ctrl+C 停止）",
        local.port()
    );
    if beyond_loopback {
        eprintln!(
            "注意：预览服务监听在 {}，局域网内其他电脑也能访问",
            opts.bind
        );
    }

    // The search index is built here, one job at a time, always from the
    // latest pages: indexing a large site takes far longer than a rebuild.
    let (search_tx, search_rx) = std::sync::mpsc::channel::<crate::session::SearchJob>();
    {
        let preview = Arc::clone(&preview);
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
                        let mut site = preview.site.lock().expect("site lock");
                        site.files.retain(|p, _| !p.starts_with(crate::search::DIR));
                        for f in index {
                            site.files.insert(f.path, f.content);
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
        preview.publish(&report, files, &session);
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

    #[test]
    fn only_names_of_this_server_are_answered() {
        let local = Names {
            port: 1111,
            any_ip: false,
        };
        for ok in [
            "127.0.0.1:1111",
            "localhost:1111",
            "LocalHost:1111",
            "[::1]:1111",
        ] {
            assert!(local.name_us(ok), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "127.0.0.1:2222",
            "127.0.0.1:",
            "evil.example:1111",
            "localhost.evil.example:1111",
            "192.168.1.10:1111",
            "[::ffff:192.168.1.10]:1111",
            "::1:1111",
            "[::1]",
            "",
        ] {
            assert!(!local.name_us(bad), "{bad}");
        }
        let lan = Names {
            port: 1111,
            any_ip: true,
        };
        assert!(lan.name_us("192.168.1.10:1111"));
        assert!(lan.name_us("[fe80::1]:1111"));
        assert!(!lan.name_us("192.168.1.10:2222"));
        assert!(!lan.name_us("printer.lan:1111"));
        assert!(!lan.name_us("2130706433:1111"));
        let web = Names {
            port: 80,
            any_ip: false,
        };
        assert!(web.name_us("localhost") && web.name_us("[::1]"));
    }

    #[test]
    fn own_endpoints_answer_under_any_base() {
        let rewrite = |uri: &str| {
            let req = axum::http::Request::builder().uri(uri).body(()).unwrap();
            own_endpoints_under_any_base(req).uri().to_string()
        };
        assert_eq!(rewrite("/wmcj/__wenming/wait?v=3"), "/__wenming/wait?v=3");
        assert_eq!(rewrite("/old/base/__wenming/state"), "/__wenming/state");
        assert_eq!(rewrite("/__wenming/state"), "/__wenming/state");
        assert_eq!(rewrite("/wmcj/reports/"), "/wmcj/reports/");
    }
}
