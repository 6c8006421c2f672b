//! The YAML data under `data/`: the assessment table, the 工作台账, the
//! indicators and the honours (SPEC §3–§6). Each is read raw with serde, then
//! resolved and cross-checked into plain types.

mod extras;
mod ledger;
mod table;

pub use extras::{parse_honors, parse_indicators, Honor, Indicators};
pub use ledger::{parse_ledger, unknown_criterion, Ledger, LedgerEntry, Status};
pub use table::{
    fmt_points, parse_citation, parse_table, unknown_office, Bonus, Category, Check, Citation,
    Criterion, Item, Table,
};

/// Written in a criterion's offices to mean every office.
pub const ALL_OFFICES: &str = "各处室";
