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
        // wenming's own records (manifest, lock) hold times, not the site.
        .filter(|e| !e.file_name().to_string_lossy().starts_with(".wenming-"))
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

/// A copy of the default site built once into `out/kept`.
fn built_into_kept() -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    let kept = out.path().join("kept");
    build_with(site.path(), &kept, "2");
    (site, out, kept)
}

/// Build `site` again into `kept`, and into the new folder `out/fresh`;
/// returns the fresh tree.
fn rebuild_and_build_fresh(site: &Path, out: &Path, kept: &Path) -> BTreeMap<String, Vec<u8>> {
    build_with(site, kept, "2");
    build_with(site, &out.join("fresh"), "2");
    tree(&out.join("fresh"))
}

/// A build into an existing output (files compared and updated in place)
/// leaves exactly what a build into an empty folder writes, after edits
/// that add, change and remove pages.
#[test]
fn updating_an_output_in_place_equals_a_fresh_build() {
    let (site, out, kept) = built_into_kept();
    let reports = site.path().join("content/reports");
    let first = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .min()
        .unwrap();
    std::fs::remove_file(first).unwrap();
    report(
        site.path(),
        "2022-11-29-new.md",
        "title: 新增的报道\ndate: 2022-11-29\nkind: news\ncriteria: [1]",
        "新增报道的正文。",
    );
    let fresh = rebuild_and_build_fresh(site.path(), out.path(), &kept);
    assert!(fresh.contains_key("reports/new/index.html"));
    assert_same(&tree(&kept), &fresh);
}

/// An existing output that lost pages, or had them changed, by hand ends
/// up exactly as a fresh build.
#[test]
fn an_output_changed_by_hand_is_brought_up_to_date() {
    let (site, out, kept) = built_into_kept();
    std::fs::remove_dir_all(kept.join("progress/1")).unwrap();
    std::fs::remove_file(kept.join("style.css")).unwrap();
    std::fs::write(kept.join("about/index.html"), "changed by hand").unwrap();
    let fresh = rebuild_and_build_fresh(site.path(), out.path(), &kept);
    assert_same(&tree(&kept), &fresh);
}

/// Files of others in the shape of the site (a file where a folder goes,
/// a folder where a file goes, a link in place of a page) are never
/// replaced (SPEC §12): the build refuses, and nothing outside the output
/// is written through the link.
#[test]
fn an_output_reshaped_by_others_is_refused_whole() {
    let cases: [(&str, fn(&Path, &Path)); 3] = [
        ("a file where a folder goes", |kept, _| {
            std::fs::remove_dir_all(kept.join("progress/1")).unwrap();
            std::fs::write(kept.join("progress/1"), "a file").unwrap();
        }),
        ("a folder where a file goes", |kept, _| {
            std::fs::remove_file(kept.join("style.css")).unwrap();
            std::fs::create_dir_all(kept.join("style.css/inner")).unwrap();
            std::fs::write(kept.join("style.css/inner/x.txt"), "x").unwrap();
        }),
        ("a link in place of a page", |kept, outside| {
            std::fs::remove_file(kept.join("about/index.html")).unwrap();
            std::os::unix::fs::symlink(outside, kept.join("about/index.html")).unwrap();
        }),
    ];
    for (what, reshape) in cases {
        let (site, out, kept) = built_into_kept();
        let outside = out.path().join("outside.html");
        std::fs::write(&outside, "not the site's").unwrap();
        reshape(&kept, &outside);
        let before = tree(&kept);
        // Something for the build to publish, so that it must decide.
        std::fs::write(
            site.path().join("site.yaml"),
            std::fs::read_to_string(site.path().join("site.yaml"))
                .unwrap()
                .replacen("title: ", "title: 新", 1),
        )
        .unwrap();
        let run = Command::new(env!("CARGO_BIN_EXE_wenming"))
            .args(["build", "--root", site.path().to_str().unwrap()])
            .args(["--output", kept.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{what}: {stderr}");
        assert!(stderr.contains("不是 wenming 写的"), "{what}: {stderr}");
        assert_same(&tree(&kept), &before);
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not the site's");
    }
}
