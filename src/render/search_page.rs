//! The search page. Its index is built after rendering (crate::search);
//! the page also offers the browse lists, so nothing needs JavaScript.

use super::views::*;
use super::{Job, Renderer, Shared};

impl Renderer<'_> {
    /// `search/`.
    pub(super) fn search_page<'s>(&'s self, shared: &Shared) -> Job<'s> {
        let (categories, kinds, offices, years) = (
            &shared.categories,
            &shared.kinds,
            &shared.offices,
            &shared.years,
        );
        let mut ctx = self.context("search", "搜索", "search/");
        ctx.insert("categories", categories);
        ctx.insert("kinds", kinds);
        ctx.insert(
            "offices",
            &offices.iter().map(|(o, _)| o).collect::<Vec<_>>(),
        );
        // Counts only: the search page would otherwise carry every card.
        let year_counts: Vec<YearGroup> = years
            .iter()
            .map(|y| YearGroup {
                year: y.year,
                count: y.count,
                months: y
                    .months
                    .iter()
                    .map(|m| MonthGroup {
                        month: m.month,
                        label: m.label.clone(),
                        count: m.count,
                        reports: Vec::new(),
                    })
                    .collect(),
            })
            .collect();
        ctx.insert("years", &year_counts);
        Job::ready("search.html", "search/", ctx)
    }
}
