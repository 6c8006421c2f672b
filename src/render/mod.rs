//! Phase 3: every output file, rendered into memory. Markdown and report
//! pages render in parallel; everything is collected in a fixed order so the
//! output is byte-for-byte reproducible.

mod cache;
mod format;
mod routes;
mod theme;
mod views;

use cache::{body_key, hash_of, report_body_key, BodyEntry, CardEntry};
pub use cache::Cache;
use format::{file_kind, human_size, indicator_label, pct_label, percent, tally_view};
pub use format::zh_date;
use routes::{page_window, paginate};
use theme::{render_template, theme_static};
pub use theme::load_templates;

use crate::content::{Page, Report};
use crate::data::{fmt_points, Status, ALL_OFFICES};
use crate::diagnostic::{Diagnostics, Pos};
use crate::images::ImageSet;
use crate::links::{Asset, Routes};
use crate::markdown::{self, PageContext, Rendered};
use crate::model::Site;
use crate::output::{Content, OutputFile};
use crate::progress::CheckResult;
use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
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

/// Everything the site writes, in a fixed order.
pub fn render(site: &mut Site, diags: &mut Diagnostics) -> Vec<OutputFile> {
    render_selected(site, &mut Cache::new(true), None, None, diags).0
}

/// Render the site; with a selection, only the pages it touches (plus the
/// site-wide ones) are returned, and unchanged Markdown comes from `cache`.
/// Where rendered pages go when they are not returned: straight to the
/// output writer, so a large site is not held in memory.
pub type PageSink<'a> = &'a (dyn Fn(OutputFile) + Sync);

pub fn render_selected(
    site: &mut Site,
    cache: &mut Cache,
    selection: Option<&Selection>,
    sink: Option<PageSink>,
    diags: &mut Diagnostics,
) -> (Vec<OutputFile>, bool) {
    let mut clock = crate::timings::Clock::start();
    let (tera, statics) = match cache.theme.take().filter(|_| selection.is_some()) {
        Some(theme) => theme,
        None => {
            let Some(tera) = load_templates(&site.root, &site.config.theme, diags) else {
                return (vec![], false);
            };
            (Arc::new(tera), theme_static(&site.root, &site.config.theme))
        }
    };
    cache.theme = Some((Arc::clone(&tera), statics.clone()));
    clock.lap("  templates+static");
    // A partial build has the reports, pages and theme of the last one, so
    // its routes too (building them took 10–20 ms of each edit at 10,000
    // reports).
    let (routes, routes_hash) = match cache.routes.take().filter(|_| selection.is_some()) {
        Some(kept) => {
            // A folder may have been swapped for a link since: look again.
            kept.0.real_dirs.write().expect("real_dirs").clear();
            kept
        }
        None => {
            let routes = routes::routes(site, &statics);
            if sink.is_some() {
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

    // Markdown bodies, in parallel; diagnostics gathered in source order.
    // `wenming check` processes no photos, so it needs no photo index.
    let image_set = cache.process_images.then(|| {
        cache
            .images
            .take()
            .or_else(|| {
                // Photos not looked at yet are looked at where they are shown.
                let (thread, stop) = cache.images_loading.take()?;
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                thread.join().ok()
            })
            .unwrap_or_else(|| ImageSet::new(&site.root))
    });
    clock.lap("  photo index");
    let images = image_set.as_ref();
    let cached = &cache.bodies;
    let render_body = |body: &crate::content::Body, route: String, report: Option<&Arc<Report>>| {
        let old = cached.get(&body.path);
        let quick = report.map(|r| (report_body_key(r, &route, routes_hash), Arc::clone(r)));
        if let (Some(old), Some((q, _))) = (old, &quick) {
            if old.same_report.as_ref().is_some_and(|(k, _)| k == q) {
                return old.clone();
            }
        }
        let text_key = body_key(body, &route, routes_hash);
        if let Some(old) = old.filter(|o| o.text_key == text_key) {
            return BodyEntry {
                same_report: quick,
                ..old.clone()
            };
        }
        let mut d = Diagnostics::new();
        let ctx = PageContext {
            routes: &routes,
            images,
            path: &body.path,
            dir: &body.dir,
            route: &route,
            first_line: body.first_line,
        };
        BodyEntry {
            same_report: quick,
            text_key,
            rendered: Arc::new(markdown::render(&body.markdown, &ctx, &mut d)),
            diags: d,
        }
    };
    let report_results: Vec<BodyEntry> = site
        .reports
        .par_iter()
        .map(|r| render_body(&r.body, Site::report_route(r), Some(r)))
        .collect();
    let page_results: Vec<BodyEntry> = site
        .pages
        .par_iter()
        .map(|p| render_body(&p.body, Site::page_route(p), None))
        .collect();
    let mut fresh = FxHashMap::with_capacity_and_hasher(
        report_results.len() + page_results.len(),
        Default::default(),
    );
    let mut bodies = Vec::with_capacity(report_results.len());
    for (r, e) in site.reports.iter().zip(report_results) {
        diags.extend(e.diags.clone());
        bodies.push(Arc::clone(&e.rendered));
        fresh.insert(r.body.path.clone(), e);
    }
    let mut page_bodies = Vec::with_capacity(page_results.len());
    for (p, e) in site.pages.iter().zip(page_results) {
        diags.extend(e.diags.clone());
        page_bodies.push(Arc::clone(&e.rendered));
        fresh.insert(p.body.path.clone(), e);
    }
    cache.bodies = fresh;
    if sink.is_some() {
        // A streaming build renders each body once: free the Markdown
        // sources (a quarter of a large site's memory) for the pages.
        for e in cache.bodies.values_mut() {
            e.same_report = None;
        }
        for r in &mut site.reports {
            if let Some(r) = Arc::get_mut(r) {
                r.body.markdown = String::new();
            }
        }
    }
    let site: &Site = site;
    clock.lap("  markdown");
    let has_code = bodies.iter().chain(&page_bodies).any(|b| b.has_code);
    let photo_count: usize = bodies.iter().map(|b| b.images.len()).sum();
    let mut routes = routes;
    // (Removed again before the routes are kept: the next build may have
    // another number of photos.)
    let mut gallery_routes = Vec::new();
    let gallery_pages = paginate(crate::links::GALLERY, photo_count, gallery_per_page(site));
    let gallery_page_count = gallery_pages.len();
    for (route, _) in gallery_pages {
        if routes.known.insert(route.clone()) {
            gallery_routes.push(route);
        }
    }
    warn_missing_photos(site, &bodies, diags);
    // Links to gallery pages were taken on trust while the photos were
    // being found; now that the number of pages is known, check them.
    let report_paths = site.reports.iter().map(|r| &r.body.path);
    let page_paths = site.pages.iter().map(|p| &p.body.path);
    for (path, body) in report_paths
        .zip(&bodies)
        .chain(page_paths.zip(&page_bodies))
    {
        for (n, written, pos) in &body.gallery_links {
            if *n > gallery_page_count {
                let (m, h) = crate::links::LinkError::Missing(format!(
                    "站点中没有 /{} 这个页面，文明风采共 {gallery_page_count} 页",
                    crate::links::page_route(crate::links::GALLERY, *n)
                ))
                .describe(written);
                diags.error_hint(path, *pos, m, h);
            }
        }
    }

    // Cards, in parallel; an incremental build reuses those of unchanged
    // reports (same report, same rendered body, same routes).
    let old_cards = std::mem::take(&mut cache.cards);
    let reuse = selection.is_some();
    let entries: Vec<CardEntry> = site
        .reports
        .par_iter()
        .zip(&bodies)
        .map(|(r, body)| {
            let key = hash_of((
                Arc::as_ptr(r) as usize,
                Arc::as_ptr(body) as usize,
                routes_hash,
                photo_count,
            ));
            if let Some(old) = old_cards
                .get(&r.body.path)
                .filter(|e| reuse && e.key == key)
            {
                return CardEntry {
                    key,
                    card: Arc::clone(&old.card),
                    assets: old.assets.clone(),
                    diags: old.diags.clone(),
                    shown: old.shown,
                };
            }
            let (mut assets, mut d) = (Vec::new(), Diagnostics::new());
            let card = report_card(site, &routes, images, r, body, &mut assets, &mut d);
            let shown = hash_of((&card, &body.images));
            CardEntry {
                key,
                card: Arc::new(card),
                assets,
                diags: d,
                shown,
            }
        })
        .collect();
    drop(old_cards);
    let mut assets: Vec<Asset> = Vec::new();
    let mut cards: Vec<Arc<ReportCard>> = Vec::with_capacity(entries.len());
    let mut shown: FxHashMap<String, u64> =
        FxHashMap::with_capacity_and_hasher(entries.len(), Default::default());
    if sink.is_none() {
        cache.cards.reserve(entries.len());
    }
    for (r, mut e) in site.reports.iter().zip(entries) {
        cards.push(Arc::clone(&e.card));
        shown.insert(r.body.path.clone(), e.shown);
        // A build whose pages go to a sink is not repeated: it keeps no
        // entry, and takes the covers' files rather than copy them.
        if sink.is_none() {
            assets.extend(e.assets.iter().cloned());
            diags.extend(e.diags.clone());
            cache.cards.insert(r.body.path.clone(), e);
        } else {
            assets.append(&mut e.assets);
            diags.extend(e.diags);
        }
    }
    clock.lap("  cards");
    // Every photo is known by now: record them. A build that streams its
    // pages is not repeated, so it frees the photo index before the pages;
    // serve keeps it for the next edit.
    if let Some(set) = &image_set {
        set.save_index();
    }
    let image_set = match image_set {
        // Not needed again: freed beside the pages, not before them.
        Some(set) if sink.is_some() => {
            crate::threads::drop_in_background(set);
            None
        }
        set => set,
    };
    let site_view = site_view(site, &routes, has_code, photo_count > 0);
    // With the number of gallery pages: a partial build cannot remove pages
    // (an edit that takes photos out must not leave an old last page).
    let frame = hash_of((
        serde_json::to_string(&site_view).unwrap_or_default(),
        gallery_page_count,
    ));
    let selection = selection.filter(|_| cache.frame == frame);
    cache.frame = frame;
    let dirty = selection.map(|sel| {
        let mut set = HashSet::new();
        for (i, r) in site.reports.iter().enumerate() {
            if sel.reports.contains(&r.body.path) {
                // Neighbours show this report's title in their prev/next links.
                set.extend([i.saturating_sub(1), i, i + 1]);
            }
        }
        set
    });
    let only_reports = selection.and_then(|sel| {
        let mut only = HashSet::new();
        for path in &sel.reports {
            let i = site.reports.iter().position(|r| &r.body.path == path)?;
            if cache.shown.get(path) != shown.get(path) {
                return None;
            }
            only.insert(i);
        }
        Some(only)
    });
    cache.shown = shown;
    clock.lap("  frame+shown");
    let mut renderer = Renderer {
        sink,
        only_reports,
        site,
        tera,
        routes,
        site_view,
        cards,
        bodies,
        page_bodies,
        criteria: BTreeMap::new(),
        dirty,
        dirty_criteria: selection.map(|s| s.criteria.clone()).unwrap_or_default(),
    };
    renderer.criteria = site
        .table
        .criteria()
        .map(|c| (c.id, renderer.criterion_view(c.id, &mut assets, diags)))
        .collect();

    let mut files = statics;
    if has_code {
        files.push(OutputFile {
            path: "syntax.css".into(),
            content: Content::Bytes(markdown::highlight_css().into_bytes().into()),
        });
    }
    clock.lap("  criteria");
    if renderer.only_reports.is_some() {
        // Only report text changed: nothing that lists reports differs.
        renderer.report_pages(&mut files, &mut assets, diags);
    } else {
        // Report pages first: the other pages are rendered as jobs that
        // borrow the renderer.
        renderer.report_pages(&mut files, &mut assets, diags);
        clock.lap("    report pages");
        if renderer.sink.is_some() {
            // A build that streams its pages keeps nothing for a next
            // build, and no other page shows a report's body: free the
            // bodies before the long lists.
            renderer.release_bodies(cache, &mut assets);
        }
        renderer.other_pages(&mut files, diags);
        clock.lap("    other pages");
    }
    clock.lap("  pages");
    for a in renderer
        .bodies
        .iter()
        .chain(&renderer.page_bodies)
        .flat_map(|b| b.assets.iter())
    {
        assets.push(a.clone());
    }
    // One file per output path. Where two sources claim one path, the
    // greater source path wins, in whatever order they were found. (Hashed,
    // not sorted: sorting 6,000 photos' paths was 17 M instructions.)
    let mut winner: FxHashMap<&str, usize> =
        FxHashMap::with_capacity_and_hasher(assets.len(), Default::default());
    for (i, a) in assets.iter().enumerate() {
        let w = winner.entry(a.output.as_str()).or_insert(i);
        // (Sources are compared only where two claim one path.)
        if *w != i && a.source > assets[*w].source {
            *w = i;
        }
    }
    let mut keep = vec![false; assets.len()];
    for i in winner.into_values() {
        keep[i] = true;
    }
    files.extend(
        assets
            .into_iter()
            .zip(keep)
            .filter(|(_, kept)| *kept)
            .map(|(a, _)| OutputFile {
                path: a.output,
                content: Content::Copy(a.source),
            }),
    );
    let partial = renderer.dirty.is_some();
    let streamed = renderer.sink.is_some();
    let mut routes = renderer.routes;
    cache.images = image_set;
    // A build whose pages go to a sink is not repeated.
    if !streamed {
        for route in &gallery_routes {
            routes.known.remove(route);
        }
        cache.routes = Some((routes, routes_hash));
    }
    (files, partial)
}

fn gallery_per_page(site: &Site) -> usize {
    site.config.per_page * 2
}

/// Assessors look for 2–3 photos per activity. Where most reports of a
/// kind have photos, the ones without are probably missing theirs.
fn warn_missing_photos(site: &Site, bodies: &[Arc<Rendered>], diags: &mut Diagnostics) {
    let has_photo = |i: usize| !bodies[i].images.is_empty() || site.reports[i].cover.is_some();
    for k in &site.config.kinds {
        let of_kind: Vec<usize> = (0..site.reports.len())
            .filter(|&i| site.reports[i].kind == k.id)
            .collect();
        let with = of_kind.iter().filter(|&&i| has_photo(i)).count();
        if of_kind.len() >= 4 && with * 2 >= of_kind.len() {
            for &i in of_kind.iter().filter(|&&i| !has_photo(i)) {
                diags.warning_hint(
                    &site.reports[i].body.path,
                    Pos::new(1, 1),
                    format!("这篇{}报道没有照片（同类报道 {with}/{} 篇配有照片）", k.name, of_kind.len()),
                    "测评时通常要求每次活动有 2–3 张能看出单位名称的现场照片：把照片放进报道文件夹，正文写 ![照片说明](照片.jpg)",
                );
            }
        }
    }
}

fn site_view(site: &Site, routes: &Routes, has_code: bool, has_photos: bool) -> SiteView {
    let c = &site.config;
    let mut nav = vec![
        NavItem {
            title: "首页".into(),
            url: routes.url(""),
            key: "home".into(),
        },
        NavItem {
            title: "创建进度".into(),
            url: routes.url("progress/"),
            key: "progress".into(),
        },
    ];
    for k in &c.kinds {
        if site.tally_by_kind.contains_key(&k.id) {
            nav.push(NavItem {
                title: k.name.clone(),
                url: routes.url(&format!("kinds/{}/", k.id)),
                key: format!("kind-{}", k.id),
            });
        }
    }
    if has_photos {
        nav.push(NavItem {
            title: "文明风采".into(),
            url: routes.url(crate::links::GALLERY),
            key: "gallery".into(),
        });
    }
    nav.push(NavItem {
        title: "测评材料".into(),
        url: routes.url("dossier/"),
        key: "dossier".into(),
    });
    for p in site.pages.iter().filter(|p| p.menu) {
        nav.push(NavItem {
            title: p.title.clone(),
            url: routes.url(&Site::page_route(p)),
            key: format!("page-{}", p.slug),
        });
    }
    nav.push(NavItem {
        title: "搜索".into(),
        url: routes.url("search/"),
        key: "search".into(),
    });
    SiteView {
        title: c.title.clone(),
        unit: c.unit.clone(),
        description: c.description.clone(),
        base: routes.base_path.clone(),
        base_url: c.base_url.clone(),
        domain: c.domain().to_string(),
        language: c.language.clone(),
        as_of: c.as_of.to_string(),
        as_of_zh: zh_date(c.as_of),
        campaign_start: c.campaign.map(|(s, _)| zh_date(s)),
        campaign_end: c.campaign.map(|(_, e)| zh_date(e)),
        archived: site.archived,
        table_name: site.table.name.clone(),
        document: site.table.document.clone(),
        nav,
        footer: {
            // The footer's link is the office's own setting, checked where
            // site.yaml is read; a script link never reaches a page anyway.
            let mut footer = c.footer.clone();
            if footer
                .conac_url
                .as_deref()
                .is_some_and(|url| crate::links::refused_scheme(url.trim()).is_some())
            {
                footer.conac_url = None;
            }
            footer
        },
        has_code,
    }
}

fn citation_view(site: &Site, routes: &Routes, c: &crate::content::Citation) -> CitationView {
    let crit = site.table.criterion(c.criterion);
    let text = match (crit, c.item) {
        (Some(cr), Some(i)) => cr
            .items
            .get(i - 1)
            .map(|it| it.text.clone())
            .unwrap_or_default(),
        (Some(cr), None) => cr.text.clone().unwrap_or_else(|| {
            cr.items
                .iter()
                .map(|i| i.text.as_str())
                .collect::<Vec<_>>()
                .join("；")
        }),
        _ => String::new(),
    };
    let (title, anchor) = match c.item {
        Some(i) => (
            format!("第 {} 条第 {i} 项", c.criterion),
            format!("#item-{}", c.label()),
        ),
        None => (format!("第 {} 条", c.criterion), String::new()),
    };
    CitationView {
        label: c.label(),
        title,
        url: format!(
            "{}{anchor}",
            routes.url(&format!("progress/{}/", c.criterion))
        ),
        text,
    }
}

fn office_link(routes: &Routes, name: &str) -> Link {
    Link {
        title: name.to_string(),
        url: routes.url(&format!("offices/{}/", Site::office_slug(name))),
    }
}

fn file_view(
    routes: &Routes,
    dir: &Path,
    route: &str,
    target: &str,
    path: &str,
    pos: Pos,
    assets: &mut Vec<Asset>,
    diags: &mut Diagnostics,
) -> Option<FileView> {
    match routes.asset(dir, route, target) {
        Ok((url, asset)) => {
            let size = match &asset {
                Some(a) => a.stamp.map(|(len, _)| len),
                None => routes.resolve_file(dir, target).ok().map(|r| r.stamp.0),
            }
            .unwrap_or(0);
            assets.extend(asset);
            let name = Path::new(target)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| target.to_string());
            Some(FileView {
                kind: file_kind(&name).to_string(),
                size: human_size(size),
                name,
                url,
            })
        }
        Err(e) => {
            let (m, h) = e.describe(target);
            diags.error_hint(path, pos, m, h);
            None
        }
    }
}

fn report_card(
    site: &Site,
    routes: &Routes,
    images: Option<&ImageSet>,
    r: &Report,
    body: &Rendered,
    assets: &mut Vec<Asset>,
    diags: &mut Diagnostics,
) -> ReportCard {
    let route = Site::report_route(r);
    let kind = site.config.kind(&r.kind);
    // The cover shows as a thumbnail: the body's own processed copy when the
    // photo is also in the text (found there already), else processed here.
    let in_body = r
        .cover
        .as_deref()
        .and_then(|c| body.images.iter().find(|p| p.written == c));
    let cover = r
        .cover
        .as_deref()
        .filter(|_| in_body.is_none())
        .and_then(|c| match routes.asset(&r.body.dir, &route, c) {
            Ok((url, asset)) => {
                // Photos are published only as processed copies (no GPS).
                assets.extend(asset.filter(|a| !crate::images::is_raster(&a.source)));
                Some(url)
            }
            Err(e) => {
                let (m, h) = e.describe(c);
                diags.error_hint(
                    &r.body.path,
                    r.pos_of("cover", c),
                    format!("封面图 cover：{m}"),
                    h,
                );
                None
            }
        });
    let (cover, cover_alt) = match (in_body, &cover) {
        (Some(p), _) => (Some(p.thumb.clone()), p.alt.clone()),
        (None, Some(url)) => {
            let thumb = match images.and_then(|im| cover_thumb(im, routes, r, &route, assets)) {
                Some(Ok((thumb, incomplete))) => {
                    if incomplete {
                        let written = r.cover.as_deref().unwrap_or_default();
                        let (m, h) = crate::images::Processed::incomplete_warning(written);
                        diags.warning_hint(&r.body.path, r.pos_of("cover", written), m, h);
                    }
                    Some(thumb)
                }
                // Photos are published only as processed copies, so the card
                // shows none; the body, if it shows the photo, warned already.
                Some(Err((source, why))) => {
                    if !body.assets.iter().any(|a| a.source == source) {
                        let written = r.cover.as_deref().unwrap_or_default();
                        let (m, h) = why.describe(written);
                        diags.warning_hint(
                            &r.body.path,
                            r.pos_of("cover", written),
                            format!("封面图 cover：{m}；列表中不显示封面"),
                            h,
                        );
                    }
                    None
                }
                // Not a photo (published as it is), or nothing is processed.
                None => Some(url.clone()),
            };
            (thumb, r.title.clone())
        }
        (None, None) => (None, r.title.clone()),
    };
    let cover_html = cover.as_deref().map_or_else(String::new, |src| {
        // The alt text repeats nothing the card's title already says.
        let alt = if cover_alt == r.title {
            String::new()
        } else {
            markdown::escape_attr(&cover_alt)
        };
        format!(
            "<div class=\"card-cover\"><img src=\"{}\" alt=\"{alt}\" loading=\"lazy\" width=\"320\" height=\"200\"></div>",
            markdown::escape_attr(src)
        )
    });
    ReportCard {
        title: r.title.clone(),
        url: routes.url(&route),
        date: r.date.to_string(),
        date_zh: zh_date(r.date),
        kind: Link {
            title: kind.map(|k| k.name.clone()).unwrap_or_default(),
            url: routes.url(&format!("kinds/{}/", r.kind)),
        },
        kind_id: r.kind.clone(),
        summary: r.summary.clone().unwrap_or_else(|| body.summary.clone()),
        cover,
        cover_alt,
        cover_html,
        participants: r.participants,
        hours: r.hours.map(fmt_points),
        location: r.location.clone(),
        criteria: r
            .criteria
            .iter()
            .map(|c| citation_view(site, routes, c))
            .collect(),
        offices: r.offices.iter().map(|o| office_link(routes, o)).collect(),
        draft: r.draft,
    }
}

/// The URL of a cover photo's thumbnail and whether its file is cut off;
/// or the photo and why it could not be processed; `None` when the cover
/// is no photo.
#[allow(clippy::type_complexity)]
fn cover_thumb(
    images: &ImageSet,
    routes: &Routes,
    r: &Report,
    route: &str,
    assets: &mut Vec<Asset>,
) -> Option<Result<(String, bool), (std::path::PathBuf, crate::images::Unprocessed)>> {
    let (_, asset) = routes.asset(&r.body.dir, route, r.cover.as_deref()?).ok()?;
    let asset = asset?;
    if !crate::images::is_raster(&asset.source) {
        return None;
    }
    let processed = images.process(&asset.source, asset.stamp);
    let p = match processed.as_ref() {
        Ok(p) => p,
        Err(why) => return Some(Err((asset.source, why.clone()))),
    };
    let output = p.output_path(&asset.output, &p.thumb);
    assets.push(Asset {
        source: p.thumb.file.clone(),
        output: output.clone(),
        stamp: None,
    });
    Some(Ok((routes.url(&output), p.incomplete)))
}

fn check_view(r: &CheckResult, c: &crate::data::Check) -> CheckView {
    CheckView {
        name: r.name.clone(),
        numerator: fmt_points(r.numerator),
        denominator: fmt_points(r.denominator),
        numerator_name: indicator_label(&c.numerator),
        denominator_name: indicator_label(&c.denominator),
        ratio: r.ratio.map(pct_label).unwrap_or_else(|| "—".into()),
        ratio_value: r.ratio.unwrap_or(0.0),
        threshold: pct_label(r.threshold),
        threshold_value: r.threshold,
        all_required: r.all_required,
        passed: r.passed,
        verdict: if r.passed { "达标" } else { "未达标" }.into(),
    }
}

impl Renderer<'_> {
    fn criterion_view(
        &self,
        id: u32,
        assets: &mut Vec<Asset>,
        diags: &mut Diagnostics,
    ) -> CriterionView {
        let site = self.site;
        let c = site.table.criterion(id).expect("criterion from the table");
        let p = &site.progress.criteria[&id];
        let category = site
            .table
            .categories
            .iter()
            .find(|cat| cat.id == c.category)
            .expect("category of criterion");
        let route = format!("progress/{id}/");
        let items = c
            .items
            .iter()
            .zip(&p.items)
            .map(|(item, ip)| {
                let ledger_pos = site.ledger.get(&item.id).map(|e| e.pos).unwrap_or_default();
                let files = ip
                    .files
                    .iter()
                    .filter_map(|f| {
                        let under = if f.starts_with("static/") || f.starts_with("content/") {
                            f.clone()
                        } else {
                            format!("static/{f}")
                        };
                        file_view(
                            &self.routes,
                            &site.root,
                            "ledger-files/",
                            &under,
                            "data/ledger.yaml",
                            ledger_pos,
                            assets,
                            diags,
                        )
                    })
                    .collect();
                ItemView {
                    id: item.id.clone(),
                    points: fmt_points(item.points),
                    text: item.text.clone(),
                    status: format!("{:?}", ip.status).to_lowercase(),
                    status_label: ip.status.label().into(),
                    deadline: ip.deadline.map(|d| d.to_string()),
                    score: fmt_points(ip.score),
                    note: ip.note.clone(),
                    overdue: ip.overdue,
                    files,
                    evidence: site
                        .item_evidence
                        .get(&item.id)
                        .map(|v| {
                            v.iter()
                                .map(|&i| Link {
                                    title: self.cards[i].title.clone(),
                                    url: self.cards[i].url.clone(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
        let all_offices = c.offices.iter().any(|o| o == ALL_OFFICES);
        CriterionView {
            id,
            url: self.routes.url(&route),
            category_id: category.id,
            category_name: category.name.clone(),
            text: c.text.clone().unwrap_or_else(|| {
                c.items
                    .iter()
                    .map(|i| i.text.as_str())
                    .collect::<Vec<_>>()
                    .join("；")
            }),
            points: fmt_points(p.points),
            score: fmt_points(p.score),
            percent: percent(p.score, p.points),
            status: format!("{:?}", p.status).to_lowercase(),
            status_label: p.status.label().into(),
            offices: if all_offices {
                vec![]
            } else {
                c.offices
                    .iter()
                    .map(|o| office_link(&self.routes, o))
                    .collect()
            },
            all_offices,
            items,
            checks: p
                .checks
                .iter()
                .zip(&c.checks)
                .map(|(r, ch)| check_view(r, ch))
                .collect(),
            done: p.done,
            doing: p.doing,
            todo: p.todo,
            overdue: p.overdue,
            evidence_count: site.evidence.get(&id).map_or(0, Vec::len),
            tally: tally_view(site.tally_by_criterion.get(&id)),
        }
    }

    fn categories(&self) -> Vec<CategoryView> {
        self.site
            .table
            .categories
            .iter()
            .zip(&self.site.progress.categories)
            .map(|(cat, cp)| CategoryView {
                id: cat.id,
                name: cat.name.clone(),
                points: fmt_points(cat.points),
                score: fmt_points(cp.score),
                percent: percent(cp.score, cp.points),
                items: cp.items,
                done: cp.done,
                criteria: cat
                    .criteria
                    .iter()
                    .map(|c| self.criteria[&c.id].clone())
                    .collect(),
            })
            .collect()
    }

    fn unit(&self) -> UnitView {
        let u = &self.site.progress.unit;
        UnitView {
            total: fmt_points(u.total),
            score: fmt_points(u.score),
            percent: percent(u.score, u.total),
            bonus: fmt_points(u.bonus),
            bonus_cap: self
                .site
                .table
                .bonus
                .as_ref()
                .map(|b| fmt_points(b.cap))
                .unwrap_or_else(|| "0".into()),
            items: u.items,
            done: u.done,
            doing: u.doing,
            todo: u.todo,
            overdue: u.overdue,
            done_percent: percent(u.done as f64, u.items as f64),
        }
    }

    fn honors(&self) -> Vec<HonorView> {
        let levels = self
            .site
            .table
            .bonus
            .as_ref()
            .map(|b| b.levels.clone())
            .unwrap_or_default();
        self.site
            .honors
            .iter()
            .map(|h| HonorView {
                name: h.name.clone(),
                level: h.level.clone(),
                level_label: match h.level.as_str() {
                    "national" => "国家级".into(),
                    "provincial" => "省部级".into(),
                    other => other.to_string(),
                },
                date: h.date.to_string(),
                issuer: h.issuer.clone(),
                counts: crate::progress::honor_counts(&self.site.table, h),
                points: fmt_points(levels.get(&h.level).copied().unwrap_or(0.0)),
            })
            .collect()
    }

    /// Reports per month over the campaign (or the span of the reports),
    /// at most the last 24 months, for the home page's activity chart.
    fn activity_by_month(&self) -> Vec<MonthCount> {
        let site = self.site;
        let month = |d: NaiveDate| (d.year(), d.month());
        let (first, last) = match site.config.campaign {
            Some((start, end)) => (month(start), month(end.min(site.config.as_of.max(start)))),
            None => match (site.reports.last(), site.reports.first()) {
                (Some(oldest), Some(newest)) => (month(oldest.date), month(newest.date)),
                _ => return vec![],
            },
        };
        let mut counts: BTreeMap<(i32, u32), usize> = BTreeMap::new();
        let mut m = first;
        while m <= last {
            counts.insert(m, 0);
            m = if m.1 == 12 {
                (m.0 + 1, 1)
            } else {
                (m.0, m.1 + 1)
            };
        }
        for r in site.reports.iter() {
            if let Some(c) = counts.get_mut(&month(r.date)) {
                *c += 1;
            }
        }
        let skip = counts.len().saturating_sub(24);
        counts
            .into_iter()
            .skip(skip)
            .map(|((y, mo), count)| MonthCount {
                label: format!("{y}年{mo}月"),
                year: y,
                month: mo,
                count,
            })
            .collect()
    }

    fn kinds(&self) -> Vec<KindView> {
        self.site
            .config
            .kinds
            .iter()
            .filter(|k| self.site.tally_by_kind.contains_key(&k.id))
            .map(|k| KindView {
                id: k.id.clone(),
                name: k.name.clone(),
                url: self.routes.url(&format!("kinds/{}/", k.id)),
                tally: tally_view(self.site.tally_by_kind.get(&k.id)),
            })
            .collect()
    }

    fn context(&self, section: &str, title: &str, route: &str) -> Context {
        let mut ctx = Context::new();
        ctx.insert("site", &self.site_view);
        ctx.insert("section", section);
        ctx.insert("page_title", title);
        ctx.insert("current_url", &self.routes.url(route));
        ctx.insert(
            "absolute_url",
            &format!(
                "{}{}",
                self.site.config.base_url,
                crate::links::encode_url_path(route)
            ),
        );
        ctx
    }

    /// The cards of the reports cited as evidence for criterion `id`.
    fn evidence_cards(&self, id: u32) -> Vec<&ReportCard> {
        self.site
            .evidence
            .get(&id)
            .map(|v| v.iter().map(|&i| &*self.cards[i]).collect())
            .unwrap_or_default()
    }

    fn bonus_name(&self) -> String {
        self.site
            .table
            .bonus
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_default()
    }

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

    /// The pager of list page `k` (0-based) of `pages`.
    fn pagination(
        &self,
        pages: &[(String, std::ops::Range<usize>)],
        k: usize,
        total_items: usize,
    ) -> Pagination {
        Pagination {
            current: k + 1,
            total_pages: pages.len(),
            total_items,
            prev: (k > 0).then(|| self.routes.url(&pages[k - 1].0)),
            next: pages.get(k + 1).map(|(r, _)| self.routes.url(r)),
            first: self.routes.url(&pages[0].0),
            last: self.routes.url(&pages[pages.len() - 1].0),
            pages: page_window(pages.len(), k)
                .into_iter()
                .map(|j| match j {
                    Some(j) => PageLink {
                        number: j + 1,
                        url: self.routes.url(&pages[j].0),
                        current: j == k,
                        gap: false,
                    },
                    None => PageLink {
                        number: 0,
                        url: String::new(),
                        current: false,
                        gap: true,
                    },
                })
                .collect(),
        }
    }

    /// Photo `p` of report `i` as the gallery lists it.
    fn gallery_photo<'s>(&'s self, i: usize, p: &'s markdown::Photo) -> GalleryPhoto<'s> {
        let card = &self.cards[i];
        let report = LinkRef {
            title: &card.title,
            url: &card.url,
        };
        GalleryPhoto {
            html: GalleryPhoto::figure_html(p, &report, &card.date),
            photo: p,
            report,
            date: &card.date,
        }
    }

    /// Whether a page showing these reports must be rendered again.
    fn wants(&self, indices: &[usize]) -> bool {
        match &self.dirty {
            None => true,
            Some(set) => indices.iter().any(|i| set.contains(i)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn list_pages<'s>(
        &'s self,
        template: &'static str,
        section: &str,
        title: &str,
        base_route: &str,
        indices: &'s [usize],
        kind: Option<&'s KindView>,
        jobs: &mut Vec<Job<'s>>,
    ) {
        // A kind's pages all show the kind's totals in their header.
        let whole = kind.is_some() && self.wants(indices);
        let pages = Arc::new(paginate(
            base_route,
            indices.len(),
            self.site.config.per_page,
        ));
        for k in 0..pages.len() {
            let (route, range) = pages[k].clone();
            if !whole && !self.wants(&indices[range.clone()]) {
                continue;
            }
            let (section, title, pages) =
                (section.to_string(), title.to_string(), Arc::clone(&pages));
            jobs.push(Job::lazy(template, &route.clone(), move || {
                let cards: Vec<&ReportCard> =
                    indices[range].iter().map(|&i| &*self.cards[i]).collect();
                let pagination = self.pagination(&pages, k, indices.len());
                let page_title = if k == 0 {
                    title.clone()
                } else {
                    format!("{title}（第 {} 页）", k + 1)
                };
                let mut ctx = self.context(&section, &page_title, &route);
                ctx.insert("list_title", &title);
                ctx.insert("reports", &cards);
                ctx.insert("pagination", &pagination);
                if let Some(kind) = kind {
                    ctx.insert("kind", kind);
                }
                ctx
            }));
        }
    }

    /// One page per report (those selected, in an incremental build).
    fn report_pages(
        &self,
        files: &mut Vec<OutputFile>,
        assets: &mut Vec<Asset>,
        diags: &mut Diagnostics,
    ) {
        let site = self.site;
        let rendered_reports: Vec<(String, Result<Option<OutputFile>, String>)> = site
            .reports
            .par_iter()
            .enumerate()
            .filter(|(i, _)| match &self.only_reports {
                Some(only) => only.contains(i),
                None => self.wants(&[*i]),
            })
            .map(|(i, r)| {
                let route = Site::report_route(r);
                let mut local = Vec::new();
                let mut d = Diagnostics::new();
                let attachments: Vec<FileView> = r
                    .attachments
                    .iter()
                    .filter_map(|a| {
                        file_view(
                            &self.routes,
                            &r.body.dir,
                            &route,
                            a,
                            &r.body.path,
                            r.pos_of("attachments", a),
                            &mut local,
                            &mut d,
                        )
                    })
                    .collect();
                let view = ReportView {
                    card: &self.cards[i],
                    content: &self.bodies[i].html,
                    tags: r.tags.clone(),
                    attachments,
                    reading_minutes: self.bodies[i].reading_minutes,
                    extra: &r.extra,
                    pub_time: format!(
                        "{} {}",
                        r.date,
                        r.time
                            .map(|t| t.format("%H:%M").to_string())
                            .unwrap_or_else(|| "00:00".into())
                    ),
                    absolute_url: format!(
                        "{}{}",
                        site.config.base_url,
                        crate::links::encode_url_path(&route)
                    ),
                };
                let mut ctx = self.context(&format!("kind-{}", r.kind), &r.title, &route);
                ctx.insert("report", &view);
                ctx.insert(
                    "prev",
                    &(i + 1 < self.cards.len()).then(|| Link {
                        title: self.cards[i + 1].title.clone(),
                        url: self.cards[i + 1].url.clone(),
                    }),
                );
                ctx.insert(
                    "next",
                    &i.checked_sub(1).map(|j| Link {
                        title: self.cards[j].title.clone(),
                        url: self.cards[j].url.clone(),
                    }),
                );
                let out = render_template(&self.tera, "report.html", &ctx).map(|html| {
                    self.emit(OutputFile {
                        path: format!("{route}index.html"),
                        content: Content::Bytes(html.into()),
                    })
                });
                (route, out, local, d)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(route, out, local, d)| {
                assets.extend(local);
                diags.extend(d);
                (route, out)
            })
            .collect();
        for (route, out) in rendered_reports {
            match out {
                Ok(file) => files.extend(file),
                Err(e) => diags.error(
                    &format!("themes/{}/templates/report.html", site.config.theme),
                    Pos::default(),
                    format!("渲染 /{route} 时模板出错：{e}"),
                ),
            }
        }
    }

    fn other_pages(&self, files: &mut Vec<OutputFile>, diags: &mut Diagnostics) {
        let site = self.site;
        let categories = self.categories();
        let unit = self.unit();
        let kinds = self.kinds();
        let honors = self.honors();
        let check_criteria: Vec<&CriterionView> = self
            .criteria
            .values()
            .filter(|c| !c.checks.is_empty())
            .collect();
        let all: Vec<usize> = (0..site.reports.len()).collect();
        let ids: Vec<u32> = self.criteria.keys().copied().collect();
        let kind_lists: Vec<(Vec<usize>, KindView)> = site
            .config
            .kinds
            .iter()
            .map(|k| {
                let indices: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| site.reports[i].kind == k.id)
                    .collect();
                let kv = KindView {
                    id: k.id.clone(),
                    name: k.name.clone(),
                    url: self.routes.url(&format!("kinds/{}/", k.id)),
                    tally: tally_view(site.tally_by_kind.get(&k.id)),
                };
                (indices, kv)
            })
            .collect();

        // Offices
        let offices: Vec<(OfficeView, Vec<usize>)> = site
            .table
            .offices
            .iter()
            .map(|o| {
                let criteria: Vec<Link> = site
                    .table
                    .criteria()
                    .filter(|c| site.table.offices_of(c).contains(&o.as_str()))
                    .map(|c| Link {
                        title: format!("第 {} 条", c.id),
                        url: self.routes.url(&format!("progress/{}/", c.id)),
                    })
                    .collect();
                let reports: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| site.reports[i].offices.contains(o))
                    .collect();
                let slug = Site::office_slug(o);
                (
                    OfficeView {
                        name: o.clone(),
                        url: self.routes.url(&format!("offices/{slug}/")),
                        slug,
                        criteria,
                        report_count: reports.len(),
                    },
                    reports,
                )
            })
            .collect();
        // Archive by year and month
        let mut years: Vec<YearGroup> = Vec::new();
        for (i, r) in site.reports.iter().enumerate() {
            if years.last().map(|y| y.year) != Some(r.date.year()) {
                years.push(YearGroup {
                    year: r.date.year(),
                    count: 0,
                    months: vec![],
                });
            }
            let y = years.last_mut().expect("pushed");
            y.count += 1;
            if y.months.last().map(|m| m.month) != Some(r.date.month()) {
                y.months.push(MonthGroup {
                    month: r.date.month(),
                    label: format!("{}年{}月", r.date.year(), r.date.month()),
                    count: 0,
                    reports: vec![],
                });
            }
            let month = y.months.last_mut().expect("pushed");
            month.count += 1;
            month.reports.push(&self.cards[i]);
        }
        // Home
        let mut ctx = self.context("home", &site.config.title, "");
        ctx.insert("unit_progress", &unit);
        ctx.insert("categories", &categories);
        ctx.insert(
            "latest",
            &self.cards.iter().take(8).map(|c| &**c).collect::<Vec<_>>(),
        );
        ctx.insert("kinds", &kinds);
        ctx.insert("honors", &honors);
        ctx.insert("check_criteria", &check_criteria);
        ctx.insert("tally", &tally_view(Some(&site.tally)));
        ctx.insert("activity_by_month", &self.activity_by_month());
        ctx.insert(
            "menu_pages",
            &site
                .pages
                .iter()
                .filter(|p| p.menu)
                .map(|p| Link {
                    title: p.title.clone(),
                    url: self.routes.url(&Site::page_route(p)),
                })
                .collect::<Vec<_>>(),
        );
        let mut jobs: Vec<Job> = Vec::new();
        jobs.push(Job::ready("index.html", "", ctx));

        // Progress overview and one page per criterion
        let mut ctx = self.context("progress", "创建进度总览", "progress/");
        ctx.insert("unit_progress", &unit);
        ctx.insert("categories", &categories);
        ctx.insert("honors", &honors);
        ctx.insert("bonus_name", &self.bonus_name());
        jobs.push(Job::ready("progress.html", "progress/", ctx));
        for (n, id) in ids.iter().enumerate() {
            if self.dirty.is_some() && !self.dirty_criteria.contains(id) {
                continue;
            }
            let ids = &ids;
            let cv = &self.criteria[id];
            let route = format!("progress/{id}/");
            jobs.push(Job::lazy("criterion.html", &route.clone(), move || {
                let mut ctx = self.context(
                    "progress",
                    &format!("第 {id} 条 · {}", cv.category_name),
                    &route,
                );
                ctx.insert("criterion", cv);
                ctx.insert("evidence", &self.evidence_cards(*id));
                ctx.insert(
                    "prev",
                    &n.checked_sub(1)
                        .map(|p| &self.criteria[&ids[p]])
                        .map(|c| Link {
                            title: format!("第 {} 条", c.id),
                            url: c.url.clone(),
                        }),
                );
                ctx.insert(
                    "next",
                    &ids.get(n + 1).map(|i| &self.criteria[i]).map(|c| Link {
                        title: format!("第 {} 条", c.id),
                        url: c.url.clone(),
                    }),
                );
                ctx
            }));
        }

        // Report lists and kinds
        self.list_pages(
            "list.html",
            "reports",
            "全部报道",
            "reports/",
            &all,
            None,
            &mut jobs,
        );
        for (indices, kv) in &kind_lists {
            self.list_pages(
                "list.html",
                &format!("kind-{}", kv.id),
                &kv.name,
                &format!("kinds/{}/", kv.id),
                indices,
                Some(kv),
                &mut jobs,
            );
        }

        let mut ctx = self.context("offices", "责任处室", "offices/");
        ctx.insert(
            "offices",
            &offices.iter().map(|(o, _)| o).collect::<Vec<_>>(),
        );
        jobs.push(Job::ready("offices.html", "offices/", ctx));
        for (office, reports) in &offices {
            if !self.wants(reports) {
                continue;
            }
            let route = format!("offices/{}/", office.slug);
            jobs.push(Job::lazy("office.html", &route.clone(), move || {
                let mut ctx = self.context("offices", &office.name, &route);
                ctx.insert("office", office);
                ctx.insert(
                    "criteria",
                    &office
                        .criteria
                        .iter()
                        .filter_map(|l| l.url.rsplit('/').nth(1)?.parse::<u32>().ok())
                        .map(|id| &self.criteria[&id])
                        .collect::<Vec<_>>(),
                );
                ctx.insert(
                    "reports",
                    &reports.iter().map(|&i| &*self.cards[i]).collect::<Vec<_>>(),
                );
                ctx
            }));
        }

        let years = &years;
        jobs.push(Job::lazy("archive.html", "archive/", move || {
            let mut ctx = self.context("archive", "报道归档", "archive/");
            ctx.insert("years", years);
            ctx.insert("total", &site.reports.len());
            ctx
        }));

        // Dossier for assessors: every criterion with its evidence
        let (unit_ref, categories_ref, honors_ref) = (&unit, &categories, &honors);
        jobs.push(Job::lazy("dossier.html", "dossier/", move || {
            let (unit, categories, honors) = (unit_ref, categories_ref, honors_ref);
            let evidence: BTreeMap<String, Vec<EvidenceCard>> = self
                .criteria
                .keys()
                .map(|id| {
                    let cards = self.evidence_cards(*id);
                    (
                        id.to_string(),
                        cards.into_iter().map(EvidenceCard::from).collect(),
                    )
                })
                .collect();
            let mut ctx = self.context("dossier", "测评材料汇编", "dossier/");
            ctx.insert("unit_progress", unit);
            ctx.insert("categories", categories);
            ctx.insert("evidence", &evidence);
            ctx.insert("honors", honors);
            ctx.insert("bonus_name", &self.bonus_name());
            ctx.insert(
                "bonus_text",
                &site.table.bonus.as_ref().and_then(|b| b.text.clone()),
            );
            ctx
        }));

        // Gallery (文明风采): every photo, newest first, linked to its report.
        // Only (report, photo) numbers are listed here; each page's job
        // makes its own forty entries (all 2,000 at once were 2.4 MB).
        let refs: Vec<(usize, usize)> = self
            .bodies
            .iter()
            .enumerate()
            .flat_map(|(i, b)| (0..b.images.len()).map(move |j| (i, j)))
            .collect();
        let pages = Arc::new(paginate(
            crate::links::GALLERY,
            refs.len(),
            gallery_per_page(site),
        ));
        let refs = Arc::new(refs);
        for k in 0..pages.len() {
            let (route, range) = pages[k].clone();
            if self.dirty.is_some()
                && !self.wants(&refs[range.clone()].iter().map(|r| r.0).collect::<Vec<_>>())
            {
                continue;
            }
            // Built in the page's own job, in parallel with the others.
            let (pages, refs) = (Arc::clone(&pages), Arc::clone(&refs));
            jobs.push(Job::lazy("gallery.html", &route.clone(), move || {
                let pagination = self.pagination(&pages, k, refs.len());
                let title = if k == 0 {
                    "文明风采".to_string()
                } else {
                    format!("文明风采（第 {} 页）", k + 1)
                };
                let photos: Vec<GalleryPhoto> = refs[range]
                    .iter()
                    .map(|&(i, j)| self.gallery_photo(i, &self.bodies[i].images[j]))
                    .collect();
                let mut ctx = self.context("gallery", &title, &route);
                ctx.insert("photos", &photos);
                ctx.insert("pagination", &pagination);
                ctx
            }));
        }

        // Search: the index is built after rendering (crate::search); this
        // page also offers the browse lists, so nothing needs JavaScript.
        let mut ctx = self.context("search", "搜索", "search/");
        ctx.insert("categories", &categories);
        ctx.insert("kinds", &kinds);
        ctx.insert(
            "offices",
            &offices.iter().map(|(o, _)| o).collect::<Vec<_>>(),
        );
        // Counts only: the search page would otherwise carry every card.
        let year_counts: Vec<YearGroup> = years
            .iter()
            .map(|y| YearGroup {
                year: y.year,
                count: y.count,
                months: y
                    .months
                    .iter()
                    .map(|m| MonthGroup {
                        month: m.month,
                        label: m.label.clone(),
                        count: m.count,
                        reports: Vec::new(),
                    })
                    .collect(),
            })
            .collect();
        ctx.insert("years", &year_counts);
        jobs.push(Job::ready("search.html", "search/", ctx));

        // Publicity pages
        for (p, body) in site.pages.iter().zip(&self.page_bodies) {
            jobs.push(self.publicity_page(p, body));
        }

        // 404, feed, sitemap, ledger
        let ctx = self.context("", "页面未找到", "404.html");
        jobs.push(Job::ready("404.html", "404.html", ctx));
        let mut ctx = self.context("", "", "feed.xml");
        let latest: Vec<&ReportCard> = self.cards.iter().take(20).map(|c| &**c).collect();
        ctx.insert("reports", &latest);
        ctx.insert(
            "updated",
            &site
                .reports
                .first()
                .map(|r| r.date.to_string())
                .unwrap_or_else(|| site.config.as_of.to_string()),
        );
        jobs.push(Job::ready("feed.xml", "feed.xml", ctx));
        // Every HTML page the site has, whether rendered in this pass or not.
        let mut urls: Vec<(String, Option<String>)> = self
            .routes
            .known
            .iter()
            .filter(|r| r.is_empty() || r.ends_with('/'))
            .map(|r| (r.clone(), None))
            .collect();
        let report_dates: HashMap<String, String> = site
            .reports
            .iter()
            .map(|r| (Site::report_route(r), r.date.to_string()))
            .collect();
        for (route, lastmod) in urls.iter_mut() {
            *lastmod = report_dates.get(route).cloned();
        }
        urls.sort();
        let entries: Vec<BTreeMap<&str, String>> = urls
            .iter()
            .map(|(route, lastmod)| {
                let mut m = BTreeMap::new();
                m.insert(
                    "loc",
                    format!(
                        "{}{}",
                        site.config.base_url,
                        crate::links::encode_url_path(route)
                    ),
                );
                if let Some(l) = lastmod {
                    m.insert("lastmod", l.clone());
                }
                m
            })
            .collect();
        let mut ctx = self.context("", "", "sitemap.xml");
        ctx.insert("entries", &entries);
        jobs.push(Job::ready("sitemap.xml", "sitemap.xml", ctx));
        self.run_jobs(jobs, files, diags);
        files.push(OutputFile {
            path: "ledger.csv".into(),
            content: Content::Bytes(self.ledger_csv().into()),
        });
    }

    fn publicity_page(&self, p: &Page, body: &Rendered) -> Job<'static> {
        let route = Site::page_route(p);
        let mut ctx = self.context(&format!("page-{}", p.slug), &p.title, &route);
        ctx.insert(
            "page",
            &serde_json::json!({
                "title": p.title,
                "slug": p.slug,
                "url": self.routes.url(&route),
                "summary": p.summary.clone().unwrap_or_else(|| body.summary.clone()),
                "content": body.html,
            }),
        );
        Job::ready("page.html", &route, ctx)
    }

    /// The 台账 as CSV, UTF-8 with BOM so spreadsheet programs read Chinese.
    fn ledger_csv(&self) -> Vec<u8> {
        let site = self.site;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(b"\xEF\xBB\xBF".to_vec());
        let header = [
            "条目编号",
            "考评内容",
            "考评标准序号",
            "计分项",
            "分值",
            "责任处室",
            "状态",
            "完成时限",
            "自评分",
            "是否逾期",
            "佐证报道数",
            "备注",
        ];
        w.write_record(header).ok();
        for cat in &site.table.categories {
            for c in &cat.criteria {
                let p = &site.progress.criteria[&c.id];
                for (item, ip) in c.items.iter().zip(&p.items) {
                    let evidence = site.item_evidence.get(&item.id).map_or(0, Vec::len)
                        + site.evidence.get(&c.id).map_or(0, Vec::len);
                    w.write_record([
                        &*csv_text(&item.id),
                        &*csv_text(&cat.name),
                        &c.id.to_string(),
                        &*csv_text(&item.text),
                        &fmt_points(item.points),
                        &*csv_text(&c.offices.join("、")),
                        ip.status.label(),
                        &ip.deadline.map(|d| d.to_string()).unwrap_or_default(),
                        &if ip.status == Status::Todo && ip.score == 0.0 {
                            String::new()
                        } else {
                            fmt_points(ip.score)
                        },
                        if ip.overdue { "逾期" } else { "" },
                        &evidence.to_string(),
                        &*csv_text(ip.note.as_deref().unwrap_or("")),
                    ])
                    .ok();
                }
            }
        }
        w.into_inner().unwrap_or_default()
    }
}

/// A text cell of a CSV file as a spreadsheet must take it: as text, never
/// as a formula. Excel and WPS run a cell that starts with `=`, `+`, `-` or
/// `@` (and, after a tab or line break, one that follows it), so such a
/// cell gets a leading `'`, as OWASP's "CSV Injection" page recommends; the
/// writer quotes it as CSV needs. Characters no file should hold go too.
/// (Numbers are written as numbers, not through here.)
fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    let s = markdown::clean_text(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_never_start_a_formula() {
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://evil\",\"x\")",
                "'=HYPERLINK(\"http://evil\",\"x\")",
            ),
            ("@SUM(1)", "'@SUM(1)"),
            ("-2+3", "'-2+3"),
            ("+1", "'+1"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("已完成 = 2 项", "已完成 = 2 项"),
            ("a\u{0}b\u{1b}c", "abc"),
            ("", ""),
        ] {
            assert_eq!(super::csv_text(cell), want, "{cell:?}");
        }
    }
}
