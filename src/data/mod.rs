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
