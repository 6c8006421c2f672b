//! The portal's publishing norms: stale and empty columns are warned
//! about, an ended campaign is archived, external links are listed, and
//! the feed and sitemap are well-formed with absolute URLs.

mod common;
use common::*;

#[test]
fn stale_column_and_empty_kind_are_warned_until_archived() {
    let site = minimal_site();
    report(
        site.path(),
        "2022-09-01-a.md",
        "title: 甲\ndate: 2022-09-01\nkind: news\ncriteria: [1]",
        "正文",
    );
    let run = wenming(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("content/reports/2022-09-01-a.md: 警告：最新一篇报道是 90 天前（2022-09-01）发布的，专栏已超过 14 天没有更新"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "site.yaml: 警告：活动类别 “志愿服务”（volunteer）还没有报道，已暂不在导航中显示"
        ),
        "{}",
        run.stderr
    );
    // The empty kind is not in the navigation.
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    let home = read(out.path(), "index.html");
    assert!(!home.contains("href=\"/sub/path/kinds/volunteer/\""));
    assert!(home.contains("href=\"/sub/path/kinds/news/\""));
    assert!(!home.contains("已归档"));

    // After campaign.end the column is archived and the warnings stop.
    let run = wenming(&[
        "check",
        "--root",
        site.path().to_str().unwrap(),
        "--as-of",
        "2023-01-05",
    ]);
    assert!(
        !run.stderr.contains("没有更新") && !run.stderr.contains("还没有报道"),
        "{}",
        run.stderr
    );
    let out = tempfile::tempdir().unwrap();
    assert_eq!(
        build(site.path(), out.path(), &["--as-of", "2023-01-05"]).code,
        0
    );
    assert!(read(out.path(), "index.html").contains("已归档"));
    // Dates are shown as written, never bumped to the build date.
    let page = read(out.path(), "reports/a/index.html");
    assert!(
        page.contains("<time datetime=\"2022-09-01\"") && page.contains(">2022-09-01</time>"),
        "{page}"
    );
}

#[test]
fn external_links_are_listed_without_failing() {
    let site = minimal_site();
    report(
        site.path(),
        "2022-11-20-a.md",
        "title: 甲\ndate: 2022-11-20\nkind: news\ncriteria: [1]",
        "见[文明网](http://www.wenming.cn/)和<https://www.12371.cn/>。",
    );
    let run = wenming(&[
        "check",
        "--external",
        "--root",
        site.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("外部链接（2 个"), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("content/reports/2022-11-20-a.md: http://www.wenming.cn/"));
    assert!(run
        .stdout
        .contains("content/reports/2022-11-20-a.md: https://www.12371.cn/"));
}

#[test]
fn feed_and_sitemap_are_well_formed_with_absolute_urls() {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    let feed_text = read(out.path(), "feed.xml");
    let feed = roxmltree::Document::parse(&feed_text).expect("feed is well-formed XML");
    let root = feed.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    // Atom requires id, title and updated on the feed and on every entry.
    for required in ["id", "title", "updated"] {
        assert!(
            root.children().any(|c| c.tag_name().name() == required),
            "feed {required}"
        );
    }
    let entries: Vec<_> = root
        .children()
        .filter(|c| c.tag_name().name() == "entry")
        .collect();
    assert_eq!(entries.len(), 17);
    for e in &entries {
        for required in ["id", "title", "updated", "link"] {
            assert!(
                e.children().any(|c| c.tag_name().name() == required),
                "entry {required}"
            );
        }
        let id = e
            .children()
            .find(|c| c.tag_name().name() == "id")
            .unwrap()
            .text()
            .unwrap();
        assert!(
            id.starts_with("https://example.gov.cn/wmcj/reports/"),
            "{id}"
        );
        let updated = e
            .children()
            .find(|c| c.tag_name().name() == "updated")
            .unwrap()
            .text()
            .unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(updated).is_ok(),
            "{updated} is RFC 3339"
        );
    }
    let sitemap_text = read(out.path(), "sitemap.xml");
    let sitemap = roxmltree::Document::parse(&sitemap_text).expect("sitemap is well-formed XML");
    let urls: Vec<_> = sitemap
        .root_element()
        .children()
        .filter(|c| c.tag_name().name() == "url")
        .collect();
    assert!(urls.len() > 60, "{}", urls.len());
    for u in urls {
        let loc = u
            .children()
            .find(|c| c.tag_name().name() == "loc")
            .unwrap()
            .text()
            .unwrap();
        assert!(loc.starts_with("https://example.gov.cn/wmcj/"), "{loc}");
        let path = loc.trim_start_matches("https://example.gov.cn/wmcj/");
        let file = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_string()
        };
        assert!(
            out.path().join(&file).is_file(),
            "sitemap lists a missing page {loc}"
        );
    }
}

#[test]
fn report_pages_carry_the_norm_meta_tags() {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(site.path(), out.path(), &[]).code, 0);
    let page = read(out.path(), "reports/community-service/index.html");
    for tag in [
        "<meta name=\"SiteName\" content=\"湖南省国资委\">",
        "<meta name=\"SiteDomain\" content=\"example.gov.cn\">",
        "<meta name=\"SiteIDCode\" content=\"4300000000\">",
        "<meta name=\"ColumnName\" content=\"志愿服务\">",
        "<meta name=\"ArticleTitle\" content=\"委机关学雷锋志愿服务队走进社区开展志愿服务\">",
        "<meta name=\"PubDate\" content=\"2022-09-15 00:00\">",
        "<meta name=\"ContentSource\" content=\"湖南省国资委\">",
        "<meta name=\"Keywords\" content=\"学雷锋,社区服务,义诊\">",
        "<meta name=\"Url\" content=\"https://example.gov.cn/wmcj/reports/community-service/\">",
    ] {
        assert!(page.contains(tag), "missing {tag}");
    }
    let list = read(out.path(), "kinds/volunteer/index.html");
    for tag in [
        "<meta name=\"ColumnName\" content=\"志愿服务\">",
        "<meta name=\"ColumnDescription\"",
        "<meta name=\"ColumnKeywords\"",
        "<meta name=\"ColumnType\"",
    ] {
        assert!(list.contains(tag), "list page missing {tag}");
    }
}

#[test]
fn footer_carries_the_government_site_mark_when_configured() {
    let site = minimal_site();
    let yaml = std::fs::read_to_string(site.path().join("site.yaml")).unwrap();
    let with_mark = format!("{yaml}footer:\n  sponsor: 测试单位办公室\n  site_code: \"4300000001\"\n  icp: 湘ICP备12345678号\n  police: 湘公网安备 43010000000001号\n  conac_url: https://bszs.conac.cn/sitename?method=show&id=TEST\n  conac_image: conac.png\n");
    write(site.path(), "site.yaml", &with_mark);
    // The mark's image must be on the site itself.
    let run = wenming(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("找不到党政机关网站标识图片 static/conac.png"),
        "{}",
        run.stderr
    );
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    std::fs::write(site.path().join("static/conac.png"), b"\x89PNG").unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let home = read(out.path(), "index.html");
    assert!(home.contains("<a href=\"https://bszs.conac.cn/sitename?method=show&amp;id=TEST\" rel=\"noopener\"><img src=\"/sub/path/conac.png\" alt=\"党政机关网站标识\""), "{home}");
    assert!(home.contains("主办单位：测试单位办公室"));
    assert!(home.contains("网站标识码：4300000001"));
    assert!(home.contains(">湘ICP备12345678号</a>") && home.contains("https://beian.miit.gov.cn/"));
    assert!(home.contains(">湘公网安备 43010000000001号</a>"));
    assert!(home.contains("<meta name=\"SiteIDCode\" content=\"4300000001\">"));
}
