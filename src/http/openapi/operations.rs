//! What one operation gets from the mechanisms every handler shares: the shared responses it can
//! give, the request headers it reads and the response headers it writes.

use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::Required;
use utoipa::openapi::{RefOr, Response};

use super::shared::{self, add_security_headers, string_header, RATE_LIMIT_HEADERS};

/// The extension by which an operation of a content resource says that it goes through the
/// write engine (`crate::content::writes`: If-Match, Idempotency-Key, ETag), e.g.
/// `extensions(("x-orgcms-content" = json!("objectives")))` in its `#[utoipa::path(...)]`.
pub(super) const CONTENT_MARKER: &str = "x-orgcms-content";

/// Takes the content marker out of `operation` (the published document does not carry it) and
/// returns the resource it names, if it has one.
pub(super) fn take_content_marker(operation: &mut Operation) -> Option<serde_json::Value> {
    let extensions = operation.extensions.as_mut()?;
    let resource = extensions.remove(CONTENT_MARKER);
    if extensions.is_empty() {
        operation.extensions = None;
    }
    resource
}

fn header_parameter(
    name: &str,
    description: &str,
    example: &str,
    pattern: Option<&str>,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(pattern),
        ))
        .example(Some(serde_json::Value::String(example.to_owned())))
        .build()
}

fn requires_bearer(operation: &Operation) -> bool {
    operation.security.as_ref().is_some_and(|requirements| {
        !requirements.is_empty()
            && requirements
                .iter()
                .all(|r| serde_json::to_value(r).is_ok_and(|v| v.get("bearer").is_some()))
    })
}

pub(super) fn document_operation(
    operation: &mut Operation,
    method: HttpMethod,
    has_path_parameter: bool,
    is_api: bool,
    is_content: bool,
) {
    let is_read = matches!(method, HttpMethod::Get);
    // Declared open to anonymous readers only (the feeds): the handler never reads a token.
    let anonymous_only = operation.security.as_ref().is_some_and(|requirements| {
        requirements.iter().all(|r| {
            serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
        })
    });
    if operation.security.is_none() {
        // Reads are public; a valid token unlocks the editor view.
        operation.security = Some(if is_api && is_read {
            vec![
                SecurityRequirement::default(),
                SecurityRequirement::new("bearer", Vec::<String>::new()),
            ]
        } else {
            vec![SecurityRequirement::default()]
        });
    }
    let authenticated = requires_bearer(operation);
    let is_content_write = is_content && authenticated && !is_read;
    // Content reads (public, optionally with a token) go through the caching mechanism.
    let is_content_read = is_api && is_read && !authenticated;
    // Every handler checks its query string (and writes their headers and body).
    let mut shared = vec!["400", "431", "500", "503"];
    if is_api {
        shared.push("429");
    }
    if authenticated || (is_api && is_read && !anonymous_only) {
        shared.push("401");
    }
    if has_path_parameter {
        shared.push("404");
    }
    // A paging cursor that is not one of this list is a value no schema can tell apart.
    let pages_by_cursor = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name == "cursor" || p.name == "since");
    if pages_by_cursor {
        shared.push("422");
    }
    if operation.request_body.is_some() {
        shared.extend(["408", "413", "415", "422"]);
    }
    // Slugs (and account emails) are unique.
    let is_post = matches!(method, HttpMethod::Post);
    if authenticated && (is_post || (is_content_write && !matches!(method, HttpMethod::Delete))) {
        shared.push("409");
    }
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    if is_content_write && matches!(method, HttpMethod::Post) {
        parameters.push(header_parameter(
            "Idempotency-Key",
            "Makes the request safe to retry: a repeat with the same key and body replays the first answer and creates nothing. A key is kept 24 hours (the server's `ORGCMS_IDEMPOTENCY_TTL_HOURS`); after that it counts as new",
            "7f1c2e4a-create-news-1",
            // Empty counts as absent.
            Some("^( *|[\\x21-\\x7E]{1,200})$"),
        ));
    }
    if is_content_write && (has_path_parameter || !matches!(method, HttpMethod::Post)) {
        shared.push("412");
        parameters.push(header_parameter(
            "If-Match",
            "The `ETag` you read; the write fails with 412 if the item changed since",
            "\"5d41402abc4b2a76b9719d911017c592\"",
            // Empty counts as absent.
            Some("^ *(\\*|(W/)?\"[\\x21\\x23-\\x7E]*\"( *, *(W/)?\"[\\x21\\x23-\\x7E]*\")*)? *$"),
        ));
    }
    let is_validated_read = is_api && is_read && (is_content_read || authenticated);
    if is_validated_read {
        parameters.push(header_parameter(
            "If-None-Match",
            "The `ETag` of the copy you hold: 304 with no body while it is current",
            "\"5d41402abc4b2a76b9719d911017c592\"",
            // Anything else matches no tag: answered in full, never refused.
            None,
        ));
    }
    // Lists and feeds say when what they show last changed.
    let dated = is_content_read && (pages_by_cursor || anonymous_only);
    if dated {
        parameters.push(header_parameter(
            "If-Modified-Since",
            "The `Last-Modified` of the copy you hold: 304 while nothing changed since (ignored when `If-None-Match` is sent, or when it is not an HTTP date)",
            "Wed, 29 May 2024 10:00:00 GMT",
            None,
        ));
    }
    if parameters.is_empty() {
        operation.parameters = None;
    }
    let responses = &mut operation.responses.responses;
    for status in shared {
        if let Some(reference) = shared::reference(status) {
            responses.entry(status.into()).or_insert(reference);
        }
    }
    let mut headers = vec![(
        "X-Request-Id",
        "The id of this request, also on every log line about it",
    )];
    if is_api {
        headers.extend(RATE_LIMIT_HEADERS);
    }
    if is_content_read {
        let (cache_control, vary) = if anonymous_only {
            (
                "`public, max-age=..., stale-while-revalidate=...`",
                "`Accept-Language`: the representation depends on it (and on nothing else; with `ORGCMS_CORS_ORIGINS` set, the CORS headers also depend on `Origin, Access-Control-Request-Method, Access-Control-Request-Headers`)",
            )
        } else {
            (
                "`public, max-age=..., stale-while-revalidate=...` for readers, `private, no-store` for editors",
                "`Accept-Language, Authorization`: the representation depends on them (with `ORGCMS_CORS_ORIGINS` set, the CORS headers also depend on `Origin, Access-Control-Request-Method, Access-Control-Request-Headers`)",
            )
        };
        headers.extend([
            (
                "ETag",
                "Strong validator of this representation; send it back in `If-None-Match`",
            ),
            ("Cache-Control", cache_control),
            ("Content-Language", "The locale(s) the content is in"),
            ("Vary", vary),
        ]);
    }
    // Account and audit reads: the editor's own, never stored by anyone, still validated.
    if is_api && is_read && authenticated {
        headers.extend([
            (
                "ETag",
                "Strong validator of this representation; send it back in `If-None-Match`",
            ),
            ("Cache-Control", "`private, no-store`"),
        ]);
    }
    if is_content_write {
        headers.push((
            "ETag",
            "The new `ETag` of the item; send it as `If-Match` on the next write",
        ));
    }
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        add_security_headers(response);
        if !status.starts_with('2') {
            continue;
        }
        let is_list = response.content.values().any(
            |c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.contains("ListResponse")),
        );
        let mut all = headers.clone();
        if is_list {
            all.push((
                "Link",
                "RFC 8288 links to the first and next pages (with `page`, also the previous and last)",
            ));
        }
        if dated && status == "200" {
            all.push((
                "Last-Modified",
                "When what the response shows last changed (absent within the second of a change); send it back in `If-Modified-Since`",
            ));
        }
        if status == "201" {
            all.push(("Location", "The path of the created item"));
        }
        if status == "204" {
            all.retain(|(name, _)| *name == "X-Request-Id" || name.starts_with("RateLimit"));
        }
        for (name, description) in all {
            response
                .headers
                .insert(name.into(), string_header(description));
        }
    }
    if is_validated_read {
        responses.entry("304".into()).or_insert_with(|| {
            let mut not_modified = Response::new(
                "Not modified: `If-None-Match` matched the current `ETag` (or, without it, nothing changed since `If-Modified-Since`)",
            );
            add_security_headers(&mut not_modified);
            RefOr::T(not_modified)
        });
    }
}
