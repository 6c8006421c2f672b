//! `wenming import`: Word (.docx) reports into report bundles.

use std::path::PathBuf;

pub struct ImportOptions {
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
    pub kind: Option<String>,
    pub date: Option<chrono::NaiveDate>,
}

/// Imports every file, prints what it made and every message; the exit
/// status (0 all imported, 1 otherwise).
pub fn run(opts: &ImportOptions) -> u8 {
    let _ = opts;
    eprintln!("错误：导入 Word 文档尚未完成");
    1
}
