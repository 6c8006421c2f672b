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
