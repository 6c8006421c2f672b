//! Photos as the office has them: straight from a phone, 4–12 MB, rotated
//! by EXIF, GPS inside. Each is turned upright, resized to a large view, a
//! display size and a thumbnail, and re-encoded, which drops all metadata
//! (no GPS or device data reaches the portal). Results are cached on disk
//! by content hash and settings, so a rebuild only processes new photos.
//!
//! This file holds what the rest of the site sees (the variants, the
//! outcome of a photo, [`ImageSet`]) and the cache's lookup; the work is
//! in the files beside it:
//! - `index.rs`: the index file, which lets an unchanged photo go unread;
//! - `process.rs`: processing one photo, from its bytes to its variants;
//! - `budget.rs`: the memory a photo may take, judged before decoding;
//! - `shape.rs`: what a file's structure says (cut off, progressive);
//! - `resize.rs`: resizing and encoding a variant into the cache.

mod budget;
mod index;
mod process;
mod resize;
mod shape;

use crate::links::FileStamp;
use rustc_hash::FxHashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Widths of the variants: full-size view, in-page display, thumbnail.
pub const LARGE: u32 = 1920;
pub const DISPLAY: u32 = 960;
pub const THUMB: u32 = 400;

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
    /// Processing it would hold more memory than [`budget::DECODE_BUDGET`]
    /// (upright size in pixels).
    TooLarge { width: u32, height: u32 },
    /// A file larger than [`budget::MAX_ORIGINAL_BYTES`] (its size), not read.
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

impl ImageSet {
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
}

#[cfg(test)]
mod tests {
    use super::resize::scaled;
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
