//! Where a key or one of its values is written in YAML text, so that a
//! message found after parsing points at the line and column.

use crate::diagnostic::Pos;

/// Where `key:` is written in YAML text (a line whose first token is the key,
/// quoted or not, possibly after `- `). 1-based, relative to `yaml`.
pub(crate) fn find_key(yaml: &str, key: &str) -> Option<Pos> {
    find_key_from(yaml, key, 0)
}

/// Like [`find_key`], searching from the 0-based line `from`.
pub(crate) fn find_key_from(yaml: &str, key: &str, from: usize) -> Option<Pos> {
    let forms = [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
    ];
    for (i, line) in yaml.lines().enumerate().skip(from) {
        let trimmed = line.trim_start();
        let stripped = trimmed
            .trim_start_matches("- ")
            .trim_start_matches('{')
            .trim_start();
        for form in &forms {
            if stripped.starts_with(form.as_str()) {
                let col = line[..line.len() - stripped.len()].chars().count() + 1;
                return Some(Pos::new(i + 1, col));
            }
            // Flow mappings: `{ id: 1, name: x }` — the key may follow a comma.
            if let Some(idx) = line
                .find(&format!(", {form}"))
                .or_else(|| line.find(&format!("{{ {form}")))
            {
                return Some(Pos::new(i + 1, line[..idx + 2].chars().count() + 1));
            }
        }
    }
    None
}

/// Where the value `value` of `key` is written: on the key's line (or the
/// list lines right under it); falls back to the key itself.
pub(crate) fn find_value(yaml: &str, key: &str, value: &str) -> Option<Pos> {
    let key_pos = find_key(yaml, key)?;
    for (i, line) in yaml.lines().enumerate().skip(key_pos.line - 1).take(20) {
        if i >= key_pos.line {
            let t = line.trim_start();
            if !t.starts_with("- ") && !t.is_empty() {
                break;
            }
        }
        let search_from = if i + 1 == key_pos.line {
            line.find(':').map(|c| c + 1).unwrap_or(0)
        } else {
            0
        };
        if let Some(idx) = find_token(&line[search_from..], value) {
            return Some(Pos::new(
                i + 1,
                line[..search_from + idx].chars().count() + 1,
            ));
        }
    }
    Some(key_pos)
}

/// Position of `token` in `line` as a whole token (not inside a longer word).
fn find_token(line: &str, token: &str) -> Option<usize> {
    let mut start = 0;
    while let Some(rel) = line[start..].find(token) {
        let idx = start + rel;
        let before = line[..idx].chars().next_back();
        let after = line[idx + token.len()..].chars().next();
        let boundary =
            |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '.' || c == '_'));
        if boundary(before) && boundary(after) {
            return Some(idx);
        }
        start = idx + token.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_values() {
        let y = "title: x\ncriteria: [16, \"23.2\", 32]\noffices:\n  - 机关党委\n  - 宣传部\n";
        assert_eq!(find_key(y, "criteria"), Some(Pos::new(2, 1)));
        assert_eq!(find_value(y, "criteria", "32"), Some(Pos::new(2, 24)));
        assert_eq!(find_value(y, "offices", "宣传部"), Some(Pos::new(5, 5)));
        assert_eq!(find_key("\"16.1\": { a: 1 }", "16.1"), Some(Pos::new(1, 1)));
    }
}
