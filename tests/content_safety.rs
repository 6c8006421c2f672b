//! Nothing executable is published from content (issue #19): links with a
//! script scheme are located errors, control characters that YAML escapes
//! make never reach a page or feed, and no ledger cell opens as a formula.

mod common;
use common::*;
use std::path::Path;

const REPORT: &str = "content/reports/2022-11-20-visit.md";

/// A report citing criterion 1, with `body` below its 6-line front matter
/// (the body's first line is line 7).
fn visit(site: &Path, title: &str, body: &str) {
    write(
        site,
        REPORT,
        &format!(
            "---\ntitle: {title}\ndate: 2022-11-20\nkind: volunteer\ncriteria: [1]\n---\n{body}\n"
        ),
    );
}

#[test]
fn links_with_a_script_or_unknown_scheme_are_located_errors() {
    let site = minimal_site();
    visit(
        site.path(),
        "走访慰问",
        concat!(
            "[一](javascript:alert(1))\n",                   // 7
            "[二](<JaVa\tScRiPt:alert(1)>)\n",               // 8
            "[三]( vbscript:msgbox(1))\n",                   // 9
            "[四](data:text/html;base64,PHNjcmlwdD4=)\n",    // 10
            "自动链接 <javascript:alert(1)>\n",              // 11
            "[五][evil]\n",                                  // 12
            "[六](&#106;avascript:alert(1))\n",              // 13
            "[七](weixin://dl/chat)\n",                      // 14
            "\n",                                            // 15
            "![图一](javascript:alert(1))\n",                // 16
            "\n",                                            // 17
            "![图二](data:image/png;base64,iVBORw0KGgo=)\n", // 18
            "\n",                                            // 19
            "[evil]: JAVASCRIPT:alert(1)\n",
        ),
    );
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let refused = |line: usize, col: usize, url: &str, scheme: &str| {
        format!("{REPORT}:{line}:{col}: 错误：链接 “{url}” 不能发布：不支持 “{scheme}:” 开头的地址")
    };
    for want in [
        refused(7, 1, "javascript:alert(1)", "javascript"),
        refused(8, 1, "JaVa\u{FFFD}ScRiPt:alert(1)", "javascript"),
        refused(9, 1, "vbscript:msgbox(1)", "vbscript"),
        refused(10, 1, "data:text/html;base64,PHNjcmlwdD4=", "data"),
        refused(11, 6, "javascript:alert(1)", "javascript"),
        refused(12, 1, "JAVASCRIPT:alert(1)", "javascript"),
        refused(13, 1, "javascript:alert(1)", "javascript"),
        refused(14, 1, "weixin://dl/chat", "weixin"),
        format!("{REPORT}:16:1: 错误：图片 “javascript:alert(1)” 不能发布：不支持 “javascript:” 开头的地址"),
        format!("{REPORT}:18:1: 错误：图片 “data:image/png;base64,iVBORw0KGgo=” 不能发布：不支持 “data:” 开头的地址"),
    ] {
        assert!(run.stderr.contains(&want), "{want}\n{}", run.stderr);
    }
    assert!(
        run.stderr.contains("会在读者的浏览器里运行代码"),
        "{}",
        run.stderr
    );
    assert!(run
        .stderr
        .contains("提示：只能链接到网址（http/https）、邮箱（mailto）、电话（tel）或站内文件"));
    assert!(run.stderr.contains("把图片文件放到报道所在文件夹"));
    // A build with errors writes nothing.
    assert!(!out.path().join("reports/visit/index.html").exists());
}

#[test]
fn web_mail_and_phone_links_are_published_and_raw_html_stays_text() {
    let site = minimal_site();
    visit(
        site.path(),
        "走访慰问",
        concat!(
            "[网站](https://www.example.gov.cn/a) [邮箱](mailto:wmb@example.gov.cn) ",
            "[电话](tel:0731-12345678) <https://example.gov.cn/b> <wmb@example.gov.cn>\n\n",
            "<a href=\"javascript:alert(1)\">点我</a>\n",
        ),
    );
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = read(out.path(), "reports/visit/index.html");
    for href in [
        "href=\"https://www.example.gov.cn/a\"",
        "href=\"mailto:wmb@example.gov.cn\"",
        "href=\"tel:0731-12345678\"",
        "href=\"https://example.gov.cn/b\"",
    ] {
        assert!(page.contains(href), "{href}\n{page}");
    }
    assert!(
        page.contains("<p>&lt;a href=\"javascript:alert(1)\"&gt;点我&lt;/a&gt;</p>"),
        "{page}"
    );
    assert!(!page.contains("<a href=\"javascript:"), "{page}");
}

/// Whether `text` holds a character no page or feed may hold.
fn has_controls(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    })
}

#[test]
fn control_characters_from_yaml_escapes_never_reach_pages_or_feeds() {
    let site = minimal_site();
    visit(
        site.path(),
        r#""走访\x00慰问\x1b[31m\u0085\uFFFF""#,
        "正文里的字符引用&#27;也不例外&#x7f;。\n",
    );
    write(
        site.path(),
        "data/ledger.yaml",
        "\"1.1\": { deadline: 2022-10-01, status: done, score: 2, note: \"已完成\\a\\x1b\" }\n",
    );
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let feed = read(out.path(), "feed.xml");
    let doc = roxmltree::Document::parse(&feed).unwrap_or_else(|e| panic!("{e}\n{feed}"));
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .flat_map(|e| e.children().filter(|n| n.has_tag_name("title")))
        .filter_map(|t| t.text())
        .collect();
    assert_eq!(titles, ["走访慰问[31m"]);
    let summary = doc
        .descendants()
        .find(|n| n.has_tag_name("summary"))
        .and_then(|n| n.text())
        .unwrap();
    assert_eq!(summary, "正文里的字符引用也不例外。");
    roxmltree::Document::parse(&read(out.path(), "sitemap.xml")).unwrap();

    let page = read(out.path(), "reports/visit/index.html");
    assert!(page.contains("走访慰问[31m"), "{page}");
    assert!(page.contains("正文里的字符引用也不例外。"), "{page}");
    let criterion = read(out.path(), "progress/1/index.html");
    assert!(criterion.contains("已完成"), "{criterion}");
    // No file of the site holds one.
    for entry in walkdir::WalkDir::new(out.path()) {
        let entry = entry.unwrap();
        let path = entry.path();
        if let Ok(text) = std::fs::read_to_string(path) {
            assert!(!has_controls(&text), "{}", path.display());
        }
    }
}

#[test]
fn ledger_cells_that_would_start_a_formula_are_neutralised() {
    let site = minimal_site();
    write(
        site.path(),
        "data/ledger.yaml",
        concat!(
            "\"1.1\": { deadline: 2022-10-01, status: done, score: 2, note: '=HYPERLINK(\"http://evil\",\"x\")' }\n",
            "\"1.2\": { deadline: 2022-10-01, status: doing, score: 1, note: \"@SUM(1)\" }\n",
            "3: { status: 已完成, score: 1.5, note: \"-2+3\" }\n",
        ),
    );
    // Item texts and office names are text cells too.
    let criteria = std::fs::read_to_string(site.path().join("data/criteria.yaml"))
        .unwrap()
        .replace("text: 丙项", "text: \"+丙项\"");
    write(site.path(), "data/criteria.yaml", &criteria);
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bytes = std::fs::read(out.path().join("ledger.csv")).unwrap();
    // Still what Excel and WPS open cleanly: UTF-8 with BOM, CRLF lines.
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM");
    assert!(body.windows(2).any(|w| w == b"\r\n"));
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("{id}: {rows:?}"))
    };
    assert_eq!(row("1.1")[11], "'=HYPERLINK(\"http://evil\",\"x\")");
    assert_eq!(row("1.2")[11], "'@SUM(1)");
    assert_eq!(row("3.1")[11], "'-2+3");
    assert_eq!(row("2.1")[3], "'+丙项");
    // Numbers stay numbers: points and self-scores.
    assert_eq!((row("1.1")[4].as_str(), row("1.1")[8].as_str()), ("2", "2"));
    assert_eq!(row("3.1")[8], "1.5");
}
