//! One integration-test binary: HTTP against a real server on a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod errors;
mod health;
mod helpers;
mod locales;
mod migrations;
mod missions;
mod news;
mod objectives;
mod openapi;
mod organization;
mod seed;
