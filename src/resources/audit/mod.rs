//! The audit trail of every write, for administrators.

pub mod dto;
pub mod queries;
pub mod routes;
