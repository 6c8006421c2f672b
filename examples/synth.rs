//! Synthetic wenming site for benchmarks.
//!
//! ```text
//! cargo run --release --example synth -- --reports N --out DIR [--seed S] [--photos | --photos-removed]
//! ```
//!
//! Writes a complete, valid site into DIR (which must not exist or be empty):
//! `site.yaml` and `data/*.yaml` copied from the repository (with `per_page: 20`
//! and a full generated ledger for every item), `content/pages/*.md`, and N
//! reports in `content/reports/` built from a vocabulary of 公文-style phrases.
//! The output depends only on N, the seed and the photo flag.
//!
//! Without `--photos`, one report in ten is a bundle with a small photo (it
//! passes through unprocessed). With `--photos`, every report is a bundle
//! with two phone photos: 3000×2250 JPEGs stored sideways with EXIF
//! orientation and a GPS block, each one distinct (a comment segment names
//! its report), so every photo is decoded, turned, resized and re-encoded.
//! `--photos-removed` writes the site of `--photos` with its photos taken
//! out: the same bundles and text, without photo files, image lines or
//! covers. It is what the photos are measured against (the site without
//! `--photos` differs in more than photos: its text and layout too).

use chrono::{Duration, NaiveDate};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[path = "support/phone_jpeg.rs"]
mod phone;
use phone::phone_jpeg;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

// ---------------------------------------------------------------------------
// PRNG: splitmix64, written out so the output never depends on a crate version.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x005e_ed0f_3e11_a11e)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n as u64) as usize
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability `pct` percent.
    fn pct(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
    fn pick<'a, T: ?Sized>(&mut self, xs: &[&'a T]) -> &'a T {
        xs[self.below(xs.len())]
    }
    /// `k` distinct indices below `n`, in increasing order.
    fn distinct(&mut self, k: usize, n: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        while out.len() < k.min(n) {
            let x = self.below(n);
            if !out.contains(&x) {
                out.push(x);
            }
        }
        out.sort_unstable();
        out
    }
}

// ---------------------------------------------------------------------------
// Vocabulary.

const SUBJECTS: &[&str] = &[
    "委机关",
    "机关党委",
    "机关工会",
    "机关纪委",
    "青年理论学习小组",
    "第一党支部",
    "第二党支部",
    "第三党支部",
    "学雷锋志愿服务队",
    "青年志愿者服务分队",
    "办公室党支部",
    "宣传处",
    "信息中心",
    "退休干部党支部",
    "机关妇委会",
    "委机关团委",
];

fn themes(kind: &str) -> &'static [&'static str] {
    match kind {
        "volunteer" => &[
            "走进社区开展志愿服务",
            "开展“学雷锋”志愿服务活动",
            "参与文明城市创建志愿服务",
            "开展无偿献血志愿活动",
            "走进敬老院开展关爱服务",
            "开展植绿护绿志愿服务",
            "开展文明交通劝导志愿服务",
            "开展关爱留守儿童活动",
            "参加“四季同行”主题志愿服务",
            "开展垃圾分类宣传志愿服务",
            "开展湘江岸线清洁行动",
        ],
        "reading" => &[
            "举办主题读书分享会",
            "开展“全民阅读”活动",
            "举办“书香机关”读书沙龙",
            "开展红色经典诵读活动",
            "开展职工书屋赠书活动",
            "举办青年读书交流会",
            "开展“读原著学原文”活动",
        ],
        "integrity" => &[
            "开展廉洁文化进机关活动",
            "组织参观廉政教育基地",
            "召开警示教育大会",
            "组织观看廉政警示教育片",
            "开展节前廉洁提醒谈话",
            "举办廉洁家风主题活动",
            "开展移风易俗专题宣传",
        ],
        "study" => &[
            "召开理论学习中心组学习会",
            "开展专题学习研讨",
            "举办“国资大讲堂”专题讲座",
            "开展“学习强国”知识竞赛",
            "组织学习党的二十大精神",
            "开展主题党日活动",
            "开展会前学法活动",
        ],
        "culture" => &[
            "举办职工羽毛球比赛",
            "开展健步走活动",
            "举办迎新春文艺汇演",
            "开展趣味运动会",
            "举办书法摄影作品展",
            "开展乒乓球友谊赛",
            "开展消防安全应急演练",
        ],
        _ => &[
            "召开文明创建工作推进会",
            "印发文明创建工作方案",
            "开展文明科室评选",
            "迎接文明单位创建测评",
            "部署文明创建重点任务",
            "通报文明创建工作进展",
            "开展“文明处室”创建活动",
        ],
    }
}

/// Criteria a report of this kind usually serves.
fn kind_criteria(kind: &str) -> &'static [u32] {
    match kind {
        "volunteer" => &[16, 22, 23, 12, 15],
        "reading" => &[18, 2, 4],
        "integrity" => &[7, 14, 8, 3],
        "study" => &[1, 2, 20, 6, 21],
        "culture" => &[19, 17, 30, 31],
        _ => &[24, 25, 26, 27, 9, 10],
    }
}

fn kind_tags(kind: &str) -> &'static [&'static str] {
    match kind {
        "volunteer" => &[
            "学雷锋",
            "社区服务",
            "志愿服务",
            "文明城市创建",
            "关爱行动",
            "青年志愿者",
        ],
        "reading" => &["全民阅读", "书香机关", "读书分享", "职工书屋"],
        "integrity" => &["廉洁文化", "警示教育", "家风建设", "移风易俗"],
        "study" => &[
            "理论学习",
            "中心组学习",
            "党的二十大",
            "主题党日",
            "普法教育",
        ],
        "culture" => &["全民健身", "职工文化", "文体活动", "应急演练"],
        _ => &["文明创建", "工作部署", "创建测评", "文明科室"],
    }
}

const LOCATIONS: &[&str] = &[
    "长沙市开福区某社区",
    "长沙市天心区某社区",
    "长沙市岳麓区某社区",
    "委机关大院",
    "委机关第一会议室",
    "委机关三楼会议室",
    "委机关职工活动中心",
    "委机关职工书屋",
    "湘江风光带",
    "省廉政教育基地（示例）",
    "湘西州泸溪县某村",
    "长沙市某敬老院",
    "省直机关体育馆（示例）",
];

const HEADINGS: &[&str] = &[
    "提高思想认识",
    "精心组织实施",
    "活动主要内容",
    "主要做法",
    "工作成效",
    "经验体会",
    "参与情况",
    "下一步工作安排",
    "强化组织保障",
    "注重常态长效",
];

const ACTORS: &[&str] = &[
    "委机关",
    "各党支部",
    "全体党员干部",
    "机关党委",
    "各处室",
    "青年干部",
    "广大干部职工",
    "领导班子成员",
    "志愿者们",
    "与会同志",
    "各级党组织",
];

const VERB1: &[&str] = &[
    "深入学习贯彻",
    "认真落实",
    "紧紧围绕",
    "始终坚持",
    "扎实推进",
    "持续深化",
    "全面贯彻",
    "积极践行",
];

const OBJ1: &[&str] = &[
    "习近平新时代中国特色社会主义思想",
    "党的二十大精神",
    "社会主义核心价值观",
    "文明单位创建各项要求",
    "全面从严治党要求",
    "“三高四新”战略定位和使命任务",
    "《新时代公民道德建设实施纲要》",
    "精神文明建设工作部署",
    "省委、省直工委有关要求",
];

const VERB2: &[&str] = &[
    "广泛开展",
    "精心组织",
    "创新开展",
    "扎实开展",
    "常态化开展",
    "有序推进",
    "认真组织",
];

const OBJ2: &[&str] = &[
    "志愿服务活动",
    "文明创建主题活动",
    "理论学习和交流研讨",
    "廉洁文化建设",
    "全民阅读活动",
    "群众性精神文明创建活动",
    "社区共建活动",
    "文明科室评选",
    "主题实践活动",
    "职工文体活动",
];

const RESULTS: &[&str] = &[
    "取得了良好成效",
    "进一步营造了浓厚的创建氛围",
    "推动文明创建工作走深走实",
    "切实增强了党员干部的责任感和使命感",
    "得到了社区群众的一致好评",
    "为推动国资国企高质量发展提供了强大精神动力",
    "形成了比学赶超的良好氛围",
    "有效提升了机关文明程度",
    "让文明新风吹进了干部职工心里",
];

const QUOTES: &[&str] = &[
    "通过这次活动，深刻感受到文明创建就在身边，人人都是参与者",
    "要把学习成果转化为推动工作的实际行动",
    "志愿服务既帮助了别人，也提升了自己",
    "今后将以更加饱满的热情投身到文明创建工作中去",
    "要从身边小事做起，争做文明有礼的机关干部",
    "要守住底线、不越红线，始终保持清正廉洁的政治本色",
];

const FUTURES: &[&str] = &[
    "把此类活动常态化、制度化",
    "进一步完善文明创建长效机制",
    "持续加大宣传力度，及时总结推广好经验好做法",
    "对照考评标准逐项查漏补缺",
    "动员更多干部职工在“志愿湖南”平台注册",
    "把文明创建与业务工作同部署、同落实",
];

const AIMS: &[&str] = &[
    "推动文明创建工作取得新成效",
    "不断巩固拓展创建成果",
    "努力在全省文明创建中走在前、作表率",
    "让文明创建成果更多惠及干部群众",
];

const LIST_LABELS: &[&str] = &[
    "强化组织领导",
    "突出学习教育",
    "注重宣传引导",
    "抓好结合融合",
    "坚持问题导向",
    "健全工作机制",
    "丰富活动载体",
    "加强督促检查",
];

const TABLE_ITEMS: &[&str] = &[
    "制定活动方案",
    "组织动员部署",
    "开展集中学习",
    "开展志愿服务",
    "收集整理台账",
    "宣传报道",
    "总结评估",
    "整改落实",
];

const PROGRESS: &[&str] = &["已完成", "已完成", "推进中", "持续开展"];

const LEDGER_NOTES_DONE: &[&str] = &[
    "已制定工作方案并组织实施，台账资料已归档",
    "相关活动已按计划完成，佐证材料齐全",
    "已报送创建办备案",
    "已纳入年度工作要点并落实到位",
];
const LEDGER_NOTES_DOING: &[&str] = &[
    "按计划推进中，佐证材料收集中",
    "方案已印发，活动分批开展中",
    "初稿已形成，待领导小组审定",
];
const LEDGER_NOTES_TODO: &[&str] = &[
    "拟于年底前启动",
    "待责任处室制定方案",
    "尚未启动，需加快推进",
];

// ---------------------------------------------------------------------------
// Sentences and blocks.

fn sentence(r: &mut Rng, subject: &str, kind_name: &str) -> String {
    match r.below(7) {
        0 => format!(
            "{}{}{}，{}{}，{}。",
            r.pick(ACTORS),
            r.pick(VERB1),
            r.pick(OBJ1),
            r.pick(VERB2),
            r.pick(OBJ2),
            r.pick(RESULTS)
        ),
        1 => format!(
            "活动中，{}{}{}，{}。",
            r.pick(ACTORS),
            r.pick(VERB2),
            r.pick(OBJ2),
            r.pick(RESULTS)
        ),
        2 => format!("参加活动的党员干部纷纷表示，“{}”。", r.pick(QUOTES)),
        3 => format!(
            "据统计，{}今年以来已组织{}活动{}次，累计参与{}人次。",
            subject,
            kind_name,
            r.range(3, 40),
            r.range(50, 2000)
        ),
        4 => format!(
            "下一步，{}将{}，{}。",
            subject,
            r.pick(FUTURES),
            r.pick(AIMS)
        ),
        5 => format!(
            "{}强调，要{}{}，{}{}，切实把文明创建各项任务落到实处。",
            r.pick(&["会议", "负责同志", "机关党委负责人", "领导班子"]),
            r.pick(VERB1),
            r.pick(OBJ1),
            r.pick(VERB2),
            r.pick(OBJ2)
        ),
        _ => format!(
            "{}以{}为抓手，{}{}，{}。",
            r.pick(ACTORS),
            r.pick(&[
                "文明创建",
                "志愿服务",
                "主题活动",
                "“党建+文明创建”机制",
                "支部共建"
            ]),
            r.pick(VERB2),
            r.pick(OBJ2),
            r.pick(RESULTS)
        ),
    }
}

fn paragraph(r: &mut Rng, subject: &str, kind_name: &str) -> String {
    let n = r.range(3, 6);
    (0..n).map(|_| sentence(r, subject, kind_name)).collect()
}

fn list_block(r: &mut Rng, subject: &str, kind_name: &str) -> String {
    let n = r.range(3, 5);
    let numbered = r.pct(50);
    let labels = r.distinct(n, LIST_LABELS.len());
    let mut out = String::new();
    for (i, l) in labels.iter().enumerate() {
        let body = sentence(r, subject, kind_name);
        let body = body.trim_end_matches('。');
        if numbered {
            let _ = writeln!(out, "{}. **{}**：{}；", i + 1, LIST_LABELS[*l], body);
        } else {
            let _ = writeln!(out, "- **{}**：{}；", LIST_LABELS[*l], body);
        }
    }
    out
}

fn table_block(r: &mut Rng, offices: &[String]) -> String {
    let n = r.range(3, 5);
    let mut out =
        String::from("| 序号 | 工作内容 | 责任处室 | 完成情况 |\n|:---:|:---|:---|:---:|\n");
    for (i, t) in r.distinct(n, TABLE_ITEMS.len()).into_iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            i + 1,
            TABLE_ITEMS[t],
            offices[r.below(offices.len())],
            r.pick(PROGRESS)
        );
    }
    out
}

fn yaml_block(r: &mut Rng, kind: &str, participants: usize) -> String {
    format!(
        "以下为活动登记信息（示例）：\n\n```yaml\n# 活动登记（示例）\n类别: {kind}\n参加人数: {participants}\n签到表: 已归档\n满意度: {}%\n```\n",
        r.range(90, 100)
    )
}

/// A YAML double-quoted scalar.
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

// ---------------------------------------------------------------------------
// Site data.

struct Criterion {
    id: u32,
    /// Points of each item, by position.
    items: Vec<f64>,
}

struct Table {
    criteria: Vec<Criterion>,
    offices: Vec<String>,
}

fn read_table(path: &Path) -> Result<Table, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let offices = v["offices"]
        .as_sequence()
        .ok_or("criteria.yaml: no offices")?
        .iter()
        .filter_map(|o| o.as_str().map(str::to_string))
        .collect();
    let mut criteria = Vec::new();
    for cat in v["categories"]
        .as_sequence()
        .ok_or("criteria.yaml: no categories")?
    {
        for c in cat["criteria"]
            .as_sequence()
            .ok_or("criteria.yaml: no criteria")?
        {
            let id = c["id"]
                .as_u64()
                .ok_or("criteria.yaml: criterion without id")? as u32;
            let items = c["items"]
                .as_sequence()
                .ok_or("criteria.yaml: criterion without items")?
                .iter()
                .map(|i| i["points"].as_f64().unwrap_or(2.0))
                .collect();
            criteria.push(Criterion { id, items });
        }
    }
    Ok(Table { criteria, offices })
}

fn kinds_of(site_yaml: &str) -> Result<Vec<(String, String)>, String> {
    let v: serde_yaml::Value =
        serde_yaml::from_str(site_yaml).map_err(|e| format!("site.yaml: {e}"))?;
    let kinds: Vec<(String, String)> = v["kinds"]
        .as_sequence()
        .ok_or("site.yaml: no kinds")?
        .iter()
        .filter_map(|k| {
            Some((
                k["id"].as_str()?.to_string(),
                k["name"].as_str()?.to_string(),
            ))
        })
        .collect();
    if kinds.is_empty() {
        return Err("site.yaml: no kinds".into());
    }
    Ok(kinds)
}

fn site_yaml(original: &str) -> String {
    let mut out = String::new();
    let mut done = false;
    for line in original.lines() {
        if line.starts_with("per_page:") {
            out.push_str("per_page: 20\n");
            done = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !done {
        out.push_str("per_page: 20\n");
    }
    out
}

fn ledger_yaml(r: &mut Rng, table: &Table) -> String {
    let mut out = String::from(
        "# 合成数据：wenming 基准测试用的完整工作台账（由 examples/synth.rs 生成，非真实台账）。\n",
    );
    let start = NaiveDate::from_ymd_opt(2022, 9, 15).unwrap();
    for c in &table.criteria {
        for (k, &points) in c.items.iter().enumerate() {
            let deadline = start + Duration::days(r.below(108) as i64);
            let roll = r.below(100);
            let (status, score, note) = if roll < 60 {
                let s = if r.pct(75) { points } else { points - 0.5 };
                ("done", s, r.pick(LEDGER_NOTES_DONE))
            } else if roll < 90 {
                let s = points * [0.25, 0.5, 0.75][r.below(3)];
                ("doing", s, r.pick(LEDGER_NOTES_DOING))
            } else {
                ("todo", 0.0, r.pick(LEDGER_NOTES_TODO))
            };
            let key = format!("\"{}.{}\":", c.id, k + 1);
            let _ = writeln!(
                out,
                "{key:<8} {{ deadline: {deadline}, status: {status}, score: {score}, note: {} }}",
                q(note)
            );
        }
    }
    out
}

/// Pages copied from the repository; links into the repository's own reports
/// (which the synthetic site does not have) are pointed at the first report.
fn page_text(text: &str, first_report: Option<&str>) -> String {
    let needle = "](../reports/";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(needle) {
        out.push_str(&rest[..at]);
        let after = &rest[at + needle.len()..];
        let end = after.find(')').unwrap_or(after.len());
        match first_report {
            Some(f) => {
                let _ = write!(out, "](../reports/{f})");
            }
            None => {
                // No report to link to: keep the text, drop the link.
                if let Some(open) = out.rfind('[') {
                    out.remove(open);
                }
            }
        }
        rest = &after[(end + 1).min(after.len())..];
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------
// Reports.

struct Meta {
    /// `2021-03-02-r00012`
    name: String,
    bundle: bool,
    title: String,
}

impl Meta {
    /// The report's source file as another report sees it.
    fn link_from(&self, from_bundle: bool) -> String {
        let up = if from_bundle { "../" } else { "" };
        if self.bundle {
            format!("{up}{}/index.md", self.name)
        } else {
            format!("{up}{}.md", self.name)
        }
    }
}

struct Ctx<'a> {
    kinds: &'a [(String, String)],
    table: &'a Table,
    photos: bool,
}

fn report(
    r: &mut Rng,
    cx: &Ctx,
    index: usize,
    date: NaiveDate,
    earlier: &[Meta],
) -> (Meta, String) {
    let bundle = cx.photos || r.pct(10);
    let name = format!("{date}-r{index:05}");
    let (kind, kind_name) = &cx.kinds[r.below(cx.kinds.len())];
    let subject: &str = r.pick(SUBJECTS);
    let theme: &str = r.pick(themes(kind));

    // Title, at most 30 characters.
    let mut title = format!("{subject}{theme}");
    match r.below(4) {
        0 => title = format!("{}年{title}", date.format("%Y")),
        1 => title = format!("{title}（第{}期）", r.range(2, 12)),
        _ => {}
    }
    if title.chars().count() > 30 {
        title = format!("{subject}{theme}");
    }
    if title.chars().count() > 30 {
        title = theme.to_string();
    }

    // Criteria: 1–3 distinct citations, mostly ones this kind of activity serves.
    let n_cit = r.range(1, 3);
    let mut cites: Vec<String> = Vec::new();
    let mut tries = 0;
    while cites.len() < n_cit && tries < 20 {
        tries += 1;
        let usual = kind_criteria(kind);
        let cid = if r.pct(80) {
            usual[r.below(usual.len())]
        } else {
            cx.table.criteria[r.below(cx.table.criteria.len())].id
        };
        let Some(c) = cx.table.criteria.iter().find(|c| c.id == cid) else {
            continue;
        };
        let cite = if r.pct(50) {
            cid.to_string()
        } else {
            format!("\"{}.{}\"", cid, r.range(1, c.items.len()))
        };
        if !cites.contains(&cite) {
            cites.push(cite);
        }
    }
    let first_cid: u32 = cites[0]
        .trim_matches('"')
        .split('.')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);

    let n_off = r.range(1, 2);
    let offices: Vec<&str> = r
        .distinct(n_off, cx.table.offices.len())
        .into_iter()
        .map(|i| cx.table.offices[i].as_str())
        .collect();
    let participants = r.range(8, 120);
    let tags: Vec<&str> = {
        let pool = kind_tags(kind);
        let n_tags = r.range(1, 3);
        r.distinct(n_tags, pool.len())
            .into_iter()
            .map(|i| pool[i])
            .collect()
    };

    // Front matter.
    let mut fm = String::from("---\n");
    let _ = writeln!(fm, "title: {}", q(&title));
    let _ = writeln!(fm, "date: {date}");
    let _ = writeln!(fm, "kind: {kind}");
    let _ = writeln!(fm, "criteria: [{}]", cites.join(", "));
    let _ = writeln!(fm, "offices: [{}]", offices.join(", "));
    let _ = writeln!(fm, "participants: {participants}");
    if kind == "volunteer" {
        let per_head = [1.5, 2.0, 2.5, 3.0, 4.0][r.below(5)];
        let _ = writeln!(fm, "hours: {}", participants as f64 * per_head);
    }
    let _ = writeln!(fm, "location: {}", q(r.pick(LOCATIONS)));
    if r.pct(30) {
        let _ = writeln!(
            fm,
            "summary: {}",
            q(&format!(
                "{subject}{participants}名干部职工{theme}，{}。",
                r.pick(RESULTS)
            ))
        );
    }
    if bundle && r.pct(50) {
        fm.push_str("cover: photo1.jpg\n");
    }
    let _ = writeln!(fm, "tags: [{}]", tags.join(", "));
    fm.push_str("---\n");

    // Body.
    let target = r.range(1500, 2600);
    let mut body = format!(
        "本网讯（示例）{}月{}日，{subject}{theme}，{participants}名干部职工参加。{}\n\n",
        date.format("%-m"),
        date.format("%-d"),
        paragraph(r, subject, kind_name)
    );
    if bundle {
        let _ = writeln!(body, "![{subject}{theme}现场（示例图片）](photo1.jpg)\n");
    }
    if !earlier.is_empty() && r.pct(20) {
        let e = &earlier[r.below(earlier.len())];
        let _ = writeln!(
            body,
            "这是继[{}]({})之后，{subject}组织的又一次{kind_name}活动。\n",
            e.title,
            e.link_from(bundle)
        );
    }
    let n_head = r.range(2, 4);
    let heads = r.distinct(n_head, HEADINGS.len());
    let list_at = r.below(n_head);
    let table_at = if r.pct(30) {
        Some(r.below(n_head))
    } else {
        None
    };
    let yaml_at = if r.pct(2) {
        Some(r.below(n_head))
    } else {
        None
    };
    let photo2_at = if cx.photos {
        Some(r.below(n_head))
    } else {
        None
    };
    let share = target.saturating_sub(body.chars().count()) / n_head;
    let chinese_nums = ["一", "二", "三", "四"];
    for (s, h) in heads.iter().enumerate() {
        let _ = writeln!(body, "## {}、{}\n", chinese_nums[s], HEADINGS[*h]);
        let goal = body.chars().count() + share;
        let mut para = 0;
        while body.chars().count() < goal || para == 0 {
            // A paragraph of 3–6 sentences, cut short once the section is long enough.
            let n = r.range(3, 6);
            for k in 0..n {
                body.push_str(&sentence(r, subject, kind_name));
                if k >= 1 && body.chars().count() >= goal {
                    break;
                }
            }
            body.push_str("\n\n");
            para += 1;
            if para == 1 {
                if list_at == s {
                    body.push_str("主要做法如下：\n\n");
                    body.push_str(&list_block(r, subject, kind_name));
                    body.push('\n');
                }
                if table_at == Some(s) {
                    body.push_str("工作推进情况见下表：\n\n");
                    body.push_str(&table_block(r, &cx.table.offices));
                    body.push('\n');
                }
                if yaml_at == Some(s) {
                    body.push_str(&yaml_block(r, kind, participants));
                    body.push('\n');
                }
                if photo2_at == Some(s) {
                    let _ = writeln!(body, "![{subject}活动集体合影（示例图片）](photo2.jpg)\n");
                }
                if s == 0 && r.pct(10) {
                    let _ = writeln!(
                        body,
                        "相关工作进展见[第{first_cid}项创建进度](/progress/{first_cid}/)。\n"
                    );
                }
            }
        }
    }
    (
        Meta {
            name,
            bundle,
            title,
        },
        fm + &body,
    )
}

// ---------------------------------------------------------------------------

struct Args {
    reports: usize,
    out: PathBuf,
    seed: u64,
    photos: bool,
    photos_removed: bool,
}

const USAGE: &str = "usage: cargo run --release --example synth -- --reports N --out DIR [--seed S] [--photos | --photos-removed]";

fn parse_args() -> Result<Args, String> {
    let mut reports = None;
    let mut out = None;
    let mut seed = 1u64;
    let mut photos = false;
    let mut photos_removed = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--reports" => {
                reports = Some(
                    val("--reports")?
                        .parse()
                        .map_err(|e| format!("--reports: {e}"))?,
                )
            }
            "--out" => out = Some(PathBuf::from(val("--out")?)),
            "--seed" => seed = val("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--photos" => photos = true,
            "--photos-removed" => photos_removed = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if photos && photos_removed {
        return Err("--photos and --photos-removed exclude each other".into());
    }
    Ok(Args {
        reports: reports.ok_or("--reports N is required")?,
        out: out.ok_or("--out DIR is required")?,
        seed,
        photos,
        photos_removed,
    })
}

/// A report of `--photos` without its photos: the cover line and each
/// image paragraph (with the blank line after it) removed.
fn without_photos(text: &str) -> String {
    let is_photo =
        |l: &str| l == "cover: photo1.jpg" || (l.starts_with("![") && l.ends_with(".jpg)"));
    let mut out = String::with_capacity(text.len());
    let mut skip_blank = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if is_photo(bare) {
            skip_blank = bare.starts_with("![");
            continue;
        }
        if skip_blank && bare.is_empty() {
            skip_blank = false;
            continue;
        }
        skip_blank = false;
        out.push_str(line);
    }
    out
}

/// `jpeg` with a comment segment after SOI: another file, the same picture.
fn with_comment(jpeg: &[u8], comment: &str) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((2 + comment.len()) as u16).to_be_bytes());
    out.extend_from_slice(comment.as_bytes());
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn write(path: &Path, bytes: &[u8], total: &mut u64) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    *total += bytes.len() as u64;
    Ok(())
}

fn run(args: Args) -> Result<(), String> {
    let started = Instant::now();
    let repo = Path::new(REPO);
    if args.out.exists() {
        let non_empty = fs::read_dir(&args.out)
            .map_err(|e| format!("{}: {e}", args.out.display()))?
            .next()
            .is_some();
        if non_empty {
            return Err(format!(
                "{} exists and is not empty; refusing to write into it",
                args.out.display()
            ));
        }
    }
    let out = &args.out;
    let mut r = Rng::new(args.seed);
    let mut bytes = 0u64;

    let site = fs::read_to_string(repo.join("site.yaml")).map_err(|e| format!("site.yaml: {e}"))?;
    let kinds = kinds_of(&site)?;
    let table = read_table(&repo.join("data/criteria.yaml"))?;
    write(
        &out.join("site.yaml"),
        site_yaml(&site).as_bytes(),
        &mut bytes,
    )?;
    for name in ["criteria.yaml", "indicators.yaml", "honors.yaml"] {
        let b = fs::read(repo.join("data").join(name)).map_err(|e| format!("data/{name}: {e}"))?;
        write(&out.join("data").join(name), &b, &mut bytes)?;
    }
    write(
        &out.join("data/ledger.yaml"),
        ledger_yaml(&mut r, &table).as_bytes(),
        &mut bytes,
    )?;

    let (photo1, photo2) = if args.photos {
        (phone_jpeg(3000, 2250, 1), phone_jpeg(3000, 2250, 2))
    } else {
        let read = |p: &str| fs::read(repo.join(p)).map_err(|e| format!("{p}: {e}"));
        (
            read("content/reports/2022-09-28-book-corner/photo1.jpg")?,
            read("content/reports/2022-09-15-community-service/photo2.jpg")?,
        )
    };

    // Dates spread evenly (in index order) over 2019-01-01..=2026-06-30, so an
    // earlier index is never a later date.
    let first = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let span = (last - first).num_days() as usize + 1;
    let cx = Ctx {
        kinds: &kinds,
        table: &table,
        photos: args.photos || args.photos_removed,
    };
    let reports_dir = out.join("content/reports");
    fs::create_dir_all(&reports_dir).map_err(|e| format!("{}: {e}", reports_dir.display()))?;
    let mut metas: Vec<Meta> = Vec::with_capacity(args.reports);
    let mut bundles = 0usize;
    for i in 0..args.reports {
        let date = first + Duration::days((i * span / args.reports.max(1)) as i64);
        let (meta, text) = report(&mut r, &cx, i, date, &metas);
        if meta.bundle {
            bundles += 1;
            let dir = reports_dir.join(&meta.name);
            let text = if args.photos_removed {
                without_photos(&text)
            } else {
                text
            };
            write(&dir.join("index.md"), text.as_bytes(), &mut bytes)?;
            if args.photos_removed {
                // The bundle holds its text only.
            } else if args.photos {
                let tag = |n: u8| format!("wenming synth {} photo{n}", meta.name);
                write(
                    &dir.join("photo1.jpg"),
                    &with_comment(&photo1, &tag(1)),
                    &mut bytes,
                )?;
                write(
                    &dir.join("photo2.jpg"),
                    &with_comment(&photo2, &tag(2)),
                    &mut bytes,
                )?;
            } else {
                write(&dir.join("photo1.jpg"), &photo1, &mut bytes)?;
            }
        } else {
            write(
                &reports_dir.join(format!("{}.md", meta.name)),
                text.as_bytes(),
                &mut bytes,
            )?;
        }
        metas.push(meta);
    }

    let first_link = metas.first().map(|m| m.link_from(false));
    let mut pages: Vec<PathBuf> = fs::read_dir(repo.join("content/pages"))
        .map_err(|e| format!("content/pages: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    for p in pages {
        let text = fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let text = page_text(&text, first_link.as_deref());
        write(
            &out.join("content/pages").join(p.file_name().unwrap()),
            text.as_bytes(),
            &mut bytes,
        )?;
    }

    println!(
        "synth: {} reports ({} bundles), {} bytes ({:.1} MB) in {:.2} s -> {}",
        args.reports,
        bundles,
        bytes,
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("synth: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth: {e}");
            ExitCode::from(1)
        }
    }
}
