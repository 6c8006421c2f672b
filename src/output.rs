//! Phase 4: writing. Only an error-free build gets here, so a site with
//! mistakes never touches the published output. The output folder is then
//! brought up to date in place: a file whose bytes are already there is left
//! alone, changed and new files are written, files no longer produced are
//! removed. Rewriting or swapping in 13,000 unchanged files is what made large
//! builds slow (new inodes and renames are the expensive operations on disk).

use anyhow::{bail, Context as _, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub enum Content {
    /// Shared, so a server can keep the last good site without copying it.
    Bytes(std::sync::Arc<[u8]>),
    /// A file copied as is (photos, attachments, static files).
    Copy(PathBuf),
}

#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Site-relative, `/`-separated.
    pub path: String,
    pub content: Content,
}

/// Refuse output folders whose replacement would destroy the site itself.
pub fn check_output_dir(root: &Path, out: &Path) -> Result<()> {
    let abs = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        crate::links::join_lexically(
            Path::new("/"),
            &p.to_string_lossy().trim_start_matches('/').to_string(),
        )
        .map(|j| Path::new("/").join(j))
        .unwrap_or(p)
    };
    let (root, out) = (abs(root), abs(out));
    if root.starts_with(&out) {
        bail!("输出文件夹 {} 包含站点本身，重新生成时会把站点文件删掉；请换一个输出文件夹（默认 public）", out.display());
    }
    for protected in ["content", "data", "static", "themes", "site.yaml", "src"] {
        if out.starts_with(root.join(protected)) {
            bail!(
                "输出文件夹 {} 位于站点的 {protected} 中；请换一个输出文件夹（默认 public）",
                out.display()
            );
        }
    }
    Ok(())
}

/// What the write phase did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// Files created or changed.
    pub written: usize,
    /// Files already up to date.
    pub unchanged: usize,
    /// Files of an earlier build that are no longer produced.
    pub removed: usize,
}

/// Make `out` hold exactly `files` (top-level entries whose names start with
/// a dot, such as `.git`, are kept).
pub fn write_site(out: &Path, files: &[OutputFile]) -> Result<WriteStats> {
    use rayon::prelude::*;
    if out.exists() && !out.is_dir() {
        bail!("输出位置 {} 已有同名文件，不是文件夹", out.display());
    }
    fs::create_dir_all(out).with_context(|| format!("无法创建文件夹 {}", out.display()))?;
    // Staging folders left beside the output by versions that swapped
    // whole folders.
    remove_leftovers(out);

    // A later entry for the same path wins, as it would written in order.
    let mut unique: HashMap<&str, &OutputFile> = HashMap::with_capacity(files.len());
    for f in files {
        unique.insert(f.path.as_str(), f);
    }
    let mut unique: Vec<&OutputFile> = unique.into_values().collect();
    unique.sort_by(|a, b| a.path.cmp(&b.path));

    make_folders(out, &unique)?;
    let outcomes: Vec<bool> = unique
        .par_iter()
        .map(|f| write_if_changed(&out.join(&f.path), &f.content))
        .collect::<Result<_>>()?;
    let written = outcomes.iter().filter(|&&w| w).count();
    let keep: HashSet<&str> = unique.iter().map(|f| f.path.as_str()).collect();
    let removed = remove_stale(out, &keep)?;
    Ok(WriteStats {
        written,
        unchanged: outcomes.len() - written,
        removed,
    })
}

/// Create every folder the files need, parents first; level by level in
/// parallel, since a site has a folder per report.
fn make_folders(out: &Path, files: &[&OutputFile]) -> Result<()> {
    use rayon::prelude::*;
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for f in files {
        let mut p = f.path.as_str();
        while let Some((parent, _)) = p.rsplit_once('/') {
            if !dirs.insert(parent) {
                break;
            }
            p = parent;
        }
    }
    let mut by_depth: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for d in dirs {
        by_depth.entry(d.matches('/').count()).or_default().push(d);
    }
    for level in by_depth.values() {
        level.par_iter().try_for_each(|d| -> Result<()> {
            let dir = out.join(d);
            match fs::symlink_metadata(&dir) {
                Ok(m) if m.is_dir() => return Ok(()),
                // A file (or link) where a folder now goes.
                Ok(_) => {
                    fs::remove_file(&dir).with_context(|| format!("无法删除 {}", dir.display()))?
                }
                Err(_) => {}
            }
            match fs::create_dir(&dir) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                    Err(e).with_context(|| format!("无法创建文件夹 {}", dir.display()))
                }
                _ => Ok(()),
            }
        })?;
    }
    Ok(())
}

/// Bring one file up to date; `true` when it had to be written.
fn write_if_changed(target: &Path, content: &Content) -> Result<bool> {
    let existing = fs::symlink_metadata(target).ok();
    match (content, &existing) {
        (Content::Bytes(b), Some(m)) if m.is_file() && m.len() == b.len() as u64 => {
            if fs::read(target).is_ok_and(|old| old[..] == b[..]) {
                return Ok(false);
            }
        }
        (Content::Copy(src), Some(m)) if m.is_file() => {
            if let Ok(s) = fs::metadata(src) {
                if same_file(&s, m)
                    || (s.len() == m.len() && s.modified().ok() == m.modified().ok())
                {
                    return Ok(false);
                }
            }
        }
        _ => {}
    }
    if let Some(m) = &existing {
        // Never write through a link, and make room where a folder was.
        if m.is_dir() {
            fs::remove_dir_all(target)
        } else {
            fs::remove_file(target)
        }
        .with_context(|| format!("无法删除 {}", target.display()))?;
    }
    match content {
        Content::Bytes(b) => {
            fs::write(target, b).with_context(|| format!("无法写入 {}", target.display()))?
        }
        Content::Copy(src) => copy_file(src, target)
            .with_context(|| format!("无法复制 {} 到 {}", src.display(), target.display()))?,
    }
    Ok(true)
}

/// Processed photos in `.wenming-cache` are never changed in place (a new
/// version is a new file), so the output can share them by hard link; other
/// files are copied with their modification time, which is how the next
/// build tells they are unchanged.
fn copy_file(src: &Path, target: &Path) -> std::io::Result<()> {
    let from_cache = src.components().any(|c| c.as_os_str() == ".wenming-cache");
    if from_cache && fs::hard_link(src, target).is_ok() {
        return Ok(());
    }
    fs::copy(src, target)?;
    let modified = fs::metadata(src)?.modified()?;
    fs::File::options()
        .write(true)
        .open(target)?
        .set_modified(modified)
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    false
}

/// Remove what an earlier build wrote and this one does not; folders left
/// empty go too. Returns the number of files removed.
fn remove_stale(out: &Path, keep: &HashSet<&str>) -> Result<usize> {
    let mut removed = 0;
    let walk = walkdir::WalkDir::new(out)
        .min_depth(1)
        .contents_first(true)
        .into_iter();
    for entry in walk {
        let entry = entry.with_context(|| format!("无法读取 {}", out.display()))?;
        let rel = entry.path().strip_prefix(out).unwrap_or(entry.path());
        let rel = rel.to_string_lossy().replace('\\', "/");
        // (filter_entry cannot skip these: with contents_first a folder's
        // files come before the folder itself.)
        if rel.starts_with('.') {
            continue;
        }
        if entry.file_type().is_dir() {
            // Only empty folders: read_dir fails or yields nothing.
            if fs::read_dir(entry.path()).is_ok_and(|mut d| d.next().is_none()) {
                let _ = fs::remove_dir(entry.path());
            }
        } else if !keep.contains(rel.as_str()) {
            fs::remove_file(entry.path())
                .with_context(|| format!("无法删除旧文件 {}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Staging folders of builds that were killed before they could clean up.
fn remove_leftovers(out: &Path) {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.wenming-", name.to_string_lossy());
    if let Ok(entries) = fs::read_dir(parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}
