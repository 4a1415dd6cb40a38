//! The change feed for apps that keep a copy of the public content (delta sync):
//! `GET /api/v1/changes?since=<cursor>`.

pub mod cursor;
pub mod dto;
pub mod feed;
pub mod queries;
pub mod routes;
