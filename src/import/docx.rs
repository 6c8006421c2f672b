//! Reading a .docx into the document model (`model.rs`): the parts of the
//! package (`package.rs`) and its styles (`styles.rs`) put together, and
//! the body read paragraph by paragraph.
//!
//! zip + quick-xml, not docx-rs: both are already dependencies, docx-rs is
//! not vendored here, and it can panic on files Word and WPS open fine;
//! here every odd part is a message that names it.
//!
//! Headings follow pandoc: a paragraph is a heading by its outline level
//! (`w:outlineLvl` on the paragraph, else on its style or the styles that
//! style is based on), else by a style named `heading N` / `标题 N`, so
//! WPS files whose styles have only Chinese names and ids work too.

use super::model::{Block, Document, Inline, Note, Picture, Style};
use super::package::{
    not_a_word_document, sniff, Package, Problem, Rels, MAX_PICTURE, SAVE_AS_DOCX,
};
use super::styles::{format_number, num_of, outline_of, toggle, Numbering, Styles};
use super::xml::{self, Element};
use std::collections::{HashMap, HashSet};

/// The document in `bytes`; `ext` is the file's extension (lowercase,
/// without the dot), only to word the message for a file that is no .docx.
pub(crate) fn read(bytes: &[u8], ext: &str) -> Result<Document, Problem> {
    sniff(bytes, ext)?;
    let mut pkg = Package::open(bytes)?;
    let main = pkg.main_part()?;
    let Some(body_xml) = pkg.xml(&main)? else {
        return Err(not_a_word_document(&pkg));
    };
    let rels = pkg.rels(&main)?;
    let styles = match rels.first_of("styles") {
        Some(part) => pkg
            .xml(&part)?
            .map(|e| Styles::parse(&e))
            .unwrap_or_default(),
        None => Styles::default(),
    };
    let numbering = match rels.first_of("numbering") {
        Some(part) => pkg
            .xml(&part)?
            .map(|e| Numbering::parse(&e))
            .unwrap_or_default(),
        None => Numbering::default(),
    };
    let footnotes = notes_of(&mut pkg, &rels, "footnotes", "w:footnote")?;
    let endnotes = notes_of(&mut pkg, &rels, "endnotes", "w:endnote")?;
    let (core_title, core_year) = core_properties(&mut pkg)?;
    let Some(body) = body_xml.child("w:body") else {
        return Err(Problem::new(
            format!("文档内容 {main} 里没有正文（w:body）"),
            SAVE_AS_DOCX,
        ));
    };
    let mut reader = Reader {
        pkg: &mut pkg,
        rels,
        styles,
        numbering,
        footnotes,
        endnotes,
        counters: HashMap::new(),
        pictures: Vec::new(),
        picture_of_part: HashMap::new(),
        notes: Vec::new(),
        note_of_id: HashMap::new(),
        warnings: Vec::new(),
        fatal: None,
        para_no: 0,
        table_no: 0,
        table_depth: 0,
        in_note: false,
        snippet: String::new(),
        last_snippet: String::new(),
        revisions: Vec::new(),
        comments: HashSet::new(),
        comment_places: Vec::new(),
        fields: Vec::new(),
        split_next: false,
        in_box: 0,
    };
    let mut blocks = Vec::new();
    reader.blocks(body, &mut blocks);
    if let Some(p) = reader.fatal.take() {
        return Err(p);
    }
    reader.summarise();
    Ok(Document {
        core_title,
        core_year,
        blocks,
        notes: reader.notes,
        pictures: reader.pictures,
        warnings: reader.warnings,
    })
}

fn notes_of(
    pkg: &mut Package,
    rels: &Rels,
    kind: &str,
    tag: &str,
) -> Result<HashMap<String, Element>, Problem> {
    let mut map = HashMap::new();
    let Some(part) = rels.first_of(kind) else {
        return Ok(map);
    };
    let Some(root) = pkg.xml(&part)? else {
        return Ok(map);
    };
    for child in root.children {
        if let xml::Node::Element(e) = child {
            if e.name == tag && e.attr("w:type").is_none_or(|t| t == "normal") {
                if let Some(id) = e.attr("w:id") {
                    map.insert(id.to_string(), e);
                }
            }
        }
    }
    Ok(map)
}

/// `dc:title` (when it looks like one) and the year the file was saved.
fn core_properties(pkg: &mut Package) -> Result<(Option<String>, Option<i32>), Problem> {
    let part = pkg
        .rels("")?
        .first_of("core-properties")
        .unwrap_or_else(|| "docProps/core.xml".into());
    // Properties are a nicety: a broken part is no reason to refuse.
    let Ok(Some(root)) = pkg.xml(&part) else {
        return Ok((None, None));
    };
    let title = root.child("dc:title").map(|t| t.text()).and_then(|t| {
        let t = t.trim();
        let t = t.strip_prefix("Microsoft Word - ").unwrap_or(t);
        let t = t
            .strip_suffix(".docx")
            .or_else(|| t.strip_suffix(".doc"))
            .unwrap_or(t)
            .trim();
        let t = super::model::squash(&crate::text::clean_text(t));
        (!t.is_empty()).then_some(t)
    });
    // Saved last is when the report was written; created may be a template's.
    let year = ["dcterms:modified", "dcterms:created"]
        .iter()
        .filter_map(|n| root.child(n))
        .find_map(|e| e.text().trim().get(..4)?.parse::<i32>().ok())
        .filter(|y| (1990..=2100).contains(y));
    Ok((title, year))
}

// ---------- the body ----------

/// A complex field (`w:fldChar` begin … separate … end) being read.
struct Field {
    instr: String,
    /// Past `separate`: the runs are what Word shows.
    shown: bool,
    /// Where a hyperlink field's shown runs start in the inlines.
    start: usize,
}

/// What a paragraph gives besides its text: pictures and the contents of
/// its text boxes, placed after it.
#[derive(Default)]
struct Extras {
    pictures: Vec<(usize, Option<String>)>,
    after: Vec<Block>,
}

struct Reader<'p, 'a> {
    pkg: &'p mut Package<'a>,
    rels: Rels,
    styles: Styles,
    numbering: Numbering,
    footnotes: HashMap<String, Element>,
    endnotes: HashMap<String, Element>,
    /// numId → the current number at each level (`None`: not started).
    counters: HashMap<String, [Option<u32>; 9]>,
    pictures: Vec<Picture>,
    picture_of_part: HashMap<String, usize>,
    notes: Vec<Vec<Inline>>,
    note_of_id: HashMap<(bool, String), usize>,
    warnings: Vec<Note>,
    /// The first problem that stops the import (a picture too big …).
    fatal: Option<Problem>,
    para_no: usize,
    table_no: usize,
    table_depth: usize,
    in_note: bool,
    /// The opening of the paragraph being read, and of the last one with text.
    snippet: String,
    last_snippet: String,
    revisions: Vec<String>,
    comments: HashSet<String>,
    comment_places: Vec<String>,
    fields: Vec<Field>,
    /// The next text starts a new inline (a field's shown runs begin):
    /// joined to the text before, it could not be cut out as the link.
    split_next: bool,
    /// Inside text boxes: their paragraphs are not the body's, not counted.
    in_box: usize,
}

/// The text of a paragraph's runs (deleted text left out), for locations.
fn quick_text(e: &Element, out: &mut String) {
    for c in e.elements() {
        match c.name.as_str() {
            "w:t" => out.push_str(&c.text()),
            "w:del" | "w:moveFrom" | "w:instrText" | "w:txbxContent" => {}
            "w:r" if toggle(c.child("w:rPr"), "w:vanish") == Some(true) => {}
            _ => quick_text(c, out),
        }
    }
}

fn snippet_of(text: &str) -> String {
    let t = super::model::squash(text);
    let mut s: String = t.chars().take(14).collect();
    if t.chars().count() > 14 {
        s.push('…');
    }
    s
}

/// Word's table of contents, as a content control.
fn is_toc(sdt: &Element) -> bool {
    sdt.child("w:sdtPr")
        .and_then(|p| p.find("w:docPartGallery"))
        .and_then(|g| g.attr("w:val"))
        .is_some_and(|v| v.contains("Table of Contents"))
}

/// The alternative of `mc:AlternateContent` to read: the first choice
/// (Word 2010 shapes, pictures with effects), else the fallback.
fn alternative(e: &Element) -> Option<&Element> {
    e.child("mc:Choice").or_else(|| e.child("mc:Fallback"))
}

/// Descendants named `name`, not looking inside text boxes (their
/// paragraphs are read on their own).
fn find_outside_text_boxes<'e>(e: &'e Element, name: &str, out: &mut Vec<&'e Element>) {
    for c in e.elements() {
        if c.name == name {
            out.push(c);
        } else if c.name != "w:txbxContent" {
            find_outside_text_boxes(c, name, out);
        }
    }
}

/// The URL of a `HYPERLINK "…"` field; `None` for links inside the
/// document (`\l`) and other fields.
fn hyperlink_field(instr: &str) -> Option<String> {
    let instr = instr.trim();
    let rest = instr
        .strip_prefix("HYPERLINK")
        .or_else(|| instr.strip_prefix("hyperlink"))?;
    if rest.contains("\\l") {
        return None;
    }
    let rest = rest.trim_start();
    let url = match rest.strip_prefix('"') {
        Some(r) => r.split('"').next()?,
        None => rest.split_whitespace().next()?,
    };
    (!url.is_empty()).then(|| url.to_string())
}

/// Whether a link target can go on a web page as it is.
fn is_web_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

/// Useful alt text: not empty, not a file name or Word's default name,
/// without Office's "generated automatically" remark.
fn useful_alt(descr: &str) -> Option<String> {
    let mut t = super::model::squash(&crate::text::clean_text(descr));
    for tail in [
        "描述已自动生成",
        "自动生成的说明",
        "自动生成的描述",
        "Description automatically generated",
    ] {
        if let Some(stripped) = t.strip_suffix(tail) {
            t = stripped
                .trim_end_matches([' ', ',', '，', '.', '。'])
                .to_string();
        }
    }
    let lower = t.to_lowercase();
    let file_like = [
        ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff", ".webp",
    ]
    .iter()
    .any(|x| lower.ends_with(x));
    let default_name = ["图片", "picture", "image", "图像", "pic"].iter().any(|p| {
        lower
            .strip_prefix(p)
            .is_some_and(|r| r.trim().chars().all(|c| c.is_ascii_digit()))
    });
    (!t.is_empty() && !file_like && !default_name).then_some(t)
}

/// The kind of picture in `bytes`: the raster formats as the `image`
/// crate tells them (as the workbench's uploads do), then the vector ones
/// Word writes, which it does not know.
fn picture_kind(bytes: &[u8]) -> &'static str {
    use image::ImageFormat;
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => return "jpg",
        Ok(ImageFormat::Png) => return "png",
        Ok(ImageFormat::Gif) => return "gif",
        Ok(ImageFormat::WebP) => return "webp",
        Ok(ImageFormat::Bmp) => return "bmp",
        Ok(ImageFormat::Tiff) => return "tiff",
        _ => {}
    }
    if bytes.len() > 44 && &bytes[40..44] == b" EMF" {
        "emf"
    } else if bytes.starts_with(&[0xD7, 0xCD, 0xC6, 0x9A])
        || bytes.starts_with(&[1, 0, 9, 0])
        || bytes.starts_with(&[2, 0, 9, 0])
    {
        "wmf"
    } else if String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).contains("<svg") {
        "svg"
    } else {
        "?"
    }
}

impl Reader<'_, '_> {
    fn warn(&mut self, message: String, hint: Option<&str>) {
        let note = Note {
            message,
            hint: hint.map(str::to_string),
        };
        if !self.warnings.contains(&note) {
            self.warnings.push(note);
        }
    }

    fn fail(&mut self, p: Problem) {
        self.fatal.get_or_insert(p);
    }

    /// Where the reader is, in the words of the warnings.
    fn place(&self) -> String {
        if self.in_note {
            return "脚注中".into();
        }
        if self.table_depth > 0 {
            return format!("第 {} 个表格中", self.table_no);
        }
        if !self.snippet.is_empty() {
            format!("第 {} 段（“{}”）", self.para_no.max(1), self.snippet)
        } else if !self.last_snippet.is_empty() {
            format!(
                "第 {} 段（“{}”之后）",
                self.para_no.max(1),
                self.last_snippet
            )
        } else {
            "文档开头".into()
        }
    }

    fn blocks(&mut self, parent: &Element, out: &mut Vec<Block>) {
        for el in parent.elements() {
            match el.name.as_str() {
                "w:p" => self.paragraph(el, out),
                "w:tbl" => self.table(el, out),
                "w:sdt" if is_toc(el) => self.toc(),
                "w:sdt" => {
                    if let Some(c) = el.child("w:sdtContent") {
                        self.blocks(c, out);
                    }
                }
                "w:customXml" | "w:ins" | "w:moveTo" | "w:smartTag" => self.blocks(el, out),
                "w:del" | "w:moveFrom" => self.revision(),
                "mc:AlternateContent" => {
                    if let Some(c) = alternative(el) {
                        self.blocks(c, out);
                    }
                }
                "w:altChunk" => {
                    let place = self.place();
                    self.warn(
                        format!("{place}之后嵌入了另一个文档（altChunk），它的内容无法导入"),
                        Some("请在 Word 中打开原文档，把这部分内容复制到正文里，另存后再导入"),
                    );
                }
                _ => {}
            }
        }
    }

    fn paragraph(&mut self, p: &Element, out: &mut Vec<Block>) {
        let ppr = p.child("w:pPr");
        let style = ppr.and_then(|x| x.child_val("w:pStyle"));
        let mut text = String::new();
        quick_text(p, &mut text);
        let has_objects = ["w:drawing", "w:pict", "w:object"]
            .iter()
            .any(|n| p.find(n).is_some());
        let counted = self.table_depth == 0 && !self.in_note && self.in_box == 0;
        if counted && (!text.trim().is_empty() || has_objects) {
            self.para_no += 1;
        }
        self.snippet = snippet_of(&text);
        if !self.snippet.is_empty() && counted {
            self.last_snippet = self.snippet.clone();
        }

        let mut extras = Extras::default();
        let mut inlines = Vec::new();
        // A field may run over several paragraphs (a table of contents):
        // what it shows here starts here.
        for f in &mut self.fields {
            f.start = 0;
        }
        self.inlines(p, &mut inlines, &mut extras);
        tidy(&mut inlines);

        let num = num_of(ppr)
            .or_else(|| self.styles.num(style))
            .filter(|(id, _)| id != "0");
        let numbered = num.as_ref().and_then(|(id, ilvl)| {
            let ilvl = ilvl.unwrap_or(0).min(8);
            let level = self.numbering.level(id, ilvl, &self.styles)?;
            if level.format == "none" {
                return None;
            }
            let counter = self.counters.entry(id.clone()).or_insert([None; 9]);
            let n = counter[ilvl].map_or(level.start, |n| n + 1);
            counter[ilvl] = Some(n);
            for c in counter.iter_mut().skip(ilvl + 1) {
                *c = None;
            }
            // %1, %2 … of the label (heading numbers such as 一、 or 1.2).
            let counter = *counter;
            let mut label = level.text.clone();
            for (k, c) in counter.iter().enumerate().take(ilvl + 1) {
                let fmt = self
                    .numbering
                    .level(id, k, &self.styles)
                    .map(|l| l.format)
                    .unwrap_or_default();
                label = label.replace(&format!("%{}", k + 1), &format_number(c.unwrap_or(1), &fmt));
            }
            Some((ilvl, n, level.format, label))
        });

        let has_text = !super::model::plain(&inlines).trim().is_empty()
            || inlines.iter().any(|i| matches!(i, Inline::Note(_)));
        if has_text {
            let outline = outline_of(ppr)
                .map(|l| (l < 9).then_some(l))
                .unwrap_or_else(|| self.styles.outline(style));
            if self.styles.is_title(style) && !self.in_note && self.table_depth == 0 {
                out.push(Block::Heading {
                    level: 0,
                    title: true,
                    inlines,
                });
            } else if let (Some(level), false) = (outline, self.in_note) {
                if let Some((_, _, format, label)) = &numbered {
                    if format != "bullet" && !label.trim().is_empty() {
                        inlines.insert(0, Inline::Text(label.clone(), Style::default()));
                        if !label.ends_with(['、', '.', '．', ' ', '）', ')']) {
                            inlines.insert(1, Inline::Text(" ".into(), Style::default()));
                        }
                    }
                }
                out.push(Block::Heading {
                    level,
                    title: false,
                    inlines,
                });
            } else if let Some((ilvl, n, format, _)) = numbered {
                out.push(Block::Item {
                    ordered: format != "bullet",
                    level: ilvl,
                    number: n,
                    inlines,
                });
            } else {
                out.push(Block::Para {
                    inlines,
                    caption: self.styles.is_caption(style),
                });
            }
        }
        for (index, caption) in extras.pictures {
            out.push(Block::Picture { index, caption });
        }
        out.extend(extras.after);
    }

    fn inlines(&mut self, el: &Element, out: &mut Vec<Inline>, extras: &mut Extras) {
        for c in el.elements() {
            match c.name.as_str() {
                "w:r" => self.run(c, out, extras),
                "w:hyperlink" => {
                    let url = c
                        .attr("r:id")
                        .and_then(|id| self.rels.get(id))
                        .filter(|r| r.external)
                        .map(|r| r.target.clone());
                    let mut inner = Vec::new();
                    self.inlines(c, &mut inner, extras);
                    self.link(url, inner, out);
                }
                "w:fldSimple" => {
                    let url = c.attr("w:instr").and_then(hyperlink_field);
                    let mut inner = Vec::new();
                    self.inlines(c, &mut inner, extras);
                    self.link(url, inner, out);
                }
                "w:ins" | "w:moveTo" => {
                    self.revision();
                    self.inlines(c, out, extras);
                }
                "w:del" | "w:moveFrom" => self.revision(),
                "w:smartTag" | "w:customXml" | "w:dir" | "w:bdo" => self.inlines(c, out, extras),
                "w:sdt" => {
                    if let Some(content) = c.child("w:sdtContent") {
                        self.inlines(content, out, extras);
                    }
                }
                "mc:AlternateContent" => {
                    if let Some(alt) = alternative(c) {
                        self.inlines(alt, out, extras);
                    }
                }
                "m:oMath" | "m:oMathPara" => self.equation(),
                "w:commentRangeStart" => self.comment(c),
                _ => {}
            }
        }
    }

    /// `inner` as a link to `url` when it is one a web page can have.
    fn link(&mut self, url: Option<String>, inner: Vec<Inline>, out: &mut Vec<Inline>) {
        match url {
            Some(url) if is_web_link(&url) && !inner.is_empty() => {
                out.push(Inline::Link(url.trim().to_string(), inner))
            }
            Some(url) if !is_web_link(&url) && !inner.is_empty() => {
                let place = self.place();
                self.warn(
                    format!("{place}的链接指向 “{url}”，不是网址，只导入了文字"),
                    Some("链接到本机文件的，请把文件放进报道文件夹，在 index.md 里写成 [文字](文件名)"),
                );
                out.extend(inner);
            }
            _ => out.extend(inner),
        }
    }

    fn run(&mut self, r: &Element, out: &mut Vec<Inline>, extras: &mut Extras) {
        let rpr = r.child("w:rPr");
        if toggle(rpr, "w:vanish") == Some(true) || toggle(rpr, "w:webHidden") == Some(true) {
            return;
        }
        let (sb, si, ss) = self
            .styles
            .run_style(rpr.and_then(|x| x.child_val("w:rStyle")));
        let style = Style {
            bold: toggle(rpr, "w:b").or(sb).unwrap_or(false),
            italic: toggle(rpr, "w:i").or(si).unwrap_or(false),
            strike: toggle(rpr, "w:strike")
                .or(toggle(rpr, "w:dstrike"))
                .or(ss)
                .unwrap_or(false),
        };
        self.run_content(r, style, out, extras);
    }

    fn run_content(
        &mut self,
        r: &Element,
        style: Style,
        out: &mut Vec<Inline>,
        extras: &mut Extras,
    ) {
        // Between a field's begin and separate the runs are its code; a
        // table of contents shows page numbers a web page has not.
        let in_code = |fields: &[Field]| {
            fields
                .iter()
                .any(|f| !f.shown || f.instr.trim_start().starts_with("TOC"))
        };
        for c in r.elements() {
            match c.name.as_str() {
                "w:fldChar" => match c.attr("w:fldCharType") {
                    Some("begin") => self.fields.push(Field {
                        instr: String::new(),
                        shown: false,
                        start: out.len(),
                    }),
                    Some("separate") => {
                        if let Some(f) = self.fields.last_mut() {
                            f.shown = true;
                            f.start = out.len();
                            self.split_next = true;
                            if f.instr.trim_start().starts_with("TOC") {
                                self.toc();
                            }
                        }
                    }
                    Some("end") => {
                        if let Some(f) = self.fields.pop() {
                            if let Some(url) = hyperlink_field(&f.instr) {
                                if f.shown && f.start <= out.len() {
                                    let inner: Vec<Inline> = out.drain(f.start..).collect();
                                    self.link(Some(url), inner, out);
                                }
                            }
                        }
                    }
                    _ => {}
                },
                "w:instrText" => {
                    if let Some(f) = self.fields.last_mut() {
                        f.instr.push_str(&c.text());
                    }
                }
                _ if in_code(&self.fields) => {}
                "w:t" => self.text(out, &c.text(), style),
                "w:tab" | "w:ptab" => self.text(out, " ", style),
                "w:noBreakHyphen" => self.text(out, "-", style),
                // Page and column breaks are the paper's, not the text's.
                "w:br" | "w:cr" if !matches!(c.attr("w:type"), Some("page" | "column")) => {
                    out.push(Inline::Break)
                }
                "w:drawing" => self.drawing(c, extras),
                "w:pict" => self.vml(c, extras),
                "w:object" => {
                    let place = self.place();
                    self.warn(
                        format!(
                            "{place}有嵌入的对象（如 Excel 表格、Visio 图或旧式公式），无法导入"
                        ),
                        Some("需要的话，请在 Word 中把它复制后“选择性粘贴”为图片，另存后再导入"),
                    );
                }
                "w:footnoteReference" => self.note_ref(false, c, out),
                "w:endnoteReference" => self.note_ref(true, c, out),
                "w:commentReference" => self.comment(c),
                "mc:AlternateContent" => {
                    if let Some(alt) = alternative(c) {
                        self.run_content(alt, style, out, extras);
                    }
                }
                "w:ruby" => {
                    if let Some(base) = c.child("w:rubyBase") {
                        self.inlines(base, out, extras);
                    }
                }
                _ => {}
            }
        }
    }

    fn text(&mut self, out: &mut Vec<Inline>, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        if std::mem::take(&mut self.split_next) {
            out.push(Inline::Text(String::new(), style));
        }
        push_text(out, text, style);
    }

    fn note_ref(&mut self, endnote: bool, c: &Element, out: &mut Vec<Inline>) {
        let Some(id) = c.attr("w:id") else { return };
        if self.in_note {
            return;
        }
        let key = (endnote, id.to_string());
        if let Some(&n) = self.note_of_id.get(&key) {
            out.push(Inline::Note(n));
            return;
        }
        let el = if endnote {
            self.endnotes.remove(id)
        } else {
            self.footnotes.remove(id)
        };
        let Some(el) = el else { return };
        let n = self.notes.len();
        self.notes.push(Vec::new());
        self.note_of_id.insert(key, n);
        self.in_note = true;
        let mut blocks = Vec::new();
        self.blocks(&el, &mut blocks);
        self.in_note = false;
        let mut text = Vec::new();
        for b in blocks {
            match b {
                Block::Picture { .. } => self.warn(
                    format!("第 {} 个脚注里有图片，没有导入", n + 1),
                    Some("脚注里只能有文字；需要的话，把图片移到正文"),
                ),
                Block::Table { .. } => {
                    push_text(&mut text, &b.text(), Style::default());
                }
                Block::Heading { inlines, .. }
                | Block::Para { inlines, .. }
                | Block::Item { inlines, .. } => {
                    if !text.is_empty() {
                        push_text(&mut text, " ", Style::default());
                    }
                    text.extend(inlines);
                }
            }
        }
        tidy(&mut text);
        self.notes[n] = text;
        out.push(Inline::Note(n));
    }

    fn drawing(&mut self, d: &Element, extras: &mut Extras) {
        let descr = d.find("wp:docPr").and_then(|p| {
            p.attr("descr")
                .and_then(useful_alt)
                .or_else(|| p.attr("title").and_then(useful_alt))
        });
        let mut blips = Vec::new();
        find_outside_text_boxes(d, "a:blip", &mut blips);
        let mut boxes = Vec::new();
        find_outside_text_boxes(d, "w:txbxContent", &mut boxes);
        if let Some(tb) = d.find("w:txbxContent") {
            if boxes.is_empty() {
                boxes.push(tb);
            }
        }
        for b in &blips {
            match (b.attr("r:embed"), b.attr("r:link")) {
                (Some(id), _) => self.picture(id, descr.clone(), extras),
                (None, Some(_)) => self.linked_picture(),
                _ => {}
            }
        }
        for tb in &boxes {
            self.text_box(tb, extras);
        }
        if blips.is_empty() && boxes.is_empty() {
            let uri = d
                .find("a:graphicData")
                .and_then(|g| g.attr("uri"))
                .unwrap_or("");
            let what = if uri.contains("chart") {
                "图表"
            } else if uri.contains("diagram") {
                "SmartArt 图形"
            } else {
                "图形（形状、箭头、艺术字等）"
            };
            let place = self.place();
            self.warn(
                format!("{place}有{what}，无法导入"),
                Some("需要的话，请在 Word 中把它复制后“选择性粘贴”为图片（PNG），另存后再导入"),
            );
        }
    }

    /// A VML picture (`w:pict`: WPS, and Word's older files).
    fn vml(&mut self, pict: &Element, extras: &mut Extras) {
        let mut images = Vec::new();
        find_outside_text_boxes(pict, "v:imagedata", &mut images);
        let descr = pict
            .elements()
            .find_map(|s| s.attr("alt"))
            .and_then(useful_alt);
        for img in &images {
            match img.attr("r:id").or_else(|| img.attr("o:relid")) {
                Some(id) => self.picture(id, descr.clone(), extras),
                None => self.linked_picture(),
            }
        }
        let mut boxes = Vec::new();
        find_outside_text_boxes(pict, "w:txbxContent", &mut boxes);
        for tb in &boxes {
            self.text_box(tb, extras);
        }
        let horizontal_rule = pict
            .elements()
            .any(|s| s.attr("o:hr").is_some_and(|v| v == "t" || v == "true"));
        if images.is_empty() && boxes.is_empty() && !horizontal_rule {
            let place = self.place();
            self.warn(
                format!("{place}有图形（形状、箭头、艺术字等），无法导入"),
                Some("需要的话，请在 Word 中把它复制后“选择性粘贴”为图片（PNG），另存后再导入"),
            );
        }
    }

    fn text_box(&mut self, tb: &Element, extras: &mut Extras) {
        let place = self.place();
        self.warn(
            format!("{place}有文本框：框里的文字已作为普通段落放在这一段后面，边框和位置没有保留"),
            Some("请在 index.md 里核对这几段的位置"),
        );
        let mut blocks = Vec::new();
        let snippet = self.snippet.clone();
        self.in_box += 1;
        self.blocks(tb, &mut blocks);
        self.in_box -= 1;
        self.snippet = snippet;
        extras.after.extend(blocks);
    }

    fn linked_picture(&mut self) {
        let place = self.place();
        self.warn(
            format!("{place}的图片是链接到外部文件的，没有嵌入文档，无法导入"),
            Some("请在 Word 中把图片插入文档（不要选“链接到文件”），另存后再导入；或把照片放进报道文件夹，在 index.md 里写 ![说明](文件名.jpg)"),
        );
    }

    fn picture(&mut self, rel_id: &str, descr: Option<String>, extras: &mut Extras) {
        if self.in_note {
            // (Named in note_ref's warning.)
            extras.pictures.push((usize::MAX, None));
            return;
        }
        let Some(rel) = self.rels.get(rel_id).cloned() else {
            let place = self.place();
            self.warn(
                format!("{place}的图片在文档中找不到（文件可能不完整），没有导入"),
                None,
            );
            return;
        };
        if rel.external {
            self.linked_picture();
            return;
        }
        if let Some(&i) = self.picture_of_part.get(&rel.target) {
            extras.pictures.push((i, descr));
            return;
        }
        let bytes = match self.pkg.read(&rel.target, MAX_PICTURE) {
            Ok(Some(b)) => b,
            Ok(None) => {
                let place = self.place();
                self.warn(
                    format!(
                        "{place}的图片 {} 在文档中找不到（文件可能不完整），没有导入",
                        rel.target
                    ),
                    None,
                );
                return;
            }
            Err(p) => {
                self.fail(p);
                return;
            }
        };
        let place = self.place();
        let hint_convert = "请在 Word 中右键这张图片，“另存为图片”存成 JPG 或 PNG，放进报道文件夹，再在 index.md 里写一行 ![说明](文件名.jpg)";
        let ext = match picture_kind(&bytes) {
            k @ ("jpg" | "png" | "gif" | "webp") => k,
            k @ ("emf" | "wmf") => {
                self.warn(
                    format!(
                        "{place}的图片是 {} 矢量格式，网页无法显示，没有导入",
                        k.to_uppercase()
                    ),
                    Some(hint_convert),
                );
                return;
            }
            k @ ("bmp" | "tiff") => {
                self.warn(
                    format!(
                        "{place}的图片是 {} 格式，网页不宜直接显示，没有导入",
                        k.to_uppercase()
                    ),
                    Some(hint_convert),
                );
                return;
            }
            "svg" => {
                self.warn(
                    format!("{place}的图片是 SVG 格式，为安全起见没有导入"),
                    Some(hint_convert),
                );
                return;
            }
            _ => {
                self.warn(
                    format!("{place}的图片 {} 格式无法识别，没有导入", rel.target),
                    Some(hint_convert),
                );
                return;
            }
        };
        let i = self.pictures.len();
        self.pictures.push(Picture { bytes, ext });
        self.picture_of_part.insert(rel.target, i);
        extras.pictures.push((i, descr));
    }

    fn table(&mut self, tbl: &Element, out: &mut Vec<Block>) {
        if self.table_depth == 0 && !self.in_note {
            self.table_no += 1;
        }
        self.table_depth += 1;
        let nested = self.table_depth > 1;
        // Each cell's blocks, with how many grid columns it spans and
        // whether it continues a vertical merge.
        let mut rows: Vec<Vec<(Vec<Block>, usize, bool)>> = Vec::new();
        let mut tr_list = Vec::new();
        collect_rows(tbl, &mut tr_list);
        for tr in tr_list {
            let mut row = Vec::new();
            let before = tr
                .child("w:trPr")
                .and_then(|p| p.child_val("w:gridBefore"))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0)
                .min(64);
            for _ in 0..before {
                row.push((Vec::new(), 1, false));
            }
            let mut tcs = Vec::new();
            collect_cells(tr, &mut tcs);
            for tc in tcs {
                let pr = tc.child("w:tcPr");
                let span = pr
                    .and_then(|p| p.child_val("w:gridSpan"))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, 64);
                let merge = pr.and_then(|p| p.child("w:vMerge"));
                let continues =
                    merge.is_some_and(|m| m.attr("w:val").is_none_or(|v| v == "continue"));
                // Old-style horizontal merge (hMerge) continues likewise.
                let h_continues = pr
                    .and_then(|p| p.child("w:hMerge"))
                    .is_some_and(|m| m.attr("w:val").is_none_or(|v| v == "continue"));
                let mut blocks = Vec::new();
                self.blocks(tc, &mut blocks);
                row.push((blocks, span, continues || h_continues));
            }
            rows.push(row);
        }
        self.table_depth -= 1;
        if rows.is_empty() {
            return;
        }
        // A one-cell table is a frame around text: its paragraphs as they are.
        if rows.len() == 1 && rows[0].len() == 1 && rows[0][0].1 == 1 {
            let (blocks, _, _) = rows.pop().and_then(|mut r| r.pop()).unwrap_or_default();
            out.extend(blocks);
            return;
        }
        let mut merged = false;
        let mut moved = Vec::new();
        let mut grid: Vec<Vec<Vec<Inline>>> = Vec::new();
        for row in rows {
            let mut cells = Vec::new();
            for (blocks, span, continues) in row {
                let mut inl = Vec::new();
                for b in blocks {
                    match b {
                        Block::Picture { .. } => moved.push(b),
                        Block::Table { .. } => {
                            push_joined(&mut inl, vec![Inline::Text(b.text(), Style::default())])
                        }
                        Block::Heading { inlines, .. }
                        | Block::Para { inlines, .. }
                        | Block::Item { inlines, .. } => push_joined(&mut inl, inlines),
                    }
                }
                if continues {
                    merged = true;
                    inl.clear();
                }
                cells.push(inl);
                for _ in 1..span {
                    merged = true;
                    cells.push(Vec::new());
                }
            }
            grid.push(cells);
        }
        let width = grid.iter().map(Vec::len).max().unwrap_or(0);
        for row in &mut grid {
            row.resize(width, Vec::new());
        }
        let n = self.table_no;
        if nested {
            self.warn(
                format!("第 {n} 个表格里套着表格，里面的表格已展开为文字"),
                Some("请在 index.md 里核对这个表格"),
            );
            let text: Vec<String> = grid
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| super::model::plain(c))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            out.push(Block::Para {
                inlines: vec![Inline::Text(text.join(" "), Style::default())],
                caption: false,
            });
            out.extend(moved);
            return;
        }
        if merged {
            self.warn(
                format!("第 {n} 个表格有合并的单元格，网页表格不能合并，已拆开（内容放在合并前的第一格）"),
                Some("请在 index.md 里核对这个表格"),
            );
        }
        if !moved.is_empty() {
            self.warn(
                format!("第 {n} 个表格里的 {} 张图片已移到表格下方", moved.len()),
                None,
            );
        }
        out.push(Block::Table { rows: grid });
        out.extend(moved);
    }

    fn toc(&mut self) {
        self.warn(
            "文档里的目录没有导入（网页上的报道不需要目录）".into(),
            None,
        );
    }

    fn revision(&mut self) {
        let place = self.place();
        self.revisions.push(place);
    }

    fn comment(&mut self, c: &Element) {
        let id = c.attr("w:id").unwrap_or("").to_string();
        if self.comments.insert(id) {
            let place = self.place();
            self.comment_places.push(place);
        }
    }

    fn equation(&mut self) {
        let place = self.place();
        self.warn(
            format!("{place}有公式，无法导入（已略去）"),
            Some("需要的话，请在 index.md 里用文字写出，或把公式截图作为照片放进报道文件夹"),
        );
    }

    /// The warnings that sum up what occurs many times.
    fn summarise(&mut self) {
        let list = |places: &[String]| {
            let mut seen: Vec<&str> = Vec::new();
            for p in places {
                if !seen.contains(&p.as_str()) {
                    seen.push(p);
                }
            }
            let more = if seen.len() > 3 { "等" } else { "" };
            format!(
                "{}{more}",
                seen.into_iter().take(3).collect::<Vec<_>>().join("、")
            )
        };
        if !self.revisions.is_empty() {
            let places = list(&self.revisions);
            self.warn(
                format!(
                    "文档中有 {} 处修订痕迹（{places}）：已按“接受修订”导入，即保留插入的文字、去掉删除的文字",
                    self.revisions.len()
                ),
                Some("请核对这些地方；以后可先在 Word 或 WPS 的“审阅”里“接受所有修订”再导入"),
            );
        }
        if !self.comment_places.is_empty() {
            let places = list(&self.comment_places);
            self.warn(
                format!(
                    "文档中有 {} 条批注（{places}），批注不会导入",
                    self.comment_places.len()
                ),
                Some("批注只在 Word 里看得到，网页上不会出现；需要的内容请写进正文"),
            );
        }
    }
}

fn collect_rows<'e>(e: &'e Element, out: &mut Vec<&'e Element>) {
    for c in e.elements() {
        match c.name.as_str() {
            "w:tr" => out.push(c),
            "w:sdt" | "w:sdtContent" | "w:customXml" | "w:ins" => collect_rows(c, out),
            _ => {}
        }
    }
}

fn collect_cells<'e>(e: &'e Element, out: &mut Vec<&'e Element>) {
    for c in e.elements() {
        match c.name.as_str() {
            "w:tc" => out.push(c),
            "w:sdt" | "w:sdtContent" | "w:customXml" => collect_cells(c, out),
            _ => {}
        }
    }
}

/// `inlines` appended to a table cell's, a space between paragraphs.
fn push_joined(cell: &mut Vec<Inline>, mut inlines: Vec<Inline>) {
    tidy(&mut inlines);
    if inlines.is_empty() {
        return;
    }
    if !cell.is_empty() {
        cell.push(Inline::Text(" ".into(), Style::default()));
    }
    cell.extend(inlines);
}

/// Text appended to the inlines, joined to the last text of the same style.
fn push_text(out: &mut Vec<Inline>, text: &str, style: Style) {
    if text.is_empty() {
        return;
    }
    // Control characters no page may hold (pasted text brings them).
    let text: String = text
        .chars()
        .map(|c| {
            if matches!(c, '\r' | '\n' | '\t') {
                ' '
            } else {
                c
            }
        })
        .filter(|c| !crate::text::is_unsafe_char(*c))
        .collect();
    if let Some(Inline::Text(last, s)) = out.last_mut() {
        if *s == style {
            last.push_str(&text);
            return;
        }
    }
    out.push(Inline::Text(text, style));
}

/// A paragraph's inlines without the whitespace at its ends and around
/// its line breaks (full-width indents included), adjacent text of one
/// style joined.
pub(crate) fn tidy(inlines: &mut Vec<Inline>) {
    let blank = |i: &Inline| matches!(i, Inline::Text(t, _) if t.trim().is_empty());
    // Merge neighbours of one style (fields and revisions split runs).
    let mut merged: Vec<Inline> = Vec::with_capacity(inlines.len());
    for i in inlines.drain(..) {
        match (merged.last_mut(), i) {
            (Some(Inline::Text(a, sa)), Inline::Text(b, sb)) if *sa == sb => a.push_str(&b),
            (_, i) => merged.push(i),
        }
    }
    *inlines = merged;
    while inlines
        .first()
        .is_some_and(|i| blank(i) || matches!(i, Inline::Break))
    {
        inlines.remove(0);
    }
    while inlines
        .last()
        .is_some_and(|i| blank(i) || matches!(i, Inline::Break))
    {
        inlines.pop();
    }
    let n = inlines.len();
    for k in 0..n {
        let after_break = k == 0 || matches!(inlines[k - 1], Inline::Break);
        let before_break = k + 1 == n || matches!(inlines[k + 1], Inline::Break);
        if let Inline::Text(t, _) = &mut inlines[k] {
            if after_break {
                *t = t.trim_start().to_string();
            }
            if before_break {
                *t = t.trim_end().to_string();
            }
        }
    }
    inlines.retain(|i| !matches!(i, Inline::Text(t, _) if t.is_empty()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_told_by_their_bytes() {
        let mut emf = vec![1, 0, 0, 0];
        emf.resize(40, 0);
        emf.extend_from_slice(b" EMF0000");
        for (bytes, kind) in [
            (&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0][..], "jpg"),
            (b"\x89PNG\r\n\x1a\n0000", "png"),
            (b"GIF89a000", "gif"),
            (b"RIFF0000WEBPVP8 ", "webp"),
            (b"BM0000000000000", "bmp"),
            (b"II*\x000000000", "tiff"),
            (b"MM\x00*0000000", "tiff"),
            (&emf[..], "emf"),
            (&[0xD7, 0xCD, 0xC6, 0x9A, 0, 0][..], "wmf"),
            (b"<?xml version=\"1.0\"?><svg xmlns=\"x\"/>", "svg"),
            (b"plain text", "?"),
        ] {
            assert_eq!(picture_kind(bytes), kind, "{bytes:?}");
        }
    }

    #[test]
    fn field_and_link_helpers() {
        assert_eq!(
            hyperlink_field(r#" HYPERLINK "http://www.wenming.cn/" \o "提示""#).as_deref(),
            Some("http://www.wenming.cn/")
        );
        assert_eq!(hyperlink_field(r#"HYPERLINK \l "_Toc1""#), None);
        assert_eq!(hyperlink_field("PAGE"), None);
        assert_eq!(useful_alt("图片 1"), None);
        assert_eq!(useful_alt("IMG_2041.JPG"), None);
        assert_eq!(useful_alt("  志愿者合影  "), Some("志愿者合影".into()));
        assert_eq!(
            useful_alt("一群人站在一起 描述已自动生成"),
            Some("一群人站在一起".into())
        );
    }

    #[test]
    fn tidy_trims_paragraph_ends_and_joins_runs() {
        let s = Style::default();
        let b = Style { bold: true, ..s };
        let mut v = vec![
            Inline::Text("\u{3000}\u{3000}十月".into(), s),
            Inline::Text("十五日 ".into(), s),
            Inline::Break,
            Inline::Text("  下午".into(), b),
            Inline::Text("  ".into(), s),
        ];
        tidy(&mut v);
        assert_eq!(
            v,
            vec![
                Inline::Text("十月十五日".into(), s),
                Inline::Break,
                Inline::Text("下午".into(), b)
            ]
        );
    }

    const NS: &str = concat!(
        r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
        r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" "#,
        r#"xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" "#,
        r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" "#,
        r#"xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" "#,
        r#"xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" "#,
        r#"xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" "#,
        r#"xmlns:v="urn:schemas-microsoft-com:vml""#
    );

    /// A .docx whose body is `body`, with `rels` (Relationship elements)
    /// and other `parts`.
    fn docx(body: &str, rels: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        let document = format!("<w:document {NS}><w:body>{body}</w:body></w:document>");
        let rels = format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
        );
        let mut all: Vec<(&str, &[u8])> = vec![
            ("word/document.xml", document.as_bytes()),
            ("word/_rels/document.xml.rels", rels.as_bytes()),
        ];
        all.extend_from_slice(parts);
        for (name, bytes) in all {
            w.start_file(name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn p(runs: &str) -> String {
        format!("<w:p>{runs}</w:p>")
    }

    fn r(text: &str) -> String {
        format!("<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r>")
    }

    const LINK: &str =
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink";
    const IMAGE: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";

    fn texts(doc: &Document) -> Vec<String> {
        doc.blocks.iter().map(|b| b.text()).collect()
    }

    #[test]
    fn fields_links_hidden_text_and_breaks() {
        let body = [
            p(&format!(
                "{}<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>\
                 <w:r><w:instrText> HYPERLINK \"https://www.hnwmw.gov.cn/\" </w:instrText></w:r>\
                 <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>{}\
                 <w:r><w:fldChar w:fldCharType=\"end\"/></w:r>{}",
                r("见"),
                r("湖南文明网"),
                r("。")
            )),
            p(&format!(
                "<w:fldSimple w:instr=\"HYPERLINK &quot;http://a.cn/&quot;\">{}</w:fldSimple>\
                 <w:hyperlink r:id=\"rL\">{}</w:hyperlink>\
                 <w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>\
                 <w:r><w:br/><w:t>第二行</w:t><w:br w:type=\"page\"/></w:r>\
                 <w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>\
                 <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>{}<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>",
                r("甲"),
                r("本机文件"),
                r("3")
            )),
        ]
        .concat();
        let rels = format!(
            r#"<Relationship Id="rL" Type="{LINK}" Target="file:///C:/a.doc" TargetMode="External"/>"#
        );
        let doc = read(&docx(&body, &rels, &[]), "docx").unwrap();
        let Block::Para { inlines, .. } = &doc.blocks[0] else {
            panic!("{:?}", doc.blocks)
        };
        assert_eq!(
            inlines,
            &vec![
                Inline::Text("见".into(), Style::default()),
                Inline::Link(
                    "https://www.hnwmw.gov.cn/".into(),
                    vec![Inline::Text("湖南文明网".into(), Style::default())]
                ),
                Inline::Text("。".into(), Style::default()),
            ]
        );
        let Block::Para { inlines, .. } = &doc.blocks[1] else {
            panic!()
        };
        assert!(matches!(&inlines[0], Inline::Link(u, _) if u == "http://a.cn/"));
        assert_eq!(super::super::model::plain(inlines), "甲本机文件 第二行3");
        assert!(inlines.contains(&Inline::Break));
        assert!(
            doc.warnings[0]
                .message
                .contains("第 2 段（“甲本机文件第二行3”）的链接指向 “file:///C:/a.doc”"),
            "{:?}",
            doc.warnings
        );
    }

    #[test]
    fn what_cannot_be_carried_over_is_located() {
        let text_box = format!(
            "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor>\
             <a:graphic><a:graphicData uri=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\">\
             <wps:wsp><wps:txbx><w:txbxContent>{}</w:txbxContent></wps:txbx></wps:wsp>\
             </a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>\
             <mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>\
             </mc:AlternateContent></w:r>",
            p(&r("框里的话")),
            p(&r("框里的话"))
        );
        let shape = "<w:r><w:drawing><wp:inline><a:graphic><a:graphicData uri=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\">\
                     <wps:wsp/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>";
        let emf = "<w:r><w:drawing><wp:inline><wp:docPr id=\"1\" name=\"图片 1\"/><a:graphic><a:graphicData>\
                   <a:blip r:embed=\"rE\"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>";
        let body = [
            p(&format!("{}{text_box}", r("开头一段"))),
            p(&format!("{}{shape}", r("有个箭头"))),
            p(&format!("{}<m:oMath><m:r><m:t>x</m:t></m:r></m:oMath>", r("公式如下"))),
            p(emf),
            p(&format!("<w:ins w:id=\"1\">{}</w:ins><w:del w:id=\"2\"><w:r><w:delText>旧</w:delText></w:r></w:del>", r("新"))),
        ]
        .concat();
        let mut emf_bytes = vec![1u8, 0, 0, 0];
        emf_bytes.resize(40, 0);
        emf_bytes.extend(b" EMF0000");
        let rels = format!(r#"<Relationship Id="rE" Type="{IMAGE}" Target="media/image1.emf"/>"#);
        let doc = read(
            &docx(&body, &rels, &[("word/media/image1.emf", &emf_bytes)]),
            "docx",
        )
        .unwrap();
        assert_eq!(
            texts(&doc),
            vec!["开头一段", "框里的话", "有个箭头", "公式如下", "新"]
        );
        assert!(doc.pictures.is_empty());
        let messages: Vec<&str> = doc.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "第 1 段（“开头一段”）有文本框：框里的文字已作为普通段落放在这一段后面，边框和位置没有保留",
                "第 2 段（“有个箭头”）有图形（形状、箭头、艺术字等），无法导入",
                "第 3 段（“公式如下”）有公式，无法导入（已略去）",
                "第 4 段（“公式如下”之后）的图片是 EMF 矢量格式，网页无法显示，没有导入",
                "文档中有 2 处修订痕迹（第 5 段（“新”））：已按“接受修订”导入，即保留插入的文字、去掉删除的文字",
            ]
        );
    }

    #[test]
    fn vml_pictures_as_wps_and_old_word_write_them() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0];
        let body = [
            p(&format!(
                "{}<w:r><w:pict><v:shape id=\"i1\" alt=\"老同志合影\"><v:imagedata r:id=\"rV\" o:title=\"\"/></v:shape></w:pict></w:r>",
                r("合影：")
            )),
            // The same picture again, and a horizontal rule (no warning).
            p("<w:r><w:pict><v:shape><v:imagedata r:id=\"rV\"/></v:shape></w:pict></w:r>\
               <w:r><w:pict><v:rect o:hr=\"t\"/></w:pict></w:r>"),
        ]
        .concat()
        .replace("<w:pict>", "<w:pict xmlns:o=\"urn:schemas-microsoft-com:office:office\">");
        let rels = format!(r#"<Relationship Id="rV" Type="{IMAGE}" Target="media/image9.jpeg"/>"#);
        let doc = read(
            &docx(&body, &rels, &[("word/media/image9.jpeg", &jpeg)]),
            "docx",
        )
        .unwrap();
        assert_eq!(doc.pictures.len(), 1);
        assert_eq!(doc.pictures[0].ext, "jpg");
        assert_eq!(
            doc.blocks[1..],
            [
                Block::Picture {
                    index: 0,
                    caption: Some("老同志合影".into())
                },
                Block::Picture {
                    index: 0,
                    caption: None
                },
            ]
        );
        assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    }

    #[test]
    fn a_table_of_contents_is_left_out() {
        let field = |instr: &str, shown: &str| {
            format!(
                "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>{instr}</w:instrText></w:r>\
                 <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>{shown}"
            )
        };
        let end = "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>";
        let body = [
            p(&format!("{}{}", field("TOC \\o \"1-3\"", &r("一、活动安排 1")), "")),
            p(&format!("{}{end}", r("二、工作成效 2"))),
            p(&r("正文开始")),
            format!(
                "<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val=\"Table of Contents\"/></w:docPartObj></w:sdtPr>\
                 <w:sdtContent>{}</w:sdtContent></w:sdt>",
                p(&r("目录"))
            ),
            p(&format!("{}{}{end}", r("第"), field("PAGE", &r("3")))),
        ]
        .concat();
        let doc = read(&docx(&body, "", &[]), "docx").unwrap();
        assert_eq!(texts(&doc), vec!["正文开始", "第3"]);
        assert_eq!(
            doc.warnings,
            vec![Note {
                message: "文档里的目录没有导入（网页上的报道不需要目录）".into(),
                hint: None
            }]
        );
    }

    #[test]
    fn tables_merged_nested_and_framing() {
        let cell = |t: &str, pr: &str| format!("<w:tc><w:tcPr>{pr}</w:tcPr>{}</w:tc>", p(&r(t)));
        let tr = |cells: &[String]| format!("<w:tr>{}</w:tr>", cells.concat());
        let png = b"\x89PNG\r\n\x1a\n0000";
        let pic = "<w:p><w:r><w:drawing><wp:inline><wp:docPr id=\"1\" name=\"x\" descr=\"合影\"/><a:graphic><a:graphicData>\
                   <a:blip r:embed=\"rP\"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>";
        let nested = format!(
            "<w:tbl>{}{}</w:tbl>",
            tr(&[cell("内1", ""), cell("内2", "")]),
            tr(&[cell("内3", ""), cell("内4", "")])
        );
        let body = [
            format!(
                "<w:tbl>{}{}{}</w:tbl>",
                tr(&[cell("项目", "<w:gridSpan w:val=\"2\"/>"), cell("人数", "")]),
                tr(&[
                    cell("义诊", "<w:vMerge w:val=\"restart\"/>"),
                    cell("上午", ""),
                    cell("5", "")
                ]),
                tr(&[
                    cell("", "<w:vMerge/>"),
                    cell("下午", ""),
                    format!("<w:tc>{pic}</w:tc>")
                ]),
            ),
            // A frame around a paragraph: its text as it is.
            format!(
                "<w:tbl>{}</w:tbl>",
                tr(&[cell("温馨提示：请带好身份证。", "")])
            ),
            format!(
                "<w:tbl>{}</w:tbl>",
                tr(&[format!("<w:tc>{nested}</w:tc>"), cell("外", "")])
            ),
        ]
        .concat();
        let rels = format!(r#"<Relationship Id="rP" Type="{IMAGE}" Target="media/image1.png"/>"#);
        let doc = read(
            &docx(&body, &rels, &[("word/media/image1.png", png)]),
            "docx",
        )
        .unwrap();
        let Block::Table { rows } = &doc.blocks[0] else {
            panic!("{:?}", doc.blocks)
        };
        let grid: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| super::super::model::plain(c)).collect())
            .collect();
        assert_eq!(
            grid,
            vec![
                vec!["项目", "", "人数"],
                vec!["义诊", "上午", "5"],
                vec!["", "下午", ""],
            ]
        );
        assert_eq!(
            doc.blocks[1],
            Block::Picture {
                index: 0,
                caption: Some("合影".into())
            }
        );
        assert_eq!(texts(&doc)[2], "温馨提示：请带好身份证。");
        assert!(
            matches!(&doc.blocks[3], Block::Table { rows } if super::super::model::plain(&rows[0][0]) == "内1 内2 内3 内4")
        );
        let messages: Vec<&str> = doc.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "第 1 个表格有合并的单元格，网页表格不能合并，已拆开（内容放在合并前的第一格）",
                "第 1 个表格里的 1 张图片已移到表格下方",
                "第 3 个表格里套着表格，里面的表格已展开为文字",
            ]
        );
    }

    #[test]
    fn footnotes_endnotes_and_numbered_headings() {
        let notes = format!(
            "<w:footnotes {NS}><w:footnote w:type=\"separator\" w:id=\"0\"><w:p/></w:footnote>\
             <w:footnote w:id=\"1\"><w:p><w:r><w:footnoteRef/></w:r>{}</w:p><w:p>{}</w:p></w:footnote></w:footnotes>",
            r(" 第一段"),
            r("第二段")
        );
        let endnotes = format!(
            "<w:endnotes {NS}><w:endnote w:id=\"3\">{}</w:endnote></w:endnotes>",
            p(&r("尾注"))
        );
        let styles = format!(
            "<w:styles {NS}><w:style w:type=\"paragraph\" w:styleId=\"h\"><w:name w:val=\"heading 1\"/>\
             <w:pPr><w:numPr><w:numId w:val=\"4\"/></w:numPr></w:pPr></w:style></w:styles>"
        );
        let numbering = format!(
            "<w:numbering {NS}><w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/>\
             <w:numFmt w:val=\"chineseCounting\"/><w:lvlText w:val=\"%1、\"/></w:lvl></w:abstractNum>\
             <w:num w:numId=\"4\"><w:abstractNumId w:val=\"0\"/></w:num></w:numbering>"
        );
        let heading =
            |t: &str| format!("<w:p><w:pPr><w:pStyle w:val=\"h\"/></w:pPr>{}</w:p>", r(t));
        let body = [
            heading("活动安排"),
            p(&format!("{}<w:r><w:footnoteReference w:id=\"1\"/></w:r>{}<w:r><w:endnoteReference w:id=\"3\"/></w:r><w:r><w:footnoteReference w:id=\"1\"/></w:r>", r("正文"), r("续"))),
            heading("工作成效"),
        ]
        .concat();
        let rel = |id: &str, kind: &str, target: &str| {
            format!(
                r#"<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" Target="{target}"/>"#
            )
        };
        let rels = [
            rel("r1", "footnotes", "footnotes.xml"),
            rel("r2", "endnotes", "endnotes.xml"),
            rel("r3", "styles", "styles.xml"),
            rel("r4", "numbering", "numbering.xml"),
        ]
        .concat();
        let doc = read(
            &docx(
                &body,
                &rels,
                &[
                    ("word/footnotes.xml", notes.as_bytes()),
                    ("word/endnotes.xml", endnotes.as_bytes()),
                    ("word/styles.xml", styles.as_bytes()),
                    ("word/numbering.xml", numbering.as_bytes()),
                ],
            ),
            "docx",
        )
        .unwrap();
        assert_eq!(texts(&doc), vec!["一、活动安排", "正文续", "二、工作成效"]);
        assert!(matches!(doc.blocks[0], Block::Heading { level: 0, .. }));
        let Block::Para { inlines, .. } = &doc.blocks[1] else {
            panic!()
        };
        let refs: Vec<usize> = inlines
            .iter()
            .filter_map(|i| match i {
                Inline::Note(n) => Some(*n),
                _ => None,
            })
            .collect();
        assert_eq!(refs, vec![0, 1, 0], "one footnote cited twice, one endnote");
        let notes: Vec<String> = doc
            .notes
            .iter()
            .map(|n| super::super::model::plain(n))
            .collect();
        assert_eq!(notes, vec!["第一段 第二段", "尾注"]);
    }
}
