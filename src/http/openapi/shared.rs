//! The components every operation refers to: the security scheme and the shared problem
//! responses, with the headers that the middleware puts on every answer. Both are `Modify`
//! implementations registered on `ApiDoc` (`#[openapi(modifiers(...))]`).

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, OpenApi as OpenApiDocument, Ref, RefOr, Response, ResponseBuilder,
};
use utoipa::Modify;

use crate::http::error::PROBLEM_JSON;

/// The `bearer` security scheme that the authenticated operations require.
pub struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, doc: &mut OpenApiDocument) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT, or an orgcms API key")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login`; or a partner API key \
                         (`orgcms_` + 38 characters, issued at `/api/v1/api-keys`), which reads \
                         what its scopes allow and is refused (403) by every write and every \
                         administration route",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("the ORGCMS_METRICS_TOKEN of the node")
                    .description(Some(
                        "The token of the node's configuration (`ORGCMS_METRICS_TOKEN`), which only `GET /metrics` takes",
                    ))
                    .build(),
            ),
        );
    }
}

/// The shared problem responses (`components/responses`), one for each row of
/// `SHARED_RESPONSES`; operations refer to them by status (see `reference`).
pub struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, doc: &mut OpenApiDocument) {
        let components = doc.components.get_or_insert_with(Default::default);
        for shared in &SHARED_RESPONSES {
            components
                .responses
                .insert(shared.name.into(), RefOr::T(shared.response()));
        }
    }
}

/// One shared problem response: its status, its name under `components/responses`, what it
/// means, and the headers it carries besides `SECURITY_HEADERS`.
pub(super) struct SharedResponse {
    pub(super) status: &'static str,
    pub(super) name: &'static str,
    description: &'static str,
    headers: &'static [(&'static str, Type, &'static str)],
}

const RETRY_AFTER: (&str, Type, &str) = (
    "Retry-After",
    Type::Integer,
    "Seconds to wait before retrying",
);

const fn of_string(
    (name, description): (&'static str, &'static str),
) -> (&'static str, Type, &'static str) {
    (name, Type::String, description)
}

/// The shared problem responses, one per status.
pub(super) const SHARED_RESPONSES: [SharedResponse; 13] = [
    SharedResponse {
        status: "400",
        name: "BadRequest",
        description: "A parameter or header is unknown, repeated or invalid, or the body is not \
            JSON (or nests arrays and objects more than 32 levels deep)",
        headers: &[],
    },
    SharedResponse {
        status: "401",
        name: "Unauthorized",
        description:
            "No valid access token: missing, malformed, expired, or of a deactivated account",
        headers: &[(
            "WWW-Authenticate",
            Type::String,
            "`Bearer error=\"invalid_token\"`",
        )],
    },
    SharedResponse {
        status: "404",
        name: "NotFound",
        description: "No such item (or it is not public)",
        headers: &[],
    },
    SharedResponse {
        status: "408",
        name: "RequestTimeout",
        description: "The body did not arrive in full within the configured time",
        headers: &[],
    },
    SharedResponse {
        status: "409",
        name: "Conflict",
        description: "Another item already has this slug (or email)",
        headers: &[],
    },
    SharedResponse {
        status: "412",
        name: "PreconditionFailed",
        description:
            "`If-Match` does not match the item's current `ETag`: it changed since it was read",
        headers: &[],
    },
    SharedResponse {
        status: "413",
        name: "PayloadTooLarge",
        description: "The body is larger than the configured limit",
        headers: &[],
    },
    SharedResponse {
        status: "415",
        name: "UnsupportedMediaType",
        description: "The body is not `application/json` (or `application/merge-patch+json`)",
        headers: &[],
    },
    SharedResponse {
        status: "422",
        name: "UnprocessableEntity",
        description: "The body does not fit the resource; `errors` has one entry per problem",
        headers: &[],
    },
    SharedResponse {
        status: "429",
        name: "TooManyRequests",
        description: "Over this client address's request budget (or, on login, too many \
            failures); retry after `Retry-After` seconds",
        headers: &[
            RETRY_AFTER,
            of_string(RATE_LIMIT_HEADERS[0]),
            of_string(RATE_LIMIT_HEADERS[1]),
        ],
    },
    SharedResponse {
        status: "431",
        name: "RequestHeaderFieldsTooLarge",
        description: "The request headers take more than 16 KiB (heads over 128 KiB, or with \
            more than 96 fields, get a bare 431 and the connection closes)",
        headers: &[],
    },
    SharedResponse {
        status: "500",
        name: "InternalError",
        description: "An unexpected error; the body tells nothing more",
        headers: &[],
    },
    SharedResponse {
        status: "503",
        name: "ServiceUnavailable",
        description:
            "The database is unavailable; retry after the number of seconds in `Retry-After`",
        headers: &[RETRY_AFTER],
    },
];

impl SharedResponse {
    fn response(&self) -> Response {
        let mut response = ResponseBuilder::new()
            .description(self.description)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        for (name, schema_type, description) in self.headers {
            response
                .headers
                .insert((*name).into(), header(schema_type.clone(), description));
        }
        add_security_headers(&mut response);
        response
    }
}

/// The reference to the shared response of `status`, if there is one.
pub(super) fn reference(status: &str) -> Option<RefOr<Response>> {
    SHARED_RESPONSES
        .iter()
        .find(|shared| shared.status == status)
        .map(|shared| RefOr::Ref(Ref::from_response_name(shared.name)))
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

pub(super) fn add_security_headers(response: &mut Response) {
    for (name, description) in SECURITY_HEADERS {
        response
            .headers
            .insert(name.into(), string_header(description));
    }
}

pub(super) fn string_header(description: &str) -> Header {
    header(Type::String, description)
}

fn header(schema_type: Type, description: &str) -> Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(schema_type))
        .description(Some(description))
        .build()
}
