//! The document model as the Markdown of a report body (docs/写报道.md):
//! `##` headings, `**bold**`, lists, GFM tables, `[^1]` footnotes, and each
//! picture a photo line `![caption](photo1.jpg)`, consecutive ones in one
//! paragraph so that they show as a photo row.

use super::model::{heading_base, Block, Document, Inline, Style};

pub(crate) struct Markdown {
    pub body: String,
    /// File name of each picture written, with its index in
    /// [`Document::pictures`], in the order of the photo lines.
    pub photos: Vec<(String, usize)>,
}

/// The body of a report titled `title` (the default caption of a picture
/// that has none is `title（照片N）`).
pub(crate) fn write(doc: &Document, title: &str) -> Markdown {
    let mut chunks: Vec<String> = Vec::new();
    let mut photos: Vec<(String, usize)> = Vec::new();
    let base = heading_base(&doc.blocks);
    let blocks = &doc.blocks;
    let mut i = 0;
    while i < blocks.len() {
        match &blocks[i] {
            Block::Picture { .. } => {
                let mut lines = Vec::new();
                while let Some(Block::Picture { index, caption }) = blocks.get(i) {
                    i += 1;
                    let Some(picture) = doc.pictures.get(*index) else {
                        continue;
                    };
                    let (name, n) = match photos.iter().position(|(_, p)| p == index) {
                        Some(k) => (photos[k].0.clone(), k + 1),
                        None => {
                            let n = photos.len() + 1;
                            let name = format!("photo{n}.{}", picture.ext);
                            photos.push((name.clone(), *index));
                            (name, n)
                        }
                    };
                    let alt = caption
                        .clone()
                        .unwrap_or_else(|| format!("{title}（照片{n}）"));
                    lines.push(format!("![{}]({name})", escape_alt(&alt)));
                }
                if !lines.is_empty() {
                    chunks.push(lines.join("\n"));
                }
                continue;
            }
            Block::Item { .. } => {
                let start = i;
                while matches!(blocks.get(i), Some(Block::Item { .. })) {
                    i += 1;
                }
                chunks.push(list(&blocks[start..i]));
                continue;
            }
            Block::Heading { level, inlines, .. } => {
                let hashes = "#".repeat((2 + level.saturating_sub(base)).min(6));
                let text = inline(inlines, Context::Heading);
                if !text.is_empty() {
                    chunks.push(format!("{hashes} {text}"));
                }
            }
            Block::Para { inlines, .. } => {
                let text = inline(inlines, Context::Text);
                if !text.is_empty() {
                    chunks.push(text);
                }
            }
            Block::Table { rows } => chunks.push(table(rows)),
        }
        i += 1;
    }
    let notes: Vec<String> = doc
        .notes
        .iter()
        .enumerate()
        .map(|(n, note)| format!("[^{}]: {}", n + 1, inline(note, Context::Cell)))
        .collect();
    if !notes.is_empty() {
        chunks.push(notes.join("\n"));
    }
    let mut body = chunks.join("\n\n");
    body.push('\n');
    Markdown { body, photos }
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Text,
    Heading,
    /// A table cell or a footnote: one line, `|` escaped.
    Cell,
}

fn list(items: &[Block]) -> String {
    // The open items: their level and the column their text starts at.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut lines = Vec::new();
    for item in items {
        let Block::Item {
            ordered,
            level,
            number,
            inlines,
        } = item
        else {
            continue;
        };
        while open.last().is_some_and(|(l, _)| l >= level) {
            open.pop();
        }
        let indent = open.last().map_or(0, |(_, col)| *col);
        let marker = if *ordered {
            format!("{number}. ")
        } else {
            "- ".to_string()
        };
        let text = inline(inlines, Context::Text);
        // A continued line (after a line break) lines up with the text.
        let pad = " ".repeat(indent + marker.len());
        let text = text.replace('\n', &format!("\n{pad}"));
        lines.push(format!("{}{marker}{text}", " ".repeat(indent)));
        open.push((*level, indent + marker.len()));
    }
    lines.join("\n")
}

fn table(rows: &[Vec<Vec<Inline>>]) -> String {
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        out.push('|');
        for cell in row {
            let text = inline(cell, Context::Cell);
            out.push(' ');
            out.push_str(&text);
            out.push_str(" |");
        }
        out.push('\n');
        if r == 0 {
            out.push('|');
            for _ in row {
                out.push_str("---|");
            }
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

/// Inlines as Markdown text; every line's start made safe.
fn inline(inlines: &[Inline], ctx: Context) -> String {
    let mut out = String::new();
    let mut prev_marked = false;
    for i in inlines {
        match i {
            Inline::Text(t, style) => {
                let marked =
                    ctx != Context::Heading && (style.bold || style.italic || style.strike);
                if marked {
                    // Two marked runs side by side would fuse into one
                    // delimiter run: a word joiner (removed again when the
                    // page is made) keeps them apart.
                    if prev_marked {
                        out.push('\u{2060}');
                    }
                    push_marked(&mut out, t, *style, ctx);
                } else {
                    out.push_str(&escape(t, ctx));
                }
                prev_marked = marked && !t.trim().is_empty();
            }
            Inline::Link(url, inner) => {
                out.push('[');
                out.push_str(&inline(inner, ctx));
                out.push_str("](");
                out.push_str(&escape_url(url));
                out.push(')');
                prev_marked = false;
            }
            Inline::Note(n) => {
                out.push_str(&format!("[^{}]", n + 1));
                prev_marked = false;
            }
            Inline::Break => {
                if ctx == Context::Text {
                    out.push_str("\\\n");
                } else {
                    out.push(' ');
                }
                prev_marked = false;
            }
        }
    }
    let lines: Vec<String> = out.split('\n').map(escape_line_start).collect();
    lines.join("\n")
}

/// `**text**` with the whitespace at its ends outside the marks (inside
/// they would not count as emphasis).
fn push_marked(out: &mut String, text: &str, style: Style, ctx: Context) {
    let core = text.trim();
    if core.is_empty() {
        out.push_str(&escape(text, ctx));
        return;
    }
    let lead = &text[..text.len() - text.trim_start().len()];
    let trail = &text[text.trim_end().len()..];
    let emphasis = match (style.bold, style.italic) {
        (true, true) => "***",
        (true, false) => "**",
        (false, true) => "*",
        (false, false) => "",
    };
    let strike = if style.strike { "~~" } else { "" };
    out.push_str(&escape(lead, ctx));
    out.push_str(strike);
    out.push_str(emphasis);
    out.push_str(&escape(core, ctx));
    out.push_str(emphasis);
    out.push_str(strike);
    out.push_str(&escape(trail, ctx));
}

/// Characters Markdown would read as marks, escaped wherever they are.
fn escape(text: &str, ctx: Context) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (k, &c) in chars.iter().enumerate() {
        let needs = match c {
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '~' | '|' => true,
            // Character references only: `&amp;`, `&#27;`.
            '&' => chars
                .get(k + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#'),
            // `{#id}` at a heading's end sets its anchor.
            '{' => ctx == Context::Heading,
            _ => false,
        };
        if needs {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A line that Markdown would take for a heading, quote, list item or
/// rule at its start gets that start escaped.
fn escape_line_start(line: &str) -> String {
    let Some(first) = line.chars().next() else {
        return String::new();
    };
    if matches!(first, '#' | '>' | '-' | '+' | '=') {
        return format!("\\{line}");
    }
    let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
    if (1..=9).contains(&digits) {
        let rest = &line[digits..];
        if let Some(after) = rest.strip_prefix(['.', ')']) {
            if after.is_empty() || after.starts_with([' ', '\t']) {
                return format!("{}\\{}", &line[..digits], rest);
            }
        }
    }
    line.to_string()
}

fn escape_alt(alt: &str) -> String {
    let mut out = String::new();
    for c in alt.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '[' | ']' | '*' | '_' | '`' | '<' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A URL as a Markdown link destination: no spaces, no brackets.
fn escape_url(url: &str) -> String {
    let mut out = String::new();
    for c in url.trim().chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::model::Picture;
    use super::*;

    fn t(s: &str) -> Inline {
        Inline::Text(s.into(), Style::default())
    }
    fn b(s: &str) -> Inline {
        Inline::Text(
            s.into(),
            Style {
                bold: true,
                ..Style::default()
            },
        )
    }
    fn item(ordered: bool, level: usize, number: u32, s: &str) -> Block {
        Block::Item {
            ordered,
            level,
            number,
            inlines: vec![t(s)],
        }
    }

    #[test]
    fn headings_emphasis_and_escapes() {
        let doc = Document {
            blocks: vec![
                Block::Heading {
                    level: 1,
                    title: false,
                    inlines: vec![t("服务内容")],
                },
                Block::Para {
                    inlines: vec![t("委机关"), b("志愿服务队 "), t("在*路口* 8:00~9:00")],
                    caption: false,
                },
                Block::Heading {
                    level: 2,
                    title: false,
                    inlines: vec![t("一、义诊 {#x}")],
                },
                Block::Para {
                    inlines: vec![t("1. 不是列表"), Inline::Break, t("- 也不是")],
                    caption: false,
                },
            ],
            ..Default::default()
        };
        let md = write(&doc, "标题").body;
        assert_eq!(
            md,
            "## 服务内容\n\n委机关**志愿服务队** 在\\*路口\\* 8:00\\~9:00\n\n### 一、义诊 \\{#x}\n\n1\\. 不是列表\\\n\\- 也不是\n"
        );
    }

    #[test]
    fn nested_and_numbered_lists() {
        let doc = Document {
            blocks: vec![
                item(false, 0, 1, "义诊"),
                item(false, 1, 1, "量血压"),
                item(false, 0, 1, "宣讲"),
                Block::Para {
                    inlines: vec![t("流程：")],
                    caption: false,
                },
                item(true, 0, 1, "集合"),
                item(true, 1, 1, "点名"),
                item(true, 0, 2, "出发"),
                item(true, 0, 10, "总结"),
                item(false, 1, 1, "合影"),
            ],
            ..Default::default()
        };
        assert_eq!(
            write(&doc, "标题").body,
            "- 义诊\n  - 量血压\n- 宣讲\n\n流程：\n\n1. 集合\n   1. 点名\n2. 出发\n10. 总结\n    - 合影\n"
        );
    }

    #[test]
    fn tables_pictures_and_footnotes() {
        let doc = Document {
            blocks: vec![
                Block::Table {
                    rows: vec![
                        vec![vec![t("小组")], vec![t("人数")]],
                        vec![vec![t("义诊|咨询"), Inline::Break, t("组")], vec![]],
                    ],
                },
                Block::Picture {
                    index: 0,
                    caption: Some("志愿者[合影]".into()),
                },
                Block::Picture {
                    index: 1,
                    caption: None,
                },
                Block::Para {
                    inlines: vec![
                        t("见"),
                        Inline::Link("http://a.cn/x (1)".into(), vec![t("网站")]),
                        Inline::Note(0),
                    ],
                    caption: false,
                },
                Block::Picture {
                    index: 0,
                    caption: None,
                },
            ],
            notes: vec![vec![t("志愿湖南平台统计。")]],
            pictures: vec![
                Picture {
                    bytes: vec![],
                    ext: "png",
                },
                Picture {
                    bytes: vec![],
                    ext: "jpg",
                },
            ],
            ..Default::default()
        };
        let md = write(&doc, "活动");
        assert_eq!(
            md.body,
            "| 小组 | 人数 |\n|---|---|\n| 义诊\\|咨询 组 |  |\n\n\
             ![志愿者\\[合影\\]](photo1.png)\n![活动（照片2）](photo2.jpg)\n\n\
             见[网站](http://a.cn/x%20%281%29)[^1]\n\n![活动（照片1）](photo1.png)\n\n\
             [^1]: 志愿湖南平台统计。\n"
        );
        assert_eq!(
            md.photos,
            vec![("photo1.png".into(), 0), ("photo2.jpg".into(), 1)]
        );
    }
}
