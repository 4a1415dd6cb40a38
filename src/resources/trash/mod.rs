//! The trash: deleted objectives, missions and news items, kept (with their slugs reserved and
//! their revisions) until an editor restores them or an administrator, or the retention
//! sweep, purges them.

pub mod dto;
pub mod queries;
pub mod routes;
