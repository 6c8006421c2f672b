//! Full-text search that handles Chinese and works offline: an index built
//! from the rendered pages, split so a visitor downloads only a small part.

use crate::output::OutputFile;

/// Index the rendered HTML pages (`(route, html)`, routes like `reports/a/`)
/// and return the files of the index, to be written under `search/`.
pub fn index<'a>(
    _base_path: &str,
    _pages: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Result<Vec<OutputFile>, String> {
    Ok(Vec::new())
}
