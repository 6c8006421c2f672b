//! Markdown to HTML as an event pipeline (pulldown-cmark): heading anchors,
//! link and image rewriting, syntax highlighting with CSS classes, Chinese
//! line joining. Never regex over HTML.
//!
//! This file runs the pipeline ([`render`]) and holds what it gives; the
//! rest is in the files beside it:
//! - `cjk.rs`: Chinese text (emphasis next to Chinese punctuation, lines
//!   joined without a space);
//! - `targets.rs`: links and image targets, checked and rewritten;
//! - `photos.rs`: a local image, processed into its variants;
//! - `highlight.rs`: code blocks, highlighted with CSS classes;
//! - `escape.rs`: HTML escaping and `<img>` tags;
//! - `summary.rs`: the summary and reading time of a body.

mod cjk;
mod escape;
mod highlight;
mod photos;
mod summary;
mod targets;

pub use cjk::cjk_emphasis_prepass;
pub use escape::escape_attr;
pub use highlight::highlight_css;
pub use summary::{reading_minutes, summarize, SUMMARY_CHARS};

use crate::diagnostic::{Diagnostics, Pos};
use crate::links::{Asset, Routes};
use crate::text::{clean_text, has_unsafe_chars};
use cjk::{is_cjk, strip_joiner};
use escape::img_tag;
use highlight::highlight;
use photos::image_html;
use pulldown_cmark::{html, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use targets::{is_external, refused_image, refused_link, rewrite_link};

#[derive(Debug, Default, Clone)]
pub struct Rendered {
    pub html: String,
    /// The opening of the plain text, about 120 characters, cut at a
    /// sentence (the text itself is not kept: a large site has 50 MB of it).
    pub summary: String,
    pub reading_minutes: usize,
    pub has_code: bool,
    pub assets: Vec<Asset>,
    /// Site-relative URLs of images, in order, with alt text.
    pub images: Vec<Photo>,
    /// Links to other sites, listed by `wenming check --external`.
    pub external: Vec<String>,
    /// Links to gallery pages after the first (`/gallery/page/3/`), as
    /// written and where: how many there are is known only once every
    /// body's photos are (see [`crate::links::later_gallery_page`]).
    pub gallery_links: Vec<(usize, String, Pos)>,
}

/// A photo shown in a body, for galleries and covers.
#[derive(Debug, Clone, PartialEq, Hash, serde::Serialize)]
pub struct Photo {
    /// As written in the Markdown (`photo1.jpg`), to match a cover.
    pub written: String,
    /// Full-size view.
    pub url: String,
    pub display: String,
    pub thumb: String,
    pub thumb_width: u32,
    pub thumb_height: u32,
    pub alt: String,
}

/// What a Markdown body needs to know about where it lives.
pub struct PageContext<'a> {
    pub routes: &'a Routes,
    /// Photo processing; `None` publishes images as they are.
    pub images: Option<&'a crate::images::ImageSet>,
    /// Site-relative source path, for messages.
    pub path: &'a str,
    pub dir: &'a std::path::Path,
    /// This page's route (`reports/slug/`), under which its assets land.
    pub route: &'a str,
    pub first_line: usize,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// GitHub-style anchor: lowercase, punctuation dropped, spaces to `-`;
/// Chinese characters kept (valid in HTML5 ids and readable in URLs).
pub fn anchor(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if (c == ' ' || c == '-' || c == '_') && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

fn line_col(text: &str, offset: usize, first_line: usize) -> Pos {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count();
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    Pos::new(first_line + line, col)
}

/// [`clean_text`] for the parser's strings.
fn clean_cow(s: CowStr<'_>) -> CowStr<'_> {
    if has_unsafe_chars(&s) {
        CowStr::from(clean_text(&s).into_owned())
    } else {
        s
    }
}

pub fn render(markdown: &str, ctx: &PageContext, diags: &mut Diagnostics) -> Rendered {
    let mut out = Rendered::default();
    // Plain text of the paragraphs, for the summary and reading time.
    let mut text = String::new();
    let prepared = cjk_emphasis_prepass(markdown);
    let markdown: &str = &prepared;
    let events: Vec<(Event, std::ops::Range<usize>)> = Parser::new_ext(markdown, options())
        .into_offset_iter()
        .map(|(e, r)| {
            let e = match e {
                // Character references (`&#27;`) can make what the file
                // itself may not hold.
                Event::Text(t) => Event::Text(clean_cow(strip_joiner(t))),
                Event::Code(t) => Event::Code(clean_cow(strip_joiner(t))),
                Event::Html(t) => Event::Html(clean_cow(strip_joiner(t))),
                Event::InlineHtml(t) => Event::InlineHtml(clean_cow(strip_joiner(t))),
                other => other,
            };
            (e, r)
        })
        .collect();
    let mut result: Vec<Event> = Vec::with_capacity(events.len());
    let mut used_ids = HashSet::new();
    let mut i = 0;
    let mut in_paragraph = false;
    let mut in_photo_row = false;
    while i < events.len() {
        let (event, range) = &events[i];
        let pos = || line_col(markdown, range.start, ctx.first_line);
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let end = find_end(&events, i);
                let text: String = events[i + 1..end]
                    .iter()
                    .filter_map(|(e, _)| text_of(e))
                    .collect();
                let mut id_str = id
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| anchor(&text));
                let base = id_str.clone();
                let mut n = 1;
                while !used_ids.insert(id_str.clone()) {
                    id_str = format!("{base}-{n}");
                    n += 1;
                }
                result.push(Event::Start(Tag::Heading {
                    level: *level,
                    id: Some(id_str.into()),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
                i += 1;
                continue;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let end = find_end(&events, i);
                let code: String = events[i + 1..end]
                    .iter()
                    .filter_map(|(e, _)| {
                        if let Event::Text(t) = e {
                            Some(t.as_ref())
                        } else {
                            None
                        }
                    })
                    .collect();
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => {
                        l.split([' ', ',']).next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                out.has_code = true;
                result.push(Event::Html(highlight(&code, &lang).into()));
                i = end + 1;
                continue;
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let end = find_end(&events, i);
                let alt: String = events[i + 1..end]
                    .iter()
                    .filter_map(|(e, _)| text_of(e))
                    .collect();
                let alt = alt.trim().to_string();
                if alt.is_empty() {
                    diags.error_hint(
                        ctx.path,
                        pos(),
                        format!("图片 “{dest_url}” 缺少说明文字（alt）"),
                        "写成 ![图片说明](文件名.jpg)，说明文字供读屏软件朗读，也用作图片标题",
                    );
                }
                let refused = crate::links::scheme_of(dest_url)
                    .filter(|s| !matches!(s.as_str(), "http" | "https"));
                let html = if let Some(scheme) = refused {
                    let (m, h) = refused_image(dest_url, &scheme);
                    diags.error_hint(ctx.path, pos(), m, h);
                    img_tag("", &alt, title, None)
                } else if is_external(dest_url) {
                    img_tag(dest_url, &alt, title, None)
                } else {
                    match image_html(
                        ctx,
                        dest_url,
                        &alt,
                        title,
                        in_photo_row,
                        &mut out,
                        diags,
                        &pos,
                    ) {
                        Ok(html) => html,
                        Err((m, h)) => {
                            diags.error_hint(ctx.path, pos(), m, h);
                            img_tag(dest_url, &alt, title, None)
                        }
                    }
                };
                result.push(Event::InlineHtml(html.into()));
                i = end + 1;
                continue;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                // (An email autolink's target has no scheme: `mailto:` is
                // added when it is written out.)
                let refused = (*link_type != LinkType::Email)
                    .then(|| crate::links::refused_scheme(dest_url))
                    .flatten();
                let dest = if let Some(scheme) = refused {
                    let (m, h) = refused_link(dest_url, &scheme);
                    diags.error_hint(ctx.path, pos(), m, h);
                    // Never written out, not even by a preview.
                    CowStr::from("")
                } else {
                    rewrite_link(*link_type, dest_url, ctx, &mut out, &pos)
                        .map_err(|(m, h)| diags.error_hint(ctx.path, pos(), m, h))
                        .ok()
                        .map(CowStr::from)
                        .unwrap_or_else(|| dest_url.clone())
                };
                result.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: dest,
                    title: clean_cow(title.clone()),
                    id: id.clone(),
                }));
            }
            // Raw HTML is shown as text: pasted Word or web fragments must
            // never inject markup or scripts into an official site.
            Event::Html(h) | Event::InlineHtml(h) => result.push(Event::Text(h.clone())),
            Event::Start(Tag::Paragraph) => {
                in_paragraph = true;
                // A paragraph of nothing but photos becomes a captioned grid.
                in_photo_row = only_images(&events, i);
                if in_photo_row {
                    result.push(Event::Html("<div class=\"photos\">\n".into()));
                } else {
                    result.push(event.clone());
                }
            }
            Event::End(TagEnd::Paragraph) => {
                in_paragraph = false;
                text.push('\n');
                if in_photo_row {
                    in_photo_row = false;
                    result.push(Event::Html("</div>\n".into()));
                } else {
                    result.push(event.clone());
                }
            }
            Event::SoftBreak | Event::HardBreak if in_photo_row => {}
            Event::Text(t) if in_photo_row && t.trim().is_empty() => {}
            Event::SoftBreak => {
                // A line break between two Chinese characters is not a space.
                let prev = result.last().and_then(last_char);
                let next = events.get(i + 1).and_then(|(e, _)| first_char(e));
                if !(prev.is_some_and(is_cjk) && next.is_some_and(is_cjk)) {
                    result.push(Event::SoftBreak);
                    if in_paragraph {
                        text.push(' ');
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if in_paragraph {
                    text.push_str(t);
                }
                result.push(event.clone());
            }
            _ => result.push(event.clone()),
        }
        i += 1;
    }
    html::push_html(&mut out.html, result.into_iter());
    out.summary = summarize(&text, SUMMARY_CHARS);
    out.reading_minutes = reading_minutes(&text);
    out
}

fn text_of<'a>(e: &'a Event) -> Option<&'a str> {
    match e {
        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
        _ => None,
    }
}

fn last_char(e: &Event) -> Option<char> {
    text_of(e).and_then(|t| t.chars().next_back())
}

fn first_char(e: &Event) -> Option<char> {
    text_of(e).and_then(|t| t.chars().next())
}

/// Index of the event closing the one opened at `start`.
fn find_end(events: &[(Event, std::ops::Range<usize>)], start: usize) -> usize {
    let mut depth = 0;
    for (j, (e, _)) in events.iter().enumerate().skip(start) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    events.len() - 1
}

/// Whether the paragraph opened at `start` holds only images.
fn only_images(events: &[(Event, std::ops::Range<usize>)], start: usize) -> bool {
    let end = find_end(events, start);
    let mut j = start + 1;
    let mut any = false;
    while j < end {
        match &events[j].0 {
            Event::Start(Tag::Image { .. }) => {
                any = true;
                j = find_end(events, j) + 1;
            }
            Event::SoftBreak | Event::HardBreak => j += 1,
            Event::Text(t) if t.trim().is_empty() => j += 1,
            _ => return false,
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> String {
        let routes = Routes {
            root: "/s".into(),
            urls: crate::urls::Urls::new("/"),
            by_source: Default::default(),
            known: Default::default(),
            real_dirs: Default::default(),
        };
        let ctx = PageContext {
            routes: &routes,
            images: None,
            path: "a.md",
            dir: std::path::Path::new("/s/content/reports"),
            route: "reports/a/",
            first_line: 1,
        };
        let mut d = Diagnostics::new();
        render(md, &ctx, &mut d).html
    }

    #[test]
    fn emphasis_next_to_chinese_punctuation() {
        let cases = [
            ("**真，**她说", "<p><strong>真，</strong>她说</p>\n"),
            ("**“学雷锋”**活动", "<p><strong>“学雷锋”</strong>活动</p>\n"),
            (
                "他说**“学雷锋”**活动",
                "<p>他说<strong>“学雷锋”</strong>活动</p>\n",
            ),
            (
                "开展**“四史”**和**形势政策**教育",
                "<p>开展<strong>“四史”</strong>和<strong>形势政策</strong>教育</p>\n",
            ),
            ("*强调，*文字", "<p><em>强调，</em>文字</p>\n"),
            (
                "本次活动**圆满完成。**下一步",
                "<p>本次活动<strong>圆满完成。</strong>下一步</p>\n",
            ),
            ("这是**加粗**文字", "<p>这是<strong>加粗</strong>文字</p>\n"),
            (
                "开展，**“学雷锋”**活动",
                "<p>开展，<strong>“学雷锋”</strong>活动</p>\n",
            ),
            (
                "加强“四史”、**“形势政策”**教育",
                "<p>加强“四史”、<strong>“形势政策”</strong>教育</p>\n",
            ),
            (
                "`**，**x` 与 \\**，**",
                "<p><code>**，**x</code> 与 **，**</p>\n",
            ),
            ("a * b，* c", "<p>a * b，* c</p>\n"),
        ];
        for (md, want) in cases {
            assert_eq!(html(md), want, "{md}");
        }
    }

    #[test]
    fn character_references_make_no_control_characters() {
        assert_eq!(html("a&#27;b&#x7f;c&#xFFFE;"), "<p>abc</p>\n");
    }

    #[test]
    fn chinese_lines_join_without_space() {
        assert_eq!(
            html("第一行\n第二行\nEnglish\nwords"),
            "<p>第一行第二行\nEnglish\nwords</p>\n"
        );
    }
}
