//! Where an edit's new text goes: one range of the old text replaced by new
//! text, everything around it left as it is.
//!
//! - A value is replaced where it is written; a block list given a new list
//!   stays a block list; padding that lines up the next entry or a comment
//!   with the lines around it is kept lined up.
//! - A new key goes after the mapping's last entry: `, key: value` before a
//!   flow mapping's `}`, or a line of its own at the mapping's indentation
//!   (after the entry's nested block and trailing comment), its value
//!   lined up as the others are.
//! - A removed entry takes its whole lines (or, in flow, its comma).
//! - An appended list item goes after the last, as `, item` or `- item`.

use super::render::{self, width};
use super::tree::{colon_after, dash_before, line_after, line_start, Doc, Kind, Node};
use super::{show_path, EditError, Key, NewValue, Op};
use std::ops::Range;

/// Replace `range` of the text with `text`.
#[derive(Debug)]
pub(super) struct Cut {
    pub range: Range<usize>,
    pub text: String,
}

impl Cut {
    fn insert(at: usize, text: String) -> Cut {
        Cut {
            range: at..at,
            text,
        }
    }
}

/// The cut that performs `op`, or `None` when there is nothing to do (a
/// removed key that is not there).
pub(super) fn plan(text: &str, doc: &Doc, op: &Op) -> Result<Option<Cut>, EditError> {
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let edit = Splicer { text, nl };
    let root = doc.root.as_ref().filter(|n| !n.is_empty());
    match op {
        Op::Set(path, value) => match edit.walk(root, path)? {
            Walk::Found(found) => Ok(Some(edit.replace(found, value))),
            missing => edit.create(missing, value).map(Some),
        },
        Op::Append(path, value) => edit.append(root, path, value).map(Some),
        Op::Remove(path) => {
            let Some((last, parents)) = path.split_last() else {
                return Err(EditError::EmptyPath);
            };
            match edit.walk(root, parents)? {
                Walk::Found(parent) => edit.remove(parent, last, path),
                _ => Ok(None),
            }
        }
    }
}

/// Where a node sits in its parent.
#[derive(Clone, Copy)]
enum Place<'n> {
    Root,
    Value { map: &'n Node, index: usize },
    Item,
}

#[derive(Clone, Copy)]
struct Found<'n> {
    node: &'n Node,
    place: Place<'n>,
}

enum Walk<'n, 'p> {
    Found(Found<'n>),
    /// The path goes on from `at`, a mapping or a null, with keys it lacks.
    Missing {
        at: Found<'n>,
        missing: &'p [Key<'p>],
    },
    /// The document holds nothing but comments.
    Empty {
        missing: &'p [Key<'p>],
    },
}

struct Splicer<'t> {
    text: &'t str,
    nl: &'static str,
}

impl Splicer<'_> {
    fn walk<'n, 'p>(
        &self,
        root: Option<&'n Node>,
        path: &'p [Key<'p>],
    ) -> Result<Walk<'n, 'p>, EditError> {
        let Some(root) = root else {
            return Ok(Walk::Empty { missing: path });
        };
        let mut at = Found {
            node: root,
            place: Place::Root,
        };
        for (depth, key) in path.iter().enumerate() {
            let node = at.node;
            at = match (key, &node.kind) {
                (Key::Map(name), Kind::Map { entries, .. }) => {
                    match entries.iter().position(|(k, _)| k.scalar() == Some(*name)) {
                        Some(index) => Found {
                            node: &entries[index].1,
                            place: Place::Value { map: node, index },
                        },
                        None => {
                            return Ok(Walk::Missing {
                                at,
                                missing: &path[depth..],
                            })
                        }
                    }
                }
                (Key::Map(_), _) if node.is_null() => {
                    return Ok(Walk::Missing {
                        at,
                        missing: &path[depth..],
                    })
                }
                (Key::Map(_), _) => {
                    return Err(EditError::NotMapping {
                        path: show_path(&path[..depth]),
                        found: node.describe(),
                    })
                }
                (Key::Index(i), Kind::Seq { items, .. }) => match items.get(*i) {
                    Some(item) => Found {
                        node: item,
                        place: Place::Item,
                    },
                    None => {
                        return Err(EditError::NoSuchItem {
                            path: show_path(&path[..=depth]),
                            len: items.len(),
                        })
                    }
                },
                (Key::Index(_), _) => {
                    return Err(EditError::NotSequence {
                        path: show_path(&path[..depth]),
                        found: node.describe(),
                    })
                }
            };
        }
        Ok(Walk::Found(at))
    }

    /// Write `value` where the walk found keys missing: the first one as a
    /// new entry, the rest as mappings nested in its value.
    fn create(&self, walk: Walk, value: &NewValue) -> Result<Cut, EditError> {
        let missing = match &walk {
            Walk::Missing { missing, .. } | Walk::Empty { missing } => *missing,
            Walk::Found(_) => unreachable!("create is for missing keys"),
        };
        let mut names = Vec::with_capacity(missing.len());
        for (i, key) in missing.iter().enumerate() {
            match key {
                Key::Map(name) => names.push(*name),
                Key::Index(_) => {
                    return Err(EditError::NoSuchItem {
                        path: show_path(&missing[..=i]),
                        len: 0,
                    })
                }
            }
        }
        let (first, rest) = names.split_first().ok_or(EditError::EmptyPath)?;
        let inner = rest.iter().rev().fold(value.clone(), |v, name| {
            NewValue::Map(vec![((*name).to_string(), v)])
        });
        match walk {
            Walk::Missing { at, .. } if matches!(at.node.kind, Kind::Map { .. }) => {
                self.insert_entry(at.node, first, &inner)
            }
            // A null becomes a mapping.
            Walk::Missing { at, .. } => {
                Ok(self.replace(at, &NewValue::Map(vec![((*first).to_string(), inner)])))
            }
            _ => Ok(self.append_line(render::entry(first, &inner))),
        }
    }

    /// Replace the node with `value`.
    fn replace(&self, found: Found, value: &NewValue) -> Cut {
        let text = self.text;
        let node = found.node;
        if let (Kind::Seq { flow: false, .. }, NewValue::List(items)) = (&node.kind, value) {
            if !items.is_empty() {
                // A block list stays one, at its indentation.
                let indent = " ".repeat(width(&text[line_start(text, node.start)..node.start]));
                let lines: Vec<String> = items
                    .iter()
                    .map(|v| format!("- {}", render::value(v)))
                    .collect();
                return Cut {
                    range: node.start..node.end,
                    text: lines.join(&format!("{}{indent}", self.nl)),
                };
            }
        }
        let new = render::value(value);
        if node.is_empty() {
            let at = node.start;
            return match found.place {
                Place::Value { map, index } if !text[..at].ends_with(':') => {
                    // `{ a }`: a key without its colon.
                    Cut::insert(entries(map)[index].0.end, format!(": {new}"))
                }
                // `{ a: , b: 1 }`: into the space before the comma.
                Place::Value { map, .. }
                    if map.is_flow()
                        && text[at..].starts_with(' ')
                        && text[at..].trim_start_matches(' ').starts_with(',') =>
                {
                    Cut::insert(at + 1, new)
                }
                _ if text[..at].ends_with(' ') => Cut::insert(at, new),
                _ => Cut::insert(at, format!(" {new}")),
            };
        }
        if !node.is_flow() {
            // A block value below its key: the new one goes after the colon.
            if let Place::Value { map, index } = found.place {
                let key = &entries(map)[index].0;
                if let Some(colon) = colon_after(text, key.end) {
                    return Cut {
                        range: colon + 1..node.end,
                        text: format!(" {new}"),
                    };
                }
            }
            return Cut {
                range: node.start..node.end,
                text: new,
            };
        }
        self.keep_alignment(node.start..node.end, new)
    }

    /// Replace `range` with `new`, and when the next entry or a comment
    /// after it is lined up with the lines around, keep it where it is by
    /// taking or giving spaces (`score: 1.5, note:` → `score: 2,   note:`).
    fn keep_alignment(&self, range: Range<usize>, new: String) -> Cut {
        let text = self.text;
        let after = &text[range.end..];
        let comma = usize::from(after.starts_with(','));
        let rest = &after[comma..];
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        let next = range.end + comma + spaces;
        let follows = text[next..]
            .chars()
            .next()
            .is_some_and(|c| c != '\n' && c != '\r');
        if spaces == 0 || !follows || !self.lined_up(next) {
            return Cut { range, text: new };
        }
        let pad = (spaces + width(&text[range.clone()]))
            .saturating_sub(width(&new))
            .max(1);
        Cut {
            range: range.start..next,
            text: format!("{new}{}{}", &after[..comma], " ".repeat(pad)),
        }
    }

    /// Whether the word at `pos` starts at the same column as the same word
    /// on the line before or after.
    fn lined_up(&self, pos: usize) -> bool {
        let text = self.text;
        let word = &text[pos..];
        let first = word.chars().next().map_or(0, char::len_utf8);
        let word = &word[..word
            .find([' ', ':', '\r', '\n'])
            .unwrap_or(word.len())
            .max(first)];
        let start = line_start(text, pos);
        let column = width(&text[start..pos]);
        let before = (start > 0).then(|| line_start(text, start - 1)..start);
        let next_start = line_after(text, pos);
        let after = (next_start < text.len()).then(|| next_start..line_after(text, next_start));
        [before, after].into_iter().flatten().any(|line| {
            let line = &text[line];
            let mut w = 0;
            for (i, c) in line.char_indices() {
                if w == column {
                    return line[i..].starts_with(word) && line[..i].ends_with(' ');
                }
                if w > column || c == '\n' {
                    return false;
                }
                w += width(c.encode_utf8(&mut [0; 4]));
            }
            false
        })
    }

    /// A new `key: value` in the mapping `map`.
    fn insert_entry(&self, map: &Node, key: &str, value: &NewValue) -> Result<Cut, EditError> {
        let text = self.text;
        let Kind::Map { flow, entries } = &map.kind else {
            unreachable!("insert_entry is given a mapping");
        };
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Ok(Cut {
                range: map.start..map.end,
                text: format!("{{ {} }}", render::entry(key, value)),
            });
        };
        if *flow {
            return Ok(Cut::insert(
                entry_end(last),
                format!(", {}", render::entry(key, value)),
            ));
        }
        let indent = " ".repeat(width(&text[line_start(text, first.0.start)..first.0.start]));
        let key_text = render::scalar(key);
        let pad = " ".repeat(self.value_column(entries, &key_text));
        let line = format!("{indent}{key_text}:{pad}{}", render::value(value));
        Ok(self.line_after(entry_end(last), line))
    }

    /// Spaces after a new key's colon: one, or as many as line its value up
    /// with the others when all of them are lined up (the ledger's
    /// `"1.1":  {` and `"10.1": {`).
    fn value_column(&self, entries: &[(Node, Node)], key_text: &str) -> usize {
        let text = self.text;
        let mut offsets = entries
            .iter()
            .filter(|(k, v)| !v.is_empty() && !text[k.end..v.start].contains('\n'))
            .map(|(k, v)| (width(&text[k.start..v.start]), width(&text[k.start..k.end])));
        let Some((column, first_key)) = offsets.next() else {
            return 1;
        };
        let mut padded = column > first_key + 2;
        let mut count = 1;
        for (offset, key) in offsets {
            if offset != column {
                return 1;
            }
            padded |= offset > key + 2;
            count += 1;
        }
        let own = width(key_text) + 1;
        if count >= 2 && padded && column > own {
            column - own
        } else {
            1
        }
    }

    fn append(
        &self,
        root: Option<&Node>,
        path: &[Key],
        value: &NewValue,
    ) -> Result<Cut, EditError> {
        let text = self.text;
        let found = match self.walk(root, path)? {
            Walk::Found(found) => found,
            Walk::Empty { missing } if missing.is_empty() => {
                return Ok(self.append_line(format!("- {}", render::value(value))));
            }
            missing => return self.create(missing, &NewValue::List(vec![value.clone()])),
        };
        let node = found.node;
        let item = render::value(value);
        match &node.kind {
            Kind::Seq { flow: true, items } => Ok(match items.last() {
                Some(last) => Cut::insert(last.end, format!(", {item}")),
                None => Cut {
                    range: node.start..node.end,
                    text: format!("[{item}]"),
                },
            }),
            Kind::Seq { flow: false, items } => {
                let last = items.last().expect("a block list has an item");
                let dash = dash_before(text, last.start).unwrap_or(node.start);
                let indent = " ".repeat(width(&text[line_start(text, dash)..dash]));
                Ok(self.line_after(last.end, format!("{indent}- {item}")))
            }
            _ if node.is_null() => Ok(self.replace(found, &NewValue::List(vec![value.clone()]))),
            _ => Err(EditError::NotSequence {
                path: show_path(path),
                found: node.describe(),
            }),
        }
    }

    fn remove(&self, parent: Found, last: &Key, path: &[Key]) -> Result<Option<Cut>, EditError> {
        let text = self.text;
        let node = parent.node;
        // Each entry's range: from its key or item to its end.
        let (spans, flow, empty): (Vec<(usize, usize)>, bool, NewValue) = match (last, &node.kind) {
            (Key::Map(name), Kind::Map { flow, entries }) => {
                if !entries.iter().any(|(k, _)| k.scalar() == Some(*name)) {
                    return Ok(None);
                }
                let spans = entries.iter().map(|e| (e.0.start, entry_end(e))).collect();
                (spans, *flow, NewValue::Map(Vec::new()))
            }
            (Key::Index(i), Kind::Seq { flow, items }) => {
                if *i >= items.len() {
                    return Ok(None);
                }
                let mut spans = Vec::with_capacity(items.len());
                for item in items {
                    let start = if *flow {
                        item.start
                    } else {
                        dash_before(text, item.start).ok_or_else(lost)?
                    };
                    spans.push((start, item.end));
                }
                (spans, *flow, NewValue::List(Vec::new()))
            }
            _ if node.is_null() => return Ok(None),
            (Key::Map(_), _) => {
                return Err(EditError::NotMapping {
                    path: show_path(&path[..path.len() - 1]),
                    found: node.describe(),
                })
            }
            (Key::Index(_), _) => {
                return Err(EditError::NotSequence {
                    path: show_path(&path[..path.len() - 1]),
                    found: node.describe(),
                })
            }
        };
        let index = match (last, &node.kind) {
            (Key::Map(name), Kind::Map { entries, .. }) => entries
                .iter()
                .position(|(k, _)| k.scalar() == Some(*name))
                .ok_or_else(lost)?,
            (Key::Index(i), _) => *i,
            _ => return Err(lost()),
        };
        if spans.len() == 1 {
            // The last entry gone, the collection is left empty: `{}`.
            return Ok(Some(self.replace(parent, &empty)));
        }
        let (start, end) = spans[index];
        let next = spans.get(index + 1).map(|s| s.0);
        if flow {
            return Ok(Some(match next {
                Some(next) => Cut {
                    range: start..next,
                    text: String::new(),
                },
                None => Cut {
                    range: spans[index - 1].1..end,
                    text: String::new(),
                },
            }));
        }
        let line = line_start(text, start);
        if text[line..start].trim().is_empty() {
            return Ok(Some(Cut {
                range: line..line_after(text, end),
                text: String::new(),
            }));
        }
        // The first entry of a list item (`- a: 1`): the next takes its place.
        let next = next.ok_or_else(lost)?;
        Ok(Some(Cut {
            range: start..next,
            text: String::new(),
        }))
    }

    /// `line` on a line of its own after the line holding `pos`.
    fn line_after(&self, pos: usize, line: String) -> Cut {
        let at = line_after(self.text, pos);
        if at == self.text.len() && !self.text.ends_with('\n') {
            Cut::insert(at, format!("{}{line}", self.nl))
        } else {
            Cut::insert(at, format!("{line}{}", self.nl))
        }
    }

    /// `line` at the end of the text.
    fn append_line(&self, line: String) -> Cut {
        let at = self.text.len();
        let sep = if self.text.is_empty() || self.text.ends_with('\n') {
            ""
        } else {
            self.nl
        };
        Cut::insert(at, format!("{sep}{line}{}", self.nl))
    }
}

fn entries(map: &Node) -> &[(Node, Node)] {
    match &map.kind {
        Kind::Map { entries, .. } => entries,
        _ => &[],
    }
}

fn entry_end((key, value): &(Node, Node)) -> usize {
    key.end.max(value.end)
}

fn lost() -> EditError {
    EditError::Unsupported {
        what: "有工作台无法定位的写法".into(),
    }
}
