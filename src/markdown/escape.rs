//! HTML escaping, for the renderer and for Tera, and the `<img>` tags of
//! a body.

use crate::text::clean_text;

pub(super) fn img_tag(src: &str, alt: &str, title: &str, size: Option<(u32, u32)>) -> String {
    let mut tag = String::with_capacity(64 + src.len() + alt.len() + title.len());
    push_img_tag(&mut tag, src, alt, title, size);
    tag
}

/// [`img_tag`], appended to `out` (one buffer for a photo's whole markup:
/// a page of 2,000 photos made a dozen strings for each).
pub fn push_img_tag(out: &mut String, src: &str, alt: &str, title: &str, size: Option<(u32, u32)>) {
    use std::fmt::Write as _;
    out.push_str("<img src=\"");
    push_escaped(out, src);
    out.push_str("\" alt=\"");
    push_escaped(out, alt);
    out.push('"');
    if let Some((w, h)) = size {
        let _ = write!(out, " width=\"{w}\" height=\"{h}\"");
    }
    out.push_str(" loading=\"lazy\"");
    if !title.is_empty() {
        out.push_str(" title=\"");
        push_escaped(out, title);
        out.push('"');
    }
    out.push('>');
}

/// `s` escaped for HTML (or XML) text or a quoted attribute, appended to
/// `out`, without the characters no page or feed may hold
/// ([`crate::text::is_unsafe_char`]). Tera escapes every template value with it.
pub fn push_escaped(out: &mut String, s: &str) {
    pulldown_cmark_escape::escape_html(&mut *out, &clean_text(s)).ok();
}

pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_drops_unsafe_characters() {
        assert_eq!(escape_attr("\u{0}<a>"), "&lt;a&gt;");
    }
}
