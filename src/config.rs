//! `site.yaml`: raw serde structs, then a resolved [`Config`] (SPEC §2).

use crate::diagnostic::{Diagnostics, Pos};
use crate::source::{self, SourceText};
use crate::urls::Urls;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    unit: String,
    base_url: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    campaign: Option<RawCampaign>,
    #[serde(default)]
    per_page: Option<usize>,
    #[serde(default)]
    theme: Option<String>,
    kinds: Vec<RawKind>,
    #[serde(default)]
    footer: Footer,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    start: String,
    end: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    id: String,
    name: String,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Footer {
    #[serde(default)]
    pub sponsor: Option<String>,
    #[serde(default)]
    pub icp: Option<String>,
    #[serde(default)]
    pub police: Option<String>,
    #[serde(default)]
    pub site_code: Option<String>,
    /// 党政机关网站标识: the link to the unit's verification page …
    #[serde(default)]
    pub conac_url: Option<String>,
    /// … and the mark's image under `static/` (served from the site itself).
    #[serde(default)]
    pub conac_image: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Kind {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub unit: String,
    pub description: String,
    /// Where the column lives (`base_url`).
    pub urls: Urls,
    pub language: String,
    pub as_of: NaiveDate,
    pub campaign: Option<(NaiveDate, NaiveDate)>,
    pub per_page: usize,
    pub theme: String,
    pub kinds: Vec<Kind>,
    pub footer: Footer,
}

/// Settings given on the command line, which win over `site.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub as_of: Option<NaiveDate>,
}

impl Config {
    /// The path every link of the site starts with (`/wmcj/`).
    pub fn base_path(&self) -> &str {
        self.urls.base_path()
    }

    pub fn kind(&self, id: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.id == id)
    }
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Today, unless `SOURCE_DATE_EPOCH` pins the build date (reproducible builds).
pub(crate) fn default_as_of() -> NaiveDate {
    if let Some(secs) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        if let Some(dt) = chrono::DateTime::from_timestamp(secs, 0) {
            return dt.date_naive();
        }
    }
    chrono::Local::now().date_naive()
}

pub(crate) fn date_error(diags: &mut Diagnostics, path: &str, pos: Pos, field: &str, value: &str) {
    diags.error_hint(
        path,
        pos,
        format!("{field} 的日期 “{value}” 无效或不存在"),
        "日期请写成 2022-09-15 这样的 年-月-日 格式，并确认这一天存在",
    );
}

pub fn parse(src: &SourceText, overrides: &Overrides, diags: &mut Diagnostics) -> Option<Config> {
    let raw: RawConfig = source::parse_yaml(&src.path, &src.text, 1, diags)?;
    let RawConfig {
        title,
        unit,
        base_url,
        description,
        language,
        as_of,
        campaign,
        per_page,
        theme,
        kinds,
        footer,
    } = raw;
    let at = |key: &str| source::find_key(&src.text, key).unwrap_or(Pos::new(1, 1));

    let as_of = match (&overrides.as_of, as_of) {
        (Some(d), _) => *d,
        (None, Some(s)) => parse_date(&s).unwrap_or_else(|| {
            date_error(diags, &src.path, at("as_of"), "as_of", &s);
            default_as_of()
        }),
        (None, None) => default_as_of(),
    };
    let campaign = campaign.and_then(|c| {
        let start = parse_date(&c.start);
        let end = parse_date(&c.end);
        if start.is_none() {
            date_error(diags, &src.path, at("start"), "campaign.start", &c.start);
        }
        if end.is_none() {
            date_error(diags, &src.path, at("end"), "campaign.end", &c.end);
        }
        Some((start?, end?))
    });
    let base_url =
        crate::urls::normalize_base_url(overrides.base_url.as_deref().unwrap_or(&base_url));
    if !(base_url.starts_with("http://")
        || base_url.starts_with("https://")
        || base_url.starts_with('/'))
    {
        diags.error_hint(
            &src.path,
            at("base_url"),
            format!("base_url “{base_url}” 不是网址"),
            "写成 https://www.example.gov.cn/wmcj/ 这样的完整网址，或以 / 开头的路径",
        );
    }
    let per_page = per_page.unwrap_or(20);
    if per_page == 0 {
        diags.error(&src.path, at("per_page"), "per_page 必须大于 0");
    }
    if footer.conac_url.is_some() {
        match footer.conac_image.as_deref() {
            None => diags.error_hint(
                &src.path,
                at("conac_url"),
                "配置了党政机关网站标识链接（conac_url），但没有标识图片（conac_image）",
                "把开办单位下发的标识图片放到 static/ 中，如 static/conac.png，再写 conac_image: conac.png",
            ),
            Some(_) => {}
        }
    }
    if kinds.is_empty() {
        diags.error_hint(
            &src.path,
            at("kinds"),
            "site.yaml 中没有定义任何活动类别（kinds）",
            "至少写一个类别，如 kinds: [{ id: volunteer, name: 志愿服务 }]",
        );
    }
    let mut seen = std::collections::HashSet::new();
    for k in &kinds {
        if !seen.insert(k.id.as_str()) {
            diags.error(
                &src.path,
                source::find_value(&src.text, "id", &k.id).unwrap_or(at("kinds")),
                format!("活动类别 “{}” 重复", k.id),
            );
        }
        if k.id.is_empty()
            || !k
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            diags.error_hint(
                &src.path,
                at("kinds"),
                format!("活动类别编号 “{}” 只能用英文字母、数字和 -", k.id),
                "编号会出现在网址中，如 volunteer；中文名称写在 name 里",
            );
        }
    }
    Some(Config {
        title,
        unit,
        description: description.unwrap_or_default(),
        urls: Urls::new(&base_url),
        language: language.unwrap_or_else(|| "zh-CN".into()),
        as_of,
        campaign,
        per_page: per_page.max(1),
        theme: theme.unwrap_or_else(|| "default".into()),
        kinds: kinds
            .into_iter()
            .map(|k| Kind {
                id: k.id,
                name: k.name,
            })
            .collect(),
        footer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(yaml: &str) -> (Option<Config>, Diagnostics) {
        let mut d = Diagnostics::new();
        let src = SourceText {
            path: "site.yaml".into(),
            text: yaml.into(),
        };
        (parse(&src, &Overrides::default(), &mut d), d)
    }

    #[test]
    fn base_path_and_domain() {
        let (c, d) = cfg("title: t\nunit: u\nbase_url: https://example.gov.cn/wmcj\nas_of: 2022-11-30\nkinds: [{ id: news, name: 动态 }]\n");
        let c = c.unwrap();
        assert!(!d.has_errors());
        assert_eq!(c.urls.base_url(), "https://example.gov.cn/wmcj/");
        assert_eq!(c.base_path(), "/wmcj/");
        assert_eq!(c.urls.domain(), "example.gov.cn");
    }

    #[test]
    fn bad_date_is_located() {
        let (_, d) = cfg("title: t\nunit: u\nbase_url: /\nas_of: 2022-02-30\nkinds: []\n");
        assert_eq!(d.sorted()[0].line, 4);
        assert!(d.sorted()[0].message.contains("2022-02-30"));
    }
}
