//! The photo index: one line per photo of earlier builds, with its size,
//! time and variants, read at the start of every build so that an
//! unchanged photo is neither read nor hashed again. Also the look at the
//! index's photos taken ahead of the build ([`ImageSet::look_ahead`]).

use super::{ImageSet, Known, Processed, Variant};
use crate::links::FileStamp;
use rustc_hash::{FxHashMap, FxHashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The index's record of one processed photo, as a line is written.
struct IndexEntry {
    /// The original, relative to the site root, with `/` (a site moved to
    /// another folder keeps its index).
    path: String,
    len: u64,
    modified_ns: u128,
    ext: String,
    original_bytes: u64,
    /// (cache file name, or "" for the original itself; suffix; width;
    /// height) of large, display and thumbnail.
    variants: Vec<(String, String, u32, u32)>,
}

/// One line per photo, fields separated by tabs (see [`IndexEntry::line`]):
/// read at the start of every build, so it is kept cheap to parse; JSON
/// took a build of 2,000 photos 30 M instructions. It lies beside the
/// cache folder, in `.wenming-cache`.
const INDEX_FILE: &str = "photo-index-v5.tsv";
const INDEX_HEADER: &str = "wenming photo index v5";
/// The index of the previous version, read when there is no v5 yet: the
/// same lines with three more fields (the cache files' inodes, not used).
const INDEX_V4_FILE: &str = "photo-index-v4.tsv";
const INDEX_V4_HEADER: &str = "wenming photo index v4";
/// Index files of earlier versions (below `.wenming-cache`), removed when
/// the current one is written.
const OLD_INDEX_FILES: &[&str] = &[
    "images/index-v1.json",
    "images/index-v2.json",
    "images/index-v3.tsv",
    INDEX_V4_FILE,
];

/// The names of the files in the cache folder: one listing, rather than a
/// look at each of thousands of cache files.
fn cache_files(dir: &Path) -> FxHashSet<OsString> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default()
}

/// An index record as read, borrowing from the index file's text.
struct EntryView<'a> {
    path: &'a str,
    len: u64,
    /// (A `u64` holds nanoseconds until 2554, and parses much faster.)
    modified_ns: u64,
    ext: &'a str,
    original_bytes: u64,
    variants: [(&'a str, &'a str, u32, u32); 3],
}

impl<'a> EntryView<'a> {
    /// The photo's path, stamp and result, when every cache file it names
    /// is still in `cached_files` (one removed by hand is made again).
    /// The stamp's time is rebuilt from nanoseconds, which is how it is
    /// compared: equal files give equal stamps.
    fn into_known(
        self,
        root: &Path,
        cache_dir: &Path,
        cached_files: &FxHashSet<OsString>,
    ) -> Option<(OsString, Known)> {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(self.modified_ns);
        let mut source = PathBuf::with_capacity(root.as_os_str().len() + self.path.len() + 1);
        source.push(root);
        if cfg!(unix) {
            // As `Routes::asset` joins a report's folder and a plain name.
            source.push(self.path);
        } else {
            source.extend(self.path.split('/'));
        }
        let variant = |(name, suffix, width, height): (&str, &str, u32, u32)| {
            let file = if name.is_empty() {
                source.clone()
            } else if cached_files.contains(OsStr::new(name)) {
                // (Sized at once: `join` grows the path, for 6,000 files.)
                let mut file = PathBuf::with_capacity(cache_dir.as_os_str().len() + 1 + name.len());
                file.push(cache_dir);
                file.push(name);
                file
            } else {
                return None;
            };
            Some(Variant {
                file,
                suffix: static_str(suffix, &["", ".w960", ".w400"])?,
                width,
                height,
            })
        };
        let [large, display, thumb] = self.variants;
        let processed = Processed {
            ext: static_str(self.ext, &["jpg", "png"])?,
            large: variant(large)?,
            display: variant(display)?,
            thumb: variant(thumb)?,
            original_bytes: self.original_bytes,
            incomplete: false,
        };
        Some((
            source.into_os_string(),
            Known {
                stamp: (self.len, Some(time)),
                outcome: Arc::new(Ok(processed)),
                shown: false.into(),
                ahead: None,
            },
        ))
    }

    /// A line of the index; of the v4 index when `v4` (three more fields).
    fn parse(line: &'a str, v4: bool) -> Option<EntryView<'a>> {
        let mut f = line.split('\t');
        let mut next = || f.next();
        let path = next()?;
        let len = next()?.parse().ok()?;
        let modified_ns = next()?.parse().ok()?;
        let ext = next()?;
        let original_bytes = next()?.parse().ok()?;
        let mut variant = || -> Option<(&'a str, &'a str, u32, u32)> {
            Some((
                next()?,
                next()?,
                next()?.parse().ok()?,
                next()?.parse().ok()?,
            ))
        };
        let variants = [variant()?, variant()?, variant()?];
        if v4 {
            for _ in 0..3 {
                next()?;
            }
        }
        if next().is_some() {
            return None;
        }
        Some(EntryView {
            path,
            len,
            modified_ns,
            ext,
            original_bytes,
            variants,
        })
    }
}

fn nanos(t: Option<std::time::SystemTime>) -> Option<u128> {
    t?.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

fn static_str(s: &str, choices: &[&'static str]) -> Option<&'static str> {
    choices.iter().copied().find(|c| *c == s)
}

/// Size and time of `file`, when it is a plain file and not a link: what
/// `Routes::resolve_file` would find.
fn plain_file_stamp(file: &Path) -> Option<FileStamp> {
    std::fs::symlink_metadata(file)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| crate::links::stamp_of(&m))
}

impl IndexEntry {
    /// The record as a line of the index; `None` when a name holds a tab
    /// or line break (such a photo is then simply read again next build).
    fn line(&self) -> Option<String> {
        use std::fmt::Write as _;
        let mut line = format!(
            "{}\t{}\t{}\t{}\t{}",
            self.path, self.len, self.modified_ns, self.ext, self.original_bytes
        );
        for (name, suffix, w, h) in &self.variants {
            let _ = write!(line, "\t{name}\t{suffix}\t{w}\t{h}");
        }
        // Seventeen fields exactly: a tab inside one would add a field.
        let fields = line.matches('\t').count() + 1;
        (fields == 17 && !line.contains(['\n', '\r'])).then_some(line)
    }

    fn new(
        root: &Path,
        cache_dir: &Path,
        source: &OsStr,
        stamp: &FileStamp,
        p: &Processed,
    ) -> Option<IndexEntry> {
        if p.incomplete {
            // Warned at every build, so looked at again (see `incomplete`).
            return None;
        }
        let source = Path::new(source);
        let path = source
            .strip_prefix(root)
            .ok()?
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<Vec<_>>>()?
            .join("/");
        let name = |v: &Variant| -> Option<String> {
            if v.file == source {
                return Some(String::new());
            }
            (v.file.parent()? == cache_dir)
                .then(|| v.file.file_name()?.to_str().map(str::to_string))?
        };
        let mut variants = Vec::with_capacity(3);
        for v in [&p.large, &p.display, &p.thumb] {
            let name = name(v)?;
            // A cache file that is gone leaves the photo out: it is made
            // again. (Looked at now, as the listing made when the build
            // began may miss a file deleted since: `wenming serve` runs
            // for hours.)
            if !name.is_empty() && plain_file_stamp(&v.file).is_none() {
                return None;
            }
            variants.push((name, v.suffix.to_string(), v.width, v.height));
        }
        Some(IndexEntry {
            path,
            len: stamp.0,
            modified_ns: nanos(stamp.1)?,
            ext: p.ext.to_string(),
            original_bytes: p.original_bytes,
            variants,
        })
    }
}

impl ImageSet {
    /// The photo cache of the site at `root`, with its index file read.
    pub fn new(root: &Path) -> ImageSet {
        let cache_dir = root.join(".wenming-cache/images");
        // This version's index, else the one before, which is then written
        // anew. (A missing or unreadable index only means photos are read
        // again.)
        let read = |name: &str, header: &str| {
            std::fs::read_to_string(cache_dir.with_file_name(name))
                .ok()
                .filter(|text| {
                    text.lines()
                        .next()
                        .is_some_and(|first| first.split('\t').next() == Some(header))
                })
        };
        let (text, v4) = match read(INDEX_FILE, INDEX_HEADER) {
            Some(text) => (Some(text), false),
            None => (read(INDEX_V4_FILE, INDEX_V4_HEADER), true),
        };
        let mut known = FxHashMap::default();
        if let Some(text) = &text {
            let cached_files = cache_files(&cache_dir);
            known.reserve(memchr::memchr_iter(b'\n', text.as_bytes()).count());
            known.extend(
                text.lines()
                    .skip(1)
                    .filter_map(|line| EntryView::parse(line, v4))
                    .filter_map(|e| e.into_known(root, &cache_dir, &cached_files)),
            );
        }
        ImageSet {
            cache_dir,
            memo: Mutex::new(FxHashMap::default()),
            known,
            dirty: std::sync::atomic::AtomicBool::new(v4 && text.is_some()),
            ahead_current: false.into(),
            root: root.to_path_buf(),
        }
    }

    /// Look at each photo of the index, as the build will (one `lstat`
    /// each), until `stop` is set: the looks are taken on a core the build
    /// leaves idle while its templates load, instead of between the pages'
    /// Markdown, where 2,000 of them took 8 ms of CPU.
    pub fn look_ahead(&mut self, stop: &std::sync::atomic::AtomicBool) {
        for (source, known) in self.known.iter_mut() {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            known.ahead = plain_file_stamp(Path::new(source));
        }
        self.ahead_current = true.into();
    }

    /// The size and time of `source` as [`ImageSet::look_ahead`] found it
    /// in this build, if it did, and it was a plain file then.
    pub fn looked_ahead(&self, source: &Path) -> Option<FileStamp> {
        if !self
            .ahead_current
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return None;
        }
        self.known.get(source.as_os_str())?.ahead
    }

    /// Record this build's photos in the cache's index file (only when some
    /// were processed), written atomically. Photos of earlier builds that
    /// this one did not show are dropped from the index, not from the cache.
    pub fn save_index(&self) {
        // Every photo of this build has been looked at: a next build (of
        // `wenming serve`) looks again.
        self.ahead_current
            .store(false, std::sync::atomic::Ordering::Relaxed);
        if !self.dirty.swap(false, std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let memo = self.memo.lock().expect("memo");
        let shown_known = self.known.iter().filter(|(source, k)| {
            k.shown.load(std::sync::atomic::Ordering::Relaxed) && !memo.contains_key(*source)
        });
        let mut entries: Vec<IndexEntry> = memo
            .iter()
            .map(|(source, (stamp, r))| (source, stamp, r))
            .chain(shown_known.map(|(source, k)| (source, &k.stamp, &k.outcome)))
            .filter_map(|(source, stamp, r)| {
                IndexEntry::new(
                    &self.root,
                    &self.cache_dir,
                    source,
                    stamp,
                    r.as_ref().as_ref().ok()?,
                )
            })
            .collect();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        if std::fs::create_dir_all(&self.cache_dir).is_err() {
            return;
        }
        let mut text = format!("{INDEX_HEADER}\n");
        for line in entries.iter().filter_map(IndexEntry::line) {
            text.push_str(&line);
            text.push('\n');
        }
        let dot_cache = self
            .cache_dir
            .parent()
            .expect("the cache folder has a parent");
        let index = dot_cache.join(INDEX_FILE);
        let tmp = dot_cache.join(format!("{INDEX_FILE}.tmp{}", std::process::id()));
        if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, &index).is_ok() {
            for old in OLD_INDEX_FILES {
                let _ = std::fs::remove_file(dot_cache.join(old));
            }
        }
    }
}
