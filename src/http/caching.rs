//! Successful reads: JSON (or ready bytes of another media type, such as a feed) with a strong
//! `ETag` (a hash of the exact body), `If-None-Match` -> 304, `Cache-Control`, `Vary` and
//! `Content-Language`. One function for every GET that returns content.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;

/// How long anonymous readers and shared caches may reuse a response.
#[derive(Clone, Copy, Debug)]
pub struct CachePolicy {
    pub max_age: u32,
}

/// Who may keep a copy of a response: anyone for anonymous reads, nobody for what an editor's
/// token unlocked.
#[derive(Clone, Copy, Debug)]
pub enum Audience {
    /// The public view of a read that a token would turn into the editor view.
    Public(CachePolicy),
    /// The same for every reader, token or not (the feeds): it never varies on `Authorization`.
    Anyone(CachePolicy),
    Private,
}

impl Audience {
    fn header_value(&self) -> String {
        match self {
            Self::Public(policy) | Self::Anyone(policy) => format!(
                "public, max-age={}, stale-while-revalidate={}",
                policy.max_age,
                policy.max_age.saturating_mul(5)
            ),
            Self::Private => "private, no-store".to_owned(),
        }
    }

    fn vary(&self) -> &'static str {
        match self {
            Self::Public(_) | Self::Private => VARY,
            Self::Anyone(_) => VARY_ANYONE,
        }
    }
}

/// What every content read varies on.
pub const VARY: &str = "Accept-Language, Authorization";
/// What a read that ignores tokens varies on.
pub const VARY_ANYONE: &str = "Accept-Language";

/// The media type of JSON reads.
pub const JSON: &str = "application/json";

/// What a read response says besides its body.
#[derive(Debug, Default)]
pub struct Representation {
    /// The locale(s) the content is in; None for responses without human-readable text.
    pub content_language: Option<String>,
    /// RFC 8288 links (paging).
    pub link: Option<String>,
    /// When what the response shows last changed (lists and feeds).
    pub last_modified: Option<chrono::DateTime<chrono::Utc>>,
}

/// The `Last-Modified` value of a change at `changed`, if it can be one at `now`. HTTP dates
/// count whole seconds, so a change within the current second is not announced: another change
/// in the same second would carry the same date, and a reader holding it would wrongly be told
/// nothing changed. (The `ETag` still validates such a response exactly.)
pub fn last_modified_header(
    changed: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    (changed.timestamp() < now.timestamp())
        .then(|| changed.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
}

/// RFC 9110 section 13.2.2: `If-None-Match` decides when present; otherwise
/// `If-Modified-Since` against `Last-Modified`, when the response has one.
pub fn is_not_modified(
    headers: &actix_web::http::header::HeaderMap,
    etag: &str,
    last_modified: Option<&str>,
) -> bool {
    use actix_web::http::header::HttpDate;
    use std::str::FromStr;
    if let Some(value) = headers.get(header::IF_NONE_MATCH) {
        return value.to_str().is_ok_and(|h| if_none_match_matches(h, etag));
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| HttpDate::from_str(v).ok());
    let modified = last_modified.and_then(|v| HttpDate::from_str(v).ok());
    match (since, modified) {
        (Some(since), Some(modified)) => {
            std::time::SystemTime::from(modified) <= std::time::SystemTime::from(since)
        }
        _ => false,
    }
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
    Ok(bytes_read(
        req,
        audience,
        JSON,
        bytes.into(),
        representation,
    ))
}

/// A body that is already bytes of `content_type` (the OpenAPI document, a feed), with the same
/// validators.
pub fn bytes_read(
    req: &HttpRequest,
    audience: Audience,
    content_type: &'static str,
    bytes: actix_web::web::Bytes,
    representation: Representation,
) -> HttpResponse {
    let etag = strong_etag(&bytes);
    let last_modified = representation
        .last_modified
        .and_then(|changed| last_modified_header(changed, chrono::Utc::now()));
    let not_modified = is_not_modified(req.headers(), &etag, last_modified.as_deref());
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, audience.header_value()))
        .insert_header((header::VARY, HeaderValue::from_static(audience.vary())));
    if let Some(language) = representation.content_language {
        response.insert_header((header::CONTENT_LANGUAGE, language));
    }
    if let Some(link) = representation.link {
        response.insert_header((header::LINK, link));
    }
    if let Some(last_modified) = last_modified {
        response.insert_header((header::LAST_MODIFIED, last_modified));
    }
    if not_modified {
        return response.finish();
    }
    response.content_type(content_type).body(bytes)
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
    fn if_modified_since_counts_only_without_if_none_match() {
        use actix_web::http::header::{HeaderMap, HeaderValue};
        let lm = "Wed, 29 May 2024 10:00:00 GMT";
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.insert(
                    actix_web::http::header::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                );
            }
            map
        };
        let same = headers(&[("if-modified-since", lm)]);
        assert!(is_not_modified(&same, "\"e\"", Some(lm)));
        let later = headers(&[("if-modified-since", "Wed, 29 May 2024 11:00:00 GMT")]);
        assert!(is_not_modified(&later, "\"e\"", Some(lm)));
        let earlier = headers(&[("if-modified-since", "Wed, 29 May 2024 09:59:59 GMT")]);
        assert!(!is_not_modified(&earlier, "\"e\"", Some(lm)));
        assert!(!is_not_modified(&same, "\"e\"", None), "no date, no 304");
        let garbage = headers(&[("if-modified-since", "yesterday")]);
        assert!(!is_not_modified(&garbage, "\"e\"", Some(lm)));
        // If-None-Match wins, both ways.
        let both = headers(&[("if-none-match", "\"other\""), ("if-modified-since", lm)]);
        assert!(!is_not_modified(&both, "\"e\"", Some(lm)));
        let both = headers(&[
            ("if-none-match", "\"e\""),
            ("if-modified-since", "Mon, 01 Jan 1990 00:00:00 GMT"),
        ]);
        assert!(is_not_modified(&both, "\"e\"", Some(lm)));
    }

    #[test]
    fn last_modified_is_never_the_current_second() {
        use chrono::TimeZone;
        let changed = chrono::Utc.with_ymd_and_hms(2024, 5, 29, 10, 0, 0).unwrap()
            + chrono::Duration::milliseconds(400);
        assert_eq!(
            last_modified_header(changed, changed + chrono::Duration::milliseconds(500)),
            None
        );
        assert_eq!(
            last_modified_header(changed, changed + chrono::Duration::seconds(1)).as_deref(),
            Some("Wed, 29 May 2024 10:00:00 GMT")
        );
    }

    #[test]
    fn ready_bytes_keep_their_media_type_and_vary_by_audience() {
        use actix_web::test::TestRequest;
        let policy = CachePolicy { max_age: 60 };
        let header = |response: &HttpResponse, name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        let req = TestRequest::default().to_http_request();
        let body = actix_web::web::Bytes::from_static(b"<rss/>");
        let feed = bytes_read(
            &req,
            Audience::Anyone(policy),
            "application/rss+xml; charset=utf-8",
            body.clone(),
            Representation::default(),
        );
        assert_eq!(feed.status(), 200);
        assert_eq!(
            header(&feed, header::CONTENT_TYPE),
            "application/rss+xml; charset=utf-8"
        );
        assert_eq!(header(&feed, header::VARY), "Accept-Language");
        assert_eq!(
            header(&feed, header::CACHE_CONTROL),
            "public, max-age=60, stale-while-revalidate=300"
        );
        let etag = header(&feed, header::ETAG);
        assert_eq!(etag, strong_etag(b"<rss/>"));
        let public = bytes_read(
            &req,
            Audience::Public(policy),
            JSON,
            body.clone(),
            Representation::default(),
        );
        assert_eq!(header(&public, header::CONTENT_TYPE), "application/json");
        assert_eq!(
            header(&public, header::VARY),
            "Accept-Language, Authorization"
        );
        let conditional = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, etag))
            .to_http_request();
        let not_modified = bytes_read(
            &conditional,
            Audience::Anyone(policy),
            "application/rss+xml; charset=utf-8",
            body,
            Representation::default(),
        );
        assert_eq!(not_modified.status(), 304);
        assert!(not_modified.headers().get(header::CONTENT_TYPE).is_none());
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

/// `If-None-Match` and `If-Modified-Since` under any header value.
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text};
    use actix_web::http::header::{HeaderMap, HeaderValue};
    use proptest::prelude::*;

    fn with(name: header::HeaderName, value: &[u8]) -> HeaderMap {
        let mut map = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(value) {
            map.insert(name, value);
        }
        map
    }

    proptest! {
        #![proptest_config(config(1000))]

        /// A list that holds the tag, weak or strong, anywhere, matches; any value at all is
        /// judged without a panic.
        #[test]
        fn if_none_match_finds_the_tag_in_any_list(
            body in any::<Vec<u8>>(),
            others in prop::collection::vec("[!#-+\\--~]{0,10}", 0..5),
            at in any::<prop::sample::Index>(),
            weak in any::<bool>(),
            junk in hostile_text(20),
        ) {
            let etag = strong_etag(&body);
            let mut list: Vec<String> = others.iter().map(|t| format!("\"{t}\"")).collect();
            let position = at.index(list.len() + 1);
            list.insert(position, format!("{}{etag}", if weak { "W/" } else { "" }));
            let value = list.join(", ");
            prop_assert!(if_none_match_matches(&value, &etag));
            prop_assert!(is_not_modified(&with(header::IF_NONE_MATCH, value.as_bytes()), &etag, None));
            let _ = if_none_match_matches(&junk, &etag);
            let _ = is_not_modified(&with(header::IF_NONE_MATCH, junk.as_bytes()), &etag, None);
        }

        /// A date at or after `Last-Modified` is a 304, an earlier one is not, and junk is
        /// ignored.
        #[test]
        fn if_modified_since_compares_dates_and_ignores_junk(
            modified in 0i64..253_402_300_799,
            delta in -100_000i64..100_000,
            junk in hostile_text(20),
        ) {
            let at = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap();
            let lm = at(modified).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            let since_secs = (modified + delta).clamp(0, 253_402_300_799);
            let since = at(since_secs).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            let headers = with(header::IF_MODIFIED_SINCE, since.as_bytes());
            prop_assert_eq!(is_not_modified(&headers, "\"e\"", Some(&lm)), since_secs >= modified);
            let junk_headers = with(header::IF_MODIFIED_SINCE, junk.as_bytes());
            let _ = is_not_modified(&junk_headers, "\"e\"", Some(&lm));
            let _ = is_not_modified(&junk_headers, "\"e\"", Some(&junk));
        }
    }
}
