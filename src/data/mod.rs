//! The YAML data under `data/`: the assessment table, the 工作台账, the
//! indicators and the honours (SPEC §3–§6). Each is read raw with serde, then
//! resolved and cross-checked into plain types.

mod extras;
mod ledger;
mod table;

pub use extras::{parse_honors, parse_indicators, Honor, Indicators};
pub(crate) use ledger::unknown_criterion;
pub use ledger::{parse_ledger, Ledger, LedgerEntry, Status};
pub(crate) use table::{fmt_points, parse_citation, unknown_office};
pub use table::{parse_table, Bonus, Category, Check, Citation, Criterion, Item, Table};

/// Written in a criterion's offices to mean every office.
pub(crate) const ALL_OFFICES: &str = "各处室";

/// What the parsers' unit tests share: a file's text, and a table that must
/// parse without errors.
#[cfg(test)]
pub(crate) mod testing {
    use crate::diagnostic::Diagnostics;
    use crate::source::SourceText;

    pub(crate) fn source(path: &str, text: &str) -> SourceText {
        SourceText {
            path: path.into(),
            text: text.into(),
        }
    }

    pub(crate) fn table(text: &str) -> super::Table {
        let mut diags = Diagnostics::new();
        let table =
            super::parse_table(&source("data/criteria.yaml", text), &mut diags).expect("a table");
        assert!(!diags.has_errors(), "{:?}", diags.sorted());
        table
    }
}
