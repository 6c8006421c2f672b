//! What templates see. Theme authors rely on these names (documented in
//! docs/templates.md); domain types stay private to the generator.

use crate::data::Status;
use serde::Serialize;

#[derive(Serialize, Clone)]
pub struct NavItem {
    pub title: String,
    pub url: String,
    /// Matches `section` in the page context when this item is current.
    pub key: String,
}

#[derive(Serialize, Clone)]
pub struct SiteView {
    pub title: String,
    pub unit: String,
    pub description: String,
    /// Path prefix every link starts with, e.g. `/wmcj/`.
    pub base: String,
    /// Absolute base URL, e.g. `https://example.gov.cn/wmcj/`.
    pub base_url: String,
    pub domain: String,
    pub language: String,
    pub as_of: String,
    pub as_of_zh: String,
    pub campaign_start: Option<String>,
    pub campaign_end: Option<String>,
    pub archived: bool,
    pub table_name: String,
    pub document: String,
    pub nav: Vec<NavItem>,
    pub footer: crate::config::Footer,
    pub has_code: bool,
}

#[derive(Serialize, Clone, PartialEq, Hash)]
pub struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Serialize, Clone, PartialEq, Hash)]
pub struct CitationView {
    /// `16` or `23.2`
    pub label: String,
    /// `第 23 条第 2 项`
    pub title: String,
    pub url: String,
    /// The criterion's or item's text, for a tooltip.
    pub text: String,
}

#[derive(Serialize, Clone, PartialEq, Hash)]
pub struct ReportCard {
    pub title: String,
    pub url: String,
    pub date: String,
    pub date_zh: String,
    pub kind: Link,
    pub kind_id: String,
    pub summary: String,
    pub cover: Option<String>,
    pub cover_alt: String,
    pub participants: Option<u32>,
    pub hours: Option<String>,
    pub location: Option<String>,
    pub criteria: Vec<CitationView>,
    pub offices: Vec<Link>,
    pub draft: bool,
}

/// A report card as the dossier lists it under each criterion: without
/// its citations, which the dossier already shows by criterion. A large
/// dossier repeats each card once per criterion cited, and the citations
/// (with their criterion texts) were most of its memory.
#[derive(Serialize)]
pub struct EvidenceCard<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub date: &'a str,
    pub date_zh: &'a str,
    pub kind: &'a Link,
    pub kind_id: &'a str,
    pub summary: &'a str,
    pub cover: &'a Option<String>,
    pub cover_alt: &'a str,
    pub participants: Option<u32>,
    pub hours: &'a Option<String>,
    pub location: &'a Option<String>,
    pub offices: &'a [Link],
    pub draft: bool,
}

impl<'a> From<&'a ReportCard> for EvidenceCard<'a> {
    fn from(c: &'a ReportCard) -> Self {
        EvidenceCard {
            title: &c.title,
            url: &c.url,
            date: &c.date,
            date_zh: &c.date_zh,
            kind: &c.kind,
            kind_id: &c.kind_id,
            summary: &c.summary,
            cover: &c.cover,
            cover_alt: &c.cover_alt,
            participants: c.participants,
            hours: &c.hours,
            location: &c.location,
            offices: &c.offices,
            draft: c.draft,
        }
    }
}

#[derive(Serialize, Clone)]
pub struct FileView {
    pub name: String,
    pub url: String,
    /// `PDF`, `Word 文档`, `图片` …
    pub kind: String,
    /// `1.2 MB`
    pub size: String,
}

#[derive(Serialize)]
pub struct ReportView<'a> {
    #[serde(flatten)]
    pub card: &'a ReportCard,
    pub content: &'a str,
    pub tags: Vec<String>,
    pub attachments: Vec<FileView>,
    pub reading_minutes: usize,
    pub extra: &'a serde_json::Value,
    pub pub_time: String,
    pub absolute_url: String,
}

#[derive(Serialize, Clone)]
pub struct ItemView {
    pub id: String,
    pub points: String,
    pub text: String,
    /// `todo`, `doing` or `done`, for templates to test.
    pub status: Status,
    pub status_label: String,
    pub deadline: Option<String>,
    pub score: String,
    pub note: Option<String>,
    pub overdue: bool,
    pub files: Vec<FileView>,
    /// Reports cited for this very item.
    pub evidence: Vec<Link>,
}

#[derive(Serialize, Clone)]
pub struct CheckView {
    pub name: String,
    pub numerator: String,
    pub denominator: String,
    pub numerator_name: String,
    pub denominator_name: String,
    /// `58.3%`, or `—` when it cannot be computed.
    pub ratio: String,
    pub ratio_value: f64,
    pub threshold: String,
    pub threshold_value: f64,
    pub all_required: bool,
    pub passed: bool,
    pub verdict: String,
}

#[derive(Serialize, Clone)]
pub struct TallyView {
    pub activities: usize,
    pub participants: u64,
    pub hours: String,
}

#[derive(Serialize, Clone)]
pub struct CriterionView {
    pub id: u32,
    pub url: String,
    pub category_id: u32,
    pub category_name: String,
    pub text: String,
    pub points: String,
    pub score: String,
    pub percent: u32,
    pub status: Status,
    pub status_label: String,
    pub offices: Vec<Link>,
    pub all_offices: bool,
    pub items: Vec<ItemView>,
    pub checks: Vec<CheckView>,
    pub done: usize,
    pub doing: usize,
    pub todo: usize,
    pub overdue: usize,
    pub evidence_count: usize,
    pub tally: TallyView,
}

#[derive(Serialize, Clone)]
pub struct CategoryView {
    pub id: u32,
    pub name: String,
    pub points: String,
    pub score: String,
    pub percent: u32,
    pub items: usize,
    pub done: usize,
    pub criteria: Vec<CriterionView>,
}

#[derive(Serialize, Clone)]
pub struct UnitView {
    pub total: String,
    pub score: String,
    pub percent: u32,
    pub bonus: String,
    pub bonus_cap: String,
    pub items: usize,
    pub done: usize,
    pub doing: usize,
    pub todo: usize,
    pub overdue: usize,
    pub done_percent: u32,
}

#[derive(Serialize, Clone)]
pub struct HonorView {
    pub name: String,
    pub level: String,
    pub level_label: String,
    pub date: String,
    pub issuer: Option<String>,
    pub counts: bool,
    pub points: String,
}

#[derive(Serialize, Clone)]
pub struct KindView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub tally: TallyView,
}

#[derive(Serialize, Clone)]
pub struct PageLink {
    pub number: usize,
    pub url: String,
    pub current: bool,
    /// Stands for the pages left out between two shown numbers (`…`).
    pub gap: bool,
}

#[derive(Serialize, Clone)]
pub struct Pagination {
    pub current: usize,
    pub total_pages: usize,
    pub total_items: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub first: String,
    pub last: String,
    /// A window of page numbers: the first, the last and two either side of
    /// the current one, with gaps between (a list of 500 pages must not put
    /// 500 links on every page).
    pub pages: Vec<PageLink>,
}

#[derive(Serialize, Clone)]
pub struct OfficeView {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub criteria: Vec<Link>,
    pub report_count: usize,
}

#[derive(Serialize)]
pub struct MonthGroup<'a> {
    pub month: u32,
    pub label: String,
    /// Number of reports in the month.
    pub count: usize,
    /// Empty on the search page, which only shows the counts.
    pub reports: Vec<&'a ReportCard>,
}

#[derive(Serialize)]
pub struct YearGroup<'a> {
    pub year: i32,
    pub count: usize,
    pub months: Vec<MonthGroup<'a>>,
}

#[derive(Serialize, Clone)]
pub struct MonthCount {
    /// `2022年9月`
    pub label: String,
    pub year: i32,
    pub month: u32,
    pub count: usize,
}

#[derive(Serialize)]
pub struct GalleryPhoto<'a> {
    pub photo: &'a crate::markdown::Photo,
    pub report: LinkRef<'a>,
    pub date: &'a str,
}

/// A [`Link`] borrowed from where it is kept.
#[derive(Serialize)]
pub struct LinkRef<'a> {
    pub title: &'a str,
    pub url: &'a str,
}

/// A publicity page as `page.html` sees it (docs/模板.md).
#[derive(Serialize)]
pub struct PageView<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub url: String,
    /// As written in the front matter, else the opening of the text.
    pub summary: &'a str,
    /// The rendered body, HTML.
    pub content: &'a str,
}
