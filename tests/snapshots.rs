//! Fixture sites on disk (`tests/sites/NAME/`) built as a user would, and
//! what they give compared with the files committed beside them
//! (`tests/sites/NAME/expected/`): the console transcript of `check` and
//! `build`, and chosen pages. A change to what users see shows up here as a
//! diff to review. After an intended change, regenerate the expected files
//! with `WENMING_BLESS=1 cargo test --test snapshots` and commit them.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

/// The moment every snapshot is built at, so dates in pages stay put.
const EPOCH: &str = "1670000000";

/// A run of the binary on `site`, its exit code and console text, with the
/// one line that changes from run to run (the time taken) made steady.
fn transcript(site: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_wenming"))
        .args(args)
        .current_dir(site)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let steady: Vec<String> = stderr
        .lines()
        .map(|line| match line.find("，用时 ") {
            Some(at) => format!("{}，用时 …", &line[..at]),
            None => line.to_string(),
        })
        .collect();
    format!(
        "$ wenming {}\n{}\n[退出状态 {}]\n",
        args.join(" "),
        steady.join("\n"),
        out.status.code().unwrap_or(-1)
    )
}

/// Compare `actual` with `expected/NAME` of the fixture `site`, or write it
/// there when blessing.
fn expect(site: &str, name: &str, actual: &str, mismatches: &mut Vec<String>) {
    let path = repo_root()
        .join("tests/sites")
        .join(site)
        .join("expected")
        .join(name);
    if std::env::var_os("WENMING_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run WENMING_BLESS=1 cargo test --test snapshots",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        mismatches.push(format!(
            "{site}/expected/{name} differs from line {}:\n  expected: {:?}\n  actual:   {:?}",
            line + 1,
            expected.lines().nth(line).unwrap_or("(end)"),
            actual.lines().nth(line).unwrap_or("(end)")
        ));
    }
}

fn check_fixture(site: &str, pages: &[&str]) {
    let copy = fixture_site(site);
    let mut mismatches = Vec::new();
    expect(
        site,
        "check.txt",
        &transcript(copy.path(), &["check"]),
        &mut mismatches,
    );
    let build = transcript(copy.path(), &["build"]);
    expect(site, "build.txt", &build, &mut mismatches);
    for page in pages {
        let text = read(&copy.path().join("public"), page);
        expect(site, page, &text, &mut mismatches);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}

#[test]
fn a_small_column_gives_the_committed_pages_and_transcripts() {
    check_fixture(
        "column",
        &[
            "index.html",
            "progress/index.html",
            "progress/1/index.html",
            "reports/xueleifeng/index.html",
            "reports/dushu/index.html",
            "about/index.html",
            "feed.xml",
            "sitemap.xml",
            "ledger.csv",
        ],
    );
}

#[test]
fn a_site_with_every_common_mistake_gives_the_committed_messages() {
    check_fixture("broken", &[]);
}

#[test]
fn the_minimal_site_gives_the_committed_transcripts() {
    check_fixture("minimal", &["index.html"]);
}
