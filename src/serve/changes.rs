//! Which file events are worth a rebuild: editor droppings and our own
//! output are not, nor are reads; the events of one save come in a burst,
//! gathered into one rebuild.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Editor droppings and our own output never trigger a rebuild.
pub(crate) fn ignored(root: &Path, output: &Path, path: &Path) -> bool {
    if path.starts_with(output) {
        return true;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    if rel.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some(".git" | "target" | "node_modules")
        )
    }) {
        return true;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.starts_with('.')
        || name.starts_with('~')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".bak",
            ".crdownload",
            ".part",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Changes worth a rebuild: content written, files created, removed or
/// renamed. Reads (inotify reports every open, including our own) are not.
fn is_change(kind: &notify::EventKind) -> bool {
    use notify::event::{EventKind, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(notify::event::AccessKind::Close(notify::event::AccessMode::Write)) => {
            true
        }
        _ => false,
    }
}

/// Wait for the next change, then gather the burst it belongs to (an
/// editor's save is several events, within a few milliseconds) until 15 ms
/// pass quietly. The wait adds to every edit's latency; a save spread wider
/// only costs a second rebuild.
pub(super) fn next_batch(
    rx: &std::sync::mpsc::Receiver<notify::Result<notify::Event>>,
) -> Option<Vec<PathBuf>> {
    let mut paths = Vec::new();
    loop {
        let event = rx.recv().ok()?;
        if let Ok(e) = event {
            if is_change(&e.kind) {
                paths.extend(e.paths);
                break;
            }
        }
    }
    // Quiet means no *change* for 15 ms (reads keep arriving meanwhile).
    let quiet = Duration::from_millis(15);
    let mut last_change = std::time::Instant::now();
    loop {
        let left = quiet.saturating_sub(last_change.elapsed());
        if left.is_zero() {
            break;
        }
        match rx.recv_timeout(left) {
            Ok(Ok(e)) if is_change(&e.kind) => {
                paths.extend(e.paths);
                last_change = std::time::Instant::now();
            }
            Ok(_) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
    Some(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_ignored() {
        let root = Path::new("/s");
        let out = Path::new("/s/public");
        for p in [
            "/s/content/reports/.a.md.swp",
            "/s/content/reports/a.md~",
            "/s/public/index.html",
            "/s/content/4913",
            "/s/content/#a.md#",
        ] {
            assert!(ignored(root, out, Path::new(p)), "{p}");
        }
        assert!(!ignored(root, out, Path::new("/s/content/reports/a.md")));
    }
}
