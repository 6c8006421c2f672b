//! Edit → served latency of `wenming serve`.
//!
//! ```text
//! cargo run --release --example edit_latency -- --root DIR [--port P] [--rounds 5]
//! ```
//!
//! Starts `target/release/wenming serve --root DIR --port P` (build it first
//! with `cargo build --release`; `WENMING_BIN` overrides the path), waits
//! until the site answers under its base path, then repeatedly appends a
//! unique marker sentence to the middle report (by file name) and polls the
//! report's page over plain HTTP/1.0 every 2 ms until the marker is served.
//! One unmeasured warm-up edit comes first, so a watcher that is still being
//! set up cannot lose an edit. The report is restored and the server stopped
//! at the end, also on error or panic.
//!
//! With `--via-workbench` each edit is a save in the 工作台 instead: the
//! report's form is fetched (untimed), the marker appended to its body, and
//! the clock runs from posting `report/save` (with the token's cookie and
//! the CSRF secret, as the browser does) until the page carries the marker.
//! The backups the saves make are removed at the end.
//!
//! The last line is machine-readable (used by benches/bench.sh):
//! `edit_latency: rounds=N median_ms=… min_ms=… max_ms=… startup_s=… serve_peak_rss_mb=… rebuilds=… edits=…`
//! (`rebuilds`: how many rebuilds the server reported from the first edit
//! to the end, for `edits` edits, warm-up included.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(2);
const USAGE: &str = "usage: cargo run --release --example edit_latency -- --root DIR [--port P] [--rounds 5] [--timeout SECONDS] [--log FILE] [--via-workbench]";

struct Args {
    root: PathBuf,
    port: Option<u16>,
    rounds: usize,
    /// Per edit, and for the server's first build.
    timeout: Duration,
    /// Where to write the server's own output, with times since the start.
    log: Option<PathBuf>,
    via_workbench: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut root = None;
    let mut port = None;
    let mut rounds = 5;
    let mut timeout = 600;
    let mut log = None;
    let mut via_workbench = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--root" => root = Some(PathBuf::from(val("--root")?)),
            "--port" => port = Some(val("--port")?.parse().map_err(|e| format!("--port: {e}"))?),
            "--rounds" => {
                rounds = val("--rounds")?
                    .parse()
                    .map_err(|e| format!("--rounds: {e}"))?
            }
            "--timeout" => {
                timeout = val("--timeout")?
                    .parse()
                    .map_err(|e| format!("--timeout: {e}"))?
            }
            "--log" => log = Some(PathBuf::from(val("--log")?)),
            "--via-workbench" => via_workbench = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if rounds == 0 {
        return Err("--rounds must be at least 1".into());
    }
    Ok(Args {
        root: root.ok_or("--root DIR is required")?,
        port,
        rounds,
        timeout: Duration::from_secs(timeout),
        log,
        via_workbench,
    })
}

/// Stops the server and puts the report back however `run` ends.
struct Guard {
    child: Option<Child>,
    file: PathBuf,
    original: Option<Vec<u8>>,
    /// The workbench's backup folder, when this run made it.
    backups: Option<PathBuf>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(orig) = self.original.take() {
            if let Err(e) = std::fs::write(&self.file, orig) {
                eprintln!(
                    "edit_latency: could not restore {}: {e}",
                    self.file.display()
                );
            }
        }
        if let Some(dir) = self.backups.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The path part of `base_url` in site.yaml, with a trailing slash: `/wmcj/`.
fn base_path(root: &Path) -> Result<String, String> {
    let p = root.join("site.yaml");
    let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    let v: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
    let url = v["base_url"].as_str().unwrap_or("/");
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = match after_scheme.find('/') {
        Some(i) if url.contains("://") => &after_scheme[i..],
        _ if url.contains("://") => "/",
        _ => url,
    };
    let mut path = path.to_string();
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    Ok(path)
}

/// The middle report by file name: its Markdown file and its slug.
fn pick_report(root: &Path) -> Result<(PathBuf, String), String> {
    let dir = root.join("content/reports");
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if path.is_dir() && path.join("index.md").is_file() {
                Some((name, path.join("index.md")))
            } else if name.ends_with(".md") && path.is_file() {
                Some((name.trim_end_matches(".md").to_string(), path))
            } else {
                None
            }
        })
        .collect();
    if entries.is_empty() {
        return Err(format!("no reports in {}", dir.display()));
    }
    entries.sort();
    let (name, file) = entries.swap_remove(entries.len() / 2);
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    // An explicit `slug:` in the front matter wins.
    let front = text
        .strip_prefix("---")
        .and_then(|t| t.split("\n---").next())
        .unwrap_or("");
    let explicit = front.lines().find_map(|l| {
        let v = l.strip_prefix("slug:")?.trim().trim_matches(['"', '\'']);
        (!v.is_empty()).then(|| v.to_string())
    });
    let slug = explicit.unwrap_or_else(|| {
        let b = name.as_bytes();
        let dated = b.len() > 11
            && b[..10].iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
            && b[10] == b'-';
        if dated {
            name[11..].to_string()
        } else {
            name.clone()
        }
    });
    if !slug.is_ascii() {
        return Err(format!(
            "{}: the slug would be pinyin; pick a site whose middle report has an ASCII name",
            file.display()
        ));
    }
    Ok((file, slug.to_ascii_lowercase()))
}

/// One HTTP/1.0 GET; the status code and the whole body.
fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    let (status, _, body) = http_request(
        addr,
        &format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n"),
        b"",
    )?;
    Ok((status, body))
}

/// One HTTP/1.0 request (`head` ends with the blank line); the status, the
/// response's head and its body.
fn http_request(
    addr: SocketAddr,
    head: &str,
    body: &[u8],
) -> std::io::Result<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.set_nodelay(true)?;
    let mut request = head.as_bytes().to_vec();
    request.extend_from_slice(body);
    s.write_all(&request)?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let status = buf
        .split(|&b| b == b' ')
        .nth(1)
        .and_then(|c| std::str::from_utf8(c).ok()?.parse().ok())
        .unwrap_or(0);
    let (head, body) = match buf.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => {
            let body = buf.split_off(i + 4);
            (String::from_utf8_lossy(&buf).into_owned(), body)
        }
        None => (String::from_utf8_lossy(&buf).into_owned(), Vec::new()),
    };
    Ok((status, head, body))
}

/// A logged-in workbench session: the cookie the token buys, the CSRF
/// secret its pages carry, and the report's path as the workbench names it.
struct Workbench {
    cookie: String,
    csrf: String,
    report: String,
}

impl Workbench {
    fn login(
        addr: SocketAddr,
        log: &Log,
        report: String,
        timeout: Duration,
    ) -> Result<Self, String> {
        let started = Instant::now();
        let entry = loop {
            let found = log.lock().unwrap().iter().find_map(|(_, l)| {
                let url = l.split("工作台：").nth(1)?.split_whitespace().next()?;
                url.contains("token=").then(|| url.to_string())
            });
            if let Some(url) = found {
                break url;
            }
            if started.elapsed() > timeout {
                dump_log(log);
                return Err("serve printed no 工作台 address".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let path = &entry[entry.find("/__wenming/").ok_or("odd 工作台 address")?..];
        let (status, head, _) = http_request(
            addr,
            &format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n"),
            b"",
        )
        .map_err(|e| format!("GET {path}: {e}"))?;
        let cookie = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("Set-Cookie: ")
                    .or_else(|| l.strip_prefix("set-cookie: "))
            })
            .and_then(|c| c.split(';').next())
            .ok_or(format!("the token was not taken (HTTP {status})"))?
            .to_string();
        let mut wb = Workbench {
            cookie,
            csrf: String::new(),
            report,
        };
        let page = wb.get(addr, "/__wenming/")?;
        wb.csrf = page
            .split("name=\"wenming-csrf\" content=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .ok_or("no CSRF secret in the workbench page")?
            .to_string();
        Ok(wb)
    }

    fn get(&self, addr: SocketAddr, path: &str) -> Result<String, String> {
        let head = format!(
            "GET {path} HTTP/1.0\r\nHost: {addr}\r\nCookie: {}\r\n\r\n",
            self.cookie
        );
        match http_request(addr, &head, b"") {
            Ok((200, _, body)) => Ok(String::from_utf8_lossy(&body).into_owned()),
            Ok((code, _, _)) => Err(format!("GET {path} answered {code}")),
            Err(e) => Err(format!("GET {path}: {e}")),
        }
    }

    /// The report's form as the workbench page holds it, with `sentence`
    /// appended to the body: the JSON the page would post to save it.
    fn edited_form(&self, addr: SocketAddr, sentence: &str) -> Result<Vec<u8>, String> {
        let page = self.get(
            addr,
            &format!("/__wenming/report?path={}", percent_encode(&self.report)),
        )?;
        let data = page
            .split("<script type=\"application/json\" id=\"wb-data\">")
            .nth(1)
            .and_then(|r| r.split("</script>").next())
            .ok_or("no form data in the report page")?;
        let mut data: serde_json::Value =
            serde_json::from_str(data).map_err(|e| format!("form data: {e}"))?;
        let form = data.get_mut("form").ok_or("no form in the form data")?;
        let body = format!("{}{sentence}", form["body"].as_str().unwrap_or(""));
        form["body"] = body.into();
        Ok(form.to_string().into_bytes())
    }

    fn save(&self, addr: SocketAddr, form: &[u8]) -> Result<(), String> {
        let head = format!(
            "POST /__wenming/api/report/save HTTP/1.0\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {}\r\nX-Wenming-Csrf: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.cookie,
            self.csrf,
            form.len()
        );
        match http_request(addr, &head, form) {
            Ok((200, _, _)) => Ok(()),
            Ok((code, _, body)) => Err(format!(
                "save answered {code}: {}",
                String::from_utf8_lossy(&body)
            )),
            Err(e) => Err(format!("save: {e}")),
        }
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Peak resident set of a process, from /proc (Linux), in MB.
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

type Log = Arc<Mutex<Vec<(Instant, String)>>>;

/// How many rebuilds the server reported after `since`.
fn rebuilds_since(log: &Log, since: Instant) -> usize {
    let log = log.lock().unwrap();
    log.iter()
        .filter(|(t, l)| *t >= since && !l.starts_with(">>>") && l.contains("已更新"))
        .count()
}

/// The server's own report of the rebuild logged after `since`, if any:
/// `已更新（…）：增量生成 1 个页面，用时 41 毫秒` → "增量生成 1 个页面，用时 41 毫秒".
fn server_note(log: &Log, since: Instant) -> Option<String> {
    let log = log.lock().unwrap();
    log.iter()
        .filter(|(t, _)| *t >= since)
        .map(|(_, l)| l)
        .find(|l| !l.starts_with(">>>") && (l.contains("已更新") || l.contains("错误")))
        .map(|l| l.split_once('：').map(|(_, r)| r).unwrap_or(l).to_string())
}

fn dump_log(log: &Log) {
    for (_, l) in log
        .lock()
        .unwrap()
        .iter()
        .rev()
        .take(20)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        eprintln!("  serve| {l}");
    }
}

/// Append a marker to the report (on disk, or saved in the workbench) and
/// wait until the page carries it.
fn one_edit(
    guard: &mut Guard,
    workbench: Option<&Workbench>,
    addr: SocketAddr,
    page: &str,
    label: &str,
    timeout: Duration,
    log: &Log,
) -> Result<Duration, String> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let marker = format!("WMLAT{}{label}T{nanos}", std::process::id());
    let sentence = format!("\n\n测速标记{marker}：本句由 edit_latency 追加，测完即删。\n");
    let written = match workbench {
        Some(wb) => {
            let form = wb.edited_form(addr, &sentence)?;
            let posted = Instant::now();
            wb.save(addr, &form)?;
            posted
        }
        None => {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&guard.file)
                .map_err(|e| format!("{}: {e}", guard.file.display()))?;
            f.write_all(sentence.as_bytes())
                .map_err(|e| format!("{}: {e}", guard.file.display()))?;
            drop(f);
            Instant::now()
        }
    };
    log.lock()
        .unwrap()
        .push((written, format!(">>> edit {label}: marker appended")));
    loop {
        if let Ok((200, body)) = http_get(addr, page) {
            if contains(&body, marker.as_bytes()) {
                let d = written.elapsed();
                log.lock()
                    .unwrap()
                    .push((Instant::now(), format!(">>> edit {label}: marker served")));
                return Ok(d);
            }
        }
        if written.elapsed() > timeout {
            dump_log(log);
            return Err(format!("{label}: marker not served after {timeout:?}"));
        }
        if let Some(c) = guard.child.as_mut() {
            if let Ok(Some(st)) = c.try_wait() {
                dump_log(log);
                return Err(format!("wenming serve exited: {st}"));
            }
        }
        std::thread::sleep(POLL);
    }
}

fn run(args: Args) -> Result<(), String> {
    let bin = std::env::var_os("WENMING_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/wenming"));
    if !bin.is_file() {
        return Err(format!(
            "{} is missing: build it first with `cargo build --release`",
            bin.display()
        ));
    }
    let base = base_path(&args.root)?;
    let (file, slug) = pick_report(&args.root)?;
    let page = format!("{base}reports/{slug}/");
    let original = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let port = match args.port {
        Some(p) => p,
        None => TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("no free port: {e}"))?,
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        return Err(format!(
            "port {port} is already in use; pass another --port"
        ));
    }

    let started = Instant::now();
    let mut child = Command::new(&bin)
        .arg("serve")
        .arg("--root")
        .arg(&args.root)
        .arg("--port")
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let log: Log = Arc::default();
    {
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                log.lock().unwrap().push((Instant::now(), line));
            }
        });
    }
    let pid = child.id();
    // From here on the guard owns the server and the report's original text.
    let mut guard = Guard {
        child: Some(child),
        file: file.clone(),
        original: Some(original),
        backups: (args.via_workbench && !args.root.join(".wenming-backup").exists())
            .then(|| args.root.join(".wenming-backup")),
    };

    println!(
        "edit_latency: {} serve --root {} --port {port}; editing {} → {page}",
        bin.display(),
        args.root.display(),
        file.display()
    );
    loop {
        if let Ok((code, _)) = http_get(addr, &base) {
            if code == 200 {
                break;
            }
        }
        if let Some(Ok(Some(st))) = guard.child.as_mut().map(|c| c.try_wait()) {
            dump_log(&log);
            return Err(format!("wenming serve exited before answering: {st}"));
        }
        if started.elapsed() > args.timeout {
            dump_log(&log);
            return Err(format!(
                "wenming serve did not answer {base} within {:?}",
                args.timeout
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let startup = started.elapsed();
    println!("serve answered {base} after {:.2} s", startup.as_secs_f64());
    match http_get(addr, &page) {
        Ok((200, _)) => {}
        Ok((code, _)) => return Err(format!("GET {page} answered {code}")),
        Err(e) => return Err(format!("GET {page}: {e}")),
    }

    let workbench = if args.via_workbench {
        let rel = file
            .strip_prefix(&args.root)
            .map_err(|_| "the report is outside the site".to_string())?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        Some(Workbench::login(addr, &log, rel, args.timeout)?)
    } else {
        None
    };

    // The watcher is set up after the server starts answering: give it a
    // moment, then make one unmeasured edit.
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    let first_edit = t;
    let warm = one_edit(
        &mut guard,
        workbench.as_ref(),
        addr,
        &page,
        "W",
        args.timeout,
        &log,
    )?;
    std::thread::sleep(Duration::from_millis(300));
    println!(
        "warm-up : {:8.1} ms  (server: {})",
        warm.as_secs_f64() * 1e3,
        server_note(&log, t).unwrap_or_else(|| "-".into())
    );

    let mut ms = Vec::new();
    for round in 1..=args.rounds {
        let t = Instant::now();
        let d = one_edit(
            &mut guard,
            workbench.as_ref(),
            addr,
            &page,
            &format!("R{round}"),
            args.timeout,
            &log,
        )?;
        // Let the server finish logging and settle before the next edit.
        std::thread::sleep(Duration::from_millis(300));
        let v = d.as_secs_f64() * 1e3;
        println!(
            "round {round:>2}: {v:8.1} ms  (server: {})",
            server_note(&log, t).unwrap_or_else(|| "-".into())
        );
        ms.push(v);
    }
    let rss = peak_rss_mb(pid);
    // One edit should cause one rebuild (two if the editor's write is seen
    // as two events). A server whose own file reads come back to it as
    // changes keeps rebuilding, and every figure above includes that.
    let edits = args.rounds + 1;
    let rebuilds = rebuilds_since(&log, first_edit);
    println!("serve rebuilt {rebuilds} times for {edits} edits");
    if rebuilds > 2 * edits {
        println!("WARNING: serve rebuilds far more often than the site is edited (a rebuild loop?); the latencies include it");
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let median = if ms.len() % 2 == 1 {
        ms[ms.len() / 2]
    } else {
        (ms[ms.len() / 2 - 1] + ms[ms.len() / 2]) / 2.0
    };
    println!(
        "{}→served over {} rounds: median {:.1} ms, min {:.1} ms, max {:.1} ms",
        if args.via_workbench { "save" } else { "edit" },
        ms.len(),
        median,
        ms[0],
        ms[ms.len() - 1]
    );
    drop(guard);
    if let Some(path) = &args.log {
        let text: String = log
            .lock()
            .unwrap()
            .iter()
            .map(|(t, l)| format!("{:9.3} {l}\n", t.duration_since(started).as_secs_f64()))
            .collect();
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!(
        "edit_latency: rounds={} median_ms={:.1} min_ms={:.1} max_ms={:.1} startup_s={:.2} serve_peak_rss_mb={} rebuilds={rebuilds} edits={edits}",
        ms.len(),
        median,
        ms[0],
        ms[ms.len() - 1],
        startup.as_secs_f64(),
        rss.map(|r| format!("{r:.0}")).unwrap_or_else(|| "NA".into())
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("edit_latency: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("edit_latency: {e}");
            ExitCode::FAILURE
        }
    }
}
