//! Accounts of editors and administrators; administrators manage them.

pub mod dto;
pub mod queries;
pub mod routes;
