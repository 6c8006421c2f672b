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
pub mod fs;
pub mod images;
pub mod links;
pub mod markdown;
pub mod model;
pub mod output;
pub mod progress;
pub mod render;
pub mod report;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod session;
pub mod source;
pub mod text;
pub mod threads;
pub mod timings;

pub use report::BuildReport;
pub use session::BuildOptions;
use std::time::Instant;

/// Build (or with `write: false`, check) the site at `opts.root`.
pub fn build(opts: &BuildOptions) -> BuildReport {
    let started = Instant::now();
    let fail = |message: String| BuildReport {
        fatal: Some(message),
        elapsed: started.elapsed(),
        ..Default::default()
    };
    if opts.write {
        if let Err(e) = output::check_output_dir(&opts.root, &opts.output) {
            return fail(format!("{e:#}"));
        }
    }
    let mut session = match session::Session::new(opts.clone()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    // Pages go to the writer as they are rendered; it publishes nothing
    // until commit, which only an error-free build reaches.
    let writer = if opts.write {
        match output::Writer::begin(&opts.output) {
            Ok(w) => Some(w),
            Err(e) => return fail(format!("{e:#}")),
        }
    } else {
        None
    };
    let sink = |file: output::OutputFile| {
        if let Some(w) = &writer {
            w.put(file);
        }
    };
    let (mut report, files) = session.build_all_into(writer.as_ref().map(|_| &sink as _));
    if let Some(writer) = writer {
        report.notes = writer.notes().to_vec();
        if report.ok() {
            let mut clock = timings::Clock::start();
            let written = writer.commit(&files);
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
                    report.fatal = Some(format!("{:#}", failure.error));
                }
            }
        } else {
            writer.abort();
        }
    }
    report.elapsed = started.elapsed();
    threads::drop_in_background((session, files));
    report
}
