//! The home page: the unit's progress, the latest reports, the kinds,
//! honours and activity by month.

use super::format::tally_view;
use super::views::*;
use super::{Job, Renderer, Shared};
use crate::model::Site;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

impl Renderer<'_> {
    /// `index.html`.
    pub(super) fn home_page<'s>(&'s self, shared: &Shared) -> Job<'s> {
        let site = self.site;
        let (unit, categories, kinds, honors) = (
            &shared.unit,
            &shared.categories,
            &shared.kinds,
            &shared.honors,
        );
        let check_criteria: Vec<&CriterionView> = self
            .criteria
            .values()
            .filter(|c| !c.checks.is_empty())
            .collect();
        let mut ctx = self.context("home", &site.config.title, "");
        ctx.insert("unit_progress", unit);
        ctx.insert("categories", categories);
        ctx.insert(
            "latest",
            &self.cards.iter().take(8).map(|c| &**c).collect::<Vec<_>>(),
        );
        ctx.insert("kinds", kinds);
        ctx.insert("honors", honors);
        ctx.insert("check_criteria", &check_criteria);
        ctx.insert("tally", &tally_view(Some(&site.tally)));
        ctx.insert("activity_by_month", &self.activity_by_month());
        ctx.insert(
            "menu_pages",
            &site
                .pages
                .iter()
                .filter(|p| p.menu)
                .map(|p| Link {
                    title: p.title.clone(),
                    url: self.routes.url(&Site::page_route(p)),
                })
                .collect::<Vec<_>>(),
        );
        Job::ready("index.html", "", ctx)
    }

    /// Reports per month over the campaign (or the span of the reports),
    /// at most the last 24 months, for the home page's activity chart.
    fn activity_by_month(&self) -> Vec<MonthCount> {
        let site = self.site;
        let month = |d: NaiveDate| (d.year(), d.month());
        let (first, last) = match site.config.campaign {
            Some((start, end)) => (month(start), month(end.min(site.config.as_of.max(start)))),
            None => match (site.reports.last(), site.reports.first()) {
                (Some(oldest), Some(newest)) => (month(oldest.date), month(newest.date)),
                _ => return vec![],
            },
        };
        let mut counts: BTreeMap<(i32, u32), usize> = BTreeMap::new();
        let mut m = first;
        while m <= last {
            counts.insert(m, 0);
            m = if m.1 == 12 {
                (m.0 + 1, 1)
            } else {
                (m.0, m.1 + 1)
            };
        }
        for r in site.reports.iter() {
            if let Some(c) = counts.get_mut(&month(r.date)) {
                *c += 1;
            }
        }
        let skip = counts.len().saturating_sub(24);
        counts
            .into_iter()
            .skip(skip)
            .map(|((y, mo), count)| MonthCount {
                label: format!("{y}年{mo}月"),
                year: y,
                month: mo,
                count,
            })
            .collect()
    }
}
