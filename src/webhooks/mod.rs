//! Webhooks: the outbox the database writes at each commit of public content, and the relay
//! that delivers it to subscribers, signed as Standard Webhooks 1.0 says, retried on a schedule,
//! to addresses checked against SSRF at every connection.

pub mod outbox;
pub mod payload;
pub mod relay;
pub mod schedule;
pub mod signing;
pub mod ssrf;
