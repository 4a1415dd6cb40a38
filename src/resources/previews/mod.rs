//! Draft previews: signed, expiring, revocable links that show a news item's current draft as
//! readers would see it, to someone without an account.

pub mod queries;
pub mod routes;
