//! What `wenming serve` keeps between builds: rendered Markdown and report
//! cards by source path, the theme, the photo index and the routes; and the
//! keys that tell whether each is still valid.

use super::views::ReportCard;
use super::Renderer;
use crate::content::Report;
use crate::diagnostic::Diagnostics;
use crate::images::ImageSet;
use crate::links::{Asset, Routes};
use crate::markdown::Rendered;
use crate::output::OutputFile;
// Fx hashing for the caches keyed by source path, looked up for every
// report on each of serve's rebuilds.
use rustc_hash::FxHashMap;
use std::sync::Arc;
use tera::Tera;

/// Rendered Markdown kept between builds of `wenming serve`, keyed by source
/// path and invalidated by a hash of everything the result depends on.
#[derive(Default)]
pub struct Cache {
    /// Rendered Markdown by source path.
    pub(super) bodies: FxHashMap<String, BodyEntry>,
    /// Report cards by source path, reused by incremental builds.
    pub(super) cards: FxHashMap<String, CardEntry>,
    /// Compiled templates and theme files, reused by incremental builds
    /// (which only follow edits to reports).
    pub(super) theme: Option<(Arc<Tera>, Vec<OutputFile>)>,
    /// Processed photos, remembered across rebuilds of `wenming serve`.
    pub(super) images: Option<ImageSet>,
    /// The photo cache's index being read on another thread, and the flag
    /// that stops its looks ahead (see [`ImageSet::look_ahead`]).
    pub(super) images_loading: Option<(
        std::thread::JoinHandle<ImageSet>,
        Arc<std::sync::atomic::AtomicBool>,
    )>,
    /// The last build's routes (without its gallery pages) and their
    /// fingerprint, reused by partial builds.
    pub(super) routes: Option<(Routes, u64)>,
    /// Whether photos are processed (not by `wenming check`).
    pub process_images: bool,
    /// What lists show of each report (card and photos), by source path.
    /// A hash of each report's card and photos: what other pages show of it.
    pub(super) shown: FxHashMap<String, u64>,
    /// Hash of what every page shows in its frame (navigation, head): when it
    /// changes, no page can be skipped.
    pub(super) frame: u64,
}

impl Cache {
    pub fn new(process_images: bool) -> Cache {
        Cache {
            process_images,
            ..Default::default()
        }
    }

    /// Start reading the photo cache's index of the site at `root` on
    /// another thread, if the next render needs it.
    pub fn read_image_index_ahead(&mut self, root: &std::path::Path) {
        if self.process_images && self.images.is_none() && self.images_loading.is_none() {
            let root = root.to_path_buf();
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let stop_ahead = Arc::clone(&stop);
            let thread = std::thread::spawn(move || {
                // The sources' load and the templates go first.
                crate::threads::yield_to_others();
                let mut set = ImageSet::new(&root);
                set.look_ahead(&stop_ahead);
                set
            });
            self.images_loading = Some((thread, stop));
        }
    }

    /// Every link to another site, by source file, sorted.
    pub fn external_links(&self) -> Vec<(String, String)> {
        let mut links: Vec<(String, String)> = self
            .bodies
            .iter()
            .flat_map(|(path, e)| {
                e.rendered
                    .external
                    .iter()
                    .map(move |u| (path.clone(), u.clone()))
            })
            .collect();
        links.sort();
        links.dedup();
        links
    }
}

/// A body as last rendered, with the two ways to know it is still valid.
#[derive(Clone)]
pub(super) struct BodyEntry {
    /// [`report_body_key`] and the report it was made from (kept, so its
    /// address cannot be taken by another report): the quick check.
    pub(super) same_report: Option<(u64, Arc<Report>)>,
    /// [`body_key`]: the check when the report was read again.
    pub(super) text_key: u64,
    pub(super) rendered: Arc<Rendered>,
    pub(super) diags: Diagnostics,
}

/// A report's card as last built: key, card, its assets and diagnostics,
/// and a hash of what other pages show of the report.
pub(super) struct CardEntry {
    pub(super) key: u64,
    pub(super) card: Arc<ReportCard>,
    pub(super) assets: Vec<Asset>,
    pub(super) diags: Diagnostics,
    pub(super) shown: u64,
}

pub(super) fn hash_of(value: impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// The Markdown cache key of a report: the report itself (an unchanged
/// report keeps its `Arc` between builds, so hashing 50 MB of Markdown on
/// every edit is not needed), its route and the site's routes.
pub(super) fn report_body_key(report: &Arc<Report>, route: &str, routes_hash: u64) -> u64 {
    hash_of((Arc::as_ptr(report) as usize, route, routes_hash))
}

pub(super) fn body_key(body: &crate::content::Body, route: &str, routes_hash: u64) -> u64 {
    hash_of((
        &body.markdown,
        route,
        &body.dir,
        body.first_line,
        routes_hash,
    ))
}

impl Renderer<'_> {
    /// Drop the HTML of the report bodies, here and in `cache`, keeping
    /// what the lists, gallery and link check use; their files to publish
    /// move to `assets`. The renderer and the cache share one stripped copy
    /// of each body (two copies of 6,000 photo files were 3 MB).
    ///
    /// Runs between the report pages and the rest, on one core: a body held
    /// here alone is stripped in place. Copying every photo's paths to
    /// strip it, then freeing the originals, was 10 M instructions there.
    pub(super) fn release_bodies(&mut self, cache: &mut Cache, assets: &mut Vec<Asset>) {
        // Where the cache holds each body, by the body's address (taken
        // while every body is alive, so addresses identify them).
        let mut in_cache: FxHashMap<*const Rendered, Vec<&mut Arc<Rendered>>> =
            FxHashMap::with_capacity_and_hasher(cache.bodies.len(), Default::default());
        for e in cache.bodies.values_mut() {
            in_cache
                .entry(Arc::as_ptr(&e.rendered))
                .or_default()
                .push(&mut e.rendered);
        }
        let placeholder = Arc::new(Rendered::default());
        let mut stripped: FxHashMap<*const Rendered, Arc<Rendered>> =
            FxHashMap::with_capacity_and_hasher(self.bodies.len(), Default::default());
        for b in &mut self.bodies {
            let address = Arc::as_ptr(b);
            if let Some(done) = stripped.get(&address) {
                *b = Arc::clone(done);
                continue;
            }
            let mut slots = in_cache.get_mut(&address);
            // The cache lets go first, so that the body is usually held here alone.
            for slot in slots.iter_mut().flat_map(|slots| slots.iter_mut()) {
                **slot = Arc::clone(&placeholder);
            }
            let new = match Arc::get_mut(b) {
                Some(body) => {
                    body.html = String::new();
                    assets.append(&mut body.assets);
                    Arc::clone(b)
                }
                None => {
                    assets.extend(b.assets.iter().cloned());
                    let mut r = b.clone_without_html();
                    r.assets = Vec::new();
                    *b = Arc::new(r);
                    Arc::clone(b)
                }
            };
            for slot in slots.into_iter().flatten() {
                **slot = Arc::clone(&new);
            }
            stripped.insert(address, new);
        }
        // Bodies only the cache holds (none in a build of the whole site).
        for (address, slots) in in_cache {
            if !stripped.contains_key(&address) {
                for slot in slots {
                    *slot = Arc::new(slot.clone_without_html());
                }
            }
        }
    }
}
