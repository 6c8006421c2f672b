//! The memory photos may take while they are processed: what one photo
//! would hold at its peak, judged before it is decoded, and the budget
//! shared by all the photos being processed at one time.

use super::resize::scaled;
use super::shape::Shape;
use std::sync::Mutex;

/// Memory that the photos being processed at one time may hold, whatever
/// the number of cores: with the rest of a build it stays under 1 GB (an
/// office PC has 4–8 GB). A phone's 50-megapixel photo takes about 400 MB
/// of it at its peak, a 12-megapixel one about 130 MB; a photo that would
/// need more than all of it is published as it is (issue #19).
pub(super) const DECODE_BUDGET: u64 = 512 * 1024 * 1024;

/// Originals larger than this are not even read: no phone photo is.
pub(super) const MAX_ORIGINAL_BYTES: u64 = 64 * 1024 * 1024;

/// Peak memory of processing a photo of `upright` size whose pixels take
/// `decoded_bytes`, resized to `target_width`: the pixels, and beside
/// them the largest of a copy (turning it upright), a progressive JPEG's
/// coefficients while it decodes (2 bytes a sample), and the resizer's
/// intermediate (the width × the new height, in 16-byte RGBA floats).
pub(super) fn decode_cost(
    upright: (u32, u32),
    decoded_bytes: u64,
    target_width: u32,
    shape: &Shape,
) -> u64 {
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
pub(super) struct Budget {
    used: Mutex<u64>,
    freed: std::sync::Condvar,
}

pub(super) static BUDGET: Budget = Budget {
    used: Mutex::new(0),
    freed: std::sync::Condvar::new(),
};

/// Bytes of the budget held until dropped.
pub(super) struct Reservation(u64);

impl Budget {
    /// Wait until `bytes` fit beside what others hold (at most the whole
    /// budget is ever asked for, and alone it always fits: no deadlock,
    /// as a holder waits for nothing).
    pub(super) fn reserve(&'static self, bytes: u64) -> Reservation {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::LARGE;

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
}
