//! Characters no page, feed or file of the column may hold, found fast
//! (every value a template shows passes here) and taken out.

/// Characters that must not reach a page or feed: C0 controls but tab and
/// line breaks, DEL, C1 controls, and U+FFFE/U+FFFF. XML 1.0 forbids the
/// C0 ones and the last two (one NUL makes `feed.xml` unreadable), HTML
/// counts them all as errors; YAML escapes (`"a\x00b"`) and character
/// references (`&#27;`) produce them from text that has none.
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}')
        || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Whether `s` holds a character [`is_unsafe_char`] refuses. Every value
/// a template shows passes here and nearly none holds one, so the bytes are
/// skimmed eight at a time (bit tricks on a `u64`, see
/// [`word_may_hold_unsafe`]); only a word that may hold one is looked at
/// closely.
pub fn has_unsafe_chars(s: &str) -> bool {
    let b = s.as_bytes();
    let words = b.chunks_exact(8);
    let tail_from = b.len() - words.remainder().len();
    for (n, word) in words.enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        // Two bytes more: a sequence begun in this word may end in the next.
        if word_may_hold_unsafe(x) && holds_unsafe_sequence(&b[n * 8..(n * 8 + 10).min(b.len())]) {
            return true;
        }
    }
    holds_unsafe_sequence(&b[tail_from..])
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` below `n` (`n` at most 128), and
/// perhaps of a few others beside them, never missing one.
fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS
}

/// The high bit of each byte of `x` equal to `c`, and perhaps of a few
/// others beside them, never missing one.
fn bytes_equal(x: u64, c: u8) -> u64 {
    bytes_below(x ^ (ONES * u64::from(c)), 1)
}

/// Whether the eight bytes `x` (first byte lowest) may hold or begin an
/// unsafe character: a byte below 0x20 (tab and line ends are let through
/// by the close look), DEL, C2 before 80–9F (a C1 control), EF before BF
/// (U+FFFE/U+FFFF), or C2 or EF as the last byte. The masks may mark more
/// than they should, never less, so nothing is missed.
fn word_may_hold_unsafe(x: u64) -> bool {
    let c1 = bytes_equal(x, 0xC2) & (bytes_below(x ^ HIGHS, 0x20) >> 8);
    let noncharacter = bytes_equal(x, 0xEF) & (bytes_equal(x, 0xBF) >> 8);
    let last = (x >> 56) as u8;
    bytes_below(x, 0x20) | bytes_equal(x, 0x7F) | c1 | noncharacter != 0
        || last == 0xC2
        || last == 0xEF
}

/// The exact test behind [`has_unsafe_chars`].
fn holds_unsafe_sequence(b: &[u8]) -> bool {
    (0..b.len()).any(|i| match b[i] {
        c if c < 0x20 => !matches!(c, b'\t' | b'\n' | b'\r'),
        0x7F => true,
        // C1 controls are C2 80 to C2 9F.
        0xC2 => matches!(b.get(i + 1), Some(0x80..=0x9F)),
        // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
        0xEF => b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)),
        _ => false,
    })
}

/// `s` without the characters [`is_unsafe_char`] refuses (borrowed when
/// it has none).
pub fn clean_text(s: &str) -> std::borrow::Cow<'_, str> {
    if has_unsafe_chars(s) {
        std::borrow::Cow::Owned(s.chars().filter(|&c| !is_unsafe_char(c)).collect())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_are_found_by_bytes_as_by_characters() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let s = format!("字{c}字");
            assert_eq!(has_unsafe_chars(&s), is_unsafe_char(c), "{:X}", c as u32);
        }
        // Found wherever it falls across the skim's blocks.
        for pad in 0..70 {
            for c in [
                '\u{0}', '\u{8}', '\u{1b}', '\u{85}', '\u{9F}', '\u{FFFE}', '\u{FFFF}', '\u{7F}',
            ] {
                let s = format!("{}{c}{}", "a".repeat(pad), "，".repeat(30));
                assert!(has_unsafe_chars(&s), "{pad} {:X}", c as u32);
            }
            let clean = format!("{}¿°，￼{}", "a".repeat(pad), "字".repeat(30));
            assert!(!has_unsafe_chars(&clean), "{pad}");
        }
        assert_eq!(
            clean_text("a\u{0}b\u{1b}[31m\u{85}c\u{FFFF}\t\n"),
            "ab[31mc\t\n"
        );
        assert!(matches!(
            clean_text("文明，创建"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
