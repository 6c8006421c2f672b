//! Safe inputs (issue #19): every number is checked where it is written,
//! files saved as UTF-16 or with control characters are read with a
//! warning, one typo does not hide the other problems of its file, and
//! the honours list is located in one pass.

mod common;
use common::*;
use std::path::Path;

fn replace_in(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in {rel}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn check(root: &Path) -> Run {
    wenming(&["check", "--root", root.to_str().unwrap()])
}

#[test]
fn bad_points_in_the_table_are_located_errors_not_a_crash() {
    for (bad, reason) in [
        ("-2", "是负数"),
        (".nan", "不是数字"),
        (".inf", "大得无法计算"),
    ] {
        let site = minimal_site();
        replace_in(
            site.path(),
            "data/criteria.yaml",
            "{ points: 2, text: 甲项 }",
            &format!("{{ points: {bad}, text: 甲项 }}"),
        );
        for command in ["check", "build"] {
            let out = tempfile::tempdir().unwrap();
            let run = if command == "check" {
                check(site.path())
            } else {
                build(site.path(), &out.path().join("public"), &[])
            };
            assert_eq!(run.code, 1, "{command} {bad}: {}", run.stderr);
            let want =
                format!("data/criteria.yaml:13:23: 错误：第 1 条第 1 项的分值 points {reason}");
            assert!(
                run.stderr.contains(&want),
                "{command} {bad}: {}",
                run.stderr
            );
            assert!(
                run.stderr.contains("分值写成不小于 0 的数字"),
                "{}",
                run.stderr
            );
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        }
    }
}

#[test]
fn every_amount_of_the_data_files_is_checked() {
    let site = minimal_site();
    let root = site.path();
    replace_in(root, "data/criteria.yaml", "total: 10", "total: .inf");
    replace_in(root, "data/criteria.yaml", "cap: 3", "cap: -1");
    replace_in(root, "data/criteria.yaml", "national: 2", "national: .nan");
    replace_in(root, "data/ledger.yaml", "score: 1.5", "score: .nan");
    replace_in(
        root,
        "data/indicators.yaml",
        "volunteers: 4",
        "volunteers: -4",
    );
    report(
        root,
        "2022-10-01-a.md",
        "title: 甲\ndate: 2022-10-01\nkind: volunteer\nhours: -3",
        "正文",
    );
    let run = check(root);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for want in [
        "data/criteria.yaml:3:8: 错误：总分 total 大得无法计算",
        "错误：特色加分上限 cap 是负数",
        "错误：荣誉级别 national 的加分不是数字",
        "data/ledger.yaml:3:26: 错误：台账 “3” 的自评分 score 不是数字",
        "data/indicators.yaml:2:13: 错误：数量 “volunteers” 是负数",
        "content/reports/2022-10-01-a.md:5:1: 错误：服务时长 hours 是负数",
    ] {
        assert!(run.stderr.contains(want), "{want}\n{}", run.stderr);
    }
    // Not the English template error `score: .nan` used to end in.
    assert!(!run.stderr.contains("Failed to render"), "{}", run.stderr);
}

#[test]
fn honours_with_one_name_are_each_located_at_their_own_line() {
    let site = minimal_site();
    let mut yaml = String::new();
    for i in 0..20_000 {
        let level = if i == 19_998 { "city" } else { "provincial" };
        yaml.push_str(&format!(
            "- {{ name: 文明单位, level: {level}, date: 2022-01-{:02} }}\n",
            1 + i % 28
        ));
    }
    write(site.path(), "data/honors.yaml", &yaml);
    let run = check(site.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("data/honors.yaml:19999:11: 错误：荣誉 “文明单位” 的级别 “city” 无效"),
        "{}",
        run.stderr
    );
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    if bom {
        bytes.extend(if big_endian {
            [0xFE, 0xFF]
        } else {
            [0xFF, 0xFE]
        });
    }
    for unit in text.encode_utf16() {
        bytes.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

#[test]
fn a_file_saved_as_unicode_by_notepad_is_read_with_a_warning() {
    for big_endian in [false, true] {
        let site = minimal_site();
        std::fs::create_dir_all(site.path().join("content/reports")).unwrap();
        let text = "---\ntitle: 学雷锋志愿服务\ndate: 2022-10-01\nkind: volunteer\ncriteria: [1]\n---\n正文。\n";
        std::fs::write(
            site.path().join("content/reports/2022-10-01-u.md"),
            utf16(&text.replace('\n', "\r\n"), big_endian, true),
        )
        .unwrap();
        let out = tempfile::tempdir().unwrap();
        let run = build(site.path(), &out.path().join("public"), &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains(
                "content/reports/2022-10-01-u.md: 警告：文件以 “Unicode”（UTF-16）编码保存，已按此编码读取"
            ),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("编码选择“UTF-8”"), "{}", run.stderr);
        let page = read(&out.path().join("public"), "reports/u/index.html");
        assert!(page.contains("学雷锋志愿服务"), "{page}");
    }
    // Without the mark it is not guessed at, but named for what it is,
    // also when it is mostly Chinese (whose UTF-16 has few NUL bytes).
    let chinese = format!(
        "---\ntitle: 无标记\n---\n{}\n",
        "委机关开展学雷锋志愿服务活动。".repeat(40)
    );
    for (text, big_endian) in [
        ("---\ntitle: 无标记\n---\n", false),
        (chinese.as_str(), false),
        (chinese.as_str(), true),
    ] {
        let site = minimal_site();
        std::fs::create_dir_all(site.path().join("content/reports")).unwrap();
        std::fs::write(
            site.path().join("content/reports/2022-10-01-v.md"),
            utf16(text, big_endian, false),
        )
        .unwrap();
        let run = check(site.path());
        assert_eq!(run.code, 1);
        assert!(
            run.stderr.contains("像是以 “Unicode”（UTF-16）编码保存的"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("不是文本文件"), "{}", run.stderr);
    }
}

#[test]
fn control_characters_in_a_file_are_taken_out_with_a_located_warning() {
    let site = minimal_site();
    report(
        site.path(),
        "2022-10-01-c.md",
        "title: 学雷锋\u{1b}[31m志愿\u{0}服务\ndate: 2022-10-01\nkind: volunteer\ncriteria: [1]",
        "正文\u{7}。",
    );
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "content/reports/2022-10-01-c.md:2:11: 警告：文件中有 3 个看不见的控制字符（如 U+001B），已去掉"
        ),
        "{}",
        run.stderr
    );
    let page = read(&out, "reports/c/index.html");
    assert!(page.contains("学雷锋[31m志愿服务"), "{page}");
    assert!(!page.contains('\u{1b}') && !page.contains('\u{0}') && !page.contains('\u{7}'));
}

#[test]
fn an_unknown_front_matter_field_does_not_hide_the_other_problems() {
    let site = minimal_site();
    report(
        site.path(),
        "2022-10-01-t.md",
        "titel: 学雷锋\ndate: 2022-13-45\nkind: nosuch\nplace: 社区",
        "正文",
    );
    let run = check(site.path());
    assert_eq!(run.code, 1);
    for want in [
        "content/reports/2022-10-01-t.md:2:1: 错误：未知字段 “titel”",
        "是否想写 “title”",
        "content/reports/2022-10-01-t.md:5:1: 错误：未知字段 “place”",
        "2022-13-45",
        "nosuch",
    ] {
        assert!(run.stderr.contains(want), "{want}\n{}", run.stderr);
    }
}

#[test]
fn an_unknown_key_in_a_data_file_does_not_hide_the_other_problems() {
    let site = minimal_site();
    replace_in(
        site.path(),
        "data/criteria.yaml",
        "document: 测试〔2022〕1号",
        "document: 测试〔2022〕1号\ndocumnet: 又一个\nextra:\n  a: 1\n  b: 2",
    );
    // And a problem further down, found only if the file is still read.
    replace_in(
        site.path(),
        "data/criteria.yaml",
        "offices: [机关党委]",
        "offices: [机关党委办]",
    );
    let run = check(site.path());
    assert_eq!(run.code, 1);
    for want in [
        "data/criteria.yaml:3:1: 错误：未知字段 “documnet”",
        "data/criteria.yaml:4:1: 错误：未知字段 “extra”",
        "未登记的处室 “机关党委办”",
    ] {
        assert!(run.stderr.contains(want), "{want}\n{}", run.stderr);
    }
}
