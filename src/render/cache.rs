//! What `wenming serve` keeps between builds: rendered Markdown and report
//! cards by source path, the theme, the photo index and the routes; and the
//! keys that tell whether each is still valid.

use super::views::ReportCard;
use super::Renderer;
use crate::diagnostic::Diagnostics;
use crate::images::ImageSet;
use crate::links::{Asset, Routes};
use crate::markdown::Rendered;
use crate::output::OutputFile;
// Fx hashing for the caches keyed by source path, looked up for every
// report on each of serve's rebuilds.
use super::Selection;
use crate::model::Site;
use rustc_hash::FxHashMap;
use std::collections::HashSet;
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
    /// Every link to another site in the last build, by source file, sorted.
    pub(super) external: Vec<(String, String)>,
    /// Bumped each time all sources are read again.
    epoch: u64,
    /// How often each report was read again since, by source path.
    rereads: FxHashMap<String, u64>,
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
        self.external.clone()
    }

    /// Every source was read again: nothing kept from before is known to
    /// be the same report.
    pub fn all_sources_read(&mut self) {
        self.epoch += 1;
        self.rereads.clear();
    }

    /// The report at `path` was read again.
    pub fn source_read(&mut self, path: &str) {
        *self.rereads.entry(path.to_string()).or_default() += 1;
    }

    /// Which reading of the report at `path` the build has: the same
    /// generation means the same report as when the cache entry was made.
    pub(super) fn generation(&self, path: &str) -> u64 {
        hash_of((self.epoch, self.rereads.get(path).copied().unwrap_or(0)))
    }

    /// The photo index read ahead on another thread, if it was started:
    /// photos it has not looked at yet are looked at where they are shown.
    pub(super) fn image_index_read_ahead(&mut self) -> Option<ImageSet> {
        let (thread, stop) = self.images_loading.take()?;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        thread.join().ok()
    }
}

/// A body as last rendered, with the two ways to know it is still valid.
#[derive(Clone)]
pub(super) struct BodyEntry {
    /// [`report_body_key`]: the quick check, for a report not read again.
    pub(super) quick: Option<u64>,
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
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    value.hash(&mut h);
    h.finish()
}

/// The quick Markdown cache key of a report: its generation (so 50 MB of
/// Markdown is not hashed again on every edit), its route and the site's
/// routes.
pub(super) fn report_body_key(generation: u64, route: &str, routes_hash: u64) -> u64 {
    hash_of((generation, route, routes_hash))
}

/// The Markdown cache key from what the body is made of.
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
    /// Drop the HTML of the report bodies, keeping what the lists, gallery
    /// and link check use; their files to publish move to `assets`. Only a
    /// one-shot build does this, whose cache keeps no body: each is held
    /// here alone and is stripped in place.
    pub(super) fn release_bodies(&mut self, assets: &mut Vec<Asset>) {
        for body in self.bodies.iter_mut().filter_map(Arc::get_mut) {
            body.html = String::new();
            assets.append(&mut body.assets);
        }
    }
}

/// Which pages an incremental build renders again.
pub(super) struct Plan {
    /// Report indices whose pages must be rendered; `None` renders all.
    pub(super) dirty: Option<HashSet<usize>>,
    /// When only the changed reports' own pages differ.
    pub(super) only_reports: Option<HashSet<usize>>,
}

pub(super) fn plan(
    site: &Site,
    cache: &mut Cache,
    selection: Option<&Selection>,
    frame: u64,
    shown: FxHashMap<String, u64>,
) -> Plan {
    // A change to what every page shows around its content (navigation,
    // head, the number of gallery pages) leaves no page as it was.
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
    Plan {
        dirty,
        only_reports,
    }
}
