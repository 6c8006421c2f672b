//! Amounts (points, scores, head counts, hours) that cannot be right:
//! `.nan`, `.inf` and negative numbers, which YAML reads without a word.

use super::yaml::strip_comment;
use crate::diagnostic::{Diagnostics, Pos};

/// What is wrong with an amount (points, a score, a head count, hours),
/// if anything: YAML reads `.nan` and `.inf` as numbers, and nothing in
/// the table can be below zero.
pub(crate) fn bad_amount(value: f64) -> Option<&'static str> {
    if value.is_nan() {
        Some("不是数字")
    } else if value.is_infinite() {
        Some("大得无法计算")
    } else if value < 0.0 {
        Some("是负数")
    } else {
        None
    }
}

/// Where the first `key:` at or after the 0-based line `from` has a value
/// [`bad_amount`] refuses (block or flow style). 1-based, relative to `yaml`.
pub(crate) fn find_bad_amount(yaml: &str, key: &str, from: usize) -> Option<Pos> {
    let pattern = format!("{key}:");
    for (i, line) in yaml.lines().enumerate().skip(from) {
        let line_code = strip_comment(line);
        let mut start = 0;
        while let Some(rel) = line_code[start..].find(&pattern) {
            let at = start + rel;
            start = at + pattern.len();
            let before = line_code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = line_code[start..].trim_start();
            let token = rest.split([',', '}', ']', ' ']).next().unwrap_or("").trim();
            if yaml_number(token).is_some_and(|v| bad_amount(v).is_some()) {
                let col = line_code[..line_code.len() - rest.len()].chars().count() + 1;
                return Some(Pos::new(i + 1, col));
            }
        }
    }
    None
}

/// A plain YAML scalar read as a number, as YAML 1.2's core schema does.
fn yaml_number(token: &str) -> Option<f64> {
    match token.to_ascii_lowercase().as_str() {
        ".nan" => Some(f64::NAN),
        ".inf" | "+.inf" => Some(f64::INFINITY),
        "-.inf" => Some(f64::NEG_INFINITY),
        t => t.parse().ok(),
    }
}

/// `value` when it is a proper amount; otherwise records an error at `pos`
/// (`what` names it, e.g. “第 3 条第 1 项的分值”) and gives 0 in its place,
/// so the rest of the run is still checked and nothing downstream divides
/// by or compares with it.
pub(crate) fn amount(
    diags: &mut Diagnostics,
    path: &str,
    pos: impl FnOnce() -> Pos,
    what: &str,
    value: f64,
    hint: &str,
) -> f64 {
    // Where it is written is looked for only when it is refused: the search
    // reads the file from the block on.
    match bad_amount(value) {
        None => value,
        Some(reason) => {
            diags.error_hint(path, pos(), format!("{what}{reason}"), hint);
            0.0
        }
    }
}
