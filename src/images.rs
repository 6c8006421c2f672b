//! Photos as the office has them: straight from a phone, 4–12 MB, rotated
//! by EXIF, GPS inside. Each is turned upright, resized to a large view, a
//! display size and a thumbnail, and re-encoded, which drops all metadata
//! (no GPS or device data reaches the portal). Results are cached on disk
//! by content hash and settings, so a rebuild only processes new photos.

use crate::links::FileStamp;
use image::{DynamicImage, ImageDecoder, ImageReader};
use rustc_hash::{FxHashMap, FxHashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Widths of the variants: full-size view, in-page display, thumbnail.
pub const LARGE: u32 = 1920;
pub const DISPLAY: u32 = 960;
pub const THUMB: u32 = 400;
const JPEG_QUALITY: u8 = 82;
/// Part of every cache key: change it when processing changes.
const SETTINGS: &str = "v1-1920-960-400-q82";
/// Photos at most this wide and heavy, without metadata, are used as they are.
const SMALL_BYTES: u64 = 300 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// File to publish (a cache file, or the original when passed through).
    pub file: PathBuf,
    /// Suffix before the extension in the published name (`""`, `.w960`, `.w400`).
    pub suffix: &'static str,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// Extension of the published files (`jpg` or `png`).
    pub ext: &'static str,
    pub large: Variant,
    pub display: Variant,
    pub thumb: Variant,
    /// Size of the original, for the over-20-MB warning.
    pub original_bytes: u64,
    /// The file is cut off (a copy that did not finish): what its decoder
    /// made of it is published, the missing part grey, with a warning at
    /// every build. Such a photo is kept out of the index, so each build
    /// looks at the file again (its variants stay cached: no decoding).
    pub incomplete: bool,
}

impl Processed {
    /// Published path of a variant, given the original's published path.
    pub fn output_path(&self, original_output: &str, v: &Variant) -> String {
        let stem = match original_output.rfind('.') {
            Some(dot) if !original_output[dot..].contains('/') => &original_output[..dot],
            _ => original_output,
        };
        // (Built by hand: `format!` was most of publishing 6,000 variants.)
        let mut path = String::with_capacity(stem.len() + v.suffix.len() + 1 + self.ext.len());
        path.push_str(stem);
        path.push_str(v.suffix);
        path.push('.');
        path.push_str(self.ext);
        path
    }
}

pub fn is_raster(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        ["jpg", "jpeg", "png", "webp"]
            .iter()
            .any(|r| e.as_encoded_bytes().eq_ignore_ascii_case(r.as_bytes()))
    })
}

/// What became of one photo: its variants, or why it could not be processed.
pub type Outcome = Arc<Result<Processed, Unprocessed>>;

/// Why a photo is published as it is, not processed. Each is a warning,
/// not an error: the page stays whole, with the original file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unprocessed {
    /// Processing it would hold more memory than [`DECODE_BUDGET`]
    /// (upright size in pixels).
    TooLarge { width: u32, height: u32 },
    /// A file larger than [`MAX_ORIGINAL_BYTES`] (its size), not read.
    TooBig(u64),
    /// Cut off, and its decoder gave up on what there is.
    Incomplete,
    /// Unreadable, not an image, or damaged inside: the decoder's words.
    Broken(String),
}

/// Advice for a photo cut off in copying.
const RECOPY: &str = "请重新拷贝原图：多半是拷贝中途断开，或存储卡、U 盘有损坏";

impl Unprocessed {
    /// The warning and hint for the photo written as `target`.
    pub fn describe(&self, target: &str) -> (String, String) {
        const SMALLER: &str =
            "请用手机或电脑的“调整大小”“压缩图片”功能把照片缩小（如 8000×6000 像素以内）后再放入";
        match self {
            Unprocessed::TooLarge { width, height } => (
                format!("图片 “{target}” 有 {width}×{height} 像素，太大，无法处理，按原样发布"),
                SMALLER.into(),
            ),
            Unprocessed::TooBig(bytes) => (
                format!(
                    "图片 “{target}” 有 {:.0} MB，太大，无法处理，按原样发布",
                    *bytes as f64 / 1024.0 / 1024.0
                ),
                SMALLER.into(),
            ),
            Unprocessed::Incomplete => (
                format!("照片 “{target}” 不完整（文件在中途被截断），无法处理，按原样发布"),
                RECOPY.into(),
            ),
            Unprocessed::Broken(e) => (
                format!("图片 “{target}” 无法处理（{e}），按原样发布"),
                "用看图软件打开它，确认图片完好；可另存为 JPG 后再放入".into(),
            ),
        }
    }

    /// As the cache's note on a photo that did not decode keeps it.
    fn note(&self) -> String {
        match self {
            Unprocessed::Incomplete => "incomplete".into(),
            Unprocessed::Broken(e) => format!("broken\t{e}"),
            Unprocessed::TooLarge { .. } | Unprocessed::TooBig(_) => "broken".into(),
        }
    }

    fn from_note(note: &str) -> Unprocessed {
        match note.split_once('\t') {
            _ if note == "incomplete" => Unprocessed::Incomplete,
            Some(("broken", e)) => Unprocessed::Broken(e.to_string()),
            _ => Unprocessed::Broken("图片无法解码".into()),
        }
    }
}

impl From<String> for Unprocessed {
    fn from(e: String) -> Unprocessed {
        Unprocessed::Broken(e)
    }
}

impl Processed {
    /// The warning and hint for a photo published from a cut-off file.
    pub fn incomplete_warning(target: &str) -> (String, String) {
        (
            format!("照片 “{target}” 不完整（文件在中途被截断），缺少的部分显示为灰色"),
            RECOPY.into(),
        )
    }
}

/// Processes each photo once per build (and once per content on disk).
pub struct ImageSet {
    cache_dir: PathBuf,
    /// This build's results by source path. Maps here are keyed by the
    /// path's bytes: hashing a `Path` walks its components, which showed in
    /// profiles of sites with thousands of photos.
    memo: Mutex<FxHashMap<OsString, (FileStamp, Outcome)>>,
    /// Results of earlier builds whose files are still in the cache, from
    /// the cache's index file: an unchanged photo is then neither read nor
    /// hashed again (reading 2,000 phone photos to hash them took longer
    /// than building the pages).
    known: FxHashMap<OsString, Known>,
    /// Whether `memo` holds results the index file lacks.
    dirty: std::sync::atomic::AtomicBool,
    /// Whether the looks of [`ImageSet::look_ahead`] are this build's (a
    /// later build of `wenming serve` looks again).
    ahead_current: std::sync::atomic::AtomicBool,
    root: PathBuf,
}

/// A photo of an earlier build, as the index recorded it.
struct Known {
    stamp: FileStamp,
    outcome: Outcome,
    /// Whether this build shows it (then the index keeps it). A flag, not
    /// an entry in `memo`: thousands of unchanged photos then take no lock.
    shown: std::sync::atomic::AtomicBool,
    /// Its size and time as [`ImageSet::look_ahead`] found it, when it was a
    /// plain file (not a link).
    ahead: Option<FileStamp>,
}

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

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Whether the bytes carry metadata that must not be published.
fn has_metadata(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w == b"Exif\0\0")
        || bytes
            .windows(4)
            .any(|w| w == b"eXIf" || w == b"iTXt" || w == b"tEXt" || w == b"zTXt")
        || bytes.windows(9).any(|w| w == b"http://ns")
}

fn scaled(w: u32, h: u32, max_w: u32) -> (u32, u32) {
    if w <= max_w {
        (w, h)
    } else {
        (
            max_w,
            ((u64::from(h) * u64::from(max_w)) / u64::from(w)).max(1) as u32,
        )
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

    /// The processed variants of the photo `source`; `stamp` is its size and
    /// time as just looked up (looked up here when not given).
    pub fn process(&self, source: &Path, stamp: Option<FileStamp>) -> Outcome {
        let stamp = stamp.unwrap_or_else(|| {
            std::fs::metadata(source).map_or((0, None), |m| crate::links::stamp_of(&m))
        });
        let key = source.as_os_str();
        if let Some(known) = self.known.get(key).filter(|k| k.stamp == stamp) {
            known
                .shown
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return Arc::clone(&known.outcome);
        }
        if let Some((seen, done)) = self.memo.lock().expect("memo").get(key) {
            if *seen == stamp {
                return Arc::clone(done);
            }
        }
        self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
        let result = Arc::new(self.process_uncached(source));
        self.memo
            .lock()
            .expect("memo")
            .insert(key.to_owned(), (stamp, Arc::clone(&result)));
        result
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

    fn process_uncached(&self, source: &Path) -> Result<Processed, Unprocessed> {
        let on_disk = std::fs::metadata(source).map_or(0, |m| m.len());
        if on_disk > MAX_ORIGINAL_BYTES {
            return Err(Unprocessed::TooBig(on_disk));
        }
        let bytes =
            std::fs::read(source).map_err(|e| Unprocessed::Broken(format!("无法读取图片：{e}")))?;
        let original_bytes = bytes.len() as u64;
        if original_bytes > MAX_ORIGINAL_BYTES {
            return Err(Unprocessed::TooBig(original_bytes));
        }
        let reader = limited_reader(&bytes)?;
        let format = reader.format();
        let shape = Shape::of(&bytes, format);
        let is_png = matches!(format, Some(image::ImageFormat::Png));
        let ext = if is_png { "png" } else { "jpg" };
        let mut decoder = reader.into_decoder().map_err(|e| {
            if shape.truncated {
                Unprocessed::Incomplete
            } else {
                Unprocessed::Broken(format!("无法识别图片格式：{e}"))
            }
        })?;
        let orientation = decoder
            .orientation()
            .unwrap_or(image::metadata::Orientation::NoTransforms);
        let (raw_w, raw_h) = decoder.dimensions();
        let decoded_bytes = decoder.total_bytes();
        // Decoding makes its own decoder: this one's copy of the file goes.
        drop(decoder);
        let upright_dims = |w: u32, h: u32| match orientation {
            image::metadata::Orientation::Rotate90
            | image::metadata::Orientation::Rotate270
            | image::metadata::Orientation::Rotate90FlipH
            | image::metadata::Orientation::Rotate270FlipH => (h, w),
            _ => (w, h),
        };
        let (w, h) = upright_dims(raw_w, raw_h);

        // Small, upright and clean: publish the original untouched.
        let same_ext = source.extension().is_some_and(|e| {
            e.eq_ignore_ascii_case(ext) || (ext == "jpg" && e.eq_ignore_ascii_case("jpeg"))
        });
        let pass_through = original_bytes <= SMALL_BYTES
            && raw_w <= DISPLAY
            && !has_metadata(&bytes)
            && same_ext
            && orientation == image::metadata::Orientation::NoTransforms;
        // What processing would hold at its peak, judged before anything is
        // decoded: a 630-byte JPEG may declare 65000×65000 pixels (12 GB).
        let cost = decode_cost(
            (w, h),
            decoded_bytes,
            if pass_through { THUMB } else { LARGE },
            &shape,
        )
        .saturating_add(2 * original_bytes);
        if cost > DECODE_BUDGET {
            return Err(Unprocessed::TooLarge {
                width: w,
                height: h,
            });
        }
        let key = format!("{:016x}", fnv1a(&bytes));
        // A photo that failed to decode is not decoded again while it is
        // the same file (a fixed copy hashes differently).
        let failed = self
            .cache_dir
            .join(format!("{key}-{SETTINGS}{FAILED_SUFFIX}"));
        if let Ok(note) = std::fs::read_to_string(&failed) {
            return Err(Unprocessed::from_note(&note));
        }
        let mut held: Option<Reservation> = None;
        let mut decode = || -> Result<DynamicImage, Unprocessed> {
            if held.is_none() {
                held = Some(BUDGET.reserve(cost));
            }
            let img = limited_reader(&bytes)?
                .into_decoder()
                .and_then(DynamicImage::from_decoder);
            img.map_err(|e| {
                let why = if shape.truncated {
                    Unprocessed::Incomplete
                } else {
                    Unprocessed::Broken(format!("图片无法解码：{e}"))
                };
                // (Best effort: without the note it is only tried again.)
                let _ = std::fs::create_dir_all(&self.cache_dir)
                    .and_then(|()| std::fs::write(&failed, why.note()));
                why
            })
        };

        if pass_through {
            let original = |suffix| Variant {
                file: source.to_path_buf(),
                suffix,
                width: raw_w,
                height: raw_h,
            };
            let (tw, th) = scaled(raw_w, raw_h, THUMB);
            let thumb = if raw_w <= THUMB {
                original("")
            } else {
                self.small_thumb(&key, &mut decode, ext, tw, th)?
            };
            return Ok(Processed {
                ext,
                large: original(""),
                display: original(""),
                thumb,
                original_bytes,
                incomplete: shape.truncated,
            });
        }

        let sizes = [("", LARGE), (".w960", DISPLAY), (".w400", THUMB)];
        // Each size is scaled from the one before (6 MP → 1920 → 960 → 400):
        // much cheaper than from the original each time, and as sharp.
        let mut current: Option<DynamicImage> = None;
        let mut variants = Vec::new();
        for (suffix, max_w) in sizes {
            let (vw, vh) = scaled(w, h, max_w);
            let file = self
                .cache_dir
                .join(format!("{key}-{SETTINGS}{suffix}.{ext}"));
            if !file.is_file() {
                let source_img = match current.take() {
                    Some(img) => img,
                    None => {
                        let mut img = decode()?;
                        img.apply_orientation(orientation);
                        img
                    }
                };
                current = Some(write_variant(source_img, vw, vh, ext, &file)?);
            } else {
                current = None;
            }
            variants.push(Variant {
                file,
                suffix,
                width: vw,
                height: vh,
            });
        }
        let mut it = variants.into_iter();
        let (large, display, thumb) = (
            it.next().expect("3"),
            it.next().expect("3"),
            it.next().expect("3"),
        );
        Ok(Processed {
            ext,
            large,
            display,
            thumb,
            original_bytes,
            incomplete: shape.truncated,
        })
    }

    /// The thumbnail of a small image published as it is.
    fn small_thumb(
        &self,
        key: &str,
        decode: &mut dyn FnMut() -> Result<DynamicImage, Unprocessed>,
        ext: &'static str,
        w: u32,
        h: u32,
    ) -> Result<Variant, Unprocessed> {
        let suffix = ".w400";
        let file = self
            .cache_dir
            .join(format!("{key}-{SETTINGS}{suffix}.{ext}"));
        if !file.is_file() {
            write_variant(decode()?, w, h, ext, &file)?;
        }
        Ok(Variant {
            file,
            suffix,
            width: w,
            height: h,
        })
    }
}

/// A reader of `bytes` that lets its decoder allocate at most the whole
/// budget (the PNG and WebP decoders honour it for their own buffers; the
/// pixels are judged by [`decode_cost`] before any decoding).
fn limited_reader(bytes: &[u8]) -> Result<ImageReader<std::io::Cursor<&[u8]>>, Unprocessed> {
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Unprocessed::Broken(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(DECODE_BUDGET);
    reader.limits(limits);
    Ok(reader)
}

/// Memory that the photos being processed at one time may hold, whatever
/// the number of cores: with the rest of a build it stays under 1 GB (an
/// office PC has 4–8 GB). A phone's 50-megapixel photo takes about 400 MB
/// of it at its peak, a 12-megapixel one about 130 MB; a photo that would
/// need more than all of it is published as it is (issue #19).
const DECODE_BUDGET: u64 = 512 * 1024 * 1024;

/// Originals larger than this are not even read: no phone photo is.
const MAX_ORIGINAL_BYTES: u64 = 64 * 1024 * 1024;

/// Ending of the note left in the cache for a photo that did not decode.
const FAILED_SUFFIX: &str = ".failed";

/// Peak memory of processing a photo of `upright` size whose pixels take
/// `decoded_bytes`, resized to `target_width`: the pixels, and beside
/// them the largest of a copy (turning it upright), a progressive JPEG's
/// coefficients while it decodes (2 bytes a sample), and the resizer's
/// intermediate (the width × the new height, in 16-byte RGBA floats).
fn decode_cost(upright: (u32, u32), decoded_bytes: u64, target_width: u32, shape: &Shape) -> u64 {
    let (w, h) = upright;
    let (_, new_h) = scaled(w, h, target_width);
    let pixels = u64::from(w) * u64::from(h);
    let resize = u64::from(w)
        .saturating_mul(u64::from(new_h))
        .saturating_mul(16);
    let coefficients = if shape.progressive {
        pixels.saturating_mul(2 * u64::from(shape.components.max(1)))
    } else {
        0
    };
    decoded_bytes.saturating_add(decoded_bytes.max(resize).max(coefficients))
}

/// The decoding budget, shared by every build of the process.
struct Budget {
    used: Mutex<u64>,
    freed: std::sync::Condvar,
}

static BUDGET: Budget = Budget {
    used: Mutex::new(0),
    freed: std::sync::Condvar::new(),
};

/// Bytes of the budget held until dropped.
struct Reservation(u64);

impl Budget {
    /// Wait until `bytes` fit beside what others hold (at most the whole
    /// budget is ever asked for, and alone it always fits: no deadlock,
    /// as a holder waits for nothing).
    fn reserve(&'static self, bytes: u64) -> Reservation {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && used.saturating_add(bytes) > DECODE_BUDGET {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
        Reservation(bytes)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut used = BUDGET.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(self.0);
        BUDGET.freed.notify_all();
    }
}

/// What a file's structure says, read without decoding it.
struct Shape {
    /// It ends before its own end marker (JPEG `FFD9`, PNG `IEND`, the
    /// size in a WebP header): a copy cut off, whose decoders fill the
    /// rest with grey or give up.
    truncated: bool,
    /// A progressive JPEG, decoded whole in memory at once.
    progressive: bool,
    /// Colour components of a JPEG (3 for YCbCr).
    components: u8,
}

impl Shape {
    fn of(bytes: &[u8], format: Option<image::ImageFormat>) -> Shape {
        let mut shape = Shape {
            truncated: false,
            progressive: false,
            components: 3,
        };
        match format {
            Some(image::ImageFormat::Jpeg) => shape.read_jpeg(bytes),
            Some(image::ImageFormat::Png) => shape.truncated = png_truncated(bytes),
            Some(image::ImageFormat::WebP) => {
                shape.truncated = bytes.get(4..8).is_some_and(|size| {
                    let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]);
                    (bytes.len() as u64) < 8 + u64::from(size)
                });
            }
            _ => {}
        }
        shape
    }

    /// Walk a JPEG's segments to its end marker (`EOI`). Photos may carry
    /// data after it (a motion photo's video): it is not looked at. A
    /// structure this walk does not follow is left to the decoder.
    fn read_jpeg(&mut self, b: &[u8]) {
        let mut i = 2; // after SOI
        loop {
            if b.get(i) != Some(&0xFF) {
                self.truncated = i >= b.len();
                return;
            }
            // Any number of fill bytes may come before a marker's code.
            while b.get(i) == Some(&0xFF) {
                i += 1;
            }
            let Some(&marker) = b.get(i) else {
                self.truncated = true;
                return;
            };
            i += 1;
            match marker {
                0xD9 => return,
                0x01 | 0xD0..=0xD7 => continue,
                _ => {}
            }
            let Some(len) = b
                .get(i..i + 2)
                .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
            else {
                self.truncated = true;
                return;
            };
            if len < 2 {
                return;
            }
            // Start of frame (C0–CF but DHT, JPG and DAC): its kind and
            // the number of components.
            if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                self.progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
                if let Some(&n) = b.get(i + 7) {
                    self.components = n;
                }
            }
            i += len;
            if marker == 0xDA {
                // The scan's data runs to the next marker: `FF` followed by
                // a code other than a stuffed `00` or a restart (D0–D7).
                loop {
                    let Some(k) = b.get(i..).and_then(|rest| memchr::memchr(0xFF, rest)) else {
                        self.truncated = true;
                        return;
                    };
                    let after = i + k + 1;
                    match b.get(after) {
                        None => {
                            self.truncated = true;
                            return;
                        }
                        Some(0x00 | 0xD0..=0xD7) => i = after + 1,
                        Some(0xFF) => i = after,
                        Some(_) => {
                            i += k;
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// Whether a PNG's chunks run out before its `IEND`.
fn png_truncated(b: &[u8]) -> bool {
    let mut i: usize = 8;
    loop {
        let Some(head) = b.get(i..i + 8) else {
            return true;
        };
        if &head[4..8] == b"IEND" {
            // (Its CRC too: nothing else may be missing.)
            return b.len() < i + 12;
        }
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        // Length, type, data and CRC.
        i = match i.checked_add(12).and_then(|j| j.checked_add(len)) {
            Some(next) => next,
            None => return false,
        };
    }
}

/// Resize and encode into the cache atomically (write, then rename), so a
/// killed build never leaves a half-written file that looks cached.
/// Returns the resized image, from which the next smaller size is made.
fn write_variant(
    img: DynamicImage,
    w: u32,
    h: u32,
    ext: &str,
    file: &Path,
) -> Result<DynamicImage, String> {
    let resized = if w == img.width() && h == img.height() {
        img
    } else {
        img.resize_exact(w, h, image::imageops::FilterType::CatmullRom)
    };
    let dir = file.parent().expect("cache file has a folder");
    std::fs::create_dir_all(dir).map_err(|e| format!("无法创建图片缓存 {}：{e}", dir.display()))?;
    // Unique per process and per call: two threads may process identical photos.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = file.with_extension(format!("{ext}.tmp{}-{n}", std::process::id()));
    let out = std::fs::File::create(&tmp).map_err(|e| format!("无法写入图片缓存：{e}"))?;
    let mut out = std::io::BufWriter::new(out);
    let result = if ext == "png" {
        resized.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
    } else {
        // JPEG has no alpha; flatten to RGB first.
        DynamicImage::ImageRgb8(resized.to_rgb8()).write_with_encoder(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY),
        )
    };
    result.map_err(|e| format!("图片编码失败：{e}"))?;
    drop(out);
    std::fs::rename(&tmp, file).map_err(|e| format!("无法写入图片缓存：{e}"))?;
    Ok(resized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names() {
        let v = Variant {
            file: PathBuf::new(),
            suffix: ".w960",
            width: 1,
            height: 1,
        };
        let p = Processed {
            ext: "jpg",
            large: v.clone(),
            display: v.clone(),
            thumb: v.clone(),
            original_bytes: 0,
            incomplete: false,
        };
        assert_eq!(
            p.output_path("reports/a/photo1.JPEG", &v),
            "reports/a/photo1.w960.jpg"
        );
        assert_eq!(scaled(4000, 3000, 960), (960, 720));
        assert_eq!(scaled(800, 600, 960), (800, 600));
    }

    fn baseline(components: u8) -> Shape {
        Shape {
            truncated: false,
            progressive: false,
            components,
        }
    }

    #[test]
    fn phone_photos_fit_the_budget_and_bombs_do_not() {
        let rgb = |w: u32, h: u32| u64::from(w) * u64::from(h) * 3;
        // A 50-megapixel phone photo, portrait (stored sideways) or not,
        // progressive or not; a 12-megapixel one leaves room for three more.
        for (w, h) in [(8160, 6120), (6120, 8160), (8000, 6000)] {
            let cost = decode_cost((w, h), rgb(w, h), LARGE, &baseline(3));
            assert!(
                cost + 2 * 20_000_000 <= DECODE_BUDGET,
                "{w}×{h}: {}",
                cost >> 20
            );
            let progressive = Shape {
                progressive: true,
                ..baseline(3)
            };
            assert!(decode_cost((w, h), rgb(w, h), LARGE, &progressive) <= DECODE_BUDGET);
        }
        assert!(
            decode_cost((4000, 3000), rgb(4000, 3000), LARGE, &baseline(3)) < DECODE_BUDGET / 3
        );
        // What the issue found: 65000×65000 JPEG, 20000×20000 PNG.
        assert!(
            decode_cost((65000, 65000), rgb(65000, 65000), LARGE, &baseline(3)) > DECODE_BUDGET
        );
        assert!(
            decode_cost((20000, 20000), rgb(20000, 20000), LARGE, &baseline(3)) > DECODE_BUDGET
        );
        // Narrow but endless: little to decode, a huge resize.
        assert!(
            decode_cost((1900, 200_000), rgb(1900, 200_000), LARGE, &baseline(3)) > DECODE_BUDGET
        );
        assert_eq!(
            decode_cost((u32::MAX, u32::MAX), u64::MAX, LARGE, &baseline(4)),
            u64::MAX
        );
    }

    fn tiny(format: image::ImageFormat) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, (x ^ y) as u8])
        }));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn cut_off_files_are_told_from_whole_ones() {
        for format in [image::ImageFormat::Jpeg, image::ImageFormat::Png] {
            let whole = tiny(format);
            assert!(!Shape::of(&whole, Some(format)).truncated, "{format:?}");
            // Data after the end (a motion photo's video) is no cut.
            let mut longer = whole.clone();
            longer.extend_from_slice(b"\xFF\xD8ftypmp42 trailing video");
            assert!(!Shape::of(&longer, Some(format)).truncated, "{format:?}");
            for cut in [whole.len() - 2, whole.len() * 2 / 3, whole.len() / 3, 40] {
                assert!(
                    Shape::of(&whole[..cut], Some(format)).truncated,
                    "{format:?} {cut}"
                );
            }
        }
        let jpeg = Shape::of(
            &tiny(image::ImageFormat::Jpeg),
            Some(image::ImageFormat::Jpeg),
        );
        assert!(!jpeg.progressive);
        assert_eq!(jpeg.components, 3);
        // RIFF's size says how long a WebP is.
        let mut webp = b"RIFF\x0C\x00\x00\x00WEBPVP8 ".to_vec();
        webp.extend_from_slice(&[0; 4]);
        assert!(!Shape::of(&webp, Some(image::ImageFormat::WebP)).truncated);
        assert!(Shape::of(&webp[..16], Some(image::ImageFormat::WebP)).truncated);
    }

    #[test]
    fn failure_notes_read_back() {
        for why in [
            Unprocessed::Incomplete,
            Unprocessed::Broken("图片无法解码：Format error".into()),
        ] {
            assert_eq!(Unprocessed::from_note(&why.note()), why);
        }
    }
}
