//! `data/ledger.yaml`: the 工作台账 (SPEC §4), one entry per item or
//! criterion with its deadline, status, self-score and note.

use super::table::{fmt_points, parse_citation, Table};
use crate::config::{date_error, parse_date};
use crate::diagnostic::{Diagnostics, Pos};
use crate::source::{self, amount, find_key, SourceText};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Todo,
    Doing,
    Done,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        match s.trim() {
            "todo" | "未启动" => Some(Status::Todo),
            "doing" | "推进中" => Some(Status::Doing),
            "done" | "已完成" => Some(Status::Done),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Todo => "未启动",
            Status::Doing => "推进中",
            Status::Done => "已完成",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(default)]
    deadline: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    score: Option<f64>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    files: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LedgerEntry {
    pub deadline: Option<NaiveDate>,
    pub status: Option<Status>,
    pub score: Option<f64>,
    pub note: Option<String>,
    /// Site-relative paths (under `static/` or `content/`).
    pub files: Vec<String>,
    /// Where the entry is written, for later diagnostics.
    pub pos: Pos,
}

/// Entries keyed by item id; a criterion-wide entry is already spread over
/// its items, an item's own entry winning field by field.
pub type Ledger = BTreeMap<String, LedgerEntry>;

fn yaml_key_string(k: &serde_yaml::Value) -> Option<String> {
    match k {
        serde_yaml::Value::String(s) => Some(s.trim().to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn parse_ledger(src: &SourceText, table: &Table, diags: &mut Diagnostics) -> Ledger {
    let path = src.path.as_str();
    let Some(map) = source::parse_yaml::<Option<serde_yaml::Mapping>>(path, &src.text, 1, diags)
    else {
        return Ledger::new();
    };
    let mut by_criterion: Vec<(u32, LedgerEntry)> = Vec::new();
    let mut by_item: Vec<(String, LedgerEntry)> = Vec::new();
    for (k, v) in map.unwrap_or_default() {
        let Some(key) = yaml_key_string(&k) else {
            diags.error(
                path,
                Pos::new(1, 1),
                "台账的键必须是条目编号，如 \"16.1\" 或 16",
            );
            continue;
        };
        let pos = find_key(&src.text, &key).unwrap_or(Pos::new(1, 1));
        // Re-parse the entry through serde so unknown fields are caught.
        let raw: RawEntry = match serde_yaml::from_value(v) {
            Ok(r) => r,
            Err(e) => {
                let (msg, hint) = source::translate_yaml_error(&e.to_string());
                diags.push(
                    crate::diagnostic::Severity::Error,
                    path,
                    pos,
                    format!("台账 “{key}”：{msg}"),
                    hint,
                );
                continue;
            }
        };
        let entry_line = pos.line.saturating_sub(1);
        let at = |field: &str| {
            source::find_key_from(&src.text, field, entry_line)
                .filter(|p| p.line <= pos.line + 6)
                .unwrap_or(pos)
        };
        let status = raw.status.as_deref().and_then(|s| {
            let st = Status::parse(s);
            if st.is_none() {
                diags.error_hint(
                    path,
                    at("status"),
                    format!("台账 “{key}” 的状态 “{s}” 无效"),
                    "可选：todo（未启动）、doing（推进中）、done（已完成），也可直接写中文",
                );
            }
            st
        });
        let deadline = raw.deadline.as_deref().and_then(|d| {
            let parsed = parse_date(d);
            if parsed.is_none() {
                date_error(
                    diags,
                    path,
                    at("deadline"),
                    &format!("台账 “{key}” 的 deadline"),
                    d,
                );
            }
            parsed
        });
        let score = raw.score.map(|score| {
            amount(
                diags,
                path,
                || {
                    source::find_bad_amount(&src.text, "score", entry_line)
                        .filter(|p| p.line <= pos.line + 6)
                        .unwrap_or_else(|| at("score"))
                },
                &format!("台账 “{key}” 的自评分 score "),
                score,
                "score 写成不小于 0、不超过该项分值的数字，如 score: 2",
            )
        });
        let entry = LedgerEntry {
            deadline,
            status,
            score,
            note: raw.note,
            files: raw.files,
            pos,
        };
        match resolve_ledger_key(&key, table) {
            Ok(LedgerKey::Criterion(c)) => by_criterion.push((c, entry)),
            Ok(LedgerKey::Item(id)) => by_item.push((id, entry)),
            Err((msg, hint)) => diags.error_hint(path, pos, msg, hint),
        }
    }
    let mut ledger = Ledger::new();
    for (cid, entry) in by_criterion {
        for item in &table.criterion(cid).expect("resolved").items {
            ledger.insert(item.id.clone(), entry.clone());
        }
    }
    for (id, entry) in by_item {
        let merged = match ledger.remove(&id) {
            Some(base) => LedgerEntry {
                deadline: entry.deadline.or(base.deadline),
                status: entry.status.or(base.status),
                score: entry.score.or(base.score),
                note: entry.note.or(base.note),
                files: if entry.files.is_empty() {
                    base.files
                } else {
                    entry.files
                },
                pos: entry.pos,
            },
            None => entry,
        };
        ledger.insert(id, merged);
    }
    for item in table.items() {
        if let Some(e) = ledger.get(&item.id) {
            if let Some(score) = e.score {
                if score > item.points + 1e-9 {
                    diags.error_hint(
                        path,
                        e.pos,
                        format!(
                            "条目 {} 的自评分 {} 超出该项分值 {} 分",
                            item.id,
                            fmt_points(score),
                            fmt_points(item.points)
                        ),
                        format!("score 应在 0 到 {} 之间", fmt_points(item.points)),
                    );
                }
            }
        }
    }
    ledger
}

enum LedgerKey {
    Criterion(u32),
    Item(String),
}

fn resolve_ledger_key(key: &str, table: &Table) -> Result<LedgerKey, (String, String)> {
    match parse_citation(key) {
        Some((cid, None)) if table.criterion(cid).is_some() => Ok(LedgerKey::Criterion(cid)),
        Some((cid, Some(n))) => match table.criterion(cid) {
            Some(c) if n >= 1 && n <= c.items.len() => Ok(LedgerKey::Item(key.to_string())),
            Some(c) => Err((
                format!(
                    "台账中的条目 “{key}” 不存在：第 {cid} 条只有 {} 项",
                    c.items.len()
                ),
                format!(
                    "可用：{}",
                    c.items
                        .iter()
                        .map(|i| i.id.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )),
            None => Err(unknown_criterion(cid, table)),
        },
        Some((cid, None)) => Err(unknown_criterion(cid, table)),
        None => Err((
            format!("台账的键 “{key}” 不是条目编号"),
            "写成 \"16.1\"（第 16 条第 1 项）或 16（第 16 条全部条目）".into(),
        )),
    }
}

pub(crate) fn unknown_criterion(cid: u32, table: &Table) -> (String, String) {
    let max = table.criteria().map(|c| c.id).max().unwrap_or(0);
    (
        format!("考评标准第 {cid} 条不存在"),
        format!("考评标准序号为 1–{max}，见 data/criteria.yaml"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::{self, source};

    fn table() -> Table {
        testing::table("name: 表\ndocument: 文\ntotal: 4\noffices: [办公室]\ncategories:\n  - id: 1\n    name: 甲类\n    points: 4\n    criteria:\n      - id: 1\n        offices: [办公室]\n        items:\n          - { points: 2, text: 甲 }\n          - { points: 2, text: 乙 }\n")
    }

    #[test]
    fn entries_by_item_and_by_criterion_with_chinese_statuses() {
        let mut diags = Diagnostics::new();
        let text = "1: { status: 推进中 }\n\"1.1\": { status: 已完成, score: 2, note: 完成 }\n";
        let ledger = parse_ledger(&source("data/ledger.yaml", text), &table(), &mut diags);
        assert!(!diags.has_errors(), "{:?}", diags.sorted());
        let entry = &ledger["1.1"];
        assert_eq!(entry.status, Some(Status::Done));
        assert_eq!(entry.score, Some(2.0));
        assert_eq!(entry.note.as_deref(), Some("完成"));
        // The criterion-wide entry reaches the item without one of its own.
        assert_eq!(ledger["1.2"].status, Some(Status::Doing));
    }

    #[test]
    fn every_mistake_of_a_ledger_is_located() {
        let mut diags = Diagnostics::new();
        let text = "\"1.3\": { status: done }\n\"1.1\": { status: done, score: 3 }\n\"9\": { status: done }\n";
        parse_ledger(&source("data/ledger.yaml", text), &table(), &mut diags);
        let found: Vec<String> = diags.sorted().iter().map(|d| d.to_string()).collect();
        assert_eq!(diags.error_count(), 3, "{found:#?}");
        assert!(
            found.iter().any(|d| d.starts_with("data/ledger.yaml:1:")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|d| d.starts_with("data/ledger.yaml:2:") && d.contains("score")),
            "{found:#?}"
        );
        assert!(
            found.iter().any(|d| d.starts_with("data/ledger.yaml:3:")),
            "{found:#?}"
        );
    }
}
