//! Reading the files users write: decoding, front matter, and turning YAML
//! problems into located Chinese diagnostics.
//!
//! Office staff save files in whatever encoding their editor picks, so text is
//! accepted as UTF-8 (with or without BOM, LF or CRLF) or GB18030/GBK, the
//! latter with a warning saying how to re-save it.

use crate::diagnostic::{Diagnostics, Pos};
use serde::de::DeserializeOwned;
use std::path::Path;

/// A decoded text file, line ends normalised to `\n`.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// Site-relative display path.
    pub path: String,
    pub text: String,
}

/// Decode bytes a user saved. Returns `None` (and records an error) when the
/// bytes are no text at all.
pub fn decode(path: &str, bytes: &[u8], diags: &mut Diagnostics) -> Option<String> {
    let text = if let Some(text) = decode_utf16(path, bytes, diags) {
        text?
    } else {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => {
                let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
                if had_errors || bytes.contains(&0) {
                    diags.error_hint(
                        path,
                        Pos::default(),
                        "这个文件不是文本文件，无法读取",
                        "Markdown 和 YAML 文件须用文本编辑器保存为 UTF-8 编码；图片等文件请放在 static/ 或报道的文件夹中",
                    );
                    return None;
                }
                diags.warning_hint(
                    path,
                    Pos::default(),
                    "文件以 GBK/GB18030 编码保存，已按此编码读取",
                    "请用记事本“另存为”，编码选择“UTF-8”后保存，以免个别字符显示错误",
                );
                decoded.into_owned()
            }
        }
    };
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    Some(strip_control_characters(path, text, diags))
}

/// A file Windows 记事本 saved as “Unicode” (UTF-16, with its byte-order
/// mark): read with a warning. `None` when the bytes are not UTF-16;
/// `Some(None)` after an error, for UTF-16 without the mark (half its bytes
/// NUL), which is not guessed at.
fn decode_utf16(path: &str, bytes: &[u8], diags: &mut Diagnostics) -> Option<Option<String>> {
    let encoding = match bytes {
        [0xFF, 0xFE, ..] => encoding_rs::UTF_16LE,
        [0xFE, 0xFF, ..] => encoding_rs::UTF_16BE,
        _ => {
            if looks_like_utf16(bytes) {
                diags.error_hint(
                    path,
                    Pos::default(),
                    "这个文件像是以 “Unicode”（UTF-16）编码保存的，但缺少编码标记，无法可靠读取",
                    "请用记事本打开，“另存为”时编码选择“UTF-8”后保存",
                );
                return Some(None);
            }
            return None;
        }
    };
    let (text, had_errors) = encoding.decode_with_bom_removal(bytes);
    if had_errors {
        diags.error_hint(
            path,
            Pos::default(),
            "这个文件以 “Unicode”（UTF-16）编码保存，但内容已损坏，无法读取",
            "请用记事本打开，“另存为”时编码选择“UTF-8”后保存",
        );
        return Some(None);
    }
    diags.warning_hint(
        path,
        Pos::default(),
        "文件以 “Unicode”（UTF-16）编码保存，已按此编码读取",
        "请用记事本“另存为”，编码选择“UTF-8”后保存",
    );
    Some(Some(text.into_owned()))
}

/// UTF-16 without its mark: text in UTF-8 or GBK has no NUL bytes, while
/// UTF-16 has one in every ASCII character (and in some Chinese ones, such
/// as 开, U+5F00). Such bytes are taken for UTF-16 when they read, in one
/// byte order, as text a person typed: no control characters, and nearly
/// all letters, digits, Chinese characters and punctuation. A picture or
/// other binary file read so gives characters from all over.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) || memchr::memchr(0, bytes).is_none() {
        return false;
    }
    let typed = |text: &str| {
        let (mut all, mut common) = (0usize, 0usize);
        for c in text.chars() {
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                return false;
            }
            all += 1;
            common += usize::from(matches!(c as u32,
                0x20..=0x7E | 0x09 | 0x0A | 0x0D | 0xB7 | 0x2000..=0x206F | 0x3000..=0x303F
                    | 0x4E00..=0x9FFF | 0xFF00..=0xFFEF));
        }
        all > 0 && common * 10 >= all * 9
    };
    [encoding_rs::UTF_16LE, encoding_rs::UTF_16BE].into_iter().any(|encoding| {
        encoding
            .decode_without_bom_handling_and_without_replacement(bytes)
            .is_some_and(|text| typed(&text))
    })
}

/// Control characters (NUL, ESC …; tab and line ends aside) cannot be
/// typed, only pasted by accident, and break pages and feeds: they are
/// taken out, with one warning at the first.
fn strip_control_characters(path: &str, text: String, diags: &mut Diagnostics) -> String {
    let is_control = |c: char| c.is_control() && c != '\t' && c != '\n';
    // The quick skim first: nearly every file has none.
    if !crate::text::has_unsafe_chars(&text) {
        return text;
    }
    let Some(first) = text.find(is_control) else {
        return text;
    };
    let line = text[..first].matches('\n').count() + 1;
    let column = text[..first]
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .chars()
        .count()
        + 1;
    let count = text.chars().filter(|&c| is_control(c)).count();
    diags.warning_hint(
        path,
        Pos::new(line, column),
        format!(
            "文件中有 {count} 个看不见的控制字符（如 U+{:04X}），已去掉",
            text[first..].chars().next().map_or(0, |c| c as u32)
        ),
        "它们多半是从别处复制粘贴带进来的；如果去掉后文字有缺漏，请核对这一处",
    );
    text.chars().filter(|&c| !is_control(c)).collect()
}

pub fn read_source(root: &Path, path: &Path, diags: &mut Diagnostics) -> Option<SourceText> {
    let display = crate::diagnostic::display_path(root, path);
    match std::fs::read(path) {
        Ok(bytes) => decode(&display, &bytes, diags).map(|text| SourceText {
            path: display,
            text,
        }),
        Err(e) => {
            diags.error(
                &display,
                Pos::default(),
                format!("无法读取文件：{}", io_reason(&e)),
            );
            None
        }
    }
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        _ => e.to_string(),
    }
}

/// Front matter split from a Markdown file.
pub struct FrontMatter<'a> {
    pub yaml: &'a str,
    /// Line in the file where the YAML starts (1-based).
    pub first_line: usize,
    pub body: &'a str,
    /// Line in the file where the body starts.
    pub body_line: usize,
}

pub fn split_front_matter<'a>(
    src: &'a SourceText,
    diags: &mut Diagnostics,
) -> Option<FrontMatter<'a>> {
    let text = src.text.as_str();
    let Some(rest) =
        text.strip_prefix("---\n")
            .or_else(|| if text == "---" { Some("") } else { None })
    else {
        diags.error_hint(
            &src.path,
            Pos::new(1, 1),
            "文件开头缺少 “---”，找不到标题、日期等信息（front matter）",
            "文件第一行应为 ---，接着写 title: 标题、date: 日期 等，再用一行 --- 结束",
        );
        return None;
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let yaml_lines = yaml.matches('\n').count();
            return Some(FrontMatter {
                yaml,
                first_line: 2,
                body,
                body_line: 2 + yaml_lines + 1,
            });
        }
        offset += line.len();
    }
    diags.error_hint(
        &src.path,
        Pos::new(1, 1),
        "front matter 没有结束的 “---”",
        "在标题、日期等信息之后加一行 ---，再写正文",
    );
    None
}

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
fn strip_comment(line: &str) -> &str {
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
pub fn parse_yaml<T: DeserializeOwned>(
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

fn backticked(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// serde_yaml's messages are English and technical; say the same in Chinese
/// with what to do about it.
pub fn translate_yaml_error(raw: &str) -> (String, Option<String>) {
    let raw = raw.split(" at line ").next().unwrap_or(raw);
    // Nested errors are prefixed with the field path (`categories[0].criteria[1]: …`).
    let raw = match raw.split_once(": ") {
        Some((prefix, rest)) if !prefix.contains(' ') => rest,
        _ => raw,
    };
    if let Some(rest) = raw.strip_prefix("unknown field ") {
        let names = backticked(rest);
        if let Some((bad, expected)) = names.split_first() {
            let hint = match nearest(bad, expected.iter().map(String::as_str)) {
                Some(near) => format!("是否想写 “{near}”？可用的字段：{}", expected.join("、")),
                None => format!(
                    "可用的字段：{}；自定义内容请写在 extra 下",
                    expected.join("、")
                ),
            };
            return (format!("未知字段 “{bad}”"), Some(hint));
        }
    }
    if let Some(rest) = raw.strip_prefix("missing field ") {
        let name = backticked(rest).into_iter().next().unwrap_or_default();
        return (
            format!("缺少必填字段 “{name}”"),
            Some(format!("请添加一行 {name}: …")),
        );
    }
    if raw.starts_with("duplicate field") || raw.contains("duplicate entry") {
        let name = backticked(raw)
            .into_iter()
            .next()
            .or_else(|| raw.split('"').nth(1).map(str::to_string))
            .unwrap_or_default();
        return (
            format!("字段 “{name}” 重复出现"),
            Some("同一字段只能写一次，请删去多余的一行".into()),
        );
    }
    if let Some(rest) = raw.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return (
            format!(
                "内容类型不对：这里需要{}，实际写的是{}",
                describe_type(expected),
                describe_type(found)
            ),
            None,
        );
    }
    if let Some(rest) = raw.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return (
            format!(
                "取值不对：这里需要{}，实际写的是{}",
                describe_type(expected),
                describe_type(found)
            ),
            None,
        );
    }
    if raw.starts_with("unknown variant") {
        let names = backticked(raw);
        if let Some((bad, expected)) = names.split_first() {
            return (
                format!("无效的取值 “{bad}”"),
                Some(format!("可选：{}", expected.join("、"))),
            );
        }
    }
    let hint = if raw.contains("mapping values are not allowed") {
        Some("冒号后面的内容里又有 “: ”：请把整个值用英文双引号括起来".to_string())
    } else if raw.contains("did not find expected") || raw.contains("could not find expected") {
        Some("检查这一行及上一行的缩进、引号和括号是否成对".to_string())
    } else if raw.contains("found character that cannot start any token") {
        Some("这里有 YAML 不允许的字符（如行首的 @、` 或制表符）：请改用空格缩进，或给值加英文双引号".to_string())
    } else {
        None
    };
    (format!("YAML 格式错误：{raw}"), hint)
}

fn describe_type(s: &str) -> String {
    let s = s.trim();
    let zh = if s.starts_with("a sequence") || s == "sequence" {
        "列表（如 [a, b]）"
    } else if s.starts_with("a map") || s.starts_with("map") || s.starts_with("struct") {
        "键值对"
    } else if s.starts_with("a string") || s.starts_with("string") {
        "文字"
    } else if s.starts_with("a boolean") || s.starts_with("boolean") {
        "true 或 false"
    } else if s.starts_with("u8")
        || s.starts_with("u16")
        || s.starts_with("u32")
        || s.starts_with("u64")
        || s.starts_with("usize")
        || s.starts_with("i32")
        || s.starts_with("i64")
        || s.starts_with("integer")
    {
        "整数"
    } else if s.starts_with("floating point") {
        return format!(
            "小数 {}",
            s.trim_start_matches("floating point")
                .trim()
                .trim_matches('`')
        );
    } else if s.starts_with("f32")
        || s.starts_with("f64")
        || s.contains("float")
        || s.contains("number")
    {
        "数字"
    } else {
        return format!(" {s} ");
    };
    zh.to_string()
}

/// What is wrong with an amount (points, a score, a head count, hours),
/// if anything: YAML reads `.nan` and `.inf` as numbers, and nothing in
/// the table can be below zero.
pub fn bad_amount(value: f64) -> Option<&'static str> {
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
pub fn find_bad_amount(yaml: &str, key: &str, from: usize) -> Option<Pos> {
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
pub fn amount(
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

/// The known name closest to `bad`, if one is close enough to be a typo.
pub fn nearest<'a>(bad: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(bad, k), k))
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 3) && *d < k.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Where `key:` is written in YAML text (a line whose first token is the key,
/// quoted or not, possibly after `- `). 1-based, relative to `yaml`.
pub fn find_key(yaml: &str, key: &str) -> Option<Pos> {
    find_key_from(yaml, key, 0)
}

/// Like [`find_key`], searching from the 0-based line `from`.
pub fn find_key_from(yaml: &str, key: &str, from: usize) -> Option<Pos> {
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
pub fn find_value(yaml: &str, key: &str, value: &str) -> Option<Pos> {
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
    fn utf16_without_its_mark_is_told_from_binary_files() {
        let le: Vec<u8> = "---\ntitle: 学习\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "---\ntitle: 学习\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert!(looks_like_utf16(&le) && looks_like_utf16(&be));
        let binary = [0x89, b'P', b'N', b'G', 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 1, 0, 0, 0];
        assert!(!looks_like_utf16(&binary));
        assert!(!looks_like_utf16("标题：学习".as_bytes()));
    }

    #[test]
    fn decodes_bom_crlf_and_gbk() {
        let mut d = Diagnostics::new();
        assert_eq!(decode("a", b"\xEF\xBB\xBFa\r\nb", &mut d).unwrap(), "a\nb");
        let (gbk, _, _) = encoding_rs::GBK.encode("标题：志愿服务");
        assert_eq!(decode("b.md", &gbk, &mut d).unwrap(), "标题：志愿服务");
        assert_eq!(d.warning_count(), 1);
        assert!(decode(
            "c.md",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
            &mut d
        )
        .is_none());
        assert_eq!(d.error_count(), 1);
    }

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

    #[test]
    fn finds_keys_and_values() {
        let y = "title: x\ncriteria: [16, \"23.2\", 32]\noffices:\n  - 机关党委\n  - 宣传部\n";
        assert_eq!(find_key(y, "criteria"), Some(Pos::new(2, 1)));
        assert_eq!(find_value(y, "criteria", "32"), Some(Pos::new(2, 24)));
        assert_eq!(find_value(y, "offices", "宣传部"), Some(Pos::new(5, 5)));
        assert_eq!(find_key("\"16.1\": { a: 1 }", "16.1"), Some(Pos::new(1, 1)));
    }

    #[test]
    fn front_matter_lines() {
        let src = SourceText {
            path: "a.md".into(),
            text: "---\ntitle: x\ndate: y\n---\n正文\n".into(),
        };
        let mut d = Diagnostics::new();
        let fm = split_front_matter(&src, &mut d).unwrap();
        assert_eq!(fm.yaml, "title: x\ndate: y\n");
        assert_eq!(fm.body, "正文\n");
        assert_eq!(fm.body_line, 5);
        let bad = SourceText {
            path: "b.md".into(),
            text: "title: x\n".into(),
        };
        assert!(split_front_matter(&bad, &mut d).is_none());
    }
}
