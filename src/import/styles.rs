//! Word's styles and list numbering: which paragraphs are headings (by
//! outline level or heading style, Chinese names too), titles, captions
//! or list items, and what number Word shows for each.

use super::xml::Element;
use std::collections::HashMap;

#[derive(Debug, Default, Clone)]
struct StyleDef {
    name: String,
    based_on: Option<String>,
    outline: Option<usize>,
    num: Option<(String, Option<usize>)>,
    bold: Option<bool>,
    italic: Option<bool>,
    strike: Option<bool>,
}

#[derive(Debug, Default)]
pub(super) struct Styles {
    defs: HashMap<String, StyleDef>,
    default_paragraph: Option<String>,
}

/// `<w:b/>`, `<w:b w:val="0"/>`: a toggle property's value.
pub(super) fn toggle(props: Option<&Element>, name: &str) -> Option<bool> {
    let e = props?.child(name)?;
    Some(!matches!(
        e.attr("w:val"),
        Some("0" | "false" | "off" | "none")
    ))
}

pub(super) fn outline_of(ppr: Option<&Element>) -> Option<usize> {
    ppr?.child_val("w:outlineLvl")?.trim().parse().ok()
}

pub(super) fn num_of(ppr: Option<&Element>) -> Option<(String, Option<usize>)> {
    let num = ppr?.child("w:numPr")?;
    let id = num.child_val("w:numId")?.to_string();
    let level = num.child_val("w:ilvl").and_then(|l| l.trim().parse().ok());
    Some((id, level))
}

/// A style name's heading level: `heading 1`, `Heading1`, `标题 1`, `标题1`.
fn heading_by_name(name: &str) -> Option<usize> {
    let lower = name.trim().to_lowercase();
    let rest = lower
        .strip_prefix("heading")
        .or_else(|| lower.strip_prefix("标题"))?
        .trim();
    let n: usize = rest.parse().ok()?;
    (1..=9).contains(&n).then(|| n - 1)
}

impl Styles {
    pub fn parse(root: &Element) -> Styles {
        let mut styles = Styles::default();
        for s in root.children_named("w:style") {
            let Some(id) = s.attr("w:styleId") else {
                continue;
            };
            let ppr = s.child("w:pPr");
            let rpr = s.child("w:rPr");
            let def = StyleDef {
                name: s.child_val("w:name").unwrap_or("").to_string(),
                based_on: s.child_val("w:basedOn").map(str::to_string),
                outline: outline_of(ppr),
                num: num_of(ppr),
                bold: toggle(rpr, "w:b"),
                italic: toggle(rpr, "w:i"),
                strike: toggle(rpr, "w:strike").or(toggle(rpr, "w:dstrike")),
            };
            if s.attr("w:type") == Some("paragraph")
                && matches!(s.attr("w:default"), Some("1" | "true" | "on"))
            {
                styles.default_paragraph = Some(id.to_string());
            }
            styles.defs.insert(id.to_string(), def);
        }
        styles
    }

    /// The style and those it is based on, nearest first (cycles cut).
    fn chain<'s>(&'s self, id: Option<&'s str>) -> Vec<(&'s str, &'s StyleDef)> {
        let mut out = Vec::new();
        let mut next = id.or(self.default_paragraph.as_deref());
        while let Some(id) = next {
            let Some(def) = self.defs.get(id) else { break };
            if out.len() > 16 || out.iter().any(|(i, _)| *i == id) {
                break;
            }
            out.push((id, def));
            next = def.based_on.as_deref();
        }
        out
    }

    /// Word's outline level of paragraphs in style `id` (0 = 标题 1).
    pub fn outline(&self, id: Option<&str>) -> Option<usize> {
        // Some writers leave out styles.xml (or the style): its id then.
        if let Some(id) = id.filter(|id| !self.defs.contains_key(*id)) {
            return heading_by_name(id);
        }
        for (sid, def) in self.chain(id) {
            if let Some(l) = def.outline {
                return (l < 9).then_some(l);
            }
            if let Some(l) = heading_by_name(&def.name).or_else(|| heading_by_name(sid)) {
                return Some(l);
            }
        }
        None
    }

    /// The Title style (Word's "Title", WPS's and Word's Chinese "标题").
    pub fn is_title(&self, id: Option<&str>) -> bool {
        let Some(id) = id else { return false };
        if !self.defs.contains_key(id) {
            return id == "Title";
        }
        self.chain(Some(id)).iter().take(2).any(|(sid, def)| {
            let name = def.name.trim().to_lowercase();
            name == "title" || name == "标题" || *sid == "Title"
        })
    }

    pub fn is_caption(&self, id: Option<&str>) -> bool {
        let Some(id) = id else { return false };
        self.chain(Some(id)).iter().take(2).any(|(sid, def)| {
            let name = def.name.trim().to_lowercase();
            name == "caption" || name == "题注" || *sid == "Caption"
        })
    }

    pub fn num(&self, id: Option<&str>) -> Option<(String, Option<usize>)> {
        self.chain(id).into_iter().find_map(|(_, d)| d.num.clone())
    }

    pub fn run_style(&self, id: Option<&str>) -> (Option<bool>, Option<bool>, Option<bool>) {
        let (mut b, mut i, mut s) = (None, None, None);
        let Some(id) = id else { return (b, i, s) };
        for (_, def) in self.chain(Some(id)) {
            b = b.or(def.bold);
            i = i.or(def.italic);
            s = s.or(def.strike);
        }
        (b, i, s)
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct Level {
    pub format: String,
    pub text: String,
    pub start: u32,
}

#[derive(Debug, Default)]
pub(super) struct Numbering {
    abstracts: HashMap<String, HashMap<usize, Level>>,
    /// numId → abstractNumId and the levels it overrides.
    nums: HashMap<String, (String, HashMap<usize, Level>)>,
    /// abstractNumId → the numbering style it takes its levels from.
    style_links: HashMap<String, String>,
}

fn level_of(l: &Element) -> Level {
    Level {
        format: l.child_val("w:numFmt").unwrap_or("decimal").to_string(),
        text: l.child_val("w:lvlText").unwrap_or("").to_string(),
        start: l
            .child_val("w:start")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1),
    }
}

impl Numbering {
    pub fn parse(root: &Element) -> Numbering {
        let mut n = Numbering::default();
        for a in root.children_named("w:abstractNum") {
            let Some(id) = a.attr("w:abstractNumId") else {
                continue;
            };
            let mut levels = HashMap::new();
            for l in a.children_named("w:lvl") {
                if let Some(i) = l.attr("w:ilvl").and_then(|i| i.parse().ok()) {
                    levels.insert(i, level_of(l));
                }
            }
            if let Some(link) = a.child_val("w:numStyleLink") {
                n.style_links.insert(id.to_string(), link.to_string());
            }
            n.abstracts.insert(id.to_string(), levels);
        }
        for num in root.children_named("w:num") {
            let (Some(id), Some(abs)) = (num.attr("w:numId"), num.child_val("w:abstractNumId"))
            else {
                continue;
            };
            let mut overrides = HashMap::new();
            for o in num.children_named("w:lvlOverride") {
                let Some(i) = o.attr("w:ilvl").and_then(|i| i.parse::<usize>().ok()) else {
                    continue;
                };
                let base = n
                    .abstracts
                    .get(abs)
                    .and_then(|a| a.get(&i))
                    .cloned()
                    .unwrap_or_default();
                let mut level = o.child("w:lvl").map(level_of).unwrap_or(base);
                if let Some(s) = o
                    .child_val("w:startOverride")
                    .and_then(|s| s.trim().parse().ok())
                {
                    level.start = s;
                }
                overrides.insert(i, level);
            }
            n.nums.insert(id.to_string(), (abs.to_string(), overrides));
        }
        n
    }

    pub fn level(&self, num_id: &str, ilvl: usize, styles: &Styles) -> Option<Level> {
        let (abs, overrides) = self.nums.get(num_id)?;
        if let Some(l) = overrides.get(&ilvl) {
            return Some(l.clone());
        }
        let mut abs = abs.clone();
        // A list style's numbering lives in the style's own num.
        for _ in 0..4 {
            if let Some(l) = self.abstracts.get(&abs).and_then(|a| a.get(&ilvl)) {
                return Some(l.clone());
            }
            let link = self.style_links.get(&abs)?;
            let (id, _) = styles.num(Some(link))?;
            abs = self.nums.get(&id)?.0.clone();
        }
        None
    }
}

/// `n` in a numbering format, for a numbered heading's label.
pub(super) fn format_number(n: u32, format: &str) -> String {
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "japaneseCounting"
        | "ideographTraditional"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand" => chinese_number(n),
        "upperLetter" | "lowerLetter" if (1..=26).contains(&n) => {
            let c = (b'A' + (n - 1) as u8) as char;
            if format == "lowerLetter" {
                c.to_ascii_lowercase().to_string()
            } else {
                c.to_string()
            }
        }
        "upperRoman" | "lowerRoman" if (1..40).contains(&n) => {
            let r = roman(n);
            if format == "lowerRoman" {
                r.to_lowercase()
            } else {
                r
            }
        }
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map_or(n.to_string(), String::from)
        }
        _ => n.to_string(),
    }
}

fn chinese_number(n: u32) -> String {
    const D: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n as usize].to_string(),
        10..=19 => format!("十{}", if n > 10 { D[(n % 10) as usize] } else { "" }),
        20..=99 => format!(
            "{}十{}",
            D[(n / 10) as usize],
            if !n.is_multiple_of(10) {
                D[(n % 10) as usize]
            } else {
                ""
            }
        ),
        _ => n.to_string(),
    }
}

fn roman(mut n: u32) -> String {
    let table = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut s = String::new();
    for (v, r) in table {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::xml;
    use super::*;

    fn styles(xml: &str) -> Styles {
        Styles::parse(&xml::parse(xml.as_bytes()).unwrap())
    }

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    #[test]
    fn outline_levels_come_from_chinese_named_styles_and_their_bases() {
        let s = styles(&format!(
            r#"<w:styles {W}>
            <w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="正文"/></w:style>
            <w:style w:type="paragraph" w:styleId="2"><w:name w:val="标题 1"/><w:basedOn w:val="a"/>
              <w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="3"><w:name w:val="标题 2"/></w:style>
            <w:style w:type="paragraph" w:styleId="x1"><w:name w:val="小节"/><w:basedOn w:val="2"/></w:style>
            <w:style w:type="paragraph" w:styleId="body9"><w:name w:val="heading 3"/>
              <w:pPr><w:outlineLvl w:val="9"/></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="loop"><w:name w:val="循环"/><w:basedOn w:val="loop"/></w:style>
            <w:style w:type="paragraph" w:styleId="a5"><w:name w:val="标题"/></w:style>
            <w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>
            </w:styles>"#
        ));
        assert_eq!(s.outline(Some("2")), Some(0), "own outlineLvl");
        assert_eq!(s.outline(Some("3")), Some(1), "by its Chinese name");
        assert_eq!(
            s.outline(Some("x1")),
            Some(0),
            "from the style it is based on"
        );
        assert_eq!(s.outline(Some("body9")), None, "level 9 is body text");
        assert_eq!(s.outline(Some("loop")), None);
        assert_eq!(s.outline(None), None, "the default style is body text");
        assert_eq!(s.outline(Some("Heading2")), Some(1));
        assert_eq!(
            s.outline(Some("Heading3")),
            Some(2),
            "an undefined style, by its id"
        );
        assert_eq!(s.outline(Some("Normal")), None);
        assert!(s.is_title(Some("Title")));
        assert!(s.is_title(Some("a5")));
        assert!(!s.is_title(Some("2")));
    }

    #[test]
    fn list_levels_and_numbers_from_numbering() {
        let st = styles(&format!(
            r#"<w:styles {W}><w:style w:type="numbering" w:styleId="ls"><w:name w:val="列表"/>
            <w:pPr><w:numPr><w:numId w:val="9"/></w:numPr></w:pPr></w:style></w:styles>"#
        ));
        let n = Numbering::parse(
            &xml::parse(
                format!(
                    r#"<w:numbering {W}>
            <w:abstractNum w:abstractNumId="0">
              <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
              <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="●"/></w:lvl>
            </w:abstractNum>
            <w:abstractNum w:abstractNumId="1"><w:numStyleLink w:val="ls"/></w:abstractNum>
            <w:abstractNum w:abstractNumId="2"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>
            <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
            <w:num w:numId="2"><w:abstractNumId w:val="0"/>
              <w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
            <w:num w:numId="3"><w:abstractNumId w:val="1"/></w:num>
            <w:num w:numId="9"><w:abstractNumId w:val="2"/></w:num>
            </w:numbering>"#
                )
                .as_bytes(),
            )
            .unwrap(),
        );
        let l = n.level("1", 0, &st).unwrap();
        assert_eq!(
            (l.format.as_str(), l.text.as_str(), l.start),
            ("chineseCounting", "%1、", 1)
        );
        assert_eq!(n.level("1", 1, &st).unwrap().format, "bullet");
        assert_eq!(n.level("2", 0, &st).unwrap().start, 5);
        assert_eq!(
            n.level("3", 0, &st).unwrap().format,
            "decimal",
            "through the list style"
        );
        assert!(n.level("7", 0, &st).is_none());
        assert_eq!(format_number(3, "chineseCounting"), "三");
        assert_eq!(format_number(12, "chineseCountingThousand"), "十二");
        assert_eq!(format_number(20, "chineseCounting"), "二十");
        assert_eq!(format_number(4, "lowerRoman"), "iv");
        assert_eq!(format_number(2, "decimalEnclosedCircle"), "②");
    }
}
