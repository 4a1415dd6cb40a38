//! Accounts and who may do what: logins, tokens and their ends, administrators' accounts, and
//! the request budgets per client.

mod api_keys;
mod auth;
mod rate_limits;
mod users;
