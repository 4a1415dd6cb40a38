//! The two shapes of a successful read: one item, or a page of items in the list envelope.

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::content::locale::{content_language, RequestLocale};
use crate::http::caching::{json_read, Audience, Representation};
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageMeta};

pub fn item_response<T: Serialize>(
    req: &HttpRequest,
    audience: Audience,
    item: &T,
    shown_locale: &str,
) -> Result<HttpResponse, ApiError> {
    let representation = Representation {
        content_language: Some(shown_locale.to_owned()),
        link: None,
        ..Default::default()
    };
    json_read(req, audience, item, representation)
}

pub fn list_response<T: Serialize>(
    req: &HttpRequest,
    audience: Audience,
    locale: &RequestLocale,
    data: Vec<T>,
    meta: PageMeta,
    last_modified: Option<chrono::DateTime<chrono::Utc>>,
    shown_locale: impl Fn(&T) -> &str,
) -> Result<HttpResponse, ApiError> {
    let representation = Representation {
        content_language: Some(content_language(data.iter().map(shown_locale), locale)),
        link: Some(meta.link_header(req.path(), req.query_string())),
        last_modified,
    };
    json_read(req, audience, &ListResponse { data, meta }, representation)
}

/// A read of what only editors see: all locales, never cached by anyone.
pub fn editor_item_response<T: Serialize>(
    req: &HttpRequest,
    item: &T,
) -> Result<HttpResponse, ApiError> {
    json_read(req, Audience::Private, item, Representation::default())
}

/// A page of editor representations.
pub fn editor_list_response<T: Serialize>(
    req: &HttpRequest,
    data: Vec<T>,
    meta: PageMeta,
) -> Result<HttpResponse, ApiError> {
    let representation = Representation {
        content_language: None,
        link: Some(meta.link_header(req.path(), req.query_string())),
        ..Default::default()
    };
    json_read(
        req,
        Audience::Private,
        &ListResponse { data, meta },
        representation,
    )
}

/// The answer to an administrator's write (webhooks, API keys): the item as written, with the
/// ETag a next conditional write sends, never stored by a cache.
pub fn written_response<T: Serialize>(
    status: actix_web::http::StatusCode,
    item: &T,
) -> Result<HttpResponse, ApiError> {
    let etag = crate::content::preconditions::editor_etag(item)?;
    Ok(HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("ETag", etag))
        .json(item))
}

/// The answer to an administrator's create: `written_response` with 201 and `Location`.
pub fn created_response<T: Serialize>(location: &str, item: &T) -> Result<HttpResponse, ApiError> {
    let mut response = written_response(actix_web::http::StatusCode::CREATED, item)?;
    response.headers_mut().insert(
        actix_web::http::header::LOCATION,
        actix_web::http::header::HeaderValue::from_str(location)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}
