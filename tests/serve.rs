//! `wenming serve` as a user runs it: the real binary on a free loopback
//! port, pages fetched over HTTP, files edited on disk.

mod common;
use common::server::*;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn serves_edits_keeps_last_good_site_on_errors_and_refuses_traversal() {
    let site = copy_default_site();
    let root = site.path();
    let server = start(root);
    let port = server.port;

    // Served under the base path, with live reload injected.
    let (status, page) = text(port, "/wmcj/reports/community-service/");
    assert_eq!(status, 200);
    assert!(page.contains("分成三个小组"));
    assert!(page.contains("/wmcj/__wenming/reload.js"));
    let (status, head, _) = get(port, "/");
    assert_eq!(status, 302);
    assert!(head.contains("Location: /wmcj/"), "{head}");

    // Idle means idle: the server's own reads never trigger a rebuild.
    let version = |port| text(port, "/wmcj/__wenming/state").1;
    let before = version(port);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(version(port), before, "rebuilt without any edit");

    // An edit is served.
    let report = root.join("content/reports/2022-09-15-community-service/index.md");
    let original = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&report, original.replace("分成三个小组", "分成四个小组")).unwrap();
    wait_until(
        || {
            text(port, "/wmcj/reports/community-service/")
                .1
                .contains("分成四个小组")
        },
        "edit served",
    );

    // A broken edit keeps the old page and reports the error.
    std::fs::write(
        &report,
        original
            .replace("kind: volunteer", "kind: volunter")
            .replace("分成三个小组", "分成五个小组"),
    )
    .unwrap();
    wait_until(
        || {
            text(port, "/wmcj/__wenming/state")
                .1
                .contains("未知的活动类别")
        },
        "error state",
    );
    let (status, page) = text(port, "/wmcj/reports/community-service/");
    assert_eq!(status, 200);
    assert!(page.contains("分成四个小组"), "last good page kept");
    let state = text(port, "/wmcj/__wenming/state").1;
    assert!(
        state.contains("content/reports/2022-09-15-community-service/index.md:4:7"),
        "{state}"
    );

    // The next good save clears it.
    std::fs::write(&report, original.replace("分成三个小组", "分成六个小组")).unwrap();
    wait_until(
        || {
            text(port, "/wmcj/reports/community-service/")
                .1
                .contains("分成六个小组")
        },
        "fixed edit served",
    );
    assert!(text(port, "/wmcj/__wenming/state")
        .1
        .contains("\"errors\":null"));

    // Only files of the output: traversal in every spelling gets 404.
    for bad in [
        "/wmcj/../site.yaml",
        "/wmcj/%2e%2e/site.yaml",
        "/wmcj/reports/%2E%2E/%2E%2E/site.yaml",
        "/wmcj/..%5csite.yaml",
        "/wmcj/..\\site.yaml",
        "/site.yaml",
        "/wmcj/data/ledger.yaml",
    ] {
        let (status, body) = text(port, bad);
        assert_eq!(status, 404, "{bad}");
        assert!(body.contains("页面未找到"), "{bad}: 404.html served");
        assert!(!body.contains("base_url"), "{bad}");
    }

    // Content types with charset.
    for (path, ty) in [
        ("/wmcj/", "text/html; charset=utf-8"),
        ("/wmcj/style.css", "text/css; charset=utf-8"),
        ("/wmcj/feed.xml", "application/xml; charset=utf-8"),
        ("/wmcj/ledger.csv", "text/csv; charset=utf-8"),
        ("/wmcj/reports/community-service/photo1.jpg", "image/jpeg"),
        (
            "/wmcj/reports/community-service/%E7%AD%BE%E5%88%B0%E8%A1%A8.pdf",
            "application/pdf",
        ),
    ] {
        let (status, head, body) = get(port, path);
        assert_eq!(status, 200, "{path}");
        assert!(
            head.contains(&format!("Content-Type: {ty}")),
            "{path}: {head}"
        );
        assert!(!body.is_empty());
    }

    // A client that disconnects mid-transfer does not take the server down.
    for _ in 0..20 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "GET /wmcj/dossier/ HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        )
        .unwrap();
        drop(s);
    }
    assert_eq!(text(port, "/wmcj/dossier/").0, 200);
}

#[test]
fn serve_listens_on_loopback_by_default() {
    let site = minimal_site();
    let server = start(site.path());
    // Reachable on 127.0.0.1; the address it printed is loopback.
    assert_eq!(text(server.port, "/sub/path/").0, 200);
    let out = Command::new("ss").args(["-ltnH"]).output();
    if let Ok(out) = out {
        let listing = String::from_utf8_lossy(&out.stdout);
        let ours: Vec<&str> = listing
            .lines()
            .filter(|l| l.contains(&format!(":{} ", server.port)))
            .collect();
        assert!(
            !ours.is_empty() && ours.iter().all(|l| l.contains("127.0.0.1:")),
            "{ours:?}"
        );
    }
}

#[test]
fn new_report_creates_a_dated_file_and_never_overwrites() {
    let site = minimal_site();
    let root = site.path().to_str().unwrap();
    let run = wenming(&[
        "new",
        "report",
        "志愿服务进社区",
        "--kind",
        "volunteer",
        "--date",
        "2022-12-01",
        "--root",
        root,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = site
        .path()
        .join("content/reports/2022-12-01-zhi-yuan-fu-wu-jin-she-qu.md");
    assert_eq!(run.stdout.trim(), path.display().to_string());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("---\ntitle: \"志愿服务进社区\"\ndate: 2022-12-01\nkind: volunteer\n"),
        "{text}"
    );
    // The new file builds as it is.
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    assert!(out
        .path()
        .join("reports/zhi-yuan-fu-wu-jin-she-qu/index.html")
        .is_file());
    // Never overwritten.
    std::fs::write(&path, "我的正文").unwrap();
    let again = wenming(&[
        "new",
        "report",
        "志愿服务进社区",
        "--kind",
        "volunteer",
        "--date",
        "2022-12-01",
        "--root",
        root,
    ]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("已存在，未做任何修改"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "我的正文");
    // A title whose address another report already has gets a numbered one.
    let other = wenming(&[
        "new",
        "report",
        "志愿服务进社区",
        "--kind",
        "volunteer",
        "--date",
        "2022-12-02",
        "--root",
        root,
    ]);
    assert_eq!(other.code, 0, "{}", other.stderr);
    assert!(
        other
            .stdout
            .trim()
            .ends_with("2022-12-02-zhi-yuan-fu-wu-jin-she-qu-2.md"),
        "{}",
        other.stdout
    );
    let bad = wenming(&[
        "new", "report", "标题", "--kind", "volunter", "--root", root,
    ]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("未知的活动类别 “volunter”，可选：volunteer（志愿服务）、news（创建动态）"),
        "{}",
        bad.stderr
    );
    assert_eq!(
        wenming(&["new", "report", "标题", "--root", root]).code,
        2,
        "missing --kind is a usage error"
    );
}

#[test]
fn init_creates_a_site_that_builds_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("my-site");
    let run = wenming(&["init", target.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for f in [
        "site.yaml",
        "data/criteria.yaml",
        "data/ledger.yaml",
        "content/pages/plan.md",
        "content/reports/2022-09-15-community-service/photo1.jpg",
    ] {
        assert!(target.join(f).is_file(), "{f}");
    }
    let out = tempfile::tempdir().unwrap();
    let b = build(&target, out.path(), &[]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert!(b.stderr.contains("已生成 17 篇报道"));
    std::fs::write(target.join("site.yaml"), "mine").unwrap();
    let again = wenming(&["init", target.to_str().unwrap()]);
    assert_eq!(again.code, 1);
    assert_eq!(
        std::fs::read_to_string(target.join("site.yaml")).unwrap(),
        "mine"
    );
}

/// The search index is built in the background: the site answers first,
/// the index follows, and an edit brings a new index without a restart.
#[test]
fn search_index_follows_in_the_background() {
    let site = copy_default_site();
    let root = site.path();
    let server = start(root);
    let port = server.port;
    assert_eq!(text(port, "/wmcj/").0, 200);
    let entry = |port| get(port, "/wmcj/search/index/meta.json");
    wait_until(|| entry(port).0 == 200, "search index built");
    let before = entry(port).2;

    let report = root.join("content/reports/2022-09-15-community-service/index.md");
    let original = std::fs::read_to_string(&report).unwrap();
    std::fs::write(
        &report,
        original.replace("分成三个小组", "分成三个小组，另设饕餮组"),
    )
    .unwrap();
    wait_until(
        || {
            text(port, "/wmcj/reports/community-service/")
                .1
                .contains("饕餮组")
        },
        "edit served",
    );
    wait_until(
        || entry(port).2 != before,
        "search index updated after the edit",
    );
}

/// The raw request `GET path` with the given Host line (or none).
fn get_as(port: u16, host: Option<&str>, path: &str) -> (u16, String, String) {
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    let (status, head, body) = request(
        port,
        &format!("GET {path} HTTP/1.1\r\n{host}Connection: close\r\n\r\n"),
    );
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

/// DNS rebinding: a page of another site, its name pointed at 127.0.0.1,
/// sends its own name as Host. Only the server's own names are answered.
#[test]
fn serve_answers_only_requests_that_name_it() {
    let site = minimal_site();
    let server = start(site.path());
    let port = server.port;
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, _, body) = get_as(port, Some(&host), "/sub/path/");
        assert_eq!(status, 200, "{host}");
        assert!(body.contains("测试单位"), "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        format!("localtest.me:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("192.168.1.10:{port}"),
        format!("127.0.0.1:{}", port + 1),
        "127.0.0.1".to_string(),
        "evil.example".to_string(),
    ] {
        for path in ["/sub/path/", "/sub/path/__wenming/state", "/"] {
            let (status, head, body) = get_as(port, Some(&host), path);
            assert_eq!(status, 403, "{host} {path}");
            assert!(
                body.contains("预览服务只接受用本机地址访问"),
                "{host} {path}: {body}"
            );
            assert!(!body.contains("测试单位") && !body.contains("version"));
            assert!(head.contains("Cache-Control: no-store"), "{head}");
        }
    }
    // No Host at all (a hand-made HTTP/1.0 request) names nothing either.
    let (status, _, body) = request(port, "GET /sub/path/ HTTP/1.0\r\n\r\n");
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("只接受"));
    // Two Host headers: refused, whichever comes first.
    let (status, ..) = request(
        port,
        &format!("GET /sub/path/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example:{port}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 403);
    // An absolute request target names its own host, which must be ours too.
    let (status, ..) = request(
        port,
        &format!("GET http://evil.example:{port}/sub/path/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 403);
}

/// Bound beyond loopback on purpose, the server is also reached by the IP
/// addresses of the machine, but still by no other DNS name.
#[test]
fn serve_bound_to_all_interfaces_answers_ip_addresses_only() {
    let site = minimal_site();
    let server = start_with(site.path(), &["--bind", "0.0.0.0"]);
    let port = server.port;
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("192.168.1.10:{port}"),
        format!("[fe80::1]:{port}"),
    ] {
        assert_eq!(get_as(port, Some(&host), "/sub/path/").0, 200, "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        format!("office-pc.lan:{port}"),
        format!("192.168.1.10:{}", port + 1),
    ] {
        let (status, _, body) = get_as(port, Some(&host), "/sub/path/");
        assert_eq!(status, 403, "{host}");
        assert!(body.contains("本机地址或 IP 地址"), "{body}");
    }
    let log = server.log();
    assert!(
        log.contains(&format!("预览地址：http://127.0.0.1:{port}/sub/path/")),
        "{log}"
    );
    assert!(
        log.contains("注意：预览服务监听在 0.0.0.0，局域网内其他电脑也能访问"),
        "{log}"
    );
}

/// Anything but a plain read must come from one of the server's own pages;
/// a form or script on another site gets 403, and no CORS header is ever
/// sent (the workbench's forms will sit behind the same layer).
#[test]
fn serve_refuses_writes_from_other_sites() {
    let site = minimal_site();
    let server = start(site.path());
    let port = server.port;
    let send = |method: &str, path: &str, origin: Option<&str>| {
        let origin = origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        let (status, head, body) = request(
            port,
            &format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{origin}Content-Length: 0\r\nConnection: close\r\n\r\n"),
        );
        assert!(
            !head.to_ascii_lowercase().contains("access-control-"),
            "{method} {path}: {head}"
        );
        (status, String::from_utf8_lossy(&body).into_owned())
    };
    let ours = format!("http://127.0.0.1:{port}");
    let foreign = [
        Some("http://evil.example".to_string()),
        Some(format!("http://evil.example:{port}")),
        Some(format!("http://127.0.0.1:{}", port + 1)),
        Some(format!("https://127.0.0.1:{port}")),
        Some(format!("{ours}.evil.example")),
        Some("null".to_string()),
        None,
    ];
    for path in [
        "/sub/path/__wenming/state",
        "/sub/path/",
        "/__wenming/wait?v=1",
    ] {
        for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
            for origin in &foreign {
                let (status, body) = send(method, path, origin.as_deref());
                assert_eq!(status, 403, "{method} {path} from {origin:?}");
                assert!(
                    body.contains("只接受从它自己的页面发出的修改请求"),
                    "{body}"
                );
            }
        }
        // From our own page it passes the check (there is nothing to post to yet).
        let (status, _) = send("POST", path, Some(&ours));
        assert_ne!(status, 403, "POST {path} from our own page");
        assert_ne!(status, 200, "POST {path}: nothing accepts writes yet");
    }
    // Plain reads need no Origin, and a foreign one does not make them readable.
    let (status, body) = send("GET", "/sub/path/", Some("http://evil.example"));
    assert_eq!(status, 200);
    assert!(body.contains("测试单位"));
}

/// Started on a `site.yaml` that does not parse, the preview shows the
/// error; once fixed, it serves the site at the fixed file's base path, as
/// it does after an error made later.
#[test]
fn serve_started_on_a_broken_site_yaml_recovers_after_the_fix() {
    let site = minimal_site();
    let root = site.path();
    let config = root.join("site.yaml");
    let good = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        good.replace("title: 文明创建专题专栏", "title: [文明创建专题专栏"),
    )
    .unwrap();
    let server = start(root);
    let port = server.port;

    let (_, state) = text(port, "/__wenming/state");
    assert!(state.contains("site.yaml:"), "{state}");
    assert!(!state.contains("\"errors\":null"), "{state}");
    // Whatever is asked shows the errors over a page that says why.
    let (status, page) = text(port, "/sub/path/");
    assert_eq!(status, 404);
    assert!(page.contains("网站还没有生成成功"), "{page}");
    assert!(page.contains("__wenming/reload.js"), "{page}");

    std::fs::write(&config, &good).unwrap();
    wait_until(
        || {
            let (status, page) = text(port, "/sub/path/");
            status == 200 && page.contains("测试单位")
        },
        "the site served at its base path after the fix",
    );
    let (status, page) = text(port, "/sub/path/");
    assert_eq!(status, 200);
    assert!(page.contains("/sub/path/__wenming/reload.js"), "{page}");
    let (status, head, _) = get(port, "/");
    assert_eq!(status, 302);
    assert!(head.contains("Location: /sub/path/"), "{head}");
    assert!(text(port, "/sub/path/__wenming/state")
        .1
        .contains("\"errors\":null"));
    // The page opened while broken asked at the old base: it still gets
    // its answer, so it reloads.
    assert!(text(port, "/__wenming/wait?v=1")
        .1
        .contains("\"errors\":null"));
}

#[cfg(target_os = "linux")]
fn raise_open_file_limit() {
    // SAFETY: plain system calls on a struct that lives across them.
    unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < 8192 {
            limit.rlim_cur = limit.rlim_max.min(8192);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// `Threads:` and `VmRSS:` (kB) of a process, from /proc.
#[cfg(target_os = "linux")]
fn threads_and_rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {status}"))
    };
    (field("Threads:"), field("VmRSS:"))
}

fn body_of(answer: &[u8]) -> &[u8] {
    let at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    &answer[at + 4..]
}

/// The site version in a `state` or `wait` answer.
fn version_of(json: &[u8]) -> u64 {
    let state: serde_json::Value = serde_json::from_slice(json).unwrap();
    state["version"].as_u64().unwrap()
}

/// 2,000 pages waiting for a change cost the server a few tasks, not a
/// thread each; waits beyond the cap are answered at once with the state
/// as it is; a page still loads meanwhile.
#[test]
fn two_thousand_long_polls_hold_no_threads() {
    #[cfg(target_os = "linux")]
    raise_open_file_limit();
    let site = minimal_site();
    let server = start(site.path());
    let port = server.port;
    let state = text(port, "/sub/path/__wenming/state").1;
    let version = version_of(state.as_bytes());

    let mut polls: Vec<(TcpStream, Vec<u8>, bool)> = (0..2000)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            write!(
                s,
                "GET /sub/path/__wenming/wait?v={version} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
            )
            .unwrap();
            s.set_nonblocking(true).unwrap();
            (s, Vec::new(), false)
        })
        .collect();

    let asked = Instant::now();
    let (status, page) = text(port, "/sub/path/");
    assert_eq!(status, 200);
    assert!(page.contains("测试单位"));
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "a page took {:?} beside the long polls",
        asked.elapsed()
    );
    #[cfg(target_os = "linux")]
    {
        let (threads, rss_kb) = threads_and_rss(server.child.id());
        eprintln!("2,000 long polls: the server has {threads} threads, VmRSS {rss_kb} kB");
        assert!(threads < 40, "{threads} threads");
        assert!(rss_kb < 200 * 1024, "VmRSS {rss_kb} kB");
    }

    // Read what has come: an answer is whole when the server closes.
    let read_answers = |polls: &mut Vec<(TcpStream, Vec<u8>, bool)>| {
        for (s, buf, done) in polls.iter_mut().filter(|p| !p.2) {
            let mut chunk = [0u8; 4096];
            loop {
                match s.read(&mut chunk) {
                    Ok(0) => {
                        *done = true;
                        break;
                    }
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
            }
        }
        polls.iter().filter(|p| p.2).count()
    };
    let start = Instant::now();
    while read_answers(&mut polls) < 2000 - 64 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let answered = read_answers(&mut polls);
    assert!(
        answered >= 2000 - 64,
        "only {answered} waits answered at once"
    );
    for (_, buf, _) in polls.iter().filter(|p| p.2) {
        let answer = String::from_utf8_lossy(buf);
        assert!(answer.starts_with("HTTP/1.0 200 "), "{answer}");
        assert_eq!(version_of(body_of(buf)), version, "{answer}");
    }

    // The waits held are answered when the site changes.
    write(
        site.path(),
        "data/indicators.yaml",
        "staff: 10\nvolunteers: 5\n",
    );
    let start = Instant::now();
    while read_answers(&mut polls) < 2000 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(read_answers(&mut polls), 2000);
    let woken = polls
        .iter()
        .filter(|p| version_of(body_of(&p.1)) > version)
        .count();
    assert!(woken > 0 && woken <= 64, "{woken} waits were held");
}

/// A connection that sends nothing, or drips its request head, is closed
/// after a while (so a few hundred of them cannot lock the preview out).
#[test]
fn idle_and_slow_connections_are_closed() {
    let site = minimal_site();
    let server = start(site.path());
    let port = server.port;
    let mut idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(25)))
        .unwrap();
    let slow = std::thread::spawn(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let began = Instant::now();
        let _ = write!(s, "GET /sub/path/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
        while began.elapsed() < Duration::from_secs(25) {
            std::thread::sleep(Duration::from_millis(500));
            if s.write_all(b"X-Slow: 1\r\n").is_err() {
                return Some(began.elapsed());
            }
        }
        None
    });
    let began = Instant::now();
    let mut buf = [0u8; 64];
    match idle.read(&mut buf) {
        Ok(_) => assert!(began.elapsed() < Duration::from_secs(20)),
        Err(e) => panic!(
            "idle connection still open after {:?}: {e}",
            began.elapsed()
        ),
    }
    let slow = slow.join().unwrap();
    assert!(
        slow.is_some_and(|t| t < Duration::from_secs(20)),
        "a connection dripping its headers was kept open: {slow:?}"
    );
    assert_eq!(text(port, "/sub/path/").0, 200);
}
