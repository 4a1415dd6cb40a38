//! orgcms: a headless JSON content API. `app::startup::Application` is the whole server; the
//! binary in `main.rs` only parses the command line.
//!
//! The tree follows the layers: `app` builds and configures the server, `http` is what every
//! endpoint shares (errors, extractors, paging, caching, middleware, the OpenAPI document),
//! `content` is the write engine and the rules of content (locales, markdown, validation),
//! `resources` has one folder per resource, `accounts` the users and their tokens, `db` the
//! pool, migrations and schema, `media` what an uploaded file is and whether it is safe to read.

pub mod accounts;
pub mod app;
pub mod content;
pub mod db;
#[cfg(test)]
mod fuzzing;
pub mod http;
pub mod media;
pub mod portability;
pub mod resources;
pub mod seed;
pub mod webhooks;
