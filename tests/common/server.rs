//! `wenming serve` as a user runs it: the real binary on a free loopback
//! port, requests written by hand so the exact bytes reach the server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub port: u16,
    /// What the server printed (stderr).
    pub log: tempfile::NamedTempFile,
}

impl Server {
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A raw HTTP/1.0 request, so the exact path (`..`, `%2e`) reaches the server.
pub fn get(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    request(
        port,
        &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    )
}

/// A raw request as written (request line and headers, with the blank line).
pub fn request(port: u16, raw: &str) -> (u16, String, Vec<u8>) {
    request_bytes(port, raw.as_bytes())
}

/// A raw request whose body may be binary (an uploaded photo).
pub fn request_bytes(port: u16, raw: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(raw).unwrap();
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

pub fn text(port: u16, path: &str) -> (u16, String) {
    let (status, _, body) = get(port, path);
    (status, String::from_utf8_lossy(&body).into_owned())
}

pub fn start(root: &Path) -> Server {
    start_with(root, &[])
}

pub fn start_with(root: &Path, extra: &[&str]) -> Server {
    let port = free_port();
    let log = tempfile::NamedTempFile::new().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_wenming"))
        .args([
            "serve",
            "--root",
            root.to_str().unwrap(),
            "--port",
            &port.to_string(),
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let server = Server { child, port, log };
    wait_until(
        || TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "server start",
    );
    server
}

pub fn wait_until(mut ok: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}
