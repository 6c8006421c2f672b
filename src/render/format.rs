//! How numbers, dates, sizes and names read on a page.

use super::views::TallyView;
use crate::data::fmt_points;
use crate::progress::Tally;
use chrono::{Datelike, NaiveDate};
use std::path::Path;

/// Names of the indicators used by checks, for readers.
pub(super) fn indicator_label(key: &str) -> String {
    match key {
        "staff" => "员工总数",
        "party_members" => "在职党员总数",
        "volunteers" => "注册志愿者",
        "party_volunteers" => "在职党员注册志愿者",
        "active_volunteers" => "参加志愿服务活动的注册志愿者",
        other => other,
    }
    .to_string()
}

pub fn zh_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub(super) fn percent(part: f64, whole: f64) -> u32 {
    if whole <= 0.0 {
        0
    } else {
        ((part / whole) * 100.0).round().clamp(0.0, 100.0) as u32
    }
}

pub(super) fn pct_label(x: f64) -> String {
    let v = (x * 1000.0).round() / 10.0;
    format!("{}%", fmt_points(v))
}

pub(super) fn file_kind(name: &str) -> &'static str {
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "PDF",
        "doc" | "docx" | "wps" => "Word 文档",
        "xls" | "xlsx" | "et" | "csv" => "Excel 表格",
        "ppt" | "pptx" | "dps" => "演示文稿",
        "jpg" | "jpeg" | "png" | "gif" | "webp" | "svg" => "图片",
        "zip" | "rar" | "7z" => "压缩包",
        "mp4" | "mov" => "视频",
        "txt" => "文本",
        _ => "文件",
    }
}

/// `1.3 MB`, `24 KB`, `512 B`: attachments, packages.
pub(crate) fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / 1024.0 / 1024.0),
        b if b >= 1024 => format!("{:.0} KB", (b as f64 / 1024.0).ceil()),
        b => format!("{b} B"),
    }
}

pub(super) fn tally_view(t: Option<&Tally>) -> TallyView {
    let t = t.copied().unwrap_or_default();
    TallyView {
        activities: t.activities,
        participants: t.participants,
        hours: fmt_points(t.hours),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_kinds() {
        assert_eq!(human_size(1_258_291), "1.2 MB");
        assert_eq!(file_kind("签到表.PDF"), "PDF");
        assert_eq!(file_kind("方案.docx"), "Word 文档");
    }
}
