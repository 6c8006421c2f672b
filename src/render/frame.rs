//! What every page shows around its content: the site's title, navigation
//! and footer, and the context every template starts from.

use super::format::zh_date;
use super::views::*;
use super::Renderer;
use crate::links::Routes;
use crate::model::Site;
use tera::Context;

pub(super) fn site_view(
    site: &Site,
    routes: &Routes,
    has_code: bool,
    has_photos: bool,
) -> SiteView {
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
        base: routes.urls.base_path().to_string(),
        base_url: c.urls.base_url().to_string(),
        domain: c.urls.domain().to_string(),
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

impl Renderer<'_> {
    pub(super) fn context(&self, section: &str, title: &str, route: &str) -> Context {
        let mut ctx = Context::new();
        ctx.insert("site", &self.site_view);
        ctx.insert("section", section);
        ctx.insert("page_title", title);
        ctx.insert("current_url", &self.routes.url(route));
        ctx.insert("absolute_url", &self.site.config.urls.absolute(route));
        ctx
    }
}
