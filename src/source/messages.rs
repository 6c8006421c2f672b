//! serde_yaml's messages, which are English and technical, said in
//! Chinese with what to do about them; and the known name a typo was
//! probably meant to be.

fn backticked(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// serde_yaml's messages are English and technical; say the same in Chinese
/// with what to do about it.
pub(crate) fn translate_yaml_error(raw: &str) -> (String, Option<String>) {
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

/// The known name closest to `bad`, if one is close enough to be a typo.
pub(crate) fn nearest<'a>(bad: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(bad, k), k))
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 3) && *d < k.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}
