//! One XML part of a .docx as a small element tree, every name under the
//! prefix the OOXML specs use (`w:p`, `r:id`) whatever prefix the writer
//! declared, so that the reader matches plain strings.
//!
//! A tree rather than a stream: a paragraph's properties come before its
//! runs but a table's cell merges and a picture's caption need looking
//! around, and a report's document.xml is a few megabytes at most (the
//! parts are size-capped before they get here).

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deeper nesting is no real document, and a tree that deep would
/// overflow the stack when walked (or dropped), which no guard catches.
const MAX_DEPTH: usize = 200;

#[derive(Debug, Default)]
pub(crate) struct Element {
    /// `w:p`; unprefixed names of unknown namespaces keep their local name.
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

/// Where and why a part is not well-formed XML.
#[derive(Debug)]
pub(crate) struct XmlError {
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first descendant (depth first, self excluded) named `name`.
    pub fn find(&self, name: &str) -> Option<&Element> {
        for e in self.elements() {
            if e.name == name {
                return Some(e);
            }
            if let Some(found) = e.find(name) {
                return Some(found);
            }
        }
        None
    }

    /// The text directly inside this element.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for c in &self.children {
            if let Node::Text(t) = c {
                s.push_str(t);
            }
        }
        s
    }

    /// `w:val` of the child `name`, e.g. `<w:pStyle w:val="Heading1"/>`.
    pub fn child_val(&self, name: &str) -> Option<&str> {
        self.child(name).and_then(|c| c.attr("w:val"))
    }
}

/// The namespaces a .docx uses (transitional and strict forms), with the
/// prefix the reader knows them by.
const NAMESPACES: &[(&str, &str)] = &[
    (
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "w",
    ),
    ("http://purl.oclc.org/ooxml/wordprocessingml/main", "w"),
    (
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "r",
    ),
    (
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
        "r",
    ),
    ("http://schemas.openxmlformats.org/drawingml/2006/main", "a"),
    ("http://purl.oclc.org/ooxml/drawingml/main", "a"),
    (
        "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
        "wp",
    ),
    (
        "http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing",
        "wp",
    ),
    (
        "http://schemas.openxmlformats.org/drawingml/2006/picture",
        "pic",
    ),
    ("http://purl.oclc.org/ooxml/drawingml/picture", "pic"),
    (
        "http://schemas.openxmlformats.org/drawingml/2006/chart",
        "c",
    ),
    ("http://purl.oclc.org/ooxml/drawingml/chart", "c"),
    (
        "http://schemas.openxmlformats.org/drawingml/2006/diagram",
        "dgm",
    ),
    ("http://purl.oclc.org/ooxml/drawingml/diagram", "dgm"),
    (
        "http://schemas.openxmlformats.org/officeDocument/2006/math",
        "m",
    ),
    ("http://purl.oclc.org/ooxml/officeDocument/math", "m"),
    (
        "http://schemas.openxmlformats.org/markup-compatibility/2006",
        "mc",
    ),
    (
        "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
        "wps",
    ),
    (
        "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
        "wpg",
    ),
    (
        "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas",
        "wpc",
    ),
    (
        "http://schemas.microsoft.com/office/word/2010/wordml",
        "w14",
    ),
    ("urn:schemas-microsoft-com:vml", "v"),
    ("urn:schemas-microsoft-com:office:office", "o"),
    (
        "http://schemas.openxmlformats.org/package/2006/relationships",
        "pr",
    ),
    (
        "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
        "cp",
    ),
    ("http://purl.org/dc/elements/1.1/", "dc"),
    ("http://purl.org/dc/terms/", "dcterms"),
    ("http://www.w3.org/XML/1998/namespace", "xml"),
];

/// Declared prefixes in scope, innermost last; `None` is the default one.
struct Scopes {
    bindings: Vec<(Option<String>, String)>,
    /// How many bindings each open element added.
    added: Vec<usize>,
}

impl Scopes {
    fn resolve(&self, prefix: Option<&str>) -> Option<&str> {
        if prefix == Some("xml") {
            return Some("xml");
        }
        let uri = self
            .bindings
            .iter()
            .rev()
            .find(|(p, _)| p.as_deref() == prefix)
            .map(|(_, u)| u.as_str())?;
        Some(
            NAMESPACES
                .iter()
                .find(|(u, _)| *u == uri)
                .map(|(_, p)| *p)
                // Known to be something else: never equal to a name we look for.
                .unwrap_or("?"),
        )
    }

    /// `prefix:local` as the reader knows it.
    fn name(&self, raw: &str, attribute: bool) -> String {
        let (prefix, local) = match raw.split_once(':') {
            Some((p, l)) => (Some(p), l),
            None => (None, raw),
        };
        // Unprefixed attributes have no namespace; unprefixed elements take
        // the default one.
        if prefix.is_none() && attribute {
            return local.to_string();
        }
        match self.resolve(prefix) {
            Some("pr") | None => local.to_string(),
            Some(p) => format!("{p}:{local}"),
        }
    }
}

/// The tree of one part. `part` is only for messages.
pub(crate) fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let text = decode(bytes);
    let mut reader = Reader::from_str(&text);
    reader.config_mut().trim_text(false);
    let mut scopes = Scopes {
        bindings: Vec::new(),
        added: Vec::new(),
    };
    // The open elements; the root is a synthetic document node.
    let mut stack: Vec<Element> = vec![Element::default()];
    let fail = |at: u64, reason: String| {
        let (line, column) = line_col(&text, at as usize);
        XmlError {
            line,
            column,
            reason,
        }
    };
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = reader.error_position();
                return Err(fail(at, e.to_string()));
            }
        };
        match event {
            Event::Start(_) | Event::Empty(_) if stack.len() > MAX_DEPTH => {
                return Err(fail(
                    reader.buffer_position(),
                    format!("元素嵌套超过 {MAX_DEPTH} 层"),
                ));
            }
            Event::Start(start) => {
                let el =
                    open(&start, &mut scopes).map_err(|r| fail(reader.buffer_position(), r))?;
                stack.push(el);
            }
            Event::Empty(start) => {
                let el =
                    open(&start, &mut scopes).map_err(|r| fail(reader.buffer_position(), r))?;
                close(&mut scopes);
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Element(el));
                }
            }
            Event::End(_) => {
                // quick-xml checks that end names match.
                close(&mut scopes);
                let Some(el) = stack.pop() else { break };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None => return Err(fail(reader.buffer_position(), "多余的结束标记".into())),
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(t) => push_text(&mut stack, &t.into_inner()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(s) => s.to_string(),
                        None => {
                            return Err(fail(
                                reader.buffer_position(),
                                format!("未知的实体 “&{};”", &*r),
                            ))
                        }
                    },
                    Err(e) => return Err(fail(reader.buffer_position(), e.to_string())),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if stack.len() != 1 {
        let open = stack.last().map(|e| e.name.clone()).unwrap_or_default();
        return Err(fail(
            text.len() as u64,
            format!("文件在 <{open}> 结束之前就断了"),
        ));
    }
    let document = stack.pop().unwrap_or_default();
    document
        .children
        .into_iter()
        .find_map(|c| match c {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .ok_or_else(|| XmlError {
            line: 1,
            column: 1,
            reason: "没有任何内容".into(),
        })
}

/// UTF-8 (with or without a BOM) or UTF-16 as the part declares by its BOM.
fn decode(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return text;
    }
    String::from_utf8_lossy(bytes)
}

fn open(start: &BytesStart, scopes: &mut Scopes) -> Result<Element, String> {
    let mut raw_attrs = Vec::new();
    let mut added = 0;
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = attr.key.into_inner();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?
            .into_owned();
        if key == "xmlns" {
            scopes.bindings.push((None, value));
            added += 1;
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            scopes.bindings.push((Some(p.to_string()), value));
            added += 1;
        } else {
            raw_attrs.push((key.to_string(), value));
        }
    }
    scopes.added.push(added);
    let attrs = raw_attrs
        .into_iter()
        .map(|(k, v)| (scopes.name(&k, true), v))
        .collect();
    Ok(Element {
        name: scopes.name(start.name().into_inner(), false),
        attrs,
        children: Vec::new(),
    })
}

fn close(scopes: &mut Scopes) {
    let n = scopes.added.pop().unwrap_or(0);
    let keep = scopes.bindings.len().saturating_sub(n);
    scopes.bindings.truncate(keep);
}

/// Text goes into the open element; whitespace between elements is
/// dropped except in the elements whose text is content.
fn push_text(stack: &mut [Element], text: &str) {
    let Some(parent) = stack.last_mut() else {
        return;
    };
    let keeps_space = matches!(
        parent.name.as_str(),
        "w:t" | "w:instrText" | "a:t" | "m:t" | "dc:title"
    );
    if !keeps_space && text.trim().is_empty() {
        return;
    }
    if let Some(Node::Text(last)) = parent.children.last_mut() {
        last.push_str(text);
    } else {
        parent.children.push(Node::Text(text.to_string()));
    }
}

/// 1-based line and column (in characters) of byte `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_resolved_to_the_spec_prefixes() {
        let xml = r#"<?xml version="1.0"?>
<x:document xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
  xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
 <x:body><x:p><x:r><x:t xml:space="preserve"> a &amp; b&#x4E2D; </x:t></x:r>
 <x:hyperlink rel:id="rId3"/></x:p></x:body></x:document>"#;
        let root = parse(xml.as_bytes()).unwrap();
        assert_eq!(root.name, "w:document");
        let p = root.find("w:p").unwrap();
        assert_eq!(p.find("w:t").unwrap().text(), " a & b中 ");
        assert_eq!(p.find("w:t").unwrap().attr("xml:space"), Some("preserve"));
        assert_eq!(p.child("w:hyperlink").unwrap().attr("r:id"), Some("rId3"));
    }

    #[test]
    fn malformed_xml_is_located() {
        let err = parse(b"<a>\n<b>\n</a>").unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
        let err = parse("<w:p xmlns:w=\"x\">\n<w:t>中文".as_bytes()).unwrap_err();
        assert!(err.reason.contains("断了") || err.line >= 1, "{err:?}");
        assert!(parse(b"").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let xml = "<a>".repeat(10_000) + &"</a>".repeat(10_000);
        let err = parse(xml.as_bytes()).unwrap_err();
        assert!(err.reason.contains("嵌套"), "{err:?}");
    }

    #[test]
    fn utf16_parts_are_read() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "<t>中文</t>".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        assert_eq!(parse(&bytes).unwrap().text(), "中文");
    }
}
