//! What a build tells the user: the counts, the diagnostics, what writing
//! changed, and the few summary lines printed at the end of every run.

use crate::diagnostic::Diagnostics;
use crate::{data, output, progress};
use std::time::{Duration, Instant};

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
    /// A report of the diagnostics so far, timed from `started`.
    pub(crate) fn of(diagnostics: Diagnostics, started: Instant) -> BuildReport {
        BuildReport {
            diagnostics,
            elapsed: started.elapsed(),
            ..Default::default()
        }
    }

    /// A build refused or cut short by `message`.
    pub(crate) fn failed(message: String, started: Instant) -> BuildReport {
        BuildReport {
            fatal: Some(message),
            ..BuildReport::of(Diagnostics::new(), started)
        }
    }

    /// The counts of the site built, and its links to other sites.
    pub(crate) fn describe(&mut self, site: &crate::model::Site, cache: &crate::render::Cache) {
        self.external = cache.external_links();
        self.unit = site.progress.unit.clone();
        self.reports = site.reports.len();
        self.pages = site.pages.len();
    }

    /// Every message of the run, as the command window shows them: the
    /// located ones in order, then a failure outside the site's files.
    pub fn message_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .diagnostics
            .sorted()
            .iter()
            .map(|d| d.to_string())
            .collect();
        if let Some(fatal) = &self.fatal {
            lines.push(format!("错误：{fatal}"));
        }
        lines
    }

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
            lines.push(
                "发布没有完成：排除上面的问题后重新运行 wenming build，会先把这次发布完成"
                    .to_string(),
            );
        } else if self.ok() {
            lines.push(format!(
                "检查完毕：{} 篇报道、{} 个页面",
                self.reports, self.pages
            ));
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
