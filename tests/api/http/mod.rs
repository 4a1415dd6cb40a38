//! What every endpoint owes HTTP: problems for errors, security headers and CORS, hostile input,
//! body and header limits, caching and validators, the routes, the OpenAPI document, health.

mod consistency;
mod errors;
mod hardening;
mod health;
mod hostile;
mod limits;
mod openapi;
mod origin;
mod response_cache;
mod routes;
