//! Problems found in a site: where they are, how bad, what to do.
//!
//! Every phase pushes into one [`Diagnostics`] list instead of returning at the
//! first problem, so a user sees all mistakes of one run together (SPEC §11).

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Path relative to the site root, with `/` separators.
    pub path: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub message: String,
    /// How to fix it, when known.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        };
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}：{}",
                self.path,
                self.line,
                self.column.max(1),
                level,
                self.message
            )?;
        } else {
            write!(f, "{}: {}：{}", self.path, level, self.message)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n    提示：{hint}")?;
        }
        Ok(())
    }
}

impl Diagnostic {
    /// The message with its fix after it in brackets, for one line of a
    /// form (the 工作台) where the location is shown otherwise.
    pub(crate) fn message_with_hint(&self) -> String {
        match &self.hint {
            Some(hint) => format!("{}（{hint}）", self.message),
            None => self.message.clone(),
        }
    }
}

/// A position in a file, 1-based.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub fn new(line: usize, column: usize) -> Self {
        Pos { line, column }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(
        &mut self,
        severity: Severity,
        path: &str,
        pos: Pos,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.items.push(Diagnostic {
            path: path.to_string(),
            line: pos.line,
            column: pos.column,
            severity,
            message: message.into(),
            hint,
        });
    }

    pub fn error(&mut self, path: &str, pos: Pos, message: impl Into<String>) {
        self.push(Severity::Error, path, pos, message, None);
    }

    pub(crate) fn error_hint(
        &mut self,
        path: &str,
        pos: Pos,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(Severity::Error, path, pos, message, Some(hint.into()));
    }

    pub fn warning(&mut self, path: &str, pos: Pos, message: impl Into<String>) {
        self.push(Severity::Warning, path, pos, message, None);
    }

    pub(crate) fn warning_hint(
        &mut self,
        path: &str,
        pos: Pos,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(Severity::Warning, path, pos, message, Some(hint.into()));
    }

    pub(crate) fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.items.retain(keep);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub(crate) fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// Sorted by file, then position, then errors before warnings; exact
    /// duplicates dropped (a shared mistake can be seen by two checks).
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut items = self.items.clone();
        items.sort_by(|a, b| {
            (&a.path, a.line, a.column, a.severity, &a.message)
                .cmp(&(&b.path, b.line, b.column, b.severity, &b.message))
        });
        items.dedup();
        items
    }

    /// `发现 3 个错误、2 个警告`
    pub(crate) fn summary_line(&self) -> String {
        format!(
            "发现 {} 个错误、{} 个警告",
            self.error_count(),
            self.warning_count()
        )
    }
}

/// The site-relative display form of a path: forward slashes, no `./`.
pub(crate) fn display_path(root: &Path, path: &Path) -> String {
    let rel: PathBuf = path
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf());
    rel.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_location_message_and_hint() {
        let mut d = Diagnostics::new();
        d.error_hint(
            "content/reports/a.md",
            Pos::new(3, 7),
            "未知的活动类别 “volunter”",
            "可选：volunteer",
        );
        d.warning("data/ledger.yaml", Pos::new(0, 0), "逾期");
        let sorted = d.sorted();
        assert_eq!(
            sorted[0].to_string(),
            "content/reports/a.md:3:7: 错误：未知的活动类别 “volunter”\n    提示：可选：volunteer"
        );
        assert_eq!(sorted[1].to_string(), "data/ledger.yaml: 警告：逾期");
        assert_eq!(d.summary_line(), "发现 1 个错误、1 个警告");
    }
}
