//! Successful reads: JSON with a strong `ETag` (a hash of the exact body), `If-None-Match` -> 304,
//! `Cache-Control`, `Vary` and `Content-Language`. One function for every GET that returns content.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// How long anonymous readers and shared caches may reuse a response.
#[derive(Clone, Copy, Debug)]
pub struct CachePolicy {
    pub max_age: u32,
}

/// Who may keep a copy of a response: anyone for anonymous reads, nobody for what an editor's
/// token unlocked.
#[derive(Clone, Copy, Debug)]
pub enum Audience {
    Public(CachePolicy),
    Private,
}

impl Audience {
    fn header_value(&self) -> String {
        match self {
            Self::Public(policy) => format!(
                "public, max-age={}, stale-while-revalidate={}",
                policy.max_age,
                policy.max_age.saturating_mul(5)
            ),
            Self::Private => "private, no-store".to_owned(),
        }
    }
}

/// What every content read varies on.
pub const VARY: &str = "Accept-Language, Authorization";

/// What a read response says besides its body.
#[derive(Debug, Default)]
pub struct Representation {
    /// The locale(s) the content is in; None for responses without human-readable text.
    pub content_language: Option<String>,
    /// RFC 8288 links (paging).
    pub link: Option<String>,
}

pub fn strong_etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// True when an `If-None-Match` header value matches `etag` (weak comparison, RFC 9110 13.1.2).
pub fn if_none_match_matches(header_value: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    header_value.trim() == "*" || header_value.split(',').any(|t| bare(t) == bare(etag))
}

pub fn json_read<T: Serialize>(
    req: &HttpRequest,
    audience: Audience,
    body: &T,
    representation: Representation,
) -> Result<HttpResponse, ApiError> {
    let bytes =
        serde_json::to_vec(body).map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    Ok(bytes_read(req, audience, bytes.into(), representation))
}

/// A JSON body that is already bytes (e.g. the OpenAPI document), with the same validators.
pub fn bytes_read(
    req: &HttpRequest,
    audience: Audience,
    bytes: actix_web::web::Bytes,
    representation: Representation,
) -> HttpResponse {
    let etag = strong_etag(&bytes);
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| if_none_match_matches(h, &etag));
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, audience.header_value()))
        .insert_header((header::VARY, HeaderValue::from_static(VARY)));
    if let Some(language) = representation.content_language {
        response.insert_header((header::CONTENT_LANGUAGE, language));
    }
    if let Some(link) = representation.link {
        response.insert_header((header::LINK, link));
    }
    if not_modified {
        return response.finish();
    }
    response.content_type("application/json").body(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_strong_and_depend_on_the_body() {
        let a = strong_etag(b"{\"a\":1}");
        assert!(a.starts_with('"') && a.ends_with('"') && a.len() == 34);
        assert_ne!(a, strong_etag(b"{\"a\":2}"));
        assert_eq!(a, strong_etag(b"{\"a\":1}"));
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let etag = "\"abc\"";
        assert!(if_none_match_matches("\"abc\"", etag));
        assert!(if_none_match_matches("\"x\", W/\"abc\"", etag));
        assert!(if_none_match_matches("*", etag));
        assert!(!if_none_match_matches("\"abcd\"", etag));
        assert!(!if_none_match_matches("", etag));
    }
}
