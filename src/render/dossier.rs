//! The dossier for assessors (测评材料汇编): every criterion with its
//! evidence, the unit's progress and its honours, on one page to print.

use super::views::*;
use super::{Job, Renderer, Shared};
use std::collections::BTreeMap;

impl Renderer<'_> {
    /// `dossier/`.
    pub(super) fn dossier_page<'s>(&'s self, shared: &'s Shared) -> Job<'s> {
        let site = self.site;
        let (unit, categories, honors) = (&shared.unit, &shared.categories, &shared.honors);
        Job::lazy("dossier.html", "dossier/", move || {
            let evidence: BTreeMap<String, Vec<EvidenceCard>> = self
                .criteria
                .keys()
                .map(|id| {
                    let cards = self.evidence_cards(*id);
                    (
                        id.to_string(),
                        cards.into_iter().map(EvidenceCard::from).collect(),
                    )
                })
                .collect();
            let mut ctx = self.context("dossier", "测评材料汇编", "dossier/");
            ctx.insert("unit_progress", unit);
            ctx.insert("categories", categories);
            ctx.insert("evidence", &evidence);
            ctx.insert("honors", honors);
            ctx.insert("bonus_name", &self.bonus_name());
            ctx.insert(
                "bonus_text",
                &site.table.bonus.as_ref().and_then(|b| b.text.clone()),
            );
            ctx
        })
    }
}
