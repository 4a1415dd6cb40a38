//! The OpenAPI document, through utoipa's `Modify` extension point:
//!
//! - `ApiDoc` is the base (info, tags, the `Problem` schema); its modifiers (`shared.rs`) add the
//!   `bearer` security scheme and the shared problem responses;
//! - utoipa-actix-web then collects the paths from the mounted handlers
//!   (`crate::app::startup::openapi`), which is after `ApiDoc::openapi()` has run; so
//! - `SharedBehaviour`, applied once to the collected document, gives every operation what the
//!   shared mechanisms do for it (`operations.rs`), and tidies the whole (`document.rs`).

mod document;
mod json;
mod operations;
mod shared;

use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::{Modify, OpenApi};

use crate::http::error::Problem;
use shared::{BearerSecurity, ProblemResponses};

pub use json::{complete_examples, fix_link_keys, flatten_all_of};

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
    modifiers(&BearerSecurity, &ProblemResponses),
)]
pub struct ApiDoc;

/// What every operation shares because one mechanism serves them all: parameter and body checks,
/// authentication, preconditions, item lookup, the database, and on reads the caching headers.
/// It needs the collected paths, so it is applied to the document utoipa-actix-web returns.
pub struct SharedBehaviour;

impl Modify for SharedBehaviour {
    fn modify(&self, doc: &mut OpenApiDocument) {
        document_shared_behaviour(doc);
    }
}

fn document_shared_behaviour(doc: &mut OpenApiDocument) {
    document::remove_unused_schemas(doc);
    document::link_created_items(doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_parameter = path.contains('{');
        let is_api = path.starts_with("/api/");
        let operations = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                // Written through `crate::content::writes` (If-Match, Idempotency-Key, ETag).
                let is_content = operations::take_content_marker(operation).is_some();
                operations::document_operation(
                    operation,
                    method,
                    has_path_parameter,
                    is_api,
                    is_content,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
