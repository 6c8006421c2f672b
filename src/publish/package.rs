//! One zip of the hand-over: the column's files under its sub-path folder
//! (`wmcj/…`), a 清单.csv (file, size, SHA-256) and an 上传说明.txt at the
//! top. Written to a temporary file beside its final name and renamed into
//! place only when whole, never over an existing file.

use anyhow::{Context, Result};
use std::io::Write as _;
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

pub(crate) const LISTING: &str = "清单.csv";
pub(crate) const README: &str = "上传说明.txt";
pub(crate) const DELETED: &str = "删除清单.txt";

pub(crate) struct Package {
    zip: ZipWriter<tempfile::NamedTempFile>,
    stamp: DateTime,
    /// (name in the zip, size, SHA-256) of each file of the column.
    listing: Vec<(String, u64, String)>,
}

/// Pictures, fonts and archives are compressed already: store them.
fn compressed_already(name: &str) -> bool {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(
        ext.as_deref(),
        Some(
            "jpg"
                | "jpeg"
                | "png"
                | "webp"
                | "gif"
                | "avif"
                | "woff"
                | "woff2"
                | "zip"
                | "gz"
                | "pdf"
                | "docx"
                | "xlsx"
                | "pptx"
                | "mp4"
                | "mp3"
        )
    )
}

/// The time written on every entry: now, local, as Windows shows it.
pub(crate) fn zip_time(now: chrono::NaiveDateTime) -> DateTime {
    use chrono::{Datelike, Timelike};
    DateTime::from_date_and_time(
        now.year().clamp(1980, 2107) as u16,
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    )
    .unwrap_or_default()
}

impl Package {
    pub(crate) fn begin(dir: &Path, stamp: DateTime) -> Result<Package> {
        let tmp = crate::fs::temp_file_in(dir)
            .with_context(|| format!("无法在 {} 中写入压缩包", crate::fs::display(dir)))?;
        Ok(Package {
            zip: ZipWriter::new(tmp),
            stamp,
            listing: Vec::new(),
        })
    }

    fn entry(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let method = if compressed_already(name) {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(self.stamp)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        self.zip
            .start_file(name, options)
            .and_then(|_| self.zip.write_all(bytes).map_err(Into::into))
            .with_context(|| format!("无法把 {name} 写入压缩包（磁盘是否已满？）"))
    }

    /// A file of the column, listed in 清单.csv.
    pub(crate) fn add(&mut self, name: &str, bytes: &[u8], sha256: &str) -> Result<()> {
        self.entry(name, bytes)?;
        self.listing
            .push((name.to_string(), bytes.len() as u64, sha256.to_string()));
        Ok(())
    }

    /// A note for the information centre, with Windows line ends so that
    /// Notepad shows its lines.
    pub(crate) fn add_note(&mut self, name: &str, text: &str) -> Result<()> {
        let text = text.replace("\r\n", "\n").replace('\n', "\r\n");
        self.entry(name, text.as_bytes())
    }

    /// Writes the 清单, closes the zip and renames it to `target`, which
    /// must not exist. Answers the number of column files and their bytes.
    pub(crate) fn finish(mut self, target: &Path) -> Result<(usize, u64)> {
        let listing = listing_csv(&self.listing);
        self.entry(LISTING, listing.as_bytes())?;
        let count = self.listing.len();
        let bytes = self.listing.iter().map(|(_, size, _)| size).sum();
        let tmp = self
            .zip
            .finish()
            .context("无法写完压缩包（磁盘是否已满？）")?;
        tmp.as_file()
            .sync_all()
            .context("无法写完压缩包（磁盘是否已满？）")?;
        tmp.persist_noclobber(target).map_err(|e| {
            anyhow::anyhow!(
                "无法保存压缩包 {}：{}",
                crate::fs::display(target),
                crate::fs::reason(&e.error)
            )
        })?;
        Ok((count, bytes))
    }
}

/// UTF-8 with a BOM (Excel and WPS then read the Chinese right), one row
/// a file.
fn listing_csv(rows: &[(String, u64, String)]) -> String {
    let mut out = String::from("\u{feff}文件,大小（字节）,SHA-256\r\n");
    for (name, size, sha) in rows {
        out.push_str(&csv_field(name));
        out.push_str(&format!(",{size},{sha}\r\n"));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `stem`, or `stem-2`, `stem-3` … when a package of that name (full or
/// delta) is there already: a package once written is never replaced.
pub(crate) fn free_stem(dir: &Path, stem: &str) -> String {
    let taken = |s: &str| {
        dir.join(format!("{s}.zip")).exists() || dir.join(format!("{s}-增量.zip")).exists()
    };
    let mut candidate = stem.to_string();
    let mut n = 2;
    while taken(&candidate) {
        candidate = format!("{stem}-{n}");
        n += 1;
    }
    candidate
}

/// The SHA-256 of `bytes`, in lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_listing_quotes_what_csv_needs_quoted() {
        let csv = listing_csv(&[
            ("wmcj/index.html".into(), 10, "ab".into()),
            ("wmcj/a,b.pdf".into(), 3, "cd".into()),
        ]);
        assert!(csv.starts_with("\u{feff}文件,大小（字节）,SHA-256\r\n"));
        assert!(csv.contains("wmcj/index.html,10,ab\r\n"));
        assert!(csv.contains("\"wmcj/a,b.pdf\",3,cd\r\n"));
    }

    #[test]
    fn a_taken_name_gets_a_number() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_stem(dir.path(), "a"), "a");
        std::fs::write(dir.path().join("a.zip"), "x").unwrap();
        std::fs::write(dir.path().join("a-2-增量.zip"), "x").unwrap();
        assert_eq!(free_stem(dir.path(), "a"), "a-3");
    }
}
