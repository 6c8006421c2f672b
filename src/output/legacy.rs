//! Folder listings the photo cache uses (src/images.rs). They came from the
//! writer's former tree walk; the writer no longer needs them.

use rustc_hash::FxHashMap as HashMap;
use std::path::Path;

/// The folder at `path`, open to be read or to look up files in it.
#[cfg(target_os = "linux")]
pub fn open_folder(path: &Path) -> Option<rustix::fd::OwnedFd> {
    rustix::fs::openat(
        rustix::fs::CWD,
        path,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok()
}

/// The photo cache used to hand its listing to the writer; the writer now
/// compares files by its manifest, so the listing is not kept.
pub fn remember_cache_folder(_dir: &Path, _inodes: HashMap<std::ffi::OsString, u64>) {}

/// Each file's name and inode, as the folder listing gives them (inodes
/// are 0 where the system has none to give).
pub fn list_inodes(dir: &Path) -> HashMap<std::ffi::OsString, u64> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| (e.file_name(), ino(&e))).collect())
        .unwrap_or_default()
}

#[cfg(unix)]
fn ino(e: &std::fs::DirEntry) -> u64 {
    use std::os::unix::fs::DirEntryExt;
    e.ino()
}

#[cfg(not(unix))]
fn ino(_: &std::fs::DirEntry) -> u64 {
    0
}
