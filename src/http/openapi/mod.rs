//! The OpenAPI document, through utoipa's `Modify` extension point:
//!
//! - `ApiDoc` is the base (info, tags, the `Problem` schema); its modifiers (`shared.rs`) add the
//!   `bearer` security scheme and the shared problem responses;
//! - utoipa-actix-web then collects the paths from the mounted handlers
//!   (`crate::app::startup::openapi`), which is after `ApiDoc::openapi()` has run; so
//! - `SharedBehaviour`, applied once to the collected document, gives every operation what the
//!   shared mechanisms do for it (`operations.rs`), tidies the whole (`document.rs`), and
//!   flattens the `allOf` schemas and gives everything an example (`schemas.rs`).
//!
//! Every pass works on the typed document; `crate::app::startup::openapi_json` only serialises.

mod document;
mod operations;
mod schemas;
mod shared;

use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::{Modify, OpenApi};

use crate::http::error::Problem;
use document::{CreatedItemLinks, UnusedSchemas};
use operations::OperationBehaviour;
use schemas::{FlatAllOf, SchemaExamples};
use shared::{BearerSecurity, ProblemResponses};

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
        (name = "assets", description = "The media library: uploads, their metadata and variants"),
        (name = "revisions", description = "Every version of an item: compare, pin, restore (editors)"),
        (name = "trash", description = "Deleted items: restore (editors) or purge (administrators)"),
        (name = "webhooks", description = "Subscriptions to events about public content (administrators only)"),
        (name = "api-keys", description = "Partner API keys: read-only credentials (administrators only)"),
        (name = "export", description = "All the content as one document, as `orgcms export` writes it (administrators only)"),
        (name = "health", description = "Liveness and readiness probes"),
        (name = "metrics", description = "This node's metrics for Prometheus (off unless `ORGCMS_METRICS_TOKEN` is set)"),
    ),
    components(schemas(Problem)),
    modifiers(&BearerSecurity, &ProblemResponses),
)]
pub struct ApiDoc;

/// What every operation shares because one mechanism serves them all: parameter and body checks,
/// authentication, preconditions, item lookup, the database, and on reads the caching headers.
/// It needs the collected paths, so it is applied to the document utoipa-actix-web returns
/// (`crate::app::startup::openapi`), as these modifiers in this order.
pub struct SharedBehaviour;

impl Modify for SharedBehaviour {
    fn modify(&self, doc: &mut OpenApiDocument) {
        let modifiers: [&dyn Modify; 5] = [
            &UnusedSchemas,
            &CreatedItemLinks,
            &OperationBehaviour,
            &FlatAllOf,
            &SchemaExamples,
        ];
        for modifier in modifiers {
            modifier.modify(doc);
        }
    }
}

#[cfg(test)]
mod tests;
