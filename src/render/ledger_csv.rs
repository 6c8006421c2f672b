//! The 台账 (ledger) as a CSV file for spreadsheet programs.

use super::Renderer;
use crate::data::{fmt_points, Status};
use crate::text::clean_text;

impl Renderer<'_> {
    /// The 台账 as CSV, UTF-8 with BOM so spreadsheet programs read Chinese.
    pub(super) fn ledger_csv(&self) -> Vec<u8> {
        let site = self.site;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(b"\xEF\xBB\xBF".to_vec());
        let header = [
            "条目编号",
            "考评内容",
            "考评标准序号",
            "计分项",
            "分值",
            "责任处室",
            "状态",
            "完成时限",
            "自评分",
            "是否逾期",
            "佐证报道数",
            "备注",
        ];
        w.write_record(header).ok();
        for cat in &site.table.categories {
            for c in &cat.criteria {
                let p = &site.progress.criteria[&c.id];
                for (item, ip) in c.items.iter().zip(&p.items) {
                    let evidence = site.item_evidence.get(&item.id).map_or(0, Vec::len)
                        + site.evidence.get(&c.id).map_or(0, Vec::len);
                    w.write_record([
                        &*csv_text(&item.id),
                        &*csv_text(&cat.name),
                        &c.id.to_string(),
                        &*csv_text(&item.text),
                        &fmt_points(item.points),
                        &*csv_text(&c.offices.join("、")),
                        ip.status.label(),
                        &ip.deadline.map(|d| d.to_string()).unwrap_or_default(),
                        &if ip.status == Status::Todo && ip.score == 0.0 {
                            String::new()
                        } else {
                            fmt_points(ip.score)
                        },
                        if ip.overdue { "逾期" } else { "" },
                        &evidence.to_string(),
                        &*csv_text(ip.note.as_deref().unwrap_or("")),
                    ])
                    .ok();
                }
            }
        }
        w.into_inner().unwrap_or_default()
    }
}

/// A text cell of a CSV file as a spreadsheet must take it: as text, never
/// as a formula. Excel and WPS run a cell that starts with `=`, `+`, `-` or
/// `@` (and, after a tab or line break, one that follows it), so such a
/// cell gets a leading `'`, as OWASP's "CSV Injection" page recommends; the
/// writer quotes it as CSV needs. Characters no file should hold go too.
/// (Numbers are written as numbers, not through here.)
fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    let s = clean_text(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_never_start_a_formula() {
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://evil\",\"x\")",
                "'=HYPERLINK(\"http://evil\",\"x\")",
            ),
            ("@SUM(1)", "'@SUM(1)"),
            ("-2+3", "'-2+3"),
            ("+1", "'+1"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("已完成 = 2 项", "已完成 = 2 项"),
            ("a\u{0}b\u{1b}c", "abc"),
            ("", ""),
        ] {
            assert_eq!(super::csv_text(cell), want, "{cell:?}");
        }
    }
}
