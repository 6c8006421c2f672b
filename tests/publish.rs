//! `wenming publish`: the full package holds the built column, the delta
//! exactly what changed since the last publish (and the deleted files),
//! both with a 清单 whose sizes and SHA-256 are the files'.

mod common;
use common::*;
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

/// Every file of the built column by its path in `public/` (not the
/// output folder's own marker and lock).
fn snapshot(public: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(public)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(public).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .filter(|(rel, _)| !rel.starts_with(".wenming-"))
        .collect()
}

/// The entries of a zip, by name.
fn entries(zip: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

/// Each name in the zip's central directory with its general-purpose
/// flags, read from the bytes as Windows Explorer reads them.
fn central_directory_flags(zip: &Path) -> Vec<(String, u16)> {
    let bytes = std::fs::read(zip).unwrap();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 46 <= bytes.len() {
        if bytes[i..i + 4] == [0x50, 0x4b, 0x01, 0x02] {
            let u16_at = |o: usize| u16::from_le_bytes([bytes[i + o], bytes[i + o + 1]]);
            let flags = u16_at(8);
            let (name_len, extra_len, comment_len) = (
                u16_at(28) as usize,
                u16_at(30) as usize,
                u16_at(32) as usize,
            );
            let name = String::from_utf8_lossy(&bytes[i + 46..i + 46 + name_len]).into_owned();
            out.push((name, flags));
            i += 46 + name_len + extra_len + comment_len;
        } else {
            i += 1;
        }
    }
    out
}

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The 清单's rows: name → (size, SHA-256).
fn listing(zip: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, (u64, String)> {
    let text = String::from_utf8(zip["清单.csv"].clone()).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(lines.next(), Some("文件,大小（字节）,SHA-256"));
    lines
        .map(|l| {
            let mut f = l.rsplitn(3, ',');
            let sha = f.next().unwrap().to_string();
            let size = f.next().unwrap().parse().unwrap();
            (f.next().unwrap().to_string(), (size, sha))
        })
        .collect()
}

fn packages(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("发布包"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".zip"))
        .collect();
    names.sort();
    names
}

fn publish(root: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["publish", "--root", root.to_str().unwrap()];
    args.extend_from_slice(extra);
    wenming(&args)
}

/// The package named on the summary line starting with `label`.
fn named(run: &Run, label: &str) -> std::path::PathBuf {
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label} line:\n{}", run.stderr));
    let path = line[label.len()..].split('（').next().unwrap();
    std::path::PathBuf::from(path)
}

#[test]
fn two_publishes_with_reports_between_hand_over_just_what_changed() {
    let site = copy_default_site();
    let root = site.path();
    // A scan with a Chinese name: its zip entry must say it is UTF-8.
    write(root, "static/ledger/签到表.pdf", "%PDF-1.4 签到表");

    let first = publish(root, &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("这是第一次发布，没有增量包"),
        "{}",
        first.stderr
    );
    assert!(
        first.stderr.contains("wmcj 文件夹就是专栏"),
        "{}",
        first.stderr
    );
    let full = named(&first, "全量包：");
    assert!(
        full.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("湖南省国资委-专栏-"),
        "{full:?}"
    );
    let column = snapshot(&root.join("public"));
    assert!(column.len() > 50);
    let zip = entries(&full);
    // The whole column under its sub-path folder, byte for byte, and the notes.
    let mut expected: Vec<String> = column.keys().map(|p| format!("wmcj/{p}")).collect();
    expected.extend(["清单.csv".to_string(), "上传说明.txt".to_string()]);
    expected.sort();
    assert_eq!(zip.keys().cloned().collect::<Vec<_>>(), expected);
    for (path, bytes) in &column {
        assert_eq!(&zip[&format!("wmcj/{path}")], bytes, "{path}");
    }
    let rows = listing(&zip);
    assert_eq!(rows.len(), column.len());
    for (path, bytes) in &column {
        assert_eq!(
            rows[&format!("wmcj/{path}")],
            (bytes.len() as u64, sha256(bytes)),
            "{path}"
        );
    }
    let readme = String::from_utf8(zip["上传说明.txt"].clone()).unwrap();
    assert!(readme.contains("https://example.gov.cn/wmcj/"), "{readme}");
    assert!(readme.contains("\r\n"), "Notepad's line ends");
    let flags = central_directory_flags(&full);
    let scan = flags
        .iter()
        .find(|(n, _)| n == "wmcj/ledger/签到表.pdf")
        .expect("the scan in the zip");
    assert_ne!(scan.1 & 0x0800, 0, "the UTF-8 flag on a Chinese name");

    // One report added: the delta holds exactly the files that differ.
    report(
        root,
        "2022-12-01-new-report.md",
        "title: 新增的报道\ndate: 2022-12-01\nkind: volunteer\ncriteria: [16]",
        "\n新增报道的正文。\n",
    );
    let usb = tempfile::tempdir().unwrap();
    let to = usb.path().join("U盘");
    let second = publish(root, &["--to", to.to_str().unwrap()]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let after = snapshot(&root.join("public"));
    let changed: Vec<String> = after
        .iter()
        .filter(|(p, b)| column.get(*p) != Some(*b))
        .map(|(p, _)| format!("wmcj/{p}"))
        .collect();
    assert!(changed.contains(&"wmcj/reports/new-report/index.html".to_string()));
    assert!(changed.len() < after.len() / 2, "{changed:?}");
    let delta_path = named(&second, "增量包：");
    let delta = entries(&delta_path);
    let mut expected = changed.clone();
    expected.extend(["清单.csv", "上传说明.txt", "删除清单.txt"].map(String::from));
    expected.sort();
    assert_eq!(delta.keys().cloned().collect::<Vec<_>>(), expected);
    assert_eq!(listing(&delta).len(), changed.len());
    let added = after.keys().filter(|p| !column.contains_key(*p)).count();
    assert!(
        second.stderr.contains(&format!(
            "新增 {added}、修改 {}、删除 0 个文件",
            changed.len() - added
        )),
        "{}",
        second.stderr
    );
    // The same two packages on the stick, whole.
    let mut copied: Vec<String> = std::fs::read_dir(&to)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    copied.sort();
    let mut made = vec![
        named(&second, "全量包：")
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned(),
        delta_path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned(),
    ];
    made.sort();
    assert_eq!(copied, made);
    assert_eq!(
        std::fs::read(to.join(&made[0])).unwrap(),
        std::fs::read(root.join("发布包").join(&made[0])).unwrap()
    );
    // The first publish's package is still there, not replaced.
    assert!(packages(root).contains(&full.file_name().unwrap().to_string_lossy().into_owned()));

    // That report taken out again: the delta names its page to delete.
    std::fs::remove_file(root.join("content/reports/2022-12-01-new-report.md")).unwrap();
    let third = publish(root, &[]);
    assert_eq!(third.code, 0, "{}", third.stderr);
    let delta = entries(&named(&third, "增量包："));
    let deleted = String::from_utf8(delta["删除清单.txt"].clone()).unwrap();
    assert!(
        deleted.contains("wmcj/reports/new-report/index.html\r\n"),
        "{deleted}"
    );
    assert!(!delta.contains_key("wmcj/reports/new-report/index.html"));
}

#[test]
fn nothing_changed_since_the_last_publish_means_no_delta() {
    let site = copy_default_site();
    let first = publish(site.path(), &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = publish(site.path(), &[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("的发布相比没有任何变化，不需要上传增量包"),
        "{}",
        second.stderr
    );
    let names = packages(site.path());
    assert_eq!(names.len(), 2, "two full packages, no delta: {names:?}");
    assert!(names.iter().all(|n| !n.contains("增量")), "{names:?}");
}

#[test]
fn a_site_with_errors_gets_no_package_and_the_record_stays() {
    let site = copy_default_site();
    let root = site.path();
    let first = publish(root, &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let record = std::fs::read(root.join("发布包/发布记录.json")).unwrap();
    report(
        root,
        "2022-12-02-broken.md",
        "title: 有错误的报道\ndate: 2022-12-02\nkind: volunteer\ncriteria: [99]",
        "\n正文。\n",
    );
    let run = publish(root, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("没有生成发布包"), "{}", run.stderr);
    assert!(
        run.stderr.contains("2022-12-02-broken.md"),
        "{}",
        run.stderr
    );
    assert_eq!(packages(root).len(), 1);
    assert_eq!(
        std::fs::read(root.join("发布包/发布记录.json")).unwrap(),
        record
    );
}

#[test]
fn a_damaged_record_is_said_and_nothing_is_written() {
    let site = copy_default_site();
    let root = site.path();
    write(root, "发布包/发布记录.json", "{ not json");
    let run = publish(root, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("发布记录"), "{}", run.stderr);
    assert!(run.stderr.contains("已损坏"), "{}", run.stderr);
    assert!(packages(root).is_empty());
    // Nothing half-written left beside it either.
    let left: Vec<_> = std::fs::read_dir(root.join("发布包"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}
