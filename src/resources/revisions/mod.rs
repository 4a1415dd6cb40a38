//! Revisions: every version of a content item, as the write engine stored it in the write's
//! transaction (`crate::content::engine`); editors list them, read one, compare two, pin one,
//! and restore one (a new version through the engine).

pub mod dto;
pub mod queries;
pub mod routes;
