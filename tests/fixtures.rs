//! Small fixture sites built into temp dirs: the model's totals as a reader
//! sees them, errors as a writer sees them, and the output left intact.

mod common;
use common::*;

#[test]
fn totals_bonus_cap_overdue_and_checks() {
    let site = minimal_site();
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // 1.1 done 2 + 1.2 doing 1 + criterion 3 (both items) 1.5 each = 6;
    // honours 2 + 1 + 1 inside the window, capped at 3; the 2019 one is out.
    assert!(
        run.stderr.contains("自评 6 / 10 分，特色加分 3 分"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("已完成 3、推进中 1、未启动 1；逾期 1 项"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("data/ledger.yaml:2:1: 警告：条目 1.2 已逾期"),
        "{}",
        run.stderr
    );
    let c3 = read(out.path(), "progress/3/index.html");
    assert!(c3.contains("<td>40%</td>"), "{c3}");
    assert!(c3.contains("verdict-fail\">未达标"), "{c3}");
    let c2 = read(out.path(), "progress/2/index.html");
    assert!(c2.contains("责任处室：各处室"), "all offices");
    // Both offices answer for criterion 2 (各处室).
    for o in ["ban-gong-shi", "ji-guan-dang-wei"] {
        assert!(
            read(out.path(), &format!("offices/{o}/index.html"))
                .contains("href=\"/sub/path/progress/2/\""),
            "{o}"
        );
    }
}

#[test]
fn evidence_by_item_and_by_criterion_and_pinyin_slugs() {
    let site = minimal_site();
    let root = site.path();
    report(root, "2022-09-01-志愿服务进社区.md", "title: 志愿服务进社区\ndate: 2022-09-01\nkind: volunteer\ncriteria: [\"1.2\"]\nparticipants: 10\nhours: 20", "正文（示例）。");
    report(root, "2022-09-02-b.md", "title: 第二篇\ndate: 2022-09-02\nkind: volunteer\ncriteria: [1]\nparticipants: 5\nhours: 2.5", "见[上一篇](2022-09-01-志愿服务进社区.md)。");
    report(
        root,
        "2022-09-03-c.md",
        "title: 第三篇\ndate: 2022-09-03\nkind: news\ncriteria: [3]",
        "正文。",
    );
    let out = tempfile::tempdir().unwrap();
    let run = build(root, out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = read(out.path(), "reports/zhi-yuan-fu-wu-jin-she-qu/index.html");
    assert!(
        page.contains("href=\"/sub/path/progress/1/#item-1.2\"")
            && page.contains(">第 1 条第 2 项</a>"),
        "{page}"
    );
    let b = read(out.path(), "reports/b/index.html");
    assert!(
        b.contains("<a href=\"/sub/path/reports/zhi-yuan-fu-wu-jin-she-qu/\">上一篇</a>"),
        "{b}"
    );
    let c1 = read(out.path(), "progress/1/index.html");
    assert!(c1.contains("佐证报道（2 篇）"));
    assert!(
        c1.contains("共开展活动 2 场，参加 15 人次，志愿服务 22.5 小时"),
        "{c1}"
    );
    // Item evidence is shown on the item's row only.
    let row = c1
        .split("id=\"item-1.2\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        row.contains("志愿服务进社区") && !row.contains("第二篇"),
        "{row}"
    );
    // per_page 2 → three reports paginate; kinds list only their own.
    assert!(out.path().join("reports/page/2/index.html").is_file());
    assert!(read(out.path(), "kinds/news/index.html").contains("第三篇"));
    assert!(!read(out.path(), "kinds/news/index.html").contains("第二篇"));
}

#[test]
fn table_that_does_not_add_up_is_an_error_and_output_survives() {
    let site = minimal_site();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    let before = read(out.path(), "index.html");
    let table = std::fs::read_to_string(site.path().join("data/criteria.yaml")).unwrap();
    write(
        site.path(),
        "data/criteria.yaml",
        &table.replace("    points: 6\n", "    points: 8\n"),
    );
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("第 1 类 “第一类” 标为 8 分，但其各项分值合计 6 分"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("各类分值合计 12 分，与 total: 10 不符"),
        "{}",
        run.stderr
    );
    assert!(run
        .stderr
        .contains("有错误，未生成网站（原有网站保持不变）"));
    assert_eq!(read(out.path(), "index.html"), before);
}

#[test]
fn report_errors_are_located_all_in_one_run() {
    let site = minimal_site();
    let root = site.path();
    report(root, "2022-09-01-a.md", "title: 甲\ndate: 2022-09-01\nkind: volunter\ncriteria: [1, 32, \"1.9\"]\noffices: [宣传部]", "![](missing.jpg)\n\n[坏链接](nope.md)");
    report(
        root,
        "2022-09-02-b.md",
        "titel: 乙\ndate: 2022-09-02\nkind: news",
        "正文",
    );
    report(
        root,
        "2022-09-03-c.md",
        "title: 丙\ndate: 2022-02-30\nkind: news",
        "正文",
    );
    let out = tempfile::tempdir().unwrap();
    let run = build(root, &out.path().join("public"), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let e = &run.stderr;
    for want in [
        "content/reports/2022-09-01-a.md:4:7: 错误：未知的活动类别 “volunter”",
        "是否想写 “volunteer”",
        "content/reports/2022-09-01-a.md:5:15: 错误：考评标准第 32 条不存在",
        "content/reports/2022-09-01-a.md:5:20: 错误：第 1 条没有第 9 项（“1.9”）",
        "content/reports/2022-09-01-a.md:6:11: 错误：未登记的处室 “宣传部”",
        "content/reports/2022-09-02-b.md:2:1: 错误：未知字段 “titel”",
        "是否想写 “title”",
        "content/reports/2022-09-03-c.md:3:7: 错误：date 的日期 “2022-02-30” 无效或不存在",
    ] {
        assert!(e.contains(want), "missing {want:?} in\n{e}");
    }
    assert!(!out.path().join("public").exists(), "nothing written");
}

#[test]
fn body_errors_missing_image_alt_and_broken_links() {
    let site = minimal_site();
    let root = site.path();
    report(root, "2022-09-01-a.md", "title: 甲\ndate: 2022-09-01\nkind: news\ncriteria: [1]", "第一段。\n\n![](photo.jpg)\n\n[坏链接](nope.md) [越界](../../../../etc/passwd) [进度](/progress/99/)");
    let run = build(root, &root.join("public"), &[]);
    assert_eq!(run.code, 1);
    let e = &run.stderr;
    for want in [
        "content/reports/2022-09-01-a.md:9:1: 错误：图片 “photo.jpg” 缺少说明文字（alt）",
        "content/reports/2022-09-01-a.md:9:1: 错误：找不到 “photo.jpg”",
        "content/reports/2022-09-01-a.md:11:1: 错误：找不到 “nope.md”",
        "content/reports/2022-09-01-a.md:11:16: 错误：路径 “../../../../etc/passwd” 指向站点文件夹以外",
        "content/reports/2022-09-01-a.md:11:45: 错误：找不到 “/progress/99/”",
    ] {
        assert!(e.contains(want), "missing {want:?} in\n{e}");
    }
}

#[test]
fn gbk_file_is_read_with_a_warning() {
    let site = minimal_site();
    let root = site.path();
    let text = "---\ntitle: 读书分享会\ndate: 2022-09-01\nkind: news\ncriteria: [1]\n---\n干部职工分享读书心得（示例）。\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    std::fs::create_dir_all(root.join("content/reports")).unwrap();
    std::fs::write(root.join("content/reports/2022-09-01-dushu.md"), &gbk).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = build(root, out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("content/reports/2022-09-01-dushu.md: 警告：文件以 GBK/GB18030 编码保存"),
        "{}",
        run.stderr
    );
    assert!(read(out.path(), "reports/dushu/index.html").contains("干部职工分享读书心得（示例）。"));
}

#[test]
fn site_template_overrides_one_template() {
    let site = minimal_site();
    write(site.path(), "themes/default/templates/404.html", "{% extends \"base.html\" %}{% block content %}<h1>本单位自定义的未找到页面</h1>{% endblock content %}");
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    assert!(read(out.path(), "404.html").contains("本单位自定义的未找到页面"));
    // The others still come from the built-in theme.
    assert!(read(out.path(), "index.html").contains("创建工作总体进度"));
}

#[test]
fn check_writes_nothing_and_bad_usage_exits_2() {
    let site = minimal_site();
    let run = wenming(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("检查完毕"));
    assert!(!site.path().join("public").exists());
    assert_eq!(wenming(&["build", "--no-such-flag"]).code, 2);
    assert_eq!(wenming(&["build", "--as-of", "2022-13-01"]).code, 2);
}

#[test]
fn output_inside_the_site_sources_is_refused() {
    let site = minimal_site();
    let root = site.path();
    let run = build(root, &root.join("content"), &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("位于站点的 content 中"),
        "{}",
        run.stderr
    );
    let run = build(root, root, &[]);
    assert_eq!(run.code, 1);
    assert!(root.join("site.yaml").is_file());
}

#[test]
fn stale_files_do_not_linger() {
    let site = minimal_site();
    let root = site.path();
    report(
        root,
        "2022-09-01-old.md",
        "title: 旧报道\ndate: 2022-09-01\nkind: news\ncriteria: [1]",
        "正文",
    );
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(root, out.path(), &[]).code, 0);
    assert!(out.path().join("reports/old/index.html").is_file());
    std::fs::remove_file(root.join("content/reports/2022-09-01-old.md")).unwrap();
    assert_eq!(build(root, out.path(), &[]).code, 0);
    assert!(!out.path().join("reports/old").exists());
}

/// A rebuild touches only what changed: an unchanged page keeps its file
/// (same inode, same modification time), an edited report's page is
/// rewritten, a deleted one is removed, and a top-level `.git` folder (how
/// some offices deploy) is left alone.
#[test]
fn rebuild_writes_only_what_changed() {
    use std::os::unix::fs::MetadataExt;
    let site = minimal_site();
    let root = site.path();
    let meta = "date: 2022-09-01\nkind: news\ncriteria: [1]";
    report(
        root,
        "2022-09-01-a.md",
        &format!("title: 甲\n{meta}"),
        "甲的正文",
    );
    report(
        root,
        "2022-09-01-b.md",
        &format!("title: 乙\n{meta}"),
        "乙的正文",
    );
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(root, out.path(), &[]).code, 0);
    std::fs::create_dir(out.path().join(".git")).unwrap();
    std::fs::write(out.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let stamp = |rel: &str| {
        let m = std::fs::metadata(out.path().join(rel)).unwrap();
        (m.ino(), m.mtime(), m.mtime_nsec())
    };
    let css = stamp("style.css");
    let a = stamp("reports/a/index.html");

    let again = build(root, out.path(), &[]);
    assert_eq!(again.code, 0);
    assert!(again.stderr.contains("都与上次相同"), "{}", again.stderr);
    assert_eq!(stamp("style.css"), css);
    assert_eq!(stamp("reports/a/index.html"), a);

    report(
        root,
        "2022-09-01-a.md",
        &format!("title: 甲\n{meta}"),
        "甲的正文，改过了",
    );
    std::fs::remove_file(root.join("content/reports/2022-09-01-b.md")).unwrap();
    let edited = build(root, out.path(), &[]);
    assert_eq!(edited.code, 0);
    assert!(edited.stderr.contains("删除旧文件"), "{}", edited.stderr);
    assert!(read(out.path(), "reports/a/index.html").contains("甲的正文，改过了"));
    assert!(!out.path().join("reports/b").exists());
    assert_eq!(stamp("style.css"), css);
    assert_eq!(
        read(out.path(), ".git/HEAD"),
        "ref: refs/heads/main\n",
        "a top-level dot folder is kept"
    );
}
