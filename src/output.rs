//! Phase 4: writing, overlapped with rendering through [`Writer`]. Only an
//! error-free build commits, so a site with mistakes never touches the
//! published output. A new output folder is staged beside its place and
//! renamed in; an existing one is brought up to date in place: a file whose
//! bytes are already there is left alone, changed and new files are written,
//! files no longer produced are removed. Rewriting or swapping in 13,000
//! unchanged files is what made large builds slow (new inodes and renames
//! are the expensive operations on disk).

use anyhow::{bail, Context as _, Result};
// Fx hashing: the writer hashes every output path a few times, and the
// default SipHash showed in profiles of sites with thousands of photos.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

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

/// Takes pages as they are rendered, so a large site is never held in
/// memory whole. Nothing reaches the published output before
/// [`Writer::commit`], which only an error-free build calls:
///
/// - when the output folder does not exist yet (or is empty), pages are
///   written straight into a staging folder beside it, which then becomes
///   the output by one rename;
/// - otherwise each page is compared with the file already there: an
///   identical one is dropped at once, a changed one is kept until commit.
pub struct Writer {
    out: PathBuf,
    /// `Some` in the first case above.
    staging: Option<PathBuf>,
    /// Paths taken so far (written to staging, or found unchanged).
    taken: Mutex<HashSet<String>>,
    /// Changed pages waiting for commit (second case).
    pending: Mutex<Vec<OutputFile>>,
    written: AtomicUsize,
    unchanged: AtomicUsize,
    /// The first failure writing to staging, reported at commit.
    failure: Mutex<Option<anyhow::Error>>,
    /// What the output folder held when the build began (second case),
    /// read on another thread while the site renders.
    listing: std::sync::OnceLock<Listing>,
    walker: Mutex<Option<std::thread::JoinHandle<Listing>>>,
}

/// One walk of the output folder: every entry's kind and inode, as the
/// folder listing gives them without a look at each file. It lets the
/// writer skip thousands of per-file checks (processed photos are hard
/// links, recognised by inode) and find stale files without a second walk.
#[derive(Default)]
struct Listing {
    entries: HashMap<String, Listed>,
    /// Device of the output folder (inodes compare only on one device).
    dev: Option<u64>,
    /// Entries that are not folders.
    files: usize,
    /// Whether some folder is empty. Without one, every folder holds a
    /// file somewhere below it.
    empty_folder: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    /// A link or anything else: looked at closely before use.
    Other,
}

#[derive(Clone, Copy)]
struct Listed {
    kind: Kind,
    ino: u64,
}

impl Listing {
    fn of(out: &Path) -> Listing {
        let mut listing = Listing {
            dev: device(out),
            ..Listing::default()
        };
        list_tree(out, &mut listing);
        listing
    }

    /// Record the entry `name` of the folder `rel` (`""`: the output folder).
    /// Returns the path, relative to the output folder, of a folder to list
    /// in turn. (Top-level dot entries, such as .git and .well-known, belong
    /// to the office: they are not recorded.)
    fn add(&mut self, rel: &str, name: &str, kind: Kind, ino: u64) -> Option<String> {
        if rel.is_empty() && name.starts_with('.') {
            return None;
        }
        let path = if rel.is_empty() {
            name.to_owned()
        } else {
            let mut path = String::with_capacity(rel.len() + 1 + name.len());
            path.push_str(rel);
            path.push('/');
            path.push_str(name);
            path
        };
        let listed = Listed { kind, ino };
        if kind == Kind::Dir {
            self.entries.insert(path.clone(), listed);
            Some(path)
        } else {
            self.files += 1;
            self.entries.insert(path, listed);
            None
        }
    }

    fn get(&self, rel: &str) -> Option<Listed> {
        self.entries.get(rel).copied()
    }
}

/// How folders are opened to be read (`open_folder`, `list_tree`).
#[cfg(target_os = "linux")]
const FOLDER_FLAGS: rustix::fs::OFlags = rustix::fs::OFlags::RDONLY
    .union(rustix::fs::OFlags::DIRECTORY)
    .union(rustix::fs::OFlags::CLOEXEC);

/// The folder at `path`, open to be read or to look up files in it.
#[cfg(target_os = "linux")]
pub fn open_folder(path: &Path) -> Option<rustix::fd::OwnedFd> {
    rustix::fs::openat(
        rustix::fs::CWD,
        path,
        FOLDER_FLAGS,
        rustix::fs::Mode::empty(),
    )
    .ok()
}

/// `.` and `..`, which `getdents64` lists and std's `read_dir` leaves out.
#[cfg(target_os = "linux")]
fn is_dot_entry(name: &std::ffi::CStr) -> bool {
    matches!(name.to_bytes(), b"." | b"..")
}

/// List every entry below `out` into `listing`.
///
/// On Linux each folder is opened relative to its parent and read with
/// `getdents64` into one buffer: no allocation per entry, and four system
/// calls per folder (std's `read_dir` adds an `fstat`, and looks up the
/// whole path again for each of the site's thousand-odd folders).
#[cfg(target_os = "linux")]
fn list_tree(out: &Path, listing: &mut Listing) {
    use rustix::fs::{openat, statat, AtFlags, FileType, Mode, OFlags, RawDir};
    use std::ffi::CString;
    use std::rc::Rc;
    let Some(root) = open_folder(out) else {
        return;
    };
    let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); 32 * 1024];
    // Folders waiting to be listed, each opened only when its turn comes
    // (a parent stays open meanwhile: as many open as the tree is deep,
    // not one per report folder).
    let mut waiting: Vec<(Rc<rustix::fd::OwnedFd>, CString, String)> = Vec::new();
    let mut next = Some((Rc::new(root), String::new()));
    loop {
        let (folder, rel) = match next.take() {
            Some(open) => open,
            None => {
                let Some((parent, name, rel)) = waiting.pop() else {
                    break;
                };
                // (Not followed if it became a link since it was listed.)
                match openat(
                    &*parent,
                    name.as_c_str(),
                    FOLDER_FLAGS | OFlags::NOFOLLOW,
                    Mode::empty(),
                ) {
                    Ok(fd) => (Rc::new(fd), rel),
                    Err(_) => continue,
                }
            }
        };
        let mut dir = RawDir::new(&*folder, &mut buf);
        let mut any = false;
        while let Some(Ok(entry)) = dir.next() {
            let name = entry.file_name();
            if is_dot_entry(name) {
                continue;
            }
            any = true;
            let file_type = match entry.file_type() {
                // Some file systems leave the type to a look at the entry.
                FileType::Unknown => statat(&*folder, name, AtFlags::SYMLINK_NOFOLLOW)
                    .map_or(FileType::Unknown, |st| FileType::from_raw_mode(st.st_mode)),
                known => known,
            };
            let kind = match file_type {
                FileType::Directory => Kind::Dir,
                FileType::RegularFile => Kind::File,
                _ => Kind::Other,
            };
            let text = String::from_utf8_lossy(name.to_bytes());
            if let Some(path) = listing.add(&rel, &text, kind, entry.ino()) {
                waiting.push((Rc::clone(&folder), name.to_owned(), path));
            }
        }
        // (The output folder itself may be empty: it is not removed.)
        listing.empty_folder |= !any && !rel.is_empty();
    }
}

#[cfg(not(target_os = "linux"))]
fn list_tree(out: &Path, listing: &mut Listing) {
    let mut folders = vec![(out.to_path_buf(), String::new())];
    while let Some((dir, rel)) = folders.pop() {
        let Ok(read) = fs::read_dir(&dir) else {
            continue;
        };
        let mut any = false;
        for entry in read.flatten() {
            any = true;
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let kind = if file_type.is_dir() {
                Kind::Dir
            } else if file_type.is_file() {
                Kind::File
            } else {
                Kind::Other
            };
            let name = entry.file_name();
            if let Some(path) = listing.add(&rel, &name.to_string_lossy(), kind, entry_ino(&entry))
            {
                folders.push((entry.path(), path));
            }
        }
        // (The output folder itself may be empty: it is not removed.)
        listing.empty_folder |= !any && !rel.is_empty();
    }
}

// (Linux reads folders with `getdents64`, which gives the inode itself.)
#[cfg(all(unix, not(target_os = "linux")))]
fn entry_ino(e: &fs::DirEntry) -> u64 {
    use std::os::unix::fs::DirEntryExt;
    e.ino()
}

#[cfg(not(unix))]
fn entry_ino(_: &fs::DirEntry) -> u64 {
    0
}

#[cfg(unix)]
fn device(p: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(p).ok().map(|m| m.dev())
}

#[cfg(not(unix))]
fn device(_: &Path) -> Option<u64> {
    None
}

impl Writer {
    pub fn begin(out: &Path) -> Result<Writer> {
        if out.exists() && !out.is_dir() {
            bail!("输出位置 {} 已有同名文件，不是文件夹", out.display());
        }
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)
                .with_context(|| format!("无法创建文件夹 {}", parent.display()))?;
        }
        remove_leftovers(out);
        let empty = fs::read_dir(out).map_or(true, |mut d| d.next().is_none());
        let staging = if empty {
            let staging = sibling(out, "staging");
            fs::create_dir_all(&staging)
                .with_context(|| format!("无法创建临时文件夹 {}", staging.display()))?;
            Some(staging)
        } else {
            None
        };
        let walker = staging.is_none().then(|| {
            let out = out.to_path_buf();
            std::thread::spawn(move || {
                // Loading the sources (on every core) goes first.
                crate::threads::yield_to_others();
                Listing::of(&out)
            })
        });
        Ok(Writer {
            out: out.to_path_buf(),
            staging,
            taken: Mutex::new(HashSet::default()),
            pending: Mutex::new(Vec::new()),
            written: AtomicUsize::new(0),
            unchanged: AtomicUsize::new(0),
            failure: Mutex::new(None),
            listing: std::sync::OnceLock::new(),
            walker: Mutex::new(walker),
        })
    }

    /// The output folder's listing (waiting for the walk if need be).
    fn listing(&self) -> &Listing {
        self.listing.get_or_init(|| {
            let walker = self.walker.lock().expect("walker").take();
            walker.and_then(|w| w.join().ok()).unwrap_or_default()
        })
    }

    /// Take one rendered page (called from many threads at once).
    pub fn put(&self, file: OutputFile) {
        match &self.staging {
            Some(staging) => {
                let target = staging.join(&file.path);
                let result = target
                    .parent()
                    .map_or(Ok(()), fs::create_dir_all)
                    .and_then(|()| match &file.content {
                        Content::Bytes(b) => fs::write(&target, b),
                        Content::Copy(src) => copy_file(src, &target),
                    })
                    .with_context(|| format!("无法写入 {}", target.display()));
                match result {
                    Ok(()) => {
                        self.written.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        self.failure.lock().expect("failure").get_or_insert(e);
                    }
                }
            }
            None => {
                let listing = self.listing();
                if up_to_date(&self.out, &file.path, &file.content, listing) {
                    self.unchanged.fetch_add(1, Ordering::Relaxed);
                } else {
                    self.pending.lock().expect("pending").push(file.clone());
                }
            }
        }
        self.taken.lock().expect("taken").insert(file.path);
    }

    /// Publish: the pages taken, plus `rest` (files not passed to `put`; a
    /// page taken earlier wins over a file of `rest` at the same path).
    pub fn commit(self, rest: &[OutputFile]) -> Result<WriteStats> {
        let failure = self.failure.lock().expect("failure").take();
        if let Some(e) = failure {
            self.abort();
            return Err(e);
        }
        let taken = self.taken.into_inner().expect("taken");
        let rest = dedup(rest.iter().filter(|f| !taken.contains(&f.path)));
        let (written, unchanged) = (self.written.into_inner(), self.unchanged.into_inner());
        match self.staging {
            Some(staging) => {
                let result = write_files(&staging, rest).and_then(|written| {
                    swap_in(&staging, &self.out)?;
                    Ok(written)
                });
                if result.is_err() {
                    let _ = fs::remove_dir_all(&staging);
                }
                Ok(WriteStats {
                    written: written + result?,
                    unchanged: 0,
                    removed: 0,
                })
            }
            None => {
                // (No page was put: the walk has not been waited for yet.)
                let listing = self.listing.into_inner().unwrap_or_else(|| {
                    let walker = self.walker.into_inner().expect("walker");
                    walker.and_then(|w| w.join().ok()).unwrap_or_default()
                });
                let changed = self.pending.into_inner().expect("pending");
                let stats = update_files(&self.out, &changed, rest, &taken, &listing)?;
                Ok(WriteStats {
                    written: stats.written,
                    unchanged: unchanged + stats.unchanged,
                    removed: stats.removed,
                })
            }
        }
    }

    /// Drop everything: the published output stays as it was.
    pub fn abort(self) {
        if let Some(staging) = &self.staging {
            let _ = fs::remove_dir_all(staging);
        }
    }
}

/// Make the finished staging folder the output (which is missing or empty).
fn swap_in(staging: &Path, out: &Path) -> Result<()> {
    if out.exists() {
        fs::remove_dir(out).with_context(|| format!("无法替换 {}", out.display()))?;
    }
    fs::rename(staging, out).with_context(|| format!("无法创建 {}", out.display()))
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.wenming-{tag}-{}", std::process::id()))
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

/// One file per path; a later entry wins, as it would written in order.
fn dedup<'a>(files: impl Iterator<Item = &'a OutputFile>) -> Vec<&'a OutputFile> {
    // Sized for them all: growing the map was visible with 6,000 photos.
    let capacity = files.size_hint().1.unwrap_or(0);
    let mut unique: HashMap<&str, &OutputFile> =
        HashMap::with_capacity_and_hasher(capacity, Default::default());
    for f in files {
        unique.insert(f.path.as_str(), f);
    }
    unique.into_values().collect()
}

/// Write `files` (paths unique) into the new staging folder `staging`,
/// which holds nothing else.
fn write_files(staging: &Path, mut unique: Vec<&OutputFile>) -> Result<usize> {
    use rayon::prelude::*;
    unique.sort_by(|a, b| a.path.cmp(&b.path));
    make_folders(staging, &unique, None)?;
    unique
        .par_iter()
        .try_for_each(|f| replace(&staging.join(&f.path), &f.content))?;
    Ok(unique.len())
}

/// Bring the existing output folder `out`, as `listing` found it, up to date:
/// `changed` are known to differ from what is there, `files` (paths unique)
/// are yet to be compared; the paths in `taken` were handled already and
/// are kept.
fn update_files(
    out: &Path,
    changed: &[OutputFile],
    files: Vec<&OutputFile>,
    taken: &HashSet<String>,
    listing: &Listing,
) -> Result<WriteStats> {
    use rayon::prelude::*;
    // Compared first, in parallel: only what differs needs its folders
    // made and sorted for that (in a no-change build, nothing).
    let mut to_write: Vec<&OutputFile> = changed
        .iter()
        .chain(
            files
                .par_iter()
                .copied()
                .filter(|f| !up_to_date(out, &f.path, &f.content, listing))
                .collect::<Vec<_>>(),
        )
        .collect();
    to_write.sort_by(|a, b| a.path.cmp(&b.path));
    make_folders(out, &to_write, Some(listing))?;
    to_write
        .par_iter()
        .try_for_each(|f| replace(&out.join(&f.path), &f.content))?;
    let written = to_write.len();
    let total = changed.len() + files.len();
    // Nothing is stale when every file listed is kept and no folder is
    // empty (then each folder holds a kept file): the common case, settled
    // by counting, without sets of thousands of paths. (`files` and
    // `taken` are disjoint; `changed` are among `taken`.)
    let kept_listed = files
        .par_iter()
        .map(|f| f.path.as_str())
        .chain(taken.par_iter().map(String::as_str))
        .filter(|p| listing.get(p).is_some_and(|l| l.kind != Kind::Dir))
        .count();
    let removed = if kept_listed == listing.files && !listing.empty_folder {
        0
    } else {
        let kept = files
            .iter()
            .map(|f| f.path.as_str())
            .chain(taken.iter().map(String::as_str));
        remove_listed_stale(out, listing, kept)?
    };
    Ok(WriteStats {
        written,
        unchanged: total - written,
        removed,
    })
}

/// Remove the files `listing` found that are not `kept`, then the folders
/// that hold nothing kept. Returns the number of files removed.
fn remove_listed_stale<'a>(
    out: &Path,
    listing: &Listing,
    kept: impl Iterator<Item = &'a str>,
) -> Result<usize> {
    let mut kept_files: HashSet<&str> = HashSet::default();
    let mut live_dirs: HashSet<&str> = HashSet::default();
    for path in kept {
        kept_files.insert(path);
        let mut p = path;
        while let Some((parent, _)) = p.rsplit_once('/') {
            if !live_dirs.insert(parent) {
                break;
            }
            p = parent;
        }
    }
    let mut removed = 0;
    let mut dirs = Vec::new();
    for (rel, listed) in &listing.entries {
        if listed.kind == Kind::Dir {
            if !live_dirs.contains(rel.as_str()) {
                dirs.push(rel.as_str());
            }
            continue;
        }
        // (A file where a kept folder now is was replaced already.)
        if kept_files.contains(rel.as_str()) || live_dirs.contains(rel.as_str()) {
            continue;
        }
        let path = out.join(rel);
        match fs::remove_file(&path) {
            Ok(()) => removed += 1,
            // Gone with a folder a kept file replaced.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) => {}
            Err(e) => return Err(e).with_context(|| format!("无法删除旧文件 {}", path.display())),
        }
    }
    // Deepest first; a folder that still holds something (a file the
    // listing missed) stays.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
    for d in dirs {
        let _ = fs::remove_dir(out.join(d));
    }
    Ok(removed)
}

/// Create every folder the files need, parents first; level by level in
/// parallel, since a site has a folder per report. Folders `listing` found
/// are there already.
fn make_folders(out: &Path, files: &[&OutputFile], listing: Option<&Listing>) -> Result<()> {
    use rayon::prelude::*;
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    // Files come sorted: most share the folder of the one before.
    let mut last_parent = None;
    for f in files {
        let parent = f.path.rsplit_once('/').map(|(p, _)| p);
        if parent == last_parent {
            continue;
        }
        last_parent = parent;
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
        if listing
            .and_then(|l| l.get(d))
            .is_some_and(|l| l.kind == Kind::Dir)
        {
            continue;
        }
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

/// Write `content` at `target`, in place of whatever is there.
fn replace(target: &Path, content: &Content) -> Result<()> {
    let existing = fs::symlink_metadata(target).ok();
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
    Ok(())
}

/// Whether the file `rel` of the output folder `out` already holds
/// `content` (a plain file, not a link). What the folder's listing found
/// there saves a look at it: a published photo is recognised by its inode.
fn up_to_date(out: &Path, rel: &str, content: &Content, listing: &Listing) -> bool {
    let listed = listing.get(rel);
    if let Some(listed) = listed.filter(|l| l.kind == Kind::File) {
        match content {
            Content::Copy(src) => {
                if listing
                    .dev
                    .is_some_and(|d| cached_file_id(src) == Some((d, listed.ino)))
                {
                    return true;
                }
            }
            Content::Bytes(b) => return holds(&out.join(rel), b),
        }
    }
    let target = &out.join(rel);
    let Ok(m) = fs::symlink_metadata(target) else {
        return false;
    };
    if !m.is_file() {
        return false;
    }
    match content {
        Content::Bytes(b) => {
            m.len() == b.len() as u64 && fs::read(target).is_ok_and(|old| old[..] == b[..])
        }
        Content::Copy(src) if linked_from_cache(src, &m) => true,
        Content::Copy(src) => fs::metadata(src).is_ok_and(|s| {
            same_file(&s, &m) || (s.len() == m.len() && s.modified().ok() == m.modified().ok())
        }),
    }
}

/// Whether the file at `target` holds exactly `bytes`.
fn holds(target: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut file) = fs::File::open(target) else {
        return false;
    };
    if !file.metadata().is_ok_and(|m| m.len() == bytes.len() as u64) {
        return false;
    }
    let mut old = Vec::with_capacity(bytes.len());
    file.read_to_end(&mut old).is_ok() && old[..] == bytes[..]
}

fn from_cache(src: &Path) -> bool {
    // A byte search: walking the path's components showed in profiles.
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    let finder = FINDER.get_or_init(|| memchr::memmem::Finder::new(CACHE_FOLDER));
    let bytes = src.as_os_str().as_encoded_bytes();
    finder.find_iter(bytes).any(|at| {
        at > 0
            && is_sep(bytes[at - 1])
            && bytes
                .get(at + CACHE_FOLDER.len())
                .copied()
                .is_some_and(is_sep)
    })
}

const CACHE_FOLDER: &[u8] = b".wenming-cache";

fn is_sep(b: u8) -> bool {
    b == b'/' || b == b'\\'
}

/// Whether `target` (metadata `m`) is a hard link to the cache file `src`.
fn linked_from_cache(src: &Path, m: &fs::Metadata) -> bool {
    // The link count rules out a target that merely reuses a freed inode.
    cached_file_id(src).is_some_and(|id| Some(id) == file_id(m)) && link_count(m) > 1
}

/// A listed cache folder: its device and each file's inode.
struct CacheFolder {
    dev: Option<u64>,
    inodes: HashMap<std::ffi::OsString, u64>,
}

impl CacheFolder {
    fn new(dir: &Path, inodes: HashMap<std::ffi::OsString, u64>) -> std::sync::Arc<CacheFolder> {
        std::sync::Arc::new(CacheFolder {
            dev: device(dir),
            inodes,
        })
    }
}

/// Cache folders listed so far in this process, by path.
fn cache_folders() -> &'static Mutex<HashMap<std::ffi::OsString, std::sync::Arc<CacheFolder>>> {
    static FOLDERS: std::sync::OnceLock<
        Mutex<HashMap<std::ffi::OsString, std::sync::Arc<CacheFolder>>>,
    > = std::sync::OnceLock::new();
    FOLDERS.get_or_init(Default::default)
}

/// Take the listing of the cache folder `dir` (file name → inode) made
/// where the folder is read anyway (the photo cache), so that the writer
/// does not list its thousands of files a second time.
pub fn remember_cache_folder(dir: &Path, inodes: HashMap<std::ffi::OsString, u64>) {
    let folder = CacheFolder::new(dir, inodes);
    cache_folders()
        .lock()
        .expect("folders")
        .insert(dir.as_os_str().to_owned(), folder);
}

thread_local! {
    /// The cache folder of this thread's last lookup: photos come folder by
    /// folder, and the shared map's lock was contended by every thread.
    static LAST_CACHE_FOLDER: std::cell::RefCell<Option<(std::ffi::OsString, std::sync::Arc<CacheFolder>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Device and inode of `src` when it is a file of the photo cache. Each
/// cache folder is listed once per process (the listing carries each
/// file's inode), instead of looking up thousands of photos one by one.
fn cached_file_id(src: &Path) -> Option<(u64, u64)> {
    #[cfg(not(unix))]
    {
        let _ = src;
        None
    }
    #[cfg(unix)]
    {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        // Split at the last `/` by hand: `Path::parent` and `file_name`
        // parse the whole path, for each of thousands of photos.
        let bytes = src.as_os_str().as_bytes();
        let cut = memchr::memrchr(b'/', bytes)?;
        let (dir, name) = (
            OsStr::from_bytes(&bytes[..cut]),
            OsStr::from_bytes(&bytes[cut + 1..]),
        );
        let id_in = |folder: &CacheFolder| folder.dev.zip(folder.inodes.get(name).copied());
        // Most lookups are settled by the folder of the last one, before
        // the search for the cache folder's name in the path.
        let last = LAST_CACHE_FOLDER.with_borrow(|last| {
            last.as_ref()
                .filter(|(d, _)| d.as_os_str() == dir)
                .map(|(_, folder)| id_in(folder))
        });
        if let Some(id) = last {
            return id;
        }
        if !from_cache(src) {
            return None;
        }
        let folder = {
            let mut all = cache_folders().lock().expect("folders");
            match all.get(dir) {
                Some(folder) => std::sync::Arc::clone(folder),
                None => {
                    let folder = CacheFolder::new(Path::new(dir), list_inodes(Path::new(dir)));
                    all.insert(dir.to_owned(), std::sync::Arc::clone(&folder));
                    folder
                }
            }
        };
        let id = id_in(&folder);
        LAST_CACHE_FOLDER.with_borrow_mut(|last| *last = Some((dir.to_owned(), folder)));
        id
    }
}

/// Each file's name and inode, as the folder listing gives them (no look
/// at the files; inodes are 0 where the system has none to give).
pub fn list_inodes(dir: &Path) -> HashMap<std::ffi::OsString, u64> {
    #[cfg(target_os = "linux")]
    {
        // As `list_tree` reads folders: the photo cache holds thousands.
        use std::os::unix::ffi::OsStrExt;
        let Some(folder) = open_folder(dir) else {
            return HashMap::default();
        };
        let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); 64 * 1024];
        let mut dir = rustix::fs::RawDir::new(folder, &mut buf);
        let mut inodes = HashMap::default();
        while let Some(Ok(entry)) = dir.next() {
            let name = entry.file_name();
            if !is_dot_entry(name) {
                inodes.insert(
                    std::ffi::OsStr::from_bytes(name.to_bytes()).to_owned(),
                    entry.ino(),
                );
            }
        }
        inodes
    }
    #[cfg(not(target_os = "linux"))]
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| (e.file_name(), entry_ino(&e)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
fn file_id(m: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(unix)]
fn link_count(m: &fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    m.nlink()
}

#[cfg(not(unix))]
fn link_count(_: &fs::Metadata) -> u64 {
    1
}

/// Processed photos in `.wenming-cache` are never changed in place (a new
/// version is a new file), so the output can share them by hard link; other
/// files are copied with their modification time, which is how the next
/// build tells they are unchanged.
fn copy_file(src: &Path, target: &Path) -> std::io::Result<()> {
    if from_cache(src) && fs::hard_link(src, target).is_ok() {
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
