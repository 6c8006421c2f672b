//! `wenming serve` rebuilds incrementally; after any edit its output must be
//! exactly what a full build of the same files gives.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use wenming::session::{differences, Session};
use wenming::BuildOptions;

fn opts(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        output: root.join("public"),
        overrides: Default::default(),
        drafts: false,
        write: false,
        search: true,
        process_images: true,
    }
}

fn session(root: &Path) -> Session {
    let mut s = Session::new(opts(root)).unwrap();
    let (report, _) = s.build_all();
    assert!(report.ok(), "{:?}", report.diagnostics.sorted());
    s
}

fn assert_same_as_full(s: &mut Session, root: &Path) {
    s.refresh_search().unwrap();
    let fresh = session(root);
    let diff = differences(&s.files, &fresh.files);
    assert!(
        diff.is_empty(),
        "incremental output differs from a full build in: {diff:?}"
    );
}

fn edit(path: &Path, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    path.to_path_buf()
}

#[test]
fn body_edit_renders_only_what_shows_the_report() {
    let site = copy_default_site();
    let root = site.path().canonicalize().unwrap();
    let mut s = session(&root);
    let html = |paths: Vec<&String>| paths.into_iter().filter(|p| p.ends_with(".html")).count();
    let total = html(s.files.keys().collect());
    let path = root.join("content/reports/2022-09-15-community-service/index.md");
    edit(
        &path,
        "志愿者们分成三个小组开展服务",
        "志愿者们分成四个小组开展服务",
    );
    let (report, files) = s.rebuild(&[path]);
    assert!(report.ok());
    assert!(report.incremental, "a body edit should be incremental");
    let rendered = html(files.iter().map(|f| &f.path).collect());
    assert!(rendered < total / 2, "rendered {rendered} of {total} pages");
    let page = files
        .iter()
        .find(|f| f.path == "reports/community-service/index.html")
        .expect("its page is rendered");
    match &page.content {
        wenming::output::Content::Bytes(b) => {
            assert!(String::from_utf8_lossy(b).contains("分成四个小组"))
        }
        _ => panic!(),
    }
    assert!(
        !files.iter().any(|f| f.path == "progress/1/index.html"),
        "criterion 1 does not cite it"
    );
    assert_same_as_full(&mut s, &root);
}

#[test]
fn title_participants_and_summary_edits_match_a_full_build() {
    let site = copy_default_site();
    let root = site.path().canonicalize().unwrap();
    let mut s = session(&root);
    let path = root.join("content/reports/2022-10-08-reading-salon.md");
    edit(&path, "title: ", "title: （修改）");
    let (r, _) = s.rebuild(&[path.clone()]);
    assert!(r.ok());
    assert_same_as_full(&mut s, &root);
    let path = root.join("content/reports/2022-09-15-community-service/index.md");
    edit(&path, "participants: 32", "participants: 33");
    let (r, _) = s.rebuild(&[path]);
    assert!(r.ok() && r.incremental);
    assert_same_as_full(&mut s, &root);
}

#[test]
fn moving_a_report_between_criteria_kinds_or_dates_matches_a_full_build() {
    let site = copy_default_site();
    let root = site.path().canonicalize().unwrap();
    let mut s = session(&root);
    let path = root.join("content/reports/2022-09-15-community-service/index.md");
    edit(&path, "criteria: [16", "criteria: [17, 16");
    let (r, _) = s.rebuild(&[path.clone()]);
    assert!(r.ok());
    assert_same_as_full(&mut s, &root);
    edit(&path, "kind: volunteer", "kind: news");
    let (r, _) = s.rebuild(&[path.clone()]);
    assert!(r.ok());
    assert_same_as_full(&mut s, &root);
    edit(&path, "date: 2022-09-15", "date: 2022-11-29");
    let (r, _) = s.rebuild(&[path]);
    assert!(r.ok());
    assert_same_as_full(&mut s, &root);
}

#[test]
fn adding_and_deleting_reports_match_a_full_build() {
    let site = copy_default_site();
    let root = site.path().canonicalize().unwrap();
    let mut s = session(&root);
    let new = root.join("content/reports/2022-11-29-new.md");
    write(&root, "content/reports/2022-11-29-new.md", "---\ntitle: 新报道\ndate: 2022-11-29\nkind: culture\ncriteria: [19]\n---\n正文（示例）。\n");
    let (r, _) = s.rebuild(&[new.clone()]);
    assert!(r.ok());
    assert!(s.files.contains_key("reports/new/index.html"));
    assert_same_as_full(&mut s, &root);
    std::fs::remove_file(&new).unwrap();
    let (r, _) = s.rebuild(&[new]);
    assert!(r.ok());
    assert!(!s.files.contains_key("reports/new/index.html"));
    assert_same_as_full(&mut s, &root);
}

#[test]
fn a_broken_edit_keeps_the_last_good_output_and_the_next_good_one_recovers() {
    let site = copy_default_site();
    let root = site.path().canonicalize().unwrap();
    let mut s = session(&root);
    let before = s.files.clone();
    let path = root.join("content/reports/2022-10-08-reading-salon.md");
    edit(&path, "kind: reading", "kind: readin");
    let (r, _) = s.rebuild(&[path.clone()]);
    assert!(!r.ok());
    assert!(r
        .diagnostics
        .sorted()
        .iter()
        .any(|d| d.message.contains("未知的活动类别 “readin”")));
    assert!(
        differences(&s.files, &before).is_empty(),
        "last good output kept"
    );
    edit(&path, "kind: readin", "kind: reading");
    let (r, _) = s.rebuild(&[path]);
    assert!(r.ok(), "{:?}", r.diagnostics.sorted());
    assert_same_as_full(&mut s, &root);
}

#[test]
fn data_and_template_changes_rebuild_everything() {
    let site = copy_default_site();
    let root = site.path().canonicalize().unwrap();
    let mut s = session(&root);
    let ledger = edit(
        &root.join("data/ledger.yaml"),
        "\"1.3\":  { deadline: 2022-11-15, status: done,  score: 2",
        "\"1.3\":  { deadline: 2022-11-15, status: done,  score: 1",
    );
    let (r, _) = s.rebuild(&[ledger]);
    assert!(r.ok() && !r.incremental);
    assert_same_as_full(&mut s, &root);
    write(
        &root,
        "themes/default/templates/404.html",
        "{% extends \"base.html\" %}{% block content %}自定义{% endblock content %}",
    );
    let (r, _) = s.rebuild(&[root.join("themes/default/templates/404.html")]);
    assert!(r.ok() && !r.incremental);
    assert_same_as_full(&mut s, &root);
}

#[test]
fn photos_added_and_removed_by_an_edit_match_a_full_build() {
    let site = copy_default_site();
    let root = site.path().canonicalize().unwrap();
    let mut s = session(&root);
    let gallery_pages = |s: &Session| {
        s.files
            .keys()
            .filter(|p| p.starts_with("gallery/") && p.ends_with("index.html"))
            .count()
    };
    let before = gallery_pages(&s);
    let path = root.join("content/reports/2022-09-15-community-service/index.md");
    let original = std::fs::read_to_string(&path).unwrap();
    // Enough photos for more gallery pages than before.
    let more: String = (1..=45)
        .map(|i| format!("\n![社区服务现场第 {i} 张（示例图片）](photo1.jpg)\n"))
        .collect();
    std::fs::write(&path, format!("{original}{more}")).unwrap();
    let (r, _) = s.rebuild(&[path.clone()]);
    assert!(r.ok(), "{:?}", r.diagnostics.sorted());
    assert_same_as_full(&mut s, &root);
    assert!(
        gallery_pages(&s) > before,
        "{} gallery pages",
        gallery_pages(&s)
    );
    std::fs::write(&path, &original).unwrap();
    let (r, _) = s.rebuild(&[path]);
    assert!(r.ok());
    assert_same_as_full(&mut s, &root);
    assert_eq!(gallery_pages(&s), before);
}
