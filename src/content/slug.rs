//! The URL slug of a report or page: given in its front matter, or made
//! from its file name (a date prefix dropped, Chinese turned into pinyin).

use super::Loaded;
use crate::diagnostic::Diagnostics;
use std::path::Path;

/// The URL slug for a name: ASCII kept (lowercased), Chinese turned into
/// pinyin syllables, everything else a separator.
pub(crate) fn slugify(name: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::new();
    let mut sep = false;
    let chars: Vec<char> = name.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // Words whose characters read differently than alone (长沙, 调研).
        if let Some((word, reading)) = PHRASES
            .iter()
            .find(|(w, _)| chars[i..].starts_with(&w.chars().collect::<Vec<_>>()))
        {
            for syllable in reading.split(' ') {
                if !out.is_empty() {
                    out.push('-');
                }
                out.push_str(syllable);
            }
            sep = true;
            i += word.chars().count();
            continue;
        }
        let c = chars[i];
        i += 1;
        if c.is_ascii_alphanumeric() {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        } else if let Some(p) = c.to_pinyin() {
            if !out.is_empty() {
                out.push('-');
            }
            out.push_str(p.plain());
            sep = true;
        } else {
            sep = true;
        }
    }
    out
}

/// Readings the character-by-character default gets wrong, for words common
/// in this field's titles.
const PHRASES: &[(&str, &str)] = &[
    ("长沙", "chang sha"),
    ("长江", "chang jiang"),
    ("长城", "chang cheng"),
    ("长征", "chang zheng"),
    ("长效", "chang xiao"),
    ("长期", "chang qi"),
    ("重阳", "chong yang"),
    ("重庆", "chong qing"),
    ("重温", "chong wen"),
    ("银行", "yin hang"),
    ("行业", "hang ye"),
    ("调研", "diao yan"),
    ("调查", "diao cha"),
    ("首都", "shou du"),
    ("成都", "cheng du"),
    ("音乐", "yin yue"),
    ("传记", "zhuan ji"),
    ("还原", "huan yuan"),
    ("单位", "dan wei"),
    ("党员", "dang yuan"),
];

/// `2022-09-15-community-service` → `community-service`.
fn strip_date_prefix(stem: &str) -> &str {
    let b = stem.as_bytes();
    let dated = b.len() > 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b[10] == b'-' || b[10] == b'_');
    if dated {
        &stem[11..]
    } else {
        stem
    }
}

pub(super) fn name_for_slug(path: &Path, bundle: bool) -> String {
    let named = if bundle {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    let stem = if bundle {
        named
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        named
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    strip_date_prefix(&stem).to_string()
}

fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

pub(super) fn slug_for(
    l: &Loaded,
    given: Option<String>,
    path: &Path,
    bundle: bool,
    diags: &mut Diagnostics,
) -> String {
    match given {
        Some(s) if valid_slug(&s) => s,
        Some(s) => {
            diags.error_hint(
                &l.src.path,
                l.key_pos("slug"),
                format!("slug “{s}” 含有网址中不宜使用的字符"),
                format!("只用小写字母、数字和 -，如 {}", slugify(&s)),
            );
            slugify(&s)
        }
        None => {
            let s = slugify(&name_for_slug(path, bundle));
            if s.is_empty() {
                "untitled".into()
            } else {
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("志愿服务进社区"), "zhi-yuan-fu-wu-jin-she-qu");
        assert_eq!(
            slugify("长沙重阳节调研"),
            "chang-sha-chong-yang-jie-diao-yan"
        );
        assert_eq!(slugify("Community Service"), "community-service");
        assert_eq!(
            slugify("二十大精神宣讲 2022"),
            "er-shi-da-jing-shen-xuan-jiang-2022"
        );
        assert_eq!(
            strip_date_prefix("2022-09-15-community-service"),
            "community-service"
        );
        assert_eq!(strip_date_prefix("2022-09-15"), "2022-09-15");
        assert_eq!(
            slugify(&name_for_slug(
                Path::new("r/2022-10-20-志愿服务进社区.md"),
                false
            )),
            "zhi-yuan-fu-wu-jin-she-qu"
        );
        assert_eq!(
            name_for_slug(Path::new("r/2022-10-20-reading/index.md"), true),
            "reading"
        );
    }
}
