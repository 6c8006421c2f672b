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
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod session;
pub mod source;
pub mod threads;

use diagnostic::Diagnostics;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub output: PathBuf,
    pub overrides: config::Overrides,
    pub drafts: bool,
    /// `false` for `wenming check`: validate only.
    pub write: bool,
    /// Build the full-text search index (`--no-search` skips it).
    pub search: bool,
    /// Process photos into the cache (`wenming check` writes nothing, so it
    /// only checks that they exist).
    pub process_images: bool,
}

/// What a finished (or refused) build tells the user.
#[derive(Debug, Default)]
pub struct BuildReport {
    pub diagnostics: Diagnostics,
    pub written: bool,
    pub reports: usize,
    pub pages: usize,
    pub files: usize,
    pub unit: progress::UnitProgress,
    pub elapsed: Duration,
    /// Pages (HTML, feed, sitemap) rendered by this pass: all of them
    /// unless incremental.
    pub rendered: usize,
    /// Whether only the pages touched by an edit were rendered.
    pub incremental: bool,
    /// What writing the output changed (`None` when nothing was written).
    pub write: Option<output::WriteStats>,
    /// Links to other sites: (source file, URL).
    pub external: Vec<(String, String)>,
    /// A failure outside the site's own files (disk full, bad output folder).
    pub fatal: Option<String>,
    /// The publish began but did not finish (the next run finishes it).
    pub interrupted: bool,
    /// What the writer found and did before this build (an interrupted
    /// publish finished or rolled back).
    pub notes: Vec<String>,
}

impl BuildReport {
    pub fn ok(&self) -> bool {
        self.fatal.is_none() && !self.diagnostics.has_errors()
    }

    /// The few lines a busy office reads at a glance.
    pub fn summary(&self) -> String {
        let u = &self.unit;
        let mut lines: Vec<String> = self.notes.iter().map(|n| format!("注意：{n}")).collect();
        if self.written {
            let changes = match &self.write {
                Some(w) if w.written + w.removed == 0 => "，都与上次相同".to_string(),
                Some(w) if w.unchanged == 0 && w.removed == 0 => String::new(),
                Some(w) => format!(
                    "，其中更新 {} 个{}",
                    w.written,
                    if w.removed > 0 {
                        format!("，删除旧文件 {} 个", w.removed)
                    } else {
                        String::new()
                    }
                ),
                None => String::new(),
            };
            lines.push(format!(
                "已生成 {} 篇报道、{} 个页面，共 {} 个文件{changes}",
                self.reports, self.pages, self.files
            ));
            if let Some(w) = &self.write {
                lines.extend(kept_note(
                    &w.foreign,
                    "输出文件夹中另有 {n} 个不是 wenming 生成的文件，已原样保留，它们也会随网站发布：{list}",
                ));
                lines.extend(kept_note(
                    &w.kept_changed,
                    "{n} 个不再需要的旧文件在生成后被改动过，没有删除：{list}",
                ));
            }
        } else if self.interrupted {
            lines.push("发布没有完成：排除上面的问题后重新运行 wenming build，会先把这次发布完成".to_string());
        } else if self.ok() {
            lines.push(format!("检查完毕：{} 篇报道、{} 个页面", self.reports, self.pages));
        } else {
            lines.push("有错误，未生成网站（原有网站保持不变）".to_string());
        }
        // (No table was read when the build stopped before loading.)
        if u.total > 0.0 {
            lines.push(format!(
                "自评 {} / {} 分，特色加分 {} 分\n计分项：已完成 {}、推进中 {}、未启动 {}；逾期 {} 项",
                data::fmt_points(u.score),
                data::fmt_points(u.total),
                data::fmt_points(u.bonus),
                u.done,
                u.doing,
                u.todo,
                u.overdue,
            ));
        }
        lines.push(format!(
            "发现 {} 个错误、{} 个警告，用时 {:.2} 秒",
            self.diagnostics.error_count() + usize::from(self.fatal.is_some()),
            self.diagnostics.warning_count(),
            self.elapsed.as_secs_f64()
        ));
        lines.join("\n")
    }
}

/// "N files …: a, b, c 等" for files left alone, or nothing for none.
fn kept_note(paths: &[String], template: &str) -> Option<String> {
    if paths.is_empty() {
        return None;
    }
    let mut list = paths.iter().take(5).cloned().collect::<Vec<_>>().join("、");
    if paths.len() > 5 {
        list.push_str(" 等");
    }
    Some(
        template
            .replace("{n}", &paths.len().to_string())
            .replace("{list}", &list),
    )
}

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

/// Phase timings on stderr when `WENMING_TIMINGS=1`, for profiling large
/// sites (see benches/README.md). Costs one env lookup otherwise.
pub mod timings {
    use std::sync::OnceLock;
    use std::time::Instant;

    fn enabled() -> bool {
        static ON: OnceLock<bool> = OnceLock::new();
        *ON.get_or_init(|| std::env::var_os("WENMING_TIMINGS").is_some_and(|v| v != "0"))
    }

    /// Resident and peak memory on Linux, from /proc.
    fn memory() -> String {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status.lines().find_map(|l| l.strip_prefix(name)).map(|v| {
                v.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .unwrap_or(0)
                    / 1024
            })
        };
        match (field("VmRSS:"), field("VmHWM:")) {
            (Some(rss), Some(peak)) => format!("rss {rss} MB, peak {peak} MB"),
            _ => String::new(),
        }
    }

    /// Prints the time since the previous `lap` (or since `start`).
    pub struct Clock(Option<Instant>);

    impl Clock {
        pub fn start() -> Clock {
            Clock(enabled().then(Instant::now))
        }
        pub fn lap(&mut self, phase: &str) {
            if let Some(t) = &mut self.0 {
                eprintln!(
                    "  [timing] {phase}: {:.1} ms, {}",
                    t.elapsed().as_secs_f64() * 1e3,
                    memory()
                );
                *t = Instant::now();
            }
        }
    }
}
