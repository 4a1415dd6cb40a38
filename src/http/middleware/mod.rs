//! The layers every request passes through, outermost last in `app::startup::run`.

pub mod api_keys;
pub mod consistency;
pub mod rate_limit;
pub mod response_cache;
pub mod security;
pub mod semantics;
