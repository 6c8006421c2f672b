//! 工作台 (#22): the office edits its column in the browser — reports,
//! photos, the ledger, indicators and honours — served by `wenming serve`
//! beside the preview at `/__wenming/`.
//!
//! The files stay the truth: every form reads the site's Markdown and YAML
//! and writes them back the way a person would (YAML through `yaml_edit`,
//! which changes only the edited values), atomically, with a backup, and
//! never over a change made on disk since the form was opened (`store`).
//! Before a save, the candidate file goes through the same parsers as
//! `wenming check`, and a save that would add an error is refused.
//!
//! Only the office's own browser gets in: the server already answers only
//! requests naming it (Host) and takes writes only from its own pages
//! (Origin); the workbench also wants a token made at each start and handed
//! over in the URL the program opens (then kept in a `SameSite=Strict`
//! cookie), and a second secret in a header on every write (CSRF).
//!
//! - `access.rs`: the token, the cookie and the CSRF check;
//! - `store.rs`: paths, atomic saves, conflicts, backups;
//! - `reports.rs`: the report form ⇄ the report file, its checks;
//! - `ledger.rs`: the ledger, indicators and honours forms;
//! - `pages.rs`: the HTML pages (templates in `templates/`);
//! - `api.rs`: the JSON endpoints the pages call.

mod access;
mod api;
mod ledger;
mod pages;
mod reports;
mod store;

use crate::diagnostic::Diagnostic;
use crate::model::Inputs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Where the workbench answers (under any base path too, as the preview's
/// own endpoints do).
pub(crate) const PATH: &str = "/__wenming/";

/// What the workbench knows of the site: the last load, the last build's
/// diagnostics and summary. Replaced after every rebuild of the preview.
#[derive(Default)]
pub(crate) struct Snapshot {
    pub(crate) inputs: Option<Arc<Inputs>>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) summary: String,
    /// The preview's base path (`/wmcj/`), for links to pages.
    pub(crate) base: String,
    pub(crate) drafts: bool,
}

pub(crate) struct Workbench {
    pub(crate) root: PathBuf,
    access: access::Secrets,
    snapshot: Mutex<Arc<Snapshot>>,
    /// Serialises saves: two tabs saving at once must not both pass the
    /// conflict check.
    saving: Arc<tokio::sync::Mutex<()>>,
    templates: tera::Tera,
    /// Cleared when the preview listens beyond loopback without
    /// `--lan-workbench`: every workbench request is then refused.
    open: std::sync::atomic::AtomicBool,
}

impl Workbench {
    pub(crate) fn new(root: PathBuf) -> anyhow::Result<Workbench> {
        Ok(Workbench {
            root,
            access: access::Secrets::new()?,
            snapshot: Mutex::new(Arc::new(Snapshot::default())),
            saving: Arc::new(tokio::sync::Mutex::new(())),
            templates: pages::templates()?,
            open: std::sync::atomic::AtomicBool::new(true),
        })
    }

    pub(crate) fn close(&self) {
        self.open.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    fn is_open(&self) -> bool {
        self.open.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The address that lets a browser in: the workbench with the token.
    pub(crate) fn entry_url(&self, origin: &str) -> String {
        format!("{origin}{PATH}?token={}", self.access.token)
    }

    pub(crate) fn update(&self, snapshot: Snapshot) {
        *self.snapshot.lock().expect("snapshot lock") = Arc::new(snapshot);
    }

    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.lock().expect("snapshot lock"))
    }
}

/// The workbench's routes, to be merged into the preview's router (behind
/// its Host and Origin checks) and behind the workbench's own token.
pub(crate) fn router<S>(wb: Arc<Workbench>) -> axum::Router<S> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/__wenming/", get(pages::overview))
        .route("/__wenming/reports", get(pages::report_list))
        .route("/__wenming/report", get(pages::report_form))
        .route("/__wenming/ledger", get(pages::ledger))
        .route("/__wenming/build", get(pages::build))
        .route("/__wenming/backups", get(pages::backups))
        .route("/__wenming/assets/{name}", get(pages::asset))
        .route("/__wenming/source/{*path}", get(pages::source))
        .route("/__wenming/api/report/check", post(api::report_check))
        .route("/__wenming/api/report/save", post(api::report_save))
        .route("/__wenming/api/report/upload", post(api::report_upload))
        // A Word file carries all its photos: more than one photo's limit.
        .route(
            "/__wenming/api/report/import",
            post(api::report_import).layer(axum::extract::DefaultBodyLimit::max(api::MAX_DOCX)),
        )
        .route("/__wenming/api/ledger/save", post(api::ledger_save))
        .route("/__wenming/api/ledger/upload", post(api::ledger_upload))
        .route("/__wenming/api/indicators/save", post(api::indicators_save))
        .route("/__wenming/api/honors/add", post(api::honor_add))
        .route("/__wenming/api/restore", post(api::restore))
        .route("/__wenming/api/build", post(api::build))
        .route("/__wenming/api/publish", post(api::publish))
        .route("/__wenming/package/{name}", get(pages::package))
        .layer(axum::extract::DefaultBodyLimit::max(api::MAX_UPLOAD))
        .layer(axum::middleware::map_response(api::too_large_in_chinese))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&wb),
            access::only_with_token,
        ))
        .with_state(wb)
}
