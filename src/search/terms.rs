//! The terms of a text: every Chinese character and pair of neighbouring
//! characters, and runs of letters and digits as words, folded; and the
//! bucket of the index that holds a term. `engine.js` does the same to a
//! query, so the two must stay in step.

use rustc_hash::FxHashMap;

/// A term is at most this many bytes of UTF-8 (a Chinese bigram is 6);
/// longer words are cut at a character boundary, in the browser too, so a
/// long word matches its first eight letters and the phrase check does the
/// rest.
const TERM_BYTES: usize = 8;

/// Characters indexed one by one and in pairs: Chinese (with the rare
/// ideographs of extension B onwards), Japanese kana and Korean hangul.
/// `engine.js` has the same list.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// Full-width letters and digits (what a Chinese input method types) are
/// the ASCII ones; case is folded. `engine.js` folds the query the same way.
fn fold(c: char, out: &mut impl FnMut(char)) {
    if is_cjk(c) {
        return out(c); // no case, no width
    }
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    if c.is_ascii() {
        out(c.to_ascii_lowercase());
    } else {
        c.to_lowercase().for_each(out);
    }
}

/// A term as a number: its UTF-8 bytes, little-endian, zero-padded (UTF-8
/// text has no zero bytes, so the number gives the term back).
pub(super) type Term = u64;

fn term_of(bytes: &[u8]) -> Term {
    let mut b = [0u8; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(b)
}

pub(super) fn term_text(term: Term) -> String {
    let bytes = term.to_le_bytes();
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(8);
    String::from_utf8_lossy(&bytes[..len]).into_owned()
}

/// Cut a word to at most [`TERM_BYTES`] at a character boundary.
fn word_term(word: &str) -> Term {
    let mut end = word.len().min(TERM_BYTES);
    while !word.is_char_boundary(end) {
        end -= 1;
    }
    term_of(&word.as_bytes()[..end])
}

/// Every term of `text`, `weight` times each occurrence.
pub(super) fn terms_of(text: &str, weight: u16, out: &mut FxHashMap<Term, u16>) {
    let mut add = |t: Term| {
        let n = out.entry(t).or_insert(0);
        *n = n.saturating_add(weight);
    };
    let mut word = String::new();
    let mut prev: Option<char> = None;
    let mut visit = |c: char| {
        if is_cjk(c) {
            if !word.is_empty() {
                add(word_term(&word));
                word.clear();
            }
            let mut buf = [0u8; 8];
            let n = c.encode_utf8(&mut buf).len();
            add(term_of(&buf[..n]));
            if let Some(p) = prev {
                let m = p.encode_utf8(&mut buf).len();
                c.encode_utf8(&mut buf[m..]);
                add(term_of(&buf[..m + n]));
            }
            prev = Some(c);
        } else {
            prev = None;
            if c.is_alphanumeric() {
                word.push(c);
            } else if !word.is_empty() {
                add(word_term(&word));
                word.clear();
            }
        }
    };
    for c in text.chars() {
        fold(c, &mut visit);
    }
    if !word.is_empty() {
        add(word_term(&word));
    }
}

/// FNV-1a, 32 bits, over the term's bytes: which bucket holds it.
pub(super) fn bucket_of(term: Term, buckets: usize) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in term.to_le_bytes().into_iter().take_while(|&b| b != 0) {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h as usize % buckets
}

#[cfg(test)]
mod tests {
    use super::super::ENGINE;
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut counts = FxHashMap::default();
        terms_of(text, 1, &mut counts);
        let mut t: Vec<String> = counts.keys().map(|&t| term_text(t)).collect();
        t.sort();
        t
    }

    #[test]
    fn chinese_is_indexed_by_characters_and_pairs_words_by_word() {
        assert_eq!(terms("学雷锋"), ["学", "学雷", "锋", "雷", "雷锋"]);
        // Punctuation and spaces break pairs; full width and case fold.
        assert_eq!(terms("雷锋，ＡＥＤ Aed"), ["aed", "锋", "雷", "雷锋"]);
        // Digits next to Chinese are a word of their own.
        assert_eq!(terms("2022年"), ["2022", "年"]);
        // Long words are cut at eight bytes, on a character boundary.
        assert_eq!(terms("Volunteering"), ["voluntee"]);
        assert_eq!(terms("ééééé"), ["éééé"]);
    }

    #[test]
    fn buckets_follow_fnv1a_as_the_engine_computes_it() {
        // FNV-1a 32 of "a" is 0xe40c292c (the published test vector).
        assert_eq!(bucket_of(term_of(b"a"), usize::MAX >> 1), 0xe40c_292c);
        assert!(ENGINE.contains("0x811c9dc5") && ENGINE.contains("0x01000193"));
    }
}
