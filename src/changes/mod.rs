//! The change feed for apps that keep a copy of the public content (delta sync).

pub mod queries;
