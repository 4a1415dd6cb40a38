//! Content and how it is written. The write engine shared by every resource: what a resource
//! declares (`document`), the request that runs a write (`request`), the transaction
//! (`engine`) with its preconditions, idempotency and audit; the routes a declaration makes
//! (`routes`); and the rules of content (locales, markdown, validation, slugs).

pub mod audit;
pub mod clock;
pub mod document;
pub mod embeds;
pub mod engine;
pub mod idempotency;
pub mod locale;
pub mod markdown;
pub mod preconditions;
pub mod request;
pub mod resource;
pub mod retention;
pub mod routes;
pub mod slugs;
pub mod validation;
