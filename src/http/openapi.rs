//! The OpenAPI document: the base (info, tags) here, the paths collected by utoipa-actix-web from
//! the mounted handlers, then the responses that the shared mechanisms give every operation.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::Required;
use utoipa::openapi::{
    ContentBuilder, OpenApi as OpenApiDocument, Ref, RefOr, Response, ResponseBuilder,
};
use utoipa::OpenApi;

use crate::http::error::{Problem, PROBLEM_JSON};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "orgcms",
        description = "The content API of an international organization's web presence: the \
            organization profile, its strategic objectives, country missions and news. Reads are \
            public; texts come in the reader's locale with fallback to the default locale. Errors \
            are RFC 9457 problem documents.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "organization", description = "The organization profile (a singleton)"),
        (name = "objectives", description = "The organization's strategic objectives"),
        (name = "missions", description = "Country missions with their history and programmes"),
        (name = "news", description = "News items"),
        (name = "feeds", description = "The public news as RSS 2.0, Atom 1.0 and JSON Feed 1.1"),
        (name = "changes", description = "Delta sync: what changed in the public content since a cursor"),
        (name = "auth", description = "Logging in and out, tokens, the current account"),
        (name = "users", description = "Accounts (administrators only)"),
        (name = "audit", description = "The trail of every write (administrators only)"),
        (name = "health", description = "Liveness and readiness probes"),
    ),
    components(schemas(Problem)),
)]
pub struct ApiDoc;

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The headers of every response, whatever its status (see `crate::http::middleware::security`).
const SECURITY_HEADERS: [(&str, &str); 3] = [
    ("X-Content-Type-Options", "`nosniff`"),
    (
        "Content-Security-Policy",
        "`default-src 'none'; frame-ancestors 'none'`: an API response loads and runs nothing and is framed by no one",
    ),
    (
        "Access-Control-Allow-Origin",
        "The request's `Origin`, only when it is one of the configured `ORGCMS_CORS_ORIGINS` (with `Vary: Origin`)",
    ),
];

fn add_security_headers(response: &mut Response) {
    for (name, description) in SECURITY_HEADERS {
        response
            .headers
            .insert(name.into(), string_header(description));
    }
}

fn string_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

/// Replaces `allOf` compositions (what `#[serde(flatten)]` becomes) by one object with all the
/// properties: code generators handle it better, and a part's `additionalProperties: false`
/// would otherwise refuse the other parts' properties.
pub fn flatten_all_of(value: &mut serde_json::Value) {
    use serde_json::{Map, Value};
    let Some(schemas) = value
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    fn merged(schema: &Value, schemas: &Map<String, Value>, depth: usize) -> Value {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
            return schema.clone();
        };
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        let mut closed = false;
        for part in parts {
            let resolved = match part.get("$ref").and_then(Value::as_str) {
                Some(r) => r
                    .strip_prefix("#/components/schemas/")
                    .and_then(|name| schemas.get(name))
                    .cloned()
                    .unwrap_or(Value::Null),
                None => part.clone(),
            };
            let resolved = if depth < 8 {
                merged(&resolved, schemas, depth + 1)
            } else {
                resolved
            };
            if let Some(p) = resolved.get("properties").and_then(Value::as_object) {
                properties.extend(p.clone());
            }
            for r in resolved
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !required.contains(r) {
                    required.push(r.clone());
                }
            }
            closed |= resolved.get("additionalProperties") == Some(&Value::Bool(false));
        }
        let mut object = Map::new();
        object.insert("type".into(), Value::String("object".into()));
        if let Some(description) = schema.get("description") {
            object.insert("description".into(), description.clone());
        }
        object.insert("required".into(), Value::Array(required));
        object.insert("properties".into(), Value::Object(properties));
        if closed {
            object.insert("additionalProperties".into(), Value::Bool(false));
        }
        if let Some(example) = schema.get("example") {
            object.insert("example".into(), example.clone());
        }
        Value::Object(object)
    }
    let flattened: Map<String, Value> = schemas
        .iter()
        .map(|(name, schema)| (name.clone(), merged(schema, &schemas, 0)))
        .collect();
    if let Some(target) = value.pointer_mut("/components/schemas") {
        *target = Value::Object(flattened);
    }
}

/// Gives every component schema an example (composed from the examples of its parts, or from
/// its type) and every parameter the description of its schema when it has none of its own, so
/// that the document shows a sample of everything.
pub fn complete_examples(value: &mut serde_json::Value) {
    use serde_json::{json, Map, Value};
    let schemas = value
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    fn example(schema: &Value, schemas: &Map<String, Value>, depth: usize) -> Value {
        if let Some(e) = schema.get("example") {
            return e.clone();
        }
        if let Some(e) = schema
            .get("examples")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return e.clone();
        }
        if depth > 6 {
            return Value::Null;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/components/schemas/");
            return schemas
                .get(name)
                .map_or(Value::Null, |s| example(s, schemas, depth + 1));
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(first) = schema
                .get(key)
                .and_then(Value::as_array)
                .and_then(|a| a.first())
            {
                return example(first, schemas, depth + 1);
            }
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return first.clone();
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let first = types
            .iter()
            .copied()
            .find(|t| *t != "null")
            .unwrap_or("null");
        match first {
            "object" => {
                let mut out = Map::new();
                for (name, property) in schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    out.insert(name.clone(), example(property, schemas, depth + 1));
                }
                Value::Object(out)
            }
            "array" => {
                let item = schema
                    .get("items")
                    .map_or(Value::Null, |i| example(i, schemas, depth + 1));
                if item.is_null() {
                    json!([])
                } else {
                    json!([item])
                }
            }
            "string" => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2026-11-29T08:00:00Z"),
                Some("date") => json!("2026-11-29"),
                Some("uuid") => json!("757665bd-864d-5dd9-a184-7cad4de31e21"),
                Some("uri") => json!("https://example.org/images/example.jpg"),
                _ => json!("text"),
            },
            // Inside the schema's bounds.
            "integer" | "number" => {
                let bound = |k: &str| schema.get(k).and_then(Value::as_f64);
                let value = match (bound("minimum"), bound("maximum")) {
                    (Some(min), _) if min > 1.0 => min,
                    (_, Some(max)) if max < 1.0 => max,
                    _ => 1.0,
                };
                if first == "integer" {
                    json!(value as i64)
                } else {
                    json!(value)
                }
            }
            "boolean" => json!(true),
            _ => Value::Null,
        }
    }
    let examples: Vec<(String, Value)> = schemas
        .iter()
        .filter(|(_, s)| s.get("example").is_none() && s.get("examples").is_none())
        .map(|(name, s)| (name.clone(), example(s, &schemas, 0)))
        .collect();
    if let Some(target) = value
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, e) in examples {
            if let Some(schema) = target.get_mut(&name).and_then(Value::as_object_mut) {
                schema.insert("example".into(), e);
            }
        }
    }
    let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for parameter in parameters.iter_mut().filter_map(Value::as_object_mut) {
                if parameter.get("description").is_none() {
                    if let Some(d) = parameter
                        .get("schema")
                        .and_then(|s| s.get("description"))
                        .cloned()
                    {
                        parameter.insert("description".into(), d);
                    }
                }
                if parameter.get("example").is_none() && parameter.get("examples").is_none() {
                    let e = parameter
                        .get("schema")
                        .map_or(Value::Null, |s| example(s, &schemas, 0));
                    parameter.insert("example".into(), e);
                }
            }
        }
    }
}

/// utoipa 5 writes a link's `operationId` as `operation_id`; OpenAPI spells it in camel case.
pub fn fix_link_keys(value: &mut serde_json::Value) {
    use serde_json::Value;
    let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for response in responses.values_mut() {
                let Some(links) = response.get_mut("links").and_then(Value::as_object_mut) else {
                    continue;
                };
                for link in links.values_mut().filter_map(Value::as_object_mut) {
                    for (snake, camel) in [
                        ("operation_id", "operationId"),
                        ("operation_ref", "operationRef"),
                    ] {
                        if let Some(v) = link.remove(snake) {
                            if !v.as_str().is_some_and(str::is_empty) {
                                link.insert(camel.to_owned(), v);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Links every 201 of a collection's POST to the operations on the created item
/// (`/x` -> `/x/{id}`), so clients and tools can follow create -> read -> update -> delete.
fn link_created_items(doc: &mut OpenApiDocument) {
    use utoipa::openapi::link::LinkBuilder;
    let mut plans = Vec::new();
    for (path, item) in &doc.paths.paths {
        if item.post.is_none() {
            continue;
        }
        let prefix = format!("{path}/{{");
        let Some((item_path, item_ops)) = doc.paths.paths.iter().find(|(p, _)| {
            p.starts_with(&prefix) && p.ends_with('}') && !p[prefix.len()..].contains('/')
        }) else {
            continue;
        };
        let parameter = item_path[prefix.len()..item_path.len() - 1].to_owned();
        let targets: Vec<String> = [
            &item_ops.get,
            &item_ops.put,
            &item_ops.patch,
            &item_ops.delete,
        ]
        .into_iter()
        .flatten()
        .filter_map(|op| op.operation_id.clone())
        .collect();
        plans.push((path.clone(), parameter, targets));
    }
    for (path, parameter, targets) in plans {
        let Some(RefOr::T(created)) = doc
            .paths
            .paths
            .get_mut(&path)
            .and_then(|item| item.post.as_mut())
            .and_then(|op| op.responses.responses.get_mut("201"))
        else {
            continue;
        };
        for operation_id in targets {
            let link = LinkBuilder::new()
                .operation_id(operation_id.clone())
                .parameter(parameter.clone(), "$response.body#/id")
                .description(format!("`{operation_id}` on the created item"))
                .build();
            created.links.insert(operation_id, RefOr::T(link));
        }
    }
}

/// Drops component schemas that nothing refers to (utoipa registers the item types of generic
/// lists, which it inlines).
fn remove_unused_schemas(doc: &mut OpenApiDocument) {
    fn collect_refs(value: &serde_json::Value, found: &mut std::collections::BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    if let Some(name) = r.strip_prefix("#/components/schemas/") {
                        found.insert(name.to_owned());
                    }
                }
                map.values().for_each(|v| collect_refs(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
            _ => {}
        }
    }
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let schemas = std::mem::take(&mut components.schemas);
    let mut roots = std::collections::BTreeSet::new();
    let mut outside = serde_json::to_value(&doc.paths).unwrap_or_default();
    collect_refs(&outside, &mut roots);
    outside = serde_json::to_value(&components.responses).unwrap_or_default();
    collect_refs(&outside, &mut roots);
    // Follow references between schemas until nothing new turns up.
    let mut used = roots.clone();
    let mut frontier: Vec<String> = roots.into_iter().collect();
    while let Some(name) = frontier.pop() {
        if let Some(schema) = schemas.get(&name) {
            let mut found = std::collections::BTreeSet::new();
            collect_refs(
                &serde_json::to_value(schema).unwrap_or_default(),
                &mut found,
            );
            for f in found {
                if used.insert(f.clone()) {
                    frontier.push(f);
                }
            }
        }
    }
    components.schemas = schemas
        .into_iter()
        .filter(|(name, _)| used.contains(name))
        .collect();
}

/// The shared responses, referenced from every operation that can give them.
fn add_shared_components(doc: &mut OpenApiDocument) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("An access token from `POST /api/v1/auth/login`"))
                .build(),
        ),
    );
    let mut unavailable = problem_response(
        "The database is unavailable; retry after the number of seconds in `Retry-After`",
    );
    unavailable.headers.insert(
        "Retry-After".into(),
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some("Seconds to wait before retrying"))
            .build(),
    );
    let mut too_many = problem_response(
        "Over this client address's request budget (or, on login, too many failures); retry after `Retry-After` seconds",
    );
    too_many.headers.insert(
        "Retry-After".into(),
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some("Seconds to wait before retrying"))
            .build(),
    );
    for (name, description) in RATE_LIMIT_HEADERS {
        too_many
            .headers
            .insert(name.into(), string_header(description));
    }
    let mut unauthorized = problem_response(
        "No valid access token: missing, malformed, expired, or of a deactivated account",
    );
    unauthorized.headers.insert(
        "WWW-Authenticate".into(),
        string_header("`Bearer error=\"invalid_token\"`"),
    );
    let shared = [
        (
            "BadRequest",
            problem_response(
                "A parameter or header is unknown, repeated or invalid, or the body is not JSON \
                 (or nests arrays and objects more than 32 levels deep)",
            ),
        ),
        ("Unauthorized", unauthorized),
        (
            "NotFound",
            problem_response("No such item (or it is not public)"),
        ),
        (
            "Conflict",
            problem_response("Another item already has this slug (or email)"),
        ),
        (
            "PreconditionFailed",
            problem_response(
                "`If-Match` does not match the item's current `ETag`: it changed since it was read",
            ),
        ),
        (
            "PayloadTooLarge",
            problem_response("The body is larger than the configured limit"),
        ),
        (
            "RequestTimeout",
            problem_response("The body did not arrive in full within the configured time"),
        ),
        (
            "UnsupportedMediaType",
            problem_response(
                "The body is not `application/json` (or `application/merge-patch+json`)",
            ),
        ),
        (
            "UnprocessableEntity",
            problem_response(
                "The body does not fit the resource; `errors` has one entry per problem",
            ),
        ),
        (
            "InternalError",
            problem_response("An unexpected error; the body tells nothing more"),
        ),
        ("ServiceUnavailable", unavailable),
        ("TooManyRequests", too_many),
        (
            "RequestHeaderFieldsTooLarge",
            problem_response(
                "The request headers take more than 16 KiB (heads over 128 KiB, or with more \
                 than 96 fields, get a bare 431 and the connection closes)",
            ),
        ),
    ];
    for (name, mut response) in shared {
        add_security_headers(&mut response);
        components.responses.insert(name.into(), RefOr::T(response));
    }
}

/// The headers of `crate::http::middleware::rate_limit` on every API answer.
const RATE_LIMIT_HEADERS: [(&str, &str); 2] = [
    (
        "RateLimit-Policy",
        "The client address's request budget, e.g. `\"api\";q=1200;w=60` (requests per 60 seconds)",
    ),
    (
        "RateLimit",
        "What is left of it, e.g. `\"api\";r=1199;t=1` (`t`: seconds until it is full again)",
    ),
];

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

/// What every operation shares because one mechanism serves them all: parameter and body checks,
/// authentication, preconditions, item lookup, the database, and on reads the caching headers.
pub fn document_shared_behaviour(doc: &mut OpenApiDocument) {
    add_shared_components(doc);
    remove_unused_schemas(doc);
    link_created_items(doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_parameter = path.contains('{');
        let is_api = path.starts_with("/api/");
        // The resources written through `crate::content::writes` (If-Match, Idempotency-Key, ETag).
        let is_content = ["/organization", "/objectives", "/missions", "/news"]
            .iter()
            .any(|p| path.starts_with(&format!("/api/v1{p}")));
        let operations = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                document_operation(operation, method, has_path_parameter, is_api, is_content);
            }
        }
    }
}

fn requires_bearer(operation: &Operation) -> bool {
    operation.security.as_ref().is_some_and(|requirements| {
        !requirements.is_empty()
            && requirements
                .iter()
                .all(|r| serde_json::to_value(r).is_ok_and(|v| v.get("bearer").is_some()))
    })
}

fn document_operation(
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
    let mut shared = vec![
        ("400", "BadRequest"),
        ("431", "RequestHeaderFieldsTooLarge"),
        ("500", "InternalError"),
        ("503", "ServiceUnavailable"),
    ];
    if is_api {
        shared.push(("429", "TooManyRequests"));
    }
    if authenticated || (is_api && is_read && !anonymous_only) {
        shared.push(("401", "Unauthorized"));
    }
    if has_path_parameter {
        shared.push(("404", "NotFound"));
    }
    // A paging cursor that is not one of this list is a value no schema can tell apart.
    let pages_by_cursor = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name == "cursor" || p.name == "since");
    if pages_by_cursor {
        shared.push(("422", "UnprocessableEntity"));
    }
    if operation.request_body.is_some() {
        shared.extend([
            ("408", "RequestTimeout"),
            ("413", "PayloadTooLarge"),
            ("415", "UnsupportedMediaType"),
            ("422", "UnprocessableEntity"),
        ]);
    }
    // Slugs (and account emails) are unique.
    let is_post = matches!(method, HttpMethod::Post);
    if authenticated && (is_post || (is_content_write && !matches!(method, HttpMethod::Delete))) {
        shared.push(("409", "Conflict"));
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
        shared.push(("412", "PreconditionFailed"));
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
    for (status, name) in shared {
        responses
            .entry(status.into())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
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
