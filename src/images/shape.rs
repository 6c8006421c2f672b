//! What a photo's file structure says, read without decoding it: whether
//! the file is cut off, and for a JPEG whether it is progressive.

/// What a file's structure says, read without decoding it.
pub(super) struct Shape {
    /// It ends before its own end marker (JPEG `FFD9`, PNG `IEND`, the
    /// size in a WebP header): a copy cut off, whose decoders fill the
    /// rest with grey or give up.
    pub(super) truncated: bool,
    /// A progressive JPEG, decoded whole in memory at once.
    pub(super) progressive: bool,
    /// Colour components of a JPEG (3 for YCbCr).
    pub(super) components: u8,
}

impl Shape {
    pub(super) fn of(bytes: &[u8], format: Option<image::ImageFormat>) -> Shape {
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

#[cfg(test)]
mod tests {
    use super::*;
    use image::DynamicImage;

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
}
