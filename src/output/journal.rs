//! The commit record of a publish, `.wenming-journal`: which old files to
//! delete and which staged files and folders to move into place. Once it is
//! on disk the publish is decided; applying it is idempotent, so a run
//! killed half-way through is finished by the next one (the same code
//! replays it), and a run killed before it existed left the old site alone.

use super::manifest;
use crate::fs::{self, Stamp};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub const FILE: &str = ".wenming-journal";
/// Where a build puts what it writes until the commit.
pub(crate) const STAGING: &str = ".wenming-staging";
/// In the staging folder: the new files, laid out as in the output …
pub(crate) const TREE: &str = "tree";
/// … and the new manifest.
pub(crate) const NEW_MANIFEST: &str = "manifest";

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Journal {
    pub version: u32,
    /// Files of the old site the new one no longer has.
    pub delete: Vec<Delete>,
    /// Site-relative paths (files, or folders new as a whole) to move from
    /// the staging tree into the output.
    pub rename: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Delete {
    pub path: String,
    /// As the manifest knew it: a file changed by someone since is kept.
    pub len: u64,
    pub modified_ns: i64,
}

/// What applying a journal did.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub removed: usize,
    /// Old files not deleted because someone changed them after wenming
    /// wrote them.
    pub kept_changed: Vec<String>,
}

const VERSION: u32 = 1;

pub fn staging(out: &Path) -> PathBuf {
    out.join(STAGING)
}

/// Make the decision durable: after this returns, the publish happens,
/// now or at the next run.
pub fn write(out: &Path, delete: Vec<Delete>, rename: Vec<String>) -> Result<()> {
    let journal = Journal {
        version: VERSION,
        delete,
        rename,
    };
    let text = serde_json::to_vec(&journal)?;
    // Written inside the staging folder, so a journal cut off half-way is
    // cleared with the rest of an unfinished build.
    let tmp = staging(out).join(format!("{FILE}.tmp"));
    fs::write_durably(&tmp, &text)?;
    fs::rename(&tmp, &out.join(FILE))?;
    fs::sync_dir(out);
    Ok(())
}

/// The journal of an interrupted publish, if one is waiting.
pub fn read(out: &Path) -> Result<Option<Journal>> {
    let path = out.join(FILE);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = fs::read(&path)?;
    match serde_json::from_slice::<Journal>(&bytes) {
        Ok(j) if j.version == VERSION => Ok(Some(j)),
        _ => anyhow::bail!(
            "{} 已损坏，无法完成上次中断的发布；请删除输出文件夹 {} 后重新生成",
            fs::display(&path),
            fs::display(out)
        ),
    }
}

/// Carry out `journal` on the output folder `out`, then forget it. With
/// `durable`, the moves reach the disk before the journal goes (not needed
/// for a first build, which has no old site to lose).
pub(crate) fn apply(out: &Path, journal: &Journal, durable: bool) -> Result<Applied> {
    let mut applied = Applied::default();
    let mut emptied: Vec<PathBuf> = Vec::new();
    for d in &journal.delete {
        let path = out.join(&d.path);
        let written = Stamp {
            len: d.len,
            modified_ns: d.modified_ns,
        };
        match Stamp::of_file(&path) {
            Some(now) if now == written => {
                fs::remove_file(&path)?;
                applied.removed += 1;
                fs::publish_step();
                if let Some(parent) = path.parent() {
                    emptied.push(parent.to_path_buf());
                }
            }
            Some(_) => applied.kept_changed.push(d.path.clone()),
            None => {}
        }
    }
    // Folders left empty go too, deepest first; `remove_dir` leaves any that
    // still hold something (someone else's file, a kept one). A folder the
    // new site moves something into stays (its only old file renamed, say).
    // (Worked out only when something was deleted: most rebuilds delete nothing.)
    let needed: HashSet<&Path> = if emptied.is_empty() {
        HashSet::new()
    } else {
        journal
            .rename
            .iter()
            .flat_map(|rel| Path::new(rel).ancestors().skip(1))
            .collect()
    };
    emptied.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    emptied.dedup();
    for mut dir in emptied {
        while dir != out
            && dir.starts_with(out)
            && !dir.strip_prefix(out).is_ok_and(|rel| needed.contains(rel))
            && std::fs::remove_dir(&dir).is_ok()
        {
            if !dir.pop() {
                break;
            }
        }
    }
    let tree = staging(out).join(TREE);
    let mut parents: Vec<PathBuf> = Vec::new();
    for rel in &journal.rename {
        let from = tree.join(rel);
        // Moved already by the run this one finishes.
        if std::fs::symlink_metadata(&from).is_err() {
            continue;
        }
        let to = out.join(rel);
        if let Err(e) = fs::rename(&from, &to) {
            // Its folder gone since the journal was written (an earlier
            // wenming removed emptied folders before moving into them):
            // looked at only when a move fails, not for every file.
            match to.parent().filter(|p| !p.is_dir()) {
                Some(parent) => {
                    fs::create_dir_all(parent)?;
                    fs::rename(&from, &to)?;
                }
                None => return Err(e),
            }
        }
        fs::publish_step();
        if let Some(p) = to.parent() {
            if parents.last() != Some(&p.to_path_buf()) {
                parents.push(p.to_path_buf());
            }
        }
    }
    let new_manifest = staging(out).join(NEW_MANIFEST);
    if new_manifest.exists() {
        fs::rename(&new_manifest, &out.join(manifest::FILE))?;
        fs::publish_step();
    }
    parents.sort();
    parents.dedup();
    if durable {
        fs::sync_dirs(out, &parents);
    }
    fs::remove_file(&out.join(FILE))?;
    if durable {
        fs::sync_dir(out);
    }
    fs::remove_dir_all(&staging(out))?;
    Ok(applied)
}
