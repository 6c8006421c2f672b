//! Code blocks: highlighted with CSS classes (syntect) when their language
//! is known, else escaped as they are; and the stylesheet of those classes.

use super::escape::escape_attr;
use std::sync::OnceLock;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

pub const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Loaded on first use only: most sites never show code.
fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// The stylesheet for highlighted code, written only when some page has code.
pub fn highlight_css() -> String {
    let themes = syntect::highlighting::ThemeSet::load_defaults();
    syntect::html::css_for_theme_with_class_style(&themes.themes["InspiredGitHub"], CLASS_STYLE)
        .unwrap_or_default()
}

pub(super) fn highlight(code: &str, lang: &str) -> String {
    let lang_class = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", escape_attr(lang))
    };
    if !lang.is_empty() {
        let set = syntax_set();
        if let Some(syntax) = set.find_syntax_by_token(lang) {
            let mut gen = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
            for line in LinesWithEndings::from(code) {
                if gen
                    .parse_html_for_line_which_includes_newline(line)
                    .is_err()
                {
                    return plain_code(code, &lang_class);
                }
            }
            return format!(
                "<pre class=\"code\"><code{lang_class}>{}</code></pre>\n",
                gen.finalize()
            );
        }
    }
    plain_code(code, &lang_class)
}

fn plain_code(code: &str, lang_class: &str) -> String {
    let mut escaped = String::new();
    pulldown_cmark_escape::escape_html(&mut escaped, code).ok();
    format!("<pre class=\"code\"><code{lang_class}>{escaped}</code></pre>\n")
}
