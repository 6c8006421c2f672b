//! The YAML data under `data/`: the assessment table, the 工作台账, the
//! indicators and the honours (SPEC §3–§6). Each is read raw with serde, then
//! resolved and cross-checked into plain types.

use crate::config::{date_error, parse_date};
use crate::diagnostic::{Diagnostics, Pos};
use crate::source::{self, amount, find_bad_amount, find_key, find_value, nearest, SourceText};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Written in a criterion's offices to mean every office.
pub const ALL_OFFICES: &str = "各处室";

// ---------- criteria.yaml ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    name: String,
    #[serde(default)]
    document: Option<String>,
    total: f64,
    offices: Vec<String>,
    categories: Vec<RawCategory>,
    #[serde(default)]
    bonus: Option<RawBonus>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: u32,
    name: String,
    points: f64,
    criteria: Vec<RawCriterion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: u32,
    offices: Vec<String>,
    #[serde(default)]
    text: Option<String>,
    items: Vec<RawItem>,
    #[serde(default)]
    checks: Vec<Check>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    points: f64,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBonus {
    name: String,
    cap: f64,
    window: RawWindow,
    levels: BTreeMap<String, f64>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    from: String,
    to: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub name: String,
    pub numerator: String,
    pub denominator: String,
    pub min: f64,
    /// Below this many in the denominator, everyone must count (min = 100 %).
    #[serde(default)]
    pub all_below: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub document: String,
    pub total: f64,
    pub offices: Vec<String>,
    pub categories: Vec<Category>,
    pub bonus: Option<Bonus>,
    /// Where each check's indicator names are written: (criterion, name) → position.
    pub check_positions: BTreeMap<(u32, String), Pos>,
}

#[derive(Debug, Clone)]
pub struct Category {
    pub id: u32,
    pub name: String,
    pub points: f64,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone)]
pub struct Criterion {
    pub id: u32,
    pub category: u32,
    /// As written; may contain [`ALL_OFFICES`].
    pub offices: Vec<String>,
    pub text: Option<String>,
    pub items: Vec<Item>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone)]
pub struct Item {
    /// `"16.1"`
    pub id: String,
    pub points: f64,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Bonus {
    pub name: String,
    pub cap: f64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub levels: BTreeMap<String, f64>,
    pub text: Option<String>,
}

impl Table {
    pub fn criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.categories.iter().flat_map(|c| c.criteria.iter())
    }

    pub fn criterion(&self, id: u32) -> Option<&Criterion> {
        self.criteria().find(|c| c.id == id)
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.criteria().flat_map(|c| c.items.iter())
    }

    /// Offices a criterion answers to, with 各处室 expanded.
    pub fn offices_of<'a>(&'a self, c: &'a Criterion) -> Vec<&'a str> {
        if c.offices.iter().any(|o| o == ALL_OFFICES) {
            self.offices.iter().map(String::as_str).collect()
        } else {
            c.offices.iter().map(String::as_str).collect()
        }
    }
}

/// A report or item a report is evidence for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Citation {
    pub criterion: u32,
    /// 1-based item number within the criterion.
    pub item: Option<usize>,
}

impl Citation {
    pub fn label(&self) -> String {
        match self.item {
            Some(i) => format!("{}.{}", self.criterion, i),
            None => self.criterion.to_string(),
        }
    }
}

/// `16` → (16, None); `"23.2"` → (23, Some(2)).
pub fn parse_citation(s: &str) -> Option<(u32, Option<usize>)> {
    let s = s.trim();
    match s.split_once('.') {
        Some((c, i)) => Some((c.parse().ok()?, Some(i.parse().ok()?))),
        None => Some((s.parse().ok()?, None)),
    }
}

pub fn fmt_points(p: f64) -> String {
    if (p - p.round()).abs() < 1e-9 {
        format!("{}", p.round() as i64)
    } else {
        let s = format!("{p:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

pub fn parse_table(src: &SourceText, diags: &mut Diagnostics) -> Option<Table> {
    let raw: RawTable = source::parse_yaml(&src.path, &src.text, 1, diags)?;
    let path = src.path.as_str();
    let text = src.text.as_str();
    let line_of_id = |id: u32, nth_key: &str| -> Pos {
        // Criteria and categories are both `- id: N`; the search is good
        // enough to point at the right block in practice.
        find_value(text, "id", &id.to_string())
            .or_else(|| find_key(text, nth_key))
            .unwrap_or(Pos::new(1, 1))
    };

    const POINTS_HINT: &str = "分值写成不小于 0 的数字，如 points: 2";
    // Where a bad number is written: the first refused value of its key
    // from the line of the block it belongs to.
    let bad_at = |key: &str, from: Option<Pos>| {
        find_bad_amount(text, key, from.map_or(0, |p| p.line.saturating_sub(1)))
            .or_else(|| find_bad_amount(text, key, 0))
            .unwrap_or(Pos::new(1, 1))
    };
    let total = amount(
        diags,
        path,
        || bad_at("total", None),
        "总分 total ",
        raw.total,
        "total 写成表的总分，如 total: 100",
    );
    let mut seen_criteria = BTreeMap::new();
    let mut check_positions = BTreeMap::new();
    let mut categories = Vec::new();
    let mut table_sum = 0.0;
    for mut rc in raw.categories {
        rc.points = amount(
            diags,
            path,
            || bad_at("points", locate_text(text, &rc.name)),
            &format!("第 {} 类 “{}” 的分值 points ", rc.id, rc.name),
            rc.points,
            POINTS_HINT,
        );
        let mut criteria = Vec::new();
        let mut cat_sum = 0.0;
        for mut rcr in rc.criteria {
            if seen_criteria.insert(rcr.id, rc.id).is_some() {
                diags.error_hint(
                    path,
                    line_of_id(rcr.id, "criteria"),
                    format!("考评标准序号 {} 重复", rcr.id),
                    "序号在整张表中必须唯一（1–31）",
                );
            }
            for office in &rcr.offices {
                if office != ALL_OFFICES && !raw.offices.contains(office) {
                    let pos = criterion_line(text, rcr.id)
                        .and_then(|from| locate_text_from(text, office, from))
                        .or_else(|| locate_text(text, office))
                        .unwrap_or(Pos::new(1, 1));
                    unknown_office(diags, path, pos, office, &raw.offices);
                }
            }
            for ch in &mut rcr.checks {
                if let Some(all_below) = ch.all_below {
                    ch.all_below = Some(amount(
                        diags,
                        path,
                        || bad_at("all_below", locate_text(text, &ch.name)),
                        &format!("指标 “{}” 的 all_below ", ch.name),
                        all_below,
                        "all_below 写成人数，如 all_below: 20",
                    ));
                }
                if let Some(line) = locate_text(text, &ch.name) {
                    for name in [&ch.numerator, &ch.denominator] {
                        let pos = text
                            .lines()
                            .enumerate()
                            .skip(line.line - 1)
                            .take(3)
                            .find_map(|(i, l)| {
                                l.find(&format!(": {name}"))
                                    .map(|c| Pos::new(i + 1, l[..c + 2].chars().count() + 1))
                            });
                        check_positions.insert((rcr.id, name.clone()), pos.unwrap_or(line));
                    }
                }
                if !(0.0..=1.0).contains(&ch.min) {
                    diags.error_hint(
                        path,
                        locate_text(text, &ch.name).unwrap_or(Pos::new(1, 1)),
                        format!("指标 “{}” 的 min 应在 0 到 1 之间", ch.name),
                        "比例写成小数，如 50% 写 0.5",
                    );
                }
            }
            let criterion_at = criterion_line(text, rcr.id).map(|l| Pos::new(l + 1, 1));
            let items: Vec<Item> = rcr
                .items
                .into_iter()
                .enumerate()
                .map(|(i, it)| Item {
                    id: format!("{}.{}", rcr.id, i + 1),
                    points: amount(
                        diags,
                        path,
                        || bad_at("points", criterion_at),
                        &format!("第 {} 条第 {} 项的分值 points ", rcr.id, i + 1),
                        it.points,
                        POINTS_HINT,
                    ),
                    text: it.text,
                })
                .collect();
            cat_sum += items.iter().map(|i| i.points).sum::<f64>();
            criteria.push(Criterion {
                id: rcr.id,
                category: rc.id,
                offices: rcr.offices,
                text: rcr.text,
                items,
                checks: rcr.checks,
            });
        }
        if !near(cat_sum, rc.points) {
            diags.error_hint(
                path,
                find_value(text, "points", &fmt_points(rc.points))
                    .and(locate_text(text, &rc.name))
                    .unwrap_or(Pos::new(1, 1)),
                format!(
                    "第 {} 类 “{}” 标为 {} 分，但其各项分值合计 {} 分",
                    rc.id,
                    rc.name,
                    fmt_points(rc.points),
                    fmt_points(cat_sum)
                ),
                "核对该类下各条目的 points，或修改该类的 points",
            );
        }
        table_sum += rc.points;
        categories.push(Category {
            id: rc.id,
            name: rc.name,
            points: rc.points,
            criteria,
        });
    }
    // (A total refused above is not compared: that error says it all.)
    if source::bad_amount(raw.total).is_none() && !near(table_sum, total) {
        diags.error_hint(
            path,
            find_key(text, "total").unwrap_or(Pos::new(1, 1)),
            format!(
                "各类分值合计 {} 分，与 total: {} 不符",
                fmt_points(table_sum),
                fmt_points(total)
            ),
            "核对各类的 points 或 total",
        );
    }
    let bonus = raw.bonus.and_then(|b| {
        let from = parse_date(&b.window.from);
        let to = parse_date(&b.window.to);
        if from.is_none() {
            date_error(
                diags,
                path,
                find_key(text, "from").unwrap_or_default(),
                "window.from",
                &b.window.from,
            );
        }
        if to.is_none() {
            date_error(
                diags,
                path,
                find_key(text, "to").unwrap_or_default(),
                "window.to",
                &b.window.to,
            );
        }
        let bonus_at = find_key(text, "bonus");
        let cap = amount(
            diags,
            path,
            || bad_at("cap", bonus_at),
            "特色加分上限 cap ",
            b.cap,
            "cap 写成加分上限，如 cap: 10",
        );
        let levels = b
            .levels
            .into_iter()
            .map(|(level, points)| {
                let points = amount(
                    diags,
                    path,
                    || bad_at(&level, bonus_at),
                    &format!("荣誉级别 {level} 的加分"),
                    points,
                    "写成每项荣誉加的分数，如 national: 2",
                );
                (level, points)
            })
            .collect();
        Some(Bonus {
            name: b.name,
            cap,
            from: from?,
            to: to?,
            levels,
            text: b.text,
        })
    });
    Some(Table {
        name: raw.name,
        document: raw.document.unwrap_or_default(),
        total,
        offices: raw.offices,
        categories,
        bonus,
        check_positions,
    })
}

/// The line (0-based) of `- id: N` for criterion N: the most indented of the
/// `id: N` lines, since categories use ids too.
fn criterion_line(text: &str, id: u32) -> Option<usize> {
    let wanted = format!("id: {id}");
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l
                .trim_start()
                .trim_start_matches("- ")
                .trim_start_matches("{ ")
                .trim_start();
            t.strip_prefix(&wanted)
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .max_by_key(|(_, l)| l.len() - l.trim_start().len())
        .map(|(i, _)| i)
}

fn locate_text_from(text: &str, needle: &str, from: usize) -> Option<Pos> {
    text.lines()
        .enumerate()
        .skip(from)
        .take(12)
        .find_map(|(i, l)| {
            l.find(needle)
                .map(|c| Pos::new(i + 1, l[..c].chars().count() + 1))
        })
}

fn locate_text(text: &str, needle: &str) -> Option<Pos> {
    text.lines().enumerate().find_map(|(i, l)| {
        l.find(needle)
            .map(|c| Pos::new(i + 1, l[..c].chars().count() + 1))
    })
}

/// Finds one needle after another in a text, each from where the last
/// was found, counting lines as it goes.
struct TextCursor<'a> {
    text: &'a str,
    offset: usize,
    /// 1-based line of `offset`.
    line: usize,
}

impl<'a> TextCursor<'a> {
    fn new(text: &'a str) -> Self {
        TextCursor {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn find(&mut self, needle: &str) -> Option<Pos> {
        if needle.is_empty() {
            return None;
        }
        let at = self.offset + self.text[self.offset..].find(needle)?;
        self.line += self.text[self.offset..at].matches('\n').count();
        let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..at].chars().count() + 1;
        self.offset = at + needle.len();
        Some(Pos::new(self.line, column))
    }
}

pub fn unknown_office(
    diags: &mut Diagnostics,
    path: &str,
    pos: Pos,
    office: &str,
    known: &[String],
) {
    let hint = match nearest(office, known.iter().map(String::as_str)) {
        Some(n) => format!(
            "是否想写 “{n}”？已登记的处室：{}（在 data/criteria.yaml 的 offices 中登记）",
            known.join("、")
        ),
        None => format!(
            "已登记的处室：{}（新处室请先加到 data/criteria.yaml 的 offices 中）",
            known.join("、")
        ),
    };
    diags.error_hint(path, pos, format!("未登记的处室 “{office}”"), hint);
}

// ---------- ledger.yaml ----------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Todo,
    Doing,
    Done,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        match s.trim() {
            "todo" | "未启动" => Some(Status::Todo),
            "doing" | "推进中" => Some(Status::Doing),
            "done" | "已完成" => Some(Status::Done),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Todo => "未启动",
            Status::Doing => "推进中",
            Status::Done => "已完成",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(default)]
    deadline: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    score: Option<f64>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    files: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LedgerEntry {
    pub deadline: Option<NaiveDate>,
    pub status: Option<Status>,
    pub score: Option<f64>,
    pub note: Option<String>,
    /// Site-relative paths (under `static/` or `content/`).
    pub files: Vec<String>,
    /// Where the entry is written, for later diagnostics.
    pub pos: Pos,
}

/// Entries keyed by item id; a criterion-wide entry is already spread over
/// its items, an item's own entry winning field by field.
pub type Ledger = BTreeMap<String, LedgerEntry>;

fn yaml_key_string(k: &serde_yaml::Value) -> Option<String> {
    match k {
        serde_yaml::Value::String(s) => Some(s.trim().to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn parse_ledger(src: &SourceText, table: &Table, diags: &mut Diagnostics) -> Ledger {
    let path = src.path.as_str();
    let Some(map) = source::parse_yaml::<Option<serde_yaml::Mapping>>(path, &src.text, 1, diags)
    else {
        return Ledger::new();
    };
    let mut by_criterion: Vec<(u32, LedgerEntry)> = Vec::new();
    let mut by_item: Vec<(String, LedgerEntry)> = Vec::new();
    for (k, v) in map.unwrap_or_default() {
        let Some(key) = yaml_key_string(&k) else {
            diags.error(
                path,
                Pos::new(1, 1),
                "台账的键必须是条目编号，如 \"16.1\" 或 16",
            );
            continue;
        };
        let pos = find_key(&src.text, &key).unwrap_or(Pos::new(1, 1));
        // Re-parse the entry through serde so unknown fields are caught.
        let raw: RawEntry = match serde_yaml::from_value(v) {
            Ok(r) => r,
            Err(e) => {
                let (msg, hint) = source::translate_yaml_error(&e.to_string());
                diags.push(
                    crate::diagnostic::Severity::Error,
                    path,
                    pos,
                    format!("台账 “{key}”：{msg}"),
                    hint,
                );
                continue;
            }
        };
        let entry_line = pos.line.saturating_sub(1);
        let at = |field: &str| {
            source::find_key_from(&src.text, field, entry_line)
                .filter(|p| p.line <= pos.line + 6)
                .unwrap_or(pos)
        };
        let status = raw.status.as_deref().and_then(|s| {
            let st = Status::parse(s);
            if st.is_none() {
                diags.error_hint(
                    path,
                    at("status"),
                    format!("台账 “{key}” 的状态 “{s}” 无效"),
                    "可选：todo（未启动）、doing（推进中）、done（已完成），也可直接写中文",
                );
            }
            st
        });
        let deadline = raw.deadline.as_deref().and_then(|d| {
            let parsed = parse_date(d);
            if parsed.is_none() {
                date_error(
                    diags,
                    path,
                    at("deadline"),
                    &format!("台账 “{key}” 的 deadline"),
                    d,
                );
            }
            parsed
        });
        let score = raw.score.map(|score| {
            amount(
                diags,
                path,
                || source::find_bad_amount(&src.text, "score", entry_line)
                    .filter(|p| p.line <= pos.line + 6)
                    .unwrap_or_else(|| at("score")),
                &format!("台账 “{key}” 的自评分 score "),
                score,
                "score 写成不小于 0、不超过该项分值的数字，如 score: 2",
            )
        });
        let entry = LedgerEntry {
            deadline,
            status,
            score,
            note: raw.note,
            files: raw.files,
            pos,
        };
        match resolve_ledger_key(&key, table) {
            Ok(LedgerKey::Criterion(c)) => by_criterion.push((c, entry)),
            Ok(LedgerKey::Item(id)) => by_item.push((id, entry)),
            Err((msg, hint)) => diags.error_hint(path, pos, msg, hint),
        }
    }
    let mut ledger = Ledger::new();
    for (cid, entry) in by_criterion {
        for item in &table.criterion(cid).expect("resolved").items {
            ledger.insert(item.id.clone(), entry.clone());
        }
    }
    for (id, entry) in by_item {
        let merged = match ledger.remove(&id) {
            Some(base) => LedgerEntry {
                deadline: entry.deadline.or(base.deadline),
                status: entry.status.or(base.status),
                score: entry.score.or(base.score),
                note: entry.note.or(base.note),
                files: if entry.files.is_empty() {
                    base.files
                } else {
                    entry.files
                },
                pos: entry.pos,
            },
            None => entry,
        };
        ledger.insert(id, merged);
    }
    for item in table.items() {
        if let Some(e) = ledger.get(&item.id) {
            if let Some(score) = e.score {
                if score > item.points + 1e-9 {
                    diags.error_hint(
                        path,
                        e.pos,
                        format!(
                            "条目 {} 的自评分 {} 超出该项分值 {} 分",
                            item.id,
                            fmt_points(score),
                            fmt_points(item.points)
                        ),
                        format!("score 应在 0 到 {} 之间", fmt_points(item.points)),
                    );
                }
            }
        }
    }
    ledger
}

enum LedgerKey {
    Criterion(u32),
    Item(String),
}

fn resolve_ledger_key(key: &str, table: &Table) -> Result<LedgerKey, (String, String)> {
    match parse_citation(key) {
        Some((cid, None)) if table.criterion(cid).is_some() => Ok(LedgerKey::Criterion(cid)),
        Some((cid, Some(n))) => match table.criterion(cid) {
            Some(c) if n >= 1 && n <= c.items.len() => Ok(LedgerKey::Item(key.to_string())),
            Some(c) => Err((
                format!(
                    "台账中的条目 “{key}” 不存在：第 {cid} 条只有 {} 项",
                    c.items.len()
                ),
                format!(
                    "可用：{}",
                    c.items
                        .iter()
                        .map(|i| i.id.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )),
            None => Err(unknown_criterion(cid, table)),
        },
        Some((cid, None)) => Err(unknown_criterion(cid, table)),
        None => Err((
            format!("台账的键 “{key}” 不是条目编号"),
            "写成 \"16.1\"（第 16 条第 1 项）或 16（第 16 条全部条目）".into(),
        )),
    }
}

pub fn unknown_criterion(cid: u32, table: &Table) -> (String, String) {
    let max = table.criteria().map(|c| c.id).max().unwrap_or(0);
    (
        format!("考评标准第 {cid} 条不存在"),
        format!("考评标准序号为 1–{max}，见 data/criteria.yaml"),
    )
}

// ---------- indicators.yaml, honors.yaml ----------

pub type Indicators = BTreeMap<String, f64>;

pub fn parse_indicators(src: &SourceText, table: &Table, diags: &mut Diagnostics) -> Indicators {
    let mut ind: Indicators =
        source::parse_yaml::<Option<Indicators>>(&src.path, &src.text, 1, diags)
            .flatten()
            .unwrap_or_default();
    for (name, count) in ind.iter_mut() {
        *count = amount(
            diags,
            &src.path,
            || find_bad_amount(&src.text, name, 0).unwrap_or(Pos::new(1, 1)),
            &format!("数量 “{name}” "),
            *count,
            "写成实际人数，如 staff: 120",
        );
    }
    for c in table.criteria() {
        for ch in &c.checks {
            for name in [&ch.numerator, &ch.denominator] {
                if !ind.contains_key(name.as_str()) {
                    let hint = match nearest(name, ind.keys().map(String::as_str)) {
                        Some(n) => format!(
                            "是否想写 “{n}”？在 data/indicators.yaml 中已有：{}",
                            ind.keys().cloned().collect::<Vec<_>>().join("、")
                        ),
                        None => format!("请在 data/indicators.yaml 中添加一行 {name}: 数量"),
                    };
                    let pos = table
                        .check_positions
                        .get(&(c.id, name.clone()))
                        .copied()
                        .unwrap_or_default();
                    diags.error_hint(
                        "data/criteria.yaml",
                        pos,
                        format!(
                            "第 {} 条的指标 “{}” 用到了未填写的数量 “{name}”",
                            c.id, ch.name
                        ),
                        hint,
                    );
                }
            }
            if ind.get(&ch.denominator) == Some(&0.0) {
                diags.error_hint(
                    &src.path,
                    find_key(&src.text, &ch.denominator).unwrap_or_default(),
                    format!(
                        "“{}” 为 0，无法计算第 {} 条的比例 “{}”",
                        ch.denominator, c.id, ch.name
                    ),
                    "请填写实际人数",
                );
            }
        }
    }
    ind
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHonor {
    name: String,
    level: String,
    date: String,
    #[serde(default)]
    issuer: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Honor {
    pub name: String,
    pub level: String,
    pub date: NaiveDate,
    pub issuer: Option<String>,
}

pub fn parse_honors(src: &SourceText, table: &Table, diags: &mut Diagnostics) -> Vec<Honor> {
    let path = src.path.as_str();
    let raw: Vec<RawHonor> = source::parse_yaml::<Option<Vec<RawHonor>>>(path, &src.text, 1, diags)
        .flatten()
        .unwrap_or_default();
    let levels: Vec<&str> = table
        .bonus
        .as_ref()
        .map(|b| b.levels.keys().map(String::as_str).collect())
        .unwrap_or_default();
    // Honours are found in the text in the order they are written, each
    // search going on from the last: from the start each time, 100,000
    // honours took minutes.
    let mut cursor = TextCursor::new(&src.text);
    raw.into_iter()
        .filter_map(|h| {
            let pos = cursor
                .find(&h.name)
                .or_else(|| locate_text(&src.text, &h.name))
                .unwrap_or_default();
            if !levels.contains(&h.level.as_str()) {
                diags.error_hint(
                    path,
                    pos,
                    format!("荣誉 “{}” 的级别 “{}” 无效", h.name, h.level),
                    format!("可选：{}", levels.join("、")),
                );
            }
            let Some(date) = parse_date(&h.date) else {
                date_error(
                    diags,
                    path,
                    pos,
                    &format!("荣誉 “{}” 的 date", h.name),
                    &h.date,
                );
                return None;
            };
            Some(Honor {
                name: h.name,
                level: h.level,
                date,
                issuer: h.issuer,
            })
        })
        .collect()
}
