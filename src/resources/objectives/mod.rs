//! The organization's strategic objectives, ordered by position.

pub mod document;
pub mod dto;
pub mod queries;
pub mod routes;
