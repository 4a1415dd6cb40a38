//! Who may write: passwords, access tokens (JWT), refresh tokens, the login rate limit, and the
//! extractors that turn a bearer token into an authenticated editor.

pub mod dto;
pub mod extractor;
pub mod jwt;
pub mod password;
pub mod queries;
pub mod routes;
