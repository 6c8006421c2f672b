//! The theme: the built-in default's templates and static files, each
//! overridden by the site's own, and how one template becomes a page.

use crate::diagnostic::{Diagnostics, Pos};
use crate::markdown;
use crate::output::{Content, OutputFile};
use include_dir::{include_dir, Dir};
use std::collections::BTreeMap;
use std::path::Path;
use tera::{Context, Tera};

static DEFAULT_THEME: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Load the theme: the built-in default, then the site's own
/// `themes/<name>/templates/*` overriding it file by file.
pub fn load_templates(root: &Path, theme: &str, diags: &mut Diagnostics) -> Option<Tera> {
    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    if let Some(dir) = DEFAULT_THEME.get_dir("templates") {
        for f in dir.files() {
            let name = f
                .path()
                .strip_prefix("templates")
                .unwrap_or(f.path())
                .to_string_lossy()
                .replace('\\', "/");
            sources.insert(name, f.contents_utf8().unwrap_or_default().to_string());
        }
    }
    let site_templates = root.join("themes").join(theme).join("templates");
    if site_templates.is_dir() {
        for (name, path) in files_under(&site_templates) {
            if let Some(src) = crate::source::read_source(root, &path, diags) {
                sources.insert(name, src.text);
            }
        }
    } else if theme != "default" {
        diags.error_hint(
            "site.yaml",
            Pos::default(),
            format!("找不到主题 “{theme}”（themes/{theme}/templates）"),
            "删去 site.yaml 中的 theme 行即使用内置默认主题",
        );
    }
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    // Tera's default also escapes `/`, which makes every URL unreadable.
    tera.set_escape_fn(markdown::escape_attr);
    if let Err(e) = tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str()))) {
        diags.error_hint(
            &format!("themes/{theme}/templates"),
            Pos::default(),
            format!("模板有误：{}", error_chain(&e)),
            "检查最近修改的模板文件中 {{ }} 和 {% %} 是否成对",
        );
        return None;
    }
    Some(tera)
}

/// Render one template; a template mistake (or a panic inside Tera, which
/// some malformed expressions trigger) becomes a message, not a crash.
/// The page's bytes. Rendered straight into a byte buffer: `Tera::render`
/// would check the whole page is UTF-8 once more to make a `String`.
pub(super) fn render_template(
    tera: &Tera,
    template: &str,
    ctx: &Context,
) -> Result<Vec<u8>, String> {
    let render = || {
        let mut html = Vec::with_capacity(32 * 1024);
        tera.render_to(template, ctx, &mut html).map(|()| html)
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(render)) {
        Ok(Ok(html)) => Ok(html),
        Ok(Err(e)) => Err(error_chain(&e)),
        Err(_) => Err("模板引擎无法处理这个模板表达式（如 extra[\"中文键\"]）；请改用 {% for key, value in report.extra %} 遍历".into()),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str("：");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Every file below `dir` (none if it is missing), sorted, with its
/// `/`-separated path relative to `dir`.
fn files_under(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap_or(e.path())
                .to_string_lossy()
                .replace('\\', "/");
            (rel, e.into_path())
        })
        .collect()
}

/// Theme static files: built-in default, overridden by the site's theme.
pub(super) fn theme_static(root: &Path, theme: &str) -> Vec<OutputFile> {
    let mut files: BTreeMap<String, Content> = BTreeMap::new();
    fn walk(dir: &Dir<'_>, files: &mut BTreeMap<String, Content>) {
        for f in dir.files() {
            let rel = f
                .path()
                .strip_prefix("static")
                .unwrap_or(f.path())
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, Content::Bytes(f.contents().into()));
        }
        for d in dir.dirs() {
            walk(d, files);
        }
    }
    if let Some(dir) = DEFAULT_THEME.get_dir("static") {
        walk(dir, &mut files);
    }
    for base in [
        root.join("themes").join(theme).join("static"),
        root.join("static"),
    ] {
        for (rel, path) in files_under(&base) {
            files.insert(rel, Content::Copy(path));
        }
    }
    files
        .into_iter()
        .map(|(path, content)| OutputFile { path, content })
        .collect()
}
