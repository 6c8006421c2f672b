//! One fixture per class of mistake office staff make: each asserts the exit
//! code, the file, line and column, and the Chinese message a user reads.

mod common;
use common::*;
use std::path::Path;

/// Build a copy of the minimal site after `edit`; expect failure and return stderr.
fn fails(edit: impl FnOnce(&Path)) -> String {
    let site = minimal_site();
    edit(site.path());
    let out = site.path().join("public");
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 1, "expected errors:\n{}", run.stderr);
    assert!(!out.exists(), "a failed build wrote output");
    run.stderr
}

fn has(stderr: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(stderr.contains(w), "missing {w:?} in:\n{stderr}");
    }
}

const OK_FRONT: &str = "title: 标题\ndate: 2022-09-01\nkind: news\ncriteria: [1]";

#[test]
fn yaml_syntax_error_in_front_matter_points_into_the_md_file() {
    let e = fails(|r| {
        report(
            r,
            "2022-09-01-a.md",
            "title: 标题\ndate: 2022-09-01\nkind: news\ncriteria: [1, 2",
            "正文",
        )
    });
    has(
        &e,
        &["content/reports/2022-09-01-a.md:6:1: 错误：YAML 格式错误"],
    );
    has(&e, &["发现 1 个错误"]);
}

#[test]
fn full_width_colon_and_comma() {
    let e = fails(|r| {
        report(
            r,
            "2022-09-01-a.md",
            "title：标题\ndate: 2022-09-01\nkind: news\ncriteria: [1，2]",
            "正文",
        )
    });
    has(
        &e,
        &[
            "content/reports/2022-09-01-a.md:2:6: 错误：“title” 后面用了全角冒号 “：”",
            "提示：改为半角冒号加空格：title: ",
            "content/reports/2022-09-01-a.md:5:13: 错误：方括号列表中用了全角逗号 “，”",
        ],
    );
}

#[test]
fn missing_front_matter_delimiters() {
    let e = fails(|r| {
        write(r, "content/reports/2022-09-01-a.md", "title: 标题\n正文\n");
        write(
            r,
            "content/reports/2022-09-02-b.md",
            "---\ntitle: 标题\ndate: 2022-09-02\n正文\n",
        );
    });
    has(
        &e,
        &[
            "content/reports/2022-09-01-a.md:1:1: 错误：文件开头缺少 “---”",
            "content/reports/2022-09-02-b.md:1:1: 错误：front matter 没有结束的 “---”",
        ],
    );
}

#[test]
fn missing_required_fields_are_all_named() {
    let e = fails(|r| report(r, "2022-09-01-a.md", "criteria: [1]", "正文"));
    has(
        &e,
        &[
            "错误：缺少标题 title",
            "错误：缺少日期 date",
            "错误：缺少活动类别 kind",
            "可选：volunteer（志愿服务）、news（创建动态）",
        ],
    );
}

#[test]
fn unknown_and_duplicate_keys() {
    let e = fails(|r| {
        report(
            r,
            "2022-09-01-a.md",
            "title: 标题\ndate: 2022-09-01\nkind: news\ncriterias: [1]",
            "正文",
        );
        report(
            r,
            "2022-09-02-b.md",
            "title: 标题\ntitle: 又一个\ndate: 2022-09-02\nkind: news",
            "正文",
        );
    });
    has(
        &e,
        &[
            "content/reports/2022-09-01-a.md:5:1: 错误：未知字段 “criterias”",
            "是否想写 “criteria”",
            "content/reports/2022-09-02-b.md:3:1: 错误：字段 “title” 重复出现",
        ],
    );
}

#[test]
fn impossible_dates() {
    let e = fails(|r| {
        report(
            r,
            "2022-09-01-a.md",
            "title: 甲\ndate: 2022-02-29\nkind: news",
            "正文",
        );
        report(
            r,
            "2022-09-02-b.md",
            "title: 乙\ndate: 2022/9/2\nkind: news",
            "正文",
        );
    });
    has(
        &e,
        &[
            "content/reports/2022-09-01-a.md:3:7: 错误：date 的日期 “2022-02-29” 无效或不存在",
            "content/reports/2022-09-02-b.md:3:7: 错误：date 的日期 “2022/9/2” 无效或不存在",
            "提示：日期请写成 2022-09-15 这样的 年-月-日 格式",
        ],
    );
}

#[test]
fn duplicate_slugs_name_both_files() {
    let e = fails(|r| {
        report(r, "2022-09-01-visit.md", OK_FRONT, "正文");
        report(r, "2022-10-01-visit.md", OK_FRONT, "正文");
    });
    has(&e, &["content/reports/2022-10-01-visit.md:1:1: 错误：报道网址 “visit” 与 content/reports/2022-09-01-visit.md 重复"]);
}

#[test]
fn a_page_may_not_take_a_route_of_the_column() {
    // The gallery, the search page and the progress pages are the column's.
    let e = fails(|r| {
        write(r, "content/pages/gallery.md", "---\ntitle: 照片\n---\n正文");
        write(
            r,
            "content/pages/x.md",
            "---\ntitle: 搜索\nslug: search\n---\n正文",
        );
        write(
            r,
            "content/pages/progress.md",
            "---\ntitle: 进度\n---\n正文",
        );
    });
    has(
        &e,
        &[
            "content/pages/gallery.md:1:1: 错误：页面网址 “gallery” 与专栏自带的栏目重名",
            "content/pages/x.md:1:1: 错误：页面网址 “search” 与专栏自带的栏目重名",
            "content/pages/progress.md:1:1: 错误：页面网址 “progress” 与专栏自带的栏目重名",
            "请在 front matter 中用 slug: 另取一个网址名，或改文件名",
        ],
    );
}

#[test]
fn cover_and_attachment_missing_on_disk() {
    let e = fails(|r| {
        report(
            r,
            "2022-09-01-a.md",
            &format!("{OK_FRONT}\ncover: cover.jpg\nattachments: [签到表.pdf]"),
            "正文",
        )
    });
    has(
        &e,
        &[
            "content/reports/2022-09-01-a.md:6:8: 错误：封面图 cover：找不到 “cover.jpg”",
            "content/reports/2022-09-01-a.md:7:15: 错误：找不到 “签到表.pdf”",
        ],
    );
}

#[test]
fn paths_that_leave_the_site() {
    let e = fails(|r| {
        report(
            r,
            "2022-09-01-a.md",
            &format!("{OK_FRONT}\nattachments: [\"../../../../etc/passwd\", /etc/hosts]"),
            "[看](../../../secret.md)",
        );
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap().keep();
            std::fs::write(outside.join("x.jpg"), b"jpg").unwrap();
            std::os::unix::fs::symlink(outside.join("x.jpg"), r.join("content/reports/link.jpg"))
                .unwrap();
            report(
                r,
                "2022-09-02-b.md",
                OK_FRONT.replace("2022-09-01", "2022-09-02").as_str(),
                "![外链](link.jpg)",
            );
            // A linked folder leads outside just the same.
            std::os::unix::fs::symlink(&outside, r.join("content/reports/linked-dir")).unwrap();
            report(
                r,
                "2022-09-03-c.md",
                OK_FRONT.replace("2022-09-01", "2022-09-03").as_str(),
                "![外链](linked-dir/x.jpg)",
            );
            // So does a linked folder inside a bundle (whose own folder a
            // one-shot build takes as checked by the walk that found it).
            report(
                r,
                "2022-09-04-d/index.md",
                OK_FRONT.replace("2022-09-01", "2022-09-04").as_str(),
                "![外链](pics/x.jpg)",
            );
            std::os::unix::fs::symlink(&outside, r.join("content/reports/2022-09-04-d/pics"))
                .unwrap();
        }
    });
    has(&e, &[
        "错误：路径 “../../../../etc/passwd” 指向站点文件夹以外",
        "错误：路径 “/etc/hosts” 指向站点文件夹以外",
        "content/reports/2022-09-01-a.md:8:1: 错误：路径 “../../../secret.md” 指向站点文件夹以外",
    ]);
    #[cfg(unix)]
    has(
        &e,
        &[
            "content/reports/2022-09-02-b.md:7:1: 错误：路径 “link.jpg” 指向站点文件夹以外",
            "content/reports/2022-09-03-c.md:7:1: 错误：路径 “linked-dir/x.jpg” 指向站点文件夹以外",
            "content/reports/2022-09-04-d/index.md:7:1: 错误：路径 “pics/x.jpg” 指向站点文件夹以外",
        ],
    );
}

#[test]
fn ledger_mistakes() {
    let e = fails(|r| {
        write(r, "data/ledger.yaml", "\"1.1\": { status: done, score: 3 }\n\"1.9\": { status: done }\n\"7\": { status: todo }\n\"3.1\": { status: finished }\n\"3.2\": { deadline: 2022-11-31, stauts: done }\n");
    });
    has(
        &e,
        &[
            "data/ledger.yaml:1:1: 错误：条目 1.1 的自评分 3 超出该项分值 2 分",
            "data/ledger.yaml:2:1: 错误：台账中的条目 “1.9” 不存在：第 1 条只有 2 项",
            "data/ledger.yaml:3:1: 错误：考评标准第 7 条不存在",
            "data/ledger.yaml:4:10: 错误：台账 “3.1” 的状态 “finished” 无效",
            "可选：todo（未启动）、doing（推进中）、done（已完成）",
            "data/ledger.yaml:5:1: 错误：台账 “3.2”：未知字段 “stauts”",
        ],
    );
}

#[test]
fn chinese_status_names_are_accepted() {
    let site = minimal_site();
    write(site.path(), "data/ledger.yaml", "\"1.1\": { status: 已完成, score: 2 }\n\"1.2\": { status: 推进中 }\n\"2.1\": { status: 未启动 }\n");
    let run = build(site.path(), &site.path().join("public"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("已完成 1、推进中 1、未启动 3"),
        "{}",
        run.stderr
    );
}

#[test]
fn checks_with_unknown_indicator_or_zero_denominator() {
    let e = fails(|r| write(r, "data/indicators.yaml", "staff: 0\nvolunteer: 4\n"));
    has(&e, &[
        "data/criteria.yaml:29:41: 错误：第 3 条的指标 “注册志愿者比例” 用到了未填写的数量 “volunteers”",
        "是否想写 “volunteer”",
        "data/indicators.yaml:1:1: 错误：“staff” 为 0，无法计算第 3 条的比例 “注册志愿者比例”",
    ]);
}

#[test]
fn unknown_office_in_the_table_and_bad_table_sums() {
    let e = fails(|r| {
        let t = std::fs::read_to_string(r.join("data/criteria.yaml")).unwrap();
        write(
            r,
            "data/criteria.yaml",
            &t.replace("offices: [机关党委]", "offices: [机关党支部]")
                .replace("      - id: 3\n", "      - id: 2\n"),
        );
    });
    has(
        &e,
        &[
            "错误：未登记的处室 “机关党支部”",
            "错误：考评标准序号 2 重复",
        ],
    );
}

#[test]
fn binary_file_is_an_error_not_a_panic() {
    let e = fails(|r| {
        std::fs::create_dir_all(r.join("content/reports")).unwrap();
        std::fs::write(
            r.join("content/reports/2022-09-01-a.md"),
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xff\xfe\xfd",
        )
        .unwrap();
    });
    has(
        &e,
        &["content/reports/2022-09-01-a.md: 错误：这个文件不是文本文件，无法读取"],
    );
}

#[test]
fn bom_and_crlf_are_fine() {
    let site = minimal_site();
    let text = "\u{feff}---\r\ntitle: 标题\r\ndate: 2022-09-01\r\nkind: news\r\ncriteria: [1]\r\n---\r\n第一行\r\n第二行\r\n";
    write(site.path(), "content/reports/2022-09-01-crlf.md", text);
    let out = site.path().join("public");
    let run = build(site.path(), &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("警告：文件以 GBK"));
    // The line break between two Chinese characters is not a space.
    assert!(read(&out, "reports/crlf/index.html").contains("<p>第一行第二行</p>"));
}

#[test]
fn errors_are_sorted_by_file_and_counted() {
    let e = fails(|r| {
        report(
            r,
            "2022-09-02-b.md",
            "title: 乙\ndate: 2022-09-02\nkind: bad",
            "正文",
        );
        report(
            r,
            "2022-09-01-a.md",
            "title: 甲\ndate: 2022-09-01\nkind: bad",
            "正文",
        );
        write(r, "data/ledger.yaml", "\"9.1\": { status: done }\n");
    });
    let a = e.find("2022-09-01-a.md:4").unwrap();
    let b = e.find("2022-09-02-b.md:4").unwrap();
    let l = e.find("data/ledger.yaml:1").unwrap();
    assert!(a < b && b < l, "{e}");
    assert!(e.contains("发现 3 个错误"), "{e}");
}

#[test]
fn previous_output_survives_a_failing_build_byte_for_byte() {
    let site = minimal_site();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = snapshot(out.path());
    report(
        site.path(),
        "2022-09-01-a.md",
        "title: 甲\ndate: 2022-09-01\nkind: news\ncriteria: [99]",
        "正文",
    );
    assert_eq!(build(site.path(), out.path(), &[]).code, 1);
    assert_eq!(snapshot(out.path()), before);
    // And no staging folder is left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(out.path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".wenming-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn warnings_do_not_stop_a_build() {
    let site = minimal_site();
    report(
        site.path(),
        "2022-09-01-a.md",
        "title: 甲\ndate: 2022-09-01\nkind: news",
        "正文",
    );
    let run = build(site.path(), &site.path().join("public"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    has(
        &run.stderr,
        &[
            "content/reports/2022-09-01-a.md:1:1: 警告：这篇报道没有标注对应的考评标准（criteria）",
            "警告：以下 3 条考评标准还没有佐证报道：第 1、2、3 条",
            "data/ledger.yaml:2:1: 警告：条目 1.2 已逾期：完成时限 2022-10-01，当前状态 推进中",
        ],
    );
}

#[test]
fn a_mistyped_command_line_is_explained_in_chinese_with_exit_2() {
    let run = wenming(&["biuld"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    has(&run.stderr, &["没有 “biuld” 这个命令", "是否想写 “build”"]);
    let run = wenming(&["build", "--ouput", "x"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    has(&run.stderr, &["没有 “--ouput” 这个选项", "--output"]);
    for english in ["error:", "Usage:", "unexpected", "tip:"] {
        assert!(
            !run.stderr.contains(english),
            "English {english:?} in:\n{}",
            run.stderr
        );
    }
}
