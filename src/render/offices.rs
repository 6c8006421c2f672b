//! The list of offices (责任处室) and one page per office with the
//! criteria it answers for and its reports.

use super::views::*;
use super::{Job, Renderer, Shared};
use crate::model::Site;

impl Renderer<'_> {
    /// Each office with the criteria it answers for, and its reports (of `all`).
    pub(super) fn offices(&self, all: &[usize]) -> Vec<(OfficeView, Vec<usize>)> {
        let site = self.site;
        site.table
            .offices
            .iter()
            .map(|o| {
                let criteria: Vec<Link> = site
                    .table
                    .criteria()
                    .filter(|c| site.table.offices_of(c).contains(&o.as_str()))
                    .map(|c| Link {
                        title: format!("第 {} 条", c.id),
                        url: self.routes.url(&format!("progress/{}/", c.id)),
                    })
                    .collect();
                let reports: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| site.reports[i].offices.contains(o))
                    .collect();
                let slug = Site::office_slug(o);
                (
                    OfficeView {
                        name: o.clone(),
                        url: self.routes.url(&format!("offices/{slug}/")),
                        slug,
                        criteria,
                        report_count: reports.len(),
                    },
                    reports,
                )
            })
            .collect()
    }

    /// The list of offices, then a page per office (those showing a
    /// changed report, in an incremental build).
    pub(super) fn office_pages<'s>(&'s self, shared: &'s Shared) -> Vec<Job<'s>> {
        let offices = &shared.offices;
        let mut ctx = self.context("offices", "责任处室", "offices/");
        ctx.insert(
            "offices",
            &offices.iter().map(|(o, _)| o).collect::<Vec<_>>(),
        );
        let mut jobs = vec![Job::ready("offices.html", "offices/", ctx)];
        for (office, reports) in offices {
            if !self.wants(reports) {
                continue;
            }
            let route = format!("offices/{}/", office.slug);
            jobs.push(Job::lazy("office.html", &route.clone(), move || {
                let mut ctx = self.context("offices", &office.name, &route);
                ctx.insert("office", office);
                ctx.insert(
                    "criteria",
                    &office
                        .criteria
                        .iter()
                        .filter_map(|l| l.url.rsplit('/').nth(1)?.parse::<u32>().ok())
                        .map(|id| &self.criteria[&id])
                        .collect::<Vec<_>>(),
                );
                ctx.insert(
                    "reports",
                    &reports.iter().map(|&i| &*self.cards[i]).collect::<Vec<_>>(),
                );
                ctx
            }));
        }
        jobs
    }
}
