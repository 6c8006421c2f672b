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
//!
//! This file runs the rebuild loop ([`serve`]); the rest is in the files
//! beside it:
//! - `preview.rs`: what is served, and how a request path finds it;
//! - `http.rs`: the router, the middleware, the handlers and the accept
//!   loop with its caps and timeouts;
//! - `names.rs`: the Host and Origin checks;
//! - `changes.rs`: which file events are worth a rebuild, and their bursts;
//! - `launch.rs`: the double-click start (`wenming` with no arguments):
//!   find the site, serve it, open the browser.

mod changes;
mod http;
pub mod launch;
mod names;
mod preview;

pub(crate) use changes::ignored;

use crate::report::BuildReport;
use crate::session::BuildOptions;
use crate::session::Session;
use crate::workbench::{Snapshot, Workbench};
use anyhow::{Context as _, Result};
use changes::next_batch;
use http::{accept_loop, MAX_WAITING};
use names::Names;
use preview::{diagnostics_text, Preview, Site};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{watch, Semaphore};

pub struct ServeOptions {
    pub build: BuildOptions,
    pub bind: String,
    pub port: u16,
    /// When `port` is taken, listen on the next free one instead of
    /// stopping (the double-click start: nobody there can pass `--port`).
    pub next_free_port: bool,
    /// Keep the workbench open when listening beyond loopback (`--lan-workbench`);
    /// without it the workbench answers only that it is closed.
    pub lan_workbench: bool,
    /// Called once, with the preview's address, as soon as it answers.
    pub on_listening: Option<OnListening>,
}

/// What the double-click start does once the preview answers (it opens the
/// browser on the workbench): called with the preview's and the
/// workbench's addresses.
pub type OnListening = Box<dyn FnOnce(&str, &str)>;

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

/// What the workbench shows of the last build.
fn snapshot(session: &Session, report: &BuildReport, drafts: bool) -> Snapshot {
    let mut diagnostics = report.diagnostics.sorted();
    if let Some(f) = &report.fatal {
        diagnostics.push(crate::diagnostic::Diagnostic {
            path: String::new(),
            line: 0,
            column: 0,
            severity: crate::diagnostic::Severity::Error,
            message: f.clone(),
            hint: None,
        });
    }
    Snapshot {
        inputs: session.inputs().map(|i| Arc::new(i.clone())),
        diagnostics,
        summary: report.summary(),
        base: session.base_path().unwrap_or("/").to_string(),
        drafts,
    }
}

/// Start the server and the watcher; returns only on a startup failure.
pub fn serve(mut opts: ServeOptions) -> Result<()> {
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
    let workbench = Arc::new(Workbench::new(root.clone())?);
    workbench.update(snapshot(&session, &report, opts.build.drafts));
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
    // The next few ports, then any the system gives (0). A port can also
    // be refused rather than busy: Windows reserves ranges for Hyper-V.
    let last = opts.port.saturating_add(9);
    let ports: Vec<u16> = if opts.next_free_port {
        (opts.port..=last).chain([0]).collect()
    } else {
        vec![opts.port]
    };
    let mut listener = Err(std::io::Error::from(std::io::ErrorKind::AddrInUse));
    for (i, port) in ports.into_iter().enumerate() {
        let bound = runtime
            .block_on(tokio::net::TcpListener::bind((opts.bind.as_str(), port)))
            .and_then(|l| Ok((l.local_addr()?, l)));
        // The first port's error is the one worth showing.
        if bound.is_ok() || i == 0 {
            listener = bound;
        }
        if listener.is_ok() {
            break;
        }
    }
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
    runtime.spawn(accept_loop(
        listener,
        Arc::clone(&preview),
        Arc::clone(&workbench),
    ));

    let shown_host = match local.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let origin = format!("http://{shown_host}:{}", local.port());
    let url = format!("{origin}{base}");
    let workbench_url = workbench.entry_url(&origin);
    eprintln!("预览地址：{url}  （修改文件后自动刷新；按 Ctrl+C 停止）");
    if beyond_loopback && !opts.lan_workbench {
        workbench.close();
        eprintln!("工作台：已关闭（监听地址不是本机 127.0.0.1；确需在局域网内使用，请加 --lan-workbench）");
    } else {
        eprintln!("工作台：{workbench_url}  （在浏览器中编辑报道和台账；每次启动网址都不同）");
    }
    if beyond_loopback {
        eprintln!(
            "注意：预览服务监听在 {}，局域网内其他电脑也能访问",
            opts.bind
        );
        if opts.lan_workbench {
            eprintln!("注意：工作台也对局域网开放，知道上面网址的人都能修改这个站点的文件");
        }
    }
    if let Some(on_listening) = opts.on_listening.take() {
        on_listening(&url, &workbench_url);
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
        workbench.update(snapshot(&session, &report, opts.build.drafts));
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
