//! The gallery (文明风采): every photo of every report, newest first, in
//! pages; and the warning for reports that seem to miss their photos.

use super::routes::paginate;
use super::views::*;
use super::{Job, Renderer};
use crate::diagnostic::{Diagnostics, Pos};
use crate::markdown::{self, Rendered};
use crate::model::Site;
use std::sync::Arc;

impl Renderer<'_> {
    /// Every photo, newest first, linked to its report (the pages showing
    /// a changed report, in an incremental build).
    pub(super) fn gallery_pages(&self) -> Vec<Job<'_>> {
        let site = self.site;
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
        let mut jobs = Vec::new();
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
        jobs
    }

    /// Photo `p` of report `i` as the gallery lists it.
    fn gallery_photo<'s>(&'s self, i: usize, p: &'s markdown::Photo) -> GalleryPhoto<'s> {
        let card = &self.cards[i];
        let report = LinkRef {
            title: &card.title,
            url: &card.url,
        };
        GalleryPhoto {
            photo: p,
            report,
            date: &card.date,
        }
    }
}

pub(super) fn gallery_per_page(site: &Site) -> usize {
    site.config.per_page * 2
}

/// Assessors look for 2–3 photos per activity. Where most reports of a
/// kind have photos, the ones without are probably missing theirs.
pub(super) fn warn_missing_photos(site: &Site, bodies: &[Arc<Rendered>], diags: &mut Diagnostics) {
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
