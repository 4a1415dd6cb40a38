//! Webhook subscriptions (administrators): who gets which events about public content, signed
//! with which secret, and how each delivery went.

pub mod dto;
pub mod queries;
pub mod routes;
