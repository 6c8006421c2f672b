//! The write phase, overlapped with rendering through [`Writer`].
//!
//! The output folder belongs to wenming or is not touched (SPEC §12): it is
//! written only when it is missing, empty, or carries wenming's manifest
//! ([`manifest`]), and a file the manifest does not list is never deleted
//! or overwritten. Publishing is all-or-nothing: every new or changed file
//! is written into a staging folder inside the output (`.wenming-staging`),
//! made durable, and then moved into place by a journal ([`journal`]) that
//! the next run replays if this one is killed half-way. Unchanged files are
//! recognised by the manifest and left alone, so a rebuild after one new
//! report writes a handful of files, not the whole site.
//!
//! Only an error-free build commits; one with mistakes leaves the published
//! output as it was.

mod journal;
pub mod manifest;

use crate::fs::{self, Stamp};
use anyhow::{bail, Result};
use manifest::{Entry, Manifest};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
pub(crate) fn check_output_dir(root: &Path, out: &Path) -> Result<()> {
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

/// Our own entries in an output folder (manifest, lock, journal, staging).
const OWN_PREFIX: &str = ".wenming-";
const LOCK: &str = ".wenming-lock";

/// Files a system puts into any folder it shows, which do not make a folder
/// someone else's.
fn is_system_file(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "thumbs.db" | "desktop.ini" | ".ds_store"
    )
}

/// What the output folder is, before anything is written to it.
enum Folder {
    Missing,
    /// Empty, or holding only wenming's own entries of an unfinished first
    /// build.
    Empty,
    Ours(Manifest),
}

fn inspect(out: &Path) -> Result<Folder> {
    let meta = match std::fs::metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Folder::Missing),
        Err(e) => return Err(fs::failed("打开输出文件夹", out, e)),
    };
    if !meta.is_dir() {
        bail!(
            "输出位置 {} 已有同名文件，不是文件夹；请换一个输出文件夹（默认是站点文件夹下的 public）",
            fs::display(out)
        );
    }
    let marker = out.join(manifest::FILE);
    if marker.exists() {
        let text = String::from_utf8(fs::read(&marker)?).unwrap_or_default();
        return match Manifest::parse(&text) {
            Some(m) => Ok(Folder::Ours(m)),
            None => bail!(
                "输出文件夹 {} 的记录文件 {} 已损坏或来自更新版本的 wenming，无法确定哪些文件是 wenming 写的，为防止误删，没有写入任何内容；请删除这个输出文件夹后重新生成",
                fs::display(out),
                manifest::FILE
            ),
        };
    }
    let read = std::fs::read_dir(out).map_err(|e| fs::failed("读取文件夹", out, e))?;
    let mut others: Vec<String> = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| fs::failed("读取文件夹", out, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(OWN_PREFIX) && !is_system_file(&name) {
            others.push(name);
        }
    }
    if others.is_empty() {
        return Ok(Folder::Empty);
    }
    others.sort();
    let count = others.len();
    others.truncate(3);
    bail!(
        "输出文件夹 {} 不是 wenming 生成的（里面已有 {}{}），为防止误删其中的文件，没有写入任何内容。\n    提示：请换一个不存在的或空的文件夹作为输出（默认是站点文件夹下的 public）；如果这是旧版本 wenming 生成的网站，把它删除或改名后再生成",
        fs::display(out),
        others.join("、"),
        if count > 3 { format!(" 等 {count} 项") } else { String::new() }
    )
}

/// Takes pages as they are rendered (from many threads), so a large site is
/// never held in memory whole. Each is compared with what the manifest
/// says is published; a new or changed one is written into the staging
/// tree at once. Nothing reaches the published output before
/// [`Writer::commit`], which only an error-free build calls.
pub(crate) struct Writer {
    out: PathBuf,
    tree: PathBuf,
    old: Arc<Manifest>,
    taken: Mutex<HashMap<String, Taken>>,
    /// The first failure writing to staging, reported at commit.
    failure: Mutex<Option<anyhow::Error>>,
    /// Whether this run made the output folder (an aborted first build
    /// then takes it away again).
    created: bool,
    /// What this run found and did before building (an interrupted publish
    /// finished or rolled back).
    notes: Vec<String>,
    /// Files in the output folder that wenming did not write, found by a
    /// walk on another thread while the site renders.
    foreign: Mutex<Option<std::thread::JoinHandle<Vec<String>>>>,
    lock: Option<fs::Lock>,
    /// Staging folders made so far: one `mkdir` per folder, not per file.
    made_folders: Mutex<rustc_hash::FxHashSet<PathBuf>>,
}

#[derive(Clone, Copy)]
struct Taken {
    entry: Entry,
    /// Written into the staging tree (else already published as is).
    staged: bool,
}

/// What the write phase did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteStats {
    /// Files created or changed.
    pub written: usize,
    /// Files already up to date.
    pub unchanged: usize,
    /// Files of an earlier build that are no longer produced.
    pub removed: usize,
    /// Files in the output that wenming did not write, left as they are.
    pub foreign: Vec<String>,
    /// Files of an earlier build changed by someone since, not deleted.
    pub kept_changed: Vec<String>,
    /// What was found and done before this build (an interrupted publish).
    pub notes: Vec<String>,
}

/// A publish that did not happen, or did not finish.
#[derive(Debug)]
pub(crate) struct WriteFailure {
    pub error: anyhow::Error,
    /// `false`: nothing of the new site was published, the old one stands.
    /// `true`: the commit was decided and began; the next run finishes it.
    pub interrupted: bool,
}

impl Writer {
    pub(crate) fn begin(out: &Path) -> Result<Writer> {
        let created = matches!(inspect(out)?, Folder::Missing);
        if created {
            fs::create_dir_all(out)?;
        }
        let Some(lock) = fs::Lock::try_take(&out.join(LOCK))? else {
            bail!(
                "另一个 wenming 正在生成到输出文件夹 {}；请等它结束后再运行（一个输出文件夹同时只能有一次生成）",
                fs::display(out)
            );
        };
        let mut notes = Vec::new();
        if let Some(journal) = journal::read(out)? {
            let applied = journal::apply(out, &journal, true)?;
            notes.push(format!(
                "上次生成在发布途中被中断，现已按记录完成那次发布（移入 {} 项，删除旧文件 {} 个）",
                journal.rename.len(),
                applied.removed
            ));
        } else if journal::staging(out).exists() {
            fs::remove_dir_all(&journal::staging(out))?;
            notes.push("上次生成没有完成，网站保持原样；它留下的临时文件已清理".to_string());
        }
        let old = match inspect(out)? {
            Folder::Ours(m) => m,
            _ => Manifest::default(),
        };
        let tree = journal::staging(out).join(journal::TREE);
        fs::create_dir_all(&tree)?;
        let old = Arc::new(old);
        let foreign = {
            let (out, old) = (out.to_path_buf(), Arc::clone(&old));
            std::thread::spawn(move || {
                // Loading the sources (on every core) goes first.
                crate::threads::yield_to_others();
                foreign_files(&out, &old)
            })
        };
        Ok(Writer {
            out: out.to_path_buf(),
            tree,
            old,
            taken: Mutex::new(HashMap::default()),
            failure: Mutex::new(None),
            created,
            notes,
            foreign: Mutex::new(Some(foreign)),
            lock: Some(lock),
            made_folders: Mutex::default(),
        })
    }

    /// Take one rendered page (called from many threads at once).
    pub fn put(&self, file: OutputFile) {
        match self.take(&file) {
            Ok(taken) => {
                self.taken.lock().expect("taken").insert(file.path, taken);
            }
            Err(e) => {
                self.failure.lock().expect("failure").get_or_insert(e);
            }
        }
    }

    fn take(&self, file: &OutputFile) -> Result<Taken> {
        let fingerprint = match &file.content {
            Content::Bytes(b) => manifest::fingerprint_bytes(b),
            Content::Copy(src) => {
                let meta = std::fs::metadata(src).map_err(|e| fs::failed("读取", src, e))?;
                manifest::fingerprint_copy(src, Stamp::of(&meta))
            }
        };
        if let Some(old) = self.old.files.get(&file.path) {
            // Published as it is, and nobody touched it since.
            if old.fingerprint == fingerprint
                && Stamp::of_file(&self.out.join(&file.path)) == Some(old.stamp)
            {
                return Ok(Taken {
                    entry: *old,
                    staged: false,
                });
            }
        }
        let target = self.tree.join(&file.path);
        if let Some(parent) = target.parent() {
            self.make_folder(parent)?;
        }
        match &file.content {
            Content::Bytes(b) => fs::write(&target, b)?,
            Content::Copy(src) => fs::copy(src, &target, is_cache_file(src))?,
        }
        let stamp = Stamp::of_file(&target)
            .ok_or_else(|| anyhow::anyhow!("无法写入 {}", fs::display(&target)))?;
        Ok(Taken {
            entry: Entry { stamp, fingerprint },
            staged: true,
        })
    }

    fn make_folder(&self, dir: &Path) -> Result<()> {
        if self.made_folders.lock().expect("folders").contains(dir) {
            return Ok(());
        }
        fs::create_dir_all(dir)?;
        self.made_folders
            .lock()
            .expect("folders")
            .insert(dir.to_path_buf());
        Ok(())
    }

    /// Publish: the pages taken, plus `rest` (files not passed to `put`; a
    /// page taken earlier wins over a file of `rest` at the same path, and
    /// within `rest` a later file wins).
    pub fn commit(mut self, rest: &[OutputFile]) -> Result<WriteStats, WriteFailure> {
        let refused = |error| WriteFailure {
            error,
            interrupted: false,
        };
        let mut clock = crate::timings::Clock::start();
        {
            use rayon::prelude::*;
            let taken = self.taken.lock().expect("taken");
            let mut last: HashMap<&str, &OutputFile> = HashMap::default();
            for f in rest.iter().filter(|f| !taken.contains_key(&f.path)) {
                last.insert(&f.path, f);
            }
            drop(taken);
            let rest: Vec<&OutputFile> = last.into_values().collect();
            rest.par_iter().for_each(|f| self.put((*f).clone()));
        }
        clock.lap("  write: rest");
        let failure = self.failure.lock().expect("failure").take();
        if let Some(e) = failure {
            self.discard();
            return Err(refused(e));
        }
        let taken = std::mem::take(&mut *self.taken.lock().expect("taken"));
        let foreign = self
            .foreign
            .lock()
            .expect("foreign")
            .take()
            .and_then(|walk| walk.join().ok())
            .unwrap_or_default();
        let plan = match plan(&self.out, &self.old, &taken) {
            Ok(plan) => plan,
            Err(e) => {
                self.discard();
                return Err(refused(e));
            }
        };
        clock.lap("  write: walk + plan");
        let new_manifest = Manifest {
            files: taken.iter().map(|(p, t)| (p.clone(), t.entry)).collect(),
        };
        let staging = journal::staging(&self.out);
        fs::publish_step();
        // The staged files reach the disk before the journal points at
        // them where an old site is at stake. A first build has nothing to
        // lose: should a power cut tear a file of it, the manifest's sizes
        // and times tell the next run, which writes it again.
        let durable = if self.old.files.is_empty() {
            Ok(())
        } else {
            fs::sync_written(&staging, &plan.staged_files)
        };
        let decided = durable
            .and_then(|()| {
                fs::write_durably(
                    &staging.join(journal::NEW_MANIFEST),
                    new_manifest.to_text().as_bytes(),
                )
            })
            .and_then(|()| {
                fs::publish_step();
                journal::write(&self.out, plan.delete, plan.rename)
            });
        if let Err(e) = decided {
            // (A journal cut off half-way lies in the staging folder, never replayed.)
            self.discard();
            return Err(refused(e));
        }
        fs::publish_step();
        clock.lap("  write: manifest + journal");
        let journal = journal::read(&self.out).ok().flatten();
        let applied = journal
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("无法读取刚写入的发布记录"))
            .and_then(|j| journal::apply(&self.out, j, !self.old.files.is_empty()));
        let applied = applied.map_err(|error| WriteFailure {
            error: error.context(format!(
                "发布没有完成：新网站已部分移入 {}。进度已记录，排除上面的问题后重新运行 wenming build 即可完成发布",
                fs::display(&self.out)
            )),
            interrupted: true,
        })?;
        clock.lap("  write: apply");
        let written = taken.values().filter(|t| t.staged).count();
        Ok(WriteStats {
            written,
            unchanged: taken.len() - written,
            removed: applied.removed,
            foreign,
            kept_changed: applied.kept_changed,
            notes: std::mem::take(&mut self.notes),
        })
    }

    /// What this run found before building (an interrupted publish).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Drop everything: the published output stays as it was.
    pub fn abort(mut self) {
        self.discard();
    }

    fn discard(&mut self) {
        let _ = fs::remove_dir_all(&journal::staging(&self.out));
        if let Some(walk) = self.foreign.lock().expect("foreign").take() {
            let _ = walk.join();
        }
        if self.created {
            // The folder this run made goes again, if nothing else came
            // into it meanwhile (the lock is let go first: Windows does not
            // delete an open file).
            self.lock = None;
            let _ = std::fs::remove_file(self.out.join(LOCK));
            let _ = std::fs::remove_dir(&self.out);
        }
    }
}

/// Whether `src` is a file of the photo cache, which is never changed in
/// place (a new version is a new file), so the output may share it.
fn is_cache_file(src: &Path) -> bool {
    src.components().any(|c| c.as_os_str() == ".wenming-cache")
}

/// What a commit will do, decided before anything is touched.
struct Plan {
    delete: Vec<journal::Delete>,
    /// Staged files and folders to move in, as few as cover them all.
    rename: Vec<String>,
    /// Every staged file, to make durable.
    staged_files: Vec<PathBuf>,
}

/// How a path of the output folder is now.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnDisk {
    Missing,
    Folder,
    File,
    /// A link, or anything else that is neither.
    Other,
}

fn on_disk(path: &Path) -> OnDisk {
    match std::fs::symlink_metadata(path) {
        Err(_) => OnDisk::Missing,
        Ok(m) if m.is_dir() => OnDisk::Folder,
        Ok(m) if m.is_file() => OnDisk::File,
        Ok(_) => OnDisk::Other,
    }
}

/// Decide the journal of a commit. A staged file whose folder is missing
/// from the output moves in with that whole folder (a new report is one
/// move; a first build, a dozen). A file of someone else's where the new
/// site puts one of its own refuses the commit.
fn plan(out: &Path, old: &Manifest, taken: &HashMap<String, Taken>) -> Result<Plan> {
    let delete: Vec<journal::Delete> = old
        .files
        .iter()
        .filter(|(path, _)| !taken.contains_key(*path))
        .map(|(path, e)| journal::Delete {
            path: path.clone(),
            len: e.stamp.len,
            modified_ns: e.stamp.modified_ns,
        })
        .collect();
    let stale: HashSet<&str> = delete.iter().map(|d| d.path.as_str()).collect();
    let mut staged: Vec<&str> = taken
        .iter()
        .filter(|(_, t)| t.staged)
        .map(|(p, _)| p.as_str())
        .collect();
    staged.sort_unstable();
    let mut known: HashMap<String, OnDisk> = HashMap::default();
    let mut state = |rel: &str| -> OnDisk {
        *known
            .entry(rel.to_owned())
            .or_insert_with(|| on_disk(&out.join(rel)))
    };
    let conflict = |rel: &str, what: &str| -> anyhow::Error {
        anyhow::anyhow!(
            "输出文件夹中的 {} 不是 wenming 写的，而新网站要在这里写入{what}；为防止误删，没有发布任何内容。\n    提示：请把它移走（如要随网站一起发布，请放到站点的 static/ 文件夹中）后重新生成",
            fs::display(&out.join(rel))
        )
    };
    let mut rename: Vec<String> = Vec::new();
    for path in &staged {
        if let Some(unit) = rename.last() {
            if path.len() > unit.len()
                && path.starts_with(unit.as_str())
                && path.as_bytes()[unit.len()] == b'/'
            {
                continue;
            }
        }
        // The first part of the path the output does not have as a folder.
        let mut unit = None;
        for (i, _) in path.match_indices('/') {
            let folder = &path[..i];
            match state(folder) {
                OnDisk::Folder => continue,
                OnDisk::Missing => {}
                // One of ours that the new site drops: deleted first.
                OnDisk::File if stale.contains(folder) => {}
                OnDisk::File | OnDisk::Other => return Err(conflict(folder, "一个文件夹")),
            }
            unit = Some(folder);
            break;
        }
        let unit = match unit {
            Some(folder) => folder,
            None => match state(path) {
                OnDisk::Missing => path,
                // Ours (if changed by hand since, it is put right).
                OnDisk::File if old.files.contains_key(*path) => path,
                OnDisk::File | OnDisk::Other | OnDisk::Folder => {
                    return Err(conflict(path, "同名文件"))
                }
            },
        };
        rename.push(unit.to_owned());
    }
    let tree = journal::staging(out).join(journal::TREE);
    Ok(Plan {
        delete,
        rename,
        staged_files: staged.iter().map(|p| tree.join(p)).collect(),
    })
}

/// The files below `out` that `old` does not list: someone else's. The
/// output's own dot entries (`.git`, `.well-known`, wenming's) are left out.
fn foreign_files(out: &Path, old: &Manifest) -> Vec<String> {
    let mut found = Vec::new();
    let walk = walkdir::WalkDir::new(out)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walk.flatten() {
        if entry.file_type().is_dir() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(out) else {
            continue;
        };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if !old.files.contains_key(&rel) && !is_system_file(&rel) {
            found.push(rel);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            content: Content::Bytes(text.as_bytes().into()),
        }
    }

    fn publish(out: &Path, files: &[OutputFile]) -> WriteStats {
        let writer = Writer::begin(out).expect("begin");
        // Half the pages streamed while rendered, the rest handed at commit.
        let (streamed, rest) = files.split_at(files.len() / 2);
        for f in streamed {
            writer.put(f.clone());
        }
        writer.commit(rest).expect("commit")
    }

    #[test]
    fn a_first_publish_writes_every_page_and_the_mark() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let stats = publish(
            &out,
            &[
                page("index.html", "首页"),
                page("reports/a/index.html", "甲"),
            ],
        );
        assert_eq!((stats.written, stats.unchanged, stats.removed), (2, 0, 0));
        assert_eq!(
            std::fs::read_to_string(out.join("reports/a/index.html")).unwrap(),
            "甲"
        );
        assert!(out.join(".wenming-output").is_file());
        // Nothing of the staging is left beside the output.
        let beside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(beside, ["public"]);
    }

    #[test]
    fn a_rebuild_keeps_what_is_unchanged_removes_its_own_old_pages_and_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        publish(
            &out,
            &[
                page("index.html", "首页"),
                page("reports/a/index.html", "甲"),
            ],
        );
        std::fs::write(out.join("上传说明.txt"), "信息中心的文件").unwrap();
        let stats = publish(
            &out,
            &[
                page("index.html", "首页"),
                page("reports/b/index.html", "乙"),
            ],
        );
        assert_eq!((stats.written, stats.unchanged, stats.removed), (1, 1, 1));
        assert!(!out.join("reports/a/index.html").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("reports/b/index.html")).unwrap(),
            "乙"
        );
        assert_eq!(stats.foreign, ["上传说明.txt"]);
        assert_eq!(
            std::fs::read_to_string(out.join("上传说明.txt")).unwrap(),
            "信息中心的文件"
        );
    }

    #[test]
    fn an_aborted_build_leaves_the_old_site_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        publish(&out, &[page("index.html", "旧")]);
        let writer = Writer::begin(&out).unwrap();
        writer.put(page("index.html", "新"));
        writer.abort();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "旧"
        );
        let beside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(beside, ["public"]);
    }
}
