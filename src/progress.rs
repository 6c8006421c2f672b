//! Pure scoring: where the campaign stands per item, criterion, category and
//! for the whole unit, judged at `as_of`. No I/O, no rendering.

use crate::data::{Check, Criterion, Honor, Indicators, Ledger, Status, Table};
use chrono::NaiveDate;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct ItemProgress {
    pub id: String,
    pub points: f64,
    pub status: Status,
    pub deadline: Option<NaiveDate>,
    pub score: f64,
    pub note: Option<String>,
    pub files: Vec<String>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub name: String,
    pub numerator: f64,
    pub denominator: f64,
    /// `None` when the denominator is zero or an indicator is missing.
    pub ratio: Option<f64>,
    /// The threshold applied: `min`, or 100 % under `all_below`.
    pub threshold: f64,
    pub all_required: bool,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CriterionProgress {
    pub id: u32,
    pub points: f64,
    pub score: f64,
    pub items: Vec<ItemProgress>,
    pub done: usize,
    pub doing: usize,
    pub todo: usize,
    pub overdue: usize,
    pub status: Status,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryProgress {
    pub id: u32,
    pub points: f64,
    pub score: f64,
    pub items: usize,
    pub done: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnitProgress {
    pub total: f64,
    pub score: f64,
    pub bonus: f64,
    pub bonus_uncapped: f64,
    pub items: usize,
    pub done: usize,
    pub doing: usize,
    pub todo: usize,
    pub overdue: usize,
}

/// An item's state from its ledger entry. No entry means 未启动.
pub(crate) fn item_progress(
    id: &str,
    points: f64,
    ledger: &Ledger,
    as_of: NaiveDate,
) -> ItemProgress {
    let entry = ledger.get(id);
    let status = entry.and_then(|e| e.status).unwrap_or(Status::Todo);
    let deadline = entry.and_then(|e| e.deadline);
    // A score above the item's points is reported as an error elsewhere;
    // clamp so a totals page never shows more than the table allows.
    let score = entry
        .and_then(|e| e.score)
        .unwrap_or(0.0)
        // (Not `clamp`, which panics when the points are below zero or not
        // a number; the loaders refuse those, this holds even so.)
        .min(points)
        .max(0.0);
    let overdue = status != Status::Done && deadline.is_some_and(|d| d < as_of);
    ItemProgress {
        id: id.to_string(),
        points,
        status,
        deadline,
        score,
        note: entry.and_then(|e| e.note.clone()),
        files: entry.map(|e| e.files.clone()).unwrap_or_default(),
        overdue,
    }
}

pub(crate) fn check_result(check: &Check, indicators: &Indicators) -> CheckResult {
    let numerator = indicators.get(&check.numerator).copied().unwrap_or(0.0);
    let denominator = indicators.get(&check.denominator).copied().unwrap_or(0.0);
    let ratio = (denominator > 0.0).then(|| numerator / denominator);
    let all_required = check.all_below.is_some_and(|n| denominator < n);
    let threshold = if all_required { 1.0 } else { check.min };
    let passed = ratio.is_some_and(|r| r + 1e-9 >= threshold);
    CheckResult {
        name: check.name.clone(),
        numerator,
        denominator,
        ratio,
        threshold,
        all_required,
        passed,
    }
}

pub(crate) fn criterion_progress(
    c: &Criterion,
    ledger: &Ledger,
    indicators: &Indicators,
    as_of: NaiveDate,
) -> CriterionProgress {
    let items: Vec<ItemProgress> = c
        .items
        .iter()
        .map(|i| item_progress(&i.id, i.points, ledger, as_of))
        .collect();
    let count = |s: Status| items.iter().filter(|i| i.status == s).count();
    let (done, doing, todo) = (
        count(Status::Done),
        count(Status::Doing),
        count(Status::Todo),
    );
    let status = if done == items.len() && !items.is_empty() {
        Status::Done
    } else if todo == items.len() {
        Status::Todo
    } else {
        Status::Doing
    };
    CriterionProgress {
        id: c.id,
        points: c.items.iter().map(|i| i.points).sum(),
        score: items.iter().map(|i| i.score).sum(),
        overdue: items.iter().filter(|i| i.overdue).count(),
        done,
        doing,
        todo,
        status,
        checks: c
            .checks
            .iter()
            .map(|ch| check_result(ch, indicators))
            .collect(),
        items,
    }
}

/// Σ level points of honours dated inside the window, capped.
/// Returns (capped, uncapped).
pub(crate) fn bonus(table: &Table, honors: &[Honor]) -> (f64, f64) {
    let Some(b) = &table.bonus else {
        return (0.0, 0.0);
    };
    let raw: f64 = honors
        .iter()
        .filter(|h| h.date >= b.from && h.date <= b.to)
        .map(|h| b.levels.get(&h.level).copied().unwrap_or(0.0))
        .sum();
    (raw.min(b.cap), raw)
}

pub(crate) fn honor_counts(table: &Table, honor: &Honor) -> bool {
    table
        .bonus
        .as_ref()
        .is_some_and(|b| honor.date >= b.from && honor.date <= b.to)
}

pub struct Progress {
    pub criteria: BTreeMap<u32, CriterionProgress>,
    pub categories: Vec<CategoryProgress>,
    pub unit: UnitProgress,
}

pub fn progress(
    table: &Table,
    ledger: &Ledger,
    indicators: &Indicators,
    honors: &[Honor],
    as_of: NaiveDate,
) -> Progress {
    let criteria: BTreeMap<u32, CriterionProgress> = table
        .criteria()
        .map(|c| (c.id, criterion_progress(c, ledger, indicators, as_of)))
        .collect();
    let categories: Vec<CategoryProgress> = table
        .categories
        .iter()
        .map(|cat| {
            let cps: Vec<&CriterionProgress> =
                cat.criteria.iter().map(|c| &criteria[&c.id]).collect();
            CategoryProgress {
                id: cat.id,
                points: cat.points,
                score: cps.iter().map(|c| c.score).sum(),
                items: cps.iter().map(|c| c.items.len()).sum(),
                done: cps.iter().map(|c| c.done).sum(),
            }
        })
        .collect();
    let (bonus, bonus_uncapped) = bonus(table, honors);
    let sum = |f: fn(&CriterionProgress) -> usize| criteria.values().map(f).sum::<usize>();
    let unit = UnitProgress {
        total: table.total,
        score: categories.iter().map(|c| c.score).sum(),
        bonus,
        bonus_uncapped,
        items: sum(|c| c.items.len()),
        done: sum(|c| c.done),
        doing: sum(|c| c.doing),
        todo: sum(|c| c.todo),
        overdue: sum(|c| c.overdue),
    };
    Progress {
        criteria,
        categories,
        unit,
    }
}

/// Activities, participants and service hours, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub(crate) struct Tally {
    pub activities: usize,
    pub participants: u64,
    pub hours: f64,
}

impl Tally {
    pub fn add(&mut self, participants: Option<u32>, hours: Option<f64>) {
        self.activities += 1;
        self.participants += u64::from(participants.unwrap_or(0));
        self.hours += hours.unwrap_or(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Bonus, Category, Item, LedgerEntry};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn entry(status: Option<Status>, deadline: Option<&str>, score: Option<f64>) -> LedgerEntry {
        LedgerEntry {
            status,
            deadline: deadline.map(d),
            score,
            ..Default::default()
        }
    }

    #[test]
    fn overdue_cases() {
        // (status, deadline, as_of, overdue?)
        let cases = [
            (Some(Status::Doing), Some("2022-10-31"), "2022-11-30", true),
            (Some(Status::Done), Some("2022-10-31"), "2022-11-30", false),
            (None, Some("2022-10-31"), "2022-11-30", true),
            (Some(Status::Todo), Some("2022-11-30"), "2022-11-30", false), // due today is not late
            (Some(Status::Doing), None, "2022-11-30", false),
            (Some(Status::Todo), Some("2022-12-31"), "2022-11-30", false),
        ];
        for (status, deadline, as_of, want) in cases {
            let mut ledger = Ledger::new();
            ledger.insert("1.1".into(), entry(status, deadline, None));
            let p = item_progress("1.1", 2.0, &ledger, d(as_of));
            assert_eq!(p.overdue, want, "{status:?} {deadline:?} {as_of}");
        }
        let p = item_progress("9.9", 2.0, &Ledger::new(), d("2022-11-30"));
        assert_eq!((p.status, p.overdue, p.score), (Status::Todo, false, 0.0));
    }

    #[test]
    fn score_is_capped_at_points() {
        let cases = [
            (Some(3.0), 2.0),
            (Some(1.5), 1.5),
            (None, 0.0),
            (Some(-1.0), 0.0),
        ];
        for (score, want) in cases {
            let mut ledger = Ledger::new();
            ledger.insert("1.1".into(), entry(Some(Status::Done), None, score));
            assert_eq!(
                item_progress("1.1", 2.0, &ledger, d("2022-11-30")).score,
                want
            );
        }
    }

    fn check(all_below: Option<f64>) -> Check {
        Check {
            name: "党员".into(),
            numerator: "pv".into(),
            denominator: "pm".into(),
            min: 0.8,
            all_below,
        }
    }

    #[test]
    fn checks_with_all_below() {
        // (party volunteers, party members, all_below, passed, threshold)
        let cases = [
            (72.0, 85.0, Some(20.0), true, 0.8),  // 84.7 % ≥ 80 %
            (60.0, 85.0, Some(20.0), false, 0.8), // 70.6 %
            (17.0, 18.0, Some(20.0), false, 1.0), // small branch: all must register
            (18.0, 18.0, Some(20.0), true, 1.0),
            (17.0, 18.0, None, true, 0.8),
            (16.0, 20.0, Some(20.0), true, 0.8), // 20 is not "under 20"
            (5.0, 0.0, None, false, 0.8),        // no denominator: cannot pass
        ];
        for (pv, pm, all_below, passed, threshold) in cases {
            let ind: Indicators = [("pv".to_string(), pv), ("pm".to_string(), pm)].into();
            let r = check_result(&check(all_below), &ind);
            assert_eq!(
                (r.passed, r.threshold),
                (passed, threshold),
                "{pv}/{pm} {all_below:?}"
            );
        }
    }

    fn table(cap: f64) -> Table {
        let items = |c: u32, n: usize| {
            (1..=n)
                .map(|i| Item {
                    id: format!("{c}.{i}"),
                    points: 2.0,
                    text: String::new(),
                })
                .collect()
        };
        Table {
            name: String::new(),
            document: String::new(),
            total: 8.0,
            offices: vec![],
            categories: vec![
                Category {
                    id: 1,
                    name: "甲".into(),
                    points: 4.0,
                    criteria: vec![Criterion {
                        id: 1,
                        category: 1,
                        offices: vec![],
                        text: None,
                        items: items(1, 2),
                        checks: vec![],
                    }],
                },
                Category {
                    id: 2,
                    name: "乙".into(),
                    points: 4.0,
                    criteria: vec![Criterion {
                        id: 2,
                        category: 2,
                        offices: vec![],
                        text: None,
                        items: items(2, 2),
                        checks: vec![],
                    }],
                },
            ],
            bonus: Some(Bonus {
                name: "特色加分".into(),
                cap,
                from: d("2021-01-01"),
                to: d("2022-12-31"),
                levels: [
                    ("national".to_string(), 2.0),
                    ("provincial".to_string(), 1.0),
                ]
                .into(),
                text: None,
            }),
            check_positions: Default::default(),
        }
    }

    fn honor(level: &str, date: &str) -> Honor {
        Honor {
            name: "荣誉".into(),
            level: level.into(),
            date: d(date),
            issuer: None,
        }
    }

    #[test]
    fn bonus_window_and_cap() {
        let honors = vec![
            honor("national", "2021-01-01"),   // first day counts
            honor("provincial", "2022-12-31"), // last day counts
            honor("national", "2020-12-31"),   // before the window
            honor("provincial", "2023-01-01"), // after it
        ];
        assert_eq!(bonus(&table(10.0), &honors), (3.0, 3.0));
        let many: Vec<Honor> = (0..7).map(|_| honor("national", "2022-06-01")).collect();
        assert_eq!(bonus(&table(10.0), &many), (10.0, 14.0));
    }

    #[test]
    fn unit_and_category_totals() {
        let t = table(10.0);
        let mut ledger = Ledger::new();
        ledger.insert(
            "1.1".into(),
            entry(Some(Status::Done), Some("2022-10-01"), Some(2.0)),
        );
        ledger.insert(
            "1.2".into(),
            entry(Some(Status::Doing), Some("2022-10-01"), Some(1.0)),
        );
        ledger.insert("2.1".into(), entry(Some(Status::Done), None, Some(1.5)));
        let p = progress(
            &t,
            &ledger,
            &Indicators::new(),
            &[honor("provincial", "2022-01-01")],
            d("2022-11-30"),
        );
        assert_eq!(p.unit.score, 4.5);
        assert_eq!(
            (p.unit.done, p.unit.doing, p.unit.todo, p.unit.overdue),
            (2, 1, 1, 1)
        );
        assert_eq!(p.unit.bonus, 1.0);
        assert_eq!(p.categories[0].score, 3.0);
        assert_eq!(p.categories[1].done, 1);
        assert_eq!(p.criteria[&1].status, Status::Doing);
        assert_eq!(p.criteria[&2].status, Status::Doing);
    }
}
