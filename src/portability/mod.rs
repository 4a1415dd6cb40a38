//! Export and import: all the content of a database as one versioned JSON document
//! ([`format::ExportDocument`]), written by `orgcms export` (and `GET /api/v1/export`) and
//! loaded by `orgcms import`.
//!
//! The document holds the organization's profile, the objectives, the missions, the news and the
//! assets' rows, each with its id, version and times and the input that writes it; optionally
//! the revisions (`--revisions`) and the stored originals of the assets, base64 (`--files`).
//! It is deterministic: items sorted by id, no time of export, so two exports of the same
//! content are byte-equal, and an import into an empty database exports again to the same bytes.
//!
//! Not exported: users, API keys, webhooks, sessions and tokens, the audit log, the change log,
//! the trash, preview links, idempotency keys and rendered variants (they are rendered again).
//!
//! An import ([`import::import`]) checks the whole document first (the format and its version,
//! and each item with the API's own parsing and rules), stores the files, then writes everything
//! in one transaction; importing the same document twice changes nothing the second time.

pub mod export;
pub mod format;
pub mod import;
pub mod routes;

pub use export::{export, ExportOptions};
pub use format::{ExportDocument, FORMAT, FORMAT_VERSION};
pub use import::{import, ImportError, ImportReport};
