//! Publicity pages (SPEC §8), from `content/pages`.

use super::slug::slug_for;
use super::walk::markdown_files;
use super::{Body, Loaded, Page};
use crate::diagnostic::Diagnostics;
use crate::source;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    title: Option<String>,
    #[serde(default)]
    weight: i64,
    #[serde(default)]
    menu: bool,
    summary: Option<String>,
    slug: Option<String>,
    #[serde(default)]
    draft: bool,
}

pub(crate) fn load_pages(root: &Path, diags: &mut Diagnostics) -> Vec<Page> {
    let dir = root.join("content/pages");
    let mut pages = Vec::new();
    for (path, bundle) in markdown_files(&dir) {
        let Some(src) = source::read_source(root, &path, diags) else {
            continue;
        };
        let Some(fm) = source::split_front_matter(&src, diags) else {
            continue;
        };
        let Some(raw) = source::parse_yaml::<RawPage>(&src.path, fm.yaml, fm.first_line, diags)
        else {
            continue;
        };
        let l = Loaded {
            src: &src,
            yaml: fm.yaml,
            first_line: fm.first_line,
        };
        let Some(title) = raw.title.filter(|t| !t.trim().is_empty()) else {
            diags.error_hint(
                &src.path,
                l.key_pos("title"),
                "缺少标题 title",
                "在 front matter 中加一行 title: 页面标题",
            );
            continue;
        };
        if raw.draft {
            continue;
        }
        let slug = slug_for(&l, raw.slug, &path, bundle, diags);
        pages.push(Page {
            slug,
            title: title.trim().to_string(),
            weight: raw.weight,
            menu: raw.menu,
            summary: raw.summary,
            body: Body {
                path: src.path.clone(),
                dir: path.parent().unwrap_or(&path).to_path_buf(),
                markdown: fm.body.to_string(),
                first_line: fm.body_line,
            },
        });
    }
    pages
}
