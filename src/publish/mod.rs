//! `wenming publish`: build, then the packages for the portal.

use std::path::PathBuf;

pub struct PublishOptions {
    pub root: PathBuf,
    pub to: Option<PathBuf>,
    pub overrides: crate::config::Overrides,
}

/// Builds the site and writes the full and the delta package; the exit
/// status (0 written, 1 otherwise).
pub fn run(opts: &PublishOptions) -> u8 {
    let _ = opts;
    eprintln!("错误：发布尚未完成");
    1
}
