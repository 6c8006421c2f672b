//! Full-text search that handles Chinese and works offline: an index built
//! from the rendered pages, split so a visitor downloads only a small part.
//!
//! The index is made by Pagefind (the `pagefind` crate, feature `extended`,
//! which segments Chinese with ICU's dictionary segmenter, the same rules as
//! the browser's `Intl.Segmenter` that splits the visitor's query). It runs
//! in-process on the HTML already rendered in memory and its files are
//! returned to be written under [`DIR`] like any other output.
//!
//! Which pages are indexed is decided by the theme: a page is indexed when
//! its HTML carries `data-pagefind-body` (the default theme puts it on the
//! article of report and publicity pages). Lists, archives, criterion pages
//! and the dossier carry none, so they are left out; the search page and the
//! 404 page are left out whatever their HTML says. The theme also
//! marks the filters (`kind`, `criteria` as `第 N 条`, `office`, `year`) and
//! the metadata shown in results (`title`, `date`, `kind`) with
//! `data-pagefind-filter` / `data-pagefind-meta`.

use crate::output::{Content, OutputFile};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use std::sync::Arc;

/// Where the index goes, site-relative. `search/` is a reserved route, so no
/// page of the site can collide with it.
pub const DIR: &str = "search/pagefind/";

/// The language every page is indexed as. Pagefind picks its segmentation by
/// the primary subtag (`zh` → dictionary word segmentation at build time and
/// `Intl.Segmenter` at query time), and the search page's `<html lang>`
/// (`zh-CN`) selects this index.
pub const LANGUAGE: &str = "zh-cn";

/// The attribute by which a theme opts a page into the index.
const BODY_MARK: &[u8] = b"data-pagefind-body";

/// Files of Pagefind's bundle the site does not use: its prebuilt UIs (the
/// search page has its own, see `themes/default/static/search/`), the
/// highlighter and the playground. Leaving them out keeps the output small
/// and free of code nobody reviews.
const UNUSED: &[&str] = &[
    "pagefind-ui.",
    "pagefind-modular-ui.",
    "pagefind-component-ui.",
    "pagefind-highlight.js",
    "playground/",
];

/// Whether the page at `path` (site-relative file path, e.g.
/// `reports/a/index.html`) goes into the index.
pub fn indexable(path: &str, html: &[u8]) -> bool {
    path.ends_with(".html")
        && !path.starts_with("search/")
        && path != "404.html"
        && contains(html, BODY_MARK)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The URL of the page at `path` as a visitor requests it: the base path,
/// then the folder of an `index.html`, percent-encoded where a URL path
/// needs it (non-ASCII slugs, spaces).
pub fn page_url(base_path: &str, path: &str) -> String {
    let dir = path.strip_suffix("index.html").unwrap_or(path);
    let mut url = String::with_capacity(base_path.len() + dir.len() + 1);
    url.push_str(base_path);
    if !url.ends_with('/') {
        url.push('/');
    }
    for b in dir.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                url.push(b as char)
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

/// Index the rendered HTML pages (`(path, html)`, paths like
/// `reports/a/index.html`) and return the files of the index, under [`DIR`].
/// `base_path` is the site's path on its host (`/wmcj/`); result URLs carry it.
pub fn index<'a>(
    base_path: &str,
    pages: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Result<Vec<OutputFile>, String> {
    // Pages are handed over one at a time, so at most one extra copy of a
    // page is alive while Pagefind reads it.
    let pages = pages
        .filter(|(path, html)| indexable(path, html))
        .map(|(path, html)| {
            (
                page_url(base_path, path),
                String::from_utf8_lossy(html).into_owned(),
            )
        });
    // Pagefind panics on a few environment failures (no current directory);
    // a failed index must be a reported error, not a crashed build or server.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || build(pages)))
        .unwrap_or_else(|_| Err("建立搜索索引时出错（Pagefind 异常退出）".to_string()))
}

fn build(pages: impl Iterator<Item = (String, String)>) -> Result<Vec<OutputFile>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("无法启动建立搜索索引所需的运行时：{e}"))?;
    runtime.block_on(async move {
        let config = PagefindServiceConfig::builder()
            .force_language(LANGUAGE.to_string())
            .keep_index_url(false)
            .build();
        let mut index =
            PagefindIndex::new(Some(config)).map_err(|e| format!("无法初始化搜索索引：{e}"))?;
        for (url, html) in pages {
            index
                .add_html_file(None, Some(url.clone()), html)
                .await
                .map_err(|e| format!("无法为 {url} 建立搜索索引：{e}"))?;
        }
        let files = index
            .get_files()
            .await
            .map_err(|e| format!("无法生成搜索索引文件：{e}"))?;
        Ok(files
            .into_iter()
            .filter_map(|f| {
                let name = f.filename.to_string_lossy().replace('\\', "/");
                let name = name.trim_start_matches('/').to_string();
                if UNUSED.iter().any(|u| name.starts_with(u)) {
                    return None;
                }
                Some(OutputFile {
                    path: format!("{DIR}{name}"),
                    content: Content::Bytes(Arc::from(f.contents)),
                })
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_base_and_drop_index_html() {
        assert_eq!(
            page_url("/wmcj/", "reports/a/index.html"),
            "/wmcj/reports/a/"
        );
        assert_eq!(page_url("/", "about/index.html"), "/about/");
        assert_eq!(page_url("/wmcj", "index.html"), "/wmcj/");
        assert_eq!(
            page_url("/", "reports/志愿/index.html"),
            "/reports/%E5%BF%97%E6%84%BF/"
        );
    }

    #[test]
    fn only_marked_pages_outside_search_are_indexed() {
        let body = b"<article data-pagefind-body>x</article>".as_slice();
        assert!(indexable("reports/a/index.html", body));
        assert!(!indexable("reports/index.html", b"<ul></ul>"));
        assert!(!indexable("search/index.html", body));
        assert!(!indexable("404.html", body));
        assert!(!indexable("feed.xml", body));
    }
}
