//! Country missions with their milestones, focus areas, key figures and assistance types.

pub mod document;
pub mod dto;
pub mod queries;
pub mod routes;
