//! The route table: every page the site has, and how lists are cut
//! into pages.

use crate::links::Routes;
use crate::model::Site;
use crate::output::OutputFile;
use std::collections::{HashMap, HashSet};

/// How many list pages `n` items take, and their routes.
pub(super) fn paginate(
    base_route: &str,
    n: usize,
    per_page: usize,
) -> Vec<(String, std::ops::Range<usize>)> {
    let pages = n.div_ceil(per_page).max(1);
    (0..pages)
        .map(|k| {
            (
                crate::links::page_route(base_route, k + 1),
                k * per_page..((k + 1) * per_page).min(n),
            )
        })
        .collect()
}

/// The page numbers (0-based) a pager shows for page `k` of `total`:
/// the first, the last and two either side of `k`; `None` marks a gap.
/// A gap of a single page shows that page instead.
pub(super) fn page_window(total: usize, k: usize) -> Vec<Option<usize>> {
    const AROUND: usize = 2;
    let shown = |j: usize| j == 0 || j + 1 == total || j.abs_diff(k) <= AROUND;
    let mut out = Vec::new();
    let mut j = 0;
    while j < total {
        if shown(j) || (j > 0 && j + 1 < total && shown(j - 1) && shown(j + 1)) {
            out.push(Some(j));
            j += 1;
        } else {
            out.push(None);
            while j < total && !shown(j) {
                j += 1;
            }
        }
    }
    out
}

pub(super) fn routes(site: &Site, statics: &[OutputFile]) -> Routes {
    let mut known: HashSet<String> = HashSet::new();
    let mut add = |s: String| {
        known.insert(s);
    };
    for fixed in [
        "",
        "progress/",
        "reports/",
        "offices/",
        "archive/",
        "dossier/",
        "search/",
        crate::links::GALLERY,
        "ledger.csv",
        "feed.xml",
        "sitemap.xml",
        "404.html",
    ] {
        add(fixed.to_string());
    }
    for c in site.table.criteria() {
        add(format!("progress/{}/", c.id));
    }
    for (route, _) in paginate("reports/", site.reports.len(), site.config.per_page) {
        add(route);
    }
    for k in &site.config.kinds {
        let n = site.reports.iter().filter(|r| r.kind == k.id).count();
        for (route, _) in paginate(&format!("kinds/{}/", k.id), n, site.config.per_page) {
            add(route);
        }
    }
    for o in &site.table.offices {
        add(format!("offices/{}/", Site::office_slug(o)));
    }
    for r in &site.reports {
        add(Site::report_route(r));
    }
    for p in &site.pages {
        add(Site::page_route(p));
    }
    for f in statics {
        add(f.path.clone());
    }
    let by_source: HashMap<String, String> = site
        .reports
        .iter()
        .map(|r| (r.body.path.clone(), Site::report_route(r)))
        .chain(
            site.pages
                .iter()
                .map(|p| (p.body.path.clone(), Site::page_route(p))),
        )
        .collect();
    Routes {
        real_dirs: Default::default(),
        root: site.root.clone(),
        urls: site.config.urls.clone(),
        by_source,
        known,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_shows_a_window_with_gaps() {
        let show = |total, k| -> String {
            page_window(total, k)
                .iter()
                .map(|j| j.map_or("…".to_string(), |j| (j + 1).to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(show(1, 0), "1");
        assert_eq!(show(7, 0), "1 2 3 … 7");
        assert_eq!(show(7, 3), "1 2 3 4 5 6 7");
        assert_eq!(show(500, 0), "1 2 3 … 500");
        assert_eq!(show(500, 249), "1 … 248 249 250 251 252 … 500");
        assert_eq!(show(500, 499), "1 … 498 499 500");
        // A gap of one page shows the page itself.
        assert_eq!(show(8, 4), "1 2 3 4 5 6 7 8");
    }

    #[test]
    fn pagination_routes() {
        let p = paginate("reports/", 25, 10);
        assert_eq!(
            p.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
            ["reports/", "reports/page/2/", "reports/page/3/"]
        );
        assert_eq!(p[2].1, 20..25);
        assert_eq!(paginate("kinds/x/", 0, 10).len(), 1);
    }
}
