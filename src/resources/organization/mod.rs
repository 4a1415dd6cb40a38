//! The organization profile: a singleton.

pub mod document;
pub mod dto;
pub mod queries;
pub mod routes;
