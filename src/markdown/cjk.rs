//! Chinese text in Markdown: emphasis next to Chinese punctuation, which
//! CommonMark leaves literal, and the characters between which a line
//! break is no space.

use pulldown_cmark::CowStr;

pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
        || matches!(c, '“' | '”' | '‘' | '’' | '…' | '—')
}

/// Invisible marker inserted between a `*` run and adjacent Chinese
/// punctuation; removed again from every event after parsing.
const JOINER: char = '\u{2060}';

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
        || matches!(c, '“' | '”' | '‘' | '’' | '…' | '—' | '·')
}

/// CommonMark's flanking rules treat Chinese punctuation like ASCII
/// punctuation, so `**真，**她说` and `他说**“学雷锋”**` stay literal
/// (commonmark-spec #650). Writers mean bold. A word joiner (not
/// punctuation, not whitespace) between the run and the Chinese punctuation
/// makes the run flank as intended; it is stripped from the output.
pub fn cjk_emphasis_prepass(src: &str) -> std::borrow::Cow<'_, str> {
    if !src.contains('*') || !src.chars().any(is_cjk_punctuation) {
        return std::borrow::Cow::Borrowed(src);
    }
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len() + 16);
    let mut i = 0;
    let mut changed = false;
    while i < chars.len() {
        if chars[i] != '*' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i] == '*' {
            i += 1;
        }
        if start > 0 && chars[start - 1] == '\\' {
            // An escaped run stays as the writer typed it.
            out.extend(&chars[start..i]);
            continue;
        }
        let before = start.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i).copied();
        let solid = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace());
        let punct =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_punctuation() || is_cjk_punctuation(c));
        // Closing after Chinese punctuation, followed by text. (With
        // punctuation on both sides the run already flanks both ways.)
        if before.is_some_and(is_cjk_punctuation) && solid(after) && !punct(after) {
            out.push(JOINER);
            changed = true;
        }
        out.extend(&chars[start..i]);
        // Opening before Chinese punctuation, preceded by text.
        if after.is_some_and(is_cjk_punctuation) && solid(before) && !punct(before) {
            out.push(JOINER);
            changed = true;
        }
    }
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(src)
    }
}

pub(super) fn strip_joiner(s: CowStr<'_>) -> CowStr<'_> {
    if s.contains(JOINER) {
        s.replace(JOINER, "").into()
    } else {
        s
    }
}
