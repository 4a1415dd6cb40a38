//! The organization profile: a singleton.

pub mod dto;
pub mod queries;
pub mod routes;
