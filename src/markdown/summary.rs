//! The summary and reading time of a body, from its plain text.

/// Length of a summary made from the body, in characters.
pub const SUMMARY_CHARS: usize = 120;

/// A summary from plain text: about `max` characters, cut at a sentence end
/// when there is one, never mid-character.
pub fn summarize(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    if let Some(idx) = cut.rfind(['。', '！', '？', '；']) {
        let end = idx + cut[idx..].chars().next().map(char::len_utf8).unwrap_or(0);
        if cut[..end].chars().count() >= max / 3 {
            return cut[..end].to_string();
        }
    }
    format!("{}…", cut.trim_end_matches(['，', '、', ',', ' ']))
}

/// Minutes to read at about 450 Chinese characters a minute.
pub fn reading_minutes(text: &str) -> usize {
    let chars = text.chars().filter(|c| !c.is_whitespace()).count();
    chars.div_ceil(450).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_cut_at_sentence_end() {
        let text = "委机关开展志愿服务活动。".repeat(20);
        let s = summarize(&text, 50);
        assert!(s.ends_with('。') && s.chars().count() <= 50, "{s}");
        assert_eq!(summarize("短文本", 50), "短文本");
        let no_stop = "字".repeat(200);
        assert_eq!(summarize(&no_stop, 120).chars().count(), 121);
        assert_eq!(reading_minutes(&"字".repeat(900)), 2);
        assert_eq!(reading_minutes("字"), 1);
    }
}
