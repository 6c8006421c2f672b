//! The feed of the latest reports and the sitemap of every page.

use super::views::*;
use super::{Job, Renderer};
use crate::model::Site;
use std::collections::{BTreeMap, HashMap};

impl Renderer<'_> {
    /// The latest twenty reports, for feed readers.
    pub(super) fn feed(&self) -> Job<'static> {
        let site = self.site;
        let mut ctx = self.context("", "", "feed.xml");
        let latest: Vec<&ReportCard> = self.cards.iter().take(20).map(|c| &**c).collect();
        ctx.insert("reports", &latest);
        ctx.insert(
            "updated",
            &site
                .reports
                .first()
                .map(|r| r.date.to_string())
                .unwrap_or_else(|| site.config.as_of.to_string()),
        );
        Job::ready("feed.xml", "feed.xml", ctx)
    }

    /// Every HTML page the site has, whether rendered in this pass or not.
    pub(super) fn sitemap(&self) -> Job<'static> {
        let site = self.site;
        let mut urls: Vec<(String, Option<String>)> = self
            .routes
            .known
            .iter()
            .filter(|r| r.is_empty() || r.ends_with('/'))
            .map(|r| (r.clone(), None))
            .collect();
        let report_dates: HashMap<String, String> = site
            .reports
            .iter()
            .map(|r| (Site::report_route(r), r.date.to_string()))
            .collect();
        for (route, lastmod) in urls.iter_mut() {
            *lastmod = report_dates.get(route).cloned();
        }
        urls.sort();
        let entries: Vec<BTreeMap<&str, String>> = urls
            .iter()
            .map(|(route, lastmod)| {
                let mut m = BTreeMap::new();
                m.insert("loc", site.config.urls.absolute(route));
                if let Some(l) = lastmod {
                    m.insert("lastmod", l.clone());
                }
                m
            })
            .collect();
        let mut ctx = self.context("", "", "sitemap.xml");
        ctx.insert("entries", &entries);
        Job::ready("sitemap.xml", "sitemap.xml", ctx)
    }
}
