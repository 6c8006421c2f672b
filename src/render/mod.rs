//! Phase 3: every output file, rendered into memory. Markdown and report
//! pages render in parallel; everything is collected in a fixed order so the
//! output is byte-for-byte reproducible.
//!
//! This file runs the phase ([`render_selected`]); each page family has its
//! own file, listed here in the order their pages are made:
//!
//! | pages                               | file             |
//! |-------------------------------------|------------------|
//! | `<report route>` (one per report)   | `reports.rs`     |
//! | `index.html`                        | `home.rs`        |
//! | `progress/`, `progress/<id>/`       | `progress.rs`    |
//! | `reports/`, `kinds/<id>/` and pages | `lists.rs`       |
//! | `offices/`, `offices/<slug>/`       | `offices.rs`     |
//! | `archive/`                          | `archive.rs`     |
//! | `dossier/`                          | `dossier.rs`     |
//! | `gallery/` and pages (文明风采)      | `gallery.rs`     |
//! | `search/`                           | `search_page.rs` |
//! | publicity pages, `404.html`         | `pages.rs`       |
//! | `feed.xml`, `sitemap.xml`           | `feeds.rs`       |
//! | `ledger.csv`                        | `ledger_csv.rs`  |
//!
//! What they share: `theme.rs` (templates, static files), `routes.rs` (the
//! route table, pagination), `frame.rs` (navigation, the base context),
//! `cards.rs` (a report's card), `format.rs` (dates, sizes, labels),
//! `views.rs` (what templates see) and `cache.rs` (what `wenming serve`
//! keeps between builds).

mod archive;
mod cache;
mod cards;
mod dossier;
mod feeds;
mod format;
pub(crate) use format::human_size;
mod frame;
mod gallery;
mod home;
mod ledger_csv;
mod lists;
mod offices;
mod pages;
mod progress;
mod reports;
mod routes;
mod search_page;
mod theme;
mod views;

pub use cache::Cache;
use cache::{body_key, hash_of, plan, BodyEntry};
use cards::{cards, Cards};
use frame::site_view;
use gallery::{gallery_per_page, warn_missing_photos};
use routes::paginate;
pub use theme::load_templates;
use theme::{render_template, theme_static};

use crate::diagnostic::{Diagnostics, Pos};
use crate::images::ImageSet;
use crate::links::{Asset, Routes};
use crate::markdown::{self, PageContext, Rendered};
use crate::model::Site;
use crate::output::{Content, OutputFile};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use tera::{Context, Tera};
use views::*;

struct Renderer<'a> {
    /// Takes each page as it is rendered, when set.
    sink: Option<PageSink<'a>>,
    site: &'a Site,
    tera: Arc<Tera>,
    routes: Routes,
    site_view: SiteView,
    cards: Vec<Arc<ReportCard>>,
    bodies: Vec<Arc<Rendered>>,
    page_bodies: Vec<Arc<Rendered>>,
    criteria: BTreeMap<u32, CriterionView>,
    /// Report indices whose pages must be rendered; `None` renders all.
    dirty: Option<HashSet<usize>>,
    dirty_criteria: BTreeSet<u32>,
    /// When an edit changed nothing but a report's own page (its card,
    /// photos and place in every list are as before): just those pages.
    only_reports: Option<HashSet<usize>>,
}

/// One page to render: its template, its route and how to build its
/// context. Contexts of the pages listing thousands of reports are built
/// inside the job, so they are made in parallel and never all held at once.
struct Job<'a> {
    template: &'static str,
    route: String,
    context: Box<dyn FnOnce() -> Context + Send + 'a>,
}

impl<'a> Job<'a> {
    fn ready(template: &'static str, route: &str, ctx: Context) -> Job<'a> {
        Job::lazy(template, route, move || ctx)
    }
    fn lazy(
        template: &'static str,
        route: &str,
        context: impl FnOnce() -> Context + Send + 'a,
    ) -> Job<'a> {
        Job {
            template,
            route: route.to_string(),
            context: Box::new(context),
        }
    }
}

/// What changed since the last build: only pages showing these reports (or
/// these criteria) are rendered again.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    /// Source paths of changed reports.
    pub reports: HashSet<String>,
    pub criteria: BTreeSet<u32>,
}

/// Where rendered pages go when they are not returned: straight to the
/// output writer, so a large site is not held in memory. A build with a
/// sink is not repeated, so it keeps nothing for a next one.
pub type PageSink<'a> = &'a (dyn Fn(OutputFile) + Sync);

/// What every page of one build is rendered with: the templates, the
/// theme's files, the route table and the photo index.
pub struct Setup {
    tera: Arc<Tera>,
    statics: Vec<OutputFile>,
    routes: Routes,
    routes_hash: u64,
    images: Option<ImageSet>,
    /// Gallery pages added to the routes once the photos are counted, and
    /// taken out before the routes are kept (the next build may have
    /// another number of photos).
    gallery_routes: Vec<String>,
    gallery_page_count: usize,
}

/// The rendered Markdown of every report and publicity page, in site order.
pub struct Bodies {
    reports: Vec<Arc<Rendered>>,
    pages: Vec<Arc<Rendered>>,
}

impl Bodies {
    fn photo_count(&self) -> usize {
        self.reports.iter().map(|b| b.images.len()).sum()
    }
}

/// Templates, theme files, routes and the photo index. A partial build
/// (`wenming serve` after an edit to reports) has the theme and routes of
/// the last one.
/// The routes of `site` as a build makes them, for the workbench: it
/// renders a report being edited the way its page will show it.
pub(crate) fn preview_routes(site: &Site) -> Routes {
    routes::routes(site, &theme_static(&site.root, &site.config.theme))
}

pub fn setup(
    site: &Site,
    cache: &mut Cache,
    partial: bool,
    one_shot: bool,
    diags: &mut Diagnostics,
) -> Option<Setup> {
    let mut clock = crate::timings::Clock::start();
    let (tera, statics) = match cache.theme.take().filter(|_| partial) {
        Some(theme) => theme,
        None => {
            let tera = load_templates(&site.root, &site.config.theme, diags)?;
            (Arc::new(tera), theme_static(&site.root, &site.config.theme))
        }
    };
    cache.theme = Some((Arc::clone(&tera), statics.clone()));
    clock.lap("  templates+static");
    // Building the routes took 10–20 ms of each edit at 10,000 reports.
    let (routes, routes_hash) = match cache.routes.take().filter(|_| partial) {
        Some(kept) => {
            // A folder may have been swapped for a link since: look again.
            kept.0.real_dirs.write().expect("real_dirs").clear();
            kept
        }
        None => {
            let routes = routes::routes(site, &statics);
            if one_shot {
                // A one-shot build walked the sources moments ago without
                // following links, so each bundle's folder is a real one:
                // no need to look at it again for each of its photos.
                routes.real_dirs.write().expect("real_dirs").extend(
                    site.reports
                        .iter()
                        .filter(|r| r.bundle)
                        .map(|r| r.body.dir.as_os_str().to_owned()),
                );
            }
            let hash = routes.fingerprint();
            (routes, hash)
        }
    };
    clock.lap("  routes");
    // `wenming check` processes no photos, so it needs no photo index.
    let images = cache.process_images.then(|| {
        cache
            .images
            .take()
            .or_else(|| cache.image_index_read_ahead())
            .unwrap_or_else(|| ImageSet::new(&site.root))
    });
    clock.lap("  photo index");
    Some(Setup {
        tera,
        statics,
        routes,
        routes_hash,
        images,
        gallery_routes: Vec::new(),
        gallery_page_count: 0,
    })
}

/// Every report's and page's Markdown, in parallel; unchanged ones come
/// from `cache`. Diagnostics are gathered in source order.
pub fn markdown(
    site: &Site,
    setup: &Setup,
    cache: &mut Cache,
    one_shot: bool,
    diags: &mut Diagnostics,
) -> Bodies {
    let cached = &cache.bodies;
    let render_body = |body: &crate::content::Body, route: String, generation: Option<u64>| {
        let old = cached.get(&body.path);
        let quick = generation.map(|g| cache::report_body_key(g, &route, setup.routes_hash));
        if let (Some(old), Some(q)) = (old, quick) {
            if old.quick == Some(q) {
                return old.clone();
            }
        }
        let text_key = body_key(body, &route, setup.routes_hash);
        if let Some(old) = old.filter(|o| o.text_key == text_key) {
            return BodyEntry {
                quick,
                ..old.clone()
            };
        }
        let mut d = Diagnostics::new();
        let ctx = PageContext {
            routes: &setup.routes,
            images: setup.images.as_ref(),
            path: &body.path,
            dir: &body.dir,
            route: &route,
            first_line: body.first_line,
        };
        BodyEntry {
            quick,
            text_key,
            rendered: Arc::new(markdown::render(&body.markdown, &ctx, &mut d)),
            diags: d,
        }
    };
    let report_results: Vec<BodyEntry> = site
        .reports
        .par_iter()
        .map(|r| {
            let generation = cache.generation(&r.body.path);
            render_body(&r.body, Site::report_route(r), Some(generation))
        })
        .collect();
    let page_results: Vec<BodyEntry> = site
        .pages
        .par_iter()
        .map(|p| render_body(&p.body, Site::page_route(p), None))
        .collect();
    let paths = site.reports.iter().map(|r| &r.body.path);
    let page_paths = site.pages.iter().map(|p| &p.body.path);
    let mut fresh = FxHashMap::default();
    if !one_shot {
        fresh.reserve(report_results.len() + page_results.len());
    }
    let mut bodies = Bodies {
        reports: Vec::with_capacity(report_results.len()),
        pages: Vec::with_capacity(page_results.len()),
    };
    let mut external = Vec::new();
    for (i, (path, e)) in paths
        .zip(report_results)
        .chain(page_paths.zip(page_results))
        .enumerate()
    {
        diags.extend(e.diags.clone());
        external.extend(
            e.rendered
                .external
                .iter()
                .map(|u| (path.clone(), u.clone())),
        );
        let list = if i < site.reports.len() {
            &mut bodies.reports
        } else {
            &mut bodies.pages
        };
        list.push(Arc::clone(&e.rendered));
        // A one-shot build keeps no entry, so that each body is held by
        // the pages alone and can be freed once its page is made.
        if !one_shot {
            fresh.insert(path.clone(), e);
        }
    }
    external.sort();
    external.dedup();
    cache.external = external;
    cache.bodies = fresh;
    bodies
}

/// What can be checked only once every body is rendered: links to later
/// gallery pages (the number of pages follows from the photos) and
/// reports probably missing their photos. Adds the gallery's pages to the
/// routes.
pub fn check(site: &Site, setup: &mut Setup, bodies: &Bodies, diags: &mut Diagnostics) {
    let gallery_pages = paginate(
        crate::links::GALLERY,
        bodies.photo_count(),
        gallery_per_page(site),
    );
    setup.gallery_page_count = gallery_pages.len();
    for (route, _) in gallery_pages {
        if setup.routes.known.insert(route.clone()) {
            setup.gallery_routes.push(route);
        }
    }
    warn_missing_photos(site, &bodies.reports, diags);
    let report_paths = site.reports.iter().map(|r| &r.body.path);
    let page_paths = site.pages.iter().map(|p| &p.body.path);
    let count = setup.gallery_page_count;
    for (path, body) in report_paths
        .zip(&bodies.reports)
        .chain(page_paths.zip(&bodies.pages))
    {
        for (n, written, pos) in &body.gallery_links {
            if *n > count {
                let (m, h) = crate::links::LinkError::Missing(format!(
                    "站点中没有 /{} 这个页面，文明风采共 {count} 页",
                    crate::links::page_route(crate::links::GALLERY, *n)
                ))
                .describe(written);
                diags.error_hint(path, *pos, m, h);
            }
        }
    }
}

/// Every page (or, with a selection, those it touches, plus the site-wide
/// ones) and every file they publish. Returns the files not handed to
/// `sink`, and whether the build was partial.
pub fn pages(
    site: &Site,
    setup: Setup,
    bodies: Bodies,
    cache: &mut Cache,
    selection: Option<&Selection>,
    sink: Option<PageSink>,
    diags: &mut Diagnostics,
) -> (Vec<OutputFile>, bool) {
    let mut clock = crate::timings::Clock::start();
    let one_shot = sink.is_some();
    let Cards {
        cards,
        mut assets,
        shown,
    } = cards(
        site,
        &setup,
        &bodies,
        cache,
        selection.is_some(),
        one_shot,
        diags,
    );
    clock.lap("  cards");
    // Every photo is known by now: record them. A one-shot build frees the
    // photo index before the pages; serve keeps it for the next edit.
    if let Some(set) = &setup.images {
        set.save_index();
    }
    let images = match setup.images {
        Some(set) if one_shot => {
            crate::threads::drop_in_background(set);
            None
        }
        set => set,
    };
    let has_code = bodies
        .reports
        .iter()
        .chain(&bodies.pages)
        .any(|b| b.has_code);
    let site_view = site_view(site, &setup.routes, has_code, bodies.photo_count() > 0);
    // With the number of gallery pages: a partial build cannot remove pages
    // (an edit that takes photos out must not leave an old last page).
    let frame = hash_of((
        serde_json::to_string(&site_view).unwrap_or_default(),
        setup.gallery_page_count,
    ));
    let plan = plan(site, cache, selection, frame, shown);
    clock.lap("  frame+shown");
    let mut renderer = Renderer {
        sink,
        only_reports: plan.only_reports,
        site,
        tera: setup.tera,
        routes: setup.routes,
        site_view,
        cards,
        bodies: bodies.reports,
        page_bodies: bodies.pages,
        criteria: BTreeMap::new(),
        dirty: plan.dirty,
        dirty_criteria: selection.map(|s| s.criteria.clone()).unwrap_or_default(),
    };
    renderer.criteria = site
        .table
        .criteria()
        .map(|c| (c.id, renderer.criterion_view(c.id, &mut assets, diags)))
        .collect();

    let mut files = setup.statics;
    if has_code {
        files.push(OutputFile {
            path: "syntax.css".into(),
            content: Content::Bytes(markdown::highlight_css().into_bytes().into()),
        });
    }
    clock.lap("  criteria");
    renderer.report_pages(&mut files, &mut assets, diags);
    clock.lap("    report pages");
    // When only report text changed, nothing that lists reports differs.
    if renderer.only_reports.is_none() {
        if one_shot {
            // No other page shows a report's body: free the bodies'
            // HTML before the long lists.
            renderer.release_bodies(&mut assets);
        }
        renderer.other_pages(&mut files, diags);
        clock.lap("    other pages");
    }
    for a in renderer
        .bodies
        .iter()
        .chain(&renderer.page_bodies)
        .flat_map(|b| b.assets.iter())
    {
        assets.push(a.clone());
    }
    files.extend(unique_assets(assets));
    let partial = renderer.dirty.is_some();
    let mut routes = renderer.routes;
    cache.images = images;
    if !one_shot {
        for route in &setup.gallery_routes {
            routes.known.remove(route);
        }
        cache.routes = Some((routes, setup.routes_hash));
    }
    (files, partial)
}

/// One file per output path. Where two sources claim one path, the
/// greater source path wins, in whatever order they were found. (Hashed,
/// not sorted: sorting 6,000 photos' paths was 17 M instructions.)
fn unique_assets(assets: Vec<Asset>) -> impl Iterator<Item = OutputFile> {
    let mut winner: FxHashMap<&str, usize> =
        FxHashMap::with_capacity_and_hasher(assets.len(), Default::default());
    for (i, a) in assets.iter().enumerate() {
        let w = winner.entry(a.output.as_str()).or_insert(i);
        if *w != i && a.source > assets[*w].source {
            *w = i;
        }
    }
    let mut keep = vec![false; assets.len()];
    for i in winner.into_values() {
        keep[i] = true;
    }
    assets
        .into_iter()
        .zip(keep)
        .filter(|(_, kept)| *kept)
        .map(|(a, _)| OutputFile {
            path: a.output,
            content: Content::Copy(a.source),
        })
}

/// What several page families show, built once before their pages (whose
/// jobs borrow it).
struct Shared<'s> {
    categories: Vec<CategoryView>,
    unit: UnitView,
    kinds: Vec<KindView>,
    honors: Vec<HonorView>,
    /// Every report, by index.
    all: Vec<usize>,
    /// Each kind's reports and the kind.
    kind_lists: Vec<(Vec<usize>, KindView)>,
    /// Each office and its reports.
    offices: Vec<(OfficeView, Vec<usize>)>,
    /// The reports by year and month.
    years: Vec<YearGroup<'s>>,
}

impl Renderer<'_> {
    /// Hand a page to the sink, or give it back to be returned.
    fn emit(&self, file: OutputFile) -> Option<OutputFile> {
        match self.sink {
            Some(sink) => {
                sink(file);
                None
            }
            None => Some(file),
        }
    }

    /// Render `jobs` in parallel; the files come out in job order.
    fn run_jobs(&self, jobs: Vec<Job<'_>>, files: &mut Vec<OutputFile>, diags: &mut Diagnostics) {
        // A page handed to the sink is returned as `None`.
        let results: Vec<(&'static str, String, Result<Option<OutputFile>, String>)> = jobs
            .into_par_iter()
            .map(|job| {
                let ctx = (job.context)();
                let out = render_template(&self.tera, job.template, &ctx).map(|html| {
                    let path = if job.route.is_empty() || job.route.ends_with('/') {
                        format!("{}index.html", job.route)
                    } else {
                        job.route.clone()
                    };
                    self.emit(OutputFile {
                        path,
                        content: Content::Bytes(html.into()),
                    })
                });
                (job.template, job.route, out)
            })
            .collect();
        for (template, route, out) in results {
            match out {
                Ok(file) => files.extend(file),
                Err(e) => diags.error_hint(
                    &format!("themes/{}/templates/{template}", self.site.config.theme),
                    Pos::default(),
                    format!("渲染 /{route} 时模板出错：{e}"),
                    "检查模板中用到的变量名（见 docs/templates.md）",
                ),
            }
        }
    }

    /// Whether a page showing these reports must be rendered again.
    fn wants(&self, indices: &[usize]) -> bool {
        match &self.dirty {
            None => true,
            Some(set) => indices.iter().any(|i| set.contains(i)),
        }
    }

    /// Every page but the reports' own, family by family, and the ledger.
    fn other_pages(&self, files: &mut Vec<OutputFile>, diags: &mut Diagnostics) {
        let all: Vec<usize> = (0..self.site.reports.len()).collect();
        let shared = Shared {
            categories: self.categories(),
            unit: self.unit(),
            kinds: self.kinds(),
            honors: self.honors(),
            kind_lists: self.kind_lists(&all),
            offices: self.offices(&all),
            years: self.archive_years(),
            all,
        };
        let mut jobs = vec![self.home_page(&shared)];
        jobs.extend(self.progress_pages(&shared));
        jobs.extend(self.report_lists(&shared));
        jobs.extend(self.office_pages(&shared));
        jobs.push(self.archive_page(&shared));
        jobs.push(self.dossier_page(&shared));
        jobs.extend(self.gallery_pages());
        jobs.push(self.search_page(&shared));
        jobs.extend(self.publicity_pages());
        jobs.push(self.not_found_page());
        jobs.push(self.feed());
        jobs.push(self.sitemap());
        self.run_jobs(jobs, files, diags);
        files.push(OutputFile {
            path: "ledger.csv".into(),
            content: Content::Bytes(self.ledger_csv().into()),
        });
    }
}
