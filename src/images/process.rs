//! Processing one photo: read it, judge what decoding it would cost, then
//! publish it as it is or decode, turn upright and write its three sizes
//! into the cache (a photo that failed to decode leaves a note instead).

use super::budget::{decode_cost, Reservation, BUDGET, DECODE_BUDGET, MAX_ORIGINAL_BYTES};
use super::resize::{scaled, write_variant};
use super::shape::Shape;
use super::{ImageSet, Processed, Unprocessed, Variant, DISPLAY, LARGE, THUMB};
use image::{DynamicImage, ImageDecoder, ImageReader};
use std::path::Path;

/// Part of every cache key: change it when processing changes.
const SETTINGS: &str = "v1-1920-960-400-q82";
/// Photos at most this wide and heavy, without metadata, are used as they are.
const SMALL_BYTES: u64 = 300 * 1024;

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

impl ImageSet {
    pub(super) fn process_uncached(&self, source: &Path) -> Result<Processed, Unprocessed> {
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

/// Ending of the note left in the cache for a photo that did not decode.
const FAILED_SUFFIX: &str = ".failed";
