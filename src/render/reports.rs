//! One page per report: its body, attachments and neighbours.

use super::format::{file_kind, human_size};
use super::theme::render_template;
use super::views::*;
use super::Renderer;
use crate::diagnostic::{Diagnostics, Pos};
use crate::links::{Asset, Routes};
use crate::model::Site;
use crate::output::{Content, OutputFile};
use rayon::prelude::*;
use std::path::Path;

impl Renderer<'_> {
    /// One page per report (those selected, in an incremental build).
    pub(super) fn report_pages(
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
                    absolute_url: site.config.urls.absolute(&route),
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
}

/// A linked file (a report's attachment, a ledger item's file) as pages
/// list it; its file is published.
pub(super) fn file_view(
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
