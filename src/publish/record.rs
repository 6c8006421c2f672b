//! What the last publish handed over: every file of the column with its
//! size and SHA-256, kept in `发布包/发布记录.json` so that the next delta
//! holds exactly what changed since. Written only after both packages are
//! in place, so it never claims more than was packaged.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) const FILE: &str = "发布记录.json";

/// One file of the column, by its path in the output folder (`/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Published {
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Record {
    /// `2026-12-04 15:30`, local time, for the summary.
    pub published_at: String,
    /// The full package's file name.
    pub package: String,
    pub files: BTreeMap<String, Published>,
}

/// What changed from `before` to `now`, each list sorted.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub deleted: Vec<String>,
}

impl Changes {
    pub(crate) fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.deleted.is_empty()
    }
}

pub(crate) fn changes(
    before: &BTreeMap<String, Published>,
    now: &BTreeMap<String, Published>,
) -> Changes {
    let mut out = Changes::default();
    for (path, file) in now {
        match before.get(path) {
            None => out.added.push(path.clone()),
            Some(old) if old != file => out.changed.push(path.clone()),
            Some(_) => {}
        }
    }
    out.deleted = before
        .keys()
        .filter(|p| !now.contains_key(*p))
        .cloned()
        .collect();
    out
}

/// The last record in `dir`, `None` when there is none. A record that
/// cannot be read is an error, not a silent "first publish": a delta made
/// from nothing would hand over everything without saying why.
pub(crate) fn read(dir: &Path) -> Result<Option<Record>> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e).with_context(|| format!("无法读取上次的发布记录 {}", path.display()))
        }
    };
    serde_json::from_str(&text).map(Some).with_context(|| {
        format!(
            "上次的发布记录 {} 已损坏；删除它后再发布，这次就只生成全量包",
            crate::fs::display(&path)
        )
    })
}

/// Replaces the record in `dir` (temporary file, then rename).
pub(crate) fn write(dir: &Path, record: &Record) -> Result<()> {
    let text = serde_json::to_string_pretty(record).expect("a record serialises");
    crate::fs::write_atomic(&dir.join(FILE), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64, sha: &str) -> Published {
        Published {
            size,
            sha256: sha.into(),
        }
    }

    #[test]
    fn changes_name_added_changed_and_deleted_files() {
        let before: BTreeMap<_, _> = [
            ("index.html".to_string(), file(10, "a")),
            ("old/index.html".to_string(), file(5, "b")),
            ("style.css".to_string(), file(3, "c")),
        ]
        .into();
        let now: BTreeMap<_, _> = [
            ("index.html".to_string(), file(11, "a2")),
            ("new/index.html".to_string(), file(7, "d")),
            ("style.css".to_string(), file(3, "c")),
        ]
        .into();
        let c = changes(&before, &now);
        assert_eq!(c.added, ["new/index.html"]);
        assert_eq!(c.changed, ["index.html"]);
        assert_eq!(c.deleted, ["old/index.html"]);
        assert!(changes(&now, &now).is_empty());
    }

    #[test]
    fn a_record_reads_back_and_a_damaged_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_none());
        let record = Record {
            published_at: "2026-12-04 15:30".into(),
            package: "单位-专栏-2026-12-04.zip".into(),
            files: [("index.html".to_string(), file(10, "ab"))].into(),
        };
        write(dir.path(), &record).unwrap();
        let back = read(dir.path()).unwrap().unwrap();
        assert_eq!(back.files, record.files);
        assert_eq!(back.package, record.package);
        std::fs::write(dir.path().join(FILE), "{ broken").unwrap();
        let e = format!("{:#}", read(dir.path()).unwrap_err());
        assert!(e.contains("已损坏"), "{e}");
    }
}
