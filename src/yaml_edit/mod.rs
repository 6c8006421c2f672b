//! Edits of YAML text that change only the edited value: the comments,
//! order, quoting and spacing of everything else survive byte for byte, so
//! the workbench's saves and a person's hand edits mix (issue #22, SPEC §13).
//!
//! saphyr-parser, a YAML 1.2 parser, finds where each node is written
//! (`tree.rs`); the edit is one splice of new text into that place
//! (`splice.rs`), written the way a person would (`render.rs`). Every result
//! is read back with serde_yaml, the parser the build uses, and must equal
//! the original with exactly that one change; anything else is refused
//! rather than saved.
//!
//! - `tree.rs`: the document as nodes with byte spans;
//! - `render.rs`: values as YAML text, plain where safe, else double-quoted;
//! - `splice.rs`: where new text goes for a replace, insert, remove, append;
//! - `expect.rs`: the same edit applied to serde_yaml's value, for the check.

#![allow(dead_code)] // until the workbench (issue #22) calls it

mod expect;
mod render;
mod splice;
mod tree;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use std::fmt;
use std::ops::Range;

/// One step of a path into a document: a mapping key, or a position in a
/// sequence (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key<'a> {
    Map(&'a str),
    Index(usize),
}

/// A value to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NewValue {
    Null,
    Bool(bool),
    Int(i64),
    /// Finite only: YAML's `.inf` and `.nan` are no score or count.
    Float(f64),
    Str(String),
    /// Written plain, `2022-10-31`, as people write dates.
    Date(NaiveDate),
    /// Written in flow style, `[16, "23.2"]`, on one line.
    List(Vec<NewValue>),
    /// Written in flow style, `{ status: done, score: 2 }`, on one line (a
    /// new ledger item, an honour).
    Map(Vec<(String, NewValue)>),
}

impl NewValue {
    pub(crate) fn str(s: impl Into<String>) -> NewValue {
        NewValue::Str(s.into())
    }

    pub(crate) fn str_list<S: Into<String>>(items: impl IntoIterator<Item = S>) -> NewValue {
        NewValue::List(items.into_iter().map(|s| NewValue::Str(s.into())).collect())
    }
}

/// Why an edit was refused; the text is left as it was. Said in Chinese
/// for the office staff; the caller adds the file's name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EditError {
    /// The text is not valid YAML: a person must fix it by hand first.
    Syntax {
        line: usize,
        column: usize,
        message: String,
        hint: Option<String>,
    },
    /// A key below something that is not a mapping (`path` is the part
    /// that is not).
    NotMapping { path: String, found: &'static str },
    /// A position in something that is not a list.
    NotSequence { path: String, found: &'static str },
    /// A position past the end of a list.
    NoSuchItem { path: String, len: usize },
    /// An empty path: the whole document is not replaced.
    EmptyPath,
    /// `inf` or `NaN`.
    NotFinite,
    /// More than one document (`---` between them).
    MultipleDocuments,
    /// A YAML feature the editor does not rewrite safely (anchors and
    /// aliases, tags on collections, a node it cannot place).
    Unsupported { what: String },
    /// The edit would not have read back as intended; nothing was changed.
    Internal { detail: String },
    /// A Markdown file without its `---` front matter.
    NoFrontMatter,
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Syntax {
                line,
                column,
                message,
                hint,
            } => {
                write!(f, "第 {line} 行第 {column} 列 YAML 格式有误：{message}")?;
                if let Some(hint) = hint {
                    write!(f, "（{hint}）")?;
                }
                write!(f, "。请先用记事本改正这一处并保存，再在工作台中修改")
            }
            EditError::NotMapping { path, found } => write!(
                f,
                "“{path}” 是{found}，不是“名称: 内容”形式的键值表，无法在其下设置内容；请用记事本检查这一项"
            ),
            EditError::NotSequence { path, found } => write!(
                f,
                "“{path}” 是{found}，不是列表，无法按序号修改；请用记事本检查这一项"
            ),
            EditError::NoSuchItem { path, len } => write!(
                f,
                "“{path}” 不存在：这个列表只有 {len} 项。页面可能已过期，请刷新后再改"
            ),
            EditError::EmptyPath => write!(f, "没有指明要修改哪一项（程序内部错误）"),
            EditError::NotFinite => write!(f, "数值必须是普通的有限数字，不能是无穷大或非数字"),
            EditError::MultipleDocuments => write!(
                f,
                "文件中有多段用 “---” 分开的 YAML 内容，工作台只能修改只有一段的文件；请用记事本合并或删去多余的部分"
            ),
            EditError::Unsupported { what } => write!(
                f,
                "文件中{what}，工作台无法在保留原有写法的前提下修改；请用记事本修改这一处"
            ),
            EditError::Internal { detail } => write!(
                f,
                "修改结果与预期不符，文件未改动（程序内部错误：{detail}）；请用记事本修改，并把此文件发给维护人员"
            ),
            EditError::NoFrontMatter => write!(
                f,
                "文件开头没有用两行 “---” 围起来的标题、日期等信息（front matter），无法修改"
            ),
        }
    }
}

impl std::error::Error for EditError {}

/// Set the value at `path`, replacing what is there or, when the last key
/// (or keys) are missing, inserting them after the mapping's last entry.
/// A null on the way becomes a mapping.
pub(crate) fn set(text: &str, path: &[Key], value: &NewValue) -> Result<String, EditError> {
    edit(text, &Op::Set(path, value))
}

/// Remove the key or list item at `path` with its line (and any block
/// below it). A path that is not there already is no change.
pub(crate) fn remove(text: &str, path: &[Key]) -> Result<String, EditError> {
    edit(text, &Op::Remove(path))
}

/// Add `value` at the end of the list at `path` (`&[]` for a document that
/// is a list, as `data/honors.yaml`); a missing or null list is created.
pub(crate) fn append(text: &str, path: &[Key], value: &NewValue) -> Result<String, EditError> {
    edit(text, &Op::Append(path, value))
}

/// Where the YAML of a Markdown file's front matter is: between a first
/// line `---` and the next line that is `---` (as the build reads it, with
/// a BOM or CRLF line ends allowed). Edit that range with `set` and friends.
pub(crate) fn front_matter(markdown: &str) -> Option<Range<usize>> {
    let bom = if markdown.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    let rest = &markdown[bom..];
    let first = rest.split_inclusive('\n').next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let start = bom + first.len();
    let mut offset = start;
    for line in markdown[start..].split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some(start..offset);
        }
        offset += line.len();
    }
    None
}

/// Apply `edit` to the front matter of a Markdown file, leaving the body
/// and the `---` lines as they are.
pub(crate) fn edit_front_matter(
    markdown: &str,
    edit: impl FnOnce(&str) -> Result<String, EditError>,
) -> Result<String, EditError> {
    let range = front_matter(markdown).ok_or(EditError::NoFrontMatter)?;
    let mut yaml = edit(&markdown[range.clone()])?;
    // The closing `---` must stay on a line of its own.
    if !yaml.is_empty() && !yaml.ends_with('\n') {
        yaml.push_str(if markdown.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        });
    }
    Ok(format!(
        "{}{yaml}{}",
        &markdown[..range.start],
        &markdown[range.end..]
    ))
}

pub(super) enum Op<'p, 'v> {
    Set(&'p [Key<'p>], &'v NewValue),
    Remove(&'p [Key<'p>]),
    Append(&'p [Key<'p>], &'v NewValue),
}

impl Op<'_, '_> {
    fn path(&self) -> &[Key<'_>] {
        match self {
            Op::Set(p, _) | Op::Remove(p) | Op::Append(p, _) => p,
        }
    }

    fn value(&self) -> Option<&NewValue> {
        match self {
            Op::Set(_, v) | Op::Append(_, v) => Some(v),
            Op::Remove(_) => None,
        }
    }
}

fn edit(text: &str, op: &Op) -> Result<String, EditError> {
    if let Some(value) = op.value() {
        render::check_finite(value)?;
    }
    if matches!(op, Op::Set(..)) && op.path().is_empty() {
        return Err(EditError::EmptyPath);
    }
    // A BOM is kept in front and out of the parsers' way.
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(body) => ("\u{feff}", body),
        None => ("", text),
    };
    let before = expect::parse(body)?;
    let doc = tree::parse(body)?;
    let Some(cut) = splice::plan(body, &doc, op)? else {
        return Ok(text.to_string());
    };
    let mut out = String::with_capacity(text.len() + cut.text.len());
    out.push_str(bom);
    out.push_str(&body[..cut.range.start]);
    out.push_str(&cut.text);
    out.push_str(&body[cut.range.end..]);
    expect::check(&before, op, &out[bom.len()..])?;
    Ok(out)
}

/// How a path is shown in a message: `4.3 → score`, `第 2 项 → date`.
fn show_path(path: &[Key]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|k| match k {
            Key::Map(s) => (*s).to_string(),
            Key::Index(i) => format!("第 {} 项", i + 1),
        })
        .collect();
    if parts.is_empty() {
        "整个文件".into()
    } else {
        parts.join(" → ")
    }
}
