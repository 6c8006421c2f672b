//! `data/criteria.yaml`: the assessment table (SPEC §3), its categories,
//! criteria, 2-point items, offices and bonus rules, checked as it is read.

use super::ALL_OFFICES;
use crate::config::{date_error, parse_date};
use crate::diagnostic::{Diagnostics, Pos};
use crate::source::{self, amount, find_bad_amount, find_key, find_value, nearest, SourceText};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    name: String,
    #[serde(default)]
    document: Option<String>,
    total: f64,
    offices: Vec<String>,
    categories: Vec<RawCategory>,
    #[serde(default)]
    bonus: Option<RawBonus>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: u32,
    name: String,
    points: f64,
    criteria: Vec<RawCriterion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: u32,
    offices: Vec<String>,
    #[serde(default)]
    text: Option<String>,
    items: Vec<RawItem>,
    #[serde(default)]
    checks: Vec<Check>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    points: f64,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBonus {
    name: String,
    cap: f64,
    window: RawWindow,
    levels: BTreeMap<String, f64>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    from: String,
    to: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub name: String,
    pub numerator: String,
    pub denominator: String,
    pub min: f64,
    /// Below this many in the denominator, everyone must count (min = 100 %).
    #[serde(default)]
    pub all_below: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub document: String,
    pub total: f64,
    pub offices: Vec<String>,
    pub categories: Vec<Category>,
    pub bonus: Option<Bonus>,
    /// Where each check's indicator names are written: (criterion, name) → position.
    pub check_positions: BTreeMap<(u32, String), Pos>,
}

#[derive(Debug, Clone)]
pub struct Category {
    pub id: u32,
    pub name: String,
    pub points: f64,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone)]
pub struct Criterion {
    pub id: u32,
    pub category: u32,
    /// As written; may contain [`ALL_OFFICES`].
    pub offices: Vec<String>,
    pub text: Option<String>,
    pub items: Vec<Item>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone)]
pub struct Item {
    /// `"16.1"`
    pub id: String,
    pub points: f64,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Bonus {
    pub name: String,
    pub cap: f64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub levels: BTreeMap<String, f64>,
    pub text: Option<String>,
}

impl Table {
    pub fn criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.categories.iter().flat_map(|c| c.criteria.iter())
    }

    pub fn criterion(&self, id: u32) -> Option<&Criterion> {
        self.criteria().find(|c| c.id == id)
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.criteria().flat_map(|c| c.items.iter())
    }

    /// Offices a criterion answers to, with 各处室 expanded.
    pub(crate) fn offices_of<'a>(&'a self, c: &'a Criterion) -> Vec<&'a str> {
        if c.offices.iter().any(|o| o == ALL_OFFICES) {
            self.offices.iter().map(String::as_str).collect()
        } else {
            c.offices.iter().map(String::as_str).collect()
        }
    }
}

/// A report or item a report is evidence for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Citation {
    pub criterion: u32,
    /// 1-based item number within the criterion.
    pub item: Option<usize>,
}

impl Citation {
    pub fn label(&self) -> String {
        match self.item {
            Some(i) => format!("{}.{}", self.criterion, i),
            None => self.criterion.to_string(),
        }
    }
}

/// `16` → (16, None); `"23.2"` → (23, Some(2)).
pub(crate) fn parse_citation(s: &str) -> Option<(u32, Option<usize>)> {
    let s = s.trim();
    match s.split_once('.') {
        Some((c, i)) => Some((c.parse().ok()?, Some(i.parse().ok()?))),
        None => Some((s.parse().ok()?, None)),
    }
}

pub(crate) fn fmt_points(p: f64) -> String {
    if (p - p.round()).abs() < 1e-9 {
        format!("{}", p.round() as i64)
    } else {
        let s = format!("{p:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

pub fn parse_table(src: &SourceText, diags: &mut Diagnostics) -> Option<Table> {
    let raw: RawTable = source::parse_yaml(&src.path, &src.text, 1, diags)?;
    let path = src.path.as_str();
    let text = src.text.as_str();
    let line_of_id = |id: u32, nth_key: &str| -> Pos {
        // Criteria and categories are both `- id: N`; the search is good
        // enough to point at the right block in practice.
        find_value(text, "id", &id.to_string())
            .or_else(|| find_key(text, nth_key))
            .unwrap_or(Pos::new(1, 1))
    };

    const POINTS_HINT: &str = "分值写成不小于 0 的数字，如 points: 2";
    // Where a bad number is written: the first refused value of its key
    // from the line of the block it belongs to.
    let bad_at = |key: &str, from: Option<Pos>| {
        find_bad_amount(text, key, from.map_or(0, |p| p.line.saturating_sub(1)))
            .or_else(|| find_bad_amount(text, key, 0))
            .unwrap_or(Pos::new(1, 1))
    };
    let total = amount(
        diags,
        path,
        || bad_at("total", None),
        "总分 total ",
        raw.total,
        "total 写成表的总分，如 total: 100",
    );
    let mut seen_criteria = BTreeMap::new();
    let mut check_positions = BTreeMap::new();
    let mut categories = Vec::new();
    let mut table_sum = 0.0;
    for mut rc in raw.categories {
        rc.points = amount(
            diags,
            path,
            || bad_at("points", locate_text(text, &rc.name)),
            &format!("第 {} 类 “{}” 的分值 points ", rc.id, rc.name),
            rc.points,
            POINTS_HINT,
        );
        let mut criteria = Vec::new();
        let mut cat_sum = 0.0;
        for mut rcr in rc.criteria {
            if let Some(&first) = seen_criteria.get(&rcr.id) {
                // At the repeat, not at the first criterion with this number.
                let repeats = criterion_lines(text, rcr.id);
                let pos = repeats
                    .get(1)
                    .map(|&(line, column)| Pos::new(line + 1, column))
                    .unwrap_or_else(|| line_of_id(rcr.id, "criteria"));
                diags.error_hint(
                    path,
                    pos,
                    format!(
                        "考评标准序号 {} 重复（第 {first} 类中已有第 {} 条）",
                        rcr.id, rcr.id
                    ),
                    "序号在整张表中必须唯一：改成还没用过的序号",
                );
            }
            seen_criteria.insert(rcr.id, rc.id);
            for office in &rcr.offices {
                if office != ALL_OFFICES && !raw.offices.contains(office) {
                    let pos = criterion_line(text, rcr.id)
                        .and_then(|from| locate_text_from(text, office, from))
                        .or_else(|| locate_text(text, office))
                        .unwrap_or(Pos::new(1, 1));
                    unknown_office(diags, path, pos, office, &raw.offices);
                }
            }
            for ch in &mut rcr.checks {
                if let Some(all_below) = ch.all_below {
                    ch.all_below = Some(amount(
                        diags,
                        path,
                        || bad_at("all_below", locate_text(text, &ch.name)),
                        &format!("指标 “{}” 的 all_below ", ch.name),
                        all_below,
                        "all_below 写成人数，如 all_below: 20",
                    ));
                }
                if let Some(line) = locate_text(text, &ch.name) {
                    for name in [&ch.numerator, &ch.denominator] {
                        let pos = text
                            .lines()
                            .enumerate()
                            .skip(line.line - 1)
                            .take(3)
                            .find_map(|(i, l)| {
                                l.find(&format!(": {name}"))
                                    .map(|c| Pos::new(i + 1, l[..c + 2].chars().count() + 1))
                            });
                        check_positions.insert((rcr.id, name.clone()), pos.unwrap_or(line));
                    }
                }
                if !(0.0..=1.0).contains(&ch.min) {
                    diags.error_hint(
                        path,
                        locate_text(text, &ch.name).unwrap_or(Pos::new(1, 1)),
                        format!("指标 “{}” 的 min 应在 0 到 1 之间", ch.name),
                        "比例写成小数，如 50% 写 0.5",
                    );
                }
            }
            let criterion_at = criterion_line(text, rcr.id).map(|l| Pos::new(l + 1, 1));
            let items: Vec<Item> = rcr
                .items
                .into_iter()
                .enumerate()
                .map(|(i, it)| Item {
                    id: format!("{}.{}", rcr.id, i + 1),
                    points: amount(
                        diags,
                        path,
                        || bad_at("points", criterion_at),
                        &format!("第 {} 条第 {} 项的分值 points ", rcr.id, i + 1),
                        it.points,
                        POINTS_HINT,
                    ),
                    text: it.text,
                })
                .collect();
            cat_sum += items.iter().map(|i| i.points).sum::<f64>();
            criteria.push(Criterion {
                id: rcr.id,
                category: rc.id,
                offices: rcr.offices,
                text: rcr.text,
                items,
                checks: rcr.checks,
            });
        }
        if !near(cat_sum, rc.points) {
            diags.error_hint(
                path,
                find_value(text, "points", &fmt_points(rc.points))
                    .and(locate_text(text, &rc.name))
                    .unwrap_or(Pos::new(1, 1)),
                format!(
                    "第 {} 类 “{}” 标为 {} 分，但其各项分值合计 {} 分",
                    rc.id,
                    rc.name,
                    fmt_points(rc.points),
                    fmt_points(cat_sum)
                ),
                "核对该类下各条目的 points，或修改该类的 points",
            );
        }
        table_sum += rc.points;
        categories.push(Category {
            id: rc.id,
            name: rc.name,
            points: rc.points,
            criteria,
        });
    }
    // (A total refused above is not compared: that error says it all.)
    if source::bad_amount(raw.total).is_none() && !near(table_sum, total) {
        diags.error_hint(
            path,
            find_key(text, "total").unwrap_or(Pos::new(1, 1)),
            format!(
                "各类分值合计 {} 分，与 total: {} 不符",
                fmt_points(table_sum),
                fmt_points(total)
            ),
            "核对各类的 points 或 total",
        );
    }
    let bonus = raw.bonus.and_then(|b| {
        let from = parse_date(&b.window.from);
        let to = parse_date(&b.window.to);
        if from.is_none() {
            date_error(
                diags,
                path,
                find_key(text, "from").unwrap_or_default(),
                "window.from",
                &b.window.from,
            );
        }
        if to.is_none() {
            date_error(
                diags,
                path,
                find_key(text, "to").unwrap_or_default(),
                "window.to",
                &b.window.to,
            );
        }
        let bonus_at = find_key(text, "bonus");
        let cap = amount(
            diags,
            path,
            || bad_at("cap", bonus_at),
            "特色加分上限 cap ",
            b.cap,
            "cap 写成加分上限，如 cap: 10",
        );
        let levels = b
            .levels
            .into_iter()
            .map(|(level, points)| {
                let points = amount(
                    diags,
                    path,
                    || bad_at(&level, bonus_at),
                    &format!("荣誉级别 {level} 的加分"),
                    points,
                    "写成每项荣誉加的分数，如 national: 2",
                );
                (level, points)
            })
            .collect();
        Some(Bonus {
            name: b.name,
            cap,
            from: from?,
            to: to?,
            levels,
            text: b.text,
        })
    });
    Some(Table {
        name: raw.name,
        document: raw.document.unwrap_or_default(),
        total,
        offices: raw.offices,
        categories,
        bonus,
        check_positions,
    })
}

/// The lines (0-based) and columns (1-based, of `id`) of `- id: N` for
/// criterion N, in order: the most indented of the `id: N` lines, since
/// categories use ids too.
fn criterion_lines(text: &str, id: u32) -> Vec<(usize, usize)> {
    let wanted = format!("id: {id}");
    let found: Vec<(usize, usize, usize)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let at = l.find(&wanted)?;
            let before = l[..at]
                .trim_start()
                .trim_start_matches("- ")
                .trim_start_matches("{ ")
                .trim();
            let after = &l[at + wanted.len()..];
            (before.is_empty() && !after.starts_with(|c: char| c.is_ascii_digit())).then(|| {
                (
                    i,
                    l.len() - l.trim_start().len(),
                    l[..at].chars().count() + 1,
                )
            })
        })
        .collect();
    let deepest = found.iter().map(|f| f.1).max().unwrap_or(0);
    found
        .into_iter()
        .filter(|f| f.1 == deepest)
        .map(|(line, _, column)| (line, column))
        .collect()
}

/// The line (0-based) of `- id: N` for criterion N: the most indented of the
/// `id: N` lines, since categories use ids too.
fn criterion_line(text: &str, id: u32) -> Option<usize> {
    let wanted = format!("id: {id}");
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l
                .trim_start()
                .trim_start_matches("- ")
                .trim_start_matches("{ ")
                .trim_start();
            t.strip_prefix(&wanted)
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .max_by_key(|(_, l)| l.len() - l.trim_start().len())
        .map(|(i, _)| i)
}

fn locate_text_from(text: &str, needle: &str, from: usize) -> Option<Pos> {
    text.lines()
        .enumerate()
        .skip(from)
        .take(12)
        .find_map(|(i, l)| {
            l.find(needle)
                .map(|c| Pos::new(i + 1, l[..c].chars().count() + 1))
        })
}

pub(super) fn locate_text(text: &str, needle: &str) -> Option<Pos> {
    text.lines().enumerate().find_map(|(i, l)| {
        l.find(needle)
            .map(|c| Pos::new(i + 1, l[..c].chars().count() + 1))
    })
}

/// Finds one needle after another in a text, each from where the last
/// was found, counting lines as it goes.
pub(super) struct TextCursor<'a> {
    text: &'a str,
    offset: usize,
    /// 1-based line of `offset`.
    line: usize,
}

impl<'a> TextCursor<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        TextCursor {
            text,
            offset: 0,
            line: 1,
        }
    }

    pub(super) fn find(&mut self, needle: &str) -> Option<Pos> {
        if needle.is_empty() {
            return None;
        }
        let at = self.offset + self.text[self.offset..].find(needle)?;
        self.line += self.text[self.offset..at].matches('\n').count();
        let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..at].chars().count() + 1;
        self.offset = at + needle.len();
        Some(Pos::new(self.line, column))
    }
}

pub(crate) fn unknown_office(
    diags: &mut Diagnostics,
    path: &str,
    pos: Pos,
    office: &str,
    known: &[String],
) {
    let hint = match nearest(office, known.iter().map(String::as_str)) {
        Some(n) => format!(
            "是否想写 “{n}”？已登记的处室：{}（在 data/criteria.yaml 的 offices 中登记）",
            known.join("、")
        ),
        None => format!(
            "已登记的处室：{}（新处室请先加到 data/criteria.yaml 的 offices 中）",
            known.join("、")
        ),
    };
    diags.error_hint(path, pos, format!("未登记的处室 “{office}”"), hint);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<Table>, Vec<crate::diagnostic::Diagnostic>) {
        let mut diags = Diagnostics::new();
        let src = crate::data::testing::source("data/criteria.yaml", text);
        let table = parse_table(&src, &mut diags);
        (table, diags.sorted())
    }

    const TWO_CRITERIA: &str = "name: 表\ndocument: 文\ntotal: 6\noffices: [办公室, 宣传处]\ncategories:\n  - id: 1\n    name: 甲类\n    points: 6\n    criteria:\n      - id: 1\n        offices: [办公室]\n        items:\n          - { points: 2, text: 甲 }\n          - { points: 2, text: 乙 }\n      - id: 2\n        offices: [各处室]\n        items:\n          - { points: 2, text: 丙 }\n";

    #[test]
    fn items_are_numbered_by_place_and_offices_resolved() {
        let (table, diags) = parse(TWO_CRITERIA);
        assert!(diags.is_empty(), "{diags:?}");
        let table = table.unwrap();
        let ids: Vec<&str> = table.items().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["1.1", "1.2", "2.1"]);
        assert_eq!(table.criterion(2).unwrap().category, 1);
        // 各处室 means every office of the table.
        assert_eq!(
            table.offices_of(table.criterion(2).unwrap()),
            ["办公室", "宣传处"]
        );
        assert_eq!(table.offices_of(table.criterion(1).unwrap()), ["办公室"]);
    }

    #[test]
    fn sums_that_do_not_add_up_are_located() {
        let (_, diags) = parse(&TWO_CRITERIA.replace("    points: 6\n", "    points: 8\n"));
        let sum = diags
            .iter()
            .find(|d| d.message.contains("标为 8 分，但其各项分值合计 6 分"))
            .expect("the category's sum");
        // At the category's name, which says which one it is.
        assert_eq!(sum.line, 7, "{sum:?}");
        assert!(diags
            .iter()
            .any(|d| d.message.contains("各类分值合计 8 分，与 total: 6 不符")));
    }

    #[test]
    fn a_repeated_criterion_is_an_error_at_its_line() {
        let (_, diags) = parse(&TWO_CRITERIA.replace("      - id: 2\n", "      - id: 1\n"));
        let repeated = diags
            .iter()
            .find(|d| {
                d.message
                    .contains("考评标准序号 1 重复（第 1 类中已有第 1 条）")
            })
            .expect("the repeat");
        assert_eq!((repeated.line, repeated.column), (15, 9), "{repeated:?}");
    }

    #[test]
    fn citations_and_points_as_people_write_them() {
        assert_eq!(parse_citation("16"), Some((16, None)));
        assert_eq!(parse_citation("23.2"), Some((23, Some(2))));
        assert_eq!(parse_citation("第16条"), None);
        assert_eq!(fmt_points(2.0), "2");
        assert_eq!(fmt_points(0.5), "0.5");
    }
}
