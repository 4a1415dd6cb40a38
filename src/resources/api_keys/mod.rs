//! `/api-keys`: the partner API keys administrators issue (see `crate::accounts::keys`).

pub mod dto;
pub mod queries;
pub mod routes;
