//! The components every operation refers to: the security scheme and the shared problem
//! responses, with the headers that the middleware puts on every answer.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, OpenApi as OpenApiDocument, Ref, RefOr, Response, ResponseBuilder,
};

use crate::http::error::PROBLEM_JSON;

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
pub(super) const SECURITY_HEADERS: [(&str, &str); 3] = [
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

pub(super) fn add_security_headers(response: &mut Response) {
    for (name, description) in SECURITY_HEADERS {
        response
            .headers
            .insert(name.into(), string_header(description));
    }
}

pub(super) fn string_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

/// The shared responses, referenced from every operation that can give them.
pub(super) fn add_shared_components(doc: &mut OpenApiDocument) {
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
pub(super) const RATE_LIMIT_HEADERS: [(&str, &str); 2] = [
    (
        "RateLimit-Policy",
        "The client address's request budget, e.g. `\"api\";q=1200;w=60` (requests per 60 seconds)",
    ),
    (
        "RateLimit",
        "What is left of it, e.g. `\"api\";r=1199;t=1` (`t`: seconds until it is full again)",
    ),
];
