//! The publicity pages (content/pages: 公示, 制度 and the like) and the
//! page shown for an address the site does not have.

use super::views::PageView;
use super::{Job, Renderer};
use crate::content::Page;
use crate::markdown::Rendered;
use crate::model::Site;

impl Renderer<'_> {
    /// One page per file of content/pages.
    pub(super) fn publicity_pages(&self) -> Vec<Job<'static>> {
        let site = self.site;
        let mut jobs = Vec::new();
        for (p, body) in site.pages.iter().zip(&self.page_bodies) {
            jobs.push(self.publicity_page(p, body));
        }
        jobs
    }

    fn publicity_page(&self, p: &Page, body: &Rendered) -> Job<'static> {
        let route = Site::page_route(p);
        let mut ctx = self.context(&format!("page-{}", p.slug), &p.title, &route);
        let view = PageView {
            title: &p.title,
            slug: &p.slug,
            url: self.routes.url(&route),
            summary: p.summary.as_deref().unwrap_or(&body.summary),
            content: &body.html,
        };
        ctx.insert("page", &view);
        Job::ready("page.html", &route, ctx)
    }

    /// `404.html`, which servers show for a missing address.
    pub(super) fn not_found_page(&self) -> Job<'static> {
        let ctx = self.context("", "页面未找到", "404.html");
        Job::ready("404.html", "404.html", ctx)
    }
}
