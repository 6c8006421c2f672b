//! Progress: the overview of every category and criterion, and one page
//! per criterion with its items, checks and evidence.

use super::cards::office_link;
use super::format::{indicator_label, pct_label, percent, tally_view};
use super::reports::file_view;
use super::views::*;
use super::{Job, Renderer, Shared};
use crate::data::{fmt_points, ALL_OFFICES};
use crate::diagnostic::Diagnostics;
use crate::links::Asset;
use crate::progress::CheckResult;

impl Renderer<'_> {
    /// The progress overview and one page per criterion (those selected,
    /// in an incremental build).
    pub(super) fn progress_pages<'s>(&'s self, shared: &Shared) -> Vec<Job<'s>> {
        let (unit, categories, honors) = (&shared.unit, &shared.categories, &shared.honors);
        let ids: Vec<u32> = self.criteria.keys().copied().collect();
        let mut ctx = self.context("progress", "创建进度总览", "progress/");
        ctx.insert("unit_progress", unit);
        ctx.insert("categories", categories);
        ctx.insert("honors", honors);
        ctx.insert("bonus_name", &self.bonus_name());
        let mut jobs = vec![Job::ready("progress.html", "progress/", ctx)];
        for (n, &id) in ids.iter().enumerate() {
            if self.dirty.is_some() && !self.dirty_criteria.contains(&id) {
                continue;
            }
            // The neighbours' ids, copied: the job outlives `ids`.
            let (prev, next) = (n.checked_sub(1).map(|p| ids[p]), ids.get(n + 1).copied());
            let cv = &self.criteria[&id];
            let route = format!("progress/{id}/");
            jobs.push(Job::lazy("criterion.html", &route.clone(), move || {
                let mut ctx = self.context(
                    "progress",
                    &format!("第 {id} 条 · {}", cv.category_name),
                    &route,
                );
                ctx.insert("criterion", cv);
                ctx.insert("evidence", &self.evidence_cards(id));
                ctx.insert(
                    "prev",
                    &prev.map(|p| &self.criteria[&p]).map(|c| Link {
                        title: format!("第 {} 条", c.id),
                        url: c.url.clone(),
                    }),
                );
                ctx.insert(
                    "next",
                    &next.map(|i| &self.criteria[&i]).map(|c| Link {
                        title: format!("第 {} 条", c.id),
                        url: c.url.clone(),
                    }),
                );
                ctx
            }));
        }
        jobs
    }

    pub(super) fn criterion_view(
        &self,
        id: u32,
        assets: &mut Vec<Asset>,
        diags: &mut Diagnostics,
    ) -> CriterionView {
        let site = self.site;
        let c = site.table.criterion(id).expect("criterion from the table");
        let p = &site.progress.criteria[&id];
        let category = site
            .table
            .categories
            .iter()
            .find(|cat| cat.id == c.category)
            .expect("category of criterion");
        let route = format!("progress/{id}/");
        let items = c
            .items
            .iter()
            .zip(&p.items)
            .map(|(item, ip)| {
                let ledger_pos = site.ledger.get(&item.id).map(|e| e.pos).unwrap_or_default();
                let files = ip
                    .files
                    .iter()
                    .filter_map(|f| {
                        let under = if f.starts_with("static/") || f.starts_with("content/") {
                            f.clone()
                        } else {
                            format!("static/{f}")
                        };
                        file_view(
                            &self.routes,
                            &site.root,
                            "ledger-files/",
                            &under,
                            "data/ledger.yaml",
                            ledger_pos,
                            assets,
                            diags,
                        )
                    })
                    .collect();
                ItemView {
                    id: item.id.clone(),
                    points: fmt_points(item.points),
                    text: item.text.clone(),
                    status: ip.status,
                    status_label: ip.status.label().into(),
                    deadline: ip.deadline.map(|d| d.to_string()),
                    score: fmt_points(ip.score),
                    note: ip.note.clone(),
                    overdue: ip.overdue,
                    files,
                    evidence: site
                        .item_evidence
                        .get(&item.id)
                        .map(|v| {
                            v.iter()
                                .map(|&i| Link {
                                    title: self.cards[i].title.clone(),
                                    url: self.cards[i].url.clone(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
        let all_offices = c.offices.iter().any(|o| o == ALL_OFFICES);
        CriterionView {
            id,
            url: self.routes.url(&route),
            category_id: category.id,
            category_name: category.name.clone(),
            text: c.text.clone().unwrap_or_else(|| {
                c.items
                    .iter()
                    .map(|i| i.text.as_str())
                    .collect::<Vec<_>>()
                    .join("；")
            }),
            points: fmt_points(p.points),
            score: fmt_points(p.score),
            percent: percent(p.score, p.points),
            status: p.status,
            status_label: p.status.label().into(),
            offices: if all_offices {
                vec![]
            } else {
                c.offices
                    .iter()
                    .map(|o| office_link(&self.routes, o))
                    .collect()
            },
            all_offices,
            items,
            checks: p
                .checks
                .iter()
                .zip(&c.checks)
                .map(|(r, ch)| check_view(r, ch))
                .collect(),
            done: p.done,
            doing: p.doing,
            todo: p.todo,
            overdue: p.overdue,
            evidence_count: site.evidence.get(&id).map_or(0, Vec::len),
            tally: tally_view(site.tally_by_criterion.get(&id)),
        }
    }

    pub(super) fn categories(&self) -> Vec<CategoryView> {
        self.site
            .table
            .categories
            .iter()
            .zip(&self.site.progress.categories)
            .map(|(cat, cp)| CategoryView {
                id: cat.id,
                name: cat.name.clone(),
                points: fmt_points(cat.points),
                score: fmt_points(cp.score),
                percent: percent(cp.score, cp.points),
                items: cp.items,
                done: cp.done,
                criteria: cat
                    .criteria
                    .iter()
                    .map(|c| self.criteria[&c.id].clone())
                    .collect(),
            })
            .collect()
    }

    pub(super) fn unit(&self) -> UnitView {
        let u = &self.site.progress.unit;
        UnitView {
            total: fmt_points(u.total),
            score: fmt_points(u.score),
            percent: percent(u.score, u.total),
            bonus: fmt_points(u.bonus),
            bonus_cap: self
                .site
                .table
                .bonus
                .as_ref()
                .map(|b| fmt_points(b.cap))
                .unwrap_or_else(|| "0".into()),
            items: u.items,
            done: u.done,
            doing: u.doing,
            todo: u.todo,
            overdue: u.overdue,
            done_percent: percent(u.done as f64, u.items as f64),
        }
    }

    pub(super) fn honors(&self) -> Vec<HonorView> {
        let levels = self
            .site
            .table
            .bonus
            .as_ref()
            .map(|b| b.levels.clone())
            .unwrap_or_default();
        self.site
            .honors
            .iter()
            .map(|h| HonorView {
                name: h.name.clone(),
                level: h.level.clone(),
                level_label: match h.level.as_str() {
                    "national" => "国家级".into(),
                    "provincial" => "省部级".into(),
                    other => other.to_string(),
                },
                date: h.date.to_string(),
                issuer: h.issuer.clone(),
                counts: crate::progress::honor_counts(&self.site.table, h),
                points: fmt_points(levels.get(&h.level).copied().unwrap_or(0.0)),
            })
            .collect()
    }

    /// The cards of the reports cited as evidence for criterion `id`.
    pub(super) fn evidence_cards(&self, id: u32) -> Vec<&ReportCard> {
        self.site
            .evidence
            .get(&id)
            .map(|v| v.iter().map(|&i| &*self.cards[i]).collect())
            .unwrap_or_default()
    }

    pub(super) fn bonus_name(&self) -> String {
        self.site
            .table
            .bonus
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_default()
    }
}

fn check_view(r: &CheckResult, c: &crate::data::Check) -> CheckView {
    CheckView {
        name: r.name.clone(),
        numerator: fmt_points(r.numerator),
        denominator: fmt_points(r.denominator),
        numerator_name: indicator_label(&c.numerator),
        denominator_name: indicator_label(&c.denominator),
        ratio: r.ratio.map(pct_label).unwrap_or_else(|| "—".into()),
        ratio_value: r.ratio.unwrap_or(0.0),
        threshold: pct_label(r.threshold),
        threshold_value: r.threshold,
        all_required: r.all_required,
        passed: r.passed,
        verdict: if r.passed { "达标" } else { "未达标" }.into(),
    }
}
