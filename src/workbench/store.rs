//! The workbench's only road to the site's files: paths checked to stay
//! inside the site, every save atomic (a temporary file beside the target,
//! then a rename) and refused when the file changed since the form was
//! opened; the previous version kept in `.wenming-backup/` for 恢复.

use crate::fs::write_atomic;
use anyhow::{anyhow, bail, Context as _, Result};
use std::path::{Component, Path, PathBuf};

/// Backups live in the site folder (a person can find them), in a folder
/// the build, the watcher and the content walk all skip (a dot folder).
pub(crate) const BACKUP_DIR: &str = ".wenming-backup";

/// Backups kept per file; older ones are removed (only ever our own).
const BACKUPS_PER_FILE: usize = 20;

/// What a form was opened on: the file's content hash, or `None` for a
/// file that did not exist yet. A save names it; when the file on disk no
/// longer matches, someone else changed it meanwhile.
pub(crate) fn version_of(bytes: Option<&[u8]>) -> String {
    match bytes {
        Some(b) => format!("{:016x}", xxhash_rust::xxh3::xxh3_64(b)),
        None => "new".to_string(),
    }
}

/// The site-relative path `rel` as a path under `root`, only when it stays
/// inside and under one of the folders the workbench may write: `content/`,
/// `data/` and `static/ledger/` (the ledger's scans); never a dot folder,
/// the output, or a link out.
pub(crate) fn resolve(root: &Path, rel: &str) -> Result<PathBuf> {
    let refuse =
        || anyhow!("路径 “{rel}” 不在站点的 content、data 或 static/ledger 文件夹内，已拒绝");
    if rel.is_empty() || rel.contains('\\') || rel.contains('\0') || rel.contains(':') {
        return Err(refuse());
    }
    let path = Path::new(rel);
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => {
                let s = s.to_str().ok_or_else(refuse)?;
                if s.starts_with('.') {
                    return Err(refuse());
                }
                parts.push(s);
            }
            _ => return Err(refuse()),
        }
    }
    let writable = match parts.as_slice() {
        ["content" | "data", _, ..] => true,
        ["static", "ledger", _, ..] => true,
        _ => false,
    };
    if !writable {
        return Err(refuse());
    }
    let full = root.join(path);
    // A folder on the way that is a link could lead anywhere: follow what
    // exists and check that it is still inside the root.
    let mut existing = full.as_path();
    while !existing.exists() {
        existing = existing.parent().ok_or_else(refuse)?;
    }
    let real = existing.canonicalize().map_err(|_| refuse())?;
    let real_root = root.canonicalize().map_err(|_| refuse())?;
    if !real.starts_with(&real_root) {
        return Err(refuse());
    }
    Ok(full)
}

/// Why a save was refused: the file changed on disk since the form was
/// opened. The form says so and offers to reload.
#[derive(Debug)]
pub(crate) struct Conflict {
    pub(crate) path: String,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} 在打开表单之后被修改过（可能在记事本里改过，或在另一个浏览器标签页保存过）。为免覆盖别人的修改，这次没有保存。请复制好您的修改，点“重新载入”后再改。",
            self.path
        )
    }
}

impl std::error::Error for Conflict {}

/// Write `bytes` to `rel` when the file is still at `expected` (see
/// [`version_of`]); the old content goes to a backup first. Returns the
/// new version.
pub(crate) fn save(root: &Path, rel: &str, expected: &str, bytes: &[u8]) -> Result<String> {
    let path = resolve(root, rel)?;
    let current = read_if_exists(&path)?;
    if version_of(current.as_deref()) != expected {
        return Err(Conflict {
            path: rel.to_string(),
        }
        .into());
    }
    if let Some(old) = &current {
        if old.as_slice() == bytes {
            return Ok(expected.to_string());
        }
        backup(root, rel, old)?;
    }
    write_atomic(&path, bytes)?;
    Ok(version_of(Some(bytes)))
}

/// Create `rel` with `bytes`; refused if anything is there already.
pub(crate) fn create(root: &Path, rel: &str, bytes: &[u8]) -> Result<String> {
    let path = resolve(root, rel)?;
    if path.exists() {
        bail!("{rel} 已存在，未做任何修改");
    }
    write_atomic(&path, bytes)?;
    Ok(version_of(Some(bytes)))
}

pub(crate) fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow!(
            "无法读取 {}：{}",
            path.display(),
            crate::source::io_reason(&e)
        )),
    }
}

/// One kept version of a file.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Backup {
    /// `.wenming-backup/<stamp>/<site-relative path>`, the name 恢复 uses.
    pub(crate) id: String,
    /// The file it is a version of.
    pub(crate) path: String,
    /// When it was replaced, `2026-12-04 10:30:05`.
    pub(crate) when: String,
    pub(crate) size: u64,
}

fn backup(root: &Path, rel: &str, old: &[u8]) -> Result<()> {
    let now = chrono::Local::now();
    let stamp = now.format("%Y%m%d-%H%M%S%.3f").to_string();
    let target = root.join(BACKUP_DIR).join(&stamp).join(rel);
    write_atomic(&target, old).context("无法保存修改前的备份，这次没有保存")?;
    prune(root, rel);
    Ok(())
}

/// Every backup, newest first (of one file when `of` is given).
pub(crate) fn backups(root: &Path, of: Option<&str>) -> Vec<Backup> {
    let dir = root.join(BACKUP_DIR);
    let mut out = Vec::new();
    let Ok(stamps) = std::fs::read_dir(&dir) else {
        return out;
    };
    for stamp in stamps.flatten() {
        let stamp_name = stamp.file_name().to_string_lossy().into_owned();
        let Some(when) = parse_stamp(&stamp_name) else {
            continue;
        };
        for entry in walkdir::WalkDir::new(stamp.path()).into_iter().flatten() {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(inner) = entry.path().strip_prefix(stamp.path()) else {
                continue;
            };
            let path = inner.to_string_lossy().replace('\\', "/");
            if of.is_some_and(|o| o != path) {
                continue;
            }
            out.push(Backup {
                id: format!("{stamp_name}/{path}"),
                path,
                when: when.clone(),
                size: entry.metadata().map(|m| m.len()).unwrap_or(0),
            });
        }
    }
    out.sort_by(|a, b| b.id.cmp(&a.id));
    out
}

fn parse_stamp(name: &str) -> Option<String> {
    let t = chrono::NaiveDateTime::parse_from_str(name, "%Y%m%d-%H%M%S%.3f").ok()?;
    Some(t.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn prune(root: &Path, rel: &str) {
    for old in backups(root, Some(rel)).into_iter().skip(BACKUPS_PER_FILE) {
        let path = root.join(BACKUP_DIR).join(&old.id);
        let _ = std::fs::remove_file(&path);
        // The stamp folder, once it holds nothing more.
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != root.join(BACKUP_DIR)) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
}

/// Put a backup back in place; what is there now is itself backed up
/// first, so a restore can be undone.
pub(crate) fn restore(root: &Path, id: &str) -> Result<String> {
    let (stamp, rel) = id
        .split_once('/')
        .filter(|(s, _)| parse_stamp(s).is_some())
        .ok_or_else(|| anyhow!("没有这个备份：{id}"))?;
    let target = resolve(root, rel)?;
    let source = root.join(BACKUP_DIR).join(stamp).join(rel);
    let bytes = std::fs::read(&source).map_err(|_| anyhow!("没有这个备份：{id}"))?;
    let current = read_if_exists(&target)?;
    save(root, rel, &version_of(current.as_deref()), &bytes)?;
    Ok(rel.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_content_data_and_the_ledger_scans() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("content/reports")).unwrap();
        for ok in [
            "content/reports/a.md",
            "data/ledger.yaml",
            "content/reports/新/index.md",
            "static/ledger/签到表.pdf",
        ] {
            assert!(resolve(site.path(), ok).is_ok(), "{ok}");
        }
        for bad in [
            "../x.md",
            "content/../../x.md",
            "/etc/passwd",
            "site.yaml",
            "public/index.html",
            "content/.git/config",
            ".wenming-backup/x",
            "content\\..\\x",
            "C:/Windows/win.ini",
            "content",
            "static/style.css",
            "static/ledger",
            "static/ledger/../x.pdf",
            "",
        ] {
            assert!(resolve(site.path(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_save_keeps_a_backup_and_refuses_a_changed_file() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        let v1 = create(root, "content/reports/a.md", b"one").unwrap();
        let v2 = save(root, "content/reports/a.md", &v1, b"two").unwrap();
        assert_eq!(
            std::fs::read(root.join("content/reports/a.md")).unwrap(),
            b"two"
        );
        let kept = backups(root, Some("content/reports/a.md"));
        assert_eq!(kept.len(), 1);
        assert_eq!(
            std::fs::read(root.join(BACKUP_DIR).join(&kept[0].id)).unwrap(),
            b"one"
        );
        // A hand edit since the form was opened at v2.
        std::fs::write(root.join("content/reports/a.md"), b"by hand").unwrap();
        let err = save(root, "content/reports/a.md", &v2, b"three").unwrap_err();
        assert!(err.downcast_ref::<Conflict>().is_some(), "{err}");
        assert_eq!(
            std::fs::read(root.join("content/reports/a.md")).unwrap(),
            b"by hand"
        );
        // Restoring the backup puts "one" back and keeps "by hand".
        restore(root, &kept[0].id).unwrap();
        assert_eq!(
            std::fs::read(root.join("content/reports/a.md")).unwrap(),
            b"one"
        );
        let kept = backups(root, Some("content/reports/a.md"));
        assert_eq!(kept.len(), 2);
        assert_eq!(
            std::fs::read(root.join(BACKUP_DIR).join(&kept[0].id)).unwrap(),
            b"by hand"
        );
        assert!(restore(root, "../../etc/passwd").is_err());
        assert!(create(root, "content/reports/a.md", b"x").is_err());
    }
}
