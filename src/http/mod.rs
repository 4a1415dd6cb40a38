//! What every endpoint shares: errors as problem+json, request extractors (body, parameters,
//! paging), response helpers (conditional GETs, caching headers), middleware, the 404/405
//! fallback and the OpenAPI document.

pub mod body;
pub mod caching;
pub mod error;
pub mod item_path;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod params;
pub mod responses;
pub mod routing;
pub mod viewer;
