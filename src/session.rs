//! A build that can be repeated cheaply, for `wenming serve`: the loaded
//! inputs and rendered Markdown are kept, and after an edit to one report
//! only that file is read again and only the pages showing it are rendered.
//! It runs the phases of [`crate::build`], with a smaller selection.

use crate::config;
use crate::content::{self, Report};
use crate::diagnostic::Diagnostics;
use crate::model::{self, Inputs, Site};
use crate::output::{Content, OutputFile};
use crate::render::{self, Selection};
use crate::report::BuildReport;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// What to build and how: the same for `build`, `check` and `serve`.
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
impl BuildOptions {
    /// What `wenming serve` builds: the site at `root` in memory (nothing
    /// is written), with its photos and, when `search`, the search index.
    pub fn preview(
        root: PathBuf,
        overrides: config::Overrides,
        drafts: bool,
        search: bool,
    ) -> BuildOptions {
        BuildOptions {
            output: root.join("public"),
            root,
            overrides,
            drafts,
            write: false,
            search,
            process_images: true,
        }
    }

    /// The site to upload, as `wenming build` makes it by default: written
    /// to `root/public`, with photos and search index, never the drafts.
    /// What the 工作台's 生成网站 and `wenming publish` build.
    pub fn upload(root: PathBuf, overrides: config::Overrides) -> BuildOptions {
        BuildOptions {
            output: root.join("public"),
            root,
            overrides,
            drafts: false,
            write: true,
            search: true,
            process_images: true,
        }
    }
}

pub struct Session {
    pub opts: BuildOptions,
    /// Canonical site root.
    pub root: PathBuf,
    inputs: Option<Inputs>,
    /// Diagnostics of the last load, kept so an incremental rebuild can
    /// replace those of the files it reads again.
    load_diags: Diagnostics,
    cache: render::Cache,
    /// Report source paths in site order after the last good build.
    order: Vec<String>,
    last_ok: bool,
    /// An incremental build left the search index behind the pages.
    search_stale: bool,
    /// Never index during a build; the caller runs [`Session::search_job`]
    /// itself (`wenming serve` does, in the background, so an edited page
    /// is shown without waiting for the index).
    pub defer_search: bool,
    /// The complete output of the last good build, by site-relative path.
    pub files: BTreeMap<String, Content>,
}

/// Whether a changed path can be handled by re-reading single reports.
fn report_source(root: &Path, path: &Path) -> Option<PathBuf> {
    let reports = root.join("content/reports");
    let rel = path.strip_prefix(&reports).ok()?;
    let first = rel.components().next()?;
    if rel.components().count() == 1 {
        // A plain report file directly in content/reports.
        return path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"))
            .then(|| path.to_path_buf());
    }
    // Anything inside a bundle folder belongs to that bundle's index.md.
    Some(reports.join(first).join("index.md"))
}

impl Session {
    pub fn new(opts: BuildOptions) -> Result<Session, String> {
        let process_images = opts.process_images;
        let root = site_root(&opts.root)?;
        Ok(Session {
            opts,
            root,
            inputs: None,
            load_diags: Diagnostics::new(),
            cache: render::Cache::new(process_images),
            order: Vec::new(),
            last_ok: false,
            search_stale: false,
            defer_search: false,
            files: BTreeMap::new(),
        })
    }

    /// Read every file and render every page.
    pub fn build_all(&mut self) -> (BuildReport, Vec<OutputFile>) {
        let started = Instant::now();
        let mut diags = Diagnostics::new();
        let mut clock = crate::timings::Clock::start();
        self.inputs = model::load(&self.root, &self.opts.overrides, &mut diags);
        self.cache.all_sources_read();
        self.cache.read_image_index_ahead(&self.root);
        clock.lap("load");
        self.load_diags = diags;
        self.finish(None, started)
    }

    /// Bring the build up to date after `changed` paths were modified.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> (BuildReport, Vec<OutputFile>) {
        let started = Instant::now();
        let sources: Option<BTreeSet<PathBuf>> = changed
            .iter()
            .map(|p| report_source(&self.root, p))
            .collect();
        let (Some(sources), Some(inputs)) = (sources, self.inputs.as_mut()) else {
            return self.build_all();
        };
        let config = inputs.config.clone();
        let table = inputs.table.clone();
        let mut selection = Selection::default();
        let mut shape_changed = false;
        let reports_dir = self.root.join("content/reports");
        for path in &sources {
            let rel = crate::diagnostic::display_path(&self.root, path);
            self.load_diags.retain(|d| d.path != rel);
            self.cache.source_read(&rel);
            let old = inputs.reports.iter().position(|r| r.body.path == rel);
            let new = if path.is_file() {
                let bundle = content::is_bundle(&reports_dir, path);
                let diags = &mut self.load_diags;
                crate::source::read_source(&self.root, path, diags).and_then(|src| {
                    content::parse_report(&src, path, bundle, &config, Some(&table), diags)
                })
            } else {
                None
            };
            match (&old, &new) {
                (Some(i), Some(n)) => {
                    let o = &inputs.reports[*i];
                    if shape(o) != shape(n) {
                        shape_changed = true;
                    }
                    selection
                        .criteria
                        .extend(o.criteria.iter().map(|c| c.criterion));
                }
                _ => shape_changed = true,
            }
            if let Some(n) = &new {
                selection
                    .criteria
                    .extend(n.criteria.iter().map(|c| c.criterion));
            }
            match (old, new) {
                (Some(i), Some(n)) => inputs.reports[i] = Arc::new(n),
                (Some(i), None) => {
                    inputs.reports.remove(i);
                }
                (None, Some(n)) => inputs.reports.push(Arc::new(n)),
                (None, None) => {}
            }
            selection.reports.insert(rel);
        }
        let selection = (!shape_changed).then_some(selection);
        self.finish(selection, started)
    }

    /// Assemble, render and index what was loaded: the phases after load.
    fn finish(
        &mut self,
        selection: Option<Selection>,
        started: Instant,
    ) -> (BuildReport, Vec<OutputFile>) {
        let mut diags = self.load_diags.clone();
        let Some(inputs) = &self.inputs else {
            self.last_ok = false;
            return (BuildReport::of(diags, started), vec![]);
        };
        let mut clock = crate::timings::Clock::start();
        let mut site = model::assemble(inputs.clone(), self.opts.drafts, &mut diags);
        clock.lap("assemble");
        let order: Vec<String> = site.reports.iter().map(|r| r.body.path.clone()).collect();
        // Partial rendering is only sound when the reports keep their places.
        let selection = selection.filter(|_| self.last_ok && order == self.order);
        let (mut files, partial) = render_site(
            &mut site,
            &mut self.cache,
            selection.as_ref(),
            None,
            &mut diags,
        );
        clock.lap("render");
        // The search index covers every page; it is made on full renders.
        if self.opts.search && !self.defer_search && !partial {
            let collector = crate::search::Collector::new(site.config.urls.clone());
            let index = search_index(collector, &files, &mut diags);
            files.extend(index);
        }
        clock.lap("search");
        let mut report = BuildReport::of(diags, started);
        report.describe(&site, &self.cache);
        report.rendered = files
            .iter()
            .filter(|f| f.path.ends_with(".html") || f.path.ends_with(".xml"))
            .count();
        report.incremental = partial;
        self.last_ok = report.ok();
        if self.last_ok {
            self.order = order;
            if !partial {
                self.files.clear();
            }
            for f in &files {
                self.files.insert(f.path.clone(), f.content.clone());
            }
            self.search_stale = self.opts.search && (partial || self.defer_search);
            report.files = self.files.len();
        }
        report.elapsed = started.elapsed();
        (report, files)
    }

    /// The pages to index when the search index is behind them (after an
    /// incremental or deferred build); the index is then taken as caught up.
    pub(crate) fn search_job(&mut self) -> Option<SearchJob> {
        if !self.search_stale {
            return None;
        }
        let job = SearchJob::new(&self.inputs.as_ref()?.config.urls, self.files.iter());
        self.search_stale = false;
        Some(job)
    }

    /// Bring the search index up to date with the pages, here and now.
    /// Returns the new index files.
    pub fn refresh_search(&mut self) -> Result<Vec<OutputFile>, String> {
        let Some(job) = self.search_job() else {
            return Ok(Vec::new());
        };
        let index = job.run()?;
        self.files
            .retain(|path, _| !path.starts_with(crate::search::DIR));
        for f in &index {
            self.files.insert(f.path.clone(), f.content.clone());
        }
        Ok(index)
    }

    /// The base path (`/wmcj/`) of the `site.yaml` last read, if it could
    /// be read: after a good build, that build's.
    /// What the last load read (the workbench shows and checks against it).
    pub(crate) fn inputs(&self) -> Option<&Inputs> {
        self.inputs.as_ref()
    }

    pub fn base_path(&self) -> Option<&str> {
        self.inputs.as_ref().map(|i| i.config.base_path())
    }

    /// The complete current output, in path order.
    pub fn output(&self) -> Vec<OutputFile> {
        self.files
            .iter()
            .map(|(path, content)| OutputFile {
                path: path.clone(),
                content: content.clone(),
            })
            .collect()
    }
}

/// The site folder, canonical, or the message that it is not there.
pub(crate) fn site_root(root: &Path) -> Result<PathBuf, String> {
    root.canonicalize()
        .map_err(|_| format!("找不到站点文件夹 {}", root.display()))
}

/// Phases 3 to 5 of every build: markdown → check → pages. A one-shot
/// build (`wenming build`, `check`) hands its pages to `sink` as they are
/// made and keeps nothing; `wenming serve` keeps what the next build can
/// reuse, and renders only what `selection` touches.
pub(crate) fn render_site(
    site: &mut Site,
    cache: &mut render::Cache,
    selection: Option<&Selection>,
    sink: Option<render::PageSink>,
    diags: &mut Diagnostics,
) -> (Vec<OutputFile>, bool) {
    let one_shot = sink.is_some();
    let mut clock = crate::timings::Clock::start();
    let Some(mut setup) = render::setup(site, cache, selection.is_some(), one_shot, diags) else {
        return (Vec::new(), false);
    };
    let bodies = render::markdown(site, &setup, cache, one_shot, diags);
    clock.lap("  markdown");
    if one_shot {
        // Nothing reads the Markdown again: free it (a quarter of a large
        // site's memory) before the pages are made.
        site.forget_markdown();
    }
    render::check(site, &mut setup, &bodies, diags);
    render::pages(site, setup, bodies, cache, selection, sink, diags)
}

/// Phase 6: the search index of every page, from those `collector` read on
/// their way to the writer and those in `files`. Not made when the build
/// has errors (nothing is published then).
pub(crate) fn search_index(
    collector: crate::search::Collector,
    files: &[OutputFile],
    diags: &mut Diagnostics,
) -> Vec<OutputFile> {
    if diags.has_errors() {
        return Vec::new();
    }
    for f in files {
        if let Content::Bytes(html) = &f.content {
            collector.take(&f.path, html);
        }
    }
    collector.finish().unwrap_or_else(|e| {
        diags.error(
            "search",
            crate::diagnostic::Pos::default(),
            format!("生成搜索索引失败：{e}"),
        );
        Vec::new()
    })
}

/// Indexing the pages of one build: can run on another thread.
pub(crate) struct SearchJob {
    urls: crate::urls::Urls,
    /// HTML pages in path order (the index depends on the order).
    pages: Vec<(String, Arc<[u8]>)>,
}

impl SearchJob {
    /// The HTML pages among `files`, in path order (the first of two files
    /// at one path is kept).
    fn new<'a>(
        urls: &crate::urls::Urls,
        files: impl Iterator<Item = (&'a String, &'a Content)>,
    ) -> SearchJob {
        let mut pages: Vec<(String, Arc<[u8]>)> = files
            .filter_map(|(path, c)| match c {
                Content::Bytes(b) if path.ends_with(".html") => Some((path.clone(), Arc::clone(b))),
                _ => None,
            })
            .collect();
        pages.sort_by(|a, b| a.0.cmp(&b.0));
        pages.dedup_by(|a, b| a.0 == b.0);
        SearchJob {
            urls: urls.clone(),
            pages,
        }
    }

    pub fn run(&self) -> Result<Vec<OutputFile>, String> {
        crate::search::index_under(
            &self.urls,
            self.pages.iter().map(|(p, b)| (p.as_str(), &b[..])),
        )
    }
}

/// What decides where a report appears; a change to any of it moves
/// reports between pages, so everything is rendered again.
fn shape(r: &Report) -> (&str, &str, &[crate::data::Citation], &[String], bool) {
    (&r.slug, &r.kind, &r.criteria, &r.offices, r.draft)
}

/// Output trees compared file by file, for tests: the paths that differ.
pub fn differences(a: &BTreeMap<String, Content>, b: &BTreeMap<String, Content>) -> Vec<String> {
    let keys: HashSet<&String> = a.keys().chain(b.keys()).collect();
    let mut diff: Vec<String> = keys
        .into_iter()
        .filter(|k| match (a.get(*k), b.get(*k)) {
            (Some(Content::Bytes(x)), Some(Content::Bytes(y))) => x != y,
            (Some(Content::Copy(x)), Some(Content::Copy(y))) => x != y,
            _ => true,
        })
        .cloned()
        .collect();
    diff.sort();
    diff
}
