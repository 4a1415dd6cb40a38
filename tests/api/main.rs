//! One integration-test binary: HTTP against a real server on a real PostgreSQL.
//!
//! The tests are grouped by concern: `content/` (what the CMS serves and edits), `accounts/`
//! (logins, tokens, administrators, request budgets), `http/` (what every endpoint owes HTTP),
//! `operations/` (the binary, migrations, seed, the API guide), `media/` (uploads and their
//! storage). `helpers/` has the harness.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod content;
mod helpers;
mod http;
mod media;
mod operations;
mod webhooks;
