//! The default site (the repository root) builds, and its pages show what
//! an assessor needs: totals, checks, evidence, pagination, working links.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::path::Path;

fn built() -> (tempfile::TempDir, tempfile::TempDir) {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), &out.path().join("public"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (site, out)
}

fn text_of(html: &str) -> String {
    // Tags dropped, whitespace collapsed: what a reader sees, roughly.
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn home_shows_totals_and_summary_is_printed() {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let run = build(site.path(), &public, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("已生成 17 篇报道、4 个页面"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("自评 74.5 / 100 分，特色加分 4 分"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("已完成 30、推进中 13、未启动 7；逾期 4 项"),
        "{}",
        run.stderr
    );
    let home = text_of(&read(&public, "index.html"));
    assert!(home.contains("74.5 / 100 自评得分"), "{home}");
    assert!(home.contains("+4 特色加分"), "{home}");
    assert!(home.contains("30 / 50 计分项已完成"), "{home}");
}

#[test]
fn criterion_16_shows_checks_and_evidence() {
    let (_site, out) = built();
    let public = out.path().join("public");
    let page = text_of(&read(&public, "progress/16/index.html"));
    // indicators: staff 120, party_members 85, volunteers 86, party_volunteers 72, active 70
    assert!(
        page.contains("注册志愿者占员工总数比例 注册志愿者 86 / 员工总数 120 71.7% ≥ 50% 达标"),
        "{page}"
    );
    assert!(page.contains("在职党员注册志愿者占党员总数比例 在职党员注册志愿者 72 / 在职党员总数 85 84.7% ≥ 80% 达标"), "{page}");
    assert!(page.contains("注册志愿者参加志愿服务活动比例 参加志愿服务活动的注册志愿者 70 / 注册志愿者 86 81.4% ≥ 85% 未达标"), "{page}");
    // Every report citing 16 is listed as evidence, and only those.
    let evidence = page.split("佐证报道（").nth(1).unwrap();
    assert!(evidence.starts_with("4 篇）"), "{evidence}");
    for title in [
        "委机关学雷锋志愿服务队走进社区开展志愿服务",
        "青年志愿者走进社区助力文明城市创建",
    ] {
        assert!(evidence.contains(title), "missing {title}");
    }
    assert!(!evidence.contains("读书"), "{evidence}");
}

#[test]
fn every_criterion_has_a_page_and_the_overview_lists_them() {
    let (_site, out) = built();
    let public = out.path().join("public");
    let overview = read(&public, "progress/index.html");
    for id in 1..=31 {
        assert!(
            public.join(format!("progress/{id}/index.html")).is_file(),
            "criterion {id}"
        );
        assert!(
            overview.contains(&format!("href=\"/wmcj/progress/{id}/\"")),
            "overview links {id}"
        );
    }
    assert!(!public.join("progress/32").exists());
    let text = text_of(&overview);
    for cat in [
        "习近平新时代中国特色社会主义思想学习宣传教育",
        "工作实绩和内部管理",
    ] {
        assert!(text.contains(cat), "{cat}");
    }
}

#[test]
fn report_lists_paginate_newest_first_and_drafts_stay_out() {
    let (_site, out) = built();
    let public = out.path().join("public");
    let first = read(&public, "reports/index.html");
    let second = read(&public, "reports/page/2/index.html");
    assert!(!public.join("reports/page/3").exists());
    let count = |h: &str| h.matches("<article class=\"card\">").count();
    assert_eq!((count(&first), count(&second)), (10, 7));
    assert!(first.contains("href=\"/wmcj/reports/page/2/\" rel=\"next\""));
    let dates: Vec<&str> = first
        .split("<time datetime=\"")
        .skip(1)
        .map(|s| &s[..10])
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert_eq!(dates[0], "2022-11-28");
    // The draft is neither listed nor written.
    assert!(!public.join("reports/civilized-office").exists());
    assert!(!first.contains("草稿"));
}

#[test]
fn drafts_flag_includes_drafts() {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    let run = build(site.path(), out.path(), &["--drafts"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(out
        .path()
        .join("reports/civilized-office/index.html")
        .is_file());
    assert!(run.stderr.contains("已生成 18 篇报道"));
}

/// Every internal link and image in every page points at a file the build wrote.
fn assert_links_resolve(public: &Path, base: &str) {
    let mut checked = 0;
    for e in walkdir::WalkDir::new(public)
        .into_iter()
        .map(Result::unwrap)
    {
        if e.path().extension().is_some_and(|x| x == "html") {
            let html = std::fs::read_to_string(e.path()).unwrap();
            for attr in ["href=\"", "src=\""] {
                for part in html.split(attr).skip(1) {
                    let url = &part[..part.find('"').unwrap()];
                    if url.starts_with("http") || url.starts_with('#') || url.starts_with("mailto:")
                    {
                        continue;
                    }
                    assert!(
                        url.starts_with(base),
                        "{}: {url} does not start with {base}",
                        e.path().display()
                    );
                    let path = url[base.len()..].split(['#', '?']).next().unwrap();
                    let file = if path.is_empty() || path.ends_with('/') {
                        format!("{path}index.html")
                    } else {
                        path.to_string()
                    };
                    assert!(
                        public.join(&file).is_file(),
                        "{}: broken link {url}",
                        e.path().display()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} links checked");
}

#[test]
fn all_links_work_under_the_sub_path() {
    let (_site, out) = built();
    assert_links_resolve(&out.path().join("public"), "/wmcj/");
}

#[test]
fn base_url_override_moves_every_link() {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    let run = build(
        site.path(),
        out.path(),
        &["--base-url", "https://www.example.gov.cn/zt/wmcj2022"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_links_resolve(out.path(), "/zt/wmcj2022/");
    let feed = read(out.path(), "feed.xml");
    assert!(feed.contains("<link rel=\"self\" type=\"application/atom+xml\" href=\"https://www.example.gov.cn/zt/wmcj2022/feed.xml\"/>"));
    assert!(
        feed.contains("<id>https://www.example.gov.cn/zt/wmcj2022/reports/diaoyan/</id>"),
        "{feed}"
    );
}

#[test]
fn markdown_links_between_files_become_page_urls() {
    let (_site, out) = built();
    let public = out.path().join("public");
    // The writer typed relative .md links and a site-absolute /progress/16/.
    let mut found = BTreeSet::new();
    for e in walkdir::WalkDir::new(public.join("reports"))
        .into_iter()
        .map(Result::unwrap)
    {
        if e.file_name() == "index.html" {
            let html = std::fs::read_to_string(e.path()).unwrap();
            assert!(
                !html.contains(".md\""),
                "{}: unrewritten .md link",
                e.path().display()
            );
            for part in html
                .split("<div class=\"content\">")
                .nth(1)
                .unwrap_or("")
                .split("href=\"")
                .skip(1)
            {
                found.insert(part[..part.find('"').unwrap()].to_string());
            }
        }
    }
    assert!(found.contains("/wmcj/progress/16/"), "{found:?}");
    assert!(found.contains("/wmcj/plan/"), "{found:?}");
    assert!(
        found
            .iter()
            .any(|u| u.starts_with("/wmcj/reports/reading-salon/")),
        "{found:?}"
    );
}

#[test]
fn ledger_csv_feed_sitemap_and_404() {
    let (_site, out) = built();
    let public = out.path().join("public");
    let csv = std::fs::read(public.join("ledger.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 51, "header + 50 items");
    assert!(rows[0].starts_with("条目编号,考评内容,考评标准序号,计分项,分值"));
    let row_4_3 = rows.iter().find(|r| r.starts_with("4.3,")).unwrap();
    assert!(row_4_3.contains(",未启动,2022-11-20,,逾期,"), "{row_4_3}");

    let sitemap = read(&public, "sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.gov.cn/wmcj/progress/16/</loc>"));
    assert!(sitemap.contains("<loc>https://example.gov.cn/wmcj/reports/community-service/</loc><lastmod>2022-09-15</lastmod>"));
    assert!(!sitemap.contains("404"));
    let feed = read(&public, "feed.xml");
    assert_eq!(feed.matches("<entry>").count(), 17);
    assert!(read(&public, "404.html").contains("页面未找到"));
}

#[test]
fn dossier_has_every_criterion_with_evidence() {
    let (_site, out) = built();
    let dossier = read(&out.path().join("public"), "dossier/index.html");
    for id in 1..=31 {
        assert!(
            dossier.contains(&format!("id=\"d-criterion-{id}\"")),
            "criterion {id}"
        );
    }
    let text = text_of(&dossier);
    let c16 = text
        .split("第 16 条")
        .nth(1)
        .unwrap()
        .split("第 17 条")
        .next()
        .unwrap();
    assert!(c16.contains("佐证报道（4 篇）"), "{c16}");
    assert!(text.contains("全国巾帼文明岗（示例）"), "honours listed");
    assert!(
        text.contains(
            "湖南省平安单位（示例） 省部级 湖南省平安建设领导小组 2020-12-18 不在计分期内"
        ),
        "{text}"
    );
}

#[test]
fn offices_kinds_and_archive() {
    let (_site, out) = built();
    let public = out.path().join("public");
    let office = text_of(&read(&public, "offices/ji-guan-dang-wei/index.html"));
    assert!(office.contains("负责的考评标准"));
    assert!(
        read(&public, "offices/index.html").contains("href=\"/wmcj/offices/xin-xi-zhong-xin/\"")
    );
    let kind = text_of(&read(&public, "kinds/volunteer/index.html"));
    assert!(kind.contains("志愿服务"));
    assert!(!kind.contains("读书分享会"));
    let archive = text_of(&read(&public, "archive/index.html"));
    for m in ["2022年11月", "2022年10月", "2022年9月"] {
        assert!(archive.contains(m), "{m}");
    }
    // Highlighted code uses CSS classes, and the stylesheet is written.
    let training = read(&public, "reports/website-training/index.html");
    assert!(training.contains("class=\"hl-"), "highlighted");
    assert!(public.join("syntax.css").is_file());
}
