//! HTTP semantics every GET resource shares, whoever serves it: `HEAD` is answered as `GET`
//! without the body (the connection layer drops it and keeps `Content-Length`), and a successful
//! `GET` whose handler set no validator (the interactive docs' files, the health probes) gets a
//! strong `ETag` and answers `If-None-Match` with 304. Content reads set their own `ETag` (and
//! `Last-Modified`) through `crate::http::caching` and pass through untouched.

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;

use crate::http::caching::{is_not_modified, strong_etag};

/// Bodies larger than this are not hashed (none of the API's are).
const MAX_HASHED_BODY: u64 = 8 << 20;

pub async fn serve(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    let is_get = req.method() == Method::GET;
    let response = next.call(req).await?.map_into_boxed_body();
    let needs_validator = is_get
        && response.status() == StatusCode::OK
        && !response.headers().contains_key(header::ETAG)
        && matches!(response.response().body().size(), BodySize::Sized(n) if n <= MAX_HASHED_BODY);
    if !needs_validator {
        return Ok(response);
    }
    let (req, response) = response.into_parts();
    let (mut head, body) = response.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
    let etag = strong_etag(&bytes);
    if let Ok(value) = HeaderValue::from_str(&etag) {
        head.headers_mut().insert(header::ETAG, value);
    }
    if is_not_modified(req.headers(), &etag, None) {
        head.headers_mut().remove(header::CONTENT_TYPE);
        head.headers_mut().remove(header::CONTENT_LENGTH);
        *head.status_mut() = StatusCode::NOT_MODIFIED;
        return Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(()))));
    }
    Ok(ServiceResponse::new(
        req,
        head.set_body(BoxBody::new(bytes)),
    ))
}
