//! One integration-test binary: HTTP against a real server on a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod changes;
mod cli;
mod content_writes;
mod errors;
mod feeds;
mod guide;
mod hardening;
mod health;
mod helpers;
mod limits;
mod locales;
mod migrations;
mod missions;
mod news;
mod news_writes;
mod objectives;
mod openapi;
mod organization;
mod paging;
mod response_cache;
mod routes;
mod search;
mod seed;
mod users;
