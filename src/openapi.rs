//! The OpenAPI document: the base (info, tags) here, the paths collected by utoipa-actix-web from
//! the mounted handlers, then the responses that the shared mechanisms give every operation.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{
    ContentBuilder, OpenApi as OpenApiDocument, Ref, RefOr, Response, ResponseBuilder,
};
use utoipa::OpenApi;

use crate::error::{Problem, PROBLEM_JSON};

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

fn string_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

/// The shared responses, referenced from every operation that can give them.
fn add_shared_responses(doc: &mut OpenApiDocument) {
    let components = doc.components.get_or_insert_with(Default::default);
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
    let shared = [
        (
            "BadRequest",
            problem_response("A query parameter is unknown, repeated or invalid"),
        ),
        (
            "NotFound",
            problem_response("No such item (or it is not public)"),
        ),
        (
            "InternalError",
            problem_response("An unexpected error; the body tells nothing more"),
        ),
        ("ServiceUnavailable", unavailable),
    ];
    for (name, response) in shared {
        components.responses.insert(name.into(), RefOr::T(response));
    }
}

/// What every operation shares because one mechanism serves them all: query parameter checks
/// (400), item lookup (404 on paths with a parameter), the database (503), errors (500), and on
/// content reads the caching headers and 304.
pub fn document_shared_behaviour(doc: &mut OpenApiDocument) {
    add_shared_responses(doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_parameter = path.contains('{');
        let is_content = path.starts_with("/api/");
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            document_operation(operation, has_path_parameter, is_content);
        }
    }
}

fn document_operation(operation: &mut Operation, has_path_parameter: bool, is_content: bool) {
    let responses = &mut operation.responses.responses;
    let mut shared = vec![("500", "InternalError"), ("503", "ServiceUnavailable")];
    if is_content {
        shared.push(("400", "BadRequest"));
    }
    if has_path_parameter {
        shared.push(("404", "NotFound"));
    }
    for (status, name) in shared {
        responses
            .entry(status.into())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
    let mut headers = vec![(
        "X-Request-Id",
        "The id of this request, also on every log line about it",
    )];
    if is_content {
        headers.extend([
            (
                "ETag",
                "Strong validator of this representation; send it back in `If-None-Match`",
            ),
            (
                "Cache-Control",
                "How long shared caches and clients may reuse the response",
            ),
            ("Content-Language", "The locale(s) the content is in"),
            (
                "Vary",
                "`Accept-Language`: the representation depends on it",
            ),
        ]);
    }
    if let Some(RefOr::T(ok)) = responses.get_mut("200") {
        let is_list = ok.content.values().any(
            |c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.contains("ListResponse")),
        );
        if is_list {
            headers.push((
                "Link",
                "RFC 8288 links to the first, previous, next and last pages",
            ));
        }
        for (name, description) in headers {
            ok.headers.insert(name.into(), string_header(description));
        }
    }
    if is_content {
        responses.entry("304".into()).or_insert_with(|| {
            RefOr::T(Response::new(
                "Not modified: the `If-None-Match` header matched the current `ETag`",
            ))
        });
    }
}
