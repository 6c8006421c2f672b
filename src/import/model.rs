//! What the reader makes of a .docx and the writer turns into Markdown: a
//! plain document of blocks, with the passes that need the whole of it
//! (the title, picture captions, heading levels).

/// A Word document as far as a report can carry it.
#[derive(Debug, Default)]
pub(crate) struct Document {
    /// `dc:title` of docProps/core.xml, when it looks like a real title.
    pub core_title: Option<String>,
    /// The year the file was saved (docProps), for a date without its year.
    pub core_year: Option<i32>,
    pub blocks: Vec<Block>,
    /// Footnote and endnote bodies, numbered in the order they are cited.
    pub notes: Vec<Vec<Inline>>,
    /// Embedded pictures, each once, in the order first shown.
    pub pictures: Vec<Picture>,
    /// What could not be carried over, already located in words.
    pub warnings: Vec<Note>,
}

/// A warning of the reader: message and, when known, what to do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Note {
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Picture {
    pub bytes: Vec<u8>,
    /// `jpg`, `png`, `gif`, `webp`: from the bytes, not the part's name.
    pub ext: &'static str,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Style {
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Inline {
    Text(String, Style),
    Link(String, Vec<Inline>),
    /// A footnote reference: index into [`Document::notes`].
    Note(usize),
    Break,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// `level` is Word's outline level (0 for 标题 1); `title` when it has
    /// the Title style (标题).
    Heading {
        level: usize,
        title: bool,
        inlines: Vec<Inline>,
    },
    Para {
        inlines: Vec<Inline>,
        /// Caption style (题注): a caption whatever its wording.
        caption: bool,
    },
    Item {
        ordered: bool,
        /// Nesting, Word's ilvl (0 outermost).
        level: usize,
        /// The number Word shows (ordered lists).
        number: u32,
        inlines: Vec<Inline>,
    },
    Table {
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Picture {
        index: usize,
        /// The picture's alt text (docPr descr), then its caption.
        caption: Option<String>,
    },
}

/// Text of inlines without marks (footnote references dropped).
pub(crate) fn plain(inlines: &[Inline]) -> String {
    let mut s = String::new();
    for i in inlines {
        match i {
            Inline::Text(t, _) => s.push_str(t),
            Inline::Link(_, inner) => s.push_str(&plain(inner)),
            Inline::Break => s.push(' '),
            Inline::Note(_) => {}
        }
    }
    s
}

impl Block {
    pub fn text(&self) -> String {
        match self {
            Block::Heading { inlines, .. }
            | Block::Para { inlines, .. }
            | Block::Item { inlines, .. } => plain(inlines),
            Block::Table { rows } => rows
                .iter()
                .flatten()
                .map(|c| plain(c))
                .collect::<Vec<_>>()
                .join(" "),
            Block::Picture { .. } => String::new(),
        }
    }
}

/// Whether `text` reads as a picture caption: `图1 …`, `图为…`, `▲…`,
/// `（图为…）`; not merely text starting with 图 (图书馆…).
pub(crate) fn caption_text(text: &str) -> Option<String> {
    let t = text.trim();
    let t = t
        .strip_prefix(['（', '('])
        .and_then(|r| r.strip_suffix(['）', ')']))
        .unwrap_or(t)
        .trim();
    if let Some(rest) = t.strip_prefix(['▲', '△', '↑']) {
        return non_empty(rest);
    }
    let rest = t.strip_prefix('图')?;
    if let Some(after) = rest.strip_prefix('为') {
        return non_empty(after);
    }
    // 图1、图 2：、图一 …, 图1-2.
    let label_end = rest
        .char_indices()
        .find(|(_, c)| {
            !(c.is_ascii_digit()
                || "一二三四五六七八九十０１２３４５６７８９-－.．".contains(*c)
                || *c == ' '
                || *c == '\u{3000}')
        })
        .map_or(rest.len(), |(i, _)| i);
    let label = rest[..label_end].trim();
    if label.is_empty() && !rest.starts_with([':', '：']) {
        return None;
    }
    let after = rest[label_end..].trim_start_matches([':', '：', '、', '.', '．', ' ', '\u{3000}']);
    let after = after.strip_prefix('为').unwrap_or(after);
    non_empty(after)
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches(['。', '.']).trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// A caption paragraph right after a picture becomes that picture's
/// caption (and leaves the body: the photo shows it below itself).
pub(crate) fn attach_captions(blocks: &mut Vec<Block>) {
    let mut i = 0;
    while i + 1 < blocks.len() {
        if let Block::Picture { .. } = blocks[i] {
            let caption = match &blocks[i + 1] {
                Block::Para { inlines, caption } => {
                    let text = plain(inlines);
                    let text = text.trim();
                    match caption_text(text) {
                        Some(c) => Some(c),
                        None if *caption && !text.is_empty() => Some(text.to_string()),
                        None => None,
                    }
                }
                _ => None,
            };
            if let Some(c) = caption {
                if let Block::Picture { caption, .. } = &mut blocks[i] {
                    *caption = Some(c);
                }
                blocks.remove(i + 1);
            }
        }
        i += 1;
    }
}

/// The longest first paragraph taken for a title.
const TITLE_CHARS: usize = 60;

/// The report's title and the warning when it was guessed; the block it
/// came from leaves the body (the page shows the title above it). `None`
/// when the document has no title anywhere.
pub(crate) fn take_title(doc: &mut Document) -> Option<(String, Option<Note>)> {
    let first = doc.blocks.iter().position(|b| !b.text().trim().is_empty());
    let first_text = first.map(|i| squash(&doc.blocks[i].text()));
    // A paragraph in the Title style is what the reader sees as the title.
    if let Some(i) = first {
        if let Block::Heading { title: true, .. } = doc.blocks[i] {
            doc.blocks.remove(i);
            return first_text.map(|t| (t, None));
        }
    }
    if let Some(core) = doc.core_title.clone() {
        let Some((i, t)) = first.zip(first_text) else {
            return Some((core, None));
        };
        if t == squash(&core) {
            doc.blocks.remove(i);
            return Some((core, None));
        }
        // The properties may be a template's: say what else it could be.
        let looks_like_title = match &doc.blocks[i] {
            Block::Heading { .. } => true,
            Block::Para { .. } => t.chars().count() <= TITLE_CHARS,
            _ => false,
        };
        let note = looks_like_title.then(|| Note {
            message: format!("报道标题取自文档属性中的 “{core}”，而文档第一段是 “{t}”"),
            hint: Some(
                "如果第一段才是标题，请把它写到 index.md 的 title 一行，并从正文删去".into(),
            ),
        });
        return Some((core, note));
    }
    let i = first?;
    let text = first_text?;
    let guess = match &doc.blocks[i] {
        Block::Heading { .. } => Some("文档开头的标题"),
        Block::Para { .. } if text.chars().count() <= TITLE_CHARS => Some("文档的第一段"),
        _ => None,
    }?;
    doc.blocks.remove(i);
    let note = Note {
        message: format!("文档没有设置标题，已把{guess} “{text}” 作为报道标题"),
        hint: Some("如不对，请改 index.md 开头的 title 一行".into()),
    };
    Some((text, Some(note)))
}

/// Whitespace runs as one space, ends trimmed (U+3000 included).
pub(crate) fn squash(s: &str) -> String {
    s.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The highest outline level of the headings: it is written `##` (the
/// page title is the only `#`), the others below it.
pub(crate) fn heading_base(blocks: &[Block]) -> usize {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, .. } => Some(*level),
            _ => None,
        })
        .min()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(t: &str) -> Block {
        Block::Para {
            inlines: vec![Inline::Text(t.into(), Style::default())],
            caption: false,
        }
    }

    #[test]
    fn captions_are_recognised_by_their_wording() {
        assert_eq!(
            caption_text("图1 志愿者在社区开展义诊"),
            Some("志愿者在社区开展义诊".into())
        );
        assert_eq!(caption_text("图 2：环境整治"), Some("环境整治".into()));
        assert_eq!(
            caption_text("图为志愿者在路口引导行人。"),
            Some("志愿者在路口引导行人".into())
        );
        assert_eq!(caption_text("（图为活动现场）"), Some("活动现场".into()));
        assert_eq!(caption_text("▲ 合影留念"), Some("合影留念".into()));
        assert_eq!(caption_text("图一、集中学习"), Some("集中学习".into()));
        assert_eq!(caption_text("图书馆开展读书活动"), None);
        assert_eq!(caption_text("图片由机关党委提供"), None);
        assert_eq!(caption_text("志愿者合影"), None);
        assert_eq!(caption_text("图1"), None);
    }

    #[test]
    fn a_caption_after_a_picture_is_taken_into_it() {
        let mut blocks = vec![
            para("正文"),
            Block::Picture {
                index: 0,
                caption: Some("alt".into()),
            },
            para("图1 志愿者合影"),
            Block::Picture {
                index: 1,
                caption: None,
            },
            Block::Para {
                inlines: vec![Inline::Text("居民排队咨询".into(), Style::default())],
                caption: true,
            },
            Block::Picture {
                index: 2,
                caption: None,
            },
            para("活动结束后，大家合影留念。"),
        ];
        attach_captions(&mut blocks);
        assert_eq!(blocks.len(), 5);
        assert!(matches!(&blocks[1], Block::Picture { caption: Some(c), .. } if c == "志愿者合影"));
        assert!(
            matches!(&blocks[2], Block::Picture { caption: Some(c), .. } if c == "居民排队咨询")
        );
        assert!(matches!(&blocks[3], Block::Picture { caption: None, .. }));
        assert_eq!(blocks[4].text(), "活动结束后，大家合影留念。");
    }

    #[test]
    fn the_title_is_taken_from_the_title_style_the_properties_or_a_guess() {
        let heading = |t: &str, title| Block::Heading {
            level: 0,
            title,
            inlines: vec![Inline::Text(t.into(), Style::default())],
        };
        let mut doc = Document {
            blocks: vec![heading("委机关开展读书活动", true), para("正文")],
            core_title: Some("旧模板标题".into()),
            ..Default::default()
        };
        assert_eq!(
            take_title(&mut doc),
            Some(("委机关开展读书活动".into(), None))
        );
        assert_eq!(doc.blocks.len(), 1);

        let mut doc = Document {
            blocks: vec![para("今年的读书活动"), para("正文")],
            core_title: Some("去年的模板".into()),
            ..Default::default()
        };
        let (title, note) = take_title(&mut doc).unwrap();
        assert_eq!(title, "去年的模板");
        assert!(note
            .unwrap()
            .message
            .contains("而文档第一段是 “今年的读书活动”"));
        assert_eq!(doc.blocks.len(), 2);

        let mut doc = Document {
            blocks: vec![para("委机关 开展读书活动"), para("正文")],
            core_title: Some("委机关　开展读书活动".into()),
            ..Default::default()
        };
        let (title, note) = take_title(&mut doc).unwrap();
        assert_eq!((title.as_str(), note), ("委机关　开展读书活动", None));
        assert_eq!(doc.blocks.len(), 1, "the repeated title leaves the body");

        let mut doc = Document {
            blocks: vec![para(""), para("委机关开展读书活动"), para("正文")],
            ..Default::default()
        };
        let (title, note) = take_title(&mut doc).unwrap();
        assert_eq!(title, "委机关开展读书活动");
        assert!(note.unwrap().message.contains("第一段"));

        let long = "一".repeat(80);
        let mut doc = Document {
            blocks: vec![para(&long)],
            ..Default::default()
        };
        assert_eq!(take_title(&mut doc), None);
        assert_eq!(take_title(&mut Document::default()), None);
    }
}
