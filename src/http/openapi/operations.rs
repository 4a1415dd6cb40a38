//! What one operation gets from the mechanisms every handler shares: the shared responses it can
//! give, the request headers it reads and the response headers it writes.

use std::collections::BTreeMap;

use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{OpenApi as OpenApiDocument, RefOr, Required, Response};
use utoipa::Modify;

use super::shared::{self, add_security_headers, string_header, RATE_LIMIT_HEADERS};

/// Gives every operation of the collected document what the shared mechanisms do for it.
pub(super) struct OperationBehaviour;

impl Modify for OperationBehaviour {
    fn modify(&self, doc: &mut OpenApiDocument) {
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                (HttpMethod::Get, &mut item.get),
                (HttpMethod::Put, &mut item.put),
                (HttpMethod::Post, &mut item.post),
                (HttpMethod::Patch, &mut item.patch),
                (HttpMethod::Delete, &mut item.delete),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    document_operation(path, method, operation);
                }
            }
        }
    }
}

/// The extension by which an operation of a content resource says that it goes through the
/// write engine (`crate::content::writes`: If-Match, Idempotency-Key, ETag), e.g.
/// `extensions(("x-orgcms-content" = json!("objectives")))` in its `#[utoipa::path(...)]`.
pub(super) const CONTENT_MARKER: &str = "x-orgcms-content";

/// The extension by which a write of something other than content says that it honours
/// `If-Match` (412 when the item changed since it was read): the webhook subscriptions'.
pub(super) const CONDITIONAL_MARKER: &str = "x-orgcms-conditional";

/// Takes the content marker out of `operation` (the published document does not carry it) and
/// returns the resource it names, if it has one.
pub(super) fn take_content_marker(operation: &mut Operation) -> Option<serde_json::Value> {
    take_marker(operation, CONTENT_MARKER)
}

fn take_marker(operation: &mut Operation, marker: &str) -> Option<serde_json::Value> {
    let extensions = operation.extensions.as_mut()?;
    let value = extensions.remove(marker);
    if extensions.is_empty() {
        operation.extensions = None;
    }
    value
}

/// What the shared mechanisms need to know about an operation to tell what they do for it.
struct Traits {
    method: HttpMethod,
    /// Under `/api/`: rate limited, and reads there are validated (`If-None-Match`).
    is_api: bool,
    is_read: bool,
    has_path_parameter: bool,
    has_body: bool,
    /// Marked as written through `crate::content::writes` (see `CONTENT_MARKER`).
    is_content: bool,
    /// Marked as honouring `If-Match` outside the write engine (see `CONDITIONAL_MARKER`).
    is_conditional: bool,
    /// Declared open to anonymous readers only (the feeds): the handler never reads a token.
    anonymous_only: bool,
    /// Requires a bearer token.
    authenticated: bool,
    /// Takes a paging cursor (`cursor` or `since`): one that is not of this list is a value no
    /// schema can tell apart (422).
    pages_by_cursor: bool,
}

impl Traits {
    /// Takes the content marker out of `operation` and gives it its default security first.
    fn of(path: &str, method: HttpMethod, operation: &mut Operation) -> Self {
        let is_content = take_content_marker(operation).is_some();
        let is_conditional = take_marker(operation, CONDITIONAL_MARKER).is_some();
        let is_api = path.starts_with("/api/");
        let is_read = matches!(method, HttpMethod::Get);
        let anonymous_only = is_anonymous_only(operation);
        add_default_security(operation, is_api && is_read);
        Self {
            method,
            is_api,
            is_read,
            has_path_parameter: path.contains('{'),
            has_body: operation.request_body.is_some(),
            is_content,
            is_conditional,
            anonymous_only,
            authenticated: requires_bearer(operation),
            pages_by_cursor: operation
                .parameters
                .iter()
                .flatten()
                .any(|p| p.name == "cursor" || p.name == "since"),
        }
    }

    fn is(&self, method: HttpMethod) -> bool {
        self.method == method
    }

    fn content_write(&self) -> bool {
        self.is_content && self.authenticated && !self.is_read
    }

    /// A write conditional on `If-Match`: of an existing content item, or marked so.
    fn conditional_write(&self) -> bool {
        (self.content_write() && takes_if_match(self))
            || (self.is_conditional && self.authenticated && !self.is_read)
    }

    /// Content reads (public, optionally with a token) go through the caching mechanism.
    fn content_read(&self) -> bool {
        self.is_api && self.is_read && !self.authenticated
    }

    /// Content reads by the caching mechanism, account and audit reads by their own `ETag`.
    fn validated_read(&self) -> bool {
        self.is_api && self.is_read && (self.content_read() || self.authenticated)
    }

    /// Lists and feeds say when what they show last changed.
    fn dated(&self) -> bool {
        self.content_read() && (self.pages_by_cursor || self.anonymous_only)
    }
}

fn document_operation(path: &str, method: HttpMethod, operation: &mut Operation) {
    let traits = Traits::of(path, method, operation);
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    parameters.extend(header_parameters(&traits).into_iter().map(Parameter::from));
    if parameters.is_empty() {
        operation.parameters = None;
    }
    let responses = &mut operation.responses.responses;
    for status in shared_responses(&traits) {
        if let Some(reference) = shared::reference(status) {
            responses.entry(status.into()).or_insert(reference);
        }
    }
    add_response_headers(responses, &traits);
    if traits.validated_read() {
        responses.entry("304".into()).or_insert_with(|| {
            let mut not_modified = Response::new(
                "Not modified: `If-None-Match` matched the current `ETag` (or, without it, nothing changed since `If-Modified-Since`)",
            );
            add_security_headers(&mut not_modified);
            RefOr::T(not_modified)
        });
    }
}

fn is_anonymous_only(operation: &Operation) -> bool {
    // `SecurityRequirement` keeps its schemes private: its serialised form is all there is.
    operation.security.as_ref().is_some_and(|requirements| {
        requirements.iter().all(|r| {
            serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
        })
    })
}

fn requires_bearer(operation: &Operation) -> bool {
    operation.security.as_ref().is_some_and(|requirements| {
        !requirements.is_empty()
            && requirements
                .iter()
                .all(|r| serde_json::to_value(r).is_ok_and(|v| v.get("bearer").is_some()))
    })
}

/// An operation that declares no security: reads under `/api/` are public and a valid token
/// unlocks the editor view; anything else is public.
fn add_default_security(operation: &mut Operation, optional_token: bool) {
    if operation.security.is_some() {
        return;
    }
    operation.security = Some(if optional_token {
        vec![
            SecurityRequirement::default(),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ]
    } else {
        vec![SecurityRequirement::default()]
    });
}

/// The statuses of the shared responses (`shared::SHARED_RESPONSES`) the operation can give.
fn shared_responses(t: &Traits) -> Vec<&'static str> {
    // Every handler checks its query string (and writes their headers and body).
    let mut statuses = vec!["400", "431", "500", "503"];
    if t.is_api {
        statuses.push("429");
    }
    if t.authenticated || (t.is_api && t.is_read && !t.anonymous_only) {
        statuses.push("401");
    }
    if t.has_path_parameter {
        statuses.push("404");
    }
    if t.pages_by_cursor {
        statuses.push("422");
    }
    if t.has_body {
        statuses.extend(["408", "413", "415", "422"]);
    }
    // Slugs (and account emails) are unique.
    let creates_or_renames =
        t.is(HttpMethod::Post) || (t.content_write() && !t.is(HttpMethod::Delete));
    if t.authenticated && creates_or_renames {
        statuses.push("409");
    }
    if t.conditional_write() {
        statuses.push("412");
    }
    statuses
}

/// A write on an existing item (not the creation of one) is conditional on `If-Match`.
fn takes_if_match(t: &Traits) -> bool {
    t.has_path_parameter || !t.is(HttpMethod::Post)
}

/// A request header the shared mechanisms read.
struct HeaderParameter {
    name: &'static str,
    description: &'static str,
    example: &'static str,
    /// What the mechanism accepts; `None` when it accepts anything (ignoring what it does not
    /// understand).
    pattern: Option<&'static str>,
}

const IDEMPOTENCY_KEY: HeaderParameter = HeaderParameter {
    name: "Idempotency-Key",
    description: "Makes the request safe to retry: a repeat with the same key and body replays the first answer and creates nothing. A key is kept 24 hours (the server's `ORGCMS_IDEMPOTENCY_TTL_HOURS`); after that it counts as new",
    example: "7f1c2e4a-create-news-1",
    // Empty counts as absent.
    pattern: Some("^( *|[\\x21-\\x7E]{1,200})$"),
};

const IF_MATCH: HeaderParameter = HeaderParameter {
    name: "If-Match",
    description: "The `ETag` you read; the write fails with 412 if the item changed since",
    example: "\"5d41402abc4b2a76b9719d911017c592\"",
    // Empty counts as absent.
    pattern: Some("^ *(\\*|(W/)?\"[\\x21\\x23-\\x7E]*\"( *, *(W/)?\"[\\x21\\x23-\\x7E]*\")*)? *$"),
};

const IF_NONE_MATCH: HeaderParameter = HeaderParameter {
    name: "If-None-Match",
    description: "The `ETag` of the copy you hold: 304 with no body while it is current",
    example: "\"5d41402abc4b2a76b9719d911017c592\"",
    // Anything else matches no tag: answered in full, never refused.
    pattern: None,
};

const IF_MODIFIED_SINCE: HeaderParameter = HeaderParameter {
    name: "If-Modified-Since",
    description: "The `Last-Modified` of the copy you hold: 304 while nothing changed since (ignored when `If-None-Match` is sent, or when it is not an HTTP date)",
    example: "Wed, 29 May 2024 10:00:00 GMT",
    pattern: None,
};

const CONSISTENCY_TOKEN: HeaderParameter = HeaderParameter {
    name: "Consistency-Token",
    description: "The `Consistency-Token` of your last write: the answer is at least as new as that write, on whichever node and database copy serves it (without it, a public read may trail a write by the documented bound). Opaque; a value that is not a token is ignored",
    example: "0/16B3748",
    pattern: None,
};

/// The request headers the operation reads, in the order they are documented.
fn header_parameters(t: &Traits) -> Vec<&'static HeaderParameter> {
    let mut headers = Vec::new();
    if t.content_write() && t.is(HttpMethod::Post) {
        headers.push(&IDEMPOTENCY_KEY);
    }
    if t.conditional_write() {
        headers.push(&IF_MATCH);
    }
    if t.validated_read() {
        headers.push(&IF_NONE_MATCH);
    }
    if t.dated() {
        headers.push(&IF_MODIFIED_SINCE);
    }
    if t.is_api && t.is_read {
        headers.push(&CONSISTENCY_TOKEN);
    }
    headers
}

impl From<&HeaderParameter> for Parameter {
    fn from(header: &HeaderParameter) -> Self {
        ParameterBuilder::new()
            .name(header.name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(header.description))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(header.pattern),
            ))
            .example(Some(serde_json::Value::String(header.example.to_owned())))
            .build()
    }
}

const READ_ETAG: (&str, &str) = (
    "ETag",
    "Strong validator of this representation; send it back in `If-None-Match`",
);

/// The headers of every successful response of the operation.
fn success_headers(t: &Traits) -> Vec<(&'static str, &'static str)> {
    let mut headers = vec![(
        "X-Request-Id",
        "The id of this request, also on every log line about it",
    )];
    if t.is_api {
        headers.extend(RATE_LIMIT_HEADERS);
    }
    if t.content_read() {
        headers.extend(content_read_headers(t.anonymous_only));
    }
    // Account and audit reads: the editor's own, never stored by anyone, still validated.
    if t.is_api && t.is_read && t.authenticated {
        headers.extend([READ_ETAG, ("Cache-Control", "`private, no-store`")]);
    }
    if t.is_api && !t.is_read {
        headers.push((
            "Consistency-Token",
            "Where the database stood once this write committed; send it back in `Consistency-Token` to read at least this write, on any node (absent only when the database did not answer right after the write)",
        ));
    }
    if t.content_write() {
        headers.push((
            "ETag",
            "The new `ETag` of the item; send it as `If-Match` on the next write",
        ));
    }
    headers
}

/// The caching headers of a content read; the feeds are the same for every reader.
fn content_read_headers(anonymous_only: bool) -> [(&'static str, &'static str); 4] {
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
    [
        READ_ETAG,
        ("Cache-Control", cache_control),
        ("Content-Language", "The locale(s) the content is in"),
        ("Vary", vary),
    ]
}

/// The security headers on every response the operation declares itself, and on its successes
/// `success_headers` with what their status adds.
fn add_response_headers(responses: &mut BTreeMap<String, RefOr<Response>>, t: &Traits) {
    let headers = success_headers(t);
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        add_security_headers(response);
        if !status.starts_with('2') {
            continue;
        }
        let mut all = headers.clone();
        all.extend(status_headers(status, response, t));
        if status == "204" {
            all.retain(|(name, _)| *name == "X-Request-Id" || name.starts_with("RateLimit"));
        }
        for (name, description) in all {
            response
                .headers
                .insert(name.into(), string_header(description));
        }
    }
}

/// The headers a successful response has for its status or its body.
fn status_headers(
    status: &str,
    response: &Response,
    t: &Traits,
) -> Vec<(&'static str, &'static str)> {
    let mut headers = Vec::new();
    let is_list = response.content.values().any(
        |c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.contains("ListResponse")),
    );
    if is_list {
        headers.push((
            "Link",
            "RFC 8288 links to the first and next pages (with `page`, also the previous and last)",
        ));
    }
    if t.dated() && status == "200" {
        headers.push((
            "Last-Modified",
            "When what the response shows last changed (absent within the second of a change); send it back in `If-Modified-Since`",
        ));
    }
    if status == "201" {
        headers.push(("Location", "The path of the created item"));
    }
    headers
}
