//! YAML text parsed into a type, with located Chinese errors: the
//! full-width punctuation of a Chinese input method is caught first, and an
//! unknown key is set aside so that the rest of the file is still checked.

use super::locate::{find_key, find_key_from};
use super::messages::translate_yaml_error;
use crate::diagnostic::{Diagnostics, Pos};
use serde::de::DeserializeOwned;

/// Full-width punctuation where YAML needs ASCII is the most common mistake
/// of people typing with a Chinese input method; YAML would otherwise give a
/// confusing message or, worse, silently read `title：x` as plain text.
fn check_full_width(path: &str, yaml: &str, first_line: usize, diags: &mut Diagnostics) -> bool {
    let mut ok = true;
    for (i, full_line) in yaml.lines().enumerate() {
        let line = strip_comment(full_line);
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        warn_hashtag(path, full_line, line, first_line + i, diags);
        let indent = line.len() - trimmed.len();
        let key_part = trimmed.trim_start_matches("- ");
        if let Some(idx) = key_part.find('：') {
            let before = &key_part[..idx];
            let looks_like_key = !before.is_empty()
                && before.chars().count() <= 30
                && !before.contains(':')
                && !before.contains(' ')
                && before.chars().all(|c| {
                    c.is_alphanumeric() || c == '_' || c == '-' || c == '"' || c == '\'' || c == '.'
                });
            if looks_like_key {
                let col = indent + (trimmed.len() - key_part.len()) + before.chars().count() + 1;
                diags.error_hint(
                    path,
                    Pos::new(first_line + i, col),
                    format!("“{before}” 后面用了全角冒号 “：”"),
                    format!("改为半角冒号加空格：{before}: "),
                );
                ok = false;
            }
        }
        if let (Some(open), Some(close)) = (line.find('['), line.rfind(']')) {
            if open < close {
                if let Some(rel) = line[open..close].find('，') {
                    let col = line[..open + rel].chars().count() + 1;
                    diags.error_hint(
                        path,
                        Pos::new(first_line + i, col),
                        "方括号列表中用了全角逗号 “，”",
                        "列表各项之间请用半角逗号加空格 “, ” 分隔，如 [16, \"23.2\"]",
                    );
                    ok = false;
                }
            }
        }
    }
    ok
}

/// `title: 学习 #二十大` — YAML reads `#二十大` as a comment and drops it.
/// A `#` glued to the following word is almost always meant as text.
fn warn_hashtag(path: &str, full_line: &str, line: &str, line_no: usize, diags: &mut Diagnostics) {
    if line.len() == full_line.len() {
        return;
    }
    let glued = full_line[line.len()..]
        .chars()
        .nth(1)
        .is_some_and(|c| !c.is_whitespace());
    let Some((key, value)) = line.split_once(": ") else {
        return;
    };
    let value = value.trim();
    let plain = !value.is_empty() && !value.starts_with(['"', '\'', '[', '{', '|', '>']);
    if glued && plain {
        let col = line.chars().count() + 1;
        diags.warning_hint(
            path,
            Pos::new(line_no, col),
            format!(
                "“{}” 中 # 之后的内容会被当作注释而丢掉",
                key.trim().trim_start_matches("- ")
            ),
            format!(
                "如要保留，请给整个值加英文双引号：{}: \"{}\"",
                key.trim().trim_start_matches("- "),
                full_line.split_once(": ").map(|x| x.1.trim()).unwrap_or("")
            ),
        );
    }
}

/// The line without a trailing `# comment` (a `#` at the start or after
/// whitespace, outside quotes), as YAML reads it.
pub(super) fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev_space => return &line[..i],
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// Parse YAML text into `T`, recording located Chinese errors on failure.
/// `first_line` is the line of the file where `yaml` starts.
///
/// An unknown key (usually a typo) is an error, but it does not hide the
/// rest of the file (SPEC §11): the key's lines are set aside and the text
/// parsed again, so the value is still given, for the other checks, along
/// with the error that stops the build.
pub(crate) fn parse_yaml<T: DeserializeOwned>(
    path: &str,
    yaml: &str,
    first_line: usize,
    diags: &mut Diagnostics,
) -> Option<T> {
    if !check_full_width(path, yaml, first_line, diags) {
        return None;
    }
    let mut text = std::borrow::Cow::Borrowed(if yaml.trim().is_empty() { "{}" } else { yaml });
    // Each round sets one key aside; a file has few typos.
    for _ in 0..32 {
        let e = match serde_yaml::from_str::<T>(&text) {
            Ok(v) => return Some(v),
            Err(e) => e,
        };
        let pos = e
            .location()
            .map(|l| Pos::new(first_line + l.line() - 1, l.column()))
            .unwrap_or(Pos::new(first_line, 1));
        let (message, hint) = translate_yaml_error(&e.to_string());
        let pos = relocate(&text, first_line, &message, pos);
        let unknown = message
            .strip_prefix("未知字段 “")
            .and_then(|m| m.split('”').next())
            .map(str::to_owned);
        match hint {
            Some(h) => diags.error_hint(path, pos, message, h),
            None => diags.error(path, pos, message),
        }
        let line = pos.line.checked_sub(first_line);
        match unknown
            .zip(line)
            .and_then(|(key, line)| set_aside(&text, line, &key))
        {
            Some(rest) => text = std::borrow::Cow::Owned(rest),
            None => return None,
        }
    }
    None
}

/// `yaml` with the block-style `key:` on the 0-based `line` and the lines
/// of its value blanked (line numbers kept), or `None` where the key is not
/// written so (a flow mapping, a list item's first key).
fn set_aside(yaml: &str, line: usize, key: &str) -> Option<String> {
    let lines: Vec<&str> = yaml.split('\n').collect();
    let at = lines.get(line)?;
    let trimmed = at.trim_start();
    let indent = at.len() - trimmed.len();
    let written_so = [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
    ]
    .iter()
    .any(|k| trimmed.starts_with(k.as_str()));
    if !written_so {
        return None;
    }
    let mut end = line + 1;
    while let Some(next) = lines.get(end) {
        let t = next.trim_start();
        if !t.is_empty() && next.len() - t.len() <= indent {
            break;
        }
        end += 1;
    }
    let kept: Vec<&str> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| if (line..end).contains(&i) { "" } else { l })
        .collect();
    Some(kept.join("\n"))
}

/// serde points unknown-field errors at the mapping; move them to the key.
fn relocate(yaml: &str, first_line: usize, message: &str, pos: Pos) -> Pos {
    if let Some(key) = message
        .strip_prefix("未知字段 “")
        .and_then(|m| m.split('”').next())
    {
        if let Some(p) = find_key(yaml, key) {
            return Pos::new(first_line + p.line - 1, p.column);
        }
    }
    // A duplicate is best shown where it is written the second time.
    if let Some(key) = message
        .strip_prefix("字段 “")
        .and_then(|m| m.split('”').next())
    {
        if let Some(second) =
            find_key(yaml, key).and_then(|first| find_key_from(yaml, key, first.line))
        {
            return Pos::new(first_line + second.line - 1, second.column);
        }
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_colon_and_comma_are_located() {
        let mut d = Diagnostics::new();
        let v: Option<serde_yaml::Value> = parse_yaml(
            "a.md",
            "date: 2022-09-01\ntitle：志愿服务\ncriteria: [16，17]\n",
            2,
            &mut d,
        );
        assert!(v.is_none());
        let s: Vec<String> = d.sorted().iter().map(|x| x.to_string()).collect();
        assert!(
            s[0].starts_with("a.md:3:6: 错误：“title” 后面用了全角冒号"),
            "{}",
            s[0]
        );
        assert!(
            s[1].starts_with("a.md:4:14: 错误：方括号列表中用了全角逗号"),
            "{}",
            s[1]
        );
    }

    #[test]
    fn hashtag_in_a_plain_value_is_warned() {
        let mut d = Diagnostics::new();
        let v: Option<serde_yaml::Value> = parse_yaml(
            "a.md",
            "title: 学习 #二十大\nstaff: 120   # 员工总数\n",
            2,
            &mut d,
        );
        assert!(v.is_some());
        let all = d.sorted();
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(
            all[0]
                .to_string()
                .starts_with("a.md:2:11: 警告：“title” 中 # 之后的内容会被当作注释而丢掉"),
            "{}",
            all[0]
        );
        assert!(
            all[0].to_string().contains("title: \"学习 #二十大\""),
            "{}",
            all[0]
        );
    }

    #[test]
    fn comments_may_use_full_width_punctuation() {
        let mut d = Diagnostics::new();
        let v: Option<serde_yaml::Value> = parse_yaml(
            "a.md",
            "# 说明：示例\ncriteria: []   # 如 [16，17]\ntitle: \"a # b，c\"\n",
            2,
            &mut d,
        );
        assert!(v.is_some(), "{:?}", d.sorted());
        assert_eq!(strip_comment("a: 'x # y' # z"), "a: 'x # y' ");
    }

    #[test]
    fn unknown_field_suggests_nearest() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Fm {
            title: String,
            date: String,
        }
        let mut d = Diagnostics::new();
        let r: Option<Fm> = parse_yaml("a.md", "date: x\ntitel: 标题\n", 2, &mut d);
        assert!(r.is_none());
        let all: Vec<String> = d.sorted().iter().map(|x| x.to_string()).collect();
        let s = all
            .iter()
            .find(|s| s.contains("未知字段"))
            .expect("reported");
        assert!(s.starts_with("a.md:3:1: 错误：未知字段 “titel”"), "{s}");
        assert!(s.contains("是否想写 “title”"), "{s}");
        // The typo hides nothing: with it set aside, `title` is missing.
        assert!(
            all.iter().any(|s| s.contains("缺少必填字段 “title”")),
            "{all:?}"
        );
    }
}
