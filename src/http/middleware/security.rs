//! What every response carries and every request is held to, whichever handler (or none) serves
//! it: `X-Content-Type-Options: nosniff`, a `Content-Security-Policy` (none at all for the API,
//! just what Swagger UI needs on `/docs`), a bound on the request headers (431), every error as a
//! problem document (also those of the framework and of the CORS middleware), and the CORS
//! allow-list of `ORGCMS_CORS_ORIGINS`.

use actix_cors::{Cors, CorsError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

use crate::http::error::{ApiError, PROBLEM_JSON};

/// The most request header bytes (names and values, plus `: ` and CRLF per line) the API reads;
/// more get a 431 problem. Heads over 128 KiB, or with more than 96 fields, never reach the
/// application: actix-http answers those with a bare 431 and closes the connection.
pub const MAX_REQUEST_HEADER_BYTES: usize = 16 * 1024;

/// The policy of every API response: JSON, feeds and media files load nothing, run nothing, and
/// are framed by no one; `sandbox` makes a document opened from the API (an SVG, a PDF) an
/// opaque origin whose scripts, if any, cannot run.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// The policy of the interactive documentation (`/docs`, the vendored Swagger UI 5.17.14): its
/// own scripts and style sheets only (its page has no inline script; the styles it sets from
/// script are not inline styles to CSP), plus, by its hash, the one `<style>` it inserts (the
/// colours of its logo, `.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}`);
/// its own images and the `data:` icons of its style sheet; requests to this origin only (the
/// document and "Try it out"). Checked in headless Chromium: no violation is reported.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// Request headers a browser client of another origin may send (on top of the CORS-safelisted
/// ones such as `Accept-Language`).
pub const CORS_ALLOWED_HEADERS: [&str; 7] = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "Idempotency-Key",
    "Consistency-Token",
];

/// Response headers such a client may read.
pub const CORS_EXPOSED_HEADERS: [&str; 8] = [
    "ETag",
    "Link",
    "Location",
    "Retry-After",
    "X-Request-Id",
    "Content-Language",
    "Last-Modified",
    "Consistency-Token",
];

/// How long a browser may reuse a preflight answer, in seconds.
pub const CORS_MAX_AGE_SECONDS: usize = 600;

/// The CORS middleware for the configured origins (exact, normalized by `config`): their
/// preflights are answered, their requests get `Access-Control-Allow-Origin`; any other origin's
/// requests are served as if CORS did not exist (no `Access-Control-*` header, so browsers keep
/// the response from the page) and its preflights are refused with a 400 problem. No
/// credentials: the API authenticates with bearer tokens, never cookies.
pub fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers(CORS_ALLOWED_HEADERS)
        .expose_headers(CORS_EXPOSED_HEADERS)
        .max_age(CORS_MAX_AGE_SECONDS)
}

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// The middleware (outside CORS and the response cache, inside the request id and the log):
/// refuses oversized headers, retells foreign errors as problems, and sets the security headers
/// on every response.
pub async fn harden(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    let size = header_bytes(req.headers());
    let response = if size > MAX_REQUEST_HEADER_BYTES {
        req.error_response(ApiError::HeadersTooLarge(format!(
            "the request headers take {size} bytes; at most {MAX_REQUEST_HEADER_BYTES} are read"
        )))
    } else {
        match next.call(req).await {
            Ok(response) => response.map_into_boxed_body(),
            // An error that a middleware inside returned instead of a response: its response is
            // made later, by the server, and gets the same treatment then.
            Err(mut error) => {
                error.add_response_mapper(move |response| hardened(response, is_docs));
                return Err(error);
            }
        }
    };
    let (request, response) = response.into_parts();
    Ok(ServiceResponse::new(request, hardened(response, is_docs)))
}

/// The response as it may leave: a problem document if it is an error, with the security
/// headers.
fn hardened(response: HttpResponse, is_docs: bool) -> HttpResponse {
    let mut response = as_problem(response);
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if is_docs { DOCS_CSP } else { API_CSP }),
    );
    response
}

/// An error response that is not a problem document becomes one with the same status. Its
/// original body is dropped unread: only this API's own words reach the client.
fn as_problem(response: HttpResponse) -> HttpResponse {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if status.as_u16() < 400 || is_problem {
        return response;
    }
    let cors = response
        .error()
        .and_then(|e| e.as_error::<CorsError>())
        .map(ToString::to_string);
    let error = match cors {
        Some(reason) => ApiError::Other {
            status,
            kind: "cors-refused",
            detail: format!("cross-origin request refused: {reason}"),
        },
        None => ApiError::Other {
            status,
            kind: kind_of(status),
            detail: format!(
                "the request could not be served ({})",
                status.canonical_reason().unwrap_or("error")
            ),
        },
    };
    let mut problem = error.error_response();
    // Keep what the original said about the exchange (`Allow`, `Vary`, `Retry-After`...), not
    // about its body.
    for (name, value) in response.headers() {
        if !is_body_header(name) && !problem.headers().contains_key(name) {
            problem.headers_mut().append(name.clone(), value.clone());
        }
    }
    problem
}

fn is_body_header(name: &HeaderName) -> bool {
    [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::CONTENT_LANGUAGE,
        header::ETAG,
        header::LAST_MODIFIED,
    ]
    .contains(name)
}

fn kind_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad-request",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::URI_TOO_LONG => "uri-too-long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "request-header-fields-too-large",
        s if s.is_server_error() => "internal",
        _ => "http-error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{test, web, App, HttpResponse};

    fn get<'a>(response: &'a ServiceResponse, name: &str) -> &'a str {
        response.headers().get(name).unwrap().to_str().unwrap()
    }

    async fn status_of(app_path: &str, headers: &[(&str, String)]) -> ServiceResponse {
        let app = test::init_service(
            App::new()
                .route(
                    "/plain",
                    web::get().to(|| async { HttpResponse::Ok().body("x") }),
                )
                .route(
                    "/text-error",
                    web::get().to(|| async {
                        HttpResponse::NotFound().body("/home/app/src/main.rs:12 panicked")
                    }),
                )
                .wrap(actix_web::middleware::from_fn(harden)),
        )
        .await;
        let mut req = test::TestRequest::get().uri(app_path);
        for (name, value) in headers {
            req = req.insert_header((*name, value.as_str()));
        }
        test::call_service(&app, req.to_request()).await
    }

    #[actix_web::test]
    async fn every_response_gets_nosniff_and_a_policy() {
        let response = status_of("/plain", &[]).await;
        assert_eq!(get(&response, "x-content-type-options"), "nosniff");
        assert_eq!(get(&response, "content-security-policy"), API_CSP);
        let response = status_of("/docs/", &[]).await;
        assert_eq!(get(&response, "content-security-policy"), DOCS_CSP);
        assert_eq!(get(&response, "x-content-type-options"), "nosniff");
    }

    #[actix_web::test]
    async fn foreign_error_bodies_become_problems() {
        let response = status_of("/text-error", &[]).await;
        assert_eq!(response.status(), 404);
        assert_eq!(get(&response, "content-type"), PROBLEM_JSON);
        let body = test::read_body(response).await;
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("panicked") && !text.contains("/home"),
            "{text}"
        );
        assert!(text.contains("urn:orgcms:problem:not-found"), "{text}");
    }

    #[actix_web::test]
    async fn oversized_headers_are_431_problems() {
        let big = "a".repeat(MAX_REQUEST_HEADER_BYTES);
        let response = status_of("/plain", &[("x-big", big)]).await;
        assert_eq!(response.status(), 431);
        assert_eq!(get(&response, "content-type"), PROBLEM_JSON);
        assert_eq!(get(&response, "x-content-type-options"), "nosniff");
        let fits = "a".repeat(MAX_REQUEST_HEADER_BYTES / 2);
        assert_eq!(status_of("/plain", &[("x-big", fits)]).await.status(), 200);
    }
}
