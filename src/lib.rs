//! wenming: the 文明创建专题专栏 of a unit, built from Markdown reports and
//! YAML assessment data.
//!
//! A build is four phases, data flowing one way:
//! load (read and parse every file) → assemble (cross-check, order, score) →
//! render (every page into memory) → write (staged beside the output, then
//! swapped in). Problems are collected along the way; nothing is written
//! when there is an error.

pub mod config;
pub mod content;
pub mod data;
pub mod diagnostic;
pub(crate) mod fs;
pub use fs::explain;
pub(crate) mod images;
pub mod import;
pub(crate) mod links;
pub(crate) mod markdown;
pub(crate) mod model;
pub mod output;
pub mod progress;
pub mod publish;
pub(crate) mod render;
pub(crate) mod report;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod session;
pub mod source;
pub(crate) mod text;
pub(crate) mod threads;
pub(crate) mod timings;
pub mod urls;
pub(crate) mod workbench;
pub(crate) mod yaml_edit;

pub use report::BuildReport;
pub use session::BuildOptions;

use diagnostic::Diagnostics;
use output::{Content, OutputFile};
use std::time::Instant;

/// Build (or with `write: false`, check) the site at `opts.root`.
pub fn build(opts: &BuildOptions) -> BuildReport {
    let started = Instant::now();
    let fail = |e: anyhow::Error| BuildReport::failed(crate::fs::explain(&e), started);
    // The output folder is wenming's or refused, before anything is read.
    if opts.write {
        if let Err(e) = output::check_output_dir(&opts.root, &opts.output) {
            return fail(e);
        }
    }
    let root = match session::site_root(&opts.root) {
        Ok(root) => root,
        Err(e) => return BuildReport::failed(e, started),
    };
    // Pages go to the writer as they are rendered; it publishes nothing
    // until commit, which only an error-free build reaches.
    let writer = match opts.write.then(|| output::Writer::begin(&opts.output)) {
        Some(Ok(w)) => Some(w),
        Some(Err(e)) => return fail(e),
        None => None,
    };
    let mut diags = Diagnostics::new();
    let mut cache = render::Cache::new(opts.process_images);
    let mut clock = timings::Clock::start();

    // 1. Load: every file read and parsed on its own.
    let inputs = model::load(&root, &opts.overrides, &mut diags);
    // The photo index is read while the templates load, on the core that
    // leaves idle (during the load, which uses both, it slowed it down).
    cache.read_image_index_ahead(&root);
    clock.lap("load");
    let Some(inputs) = inputs else {
        return finish(BuildReport::of(diags, started), writer, &[], started);
    };

    // 2. Assemble: cross-checked, ordered and scored.
    let mut site = model::assemble(inputs, opts.drafts, &mut diags);
    clock.lap("assemble");

    // 3.–5. Markdown, check, pages: each page goes to the writer, and is
    // read for the search index on its way.
    let collector = search::Collector::new(site.config.urls.clone());
    let sink = |file: OutputFile| {
        if opts.search {
            if let Content::Bytes(html) = &file.content {
                collector.take(&file.path, html);
            }
        }
        if let Some(w) = &writer {
            w.put(file);
        }
    };
    let (mut files, _) = session::render_site(&mut site, &mut cache, None, Some(&sink), &mut diags);
    clock.lap("render");

    // 6. Search: the index of every page.
    if opts.search {
        files.extend(session::search_index(collector, &files, &mut diags));
    }
    clock.lap("search");

    let mut report = BuildReport::of(diags, started);
    report.describe(&site, &cache);
    // 7. Write: staged beside the output, then switched in whole.
    let report = finish(report, writer, &files, started);
    threads::drop_in_background((site, cache, files));
    report
}

/// Publish the staged output if the build has no error, or leave the old
/// one untouched.
fn finish(
    mut report: BuildReport,
    writer: Option<output::Writer>,
    files: &[OutputFile],
    started: Instant,
) -> BuildReport {
    let Some(writer) = writer else {
        return report;
    };
    report.notes = writer.notes().to_vec();
    if report.ok() {
        let mut clock = timings::Clock::start();
        let written = writer.commit(files);
        clock.lap("write");
        match written {
            Ok(stats) => {
                report.written = true;
                report.files = stats.written + stats.unchanged;
                report.notes = stats.notes.clone();
                report.write = Some(stats);
            }
            Err(failure) => {
                report.interrupted = failure.interrupted;
                report.fatal = Some(crate::fs::explain(&failure.error));
            }
        }
    } else {
        writer.abort();
    }
    report.elapsed = started.elapsed();
    report
}
