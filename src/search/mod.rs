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
//!
//! This file indexes a site's pages ([`index`], [`Collector`]); the rest
//! is in the files beside it:
//! - `page.rs`: which pages are indexed, and what is read of each;
//! - `terms.rs`: the terms of a text (characters, pairs, words) and their
//!   buckets, as `engine.js` computes them too;
//! - `files.rs`: the files of the index, from the pages' records.

mod files;
mod page;
mod terms;

pub use files::write;
pub(crate) use page::{extract, Record};

use crate::output::OutputFile;
use crate::urls::Urls;
use rayon::prelude::*;
use std::sync::Mutex;

/// Where the index goes, site-relative. `search/` is a reserved route, so no
/// page of the site can collide with it.
pub const DIR: &str = "search/index/";

/// The index format; the engine refuses an index of another version.
const VERSION: u32 = 1;

/// The browser side, shipped with every index.
const ENGINE: &str = include_str!("search_engine.js");

/// Index the rendered HTML pages (`(path, html)`, paths like
/// `reports/a/index.html`) and return the files of the index, under [`DIR`].
/// `base_path` is the site's path on its host (`/wmcj/`); result URLs carry it.
pub fn index<'a>(
    base_path: &str,
    pages: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Result<Vec<OutputFile>, String> {
    index_under(&Urls::new(base_path), pages)
}

/// [`index`] for the site at `urls`.
pub(crate) fn index_under<'a>(
    urls: &Urls,
    pages: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Result<Vec<OutputFile>, String> {
    let pages: Vec<(&str, &[u8])> = pages.collect();
    let mut clock = crate::timings::Clock::start();
    let records: Vec<Record> = pages
        .par_iter()
        .map(|(path, html)| extract(urls, path, html))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    clock.lap("search: read pages");
    Ok(write(records))
}

/// Records gathered from pages as they are rendered, from many threads.
pub(crate) struct Collector {
    urls: Urls,
    records: Mutex<Vec<Record>>,
    errors: Mutex<Vec<String>>,
}

impl Collector {
    /// For the pages of the site at `urls`.
    pub fn new(urls: Urls) -> Collector {
        Collector {
            urls,
            records: Mutex::default(),
            errors: Mutex::default(),
        }
    }

    /// Read the page at `path` for the index.
    pub fn take(&self, path: &str, html: &[u8]) {
        match extract(&self.urls, path, html) {
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
