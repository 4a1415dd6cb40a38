//! orgcms: a headless JSON content API. `startup::Application` is the whole server; the binary
//! in `main.rs` only parses the command line.

pub mod audit;
pub mod auth;
pub mod body;
pub mod caching;
pub mod changes;
pub mod config;
pub mod db;
pub mod error;
#[cfg(test)]
mod fuzzing;
pub mod http_semantics;
pub mod locale;
pub mod markdown;
pub mod openapi;
pub mod pagination;
pub mod params;
pub mod rate_limit;
pub mod response_cache;
pub mod responses;
pub mod routing;
pub mod security;
pub mod seed;
pub mod startup;
pub mod telemetry;
pub mod validation;
pub mod writes;

pub mod feeds;
pub mod health;
pub mod missions;
pub mod news;
pub mod objectives;
pub mod organization;
pub mod users;
