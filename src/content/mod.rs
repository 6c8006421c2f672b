//! `content/`: activity reports (SPEC §7) and publicity pages (SPEC §8).
//! Walks the folders, decodes each file, reads its front matter and checks
//! it against the site's kinds, the assessment table and the offices.
//!
//! This file holds what is loaded (reports, pages, their bodies); the
//! loading is in the files beside it:
//! - `report.rs`: a report's front matter, read and checked;
//! - `page.rs`: the publicity pages;
//! - `walk.rs`: the Markdown files under a folder, bundles among them;
//! - `slug.rs`: the URL slug of a report or page.

mod page;
mod report;
mod slug;
mod walk;

pub(crate) use page::load_pages;
pub(crate) use report::load_reports;
pub use report::parse_report;
pub(crate) use slug::slugify;
pub(crate) use walk::{existing_slugs, is_bundle};

use crate::data::Citation;
use crate::diagnostic::Pos;
use crate::source::{find_key, find_value, SourceText};
use chrono::{NaiveDate, NaiveTime};
use std::path::PathBuf;

/// Markdown text with where it came from, for link and image resolution.
#[derive(Debug, Clone)]
pub struct Body {
    /// Site-relative path of the source file.
    pub path: String,
    /// Folder of the source file, absolute.
    pub dir: PathBuf,
    pub markdown: String,
    /// Line in the file where the body starts.
    pub first_line: usize,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub slug: String,
    pub title: String,
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub kind: String,
    pub criteria: Vec<Citation>,
    pub offices: Vec<String>,
    pub participants: Option<u32>,
    pub hours: Option<f64>,
    pub location: Option<String>,
    pub summary: Option<String>,
    pub cover: Option<String>,
    pub tags: Vec<String>,
    pub attachments: Vec<String>,
    pub draft: bool,
    pub extra: serde_json::Value,
    pub bundle: bool,
    pub body: Body,
    /// The front matter as written, to point later messages at a key.
    pub front_matter: String,
}

impl Report {
    /// Where `value` of `key` is written in the file (for messages found
    /// after loading, such as a missing cover photo).
    pub(crate) fn pos_of(&self, key: &str, value: &str) -> Pos {
        find_value(&self.front_matter, key, value)
            .map(|p| Pos::new(p.line + 1, p.column))
            .unwrap_or(Pos::new(1, 1))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub slug: String,
    pub title: String,
    pub weight: i64,
    pub menu: bool,
    pub summary: Option<String>,
    pub body: Body,
}

struct Loaded<'a> {
    src: &'a SourceText,
    yaml: &'a str,
    first_line: usize,
}

impl Loaded<'_> {
    fn key_pos(&self, key: &str) -> Pos {
        find_key(self.yaml, key)
            .map(|p| self.shift(p))
            .unwrap_or(Pos::new(self.first_line.saturating_sub(1).max(1), 1))
    }
    fn value_pos(&self, key: &str, value: &str) -> Pos {
        find_value(self.yaml, key, value)
            .map(|p| self.shift(p))
            .unwrap_or_else(|| self.key_pos(key))
    }
    fn shift(&self, p: Pos) -> Pos {
        Pos::new(p.line + self.first_line - 1, p.column)
    }
}
