//! `wenming serve` as a user runs it: the real binary on a free loopback
//! port, pages fetched over HTTP, files edited on disk.

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A raw HTTP/1.0 request, so the exact path (`..`, `%2e`) reaches the server.
fn get(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, buf[split + 4..].to_vec())
}

fn text(port: u16, path: &str) -> (u16, String) {
    let (status, _, body) = get(port, path);
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn start(root: &Path) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_wenming"))
        .args([
            "serve",
            "--root",
            root.to_str().unwrap(),
            "--port",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port };
    wait_until(
        || TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "server start",
    );
    server
}

fn wait_until(mut ok: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

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
        write!(s, "GET /wmcj/dossier/ HTTP/1.0\r\n\r\n").unwrap();
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
