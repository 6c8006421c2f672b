//! Reading the files users write: decoding, front matter, and turning YAML
//! problems into located Chinese diagnostics.
//!
//! Office staff save files in whatever encoding their editor picks, so text is
//! accepted as UTF-8 (with or without BOM, LF or CRLF) or GB18030/GBK, the
//! latter with a warning saying how to re-save it.
//!
//! This file reads a file and splits its front matter; the rest is in the
//! files beside it:
//! - `decode.rs`: bytes to text (UTF-8, GBK, UTF-16, control characters);
//! - `yaml.rs`: parsing YAML, with located errors and the input method's
//!   full-width punctuation caught first;
//! - `messages.rs`: serde_yaml's messages said in Chinese, typos named;
//! - `locate.rs`: where a key or value is written in YAML text;
//! - `amounts.rs`: amounts (points, hours) that cannot be right.

mod amounts;
mod decode;
mod locate;
mod messages;
mod yaml;

pub(crate) use amounts::{amount, bad_amount, find_bad_amount};
pub use decode::decode;
pub(crate) use locate::{find_key, find_key_from, find_value};
pub(crate) use messages::{nearest, translate_yaml_error};
pub(crate) use yaml::parse_yaml;

use crate::diagnostic::{Diagnostics, Pos};
use std::path::Path;

/// A decoded text file, line ends normalised to `\n`.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// Site-relative display path.
    pub path: String,
    pub text: String,
}

pub fn read_source(root: &Path, path: &Path, diags: &mut Diagnostics) -> Option<SourceText> {
    let display = crate::diagnostic::display_path(root, path);
    match std::fs::read(path) {
        Ok(bytes) => decode(&display, &bytes, diags).map(|text| SourceText {
            path: display,
            text,
        }),
        Err(e) => {
            diags.error(
                &display,
                Pos::default(),
                format!("无法读取文件：{}", io_reason(&e)),
            );
            None
        }
    }
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        _ => e.to_string(),
    }
}

/// Front matter split from a Markdown file.
pub(crate) struct FrontMatter<'a> {
    pub yaml: &'a str,
    /// Line in the file where the YAML starts (1-based).
    pub first_line: usize,
    pub body: &'a str,
    /// Line in the file where the body starts.
    pub body_line: usize,
}

pub(crate) fn split_front_matter<'a>(
    src: &'a SourceText,
    diags: &mut Diagnostics,
) -> Option<FrontMatter<'a>> {
    let text = src.text.as_str();
    let Some(rest) =
        text.strip_prefix("---\n")
            .or_else(|| if text == "---" { Some("") } else { None })
    else {
        diags.error_hint(
            &src.path,
            Pos::new(1, 1),
            "文件开头缺少 “---”，找不到标题、日期等信息（front matter）",
            "文件第一行应为 ---，接着写 title: 标题、date: 日期 等，再用一行 --- 结束",
        );
        return None;
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let yaml_lines = yaml.matches('\n').count();
            return Some(FrontMatter {
                yaml,
                first_line: 2,
                body,
                body_line: 2 + yaml_lines + 1,
            });
        }
        offset += line.len();
    }
    diags.error_hint(
        &src.path,
        Pos::new(1, 1),
        "front matter 没有结束的 “---”",
        "在标题、日期等信息之后加一行 ---，再写正文",
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_lines() {
        let src = SourceText {
            path: "a.md".into(),
            text: "---\ntitle: x\ndate: y\n---\n正文\n".into(),
        };
        let mut d = Diagnostics::new();
        let fm = split_front_matter(&src, &mut d).unwrap();
        assert_eq!(fm.yaml, "title: x\ndate: y\n");
        assert_eq!(fm.body, "正文\n");
        assert_eq!(fm.body_line, 5);
        let bad = SourceText {
            path: "b.md".into(),
            text: "title: x\n".into(),
        };
        assert!(split_front_matter(&bad, &mut d).is_none());
    }
}
