//! `wenming` with no arguments, as a double-click in Explorer starts it:
//! the real binary finds the site, serves it and says in Chinese what runs
//! and how to stop; without a site it asks for one; an error waits for
//! Enter instead of closing the window. No browser is opened
//! (`WENMING_NO_BROWSER=1`).

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Launched {
    child: Child,
    /// What it printed (stderr).
    log: tempfile::NamedTempFile,
}

impl Launched {
    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap()
    }

    /// The preview's address, once it is printed.
    fn wait_for_url(&mut self) -> String {
        self.wait_for_address("预览地址：")
    }

    /// The address printed after `label` (`预览地址：`, `工作台：`).
    fn wait_for_address(&mut self, label: &str) -> String {
        let start = Instant::now();
        loop {
            let log = self.log();
            if let Some(line) = log.lines().find(|l| l.starts_with(label)) {
                let url = line[label.len()..].split_whitespace().next().unwrap();
                return url.to_string();
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("exited ({status}) before serving:\n{log}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no {label} line:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `wenming` with no arguments in `cwd`, given `input` on stdin (then its end).
fn launch(cwd: &Path, input: &str) -> Launched {
    launch_with(cwd, input, &[])
}

/// The same with environment variables `vars` (after `WENMING_NO_BROWSER=1`).
fn launch_with(cwd: &Path, input: &str, vars: &[(&str, String)]) -> Launched {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wenming"))
        .current_dir(cwd)
        .env("WENMING_NO_BROWSER", "1")
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    Launched { child, log }
}

/// GET `url` (`http://127.0.0.1:PORT/path`) naming the server in Host, as
/// a browser does: the status and the body.
fn fetch(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn no_arguments_in_a_site_folder_serves_it_and_says_how_to_stop() {
    let site = copy_default_site();
    // Another program on 1111 (or a second window): it takes the next port.
    let taken = std::net::TcpListener::bind("127.0.0.1:1111").ok();
    let mut run = launch(site.path(), "");
    let url = run.wait_for_url();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/wmcj/"),
        "{url}"
    );
    if taken.is_some() {
        assert!(!url.contains(":1111/"), "{url}");
    }
    let (status, page) = fetch(&url);
    assert_eq!(status, 200);
    assert!(page.contains("文明创建专题专栏"), "{page}");

    let log = run.log();
    let shown = site.path().canonicalize().unwrap();
    assert!(log.starts_with("wenming "), "{log}");
    assert!(log.contains("文明创建专题专栏生成器"), "{log}");
    assert!(
        log.contains(&format!("站点文件夹：{}", shown.display())),
        "{log}"
    );
    assert!(log.contains("请在浏览器中打开上面的网址"), "{log}");
    assert!(log.contains("wenming 正在运行本机预览"), "{log}");
    assert!(log.contains("要停止，关闭这个窗口或按 Ctrl+C"), "{log}");
    assert!(!log.contains("错误："), "{log}");
    // Still serving: it did not flash and vanish.
    assert!(run.child.try_wait().unwrap().is_none());
}

#[test]
fn no_arguments_and_no_site_asks_for_the_folder_then_serves_it() {
    let site = copy_default_site();
    let empty = tempfile::tempdir().unwrap();
    let input = format!(
        "{}\n\"{}\"\n",
        empty.path().join("没有这个文件夹").display(),
        site.path().display()
    );
    let mut run = launch(empty.path(), &input);
    let url = run.wait_for_url();
    let (status, page) = fetch(&url);
    assert_eq!(status, 200);
    assert!(page.contains("文明创建专题专栏"));

    let log = run.log();
    assert!(
        log.contains("没有在当前文件夹和程序所在的文件夹找到站点"),
        "{log}"
    );
    assert!(log.contains("请输入站点文件夹的位置后按回车"), "{log}");
    assert!(log.contains("没有这个文件夹。请重新输入"), "{log}");
    assert!(
        log.contains(&format!("站点文件夹：{}", site.path().display())),
        "{log}"
    );
    assert!(log.contains("要停止，关闭这个窗口或按 Ctrl+C"), "{log}");
}

/// The desktop's opener is asked to open the workbench's address, token
/// and all (here a stand-in `xdg-open` first on PATH, which notes what it
/// is given); the workbench links to the preview.
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn no_arguments_opens_the_browser_on_the_workbench() {
    use std::os::unix::fs::PermissionsExt as _;
    let site = copy_default_site();
    let bin = tempfile::tempdir().unwrap();
    let opened = bin.path().join("opened");
    let opener = bin.path().join("xdg-open");
    let script = format!("#!/bin/sh\necho \"$1\" >>'{}'\n", opened.display());
    std::fs::write(&opener, script).unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let vars = [
        ("WENMING_NO_BROWSER", "0".to_string()),
        ("PATH", path),
        ("DISPLAY", ":0".to_string()),
    ];
    let mut run = launch_with(site.path(), "", &vars);
    let preview = run.wait_for_url();
    let url = run.wait_for_address("工作台：");
    assert!(url.contains("/__wenming/?token="), "{url}");
    let start = Instant::now();
    while !std::fs::read_to_string(&opened).is_ok_and(|s| s.ends_with('\n')) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no browser:\n{}",
            run.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        format!("{url}\n")
    );
    let log = run.log();
    assert!(log.contains("已在浏览器中打开工作台"), "{log}");
    // What the browser gets there: the workbench, with the way to the preview.
    let path = &url[url.find("/__wenming/").unwrap()..];
    let port: u16 = url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The token buys a cookie and a redirect to the overview.
    let (status, head, _) = common::server::get(port, path);
    assert_eq!(status, 303, "{head}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("Set-Cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("the workbench's cookie");
    let (status, head, body) = common::server::request(
        port,
        &format!("GET /__wenming/ HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n"),
    );
    assert_eq!(status, 200, "{head}");
    // Tera writes '/' in attributes as &#x2F;.
    let page = String::from_utf8_lossy(&body).replace("&#x2F;", "/");
    assert!(page.contains("工作台"), "{page}");
    let preview_path = &preview[preview.find("/wmcj/").unwrap()..];
    assert!(
        page.contains(&format!("href=\"{preview_path}\"")),
        "a link to the preview: {page}"
    );
}

#[test]
fn an_error_waits_for_enter_before_the_window_closes() {
    let empty = tempfile::tempdir().unwrap();
    // A wrong folder, then the end of the input: nothing to serve.
    let mut run = launch(empty.path(), "D:\\没有\\站点\n");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = run.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "did not exit:\n{}",
            run.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
    let log = run.log();
    assert!(
        log.contains("错误：没有得到站点文件夹，预览没有启动"),
        "{log}"
    );
    assert!(log.trim_end().ends_with("按回车键关闭窗口"), "{log}");
}

#[test]
fn arguments_still_mean_what_they_did() {
    // Only a bare `wenming` starts the preview; a mistake is still a
    // mistake (exit 2), not a launch.
    let run = wenming(&["--drafts"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("预览地址"), "{}", run.stderr);
}
