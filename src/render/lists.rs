//! The lists of reports: all of them and each kind's, cut into pages with
//! a pager.

use super::format::tally_view;
use super::routes::{page_window, paginate};
use super::views::*;
use super::{Job, Renderer, Shared};
use std::sync::Arc;

impl Renderer<'_> {
    /// The list of every report, then each kind's.
    pub(super) fn report_lists<'s>(&'s self, shared: &'s Shared) -> Vec<Job<'s>> {
        let mut jobs = Vec::new();
        self.list_pages(
            "list.html",
            "reports",
            "全部报道",
            "reports/",
            &shared.all,
            None,
            &mut jobs,
        );
        for (indices, kv) in &shared.kind_lists {
            self.list_pages(
                "list.html",
                &format!("kind-{}", kv.id),
                &kv.name,
                &format!("kinds/{}/", kv.id),
                indices,
                Some(kv),
                &mut jobs,
            );
        }
        jobs
    }

    /// Each kind's reports (of `all`) and the kind as its pages show it.
    pub(super) fn kind_lists(&self, all: &[usize]) -> Vec<(Vec<usize>, KindView)> {
        let site = self.site;
        site.config
            .kinds
            .iter()
            .map(|k| {
                let indices: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| site.reports[i].kind == k.id)
                    .collect();
                let kv = self.kind_view(k);
                (indices, kv)
            })
            .collect()
    }

    /// The kinds that have reports.
    pub(super) fn kinds(&self) -> Vec<KindView> {
        self.site
            .config
            .kinds
            .iter()
            .filter(|k| self.site.tally_by_kind.contains_key(&k.id))
            .map(|k| self.kind_view(k))
            .collect()
    }

    fn kind_view(&self, k: &crate::config::Kind) -> KindView {
        KindView {
            id: k.id.clone(),
            name: k.name.clone(),
            url: self.routes.url(&format!("kinds/{}/", k.id)),
            tally: tally_view(self.site.tally_by_kind.get(&k.id)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn list_pages<'s>(
        &'s self,
        template: &'static str,
        section: &str,
        title: &str,
        base_route: &str,
        indices: &'s [usize],
        kind: Option<&'s KindView>,
        jobs: &mut Vec<Job<'s>>,
    ) {
        // A kind's pages all show the kind's totals in their header.
        let whole = kind.is_some() && self.wants(indices);
        let pages = Arc::new(paginate(
            base_route,
            indices.len(),
            self.site.config.per_page,
        ));
        for k in 0..pages.len() {
            let (route, range) = pages[k].clone();
            if !whole && !self.wants(&indices[range.clone()]) {
                continue;
            }
            let (section, title, pages) =
                (section.to_string(), title.to_string(), Arc::clone(&pages));
            jobs.push(Job::lazy(template, &route.clone(), move || {
                let cards: Vec<&ReportCard> =
                    indices[range].iter().map(|&i| &*self.cards[i]).collect();
                let pagination = self.pagination(&pages, k, indices.len());
                let page_title = if k == 0 {
                    title.clone()
                } else {
                    format!("{title}（第 {} 页）", k + 1)
                };
                let mut ctx = self.context(&section, &page_title, &route);
                ctx.insert("list_title", &title);
                ctx.insert("reports", &cards);
                ctx.insert("pagination", &pagination);
                if let Some(kind) = kind {
                    ctx.insert("kind", kind);
                }
                ctx
            }));
        }
    }

    /// The pager of list page `k` (0-based) of `pages`.
    pub(super) fn pagination(
        &self,
        pages: &[(String, std::ops::Range<usize>)],
        k: usize,
        total_items: usize,
    ) -> Pagination {
        Pagination {
            current: k + 1,
            total_pages: pages.len(),
            total_items,
            prev: (k > 0).then(|| self.routes.url(&pages[k - 1].0)),
            next: pages.get(k + 1).map(|(r, _)| self.routes.url(r)),
            first: self.routes.url(&pages[0].0),
            last: self.routes.url(&pages[pages.len() - 1].0),
            pages: page_window(pages.len(), k)
                .into_iter()
                .map(|j| match j {
                    Some(j) => PageLink {
                        number: j + 1,
                        url: self.routes.url(&pages[j].0),
                        current: j == k,
                        gap: false,
                    },
                    None => PageLink {
                        number: 0,
                        url: String::new(),
                        current: false,
                        gap: true,
                    },
                })
                .collect(),
        }
    }
}
