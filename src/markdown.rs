//! Markdown to HTML as an event pipeline (pulldown-cmark): heading anchors,
//! link and image rewriting, syntax highlighting with CSS classes, Chinese
//! line joining. Never regex over HTML.

use crate::diagnostic::{Diagnostics, Pos};
use crate::links::{Asset, Routes};
use crate::text::{clean_text, has_unsafe_chars};
use pulldown_cmark::{html, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
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

impl Rendered {
    /// Everything but the HTML.
    pub fn clone_without_html(&self) -> Rendered {
        Rendered {
            html: String::new(),
            summary: self.summary.clone(),
            reading_minutes: self.reading_minutes,
            has_code: self.has_code,
            assets: self.assets.clone(),
            images: self.images.clone(),
            external: self.external.clone(),
            gallery_links: self.gallery_links.clone(),
        }
    }
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

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
        || matches!(c, '“' | '”' | '‘' | '’' | '…' | '—')
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

/// Whether `url` leaves the site (`https://…`, `mailto:…`, `//host/…`),
/// rather than naming a file or page in it.
fn is_external(url: &str) -> bool {
    url.starts_with("//") || crate::links::scheme_of(url).is_some()
}

/// A link or image target as a message shows it: control characters made
/// visible (they could drive the terminal) and a long `data:` URL cut.
fn shown(url: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = url
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if url.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// Schemes whose links run code in the reader's browser, named as such in
/// the message (any other unknown scheme is refused all the same).
fn runs_code(scheme: &str) -> bool {
    matches!(
        scheme,
        "javascript" | "vbscript" | "data" | "livescript" | "mocha"
    )
}

/// The error for a link whose scheme may not be published.
fn refused_link(url: &str, scheme: &str) -> (String, String) {
    let why = if runs_code(scheme) {
        "，这类链接会在读者的浏览器里运行代码"
    } else {
        ""
    };
    (
        format!(
            "链接 “{}” 不能发布：不支持 “{scheme}:” 开头的地址{why}",
            shown(url)
        ),
        "只能链接到网址（http/https）、邮箱（mailto）、电话（tel）或站内文件".into(),
    )
}

/// The error for an image whose scheme may not be published. Pictures
/// written into the page as `data:` URLs are refused too, even raster
/// ones: they would bypass photo processing, so a phone photo's GPS
/// position and device data would be published, and no thumbnail or
/// gallery entry is made; the file belongs in the report's folder.
fn refused_image(url: &str, scheme: &str) -> (String, String) {
    let message = format!(
        "图片 “{}” 不能发布：不支持 “{scheme}:” 开头的地址",
        shown(url)
    );
    let hint = if scheme == "data" {
        "把图片文件放到报道所在文件夹，再写 ![图片说明](文件名.jpg)：照片会自动缩小，并去掉拍摄位置等信息"
    } else {
        "图片只能引用站内文件（写相对路径）或网址（http/https）"
    };
    (message, hint.into())
}

/// [`clean_text`] for the parser's strings.
fn clean_cow(s: CowStr<'_>) -> CowStr<'_> {
    if has_unsafe_chars(&s) {
        CowStr::from(clean_text(&s).into_owned())
    } else {
        s
    }
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

fn strip_joiner(s: CowStr<'_>) -> CowStr<'_> {
    if s.contains(JOINER) {
        s.replace(JOINER, "").into()
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

/// Length of a summary made from the body, in characters.
pub const SUMMARY_CHARS: usize = 120;

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

fn img_tag(src: &str, alt: &str, title: &str, size: Option<(u32, u32)>) -> String {
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

/// Originals above this size get a warning: they slow the office's builds
/// and uploads, although what is published is resized anyway.
const HUGE_ORIGINAL: u64 = 20 * 1024 * 1024;

/// A local image: processed into its variants when it is a photo, shown at
/// display size with its dimensions, linked to the full-size view.
#[allow(clippy::too_many_arguments)]
fn image_html(
    ctx: &PageContext,
    target: &str,
    alt: &str,
    title: &str,
    in_photo_row: bool,
    out: &mut Rendered,
    diags: &mut Diagnostics,
    // Where the image is, worked out only for a warning (it scans the text).
    pos: &dyn Fn() -> Pos,
) -> Result<String, (String, String)> {
    let (path_part, _) = target.split_once('#').unwrap_or((target, ""));
    let looked_ahead = |file: &std::path::Path| ctx.images?.looked_ahead(file);
    let (url, asset) = ctx
        .routes
        .asset_with(ctx.dir, ctx.route, path_part, &looked_ahead)
        .map_err(|e| e.describe(target))?;
    let processed = match (&asset, ctx.images) {
        (Some(a), Some(images)) if crate::images::is_raster(&a.source) => {
            Some(images.process(&a.source, a.stamp))
        }
        _ => None,
    };
    let Some(processed) = processed else {
        // Not processed (`wenming check`): still a photo of this report.
        if asset
            .as_ref()
            .is_some_and(|a| crate::images::is_raster(&a.source))
        {
            out.images.push(Photo {
                written: path_part.to_string(),
                url: url.clone(),
                display: url.clone(),
                thumb: url.clone(),
                thumb_width: 0,
                thumb_height: 0,
                alt: alt.to_string(),
            });
        }
        out.assets.extend(asset);
        return Ok(img_tag(&url, alt, title, None));
    };
    let asset = asset.expect("processed implies a local asset");
    let p = match processed.as_ref() {
        Ok(p) => p,
        Err(why) => {
            // Published as it is: the page shows the original, copied whole.
            let (m, h) = why.describe(target);
            diags.warning_hint(ctx.path, pos(), m, h);
            out.assets.push(asset.clone());
            return Ok(img_tag(&url, alt, title, None));
        }
    };
    if p.incomplete {
        let (m, h) = crate::images::Processed::incomplete_warning(target);
        diags.warning_hint(ctx.path, pos(), m, h);
    }
    if p.original_bytes > HUGE_ORIGINAL {
        diags.warning_hint(
            ctx.path,
            pos(),
            format!("图片 “{target}” 原图有 {:.0} MB", p.original_bytes as f64 / 1024.0 / 1024.0),
            "网页上发布的是自动缩小的版本；原图过大会拖慢生成和上传，可用手机或电脑的“压缩图片”功能缩小后再放入",
        );
    }
    let mut publish = |v: &crate::images::Variant| -> String {
        let output = p.output_path(&asset.output, v);
        let url = ctx.routes.url(&output);
        out.assets.push(crate::links::Asset {
            source: v.file.clone(),
            output,
            stamp: None,
        });
        url
    };
    let large = publish(&p.large);
    let display = publish(&p.display);
    let thumb = publish(&p.thumb);
    let mut html = String::with_capacity(160 + large.len() + display.len() + 2 * alt.len());
    if in_photo_row {
        html.push_str("<figure class=\"photo\">");
    }
    html.push_str("<a class=\"photo-link\" href=\"");
    push_escaped(&mut html, &large);
    html.push_str("\">");
    push_img_tag(
        &mut html,
        &display,
        alt,
        title,
        Some((p.display.width, p.display.height)),
    );
    html.push_str("</a>");
    if in_photo_row {
        html.push_str("<figcaption>");
        push_escaped(&mut html, alt);
        html.push_str("</figcaption></figure>\n");
    }
    out.images.push(Photo {
        written: path_part.to_string(),
        url: large,
        display,
        thumb,
        thumb_width: p.thumb.width,
        thumb_height: p.thumb.height,
        alt: alt.to_string(),
    });
    Ok(html)
}

fn rewrite_link(
    link_type: LinkType,
    dest: &str,
    ctx: &PageContext,
    out: &mut Rendered,
    pos: &dyn Fn() -> Pos,
) -> Result<String, (String, String)> {
    if dest.starts_with("//")
        || crate::links::scheme_of(dest).is_some_and(|s| s == "http" || s == "https")
    {
        out.external.push(dest.to_string());
    }
    if matches!(link_type, LinkType::Email | LinkType::Autolink)
        || is_external(dest)
        || dest.starts_with('#')
        || dest.is_empty()
    {
        return Ok(dest.to_string());
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    let with_fragment = |url: String| match fragment {
        Some(f) => format!("{url}#{f}"),
        None => url,
    };
    if let Some(n) = crate::links::later_gallery_page(path) {
        // Checked once the number of gallery pages is known.
        out.gallery_links.push((n, dest.to_string(), pos()));
        let route = crate::links::page_route(crate::links::GALLERY, n);
        return Ok(with_fragment(ctx.routes.url(&route)));
    }
    if path.starts_with('/') {
        return ctx
            .routes
            .absolute_link(path)
            .map(with_fragment)
            .map_err(|e| e.describe(dest));
    }
    if path.to_ascii_lowercase().ends_with(".md") {
        return ctx
            .routes
            .markdown_link(ctx.dir, path)
            .map(with_fragment)
            .map_err(|e| e.describe(dest));
    }
    match ctx.routes.asset(ctx.dir, ctx.route, path) {
        Ok((url, asset)) => {
            if let Some(a) = asset {
                out.assets.push(a);
            }
            Ok(with_fragment(url))
        }
        Err(e) => Err(e.describe(dest)),
    }
}

fn highlight(code: &str, lang: &str) -> String {
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

pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> String {
        let routes = Routes {
            root: "/s".into(),
            base_path: "/".into(),
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
    fn escaping_drops_unsafe_characters() {
        assert_eq!(escape_attr("\u{0}<a>"), "&lt;a&gt;");
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
