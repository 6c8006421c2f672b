//! Helpers for the integration tests: fixture sites in temp dirs, running
//! the real binary, reading the generated pages.
#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the default site (the repository root's site files).
pub fn copy_default_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for part in ["site.yaml", "data", "content", "static"] {
        copy_tree(&repo_root().join(part), &dir.path().join(part));
    }
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
        return;
    }
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A report file with front matter `front` (without the `---` lines).
pub fn report(root: &Path, name: &str, front: &str, body: &str) {
    write(
        root,
        &format!("content/reports/{name}"),
        &format!("---\n{front}\n---\n{body}\n"),
    );
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn wenming(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_wenming"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn build(root: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    wenming(&args)
}

pub fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A minimal valid site: two categories, three criteria, two kinds, no
/// reports (`tests/sites/minimal/`), copied into a temporary folder.
pub fn minimal_site() -> tempfile::TempDir {
    fixture_site("minimal")
}

/// A copy of the fixture site `tests/sites/NAME/` (without its `expected/`
/// folder) in a temporary folder.
pub fn fixture_site(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = repo_root().join("tests/sites").join(name);
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "expected" {
            continue;
        }
        let to = dir.path().join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}
