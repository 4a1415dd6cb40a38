//! News: the hot path. Public readers see published items whose time has come.

pub mod document;
pub mod dto;
pub mod queries;
pub mod routes;
