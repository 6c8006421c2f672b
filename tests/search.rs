//! Full-text search: the index of the rendered site, its contents
//! (only report and publicity pages, with the filters an assessor uses) and
//! the search page that loads it from the site itself under the base path.
//! The queries themselves run in a real browser: tests/browser/search.spec.mjs.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use wenming::output::{Content, OutputFile};

const BASE: &str = "/wmcj/"; // the default site's base_url is https://example.gov.cn/wmcj/

/// The default site rendered in memory, as `wenming build` renders it.
fn rendered() -> (tempfile::TempDir, wenming::BuildReport, Vec<OutputFile>) {
    let site = copy_default_site();
    let opts = wenming::BuildOptions {
        root: site.path().to_path_buf(),
        output: site.path().join("public"),
        overrides: Default::default(),
        drafts: false,
        write: false,
        search: true,
        process_images: false, // photos do not matter to the index
    };
    let mut session = wenming::session::Session::new(opts).unwrap();
    let (report, files) = session.build_all();
    assert!(report.ok(), "{:?}", report.diagnostics.sorted());
    (site, report, files)
}

fn bytes(f: &OutputFile) -> Vec<u8> {
    match &f.content {
        Content::Bytes(b) => b.to_vec(),
        Content::Copy(p) => std::fs::read(p).unwrap(),
    }
}

fn html_pages(files: &[OutputFile]) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .filter(|f| f.path.ends_with(".html"))
        .map(|f| (f.path.clone(), bytes(f)))
        .collect()
}

fn index_of(pages: &[(String, Vec<u8>)]) -> BTreeMap<String, Vec<u8>> {
    wenming::search::index(BASE, pages.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
        .unwrap()
        .iter()
        .map(|f| (f.path.clone(), bytes(f)))
        .collect()
}

/// The per-page records (`doc/N.json`: url, meta, filters and content),
/// in page-number order.
fn fragments(index: &BTreeMap<String, Vec<u8>>) -> Vec<serde_json::Value> {
    let n = entry(index)["pages"].as_u64().unwrap();
    (0..n)
        .map(|id| {
            let raw = &index[&format!("search/index/doc/{id}.json")];
            serde_json::from_slice(raw).unwrap()
        })
        .collect()
}

fn entry(index: &BTreeMap<String, Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(&index["search/index/meta.json"]).unwrap()
}

/// The pages listed for `term`, decoded from its bucket as the browser does.
fn pages_with(index: &BTreeMap<String, Vec<u8>>, term: &str) -> Vec<u64> {
    let buckets = entry(index)["buckets"].as_u64().unwrap() as u32;
    let mut h: u32 = 0x811c9dc5;
    for b in term.bytes() {
        h = (h ^ b as u32).wrapping_mul(0x01000193);
    }
    let bucket: serde_json::Value =
        serde_json::from_slice(&index[&format!("search/index/t/{}.json", h % buckets)]).unwrap();
    let Some(list) = bucket.get(term) else {
        return vec![];
    };
    let list = list.as_array().unwrap();
    let mut id = 0;
    list.chunks(2)
        .map(|pair| {
            id += pair[0].as_u64().unwrap();
            assert!(pair[1].as_u64().unwrap() >= 1);
            id
        })
        .collect()
}

#[test]
fn the_index_covers_exactly_the_reports_and_publicity_pages() {
    let (_site, report, files) = rendered();
    let index = index_of(&html_pages(&files));

    // Everything lands in one folder, with the pieces the browser loads.
    for path in index.keys() {
        assert!(path.starts_with(wenming::search::DIR), "{path}");
    }
    for needed in ["search/index/engine.js", "search/index/meta.json"] {
        assert!(index.contains_key(needed), "{needed} missing");
    }
    // Every bucket exists (the browser may ask for any), and nothing else.
    let meta = entry(&index);
    let buckets = meta["buckets"].as_u64().unwrap() as usize;
    let bucket_files = index
        .keys()
        .filter(|p| p.starts_with("search/index/t/"))
        .count();
    assert_eq!(bucket_files, buckets);
    for b in 0..buckets {
        assert!(index.contains_key(&format!("search/index/t/{b}.json")));
    }

    // One record per report and publicity page.
    let expected = report.reports + report.pages;
    assert_eq!(meta["pages"].as_u64().unwrap() as usize, expected);
    assert_eq!(
        index
            .keys()
            .filter(|p| p.starts_with("search/index/doc/"))
            .count(),
        expected
    );

    let frags = fragments(&index);
    assert_eq!(frags.len(), expected);
    let urls: BTreeSet<String> = frags
        .iter()
        .map(|f| f["url"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(urls.len(), expected);
    for url in &urls {
        assert!(url.starts_with(BASE), "{url}");
        let rel = &url[BASE.len()..];
        // No list, archive, dossier, progress, office, kind, search or home page.
        for section in [
            "progress/",
            "kinds/",
            "offices/",
            "archive/",
            "dossier/",
            "search/",
            "reports/page/",
        ] {
            assert!(!rel.starts_with(section), "{url} should not be indexed");
        }
        assert!(
            !rel.is_empty() && rel != "reports/",
            "{url} should not be indexed"
        );
        // Every indexed URL is a page the site really has.
        let file = format!("{rel}index.html");
        assert!(
            files.iter().any(|f| f.path == file),
            "{url} is not a page of the site"
        );
    }
    for page in ["about", "plan", "leading-group", "core-values"] {
        assert!(
            urls.contains(&format!("{BASE}{page}/")),
            "publicity page {page} not indexed"
        );
    }
    assert_eq!(
        urls.iter()
            .filter(|u| u.starts_with(&format!("{BASE}reports/")))
            .count(),
        report.reports
    );
}

#[test]
fn reports_carry_the_filters_and_metadata_an_assessor_uses() {
    let (_site, _report, files) = rendered();
    let index = index_of(&html_pages(&files));
    let frags = fragments(&index);
    let by_url = |u: &str| {
        frags
            .iter()
            .find(|f| f["url"] == format!("{BASE}{u}"))
            .unwrap_or_else(|| panic!("{u} not indexed"))
    };

    // content/reports/2022-10-20-志愿服务进社区.md: criteria [16, "22.2", "23.1"].
    let r = by_url("reports/zhi-yuan-fu-wu-jin-she-qu/");
    assert_eq!(r["meta"]["title"], "青年志愿者走进社区助力文明城市创建");
    assert_eq!(r["meta"]["date"], "2022-10-20");
    assert_eq!(r["meta"]["kind"], "志愿服务");
    assert!(!r["meta"]["summary"].as_str().unwrap().is_empty());
    assert_eq!(r["filters"]["kind"], serde_json::json!(["志愿服务"]));
    assert_eq!(
        r["filters"]["criteria"],
        serde_json::json!(["第 16 条", "第 22 条", "第 23 条"])
    );
    assert_eq!(r["filters"]["office"], serde_json::json!(["机关党委"]));
    assert_eq!(r["filters"]["year"], serde_json::json!(["2022"]));

    // Two items of one criterion ("23.1", "23.2") give one filter value.
    let r = by_url("reports/riverside-cleanup/");
    assert_eq!(
        r["filters"]["criteria"],
        serde_json::json!(["第 16 条", "第 23 条"])
    );

    // Two offices.
    let r = by_url("reports/yifeng-yisu/");
    assert_eq!(
        r["filters"]["office"],
        serde_json::json!(["机关纪委", "人事处"])
    );

    // Criterion 23's evidence is exactly the reports citing it.
    let cited_23: BTreeSet<&str> = frags
        .iter()
        .filter(|f| {
            f["filters"]["criteria"]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v == "第 23 条"))
        })
        .map(|f| f["url"].as_str().unwrap())
        .collect();
    let criterion_page = String::from_utf8(bytes(
        files
            .iter()
            .find(|f| f.path == "progress/23/index.html")
            .unwrap(),
    ))
    .unwrap();
    for url in &cited_23 {
        assert!(
            criterion_page.contains(&format!("href=\"{url}\"")),
            "{url} tagged 第 23 条 but not evidence on progress/23/"
        );
    }
    assert_eq!(cited_23.len(), 3, "{cited_23:?}");

    // Publicity pages: a title, no report filters.
    let p = by_url("about/");
    assert_eq!(p["meta"]["title"], "关于本专栏");
    assert!(p["filters"].as_object().unwrap().is_empty());

    // The indexed text is the article: no navigation, footer or criteria texts.
    let r = by_url("reports/lianjie-jidi/");
    assert!(r.get("content").is_none() || !r["content"].as_str().unwrap().contains("主办单位"));
}

#[test]
fn index_takes_only_marked_pages_outside_search_and_404() {
    let report = r#"<!DOCTYPE html><html lang="zh-CN"><head><title>t</title></head><body>
<nav>首页 导航 廉洁</nav>
<article data-pagefind-body><h1 data-pagefind-meta="title">学雷锋志愿服务</h1>
<p data-pagefind-ignore><time datetime="2022-10-20" data-pagefind-meta="date[datetime]">2022-10-20</time>
<a data-pagefind-filter="kind" data-pagefind-meta="kind">志愿服务</a></p>
<p>委机关志愿者走进社区。</p>
<ul data-pagefind-ignore><li><a data-pagefind-filter="criteria:第 23 条">第 23 条第 1 项</a></li></ul>
</article><footer>主办单位</footer></body></html>"#;
    let list = r#"<!DOCTYPE html><html lang="zh-CN"><body><h1>全部报道</h1><ul><li>学雷锋志愿服务</li></ul></body></html>"#;
    let marked_search = r#"<!DOCTYPE html><html lang="zh-CN"><body><div data-pagefind-body>搜索</div></body></html>"#;
    let pages = [
        ("reports/xue-lei-feng/index.html", report),
        ("reports/index.html", list),
        ("reports/page/2/index.html", list),
        ("search/index.html", marked_search),
        ("404.html", marked_search),
    ];
    let index: BTreeMap<String, Vec<u8>> =
        wenming::search::index("/sub/path/", pages.iter().map(|(p, h)| (*p, h.as_bytes())))
            .unwrap()
            .iter()
            .map(|f| (f.path.clone(), bytes(f)))
            .collect();
    assert_eq!(entry(&index)["pages"], 1);
    let frags = fragments(&index);
    assert_eq!(frags.len(), 1);
    let f = &frags[0];
    assert_eq!(f["url"], "/sub/path/reports/xue-lei-feng/");
    assert_eq!(f["meta"]["title"], "学雷锋志愿服务");
    assert_eq!(f["meta"]["date"], "2022-10-20");
    assert_eq!(f["filters"]["criteria"], serde_json::json!(["第 23 条"]));
    assert_eq!(f["filters"]["kind"], serde_json::json!(["志愿服务"]));
    let content = f["content"].as_str().unwrap().replace('\u{200b}', "");
    assert!(content.contains("委机关志愿者走进社区"), "{content}");
    for outside in ["导航", "主办单位", "第 23 条第 1 项", "2022-10-20"] {
        assert!(!content.contains(outside), "{outside} indexed: {content}");
    }

    // No page at all: an index that finds nothing, not an error.
    let empty = wenming::search::index("/", std::iter::empty()).unwrap();
    assert!(empty.iter().any(|f| f.path == "search/index/engine.js"));
    assert!(empty.iter().any(|f| f.path == "search/index/t/0.json"));
}

/// Every `src`/`href` URL in the tags of `html`.
fn urls_in(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            out.push(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    out
}

#[test]
fn the_search_page_loads_only_from_the_site_under_its_base_path() {
    let (_site, _report, files) = rendered();
    let file = |p: &str| {
        String::from_utf8(bytes(
            files
                .iter()
                .find(|f| f.path == p)
                .unwrap_or_else(|| panic!("{p} missing")),
        ))
        .unwrap()
    };
    let html = file("search/index.html");

    // Scripts and styles: same site, under /wmcj/.
    let mut assets = Vec::new();
    for tag in html
        .split('<')
        .filter(|t| t.starts_with("script") || t.starts_with("link"))
    {
        assets.extend(urls_in(&format!("<{tag}")));
    }
    assert!(
        assets.contains(&format!("{BASE}search/search.js")),
        "{assets:?}"
    );
    assert!(
        assets.contains(&format!("{BASE}search/search.css")),
        "{assets:?}"
    );
    for url in &assets {
        if url.starts_with("https://example.gov.cn/wmcj/") {
            continue; // canonical link
        }
        assert!(
            url.starts_with(BASE),
            "asset outside the site's base path: {url}"
        );
        let rel = &url[BASE.len()..];
        assert!(
            files.iter().any(|f| f.path == rel),
            "{url} is not in the output"
        );
    }
    assert!(html.contains(&format!("action=\"{BASE}search/\"")));

    // The glue loads the engine relative to itself (…/search/index/engine.js)
    // and names no other host; nor does the engine.
    let js = file("search/search.js");
    assert!(js.contains("new URL(\"index/engine.js\", import.meta.url)"));
    let engine = file("search/index/engine.js");
    assert!(!engine.contains("http://") && !engine.contains("https://"));
    assert!(!js.contains("http://") && !js.contains("https://") && !js.contains("//cdn"));
    let css = file("search/search.css");
    assert!(!css.contains("url("), "search.css loads nothing");

    // An accessible form: a labelled search input, a polite status line.
    assert!(html.contains("<label for=\"search-q\">"));
    assert!(html.contains("id=\"search-q\" name=\"q\" type=\"search\""));
    assert!(html.contains("role=\"search\""));
    assert!(html.contains("role=\"status\""));
    // Without JavaScript the browse lists remain, covering every criterion.
    assert!(html.contains("<noscript>"));
    assert!(html.contains("id=\"search-app\" class=\"search-app\" hidden"));
    for n in 1..=31 {
        assert!(
            html.contains(&format!("href=\"{BASE}progress/{n}/\"")),
            "criterion {n} not browsable"
        );
    }
}

#[test]
fn build_writes_the_index_and_no_search_leaves_it_out() {
    let site = copy_default_site();
    let out = tempfile::tempdir().unwrap();
    let with = out.path().join("with");
    let run = build(site.path(), &with, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let entry: serde_json::Value =
        serde_json::from_str(&read(&with, "search/index/meta.json")).unwrap();
    assert!(entry["pages"].as_u64().unwrap() > 0);
    assert!(with.join("search/index/engine.js").is_file());
    assert!(with.join("search/search.js").is_file());

    let without = out.path().join("without");
    let run = build(site.path(), &without, &["--no-search"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!Path::new(&without.join("search/index")).exists());
    assert!(
        without.join("search/index.html").is_file(),
        "the browse lists stay"
    );
}

#[test]
fn a_term_lists_exactly_the_pages_whose_text_holds_it() {
    let (_site, _report, files) = rendered();
    let index = index_of(&html_pages(&files));
    let docs = fragments(&index);
    for term in [
        "雷锋", "廉洁", "志愿", "读书", "湘江", "文明", "aed", "markdown", "2022",
    ] {
        let listed = pages_with(&index, term);
        let holding: Vec<u64> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                let text = format!("{} {}", d["meta"]["title"], d["content"]).to_lowercase();
                // A word matches whole: "2022" not inside "20221".
                text.match_indices(term).any(|(at, _)| {
                    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
                    !term.is_ascii()
                        || (!alnum(text[..at].chars().last())
                            && !alnum(text[at + term.len()..].chars().next()))
                })
            })
            .map(|(id, _)| id as u64)
            .collect();
        assert!(!holding.is_empty(), "{term}: no page holds it");
        assert_eq!(listed, holding, "{term}");
    }
    // Pages are numbered newest first; undated publicity pages come last.
    let dates: Vec<&str> = docs
        .iter()
        .map(|d| d["meta"]["date"].as_str().unwrap_or(""))
        .collect();
    let dated: Vec<&str> = dates
        .iter()
        .copied()
        .take_while(|d| !d.is_empty())
        .collect();
    assert!(dated.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    assert!(
        dates[dated.len()..].iter().all(|d| d.is_empty()),
        "{dates:?}"
    );
}
