//! The user docs as HTML pages that open from disk: the 使用说明 folder of
//! the release packages (dist/release.sh).
//!
//! ```text
//! cargo run --release --example docs_html -- OUT_DIR VERSION README.md docs/快速上手.md …
//! ```
//!
//! Each Markdown file becomes one page in OUT_DIR (`README.md` is
//! `简介.html`, `docs/快速上手.md` is `快速上手.html`), with the same menu
//! of all pages at the top, in the order given. Headings get the ids
//! GitHub gives them, which the docs' own `#…` links were written for; a
//! link to another of the pages points at its `.html` beside it. A link to
//! a file that is not in the package (ARCHITECTURE.md, a site path in an
//! example) is left as its text, and said so on stderr; a link to a page
//! or heading that does not exist fails the run, so a package never ships
//! a broken link. Pictures (`![…](images/x.png)`, screenshots) are copied
//! into OUT_DIR/images/; a missing one fails the run too.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use pulldown_cmark_escape::{escape_href, escape_html};
use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo run --release --example docs_html -- OUT_DIR VERSION FILE.md…";

struct Page<'a> {
    /// The Markdown file, relative to the repository, with `/`.
    source: String,
    /// The page's file name in OUT_DIR.
    out: String,
    /// Its label in the menu.
    label: String,
    title: String,
    events: Vec<Event<'a>>,
    ids: HashSet<String>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    match run(Path::new(&args[0]), &args[1], &args[2..]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("docs_html: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(out_dir: &Path, version: &str, sources: &[String]) -> Result<(), String> {
    let texts: Vec<String> = sources
        .iter()
        .map(|s| std::fs::read_to_string(s).map_err(|e| format!("{s}: {e}")))
        .collect::<Result<_, _>>()?;
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut pages: Vec<Page> = sources
        .iter()
        .zip(&texts)
        .map(|(source, text)| {
            let source = normalize(Path::new(source));
            let events: Vec<Event> = Parser::new_ext(text, options).collect();
            let stem = Path::new(&source)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let label = if stem == "README" {
                "简介".to_string()
            } else {
                stem
            };
            let mut page = Page {
                out: format!("{label}.html"),
                label,
                title: String::new(),
                ids: HashSet::new(),
                events,
                source,
            };
            add_heading_ids(&mut page);
            page
        })
        .collect();

    // Every page's ids first: links may point forward.
    let targets: BTreeMap<String, (String, HashSet<String>)> = pages
        .iter()
        .map(|p| (p.source.clone(), (p.out.clone(), p.ids.clone())))
        .collect();
    let menu: Vec<(String, String)> = pages
        .iter()
        .map(|p| (p.out.clone(), p.label.clone()))
        .collect();
    let mut broken = Vec::new();
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let mut pictures = BTreeMap::new();
    for page in &mut pages {
        rewrite_links(page, &targets, &mut broken, &mut pictures);
        let html = render(page, &menu, version);
        let path = out_dir.join(&page.out);
        std::fs::write(&path, html).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if !broken.is_empty() {
        return Err(format!("broken links:\n  {}", broken.join("\n  ")));
    }
    if !pictures.is_empty() {
        let dir = out_dir.join("images");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (out, source) in &pictures {
            let to = out_dir.join(out);
            std::fs::copy(source, &to).map_err(|e| format!("{source} → {}: {e}", to.display()))?;
        }
    }
    eprintln!("docs_html: {} pages in {}", pages.len(), out_dir.display());
    Ok(())
}

/// GitHub's heading ids: lower case, letters, digits, `-` and `_` kept,
/// spaces made `-`, the rest dropped; a repeated id gets `-1`, `-2` ….
fn add_heading_ids(page: &mut Page) {
    let mut i = 0;
    while i < page.events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &page.events[i] {
            let level = *level;
            let mut text = String::new();
            let mut j = i + 1;
            while !matches!(&page.events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &page.events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            if page.title.is_empty() && level == pulldown_cmark::HeadingLevel::H1 {
                page.title = text.clone();
            }
            let base: String = text
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect();
            let mut id = base.clone();
            let mut n = 0;
            while page.ids.contains(&id) {
                n += 1;
                id = format!("{base}-{n}");
            }
            page.ids.insert(id.clone());
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut page.events[i] {
                *slot = Some(CowStr::from(id));
            }
            i = j;
        }
        i += 1;
    }
}

/// Links to the other pages point at their `.html`; links that leave the
/// package become their text; a missing page or heading is `broken`.
fn rewrite_links(
    page: &mut Page,
    targets: &BTreeMap<String, (String, HashSet<String>)>,
    broken: &mut Vec<String>,
    pictures: &mut BTreeMap<String, String>,
) {
    let own = (page.out.clone(), page.ids.clone());
    // Whether each open link was kept, so its end goes with it.
    let mut open: Vec<bool> = Vec::new();
    let events = std::mem::take(&mut page.events);
    for event in events {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = match resolve(&page.source, &dest_url, &own, targets) {
                    Ok(dest) => dest,
                    Err(Missing::Broken) => {
                        broken.push(format!("{}: {dest_url}", page.source));
                        Some(dest_url.to_string())
                    }
                    Err(Missing::NotPackaged) => {
                        eprintln!(
                            "docs_html: {}: link to {dest_url} left as text (not in the package)",
                            page.source
                        );
                        None
                    }
                };
                open.push(dest.is_some());
                if let Some(dest) = dest {
                    page.events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(dest),
                        title,
                        id,
                    }));
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                // A picture beside the docs goes to images/ in the package.
                let joined = Path::new(&page.source)
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(dest_url.as_ref());
                let name = joined.file_name().map(|n| n.to_string_lossy().into_owned());
                let dest = match name {
                    Some(name) if joined.is_file() => {
                        let out = format!("images/{name}");
                        pictures.insert(out.clone(), normalize(&joined));
                        out
                    }
                    _ => {
                        broken.push(format!("{}: picture {dest_url}", page.source));
                        dest_url.to_string()
                    }
                };
                page.events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: CowStr::from(dest),
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                if open.pop() == Some(true) {
                    page.events.push(Event::End(TagEnd::Link));
                }
            }
            other => page.events.push(other),
        }
    }
}

enum Missing {
    Broken,
    NotPackaged,
}

/// Where a link from `source` goes in the package (`None`: unchanged).
fn resolve(
    source: &str,
    dest: &str,
    own: &(String, HashSet<String>),
    targets: &BTreeMap<String, (String, HashSet<String>)>,
) -> Result<Option<String>, Missing> {
    let has_scheme = dest.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    if has_scheme {
        return Ok(Some(dest.to_string()));
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    let (out, ids) = if path.is_empty() {
        own.clone()
    } else if path.starts_with('/') {
        return Err(Missing::NotPackaged);
    } else {
        let joined = Path::new(source)
            .parent()
            .unwrap_or(Path::new(""))
            .join(path);
        match targets.get(&normalize(&joined)) {
            Some(t) => t.clone(),
            None if path.ends_with(".md") && !joined.exists() => return Err(Missing::Broken),
            None => return Err(Missing::NotPackaged),
        }
    };
    match fragment {
        Some(f) if !ids.contains(f) => Err(Missing::Broken),
        // Within the page: no reload.
        Some(f) if path.is_empty() => Ok(Some(format!("#{f}"))),
        Some(f) => Ok(Some(format!("{out}#{f}"))),
        None => Ok(Some(out)),
    }
}

/// `docs/../README.md` as `README.md`, with `/` on every system.
fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                parts.pop();
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

fn render(page: &Page, menu: &[(String, String)], version: &str) -> String {
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, page.events.iter().cloned());
    let mut nav = String::new();
    for (out, label) in menu {
        let current = if *out == page.out {
            r#" aria-current="page""#
        } else {
            ""
        };
        nav.push_str("<a href=\"");
        escape_href(&mut nav, out).unwrap();
        nav.push_str(&format!("\"{current}>"));
        escape_html(&mut nav, label).unwrap();
        nav.push_str("</a>\n");
    }
    let mut title = String::new();
    escape_html(
        &mut title,
        if page.title.is_empty() {
            &page.label
        } else {
            &page.title
        },
    )
    .unwrap();
    format!(
        r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - wenming 使用说明</title>
<style>{STYLE}</style>
</head>
<body>
<nav aria-label="使用说明">
<strong>wenming 使用说明</strong>
{nav}</nav>
<main>
{body}</main>
<footer>wenming {version} · 本页由 {source} 生成</footer>
</body>
</html>
"#,
        source = page.source,
    )
}

const STYLE: &str = "
body { margin: 0; font: 16px/1.75 'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif; color: #222; }
nav { display: flex; flex-wrap: wrap; gap: .25em 1.2em; padding: .6em 1.5em; background: #b71c1c; }
nav strong, nav a { color: #fff; }
nav a[aria-current] { font-weight: bold; text-decoration: underline; }
main { max-width: 52em; margin: 0 auto; padding: 1em 1.5em 3em; }
footer { max-width: 52em; margin: 0 auto; padding: 1em 1.5em; color: #666; font-size: 14px; border-top: 1px solid #ddd; }
a { color: #0b57a4; }
h1, h2, h3 { line-height: 1.4; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
code { font-family: Consolas, 'Courier New', monospace; background: #f4f4f4; padding: 0 .2em; }
pre { background: #f4f4f4; padding: .8em 1em; overflow-x: auto; line-height: 1.5; }
img { max-width: 100%; height: auto; border: 1px solid #ccc; }
pre code { padding: 0; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; vertical-align: top; }
th { background: #f4f4f4; }
blockquote { margin: 1em 0; padding: .2em 1em; border-left: 4px solid #ddd; color: #555; }
";
