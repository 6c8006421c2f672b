//! The files of the index, from the records of its pages: the buckets of
//! terms with their postings, a file per page, and `meta.json` with the
//! filters and a stamp; `engine.js` ships beside them.

use super::page::Record;
use super::terms::{bucket_of, term_text, terms_of, Term};
use super::{DIR, ENGINE, VERSION};
use crate::output::{Content, OutputFile};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Title words count this many times over, so a page about the query ranks
/// above one that mentions it.
const TITLE_WEIGHT: u16 = 5;

/// About this many characters of text per bucket: a query of a few
/// characters then downloads a few buckets of tens of kilobytes.
const CHARS_PER_BUCKET: usize = 6_000;
const MAX_BUCKETS: usize = 4_096;

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
