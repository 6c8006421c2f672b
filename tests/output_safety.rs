//! The output folder is wenming's or it is refused, and publishing is
//! all-or-nothing (SPEC §12): the real binary against folders it did not
//! make, a held lock, a disk that fills up, and builds killed at every step
//! of a publish and at spread instants.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Every file below `out` (wenming's own `.wenming-*` entries aside), with
/// a hash of its bytes.
fn snapshot(out: &Path) -> BTreeMap<String, u64> {
    let mut files = BTreeMap::new();
    for e in walkdir::WalkDir::new(out).min_depth(1) {
        let e = e.unwrap();
        let rel = e
            .path()
            .strip_prefix(out)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with(".wenming-") || e.file_type().is_dir() {
            continue;
        }
        let bytes = std::fs::read(e.path()).unwrap();
        files.insert(rel, xxhash_rust::xxh3::xxh3_64(&bytes));
    }
    files
}

/// Set up `to` as the published site `from`, cheaply: its files are hard
/// links to those of `from`, which is safe because wenming never writes a
/// published file in place (it moves new files over old ones), and keeps
/// each file's time, so `to` is the same published site to wenming.
fn copy_output(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::hard_link(e.path(), &target).unwrap();
        }
    }
}

fn own_entries(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".wenming-"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_folder_wenming_did_not_make_is_refused_and_left_untouched() {
    let site = minimal_site();
    let decoy = tempfile::tempdir().unwrap();
    write(decoy.path(), "工作总结.docx", "不能丢的文件");
    write(decoy.path(), "照片/合影.jpg", "jpeg");
    let before = snapshot(decoy.path());
    let run = build(site.path(), decoy.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("不是 wenming 生成的"), "{}", run.stderr);
    assert!(run.stderr.contains("工作总结.docx"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&decoy.path().display().to_string()),
        "names the folder: {}",
        run.stderr
    );
    assert!(run.stderr.contains("发现 1 个错误"), "{}", run.stderr);
    assert!(run.stderr.contains("原有网站保持不变"), "{}", run.stderr);
    assert_eq!(snapshot(decoy.path()), before);
    assert!(own_entries(decoy.path()).is_empty(), "nothing of ours left");
}

#[test]
fn the_only_file_of_a_folder_renamed_is_published_and_the_next_build_too() {
    let site = minimal_site();
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("public");
    write(site.path(), "static/制度文件/考核办法.txt", "第一版");
    assert_eq!(build(site.path(), &out, &[]).code, 0);
    std::fs::rename(
        site.path().join("static/制度文件/考核办法.txt"),
        site.path().join("static/制度文件/考核办法（修订）.txt"),
    )
    .unwrap();
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(&out, "制度文件/考核办法（修订）.txt"), "第一版");
    assert!(!out.join("制度文件/考核办法.txt").exists());
    let again = build(site.path(), &out, &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stderr.contains("都与上次相同"), "{}", again.stderr);
}

#[test]
fn missing_empty_and_explorer_touched_folders_are_taken() {
    let site = minimal_site();
    let parent = tempfile::tempdir().unwrap();
    let missing = parent.path().join("新建文件夹/public");
    assert_eq!(build(site.path(), &missing, &[]).code, 0);
    assert!(missing.join("index.html").is_file());
    assert!(missing.join(".wenming-output").is_file(), "the marker");
    let shown = parent.path().join("shown");
    write(&shown, "Thumbs.db", "x");
    write(&shown, "desktop.ini", "x");
    let run = build(site.path(), &shown, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        read(&shown, "Thumbs.db"),
        "x",
        "a system file is not ours to delete"
    );
}

#[test]
fn a_first_build_with_errors_leaves_no_folder_behind() {
    let site = minimal_site();
    report(
        site.path(),
        "bad.md",
        "title: x\ndate: 2022-13-01\nkind: volunteer",
        "正文",
    );
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("public");
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 1);
    assert!(!out.exists(), "an empty folder of ours stays behind");
}

#[test]
fn files_of_others_in_the_output_are_kept_and_reported() {
    let site = minimal_site();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    assert_eq!(build(site.path(), &out, &[]).code, 0);
    write(&out, "baidu_verify_abc.html", "verify");
    write(&out, "reports/说明.txt", "keep");
    write(&out, ".git/HEAD", "ref: x");
    // A report goes: its page and folder are deleted, the others' files stay.
    report(
        site.path(),
        "2022-10-01-a.md",
        "title: 甲\ndate: 2022-10-01\nkind: news",
        "正文",
    );
    assert_eq!(build(site.path(), &out, &[]).code, 0);
    assert!(out.join("reports/a/index.html").is_file());
    std::fs::remove_file(site.path().join("content/reports/2022-10-01-a.md")).unwrap();
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !out.join("reports/a").exists(),
        "the dropped report's folder is gone"
    );
    assert_eq!(read(&out, "baidu_verify_abc.html"), "verify");
    assert_eq!(read(&out, "reports/说明.txt"), "keep");
    assert_eq!(read(&out, ".git/HEAD"), "ref: x");
    assert!(
        run.stderr
            .contains("另有 2 个不是 wenming 生成的文件，已原样保留"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("baidu_verify_abc.html"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_of_others_where_a_page_goes_refuses_the_publish() {
    let site = minimal_site();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    assert_eq!(build(site.path(), &out, &[]).code, 0);
    let before = snapshot(&out);
    // Someone put a file where the next build puts a new report's folder.
    write(&out, "reports/new", "someone's notes");
    report(
        site.path(),
        "2022-10-02-new.md",
        "title: 新\ndate: 2022-10-02\nkind: news",
        "正文",
    );
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("不是 wenming 写的"), "{}", run.stderr);
    assert!(run.stderr.contains("没有发布任何内容"), "{}", run.stderr);
    assert_eq!(read(&out, "reports/new"), "someone's notes");
    let mut after = snapshot(&out);
    after.remove("reports/new");
    assert_eq!(after, before, "the old site stands whole");
}

#[test]
fn an_old_file_changed_by_hand_is_not_deleted() {
    let site = minimal_site();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    report(
        site.path(),
        "2022-10-01-a.md",
        "title: 甲\ndate: 2022-10-01\nkind: news",
        "正文",
    );
    assert_eq!(build(site.path(), &out, &[]).code, 0);
    write(&out, "reports/a/index.html", "<p>改过的页面</p>");
    std::fs::remove_file(site.path().join("content/reports/2022-10-01-a.md")).unwrap();
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(&out, "reports/a/index.html"), "<p>改过的页面</p>");
    assert!(run.stderr.contains("被改动过，没有删除"), "{}", run.stderr);
}

#[test]
fn a_page_changed_or_deleted_by_hand_is_published_again() {
    let site = minimal_site();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    assert_eq!(build(site.path(), &out, &[]).code, 0);
    let good = snapshot(&out);
    write(&out, "index.html", "被人改过");
    std::fs::remove_file(out.join("progress/index.html")).unwrap();
    let run = build(site.path(), &out, &[]);
    assert!(run.stderr.contains("其中更新 2 个"), "{}", run.stderr);
    assert_eq!(snapshot(&out), good);
}

#[test]
fn a_second_build_at_once_is_refused_in_chinese() {
    let site = minimal_site();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    assert_eq!(build(site.path(), &out, &[]).code, 0);
    let before = snapshot(&out);
    // Another build holds the folder's lock (as a running one does).
    let held = std::fs::OpenOptions::new()
        .write(true)
        .open(out.join(".wenming-lock"))
        .unwrap();
    held.try_lock().unwrap();
    report(
        site.path(),
        "2022-10-01-a.md",
        "title: 甲\ndate: 2022-10-01\nkind: news",
        "正文",
    );
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("另一个 wenming 正在生成"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("发现 1 个错误"), "{}", run.stderr);
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
    assert_eq!(snapshot(&out), before);
    drop(held);
    assert_eq!(build(site.path(), &out, &[]).code, 0, "free again");
}

/// The default site, built into `out`, then changed so that every page
/// differs (a new site title), one report added and one removed.
fn old_and_changed_site(out: &Path) -> tempfile::TempDir {
    let site = copy_default_site();
    let run = build(site.path(), out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    change_site(site.path());
    site
}

fn change_site(root: &Path) {
    let yaml = std::fs::read_to_string(root.join("site.yaml")).unwrap();
    let yaml = yaml.replacen("title: ", "title: 修订版 ", 1);
    std::fs::write(root.join("site.yaml"), yaml).unwrap();
    report(
        root,
        "2022-12-20-xin.md",
        "title: 新增的报道\ndate: 2022-12-20\nkind: news\ncriteria: [1]",
        "正文",
    );
    let first = std::fs::read_dir(root.join("content/reports"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("2022-12-20-xin.md"))
        .unwrap();
    std::fs::remove_file(first).unwrap();
}

/// Break the site so that a run only finishes or rolls back what an
/// interrupted one left, then refuses to build.
fn break_site(root: &Path) {
    std::fs::write(root.join("site.yaml"), "title: [\n").unwrap();
}

fn wenming_env(args: &[&str], env: &[(&str, String)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wenming"));
    cmd.args(args).env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn build_args<'a>(root: &'a Path, out: &'a Path) -> Vec<&'a str> {
    vec![
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]
}

#[test]
fn a_full_disk_at_any_file_leaves_the_old_site_whole() {
    let work = tempfile::tempdir().unwrap();
    let (out, expected_new) = (work.path().join("public"), work.path().join("new"));
    let site = old_and_changed_site(&out);
    let old = snapshot(&out);
    assert_eq!(build(site.path(), &expected_new, &[]).code, 0);
    let new = snapshot(&expected_new);
    assert_ne!(old, new);
    let pristine = work.path().join("pristine");
    copy_output(&out, &pristine);
    let total: u64 = walkdir::WalkDir::new(&expected_new)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len())
        .sum();
    let mut refused = 0;
    // From no room at all to just short of the whole new site (which then
    // fails at the journal), in 25 steps.
    for step in 0..25u64 {
        let budget = total * step / 24;
        copy_output(&pristine, &out);
        let run = wenming_env(
            &build_args(site.path(), &out),
            &[("WENMING_TEST_DISK_BYTES", budget.to_string())],
        );
        if run.code == 0 {
            assert_eq!(snapshot(&out), new, "budget {budget}");
            continue;
        }
        refused += 1;
        assert_eq!(run.code, 1, "budget {budget}: {}", run.stderr);
        assert!(run.stderr.contains("磁盘空间不足"), "{}", run.stderr);
        assert!(run.stderr.contains("原有网站保持不变"), "{}", run.stderr);
        assert!(run.stderr.contains("发现 1 个错误"), "{}", run.stderr);
        assert_eq!(snapshot(&out), old, "budget {budget}: the old site, whole");
        assert_eq!(own_entries(&out), [".wenming-lock", ".wenming-output"]);
    }
    assert!(refused >= 15, "only {refused} of 25 budgets ran out");
    // With room again, the build publishes.
    copy_output(&pristine, &out);
    assert_eq!(build(site.path(), &out, &[]).code, 0);
    assert_eq!(snapshot(&out), new);
}

/// A real full disk: a small tmpfs, where the system allows mounting one
/// (root on Linux); the hook above covers every other system.
#[test]
#[cfg(target_os = "linux")]
fn a_real_full_disk_leaves_the_old_site_whole() {
    let work = tempfile::tempdir().unwrap();
    let mount = work.path().join("disk");
    std::fs::create_dir(&mount).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
        .arg(&mount)
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("note: cannot mount a tmpfs here; the disk-full hook test covers this");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&mount);
    let out = mount.join("public");
    let site = old_and_changed_site(&out);
    let old = snapshot(&out);
    // Fill the disk but for a little room.
    let free = fs_free(&mount);
    let filler = vec![b'x'; free.saturating_sub(200 * 1024) as usize];
    std::fs::write(mount.join("filler"), filler).unwrap();
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("磁盘空间不足"), "{}", run.stderr);
    assert_eq!(snapshot(&out), old);
    std::fs::remove_file(mount.join("filler")).unwrap();
    assert_eq!(build(site.path(), &out, &[]).code, 0);
}

#[cfg(target_os = "linux")]
fn fs_free(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_crash_at_every_step_of_a_publish_is_finished_or_rolled_back() {
    let work = tempfile::tempdir().unwrap();
    let (out, expected_new) = (work.path().join("public"), work.path().join("new"));
    let site = old_and_changed_site(&out);
    let old = snapshot(&out);
    assert_eq!(build(site.path(), &expected_new, &[]).code, 0);
    let new = snapshot(&expected_new);
    let pristine = work.path().join("pristine");
    copy_output(&out, &pristine);
    let broken = copy_default_site();
    break_site(broken.path());
    let mut step = 1;
    let (mut rolled_back, mut finished) = (0, 0);
    loop {
        copy_output(&pristine, &out);
        let run = wenming_env(
            &build_args(site.path(), &out),
            // Every other run takes the portable bodies of `fs` (what other
            // systems run), so both are tried at every step.
            &[
                ("WENMING_TEST_CRASH_AFTER", step.to_string()),
                ("WENMING_PORTABLE", (step % 2).to_string()),
            ],
        );
        if run.code == 0 {
            // More steps than this publish has: it ran to the end.
            assert_eq!(snapshot(&out), new);
            break;
        }
        assert_eq!(run.code, -1, "step {step}: killed by abort: {}", run.stderr);
        let journal = out.join(".wenming-journal").exists();
        let recovery = build(broken.path(), &out, &[]);
        assert_eq!(recovery.code, 1, "{}", recovery.stderr);
        let now = snapshot(&out);
        if journal {
            assert!(
                recovery.stderr.contains("已按记录完成那次发布"),
                "{}",
                recovery.stderr
            );
            assert_eq!(now, new, "step {step}: finished");
            finished += 1;
        } else {
            assert_eq!(now, old, "step {step}: rolled back");
            rolled_back += 1;
        }
        assert_eq!(own_entries(&out), [".wenming-lock", ".wenming-output"]);
        step += 1;
    }
    eprintln!(
        "crashed at {} steps: {rolled_back} rolled back, {finished} finished",
        step - 1
    );
    assert!(
        rolled_back >= 2 && finished >= 10,
        "{rolled_back} / {finished}"
    );
}

/// 3,000 reports on top of the default site.
fn big_site() -> tempfile::TempDir {
    let site = copy_default_site();
    let kinds = [
        "volunteer",
        "reading",
        "integrity",
        "study",
        "culture",
        "news",
    ];
    for i in 0..3000 {
        let day = 1 + i % 28;
        let month = 9 + (i / 28) % 4;
        report(
            site.path(),
            &format!("2022-{month:02}-{day:02}-r{i}.md"),
            &format!(
                "title: 第{i}次志愿服务活动\ndate: 2022-{month:02}-{day:02}\nkind: {}\ncriteria: [{}]",
                kinds[i % kinds.len()],
                1 + i % 31
            ),
            &format!("委机关组织干部职工开展第{i}次活动，参加人数{}人。\n\n活动取得良好效果。", i % 50),
        );
    }
    site
}

#[test]
fn a_rebuild_killed_at_spread_instants_leaves_the_old_or_the_new_site() {
    let work = tempfile::tempdir().unwrap();
    let (out, expected_new) = (work.path().join("public"), work.path().join("new"));
    let site = big_site();
    assert_eq!(build(site.path(), &out, &[]).code, 0);
    change_site(site.path());
    let old = snapshot(&out);
    let pristine = work.path().join("pristine");
    copy_output(&out, &pristine);
    // The new site, and how long its build takes from the old one, in all
    // and from the journal's appearance (the commit) to the end.
    copy_output(&pristine, &expected_new);
    let (whole, commit) = timed_build(site.path(), &expected_new);
    let new = snapshot(&expected_new);
    assert_ne!(old, new);
    let broken = copy_default_site();
    break_site(broken.path());
    // Ten instants over the whole build, ten over its commit.
    let instants: Vec<(Duration, bool)> = (0..10)
        .map(|i| (whole.mul_f64((i as f64 + 0.5) / 10.0), false))
        .chain((0..10).map(|i| (commit.mul_f64(i as f64 / 10.0), true)))
        .collect();
    let (mut old_seen, mut new_seen) = (0, 0);
    for (at, after_journal) in instants {
        copy_output(&pristine, &out);
        let mut child = Command::new(env!("CARGO_BIN_EXE_wenming"))
            .args(build_args(site.path(), &out))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        if after_journal {
            while !out.join(".wenming-journal").exists() {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            std::thread::sleep(at);
        } else {
            std::thread::sleep(at.saturating_sub(start.elapsed()));
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let recovery = build(broken.path(), &out, &[]);
        assert_eq!(recovery.code, 1, "{}", recovery.stderr);
        let now = snapshot(&out);
        if now == old {
            old_seen += 1;
        } else if now == new {
            new_seen += 1;
        } else {
            let differing = now
                .iter()
                .filter(|(p, h)| old.get(*p) != Some(h) && new.get(*p) != Some(h))
                .map(|(p, _)| p.clone())
                .take(5)
                .collect::<Vec<_>>();
            panic!("killed at {at:?} (commit: {after_journal}): a mixed tree, e.g. {differing:?}");
        }
        assert_eq!(own_entries(&out), [".wenming-lock", ".wenming-output"]);
    }
    eprintln!("killed 20 times: {old_seen} times the old site, {new_seen} times the new one");
    assert!(old_seen > 0 && new_seen > 0, "{old_seen} / {new_seen}");
}

/// Build, returning the whole time and the time from the journal's
/// appearance to the end.
fn timed_build(root: &Path, out: &Path) -> (Duration, Duration) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wenming"))
        .args(build_args(root, out))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut journal_at = None;
    loop {
        if journal_at.is_none() && out.join(".wenming-journal").exists() {
            journal_at = Some(Instant::now());
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let end = Instant::now();
    let journal_at = journal_at.expect("the commit was seen");
    (end - start, end - journal_at)
}
