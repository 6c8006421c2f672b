//! The archive: every report by year and month.

use super::views::*;
use super::{Job, Renderer, Shared};
use chrono::Datelike;

impl Renderer<'_> {
    /// The reports by year and month, in the site's order.
    pub(super) fn archive_years(&self) -> Vec<YearGroup<'_>> {
        let site = self.site;
        let mut years: Vec<YearGroup> = Vec::new();
        for (i, r) in site.reports.iter().enumerate() {
            if years.last().map(|y| y.year) != Some(r.date.year()) {
                years.push(YearGroup {
                    year: r.date.year(),
                    count: 0,
                    months: vec![],
                });
            }
            let y = years.last_mut().expect("pushed");
            y.count += 1;
            if y.months.last().map(|m| m.month) != Some(r.date.month()) {
                y.months.push(MonthGroup {
                    month: r.date.month(),
                    label: format!("{}年{}月", r.date.year(), r.date.month()),
                    count: 0,
                    reports: vec![],
                });
            }
            let month = y.months.last_mut().expect("pushed");
            month.count += 1;
            month.reports.push(&self.cards[i]);
        }
        years
    }

    /// `archive/`.
    pub(super) fn archive_page<'s>(&'s self, shared: &'s Shared) -> Job<'s> {
        let site = self.site;
        let years = &shared.years;
        Job::lazy("archive.html", "archive/", move || {
            let mut ctx = self.context("archive", "报道归档", "archive/");
            ctx.insert("years", years);
            ctx.insert("total", &site.reports.len());
            ctx
        })
    }
}
