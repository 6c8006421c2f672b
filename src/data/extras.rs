//! `data/indicators.yaml` (head counts for the table's checks) and
//! `data/honors.yaml` (the honours that earn bonus points), SPEC §5–§6.

use super::table::{locate_text, Table, TextCursor};
use crate::config::{date_error, parse_date};
use crate::diagnostic::{Diagnostics, Pos};
use crate::source::{self, amount, find_bad_amount, find_key, nearest, SourceText};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

pub type Indicators = BTreeMap<String, f64>;

pub fn parse_indicators(src: &SourceText, table: &Table, diags: &mut Diagnostics) -> Indicators {
    let mut ind: Indicators =
        source::parse_yaml::<Option<Indicators>>(&src.path, &src.text, 1, diags)
            .flatten()
            .unwrap_or_default();
    for (name, count) in ind.iter_mut() {
        *count = amount(
            diags,
            &src.path,
            || find_bad_amount(&src.text, name, 0).unwrap_or(Pos::new(1, 1)),
            &format!("数量 “{name}” "),
            *count,
            "写成实际人数，如 staff: 120",
        );
    }
    for c in table.criteria() {
        for ch in &c.checks {
            for name in [&ch.numerator, &ch.denominator] {
                if !ind.contains_key(name.as_str()) {
                    let hint = match nearest(name, ind.keys().map(String::as_str)) {
                        Some(n) => format!(
                            "是否想写 “{n}”？在 data/indicators.yaml 中已有：{}",
                            ind.keys().cloned().collect::<Vec<_>>().join("、")
                        ),
                        None => format!("请在 data/indicators.yaml 中添加一行 {name}: 数量"),
                    };
                    let pos = table
                        .check_positions
                        .get(&(c.id, name.clone()))
                        .copied()
                        .unwrap_or_default();
                    diags.error_hint(
                        "data/criteria.yaml",
                        pos,
                        format!(
                            "第 {} 条的指标 “{}” 用到了未填写的数量 “{name}”",
                            c.id, ch.name
                        ),
                        hint,
                    );
                }
            }
            if ind.get(&ch.denominator) == Some(&0.0) {
                diags.error_hint(
                    &src.path,
                    find_key(&src.text, &ch.denominator).unwrap_or_default(),
                    format!(
                        "“{}” 为 0，无法计算第 {} 条的比例 “{}”",
                        ch.denominator, c.id, ch.name
                    ),
                    "请填写实际人数",
                );
            }
        }
    }
    ind
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHonor {
    name: String,
    level: String,
    date: String,
    #[serde(default)]
    issuer: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Honor {
    pub name: String,
    pub level: String,
    pub date: NaiveDate,
    pub issuer: Option<String>,
}

pub fn parse_honors(src: &SourceText, table: &Table, diags: &mut Diagnostics) -> Vec<Honor> {
    let path = src.path.as_str();
    let raw: Vec<RawHonor> = source::parse_yaml::<Option<Vec<RawHonor>>>(path, &src.text, 1, diags)
        .flatten()
        .unwrap_or_default();
    let levels: Vec<&str> = table
        .bonus
        .as_ref()
        .map(|b| b.levels.keys().map(String::as_str).collect())
        .unwrap_or_default();
    // Honours are found in the text in the order they are written, each
    // search going on from the last: from the start each time, 100,000
    // honours took minutes.
    let mut cursor = TextCursor::new(&src.text);
    raw.into_iter()
        .filter_map(|h| {
            let pos = cursor
                .find(&h.name)
                .or_else(|| locate_text(&src.text, &h.name))
                .unwrap_or_default();
            if !levels.contains(&h.level.as_str()) {
                diags.error_hint(
                    path,
                    pos,
                    format!("荣誉 “{}” 的级别 “{}” 无效", h.name, h.level),
                    format!("可选：{}", levels.join("、")),
                );
            }
            let Some(date) = parse_date(&h.date) else {
                date_error(
                    diags,
                    path,
                    pos,
                    &format!("荣誉 “{}” 的 date", h.name),
                    &h.date,
                );
                return None;
            };
            Some(Honor {
                name: h.name,
                level: h.level,
                date,
                issuer: h.issuer,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::{self, source};

    /// One criterion with a share check of volunteers among staff.
    fn table() -> Table {
        testing::table("name: 表\ndocument: 文\ntotal: 2\noffices: [办公室]\ncategories:\n  - id: 1\n    name: 甲类\n    points: 2\n    criteria:\n      - id: 16\n        offices: [办公室]\n        items:\n          - { points: 2, text: 志愿者占比 }\n        checks:\n          - { name: 志愿者占比, numerator: volunteers, denominator: staff, min: 0.1 }\n")
    }

    #[test]
    fn counts_are_read_and_a_missing_one_is_named_with_the_likely_one() {
        let mut diags = Diagnostics::new();
        let ind = parse_indicators(
            &source("data/indicators.yaml", "staff: 120\nvolunters: 80\n"),
            &table(),
            &mut diags,
        );
        assert_eq!(ind.get("staff"), Some(&120.0));
        let missing = diags
            .sorted()
            .into_iter()
            .find(|d| d.message.contains("未填写的数量 “volunteers”"))
            .expect("the missing count");
        assert!(
            missing
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("是否想写 “volunters”"),
            "{missing:?}"
        );
    }

    #[test]
    fn a_zero_denominator_is_an_error_at_its_line() {
        let mut diags = Diagnostics::new();
        parse_indicators(
            &source("data/indicators.yaml", "volunteers: 8\nstaff: 0\n"),
            &table(),
            &mut diags,
        );
        let zero = diags
            .sorted()
            .into_iter()
            .find(|d| d.message.contains("“staff” 为 0"))
            .expect("the zero");
        assert_eq!((zero.path.as_str(), zero.line), ("data/indicators.yaml", 2));
    }

    #[test]
    fn honours_with_a_bad_level_or_date_are_located_and_the_rest_kept() {
        let text = "- { name: 甲, level: national, date: 2021-11-20, issuer: 全国妇联 }\n- { name: 乙, level: county, date: 2022-04-28 }\n- { name: 丙, level: provincial, date: 2022-02-30 }\n";
        let mut diags = Diagnostics::new();
        let honors = parse_honors(&source("data/honors.yaml", text), &table(), &mut diags);
        let names: Vec<&str> = honors.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["甲", "乙"]);
        let sorted = diags.sorted();
        let level = sorted
            .iter()
            .find(|d| d.message.contains("级别 “county” 无效"))
            .expect("the level");
        assert_eq!(level.line, 2);
        assert!(
            sorted
                .iter()
                .any(|d| d.line == 3 && d.message.contains("2022-02-30")),
            "{sorted:?}"
        );
    }
}
