//! Values written as YAML text the way a person would: strings plain when
//! they read back as the same string, else double-quoted; lists and
//! mappings in flow style on one line, as the ledger and front matter are
//! written. Everything written here is safe inside a flow collection too.

use super::{EditError, NewValue};

pub(super) fn check_finite(value: &NewValue) -> Result<(), EditError> {
    match value {
        NewValue::Float(f) if !f.is_finite() => Err(EditError::NotFinite),
        NewValue::List(items) => items.iter().try_for_each(check_finite),
        NewValue::Map(entries) => entries.iter().try_for_each(|(_, v)| check_finite(v)),
        _ => Ok(()),
    }
}

/// The value as inline YAML.
pub(super) fn value(value: &NewValue) -> String {
    match value {
        NewValue::Null => "null".into(),
        NewValue::Bool(b) => b.to_string(),
        NewValue::Int(i) => i.to_string(),
        // `{:?}` is the shortest text that reads back as the same f64, and
        // keeps a `.0` so that 2.0 stays a float.
        NewValue::Float(f) => format!("{f:?}"),
        NewValue::Str(s) => scalar(s),
        NewValue::Date(d) => d.format("%Y-%m-%d").to_string(),
        NewValue::List(items) => {
            let items: Vec<String> = items.iter().map(self::value).collect();
            format!("[{}]", items.join(", "))
        }
        NewValue::Map(entries) if entries.is_empty() => "{}".into(),
        NewValue::Map(entries) => {
            let entries: Vec<String> = entries.iter().map(|(k, v)| entry(k, v)).collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}

/// `key: value`.
pub(super) fn entry(key: &str, value: &NewValue) -> String {
    format!("{}: {}", scalar(key), self::value(value))
}

/// A string, plain when that reads back as the same string in block and
/// flow context alike, else double-quoted.
pub(super) fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// Characters that may not start a plain scalar (YAML's indicators); `-`,
/// `?` and `:` only may, when followed by a letter, but quoting them is
/// clearer.
const INDICATORS: &[char] = &[
    '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
];

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if INDICATORS.contains(&first) || s.starts_with("...") || s.ends_with(':') {
        return false;
    }
    // Flow indicators anywhere would end the scalar in `[a, b]`; `: ` and
    // ` #` anywhere would start a value or a comment.
    if s.contains([',', '[', ']', '{', '}']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    // Tabs, line ends and other spaces than ' ' (the ideographic one too)
    // are easy to lose or misread; leading and trailing spaces are dropped
    // from plain scalars.
    if s.chars()
        .any(|c| c.is_whitespace() && c != ' ' || needs_escape(c))
    {
        return false;
    }
    if s.starts_with(' ') || s.ends_with(' ') {
        return false;
    }
    !reads_as_other_type(s)
}

/// Words and numbers that a YAML reader (serde_yaml's YAML 1.2, or an
/// older 1.1 one a person might open the file with) takes for something
/// other than a string.
fn reads_as_other_type(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let word = matches!(
        lower.as_str(),
        "~" | "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "inf"
            | "infinity"
            | "nan"
            | "<<"
            | "="
    );
    // Numbers in any base or form (`16`, `1.1`, `-5`, `1e3`, `0x1F`,
    // `1_000`, `1:30`, `.5`, `.inf`), and dates: anything that starts
    // like a number and has nothing but number characters is quoted.
    let numeric = {
        let body = s.strip_prefix(['+', '-']).unwrap_or(s);
        body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            && body
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '+' | '-'))
    };
    word || numeric
}

/// Characters YAML cannot hold as they are (C0 and C1 controls, DEL, the
/// BOM, non-characters) or that a reader treats as line ends.
fn needs_escape(c: char) -> bool {
    matches!(c, '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) < 0x100 && needs_escape(c) => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Columns a string takes in a fixed-width editor: East Asian wide and
/// full-width characters take two.
pub(super) fn width(s: &str) -> usize {
    s.chars().map(|c| if wide(c) { 2 } else { 1 }).sum()
}

fn wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}
