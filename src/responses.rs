//! The two shapes of a successful read: one item, or a page of items in the list envelope.

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::caching::{json_read, CachePolicy, Representation};
use crate::error::ApiError;
use crate::locale::{content_language, RequestLocale};
use crate::pagination::{ListResponse, PageMeta};

pub fn item_response<T: Serialize>(
    req: &HttpRequest,
    policy: CachePolicy,
    item: &T,
    shown_locale: &str,
) -> Result<HttpResponse, ApiError> {
    let representation = Representation {
        content_language: Some(shown_locale.to_owned()),
        link: None,
    };
    json_read(req, policy, item, representation)
}

pub fn list_response<T: Serialize>(
    req: &HttpRequest,
    policy: CachePolicy,
    locale: &RequestLocale,
    data: Vec<T>,
    meta: PageMeta,
    shown_locale: impl Fn(&T) -> &str,
) -> Result<HttpResponse, ApiError> {
    let representation = Representation {
        content_language: Some(content_language(data.iter().map(shown_locale), locale)),
        link: Some(meta.link_header(req.path(), req.query_string())),
    };
    json_read(req, policy, &ListResponse { data, meta }, representation)
}
