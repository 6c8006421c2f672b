//! Full-text search that handles Chinese and works offline: an index built
//! from the rendered pages, split so a visitor downloads only a small part.
//!
//! Chinese has no spaces, and word segmenters disagree with each other and
//! with what an assessor types, so the index does not segment words. It
//! records every Chinese character and every pair of neighbouring
//! characters (bigrams); a query of several characters matches the pages
//! holding all of its bigrams, and the browser then checks the exact phrase
//! in the page's text. Runs of letters and digits (`AED`, `2022`) are words,
//! folded to lower case and half width. This is the classic CJK approach
//! (Lucene's CJK analyzer) and needs no dictionary, so a name or a new term
//! is found as soon as it is written.
//!
//! The index is written under [`DIR`]:
//! - `meta.json`: the number of pages and buckets, a stamp that changes with
//!   the index, and the filter values with the pages carrying each;
//! - `t/N.json`: bucket N of the terms (a term goes to bucket
//!   FNV-1a(term) mod buckets), each term with its pages and counts;
//! - `doc/N.json`: page N's address, metadata, filters and text, fetched
//!   only for the results on screen;
//! - `engine.js`: the code that reads all this in the browser (the search
//!   page's script imports it). It ships with the index so the two always
//!   match, whatever theme the site uses.
//!
//! Pages are numbered newest first, so a list of page numbers in order is a
//! list by date.
//!
//! Which pages are indexed is decided by the theme, with the attributes
//! Pagefind defined (so a site can still be indexed with Pagefind's own
//! tool): a page is indexed when its HTML carries `data-pagefind-body` (the
//! default theme puts it on the article of report and publicity pages).
//! Lists, archives, criterion pages and the dossier carry none, so they are
//! left out; the search page and the 404 page are left out whatever their
//! HTML says. Inside the body, `data-pagefind-ignore` parts are not indexed;
//! `data-pagefind-meta` and `data-pagefind-filter` name the metadata shown
//! in results and the filters (`kind`, `criteria`, `office`, `year`), as
//! `key` (the element's text), `key:value` or `key[attribute]`;
//! `data-pagefind-index-attrs` lists attributes whose values are indexed as
//! text; `data-pagefind-sort="date[datetime]"` gives the date.

use crate::output::{Content, OutputFile};
use lol_html::html_content::{Element, TextType};
use lol_html::{doc_text, element, end_tag, HtmlRewriter, Settings};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// Where the index goes, site-relative. `search/` is a reserved route, so no
/// page of the site can collide with it.
pub const DIR: &str = "search/index/";

/// The index format; the engine refuses an index of another version.
const VERSION: u32 = 1;

/// The browser side, shipped with every index.
const ENGINE: &str = include_str!("search_engine.js");

/// The attribute by which a theme opts a page into the index.
const BODY_MARK: &[u8] = b"data-pagefind-body";

/// A term is at most this many bytes of UTF-8 (a Chinese bigram is 6);
/// longer words are cut at a character boundary, in the browser too, so a
/// long word matches its first eight letters and the phrase check does the
/// rest.
const TERM_BYTES: usize = 8;

/// Title words count this many times over, so a page about the query ranks
/// above one that mentions it.
const TITLE_WEIGHT: u16 = 5;

/// About this many characters of text per bucket: a query of a few
/// characters then downloads a few buckets of tens of kilobytes.
const CHARS_PER_BUCKET: usize = 6_000;
const MAX_BUCKETS: usize = 4_096;

/// Whether the page at `path` (site-relative file path, e.g.
/// `reports/a/index.html`) goes into the index.
pub fn indexable(path: &str, html: &[u8]) -> bool {
    path.ends_with(".html")
        && !path.starts_with("search/")
        && path != "404.html"
        && contains(html, BODY_MARK)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The URL of the page at `path` as a visitor requests it: the base path,
/// then the folder of an `index.html`, percent-encoded where a URL path
/// needs it (non-ASCII slugs, spaces).
pub fn page_url(base_path: &str, path: &str) -> String {
    let dir = path.strip_suffix("index.html").unwrap_or(path);
    let mut url = String::with_capacity(base_path.len() + dir.len() + 1);
    url.push_str(base_path);
    if !url.ends_with('/') {
        url.push('/');
    }
    for b in dir.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                url.push(b as char)
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
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
pub fn extract(base_path: &str, path: &str, html: &[u8]) -> Result<Option<Record>, String> {
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
    record.url = page_url(base_path, path);
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
type Term = u64;

fn term_of(bytes: &[u8]) -> Term {
    let mut b = [0u8; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(b)
}

fn term_text(term: Term) -> String {
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
fn terms_of(text: &str, weight: u16, out: &mut FxHashMap<Term, u16>) {
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
fn bucket_of(term: Term, buckets: usize) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in term.to_le_bytes().into_iter().take_while(|&b| b != 0) {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h as usize % buckets
}

/// Index the rendered HTML pages (`(path, html)`, paths like
/// `reports/a/index.html`) and return the files of the index, under [`DIR`].
/// `base_path` is the site's path on its host (`/wmcj/`); result URLs carry it.
pub fn index<'a>(
    base_path: &str,
    pages: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Result<Vec<OutputFile>, String> {
    let pages: Vec<(&str, &[u8])> = pages.collect();
    let mut clock = crate::timings::Clock::start();
    let records: Vec<Record> = pages
        .par_iter()
        .map(|(path, html)| extract(base_path, path, html))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    clock.lap("search: read pages");
    Ok(write(records))
}

/// Records gathered from pages as they are rendered, from many threads.
#[derive(Default)]
pub struct Collector {
    records: Mutex<Vec<Record>>,
    errors: Mutex<Vec<String>>,
}

impl Collector {
    pub fn take(&self, base_path: &str, path: &str, html: &[u8]) {
        match extract(base_path, path, html) {
            Ok(Some(r)) => self.records.lock().unwrap().push(r),
            Ok(None) => {}
            Err(e) => self.errors.lock().unwrap().push(e),
        }
    }

    /// The index files, or the first error met while reading a page.
    pub fn finish(self) -> Result<Vec<OutputFile>, String> {
        let errors = self.errors.into_inner().unwrap();
        if let Some(e) = errors.into_iter().min() {
            return Err(e);
        }
        Ok(write(self.records.into_inner().unwrap()))
    }
}

/// The files of the index of `records`.
pub fn write(mut records: Vec<Record>) -> Vec<OutputFile> {
    let mut clock = crate::timings::Clock::start();
    // Newest first; pages without a date last; the address breaks ties, so
    // the numbering never depends on the order pages were rendered in.
    records.sort_by(|a, b| {
        (a.date.is_empty(), &b.date, &a.url).cmp(&(b.date.is_empty(), &a.date, &b.url))
    });
    let chars: usize = records.iter().map(|r| r.text.len() / 3 + 1).sum();
    let buckets = (chars / CHARS_PER_BUCKET)
        .max(1)
        .next_power_of_two()
        .min(MAX_BUCKETS);

    // Each page's terms with their counts and buckets, in parallel.
    let per_page: Vec<Vec<(Term, u16, u16)>> = records
        .par_iter()
        .map(|r| {
            let mut counts =
                FxHashMap::with_capacity_and_hasher(r.text.len() / 2, Default::default());
            terms_of(&r.text, 1, &mut counts);
            if let Some(title) = r.meta.get("title") {
                terms_of(title, TITLE_WEIGHT - 1, &mut counts);
            }
            counts
                .into_iter()
                .map(|(term, n)| (term, n, bucket_of(term, buckets) as u16))
                .collect()
        })
        .collect();
    clock.lap("search: terms");

    // Postings grouped by bucket (a counting sort: pages stay in number
    // order within a bucket), each page's list freed once placed.
    let mut starts = vec![0usize; buckets + 1];
    for terms in &per_page {
        for t in terms {
            starts[t.2 as usize + 1] += 1;
        }
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut postings: Vec<(Term, u32, u16)> = vec![(0, 0, 0); starts[buckets]];
    for (id, terms) in per_page.into_iter().enumerate() {
        for (term, n, b) in terms {
            postings[next[b as usize]] = (term, id as u32, n);
            next[b as usize] += 1;
        }
    }
    let mut slices: Vec<&mut [(Term, u32, u16)]> = Vec::with_capacity(buckets);
    let mut rest = postings.as_mut_slice();
    for b in 0..buckets {
        let (head, tail) = rest.split_at_mut(starts[b + 1] - starts[b]);
        slices.push(head);
        rest = tail;
    }
    clock.lap("search: group");

    // Every bucket gets a file, empty or not: the browser asks for the
    // bucket of any word typed, and a missing file would be an error.
    let mut files: Vec<OutputFile> = slices
        .into_par_iter()
        .enumerate()
        .map(|(b, group)| {
            group.sort_by_key(|p| p.0); // stable: page numbers stay in order
            let mut json = String::with_capacity(group.len() * 6 + 16);
            json.push('{');
            for (i, term) in group.chunk_by(|a, b| a.0 == b.0).enumerate() {
                if i > 0 {
                    json.push(',');
                }
                // Terms are letters and digits only: nothing to escape.
                let _ = write!(json, "\"{}\":[", term_text(term[0].0));
                let mut last = 0;
                for (j, p) in term.iter().enumerate() {
                    if j > 0 {
                        json.push(',');
                    }
                    let _ = write!(json, "{},{}", p.1 - last, p.2);
                    last = p.1;
                }
                json.push(']');
            }
            json.push('}');
            bytes_file(format!("{DIR}t/{b}.json"), json.into_bytes())
        })
        .collect();
    drop(postings);
    clock.lap("search: buckets");

    // One small file per page, for the results on screen.
    let docs: Vec<OutputFile> = records
        .par_iter()
        .enumerate()
        .map(|(id, r)| {
            let doc = serde_json::json!({
                "url": r.url,
                "meta": r.meta,
                "filters": r.filters,
                "content": r.text,
            });
            bytes_file(format!("{DIR}doc/{id}.json"), doc.to_string().into_bytes())
        })
        .collect();

    clock.lap("search: docs");
    // Filters: value → page numbers, as gaps from the previous one.
    let mut filters: BTreeMap<&str, BTreeMap<&str, Vec<u32>>> = BTreeMap::new();
    for (id, r) in records.iter().enumerate() {
        for (key, values) in &r.filters {
            for v in values {
                filters
                    .entry(key)
                    .or_default()
                    .entry(v)
                    .or_default()
                    .push(id as u32);
            }
        }
    }
    let filters: BTreeMap<&str, BTreeMap<&str, Vec<u32>>> = filters
        .into_iter()
        .map(|(k, values)| {
            let values = values
                .into_iter()
                .map(|(v, ids)| {
                    let gaps = ids
                        .iter()
                        .scan(0, |last, &id| {
                            let gap = id - *last;
                            *last = id;
                            Some(gap)
                        })
                        .collect();
                    (v, gaps)
                })
                .collect();
            (k, values)
        })
        .collect();

    // The stamp changes whenever any file of the index does, so browsers
    // never combine a new meta.json with buckets they cached before.
    let stamp = {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        for f in files.iter().chain(&docs) {
            f.path.hash(&mut h);
            if let Content::Bytes(b) = &f.content {
                b.hash(&mut h);
            }
        }
        format!("{:016x}", h.finish())
    };
    let meta = serde_json::json!({
        "version": VERSION,
        "pages": records.len(),
        "buckets": buckets,
        "stamp": stamp,
        "filters": filters,
    });
    clock.lap("search: filters and stamp");
    files.extend(docs);
    files.push(bytes_file(
        format!("{DIR}meta.json"),
        meta.to_string().into_bytes(),
    ));
    files.push(bytes_file(
        format!("{DIR}engine.js"),
        ENGINE.as_bytes().to_vec(),
    ));
    files
}

fn bytes_file(path: String, bytes: Vec<u8>) -> OutputFile {
    OutputFile {
        path,
        content: Content::Bytes(Arc::from(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_base_and_drop_index_html() {
        assert_eq!(
            page_url("/wmcj/", "reports/a/index.html"),
            "/wmcj/reports/a/"
        );
        assert_eq!(page_url("/", "about/index.html"), "/about/");
        assert_eq!(
            page_url("/wmcj", "reports/志愿/index.html"),
            "/wmcj/reports/%E5%BF%97%E6%84%BF/"
        );
    }

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
    fn the_body_is_read_without_ignored_parts_and_with_its_fields() {
        let html = r#"<html><head><title>x</title></head><body><nav>导航</nav>
<article data-pagefind-body data-pagefind-meta="summary:摘要, 含逗号">
<h1 data-pagefind-meta="title">学雷锋 &amp; 志愿</h1>
<p data-pagefind-ignore data-pagefind-filter="year:2022"><time datetime="2022-10-20" data-pagefind-sort="date[datetime]">2022-10-20</time>
<a data-pagefind-filter="kind" data-pagefind-meta="kind">志愿服务</a></p>
<span data-pagefind-ignore data-pagefind-index-attrs="data-kind" data-kind="志愿服务">类别</span>
<ul><li>第一</li><li>第二</li></ul><p>正文<strong>重点</strong>。</p>
</article><footer>主办单位</footer></body></html>"#;
        let r = extract("/s/", "reports/a/index.html", html.as_bytes())
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
        assert!(extract("/", "reports/index.html", b"<p>x</p>")
            .unwrap()
            .is_none());
    }

    #[test]
    fn buckets_follow_fnv1a_as_the_engine_computes_it() {
        // FNV-1a 32 of "a" is 0xe40c292c (the published test vector).
        assert_eq!(bucket_of(term_of(b"a"), usize::MAX >> 1), 0xe40c_292c);
        assert!(ENGINE.contains("0x811c9dc5") && ENGINE.contains("0x01000193"));
    }
}
