//! Phase 4: writing. The new site is written beside the target folder and
//! swapped in only when complete, so a failed or interrupted build leaves the
//! published output exactly as it was, and no stale file lingers.

use anyhow::{bail, Context as _, Result};
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

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.wenming-{tag}-{}", std::process::id()))
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

/// Write `files` as the complete new content of `out`.
pub fn write_site(out: &Path, files: &[OutputFile]) -> Result<()> {
    if out.exists() && !out.is_dir() {
        bail!("输出位置 {} 已有同名文件，不是文件夹", out.display());
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("无法创建文件夹 {}", parent.display()))?;
    }
    remove_leftovers(out);
    let staging = sibling(out, "staging");
    let result = write_all(&staging, files).and_then(|()| swap(&staging, out));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
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

fn write_all(staging: &Path, files: &[OutputFile]) -> Result<()> {
    use rayon::prelude::*;
    fs::create_dir_all(staging)
        .with_context(|| format!("无法创建临时文件夹 {}", staging.display()))?;
    // Folders first (each once), then the files in parallel: creating
    // thousands of small files is most of a large build's time.
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| staging.join(&f.path).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        fs::create_dir_all(dir).with_context(|| format!("无法创建文件夹 {}", dir.display()))?;
    }
    // A later entry for the same path wins, as it would written in order.
    let mut unique: std::collections::HashMap<&str, &OutputFile> =
        std::collections::HashMap::with_capacity(files.len());
    for f in files {
        unique.insert(f.path.as_str(), f);
    }
    let unique: Vec<&OutputFile> = unique.into_values().collect();
    unique.par_iter().try_for_each(|f| -> Result<()> {
        let target = staging.join(&f.path);
        match &f.content {
            Content::Bytes(b) => {
                fs::write(&target, b).with_context(|| format!("无法写入 {}", target.display()))
            }
            Content::Copy(src) => fs::copy(src, &target)
                .map(|_| ())
                .with_context(|| format!("无法复制 {} 到 {}", src.display(), target.display())),
        }
    })
}

fn swap(staging: &Path, out: &Path) -> Result<()> {
    if out.exists() {
        let old = sibling(out, "old");
        fs::rename(out, &old).with_context(|| {
            format!("无法替换 {}（文件夹是否正被其他程序占用？）", out.display())
        })?;
        if let Err(e) = fs::rename(staging, out) {
            // Put the previous site back rather than leave nothing.
            let _ = fs::rename(&old, out);
            return Err(e).with_context(|| format!("无法替换 {}", out.display()));
        }
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(staging, out).with_context(|| format!("无法创建 {}", out.display()))?;
    }
    Ok(())
}
