//! The Markdown files under a folder of `content/`, in name order, each
//! with whether it is a bundle (`<name>/index.md`, whose folder holds the
//! report's own files).

use super::slug::{name_for_slug, slugify};
use std::path::{Path, PathBuf};

/// Markdown sources under `dir`, sorted, each with whether it is a bundle
/// (`<name>/index.md`). Other files in a bundle are its assets.
pub(super) fn markdown_files(dir: &Path) -> Vec<(PathBuf, bool)> {
    use rayon::prelude::*;
    // The top level is listed here, and each entry of it (a bundle, or a
    // folder of reports) is read in parallel: a site of 1,000 bundles
    // spent 10–15 ms reading them one after another. The order is
    // walkdir's sorted depth-first order, as one walk would give.
    sorted_entries(dir)
        .par_iter()
        .flat_map_iter(|entry| {
            let mut found = Vec::new();
            visit(entry, &mut found);
            found
        })
        .collect()
}

/// The entries of `dir` in name order (none when it cannot be read).
fn sorted_entries(dir: &Path) -> Vec<std::fs::DirEntry> {
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map(|read| read.flatten().collect())
        .unwrap_or_default();
    entries.sort_by_key(|e| e.file_name());
    entries
}

/// One entry of a folder of reports: a report file, or a folder. Links are
/// not followed (a link's file type is neither).
fn visit(entry: &std::fs::DirEntry, found: &mut Vec<(PathBuf, bool)>) {
    let Ok(file_type) = entry.file_type() else {
        return;
    };
    if file_type.is_dir() {
        walk_folder(&entry.path(), found);
    } else if file_type.is_file() {
        let path = entry.path();
        let is_markdown = path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("md"))
            && !entry
                .file_name()
                .to_string_lossy()
                .starts_with(['.', '~', '_']);
        // (Not a bundle's index: `walk_folder` took those.)
        if is_markdown {
            found.push((path, false));
        }
    }
}

/// A folder below `content/reports`: a bundle when it holds `index.md`
/// (everything else in it, photos, other `.md` files and subfolders,
/// belongs to that report and is not read here: 1,000 bundles were 5,000
/// system calls to list), else a folder of reports, read in name order.
fn walk_folder(dir: &Path, found: &mut Vec<(PathBuf, bool)>) {
    let index = dir.join("index.md");
    // (A link named index.md is not followed, as elsewhere.)
    if std::fs::symlink_metadata(&index).is_ok_and(|m| m.is_file()) {
        found.push((index, true));
    } else {
        for entry in sorted_entries(dir) {
            visit(&entry, found);
        }
    }
}

/// The slugs the reports under `root` get from their file names (a
/// front-matter `slug:` is not read: this is for naming new files).
pub(crate) fn existing_slugs(root: &Path) -> std::collections::HashSet<String> {
    markdown_files(&root.join("content/reports"))
        .into_iter()
        .map(|(p, bundle)| slugify(&name_for_slug(&p, bundle)))
        .collect()
}

/// Whether a Markdown path is a bundle's `index.md` (`reports/<name>/index.md`).
pub(crate) fn is_bundle(reports_dir: &Path, path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "index.md")
        && path.parent().is_some_and(|p| p != reports_dir)
}
