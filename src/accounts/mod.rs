//! Who may write: user accounts, passwords, sessions and their tokens.

pub mod auth;
pub mod keys;
pub mod role;
pub mod users;
