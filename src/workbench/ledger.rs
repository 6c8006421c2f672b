//! The 台账, 量化指标 and 荣誉 forms ⇄ `data/ledger.yaml`,
//! `data/indicators.yaml`, `data/honors.yaml`. Each save changes only the
//! edited values (`yaml_edit`), and is refused when the file would get an
//! error it did not have, with the parsers' own messages.

use crate::data::Table;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::SourceText;
use crate::yaml_edit::{self, Key, NewValue};
use anyhow::{anyhow, Result};
use serde::Deserialize;
use std::collections::BTreeSet;

pub(crate) const LEDGER: &str = "data/ledger.yaml";
pub(crate) const INDICATORS: &str = "data/indicators.yaml";
pub(crate) const HONORS: &str = "data/honors.yaml";

/// One ledger row as the form sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LedgerForm {
    pub(crate) version: String,
    /// The key written in the file (`"4.3"`, or `"16"` for a whole
    /// criterion); a key not there yet is added.
    pub(crate) key: String,
    pub(crate) status: String,
    pub(crate) deadline: String,
    pub(crate) score: String,
    pub(crate) note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct HonorForm {
    pub(crate) version: String,
    pub(crate) name: String,
    pub(crate) level: String,
    pub(crate) date: String,
    pub(crate) issuer: String,
}

fn text_value(s: &str) -> Option<NewValue> {
    let s = s.trim();
    (!s.is_empty()).then(|| NewValue::Str(s.to_string()))
}

fn number_value(s: &str) -> Option<NewValue> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    Some(match s.parse::<i64>() {
        Ok(n) => NewValue::Int(n),
        Err(_) => match s.parse::<f64>() {
            Ok(f) if f.is_finite() => NewValue::Float(f),
            _ => NewValue::Str(s.to_string()),
        },
    })
}

fn date_value(s: &str) -> Option<NewValue> {
    let s = s.trim();
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(NewValue::Date(d)),
        Err(_) => text_value(s),
    }
}

/// The keys written in a ledger file, as strings (`16` and `"16"` alike).
pub(crate) fn written_keys(text: &str) -> BTreeSet<String> {
    rows(text).into_iter().map(|(k, _)| k).collect()
}

/// The ledger's rows by key as written: `16` and `"16"` alike, trimmed.
fn rows(text: &str) -> Vec<(String, serde_yaml::Value)> {
    let Ok(serde_yaml::Value::Mapping(map)) = serde_yaml::from_str(text) else {
        return Vec::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| match k {
            serde_yaml::Value::String(s) => Some((s.trim().to_string(), v)),
            serde_yaml::Value::Number(n) => Some((n.to_string(), v)),
            _ => None,
        })
        .collect()
}

/// Row `key` as written, if it is.
fn row(text: &str, key: &str) -> Option<serde_yaml::Value> {
    rows(text)
        .into_iter()
        .find_map(|(k, v)| (k == key).then_some(v))
}

/// The ledger file with `form`'s row changed (or added).
pub(crate) fn edit_ledger(text: &str, form: &LedgerForm) -> Result<String> {
    let key = form.key.trim();
    if key.is_empty() {
        return Err(anyhow!("没有指明要修改哪一个计分项"));
    }
    let exists = written_keys(text).contains(key);
    let mut out = text.to_string();
    let fields: [(&str, Option<NewValue>); 4] = [
        ("deadline", date_value(&form.deadline)),
        ("status", text_value(&form.status)),
        ("score", number_value(&form.score)),
        ("note", text_value(&form.note)),
    ];
    let current = current_row(text, key);
    for (field, value) in fields {
        if exists && current.get(field).cloned() == value.as_ref().map(plain) {
            continue;
        }
        let path = [Key::Map(key), Key::Map(field)];
        out = match value {
            Some(v) => yaml_edit::set(&out, &path, &v),
            None if exists && current.contains_key(field) => yaml_edit::remove(&out, &path),
            None => continue,
        }
        .map_err(|e| anyhow!("{LEDGER}：{e}"))?;
    }
    Ok(out)
}

/// The ledger file with `file` (a path from the site folder) added to the
/// `files` of row `key`; a row not written yet is added with it.
pub(crate) fn add_ledger_file(text: &str, key: &str, file: &str) -> Result<String> {
    let listed = current_files(text, key);
    if listed
        .iter()
        .any(|f| f == file || format!("static/{f}") == file)
    {
        return Ok(text.to_string());
    }
    let path = [Key::Map(key), Key::Map("files")];
    let edited = if listed.is_empty() {
        yaml_edit::set(text, &path, &NewValue::str_list([file]))
    } else {
        yaml_edit::append(text, &path, &NewValue::str(file))
    };
    edited.map_err(|e| anyhow!("{LEDGER}：{e}"))
}

/// The `files` row `key` lists, as written.
fn current_files(text: &str, key: &str) -> Vec<String> {
    row(text, key)
        .and_then(|row| row.get("files")?.as_sequence().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect()
}

/// The row `key` as written, each value as the text it stands for.
fn current_row(text: &str, key: &str) -> std::collections::BTreeMap<String, String> {
    let Some(serde_yaml::Value::Mapping(fields)) = row(text, key) else {
        return Default::default();
    };
    fields
        .iter()
        .filter_map(|(f, v)| Some((f.as_str()?.to_string(), value_text(v)?)))
        .collect()
}

fn value_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A new value as the text it reads back as (to tell a change).
fn plain(v: &NewValue) -> String {
    match v {
        NewValue::Str(s) => s.clone(),
        NewValue::Int(n) => n.to_string(),
        NewValue::Float(f) => f.to_string(),
        NewValue::Date(d) => d.to_string(),
        NewValue::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Set indicator `name` to `value` (the counts of §5).
pub(crate) fn edit_indicators(text: &str, values: &[(String, String)]) -> Result<String> {
    let mut out = text.to_string();
    for (name, value) in values {
        let path = [Key::Map(name.as_str())];
        out = match number_value(value) {
            Some(v) => yaml_edit::set(&out, &path, &v),
            None => continue,
        }
        .map_err(|e| anyhow!("{INDICATORS}：{e}"))?;
    }
    Ok(out)
}

/// The honours file with one more entry at its end.
pub(crate) fn add_honor(text: &str, form: &HonorForm) -> Result<String> {
    let mut entry = Vec::new();
    for (k, v) in [
        ("name", text_value(&form.name)),
        ("level", text_value(&form.level)),
        ("date", date_value(&form.date)),
        ("issuer", text_value(&form.issuer)),
    ] {
        if let Some(v) = v {
            entry.push((k.to_string(), v));
        }
    }
    yaml_edit::append(text, &[], &NewValue::Map(entry)).map_err(|e| anyhow!("{HONORS}：{e}"))
}

/// The errors `candidate` has that `original` did not (compared by what
/// they say, since lines move), by the parser `wenming check` uses.
pub(crate) fn new_errors(
    rel: &str,
    table: &Table,
    original: &str,
    candidate: &str,
) -> Vec<Diagnostic> {
    let errors = |text: &str| -> Vec<Diagnostic> {
        let mut diags = Diagnostics::new();
        let src = SourceText {
            path: rel.to_string(),
            text: text.to_string(),
        };
        match rel {
            LEDGER => {
                crate::data::parse_ledger(&src, table, &mut diags);
            }
            INDICATORS => {
                crate::data::parse_indicators(&src, table, &mut diags);
            }
            _ => {
                crate::data::parse_honors(&src, table, &mut diags);
            }
        }
        diags
            .sorted()
            .into_iter()
            .filter(|d| d.severity == crate::diagnostic::Severity::Error)
            .collect()
    };
    let before: BTreeSet<(String, Option<String>)> = errors(original)
        .into_iter()
        .map(|d| (d.message, d.hint))
        .collect();
    errors(candidate)
        .into_iter()
        .filter(|d| !before.contains(&(d.message.clone(), d.hint.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEDGER_TEXT: &str = "# 台账（示例）\n# status：todo / doing / done\n\"1.1\":  { deadline: 2022-10-31, status: done,  score: 2,   note: 中心组学习12次 }\n\"4.3\":  { deadline: 2022-11-20, status: todo,              note: 初稿待审定 }\n\"6\":    { deadline: 2022-09-30, status: done,  score: 2,   note: 印发工作机制 }   # 全项\n";

    #[test]
    fn a_score_edit_changes_that_value_only() {
        let form = LedgerForm {
            key: "1.1".into(),
            status: "done".into(),
            deadline: "2022-10-31".into(),
            score: "1.5".into(),
            note: "中心组学习12次".into(),
            ..Default::default()
        };
        let out = edit_ledger(LEDGER_TEXT, &form).unwrap();
        let changed: Vec<(&str, &str)> = LEDGER_TEXT
            .lines()
            .zip(out.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(changed.len(), 1, "{out}");
        assert!(changed[0].1.contains("score: 1.5"), "{out}");
        assert_eq!(out.lines().count(), LEDGER_TEXT.lines().count());
    }

    #[test]
    fn scans_are_listed_in_the_row_and_nothing_else_moves() {
        let once = add_ledger_file(LEDGER_TEXT, "4.3", "static/ledger/初稿.pdf").unwrap();
        let twice = add_ledger_file(&once, "4.3", "static/ledger/签到表.jpg").unwrap();
        // The same file again: nothing changes.
        assert_eq!(
            add_ledger_file(&twice, "4.3", "static/ledger/初稿.pdf").unwrap(),
            twice
        );
        let map: serde_yaml::Mapping = serde_yaml::from_str(&twice).unwrap();
        let files: Vec<&str> = map
            .get("4.3")
            .unwrap()
            .get("files")
            .unwrap()
            .as_sequence()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(
            files,
            ["static/ledger/初稿.pdf", "static/ledger/签到表.jpg"]
        );
        for (a, b) in LEDGER_TEXT.lines().zip(twice.lines()) {
            if !a.starts_with("\"4.3\"") {
                assert_eq!(a, b);
            }
        }
        // A row not written yet gets one, with its file.
        let new_row = add_ledger_file(LEDGER_TEXT, "9.2", "static/ledger/方案.pdf").unwrap();
        assert!(new_row.starts_with(LEDGER_TEXT), "{new_row}");
        let map: serde_yaml::Mapping = serde_yaml::from_str(&new_row).unwrap();
        assert_eq!(
            map.get("9.2")
                .unwrap()
                .get("files")
                .unwrap()
                .as_sequence()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn a_score_is_added_to_a_row_without_one() {
        let form = LedgerForm {
            key: "4.3".into(),
            status: "doing".into(),
            deadline: "2022-11-20".into(),
            score: "1".into(),
            note: "初稿待审定".into(),
            ..Default::default()
        };
        let out = edit_ledger(LEDGER_TEXT, &form).unwrap();
        let map: serde_yaml::Mapping = serde_yaml::from_str(&out).unwrap();
        let row = map.get("4.3").unwrap();
        assert_eq!(row.get("score").unwrap().as_u64(), Some(1));
        assert_eq!(row.get("status").unwrap().as_str(), Some("doing"));
        for (a, b) in LEDGER_TEXT.lines().zip(out.lines()) {
            if !a.starts_with("\"4.3\"") {
                assert_eq!(a, b);
            }
        }
    }
}
