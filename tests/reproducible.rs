//! Builds are reproducible: the same site gives byte-identical output, and
//! the parallel build equals a one-thread build.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn build_with(site: &Path, out: &Path, threads: &str) {
    let run = Command::new(env!("CARGO_BIN_EXE_wenming"))
        .args([
            "build",
            "--root",
            site.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    let names_a: Vec<&String> = a.keys().collect();
    let names_b: Vec<&String> = b.keys().collect();
    assert_eq!(names_a, names_b, "different file lists");
    let differing: Vec<&String> = a
        .iter()
        .filter(|(k, v)| b[*k] != **v)
        .map(|(k, _)| k)
        .collect();
    assert!(differing.is_empty(), "files differ: {differing:?}");
}

#[test]
fn two_builds_and_a_one_thread_build_are_identical() {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    build_with(site.path(), &out.path().join("a"), "2");
    build_with(site.path(), &out.path().join("b"), "2");
    build_with(site.path(), &out.path().join("one"), "1");
    let a = tree(&out.path().join("a"));
    assert!(a.len() > 80, "{}", a.len());
    assert_same(&a, &tree(&out.path().join("b")));
    assert_same(&a, &tree(&out.path().join("one")));
}
