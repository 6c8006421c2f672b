//! Resizing a photo and encoding the result into the cache.

use image::DynamicImage;
use std::path::Path;

const JPEG_QUALITY: u8 = 82;

pub(super) fn scaled(w: u32, h: u32, max_w: u32) -> (u32, u32) {
    if w <= max_w {
        (w, h)
    } else {
        (
            max_w,
            ((u64::from(h) * u64::from(max_w)) / u64::from(w)).max(1) as u32,
        )
    }
}

/// Resize and encode into the cache atomically (write, then rename), so a
/// killed build never leaves a half-written file that looks cached.
/// Returns the resized image, from which the next smaller size is made.
pub(super) fn write_variant(
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
