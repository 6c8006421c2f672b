//! Where the things a writer links to really are: other Markdown files,
//! photos and evidence files, site-absolute paths. Paths are resolved
//! lexically and must stay inside the site root (SPEC §7, §11).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// Everything a page needs to resolve its links; built once per build.
pub struct Routes {
    pub root: PathBuf,
    pub urls: crate::urls::Urls,
    /// Site-relative Markdown source (`content/reports/a.md`) → route (`reports/a/`).
    pub by_source: HashMap<String, String>,
    /// Every route and file the build writes, without base path
    /// (`progress/16/`, `ledger.csv`, `static-file.pdf`).
    pub known: HashSet<String>,
    /// Folders inside the root already found to be real folders (not
    /// links), so checking a bundle's photos costs one look at each file.
    /// (Keyed by the path's bytes: hashing a `Path` walks its components.)
    pub real_dirs: std::sync::RwLock<rustc_hash::FxHashSet<OsString>>,
}

/// Size and modification time of a file when it was looked up: how the
/// photo cache tells an unchanged photo without looking again.
pub type FileStamp = (u64, Option<std::time::SystemTime>);

pub fn stamp_of(m: &std::fs::Metadata) -> FileStamp {
    (m.len(), m.modified().ok())
}

/// A file a link or image refers to, found on disk.
pub struct Resolved {
    pub file: PathBuf,
    /// Site-relative path (`content/reports/a/photo1.jpg`).
    pub site_rel: String,
    pub stamp: FileStamp,
}

/// A file a page refers to that must be copied into the output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Asset {
    pub source: PathBuf,
    /// Output path, site-relative (`reports/slug/photo1.jpg`).
    pub output: String,
    /// The source's size and time when resolved (none for processed copies).
    pub stamp: Option<FileStamp>,
}

#[derive(Debug, PartialEq)]
pub enum LinkError {
    OutsideSite,
    Missing(String),
    NotAFile(String),
}

impl LinkError {
    /// The Chinese message and hint for `target` as written.
    pub fn describe(&self, target: &str) -> (String, String) {
        match self {
            LinkError::OutsideSite => (
                format!("路径 “{target}” 指向站点文件夹以外"),
                "只能引用站点文件夹内的文件：把文件放到报道所在文件夹或 static/ 中，再写相对路径"
                    .into(),
            ),
            LinkError::Missing(p) => (
                format!("找不到 “{target}”（{p}）"),
                "检查文件名和路径是否写对、文件是否已放入对应文件夹".into(),
            ),
            LinkError::NotAFile(p) => (
                format!("“{target}” 不是文件（{p}）"),
                "请链接到具体文件".into(),
            ),
        }
    }
}

/// `dir` joined with `rel`, `.` and `..` folded, without touching the disk.
/// `None` when it climbs above the filesystem root.
pub fn join_lexically(dir: &Path, rel: &str) -> Option<PathBuf> {
    // The common case, a plain name or `a/b.jpg` (every segment a name),
    // needs no rebuilding. Paths on Windows always take the long way.
    if cfg!(unix) && !rel.contains('\\') && plain_segments(rel) {
        return Some(dir.join(rel));
    }
    let mut out = PathBuf::new();
    let rel = rel.replace('\\', "/");
    let rel_path = Path::new(&rel);
    if rel_path.is_absolute() || rel.starts_with('/') {
        return None;
    }
    for comp in dir.components().chain(rel_path.components()) {
        match comp {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

/// `path` below `dir`, as text with `/`, by comparing bytes (on Unix, for
/// paths without `.` or `..` segments): `Path::strip_prefix` compares
/// component by component, thousands of times per build. `None` means
/// "not this way", not "not below": callers then use `strip_prefix`.
fn strip_dir<'a>(path: &'a Path, dir: &Path) -> Option<std::borrow::Cow<'a, str>> {
    if !cfg!(unix) {
        return None;
    }
    let rest = path
        .as_os_str()
        .as_encoded_bytes()
        .strip_prefix(dir.as_os_str().as_encoded_bytes())?
        .strip_prefix(b"/")?;
    let rest = std::str::from_utf8(rest).ok()?;
    plain_segments(rest).then_some(std::borrow::Cow::Borrowed(rest))
}

/// `path` below `dir`, as text with `/` ([`strip_dir`] where it can,
/// else `Path::strip_prefix`); `None` when it is not below.
fn relative_text<'a>(path: &'a Path, dir: &Path) -> Option<std::borrow::Cow<'a, str>> {
    strip_dir(path, dir).or_else(|| {
        let rel = path.strip_prefix(dir).ok()?;
        Some(std::borrow::Cow::Owned(
            rel.to_string_lossy().replace('\\', "/"),
        ))
    })
}

/// Whether `rel` is names separated by `/`: no empty, `.` or `..` segment.
fn plain_segments(rel: &str) -> bool {
    !rel.is_empty()
        && rel
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// The gallery's route (文明风采); its later pages follow [`page_route`].
pub const GALLERY: &str = "gallery/";

/// The route of page `number` (from 1) of a list at `base`:
/// `reports/`, `reports/page/2/`, …
pub fn page_route(base: &str, number: usize) -> String {
    if number <= 1 {
        base.to_string()
    } else {
        format!("{base}page/{number}/")
    }
}

/// The page number of a site-absolute link to a gallery page after the
/// first (`/gallery/page/3/`, `/gallery/page/3`): how many there are is
/// known only once every body's photos are, so such links are checked
/// then, not by [`Routes::absolute_link`].
pub fn later_gallery_page(path: &str) -> Option<usize> {
    let n = path
        .strip_prefix('/')?
        .strip_prefix(GALLERY)?
        .strip_prefix("page/")?
        .trim_end_matches('/');
    n.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| n.parse().ok())
        .flatten()
        .filter(|&n| n >= 2)
}

pub fn decode_url_path(s: &str) -> String {
    // Writers type Chinese file names; an editor may have percent-encoded them.
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && s.is_char_boundary(i + 3) {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Schemes a published link may use: none of them runs anything in the
/// reader's browser. An allow-list, not a list of bad schemes: browsers
/// and plugins keep adding schemes (`javascript:`, `vbscript:`, `data:`,
/// `ms-...:`), and a deny-list misses the next one (issue #19).
const LINK_SCHEMES: &[&str] = &["http", "https", "mailto", "tel", "ftp", "ftps"];

/// The scheme of `url` as a browser reads it, lower-cased (`javascript`
/// for ` JaVa\tScRiPt:alert(1)`), or `None` for a link within the site.
/// Stricter than a browser: ASCII whitespace and control characters are
/// dropped anywhere before the first `:` (a browser drops only tabs and
/// line breaks there), so no spelling of a scheme slips past as a path.
/// A single letter (`C:\报告.docx`) is a Windows drive, not a scheme: it
/// is left to the path checks, which refuse it as outside the site.
pub fn scheme_of(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let scheme: String = url[..colon]
        .chars()
        .filter(|c| !(c.is_ascii_whitespace() || c.is_ascii_control()))
        .collect::<String>()
        .to_ascii_lowercase();
    let mut chars = scheme.chars();
    let is_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && scheme.len() > 1;
    is_scheme.then_some(scheme)
}

/// Whether links may use `scheme` (as [`scheme_of`] gives it).
pub fn is_allowed_scheme(scheme: &str) -> bool {
    LINK_SCHEMES.contains(&scheme)
}

/// The scheme of `url` when a published link must not use it.
pub fn refused_scheme(url: &str) -> Option<String> {
    scheme_of(url).filter(|s| !is_allowed_scheme(s))
}

impl Routes {
    /// Site-relative form of an absolute path inside the root.
    pub fn site_relative(&self, p: &Path) -> Option<String> {
        relative_text(p, &self.root).map(std::borrow::Cow::into_owned)
    }

    /// Whether `path` (inside the root) and every folder above it up to the
    /// root exist and are no symbolic links.
    /// Returns the file's metadata when so.
    fn reached_without_links(&self, path: &Path) -> Option<std::fs::Metadata> {
        let meta = std::fs::symlink_metadata(path)
            .ok()
            .filter(|m| !m.file_type().is_symlink())?;
        self.folders_are_real(path).then_some(meta)
    }

    /// Whether every folder above `path` (inside the root) up to the root
    /// exists and is no symbolic link.
    fn folders_are_real(&self, path: &Path) -> bool {
        let mut checked = Vec::new();
        let mut dir = path.parent();
        while let Some(d) = dir {
            if self
                .real_dirs
                .read()
                .expect("real_dirs")
                .contains(d.as_os_str())
                || d.as_os_str() == self.root.as_os_str()
                || !d.starts_with(&self.root)
            {
                break;
            }
            if !std::fs::symlink_metadata(d).is_ok_and(|m| m.is_dir()) {
                return false;
            }
            checked.push(d.as_os_str().to_owned());
            dir = d.parent();
        }
        if !checked.is_empty() {
            self.real_dirs.write().expect("real_dirs").extend(checked);
        }
        true
    }

    /// Resolve a file referenced relative to `dir` (a report's folder).
    /// Returns the file on disk and its site-relative path.
    pub fn resolve_file(&self, dir: &Path, target: &str) -> Result<Resolved, LinkError> {
        self.resolve_file_with(dir, target, &|_| None)
    }

    /// [`Routes::resolve_file`], where `looked_ahead` may already know the
    /// file as a plain file (not a link), with its size and time, from a
    /// look taken earlier in this build.
    fn resolve_file_with(
        &self,
        dir: &Path,
        target: &str,
        looked_ahead: &dyn Fn(&Path) -> Option<FileStamp>,
    ) -> Result<Resolved, LinkError> {
        let target = decode_url_path(target);
        let joined = join_lexically(dir, &target).ok_or(LinkError::OutsideSite)?;
        let site_rel = self.site_relative(&joined).ok_or(LinkError::OutsideSite)?;
        if let Some(stamp) = looked_ahead(&joined) {
            if self.folders_are_real(&joined) {
                return Ok(Resolved {
                    stamp,
                    file: joined,
                    site_rel,
                });
            }
        }
        let link_free = self.reached_without_links(&joined);
        let meta = match &link_free {
            Some(m) => m.clone(),
            None => std::fs::metadata(&joined).map_err(|_| LinkError::Missing(site_rel.clone()))?,
        };
        if !meta.is_file() {
            return Err(LinkError::NotAFile(site_rel));
        }
        // A symlink inside the site may still point outside it. (The root
        // is canonical already when it comes from a build; only resolve it
        // again when it is not.)
        if link_free.is_none() {
            if let Ok(real) = joined.canonicalize() {
                if !real.starts_with(&self.root)
                    && !self
                        .root
                        .canonicalize()
                        .is_ok_and(|root| real.starts_with(root))
                {
                    return Err(LinkError::OutsideSite);
                }
            }
        }
        Ok(Resolved {
            stamp: stamp_of(&meta),
            file: joined,
            site_rel,
        })
    }

    /// Where an asset of the page at `route` (whose source lives in `dir`)
    /// is published, and the URL to it.
    pub fn asset(
        &self,
        dir: &Path,
        route: &str,
        target: &str,
    ) -> Result<(String, Option<Asset>), LinkError> {
        self.asset_with(dir, route, target, &|_| None)
    }

    /// [`Routes::asset`], with files looked at earlier in this build (see
    /// [`Routes::resolve_file_with`]).
    pub fn asset_with(
        &self,
        dir: &Path,
        route: &str,
        target: &str,
        looked_ahead: &dyn Fn(&Path) -> Option<FileStamp>,
    ) -> Result<(String, Option<Asset>), LinkError> {
        if target.starts_with('/') {
            // Site-absolute, like links: a file the site publishes (static/).
            return match self.absolute_link(target) {
                Ok(url) => Ok((url, None)),
                Err(_) if Path::new(target).exists() => Err(LinkError::OutsideSite),
                Err(e) => Err(e),
            };
        }
        let Resolved {
            file,
            site_rel,
            stamp,
        } = self.resolve_file_with(dir, target, looked_ahead)?;
        if let Some(under_static) = site_rel.strip_prefix("static/") {
            // static/ is copied whole; link to it where it lands.
            return Ok((self.url(under_static), None));
        }
        let output = match relative_text(&file, dir) {
            Some(inside) => format!("{route}{inside}"),
            None => format!(
                "{route}{}",
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
        };
        Ok((
            self.url(&output),
            Some(Asset {
                source: file,
                output,
                stamp: Some(stamp),
            }),
        ))
    }

    /// Resolve a relative link to another Markdown file to its page URL.
    pub fn markdown_link(&self, dir: &Path, target: &str) -> Result<String, LinkError> {
        let site_rel = self.resolve_file(dir, target)?.site_rel;
        self.by_source
            .get(&site_rel)
            .map(|route| self.url(route))
            .ok_or(LinkError::Missing(format!(
                "{site_rel} 不是已发布的报道或页面，可能是草稿"
            )))
    }

    /// `/progress/16/` → `/wmcj/progress/16/`, if the site has that page.
    pub fn absolute_link(&self, target: &str) -> Result<String, LinkError> {
        let path = decode_url_path(target.trim_start_matches('/'));
        if path.split('/').any(|c| c == "..") {
            return Err(LinkError::OutsideSite);
        }
        if path.is_empty() || self.known.contains(&path) {
            return Ok(self.url(&path));
        }
        let with_slash = format!("{path}/");
        if self.known.contains(&with_slash) {
            return Ok(self.url(&with_slash));
        }
        Err(LinkError::Missing(format!("站点中没有 /{path} 这个页面")))
    }

    /// A hash of every route and source mapping: rendered Markdown stays
    /// valid while this is unchanged. Order-independent (the sum of each
    /// entry's own hash), so nothing is sorted: sorting 20,000 routes took
    /// milliseconds of every edit's rebuild on a large site.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let entry = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
        let known = self
            .known
            .iter()
            .fold(0u64, |sum, k| sum.wrapping_add(entry.hash_one((0u8, k))));
        let sources = self
            .by_source
            .iter()
            .fold(0u64, |sum, s| sum.wrapping_add(entry.hash_one((1u8, s))));
        entry.hash_one((&self.urls, known, sources))
    }

    /// The link to a route (`reports/a/` → `/wmcj/reports/a/`).
    pub fn url(&self, route: &str) -> String {
        self.urls.path(route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_read_as_a_browser_reads_them() {
        let cases = [
            ("javascript:alert(1)", Some("javascript")),
            (" JaVa\tScRiPt:alert(1)", Some("javascript")),
            ("java\nscript:alert(1)", Some("javascript")),
            ("\u{0}javascript:x", Some("javascript")),
            ("VBScript:msgbox", Some("vbscript")),
            ("data:text/html,<script>", Some("data")),
            ("HTTPS://example.gov.cn/", Some("https")),
            ("mailto:a@b.cn", Some("mailto")),
            ("C:\\报告.docx", None),
            ("2022:10.md", None),
            ("报告:一.pdf", None),
            ("a/b:c.pdf", None),
            ("../pages/plan.md", None),
            ("#top", None),
            ("", None),
        ];
        for (url, want) in cases {
            assert_eq!(scheme_of(url).as_deref(), want, "{url:?}");
        }
        assert_eq!(
            refused_scheme(" JaVa\tScRiPt:alert(1)").as_deref(),
            Some("javascript")
        );
        assert_eq!(refused_scheme("tel:12345"), None);
        assert_eq!(
            refused_scheme("file:///etc/passwd").as_deref(),
            Some("file")
        );
    }

    #[test]
    fn strip_dir_takes_only_plain_paths_below() {
        let p = Path::new("/s/a/b/照片.jpg");
        assert_eq!(
            strip_dir(p, Path::new("/s/a")).as_deref(),
            Some("b/照片.jpg")
        );
        assert_eq!(strip_dir(p, Path::new("/s/a/b/照片.jpg")), None);
        assert_eq!(strip_dir(Path::new("/s/ab/c"), Path::new("/s/a")), None);
        assert_eq!(strip_dir(Path::new("/s/a/../c"), Path::new("/s/a")), None);
        // Where bytes do not settle it, components do.
        assert_eq!(
            relative_text(Path::new("/s/a/../c"), Path::new("/s/a")).as_deref(),
            Some("../c")
        );
        assert_eq!(relative_text(Path::new("/s/ab/c"), Path::new("/s/a")), None);
    }

    #[test]
    fn lexical_join_stays_inside() {
        assert_eq!(
            join_lexically(Path::new("/s/content/reports"), "../pages/plan.md").unwrap(),
            PathBuf::from("/s/content/pages/plan.md")
        );
        assert!(join_lexically(Path::new("/s"), "../../../../etc/passwd").is_none());
        assert!(!join_lexically(Path::new("/s/a"), "../../etc/passwd")
            .unwrap()
            .starts_with("/s"));
        assert!(join_lexically(Path::new("/s"), "/etc/passwd").is_none());
        assert_eq!(
            join_lexically(Path::new("/s/a"), "b/照片.jpg").unwrap(),
            PathBuf::from("/s/a/b/照片.jpg")
        );
        assert_eq!(
            join_lexically(Path::new("/s/a"), "./b//c.jpg").unwrap(),
            PathBuf::from("/s/a/b/c.jpg")
        );
        assert_eq!(
            decode_url_path("%E7%AD%BE%E5%88%B0%E8%A1%A8.pdf"),
            "签到表.pdf"
        );
    }
}
