//! The document as a tree of nodes, each with the byte range it is written
//! in, built from saphyr-parser's events.
//!
//! saphyr counts positions in characters (not bytes: Chinese text is three
//! bytes a character) and some of its spans are loose: a quoted scalar's
//! may run on over a trailing comment, a flow collection's end over the
//! rest of the line, a block scalar's over the blank lines after it, and an
//! outer block sequence may start at its first inner item. Only the starts
//! of scalars and flow collections and the ends of plain scalars are taken
//! from it; the rest is found in the text here.

use super::EditError;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug)]
pub(super) struct Node {
    /// Byte range of the node as written: a quoted scalar with its quotes, a
    /// flow collection with its brackets, a block scalar from its `|` or `>`
    /// to its last character, a block mapping from its first key to the end
    /// of its last value, a block sequence from its first `-`.
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug)]
pub(super) enum Kind {
    Scalar {
        style: Style,
        value: String,
        tagged: bool,
    },
    Map {
        flow: bool,
        entries: Vec<(Node, Node)>,
    },
    Seq {
        flow: bool,
        items: Vec<Node>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    Single,
    Double,
    Block,
}

impl Node {
    /// Nothing written: `key:` with no value, a `-` alone.
    pub fn is_empty(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { style: Style::Plain, value, tagged: false } if value.is_empty())
    }

    /// Read as null: nothing, `null` or `~`.
    pub fn is_null(&self) -> bool {
        match &self.kind {
            Kind::Scalar {
                style: Style::Plain,
                value,
                tagged: false,
            } => matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"),
            _ => false,
        }
    }

    pub fn is_flow(&self) -> bool {
        match &self.kind {
            Kind::Map { flow, .. } | Kind::Seq { flow, .. } => *flow,
            Kind::Scalar { style, .. } => *style != Style::Block,
        }
    }

    /// The text of a scalar, for matching keys.
    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// What the node is, for messages.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Map { .. } => "键值表",
            Kind::Seq { .. } => "列表",
            Kind::Scalar { .. } if self.is_null() => "空值",
            Kind::Scalar { .. } => "单个值",
        }
    }
}

pub(super) struct Doc {
    /// `None` for a document with nothing but comments.
    pub root: Option<Node>,
}

/// Parse `text` (without BOM) into its tree.
pub(super) fn parse(text: &str) -> Result<Doc, EditError> {
    // A parser bug must not take the server down with it.
    catch_unwind(AssertUnwindSafe(|| Builder::new(text).run())).unwrap_or_else(|_| {
        Err(EditError::Internal {
            detail: "YAML 解析器异常退出".into(),
        })
    })
}

enum Frame {
    Map {
        flow: bool,
        start: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Seq {
        flow: bool,
        start: usize,
        items: Vec<Node>,
    },
}

struct Builder<'t> {
    text: &'t str,
    /// Byte offset of each character, and the length at the end.
    offsets: Vec<usize>,
    stack: Vec<Frame>,
    root: Option<Node>,
    documents: usize,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Self {
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        offsets.push(text.len());
        Builder {
            text,
            offsets,
            stack: Vec::new(),
            root: None,
            documents: 0,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.offsets[char_index.min(self.offsets.len() - 1)]
    }

    fn run(mut self) -> Result<Doc, EditError> {
        for event in Parser::new_from_str(self.text) {
            let (event, span) = event.map_err(|e| EditError::Syntax {
                line: e.marker().line(),
                column: e.marker().col() + 1,
                message: format!("无法读取（{}）", e.info()),
                hint: None,
            })?;
            self.event(event, span)?;
        }
        Ok(Doc { root: self.root })
    }

    fn event(&mut self, event: Event, span: Span) -> Result<(), EditError> {
        let start = self.byte(span.start.index());
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(EditError::MultipleDocuments);
                }
            }
            Event::Alias(_) => return Err(anchors()),
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 {
                    return Err(anchors());
                }
                let node = self.scalar(value.into_owned(), style, tag.is_some(), span)?;
                self.push(node)?;
            }
            Event::MappingStart(anchor, ref tag) | Event::SequenceStart(anchor, ref tag) => {
                if anchor != 0 {
                    return Err(anchors());
                }
                if tag.is_some() {
                    return Err(EditError::Unsupported {
                        what: "在列表或键值表前写了类型标签（!!）".into(),
                    });
                }
                // A block collection's start is an empty span, a flow one's
                // its bracket.
                let is_map = matches!(event, Event::MappingStart(..));
                let bracket = if is_map { '{' } else { '[' };
                let flow = !span.is_empty() && self.text[start..].starts_with(bracket);
                self.stack.push(if is_map {
                    Frame::Map {
                        flow,
                        start,
                        entries: Vec::new(),
                        key: None,
                    }
                } else {
                    Frame::Seq {
                        flow,
                        start,
                        items: Vec::new(),
                    }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let node = self.close(start)?;
                self.push(node)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn scalar(
        &self,
        value: String,
        style: ScalarStyle,
        tagged: bool,
        span: Span,
    ) -> Result<Node, EditError> {
        let text = self.text;
        let start = self.byte(span.start.index());
        let end = self.byte(span.end.index());
        let (style, start, end) = match style {
            ScalarStyle::Plain => (Style::Plain, start, end),
            ScalarStyle::SingleQuoted => {
                let open = find_from(text, start, '\'').ok_or_else(lost)?;
                (
                    Style::Single,
                    start,
                    single_quoted_end(text, open).ok_or_else(lost)?,
                )
            }
            ScalarStyle::DoubleQuoted => {
                let open = find_from(text, start, '"').ok_or_else(lost)?;
                (
                    Style::Double,
                    start,
                    double_quoted_end(text, open).ok_or_else(lost)?,
                )
            }
            // The span holds the content only: its header (`|`, `>-` …) is
            // found from the node before it, in `push`. Blank lines after
            // the content are not the node's.
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let trimmed = start + text[start..end].trim_end().len();
                (Style::Block, start, trimmed)
            }
        };
        Ok(Node {
            start,
            end,
            kind: Kind::Scalar {
                style,
                value,
                tagged,
            },
        })
    }

    fn close(&mut self, end_start: usize) -> Result<Node, EditError> {
        let frame = self.stack.pop().ok_or_else(lost)?;
        Ok(match frame {
            Frame::Map {
                flow,
                start,
                entries,
                key,
            } => {
                if key.is_some() {
                    return Err(lost());
                }
                let (start, end) = if flow {
                    (start, self.flow_end(end_start, '}')?)
                } else {
                    let first = entries.first().ok_or_else(lost)?;
                    let last = entries.last().ok_or_else(lost)?;
                    (first.0.start, last.1.end.max(last.0.end))
                };
                Node {
                    start,
                    end,
                    kind: Kind::Map { flow, entries },
                }
            }
            Frame::Seq { flow, start, items } => {
                let (start, end) = if flow {
                    (start, self.flow_end(end_start, ']')?)
                } else {
                    let first = items.first().ok_or_else(lost)?;
                    let last = items.last().ok_or_else(lost)?;
                    (
                        dash_before(self.text, first.start).ok_or_else(lost)?,
                        last.end,
                    )
                };
                Node {
                    start,
                    end,
                    kind: Kind::Seq { flow, items },
                }
            }
        })
    }

    fn flow_end(&self, end_start: usize, close: char) -> Result<usize, EditError> {
        let at = find_from(self.text, end_start, close).ok_or_else(lost)?;
        Ok(at + 1)
    }

    /// Place a finished node in its parent, fixing the start of an empty
    /// value or a block scalar from where the parent's key or `-` is.
    fn push(&mut self, mut node: Node) -> Result<(), EditError> {
        let text = self.text;
        let is_block_scalar = matches!(
            node.kind,
            Kind::Scalar {
                style: Style::Block,
                ..
            }
        );
        match self.stack.last_mut() {
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if node.is_empty() {
                        // saphyr puts an empty value at the colon; it goes after it.
                        let at = colon_after(text, k.end).map_or(k.end, |c| c + 1);
                        node.start = at;
                        node.end = at;
                    } else if is_block_scalar {
                        let colon = colon_after(text, k.end).ok_or_else(lost)?;
                        node.start = skip_blanks(text, colon + 1);
                    }
                    entries.push((k, node));
                }
            },
            Some(Frame::Seq { items, .. }) => {
                if is_block_scalar {
                    // `- |` (or `- - |`): the header follows the dashes.
                    let header = header_line_start(text, node.start);
                    node.start = header + text[header..].len()
                        - text[header..].trim_start_matches([' ', '-']).len();
                }
                items.push(node);
            }
            None => {
                if is_block_scalar {
                    let header = header_line_start(text, node.start);
                    node.start = skip_blanks(text, header.max(after_document_start(text)));
                }
                self.root = Some(node);
            }
        }
        Ok(())
    }
}

fn anchors() -> EditError {
    EditError::Unsupported {
        what: "用了锚点或别名（& 与 *）".into(),
    }
}

/// A span that does not match the text: refuse rather than guess.
fn lost() -> EditError {
    EditError::Unsupported {
        what: "有工作台无法定位的写法".into(),
    }
}

fn find_from(text: &str, from: usize, c: char) -> Option<usize> {
    text.get(from..)?.find(c).map(|i| from + i)
}

/// End of a single-quoted scalar whose `'` is at `open` (`''` is a quote).
fn single_quoted_end(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// End of a double-quoted scalar whose `"` is at `open`.
fn double_quoted_end(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The `:` after a key ending at `from`, past spaces, line ends and
/// comments (an explicit `? key` may put it on the next line).
pub(super) fn colon_after(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => i = line_after(text, i),
            b':' => return Some(i),
            _ => return None,
        }
    }
    None
}

fn skip_blanks(text: &str, from: usize) -> usize {
    from + text[from..].len() - text[from..].trim_start_matches([' ', '\t']).len()
}

/// Start of the first line after `pos` (after its `\n`), or the end.
pub(super) fn line_after(text: &str, pos: usize) -> usize {
    find_from(text, pos, '\n').map_or(text.len(), |i| i + 1)
}

/// Start of the line `pos` is on.
pub(super) fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The line holding a block scalar's header, for content starting at
/// `content`: the last line before it with anything but blanks.
fn header_line_start(text: &str, content: usize) -> usize {
    let mut line = line_start(text, content);
    while line > 0 {
        let prev = line_start(text, line - 1);
        if !text[prev..line].trim().is_empty() {
            return prev;
        }
        line = prev;
    }
    0
}

/// Past an explicit `---` at the start (a block scalar document `--- |`).
fn after_document_start(text: &str) -> usize {
    let trimmed = text.trim_start();
    if trimmed.starts_with("---") {
        text.len() - trimmed.len() + 3
    } else {
        0
    }
}

/// The `-` of the block sequence item written at `item`: on the same line
/// before it (`- x`, `- - x`), or ending an earlier line (`-` with the item
/// below, comment lines between).
pub(super) fn dash_before(text: &str, item: usize) -> Option<usize> {
    let line = line_start(text, item);
    let before = text[line..item].trim_end_matches([' ', '\t']);
    if !before.is_empty() {
        let dash = line + before.len() - 1;
        let at_word_start = dash == line || matches!(text.as_bytes()[dash - 1], b' ' | b'\t');
        return (before.ends_with('-') && at_word_start).then_some(dash);
    }
    let mut end = line;
    while end > 0 {
        let prev = line_start(text, end - 1);
        let content = text[prev..end].trim();
        end = prev;
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        // Only dashes are on such a line; cut a trailing comment.
        let code = match content.find(" #") {
            Some(i) => content[..i].trim_end(),
            None => content,
        };
        if !code.ends_with('-') {
            return None;
        }
        let offset = text[prev..].find(code)? + code.len() - 1;
        return Some(prev + offset);
    }
    None
}
