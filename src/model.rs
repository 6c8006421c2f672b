//! The site model every page is rendered from: loaded inputs, cross-checked,
//! ordered and scored. Plain data keyed by ids; derived facts come from the
//! pure functions in [`crate::progress`].

use crate::config::{self, Config, Overrides};
use crate::content::{self, Page, Report};
use crate::data::Citation;
use crate::data::{self, Honor, Indicators, Ledger, Table};
use crate::diagnostic::{Diagnostics, Pos};
use crate::progress::{self, Progress, Tally};
use crate::source;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the user wrote, each file parsed and checked on its own.
#[derive(Clone)]
pub struct Inputs {
    pub root: PathBuf,
    pub config: Config,
    pub table: Table,
    pub ledger: Ledger,
    pub indicators: Indicators,
    pub honors: Vec<Honor>,
    pub reports: Vec<Arc<Report>>,
    pub pages: Vec<Page>,
}

pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    pub table: Table,
    pub ledger: Ledger,
    pub honors: Vec<Honor>,
    /// Published reports, newest first (date, then title, then slug).
    pub reports: Vec<Arc<Report>>,
    /// Publicity pages by weight, then title.
    pub pages: Vec<Page>,
    pub progress: Progress,
    /// Report indices citing each criterion (directly or by item), newest first.
    pub evidence: BTreeMap<u32, Vec<usize>>,
    /// Report indices citing each item id, newest first.
    pub item_evidence: BTreeMap<String, Vec<usize>>,
    pub tally_by_kind: BTreeMap<String, Tally>,
    pub tally_by_criterion: BTreeMap<u32, Tally>,
    pub tally: Tally,
    /// Whether the campaign has ended at `as_of` (the column is 已归档).
    pub archived: bool,
}

fn read_data(
    root: &Path,
    name: &str,
    required: bool,
    diags: &mut Diagnostics,
) -> Option<source::SourceText> {
    let path = root.join(name);
    if !path.exists() {
        if required {
            diags.error_hint(
                name,
                Pos::default(),
                "找不到这个文件",
                format!("站点文件夹中须有 {name}；可用 wenming init 新建一个站点作参照"),
            );
        }
        return None;
    }
    source::read_source(root, &path, diags)
}

/// Phase 1: read and parse every file. `None` only when nothing useful can
/// be built (no site.yaml or no assessment table).
pub fn load(root: &Path, overrides: &Overrides, diags: &mut Diagnostics) -> Option<Inputs> {
    let config =
        read_data(root, "site.yaml", true, diags).and_then(|s| config::parse(&s, overrides, diags));
    let table = read_data(root, "data/criteria.yaml", true, diags)
        .and_then(|s| data::parse_table(&s, diags));
    let (ledger, indicators, honors) = match &table {
        Some(t) => (
            read_data(root, "data/ledger.yaml", false, diags)
                .map(|s| data::parse_ledger(&s, t, diags))
                .unwrap_or_default(),
            {
                // Checked even when the file is missing: the table's checks need it.
                let src = read_data(root, "data/indicators.yaml", false, diags).unwrap_or(
                    source::SourceText {
                        path: "data/indicators.yaml".into(),
                        text: String::new(),
                    },
                );
                data::parse_indicators(&src, t, diags)
            },
            read_data(root, "data/honors.yaml", false, diags)
                .map(|s| data::parse_honors(&s, t, diags))
                .unwrap_or_default(),
        ),
        None => Default::default(),
    };
    if let Some(img) = config
        .as_ref()
        .and_then(|c| c.footer.conac_image.as_deref())
    {
        let file = crate::links::join_lexically(&root.join("static"), img.trim_start_matches('/'));
        if !file.is_some_and(|f| f.starts_with(root.join("static")) && f.is_file()) {
            diags.error_hint(
                "site.yaml",
                source::find_key(
                    &std::fs::read_to_string(root.join("site.yaml")).unwrap_or_default(),
                    "conac_image",
                )
                .unwrap_or_default(),
                format!("找不到党政机关网站标识图片 static/{img}"),
                "标识图片须放在站点的 static/ 文件夹中（不能引用外部网站的图片）",
            );
        }
    }
    // Reports are checked even without a config or table, so one run still
    // shows every problem in the site.
    let fallback;
    let cfg_for_reports = match &config {
        Some(c) => c,
        None => {
            fallback = placeholder_config();
            &fallback
        }
    };
    let reports = content::load_reports(root, cfg_for_reports, table.as_ref(), diags);
    let pages = content::load_pages(root, diags);
    Some(Inputs {
        root: root.to_path_buf(),
        config: config?,
        table: table?,
        ledger,
        indicators,
        honors,
        reports,
        pages,
    })
}

fn placeholder_config() -> Config {
    Config {
        title: String::new(),
        unit: String::new(),
        description: String::new(),
        urls: crate::urls::Urls::new("/"),
        language: "zh-CN".into(),
        as_of: config::default_as_of(),
        campaign: None,
        per_page: 20,
        theme: "default".into(),
        kinds: vec![],
        footer: Default::default(),
    }
}

/// URL paths the generator itself owns; a publicity page may not take them.
pub const RESERVED_SLUGS: &[&str] = &[
    "progress",
    "reports",
    "kinds",
    "offices",
    "archive",
    "dossier",
    "search",
    "gallery",
    "static",
    "page",
    "feed.xml",
    "sitemap.xml",
    "ledger.csv",
    "404.html",
];

/// Phase 2: cross-reference, order and score.
pub fn assemble(inputs: Inputs, drafts: bool, diags: &mut Diagnostics) -> Site {
    let Inputs {
        root,
        config,
        table,
        ledger,
        indicators,
        honors,
        reports,
        pages,
    } = inputs;
    let (mut reports, mut pages) = (reports, pages);
    if !drafts {
        reports.retain(|r| !r.draft);
    }
    reports.sort_by(|a, b| {
        (b.date, b.time)
            .cmp(&(a.date, a.time))
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.slug.cmp(&b.slug))
    });
    pages.sort_by(|a, b| a.weight.cmp(&b.weight).then_with(|| a.title.cmp(&b.title)));

    check_duplicate_slugs(
        reports
            .iter()
            .map(|r| (r.slug.as_str(), r.body.path.as_str())),
        "报道",
        diags,
    );
    check_duplicate_slugs(
        pages
            .iter()
            .map(|p| (p.slug.as_str(), p.body.path.as_str())),
        "页面",
        diags,
    );
    for p in &pages {
        if RESERVED_SLUGS.contains(&p.slug.as_str()) {
            diags.error_hint(
                &p.body.path,
                Pos::new(1, 1),
                format!("页面网址 “{}” 与专栏自带的栏目重名", p.slug),
                "请在 front matter 中用 slug: 另取一个网址名，或改文件名",
            );
        }
    }

    let mut evidence: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    let mut item_evidence: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut tally_by_kind: BTreeMap<String, Tally> = BTreeMap::new();
    let mut tally_by_criterion: BTreeMap<u32, Tally> = BTreeMap::new();
    let mut tally = Tally::default();
    for (idx, r) in reports.iter().enumerate() {
        tally.add(r.participants, r.hours);
        tally_by_kind
            .entry(r.kind.clone())
            .or_default()
            .add(r.participants, r.hours);
        let mut cited: Vec<u32> = r.criteria.iter().map(|c| c.criterion).collect();
        cited.dedup();
        for cid in cited {
            evidence.entry(cid).or_default().push(idx);
            tally_by_criterion
                .entry(cid)
                .or_default()
                .add(r.participants, r.hours);
        }
        for Citation { criterion, item } in &r.criteria {
            if let Some(i) = item {
                item_evidence
                    .entry(format!("{criterion}.{i}"))
                    .or_default()
                    .push(idx);
            }
        }
        if r.criteria.is_empty() {
            diags.warning_hint(&r.body.path, Pos::new(1, 1), "这篇报道没有标注对应的考评标准（criteria）", "如果它是某条标准的佐证材料，加一行 criteria: [16, \"23.2\"]，测评时才能在该标准下看到它");
        }
    }

    let progress = progress::progress(&table, &ledger, &indicators, &honors, config.as_of);
    for item in progress
        .criteria
        .values()
        .flat_map(|c| c.items.iter())
        .filter(|i| i.overdue)
    {
        let pos = ledger.get(&item.id).map(|e| e.pos).unwrap_or_default();
        let deadline = item.deadline.map(|d| d.to_string()).unwrap_or_default();
        diags.warning(
            "data/ledger.yaml",
            pos,
            format!(
                "条目 {} 已逾期：完成时限 {deadline}，当前状态 {}",
                item.id,
                item.status.label()
            ),
        );
    }
    let without: Vec<String> = table
        .criteria()
        .filter(|c| !evidence.contains_key(&c.id))
        .map(|c| c.id.to_string())
        .collect();
    if !without.is_empty() {
        diags.warning_hint(
            "content/reports",
            Pos::default(),
            format!(
                "以下 {} 条考评标准还没有佐证报道：第 {} 条",
                without.len(),
                without.join("、")
            ),
            "活动报道的 criteria 中写上对应序号，测评时即可在该标准下看到",
        );
    }
    let archived = config.campaign.is_some_and(|(_, end)| config.as_of > end);
    // Inspections fail a portal for stale columns and empty ones; an
    // archived column is finished, so neither applies any more.
    if !archived {
        check_freshness(&config, &reports, diags);
    }
    Site {
        root,
        config,
        table,
        ledger,
        honors,
        reports,
        pages,
        progress,
        evidence,
        item_evidence,
        tally_by_kind,
        tally_by_criterion,
        tally,
        archived,
    }
}

/// How old the newest report may be before the column counts as stale.
pub const STALE_DAYS: i64 = 14;

fn check_freshness(config: &Config, reports: &[Arc<Report>], diags: &mut Diagnostics) {
    match reports.first() {
        Some(newest) => {
            let age = (config.as_of - newest.date).num_days();
            if age > STALE_DAYS {
                diags.warning_hint(
                    &newest.body.path,
                    Pos::default(),
                    format!("最新一篇报道是 {age} 天前（{}）发布的，专栏已超过 {STALE_DAYS} 天没有更新", newest.date),
                    "政府网站检查把长期不更新的栏目判为不合格：请及时发布新的活动报道；创建结束后在 site.yaml 的 campaign.end 写明结束日期，专栏即标为已归档",
                );
            }
        }
        None => diags.warning_hint(
            "content/reports",
            Pos::default(),
            "还没有任何报道，专栏是空的",
            "用 wenming new report \"标题\" --kind 类别 新建第一篇报道",
        ),
    }
    for k in &config.kinds {
        if !reports.iter().any(|r| r.kind == k.id) {
            diags.warning_hint(
                "site.yaml",
                Pos::default(),
                format!(
                    "活动类别 “{}”（{}）还没有报道，已暂不在导航中显示",
                    k.name, k.id
                ),
                "空栏目会被判为不合格；发布该类报道后会自动出现在导航中",
            );
        }
    }
}

fn check_duplicate_slugs<'a>(
    items: impl Iterator<Item = (&'a str, &'a str)>,
    what: &str,
    diags: &mut Diagnostics,
) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (slug, path) in items {
        if let Some(first) = seen.get(slug) {
            diags.error_hint(
                path,
                Pos::new(1, 1),
                format!("{what}网址 “{slug}” 与 {first} 重复"),
                "两篇的网址名相同：修改其中一篇的文件名，或在 front matter 中加 slug: 另一个名字",
            );
        } else {
            seen.insert(slug, path);
        }
    }
}

impl Site {
    /// Free the Markdown of the reports no one else holds, once every body
    /// is rendered (it is a quarter of a large site's memory).
    pub fn forget_markdown(&mut self) {
        for r in &mut self.reports {
            if let Some(r) = Arc::get_mut(r) {
                r.body.markdown = String::new();
            }
        }
    }

    pub fn report_route(r: &Report) -> String {
        format!("reports/{}/", r.slug)
    }

    pub fn page_route(p: &Page) -> String {
        format!("{}/", p.slug)
    }

    pub fn office_slug(name: &str) -> String {
        content::slugify(name)
    }
}
