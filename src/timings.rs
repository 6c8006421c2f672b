//! Phase timings on stderr when `WENMING_TIMINGS=1`, for profiling large
//! sites (see benches/README.md). Costs one env lookup otherwise.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("WENMING_TIMINGS").is_some_and(|v| v != "0"))
}

/// Resident and peak memory on Linux, from /proc.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).map(|v| {
            v.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .unwrap_or(0)
                / 1024
        })
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(rss), Some(peak)) => format!("rss {rss} MB, peak {peak} MB"),
        _ => String::new(),
    }
}

/// Prints the time since the previous `lap` (or since `start`).
pub struct Clock(Option<Instant>);

impl Clock {
    pub fn start() -> Clock {
        Clock(enabled().then(Instant::now))
    }
    pub fn lap(&mut self, phase: &str) {
        if let Some(t) = &mut self.0 {
            eprintln!(
                "  [timing] {phase}: {:.1} ms, {}",
                t.elapsed().as_secs_f64() * 1e3,
                memory()
            );
            *t = Instant::now();
        }
    }
}
