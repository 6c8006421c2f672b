//! Photos as the office has them: straight from a phone, 4–12 MB, rotated
//! by EXIF, GPS inside. Each is turned upright, resized to a large view, a
//! display size and a thumbnail, and re-encoded, which drops all metadata
//! (no GPS or device data reaches the portal). Results are cached on disk
//! by content hash and settings, so a rebuild only processes new photos.

use image::{DynamicImage, ImageDecoder, ImageReader};
use std::collections::HashMap;
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
}

impl Processed {
    /// Published path of a variant, given the original's published path.
    pub fn output_path(&self, original_output: &str, v: &Variant) -> String {
        let stem = match original_output.rfind('.') {
            Some(dot) if !original_output[dot..].contains('/') => &original_output[..dot],
            _ => original_output,
        };
        format!("{stem}{}.{}", v.suffix, self.ext)
    }
}

pub fn is_raster(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| matches!(e.as_str(), "jpg" | "jpeg" | "png" | "webp"))
}

/// A photo file as last seen: path, size and modification time.
type Stamp = (PathBuf, u64, Option<std::time::SystemTime>);

/// Processes each photo once per build (and once per content on disk).
pub struct ImageSet {
    cache_dir: PathBuf,
    memo: Mutex<HashMap<Stamp, Arc<Result<Processed, String>>>>,
    /// Results of earlier builds by stamp, from the cache's index file: an
    /// unchanged photo is then neither read nor hashed again (reading 2,000
    /// phone photos to hash them took longer than building the pages).
    known: HashMap<Stamp, Processed>,
    /// Names of the files in the cache folder when the build started (one
    /// folder read instead of a check per variant).
    cached_files: std::collections::HashSet<std::ffi::OsString>,
    /// Whether `memo` holds results the index file lacks.
    dirty: std::sync::atomic::AtomicBool,
}

/// The index file's record of one processed photo.
#[derive(serde::Serialize, serde::Deserialize)]
struct IndexEntry {
    path: PathBuf,
    len: u64,
    modified_ns: u128,
    ext: String,
    original_bytes: u64,
    /// (file, suffix, width, height) of large, display and thumbnail.
    variants: Vec<(PathBuf, String, u32, u32)>,
}

const INDEX_FILE: &str = "index-v1.json";

fn nanos(t: Option<std::time::SystemTime>) -> Option<u128> {
    t?.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

fn static_str(s: &str, choices: &[&'static str]) -> Option<&'static str> {
    choices.iter().copied().find(|c| *c == s)
}

impl IndexEntry {
    fn new(stamp: &Stamp, p: &Processed) -> Option<IndexEntry> {
        Some(IndexEntry {
            path: stamp.0.clone(),
            len: stamp.1,
            modified_ns: nanos(stamp.2)?,
            ext: p.ext.to_string(),
            original_bytes: p.original_bytes,
            variants: [&p.large, &p.display, &p.thumb]
                .iter()
                .map(|v| (v.file.clone(), v.suffix.to_string(), v.width, v.height))
                .collect(),
        })
    }

    /// The stamp's time is rebuilt from nanoseconds, which is how it is
    /// compared: equal files give equal stamps.
    fn into_known(self) -> Option<(Stamp, Processed)> {
        let time = std::time::UNIX_EPOCH
            + std::time::Duration::from_nanos(u64::try_from(self.modified_ns).ok()?);
        let variant = |(file, suffix, width, height): (PathBuf, String, u32, u32)| {
            Some(Variant {
                file,
                suffix: static_str(&suffix, &["", ".w960", ".w400"])?,
                width,
                height,
            })
        };
        let mut v = self.variants.into_iter();
        let processed = Processed {
            ext: static_str(&self.ext, &["jpg", "png"])?,
            large: variant(v.next()?)?,
            display: variant(v.next()?)?,
            thumb: variant(v.next()?)?,
            original_bytes: self.original_bytes,
        };
        Some(((self.path, self.len, Some(time)), processed))
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
    pub fn new(root: &Path) -> ImageSet {
        let cache_dir = root.join(".wenming-cache/images");
        // A missing or unreadable index only means photos are read again.
        let known = std::fs::read(cache_dir.join(INDEX_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<Vec<IndexEntry>>(&b).ok())
            .unwrap_or_default()
            .into_iter()
            .filter_map(IndexEntry::into_known)
            .collect();
        let cached_files = std::fs::read_dir(&cache_dir)
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        ImageSet {
            cache_dir,
            memo: Mutex::new(HashMap::new()),
            known,
            cached_files,
            dirty: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn process(&self, source: &Path) -> Arc<Result<Processed, String>> {
        let meta = std::fs::metadata(source).ok();
        let key = (
            source.to_path_buf(),
            meta.as_ref().map_or(0, |m| m.len()),
            meta.and_then(|m| m.modified().ok()),
        );
        if let Some(done) = self.memo.lock().expect("memo").get(&key) {
            return Arc::clone(done);
        }
        let result = match self.known.get(&key) {
            // Trust an earlier result while its files are still there.
            Some(p)
                if [&p.large, &p.display, &p.thumb]
                    .iter()
                    .all(|v| self.still_there(&v.file)) =>
            {
                Arc::new(Ok(p.clone()))
            }
            _ => {
                self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
                Arc::new(self.process_uncached(source))
            }
        };
        self.memo
            .lock()
            .expect("memo")
            .insert(key, Arc::clone(&result));
        result
    }

    /// Whether a file an earlier build published is still there: cache
    /// files are looked up in the folder listing, originals (small photos
    /// passed through) on disk.
    fn still_there(&self, file: &Path) -> bool {
        match (file.parent(), file.file_name()) {
            (Some(dir), Some(name)) if dir == self.cache_dir => self.cached_files.contains(name),
            _ => file.is_file(),
        }
    }

    /// Record this build's photos in the cache's index file (only when some
    /// were processed), written atomically. Photos of earlier builds that
    /// this one did not show are dropped from the index, not from the cache.
    pub fn save_index(&self) {
        if !self.dirty.swap(false, std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let memo = self.memo.lock().expect("memo");
        let mut entries: Vec<IndexEntry> = memo
            .iter()
            .filter_map(|(stamp, r)| IndexEntry::new(stamp, r.as_ref().as_ref().ok()?))
            .collect();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let Ok(json) = serde_json::to_vec(&entries) else {
            return;
        };
        let tmp = self
            .cache_dir
            .join(format!("{INDEX_FILE}.tmp{}", std::process::id()));
        if std::fs::create_dir_all(&self.cache_dir).is_ok() && std::fs::write(&tmp, json).is_ok() {
            let _ = std::fs::rename(&tmp, self.cache_dir.join(INDEX_FILE));
        }
    }

    fn process_uncached(&self, source: &Path) -> Result<Processed, String> {
        let bytes = std::fs::read(source).map_err(|e| format!("无法读取图片：{e}"))?;
        let original_bytes = bytes.len() as u64;
        let reader = ImageReader::new(std::io::Cursor::new(&bytes))
            .with_guessed_format()
            .map_err(|e| e.to_string())?;
        let is_png = matches!(reader.format(), Some(image::ImageFormat::Png));
        let ext = if is_png { "png" } else { "jpg" };
        let mut decoder = reader
            .into_decoder()
            .map_err(|e| format!("无法识别图片格式：{e}"))?;
        let orientation = decoder
            .orientation()
            .unwrap_or(image::metadata::Orientation::NoTransforms);
        let (raw_w, raw_h) = decoder.dimensions();

        // Small, upright and clean: publish the original untouched.
        let same_ext = source.extension().is_some_and(|e| {
            e.eq_ignore_ascii_case(ext) || (ext == "jpg" && e.eq_ignore_ascii_case("jpeg"))
        });
        if original_bytes <= SMALL_BYTES
            && raw_w <= DISPLAY
            && !has_metadata(&bytes)
            && same_ext
            && orientation == image::metadata::Orientation::NoTransforms
        {
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
                self.small_thumb(&bytes, ext, tw, th)?
            };
            return Ok(Processed {
                ext,
                large: original(""),
                display: original(""),
                thumb,
                original_bytes,
            });
        }

        let key = format!("{:016x}", fnv1a(&bytes));
        let upright_dims = |w: u32, h: u32| match orientation {
            image::metadata::Orientation::Rotate90
            | image::metadata::Orientation::Rotate270
            | image::metadata::Orientation::Rotate90FlipH
            | image::metadata::Orientation::Rotate270FlipH => (h, w),
            _ => (w, h),
        };
        let (w, h) = upright_dims(raw_w, raw_h);
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
                        let mut img = DynamicImage::from_decoder(decoder_from(&bytes)?)
                            .map_err(|e| format!("图片无法解码：{e}"))?;
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
        })
    }

    /// The thumbnail of a small image published as it is.
    fn small_thumb(
        &self,
        bytes: &[u8],
        ext: &'static str,
        w: u32,
        h: u32,
    ) -> Result<Variant, String> {
        let key = format!("{:016x}", fnv1a(bytes));
        let suffix = ".w400";
        let file = self
            .cache_dir
            .join(format!("{key}-{SETTINGS}{suffix}.{ext}"));
        if !file.is_file() {
            let img = DynamicImage::from_decoder(decoder_from(bytes)?)
                .map_err(|e| format!("图片无法解码：{e}"))?;
            write_variant(img, w, h, ext, &file)?;
        }
        Ok(Variant {
            file,
            suffix,
            width: w,
            height: h,
        })
    }
}

fn decoder_from(bytes: &[u8]) -> Result<impl ImageDecoder + '_, String> {
    ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .into_decoder()
        .map_err(|e| format!("无法识别图片格式：{e}"))
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
        };
        assert_eq!(
            p.output_path("reports/a/photo1.JPEG", &v),
            "reports/a/photo1.w960.jpg"
        );
        assert_eq!(scaled(4000, 3000, 960), (960, 720));
        assert_eq!(scaled(800, 600, 960), (800, 600));
    }
}
