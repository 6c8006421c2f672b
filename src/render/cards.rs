//! A report's card: what every list, the home page and the feed show of
//! it (title, date, kind, summary, cover thumbnail, cited criteria).

use super::cache::{hash_of, BodyEntry, Cache, CardEntry};
use super::format::zh_date;
use super::views::*;
use super::{Bodies, Setup};
use crate::content::Report;
use crate::data::fmt_points;
use crate::diagnostic::Diagnostics;
use crate::images::ImageSet;
use crate::links::{Asset, Routes};
use crate::markdown::Rendered;
use crate::model::Site;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::Arc;

fn citation_view(site: &Site, routes: &Routes, c: &crate::data::Citation) -> CitationView {
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

pub(super) fn office_link(routes: &Routes, name: &str) -> Link {
    Link {
        title: name.to_string(),
        url: routes.url(&format!("offices/{}/", Site::office_slug(name))),
    }
}

pub(super) fn report_card(
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

/// Every report's card, with the files its cover publishes; an
/// incremental build reuses those of unchanged reports.
pub(super) struct Cards {
    pub(super) cards: Vec<Arc<ReportCard>>,
    pub(super) assets: Vec<Asset>,
    /// A hash of what lists show of each report, by source path.
    pub(super) shown: FxHashMap<String, u64>,
}

pub(super) fn cards(
    site: &Site,
    setup: &Setup,
    bodies: &Bodies,
    cache: &mut Cache,
    reuse: bool,
    one_shot: bool,
    diags: &mut Diagnostics,
) -> Cards {
    let photo_count = bodies.photo_count();
    let old_cards = std::mem::take(&mut cache.cards);
    let entries: Vec<CardEntry> = site
        .reports
        .par_iter()
        .zip(&bodies.reports)
        .map(|(r, body)| {
            let key = hash_of((
                cache.generation(&r.body.path),
                body_key_of(&cache.bodies, &r.body.path),
                setup.routes_hash,
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
            let card = report_card(
                site,
                &setup.routes,
                setup.images.as_ref(),
                r,
                body,
                &mut assets,
                &mut d,
            );
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
    let mut out = Cards {
        cards: Vec::with_capacity(entries.len()),
        assets: Vec::new(),
        shown: FxHashMap::with_capacity_and_hasher(entries.len(), Default::default()),
    };
    if !one_shot {
        cache.cards.reserve(entries.len());
    }
    for (r, mut e) in site.reports.iter().zip(entries) {
        out.cards.push(Arc::clone(&e.card));
        out.shown.insert(r.body.path.clone(), e.shown);
        if one_shot {
            // Not repeated: take the covers' files rather than copy them.
            out.assets.append(&mut e.assets);
            diags.extend(e.diags);
        } else {
            out.assets.extend(e.assets.iter().cloned());
            diags.extend(e.diags.clone());
            cache.cards.insert(r.body.path.clone(), e);
        }
    }
    out
}

/// The key of a report's body as rendered in this build (0 when the body
/// is not kept: a one-shot build reuses nothing).
fn body_key_of(bodies: &FxHashMap<String, BodyEntry>, path: &str) -> u64 {
    bodies.get(path).map_or(0, |e| e.text_key)
}
