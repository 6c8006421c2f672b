//! What the index keeps of a page: whether the theme marked it for the
//! index, and its body text, metadata, filters and date, read as the page
//! streams through an HTML parser (lol_html).

use crate::urls::Urls;
use lol_html::html_content::{Element, TextType};
use lol_html::{doc_text, element, end_tag, HtmlRewriter, Settings};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The attribute by which a theme opts a page into the index.
const BODY_MARK: &[u8] = b"data-pagefind-body";

/// Whether the page at `path` (site-relative file path, e.g.
/// `reports/a/index.html`) goes into the index.
pub(crate) fn indexable(path: &str, html: &[u8]) -> bool {
    path.ends_with(".html")
        && !path.starts_with("search/")
        && path != "404.html"
        && contains(html, BODY_MARK)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What the index keeps of one page.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub url: String,
    pub meta: BTreeMap<String, String>,
    pub filters: BTreeMap<String, Vec<String>>,
    /// What the page sorts by, newest first (an ISO date).
    pub date: String,
    /// The text of the body, spaces collapsed.
    pub text: String,
}

/// The record of the page at `path`, if the page is indexed.
pub(crate) fn extract(urls: &Urls, path: &str, html: &[u8]) -> Result<Option<Record>, String> {
    if !indexable(path, html) {
        return Ok(None);
    }
    // Everything before the tag that opens the body is navigation and head:
    // skip it unparsed (it is most of a page's bytes).
    let mark = html
        .windows(BODY_MARK.len())
        .position(|w| w == BODY_MARK)
        .unwrap_or(0);
    let start = html[..mark].iter().rposition(|&b| b == b'<').unwrap_or(0);
    let mut record = parse(&html[start..]).map_err(|e| format!("{path}：{e}"))?;
    record.url = urls.of_file(path);
    if record.date.is_empty() {
        record.date = record.meta.get("date").cloned().unwrap_or_default();
    }
    Ok(Some(record))
}

/// What is collected while the page streams through the parser.
#[derive(Default)]
struct Scan {
    record: Record,
    /// Nesting of body and ignored elements around the current text.
    body: u32,
    ignored: u32,
    /// Metadata and filters taken from an element's text, being collected.
    open: Vec<Capture>,
    /// The raw text of the current text node (entities still encoded).
    pending: String,
}

struct Capture {
    key: String,
    filter: bool,
    text: String,
}

/// Elements that separate words: text on either side of them does not run
/// together (`<li>一</li><li>二</li>` is not the bigram 一二).
const BLOCKS: &str = "address, article, aside, blockquote, br, dd, details, div, dl, dt, \
    figcaption, figure, footer, h1, h2, h3, h4, h5, h6, header, hr, img, li, main, nav, ol, \
    p, pre, section, summary, table, td, th, tr, ul";

fn parse(html: &[u8]) -> Result<Record, String> {
    let scan = Rc::new(RefCell::new(Scan::default()));
    let handlers = {
        let (body, ignore, meta, filter, attrs, sort, block, text) = (
            scan.clone(),
            scan.clone(),
            scan.clone(),
            scan.clone(),
            scan.clone(),
            scan.clone(),
            scan.clone(),
            scan.clone(),
        );
        (
            vec![
                element!("[data-pagefind-body]", move |el| {
                    enter(&body, el, |s| &mut s.body)
                }),
                element!("[data-pagefind-ignore]", move |el| {
                    enter(&ignore, el, |s| &mut s.ignored)
                }),
                element!("[data-pagefind-meta]", move |el| {
                    capture(&meta, el, "data-pagefind-meta", false)
                }),
                element!("[data-pagefind-filter]", move |el| {
                    capture(&filter, el, "data-pagefind-filter", true)
                }),
                // Attribute values indexed as text (the default theme
                // gives the kind, so 廉洁 finds the 廉洁教育 reports),
                // even on an element whose own text is ignored.
                element!("[data-pagefind-index-attrs]", move |el| {
                    let mut s = attrs.borrow_mut();
                    if s.body == 0 {
                        return Ok(());
                    }
                    flush(&mut s);
                    let names = el
                        .get_attribute("data-pagefind-index-attrs")
                        .unwrap_or_default();
                    for name in names.split(',') {
                        if let Some(value) = el.get_attribute(name.trim()) {
                            separate_text(&mut s.record.text);
                            push_collapsed(&mut s.record.text, &decode(&value));
                            separate_text(&mut s.record.text);
                        }
                    }
                    Ok(())
                }),
                element!("[data-pagefind-sort]", move |el| {
                    let spec = el.get_attribute("data-pagefind-sort").unwrap_or_default();
                    if let Some(("date", Some(value))) = field(el, &spec) {
                        sort.borrow_mut().record.date = value;
                    }
                    Ok(())
                }),
                element!(BLOCKS, move |el| {
                    flush(&mut block.borrow_mut());
                    separate(&mut block.borrow_mut());
                    if el.can_have_content() {
                        let block = block.clone();
                        el.on_end_tag(end_tag!(move |_| {
                            flush(&mut block.borrow_mut());
                            separate(&mut block.borrow_mut());
                            Ok(())
                        }))?;
                    }
                    Ok(())
                }),
            ],
            vec![doc_text!(move |t| {
                let mut s = text.borrow_mut();
                if t.text_type() == TextType::Data {
                    s.pending.push_str(t.as_str());
                }
                if t.last_in_text_node() {
                    flush(&mut s);
                }
                Ok(())
            })],
        )
    };
    let mut settings = Settings::new();
    for h in handlers.0 {
        settings = settings.append_element_content_handler(h);
    }
    for h in handlers.1 {
        settings = settings.append_document_content_handler(h);
    }
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    rewriter.write(html).map_err(|e| e.to_string())?;
    rewriter.end().map_err(|e| e.to_string())?;
    let mut scan = Rc::try_unwrap(scan)
        .map_err(|_| "解析器未释放页面".to_string())?
        .into_inner();
    flush(&mut scan);
    let text = scan.record.text.trim_end().to_string();
    scan.record.text = text;
    Ok(scan.record)
}

/// Count one more element around the text that follows, until its end tag.
fn enter(
    scan: &Rc<RefCell<Scan>>,
    el: &mut Element,
    depth: fn(&mut Scan) -> &mut u32,
) -> lol_html::HandlerResult {
    if !el.can_have_content() {
        return Ok(());
    }
    {
        let mut s = scan.borrow_mut();
        flush(&mut s);
        *depth(&mut s) += 1;
    }
    let scan = scan.clone();
    el.on_end_tag(end_tag!(move |_| {
        let mut s = scan.borrow_mut();
        flush(&mut s);
        let d = depth(&mut s);
        *d = d.saturating_sub(1);
        Ok(())
    }))?;
    Ok(())
}

/// `key:value`, `key[attribute]` or `key` (the element's text, returned as
/// `None` to be collected).
fn field<'a>(el: &Element, spec: &'a str) -> Option<(&'a str, Option<String>)> {
    let spec = spec.trim();
    if let Some((key, value)) = spec.split_once(':') {
        return Some((key.trim(), Some(decode(value.trim()))));
    }
    if let Some((key, attr)) = spec.strip_suffix(']').and_then(|s| s.split_once('[')) {
        let value = el.get_attribute(attr.trim()).map(|v| decode(&v))?;
        return Some((key.trim(), Some(value)));
    }
    (!spec.is_empty()).then_some((spec, None))
}

fn capture(
    scan: &Rc<RefCell<Scan>>,
    el: &mut Element,
    attr: &str,
    filter: bool,
) -> lol_html::HandlerResult {
    let spec = el.get_attribute(attr).unwrap_or_default();
    // Pagefind allows several fields in one attribute; a value with a comma
    // (a summary) is one field, since it has a colon before the comma.
    let fields: Vec<&str> = if spec.contains(':') {
        vec![spec.as_str()]
    } else {
        spec.split(',').collect()
    };
    let mut collect = Vec::new();
    {
        let mut s = scan.borrow_mut();
        for f in fields {
            match field(el, f) {
                Some((key, Some(value))) => store(&mut s.record, key, value, filter),
                Some((key, None)) if el.can_have_content() => collect.push(key.to_string()),
                _ => {}
            }
        }
        if collect.is_empty() {
            return Ok(());
        }
        flush(&mut s);
        for key in &collect {
            s.open.push(Capture {
                key: key.clone(),
                filter,
                text: String::new(),
            });
        }
    }
    let scan = scan.clone();
    let n = collect.len();
    el.on_end_tag(end_tag!(move |_| {
        let mut s = scan.borrow_mut();
        flush(&mut s);
        let at = s.open.len().saturating_sub(n);
        let done: Vec<Capture> = s.open.drain(at..).collect();
        for c in done {
            let value = collapse(&c.text);
            store(&mut s.record, &c.key, value, c.filter);
        }
        Ok(())
    }))?;
    Ok(())
}

fn store(record: &mut Record, key: &str, value: String, filter: bool) {
    if value.is_empty() || key.is_empty() {
        return;
    }
    if filter {
        let values = record.filters.entry(key.to_string()).or_default();
        if !values.contains(&value) {
            values.push(value);
        }
    } else {
        record.meta.entry(key.to_string()).or_insert(value);
    }
}

/// Hand the text gathered so far to the body text and open captures.
fn flush(s: &mut Scan) {
    if s.pending.is_empty() {
        return;
    }
    let text = decode(&s.pending);
    s.pending.clear();
    for c in &mut s.open {
        c.text.push_str(&text);
    }
    if s.body > 0 && s.ignored == 0 {
        push_collapsed(&mut s.record.text, &text);
    }
}

fn separate(s: &mut Scan) {
    if s.body > 0 && s.ignored == 0 {
        separate_text(&mut s.record.text);
    }
    for c in &mut s.open {
        c.text.push(' ');
    }
}

fn separate_text(text: &mut String) {
    if !text.is_empty() && !text.ends_with(' ') {
        text.push(' ');
    }
}

fn decode(raw: &str) -> String {
    if raw.contains('&') {
        html_escape::decode_html_entities(raw).into_owned()
    } else {
        raw.to_string()
    }
}

/// Append `text` with runs of white space as one space (none at the start).
fn push_collapsed(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{200b}' {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

fn collapse(text: &str) -> String {
    let mut out = String::new();
    push_collapsed(&mut out, text);
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_read_without_ignored_parts_and_with_its_fields() {
        let html = r#"<html><head><title>x</title></head><body><nav>导航</nav>
<article data-pagefind-body data-pagefind-meta="summary:摘要, 含逗号">
<h1 data-pagefind-meta="title">学雷锋 &amp; 志愿</h1>
<p data-pagefind-ignore data-pagefind-filter="year:2022"><time datetime="2022-10-20" data-pagefind-sort="date[datetime]">2022-10-20</time>
<a data-pagefind-filter="kind" data-pagefind-meta="kind">志愿服务</a></p>
<span data-pagefind-ignore data-pagefind-index-attrs="data-kind" data-kind="志愿服务">类别</span>
<ul><li>第一</li><li>第二</li></ul><p>正文<strong>重点</strong>。</p>
</article><footer>主办单位</footer></body></html>"#;
        let r = extract(&Urls::new("/s/"), "reports/a/index.html", html.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(r.url, "/s/reports/a/");
        assert_eq!(r.meta["title"], "学雷锋 & 志愿");
        assert_eq!(r.meta["kind"], "志愿服务");
        assert_eq!(r.meta["summary"], "摘要, 含逗号");
        assert_eq!(r.date, "2022-10-20");
        assert_eq!(r.filters["year"], ["2022"]);
        assert_eq!(r.filters["kind"], ["志愿服务"]);
        assert_eq!(r.text, "学雷锋 & 志愿 志愿服务 第一 第二 正文重点。");
        assert!(extract(&Urls::new("/"), "reports/index.html", b"<p>x</p>")
            .unwrap()
            .is_none());
    }
}
