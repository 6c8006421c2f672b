//! The marker of an output folder wenming made, `.wenming-output`: the list
//! of every file it wrote there, each with the size and time it had when
//! written and a fingerprint of its content. A folder without it is not
//! wenming's and is never written to (SPEC §12); a file not in it is never
//! deleted.
//!
//! One line per file, so that the list of a 30,000-file site reads in a few
//! milliseconds: `size<TAB>mtime_ns<TAB>fingerprint<TAB>path`, the path
//! last with `\`, tab and line ends escaped.

use crate::fs::Stamp;
use rustc_hash::FxHashMap as HashMap;

pub const FILE: &str = ".wenming-output";
const HEADER: &str = "wenming output v1";

/// What wenming knows of one file it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Size and modification time right after writing: a file found with
    /// others was changed by someone else since.
    pub stamp: Stamp,
    /// Of the content (see [`fingerprint_bytes`], [`fingerprint_copy`]).
    pub fingerprint: u64,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Manifest {
    /// By site-relative `/`-separated path.
    pub files: HashMap<String, Entry>,
}

/// The content of a rendered page.
pub(crate) fn fingerprint_bytes(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// A copied file is identified by its source: path, size and time (a
/// photo's cache file is named by its content and never changes).
pub(crate) fn fingerprint_copy(source: &std::path::Path, stamp: Stamp) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(source.as_os_str().as_encoded_bytes());
    h.update(&stamp.len.to_le_bytes());
    h.update(&stamp.modified_ns.to_le_bytes());
    h.digest()
}

impl Manifest {
    pub(crate) fn to_text(&self) -> String {
        let mut paths: Vec<&String> = self.files.keys().collect();
        paths.sort();
        let mut out = String::with_capacity(64 * paths.len() + 32);
        out.push_str(HEADER);
        out.push('\n');
        for path in paths {
            let e = &self.files[path];
            use std::fmt::Write as _;
            let _ = write!(
                out,
                "{}\t{}\t{:016x}\t",
                e.stamp.len, e.stamp.modified_ns, e.fingerprint
            );
            escape_into(&mut out, path);
            out.push('\n');
        }
        out
    }

    /// `None` when the text is not a manifest this version can read.
    pub fn parse(text: &str) -> Option<Manifest> {
        let mut lines = text.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let mut files = HashMap::default();
        for line in lines {
            let mut fields = line.splitn(4, '\t');
            let len = fields.next()?.parse().ok()?;
            let modified_ns = fields.next()?.parse().ok()?;
            let fingerprint = u64::from_str_radix(fields.next()?, 16).ok()?;
            let path = unescape(fields.next()?)?;
            let stamp = Stamp { len, modified_ns };
            files.insert(path, Entry { stamp, fingerprint });
        }
        Some(Manifest { files })
    }
}

fn escape_into(out: &mut String, path: &str) {
    for c in path.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn unescape(s: &str) -> Option<String> {
    if !s.contains('\\') {
        return Some(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_awkward_paths() {
        let mut m = Manifest::default();
        for (i, p) in ["index.html", "reports/签到表 1.pdf", "a\tb\\c\nd.txt"]
            .iter()
            .enumerate()
        {
            m.files.insert(
                p.to_string(),
                Entry {
                    stamp: Stamp {
                        len: i as u64 * 10,
                        modified_ns: -5 + i as i64,
                    },
                    fingerprint: u64::MAX - i as u64,
                },
            );
        }
        let text = m.to_text();
        assert!(text.starts_with("wenming output v1\n"));
        assert_eq!(text.lines().count(), 4, "one line per file: {text}");
        let back = Manifest::parse(&text).unwrap();
        assert_eq!(back.files, m.files);
    }

    #[test]
    fn damaged_or_foreign_text_is_not_a_manifest() {
        assert!(Manifest::parse("").is_none());
        assert!(Manifest::parse("hello\n").is_none());
        assert!(Manifest::parse("wenming output v1\n12\tx\t00\tindex.html\n").is_none());
        assert!(Manifest::parse("wenming output v1\n1\t2\t3\tbad\\q\n").is_none());
    }

    #[test]
    fn fingerprints_tell_contents_and_sources_apart() {
        assert_ne!(fingerprint_bytes(b"a"), fingerprint_bytes(b"b"));
        let s = Stamp {
            len: 1,
            modified_ns: 2,
        };
        let p = std::path::Path::new("a.jpg");
        assert_ne!(
            fingerprint_copy(p, s),
            fingerprint_copy(p, Stamp { len: 9, ..s })
        );
        assert_ne!(
            fingerprint_copy(p, s),
            fingerprint_copy(
                p,
                Stamp {
                    modified_ns: 3,
                    ..s
                }
            )
        );
    }
}
