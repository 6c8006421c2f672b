//! File-system calls of the write phase, each error naming its path in
//! Chinese (mdBook's style), and the one place for what differs between
//! systems. Every function here has a portable body; a system-specific one
//! sits beside it only where it is measurably better, and the portable one is
//! what runs (and is tested) everywhere else.
//!
//! Two test hooks live here, read once from the environment, so that the
//! fault tests exercise the real writer: `WENMING_TEST_DISK_BYTES=N` makes
//! the disk "fill up" after N more bytes are written by this process, and
//! `WENMING_TEST_CRASH_AFTER=N` ends the process abruptly (as a kill or a
//! power cut would) after N steps of publishing a build.
//! `WENMING_PORTABLE=1` makes every function here take its portable body,
//! so that the tests run it on Linux too.

use anyhow::{Context as _, Result};
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;
use std::time::SystemTime;

/// Why an I/O call failed, in words an office reads.
pub fn reason(e: &io::Error) -> String {
    use io::ErrorKind::*;
    // A file that Word, WPS or Excel has open (std gives these no kind):
    // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION.
    #[cfg(windows)]
    if let Some(32 | 33) = e.raw_os_error() {
        return "文件正被其他程序打开（如 Word、WPS、Excel），请关闭这个文件后重新运行".into();
    }
    match e.kind() {
        NotFound => "文件或文件夹不存在".into(),
        PermissionDenied => {
            "没有权限（文件可能正被其他程序打开，如 Word、WPS 或浏览器，或文件夹是只读的）".into()
        }
        StorageFull => "磁盘空间不足，请清理磁盘后重新运行".into(),
        AlreadyExists => "已有同名的文件或文件夹".into(),
        ReadOnlyFilesystem => "磁盘是只读的".into(),
        NotADirectory => "路径中有一段是文件而不是文件夹".into(),
        IsADirectory => "这是一个文件夹而不是文件".into(),
        DirectoryNotEmpty => "文件夹不是空的".into(),
        ResourceBusy => "文件正被其他程序使用，请关闭后重试".into(),
        _ => format!("{e}"),
    }
}

/// An error with its causes as one line an office reads: the causes
/// joined with "：", an I/O cause in the words of [`reason`] (the system's
/// own text is English), and a cause the line already says left out.
pub fn explain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = match cause.downcast_ref::<io::Error>() {
            Some(io) => reason(io),
            None => cause.to_string(),
        };
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push('：');
        }
        out.push_str(&text);
    }
    out
}

/// Wraps an I/O error with what was being done to which path.
pub fn failed(what: &str, path: &Path, e: io::Error) -> anyhow::Error {
    let reason = reason(&e);
    anyhow::Error::new(e).context(format!("无法{what} {}：{reason}", display(path)))
}

/// A path as the user knows it: without Windows' `\\?\` prefix.
pub fn display(path: &Path) -> String {
    let s = path.display().to_string();
    // Parts joined from site-relative names keep their `/`
    // (`public\.wenming-staging\tree\archive/index.html`): show one kind.
    #[cfg(windows)]
    let s = s.replace('/', r"\");
    match s.strip_prefix(r"\\?\UNC\") {
        Some(rest) => format!(r"\\{rest}"),
        None => s.strip_prefix(r"\\?\").map(str::to_owned).unwrap_or(s),
    }
}

// ---------- test hooks ----------

/// Bytes the disk may still take (`None`: no limit, the normal case).
fn disk_budget() -> Option<&'static AtomicI64> {
    static BUDGET: OnceLock<Option<AtomicI64>> = OnceLock::new();
    BUDGET
        .get_or_init(|| {
            std::env::var("WENMING_TEST_DISK_BYTES")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .map(AtomicI64::new)
        })
        .as_ref()
}

/// Take `bytes` from the test's disk budget; fails as a full disk would.
fn spend(bytes: u64) -> io::Result<()> {
    if let Some(budget) = disk_budget() {
        let left = budget.fetch_sub(bytes as i64, Ordering::SeqCst) - bytes as i64;
        if left < 0 {
            return Err(io::Error::from(io::ErrorKind::StorageFull));
        }
    }
    Ok(())
}

/// One step of publishing is done; under `WENMING_TEST_CRASH_AFTER=N` the
/// N-th step ends the process on the spot, with no clean-up of any kind.
pub fn publish_step() {
    static LEFT: OnceLock<Option<AtomicI64>> = OnceLock::new();
    let left = LEFT.get_or_init(|| {
        std::env::var("WENMING_TEST_CRASH_AFTER")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .map(AtomicI64::new)
    });
    if let Some(left) = left {
        if left.fetch_sub(1, Ordering::SeqCst) <= 1 {
            std::process::abort();
        }
    }
}

// ---------- files ----------

/// Write `bytes` to a new file at `path` (replacing one there).
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    spend(bytes.len() as u64)
        .and_then(|()| std::fs::write(path, bytes))
        .map_err(|e| failed("写入", path, e))
}

/// Write `bytes` to `path` so that it is on the disk when this returns
/// (for the small files that mark a commit: journal and manifest).
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = spend(bytes.len() as u64)
        .and_then(|()| std::fs::File::create(path))
        .map_err(|e| failed("写入", path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| failed("写入", path, e))
}

/// A temporary file in `dir`, to be renamed over its final name once
/// whole. On Unix it gets the mode an ordinary new file gets (0666 less
/// the umask), not tempfile's private 0600: the workbench's saves and the
/// publish packages are files the office shares and the web server reads.
pub fn temp_file_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".wenming-").suffix(".tmp");
    #[cfg(unix)]
    if !portable_only() {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Temporary file in the target's folder (same file system), flushed, then
/// renamed over the target: a reader sees the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let dir = path.parent().context("没有上级文件夹")?;
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建文件夹 {}", dir.display()))?;
    let mut tmp =
        temp_file_in(dir).with_context(|| format!("无法在 {} 中写入临时文件", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("无法写入 {}", path.display()))?;
    tmp.persist(path).map_err(|e| {
        anyhow::anyhow!(
            "无法保存 {}：{}（文件是否正在被 Word、WPS 或其他程序打开？）",
            path.display(),
            reason(&e.error)
        )
    })?;
    Ok(())
}

/// `name`, or `stem-2.ext`, `stem-3.ext` … when `dir` has a file of that
/// name already: an upload or a package never lands on another file.
pub fn free_name(dir: &Path, name: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    let mut chosen = name.to_string();
    let mut n = 2;
    while dir.join(&chosen).exists() {
        chosen = format!("{stem}-{n}{ext}");
        n += 1;
    }
    chosen
}

/// Publish `src` at `target` (which does not exist): a hard link where the
/// source never changes in place (the photo cache), else a copy that keeps
/// the source's modification time.
pub fn copy(src: &Path, target: &Path, link: bool) -> Result<()> {
    if link && std::fs::hard_link(src, target).is_ok() {
        return Ok(());
    }
    let len = std::fs::metadata(src)
        .map_err(|e| failed("读取", src, e))?
        .len();
    spend(len).map_err(|e| failed("写入", target, e))?;
    std::fs::copy(src, target).map_err(|e| failed("复制到", target, e))?;
    let modified = std::fs::metadata(src)
        .and_then(|m| m.modified())
        .map_err(|e| failed("读取", src, e))?;
    std::fs::File::options()
        .write(true)
        .open(target)
        .and_then(|f| f.set_modified(modified))
        .map_err(|e| failed("写入", target, e))
}

pub fn create_dir_all(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| failed("创建文件夹", path, e))
}

/// Rename `from` to `to`, replacing a file at `to`.
pub fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| failed("替换", to, e))
}

pub fn remove_file(path: &Path) -> Result<()> {
    std::fs::remove_file(path).map_err(|e| failed("删除", path, e))
}

/// Remove a folder of wenming's own (staging), whatever it holds.
pub fn remove_dir_all(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(failed("删除", path, e)),
        _ => Ok(()),
    }
}

/// What the write phase compares a file by: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    /// Nanoseconds since the Unix epoch (0 where the system gives none).
    pub modified_ns: i64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified_ns: meta.modified().map_or(0, nanos),
        }
    }

    /// The stamp of the plain file at `path` (`None` for a folder, a link
    /// or nothing).
    pub fn of_file(path: &Path) -> Option<Stamp> {
        std::fs::symlink_metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| Stamp::of(&m))
    }
}

fn nanos(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i64,
        Err(e) => -(e.duration().as_nanos() as i64),
    }
}

/// Make the files `written` below `dir` durable: on the disk, not only in
/// the system's cache, before a commit points at them. On Linux one
/// `syncfs` flushes them all with a single journal commit (one `fsync` per
/// file made a rebuild that changes 9,000 pages a second slower); elsewhere,
/// or where it fails, each file is flushed on its own.
pub fn sync_written(dir: &Path, written: &[std::path::PathBuf]) -> Result<()> {
    #[cfg(target_os = "linux")]
    if !portable_only() && sync_file_system(dir).is_ok() {
        return Ok(());
    }
    sync_each(dir, written)
}

/// The portable way: every file, then the folder.
fn sync_each(dir: &Path, written: &[std::path::PathBuf]) -> Result<()> {
    use rayon::prelude::*;
    written.par_iter().try_for_each(|p| {
        // Opened for writing: Windows flushes only through such a handle
        // (FlushFileBuffers needs GENERIC_WRITE and refuses a read-only one).
        std::fs::OpenOptions::new()
            .write(true)
            .open(p)
            .and_then(|f| f.sync_all())
            .map_err(|e| failed("写入", p, e))
    })?;
    sync_dir(dir);
    Ok(())
}

/// Flush the whole file system that holds `dir` (its pending writes,
/// names and renames), reporting a write-back error (Linux 5.8 and later).
#[cfg(target_os = "linux")]
fn sync_file_system(dir: &Path) -> io::Result<()> {
    let folder = std::fs::File::open(dir)?;
    rustix::fs::syncfs(&folder).map_err(io::Error::from)
}

/// `WENMING_PORTABLE=1` takes the portable body of every function here that
/// has a system-specific one, so that tests run it on Linux too.
pub fn portable_only() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("WENMING_PORTABLE").is_some_and(|v| v != "0"))
}

/// Flush the entries (new names, renames, removals) of the folders
/// `dirs`: on Linux one `syncfs` of the file system that holds `root`
/// (one journal commit instead of one per folder), elsewhere folder by
/// folder.
pub fn sync_dirs(root: &Path, dirs: &[std::path::PathBuf]) {
    #[cfg(target_os = "linux")]
    if !portable_only() && sync_file_system(root).is_ok() {
        return;
    }
    for d in dirs {
        sync_dir(d);
    }
    sync_dir(root);
}

/// Flush a folder's entries (new names, renames) to disk where the system
/// allows opening a folder for that (Unix); elsewhere the rename itself is
/// what the system keeps.
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

// ---------- the output folder's lock ----------

/// Held while a build writes an output folder: a second build of the same
/// folder is refused, not interleaved. The system releases it when the
/// process ends, however it ends, so a killed build leaves no stale lock.
pub struct Lock {
    _file: std::fs::File,
}

impl Lock {
    /// Take the lock file at `path`, or `Ok(None)` when another process
    /// holds it.
    pub fn try_take(path: &Path) -> Result<Option<Lock>> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| failed("创建", path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Lock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(failed("锁定", path, e)),
        }
    }
}

/// Read a whole file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("无法读取 {}", display(path)))
}

// ---------- the console and the browser (the double-click start) ----------

/// Whether the console window goes away with this process, taking the last
/// message with it: on Windows, when no other program shares our console
/// (Explorer made it for a double-click; `cmd` or PowerShell would share it
/// and keep it open). Elsewhere there is no telling, so this says yes: an
/// extra Enter in a terminal costs less than an error nobody could read.
pub fn console_closes_on_exit() -> bool {
    #[cfg(windows)]
    if !portable_only() {
        return windows::console_processes() == 1;
    }
    true
}

/// Open `url` in the default browser without waiting for it. `false` when
/// there is no way to here (no desktop, no opener): the caller then asks
/// the user to open it.
pub fn open_browser(url: &str) -> bool {
    #[cfg(any(windows, unix))]
    use std::process::Command;
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt as _;
        // `start` hands a URL to the default browser; the empty "" is its
        // window title. The URL goes in through the environment because
        // cmd would read `&` or `%` in a command line as its own syntax.
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        let mut cmd = Command::new("cmd");
        cmd.raw_arg(r#"/d /c start "" "%WENMING_URL%""#)
            .env("WENMING_URL", url)
            .creation_flags(CREATE_NO_WINDOW);
        spawn_quietly(cmd)
    }
    #[cfg(target_os = "macos")]
    {
        let mut cmd = Command::new("open");
        cmd.arg(url);
        spawn_quietly(cmd)
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        // Without a desktop, xdg-open falls back to a text browser (w3m,
        // lynx) in this very terminal, on top of the preview's messages.
        let desktop = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
        if !desktop {
            return false;
        }
        let mut cmd = Command::new("xdg-open");
        cmd.arg(url);
        spawn_quietly(cmd)
    }
    #[cfg(not(any(windows, unix)))]
    {
        let _ = url;
        false
    }
}

/// Start `cmd` with no input or output of its own (its messages would mix
/// with ours), and reap it in the background.
#[cfg(any(windows, unix))]
fn spawn_quietly(mut cmd: std::process::Command) -> bool {
    use std::process::Stdio;
    match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
            true
        }
        Err(_) => false,
    }
}

#[cfg(windows)]
mod windows {
    #[link(name = "kernel32")]
    extern "system" {
        fn GetConsoleProcessList(list: *mut u32, count: u32) -> u32;
    }

    /// How many processes share this process's console (0: it has none).
    pub fn console_processes() -> u32 {
        let mut ids = [0u32; 8];
        // SAFETY: the buffer and its length match; the call only writes
        // process ids into it.
        unsafe { GetConsoleProcessList(ids.as_mut_ptr(), ids.len() as u32) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_name_gets_the_next_number() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_name(dir.path(), "签到表.pdf"), "签到表.pdf");
        std::fs::write(dir.path().join("签到表.pdf"), "x").unwrap();
        std::fs::write(dir.path().join("签到表-2.pdf"), "x").unwrap();
        assert_eq!(free_name(dir.path(), "签到表.pdf"), "签到表-3.pdf");
        std::fs::write(dir.path().join("README"), "x").unwrap();
        assert_eq!(free_name(dir.path(), "README"), "README-2");
    }

    #[test]
    fn an_explained_error_is_chinese_to_the_end() {
        let denied = io::Error::new(
            io::ErrorKind::PermissionDenied,
            "Access denied. (os error 5)",
        );
        let e = failed("替换", Path::new("public/ledger.csv"), denied)
            .context("发布没有完成：排除上面的问题后重新运行 wenming build");
        let text = explain(&e);
        assert_eq!(
            text,
            format!(
                "发布没有完成：排除上面的问题后重新运行 wenming build：无法替换 {}：没有权限（文件可能正被其他程序打开，如 Word、WPS 或浏览器，或文件夹是只读的）",
                display(Path::new("public/ledger.csv"))
            )
        );
        // An I/O error under a context of its own: the reason, not the system's words.
        let missing = io::Error::new(
            io::ErrorKind::NotFound,
            "No such file or directory (os error 2)",
        );
        let e = anyhow::Error::new(missing).context("无法读取 发布包/发布记录.json");
        assert_eq!(
            explain(&e),
            "无法读取 发布包/发布记录.json：文件或文件夹不存在"
        );
        assert!(!format!("{e:#}").is_empty());
    }
}
