//! `/revisions/{resource}/{id_or_slug}`: an item's versions, one version, the difference between
//! two, pins, and restore. One set of handlers for every resource, dispatched to the resource's
//! `Document` (`with_document!`).

use actix_web::{delete, get, post, put, HttpRequest, HttpResponse};
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{DiffQuery, RestoreQuery, Revision, RevisionDiff, RevisionSummary};
use super::queries;
use crate::accounts::auth::extractor::Editor;
use crate::app::state::State;
use crate::content::document::Document;
use crate::content::engine;
use crate::content::request::{run_write, BodilessWriteRequest};
use crate::content::resource::{with_document, ContentResource};
use crate::db;
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams};
use crate::http::params::{ItemKey, ListQuery, NoParams, Query};
use crate::http::responses::{editor_item_response, editor_list_response};

/// The item whose revisions a path names.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RevisedItem {
    /// The item's resource.
    #[param(inline, example = "news")]
    pub resource: ContentResource,
    /// The item's UUID or slug (an asset: its UUID; the organization: its UUID, or any slug,
    /// such as `current`). An item in the trash is named by its UUID or its reserved slug.
    #[param(example = "winter-response")]
    pub id_or_slug: String,
}

/// One revision of an item.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RevisionPath {
    /// The item's resource.
    #[param(inline, example = "news")]
    pub resource: ContentResource,
    /// The item's UUID or slug (see the list of revisions).
    #[param(example = "winter-response")]
    pub id_or_slug: String,
    /// The version.
    #[param(minimum = 1, example = 3)]
    pub version: i32,
}

fn segment<'a>(req: &'a HttpRequest, name: &str) -> Result<&'a str, ApiError> {
    req.match_info()
        .get(name)
        .ok_or_else(|| ApiError::Internal(format!("the route has no {{{name}}}")))
}

/// The resource and item key of the path; anything that names nothing is a 404.
fn item_of(req: &HttpRequest) -> Result<(ContentResource, ItemKey), ApiError> {
    let resource = ContentResource::parse(segment(req, "resource")?)?;
    Ok((resource, ItemKey::parse(segment(req, "id_or_slug")?)?))
}

fn version_of(req: &HttpRequest) -> Result<i32, ApiError> {
    segment(req, "version")?
        .parse::<i32>()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| ApiError::not_found("the item has no such revision"))
}

/// The id of the item, live or in the trash.
fn item_id(
    conn: &mut diesel::PgConnection,
    resource: ContentResource,
    key: &ItemKey,
) -> Result<Uuid, ApiError> {
    if let Some(id) = with_document!(resource, D => D::id_of(conn, key))? {
        return Ok(id);
    }
    crate::resources::trash::queries::id_of(conn, resource.as_str(), key)?
        .ok_or_else(|| ApiError::not_found("no such item"))
}

/// List an item's revisions
///
/// Every version the write engine stored, newest first, without their content. Retention
/// keeps the versions readers could see, the pinned ones, and the newest
/// `ORGCMS_REVISIONS_KEEP` (default 50) of the others.
#[utoipa::path(
    tag = "revisions",
    operation_id = "list_revisions",
    params(RevisedItem, PageParams),
    responses(
        (status = 200, description = "A page of revisions, newest first", body = ListResponse<RevisionSummary>),
        (status = 404, description = "No such item", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/revisions/{resource}/{id_or_slug}")]
pub async fn list_revisions(
    req: HttpRequest,
    _editor: Editor,
    query: ListQuery<NoParams>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let (resource, key) = item_of(&req)?;
    let paging = query.paging::<i32>(&req, true)?;
    let (rows, total) = {
        let paging = paging.clone();
        db::run(&state.pool, move |conn| {
            let id = item_id(conn, resource, &key)?;
            Ok(queries::list(conn, resource.as_str(), id, &paging)?)
        })
        .await?
    };
    let (data, meta) = paging.finish(rows, total, |r| r.version);
    editor_list_response(&req, data, meta)
}

/// Get one revision
///
/// The item as editors read it at that version.
#[utoipa::path(
    tag = "revisions",
    operation_id = "get_revision",
    params(RevisionPath),
    responses(
        (status = 200, description = "The revision", body = Revision),
        (status = 404, description = "No such item or revision", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/revisions/{resource}/{id_or_slug}/{version}")]
pub async fn get_revision(
    req: HttpRequest,
    _editor: Editor,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let (resource, key) = item_of(&req)?;
    let version = version_of(&req)?;
    let revision = db::run(&state.pool, move |conn| {
        let id = item_id(conn, resource, &key)?;
        Ok(queries::find(conn, resource.as_str(), id, version)?)
    })
    .await?
    .map(|(summary, document, _)| Revision { summary, document })
    .ok_or_else(|| ApiError::not_found("the item has no such revision"))?;
    editor_item_response(&req, &revision)
}

/// The editor view without the fields that change with every version.
fn comparable(mut document: serde_json::Value) -> serde_json::Value {
    if let Some(fields) = document.as_object_mut() {
        fields.remove("version");
        fields.remove("updated_at");
    }
    document
}

/// Compare two revisions
///
/// The RFC 6902 JSON Patch from version `from` to version `to` (the newest when absent): each
/// operation names a changed field by its JSON Pointer, a localized field down to its locale
/// (`/title/uk`), a mission's part down to its index (`/milestones/2/text/en`).
#[utoipa::path(
    tag = "revisions",
    operation_id = "diff_revisions",
    params(RevisedItem, DiffQuery),
    responses(
        (status = 200, description = "The difference", body = RevisionDiff),
        (status = 404, description = "No such item, or it has no such revision", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/revisions/{resource}/{id_or_slug}/diff")]
pub async fn diff_revisions(
    req: HttpRequest,
    _editor: Editor,
    query: Query<DiffQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let (resource, key) = item_of(&req)?;
    let DiffQuery { from, to } = query.0;
    let (from_document, to_version, to_document) = db::run(&state.pool, move |conn| {
        let id = item_id(conn, resource, &key)?;
        let missing = || ApiError::not_found("the item has no such revision");
        let to = match to {
            Some(to) => to,
            None => queries::newest(conn, resource.as_str(), id)?.ok_or_else(missing)?,
        };
        let (_, from_document, _) =
            queries::find(conn, resource.as_str(), id, from)?.ok_or_else(missing)?;
        let (_, to_document, _) =
            queries::find(conn, resource.as_str(), id, to)?.ok_or_else(missing)?;
        Ok((from_document, to, to_document))
    })
    .await?;
    let patch = json_patch::diff(&comparable(from_document), &comparable(to_document));
    let diff = RevisionDiff {
        from,
        to: to_version,
        patch: serde_json::to_value(patch).map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    editor_item_response(&req, &diff)
}

/// Restore a revision
///
/// Writes a new version of the item whose content is the revision's, as a `PUT` of it would:
/// `If-Match` against the current version (412 when it moved on), the same validation (422 when
/// the revision can no longer be written, e.g. its mission is gone), audited, in the change
/// feed, announced to webhooks, once per `Idempotency-Key`. History is never rewritten: the
/// revision stays, and the restore is the newest version. The item keeps its current
/// publication state unless `with_publication=true`.
#[utoipa::path(
    tag = "revisions",
    operation_id = "restore_revision",
    // A write of the engine: If-Match, Idempotency-Key and their answers, documented once.
    extensions(("x-orgcms-content" = json!("revisions"))),
    params(RevisionPath, RestoreQuery),
    responses(
        (status = 200, description = "The item as restored (its new version); `ETag` names it", body = Object),
        (status = 404, description = "No such item or revision", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The revision's slug is now another item's, or the key was used for another request", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names another version", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The revision can no longer be written", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/revisions/{resource}/{id_or_slug}/{version}/restore")]
pub async fn restore_revision(
    req: HttpRequest,
    write: BodilessWriteRequest,
    query: Query<RestoreQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let (resource, key) = item_of(&req)?;
    let version = version_of(&req)?;
    let with_publication = query.0.with_publication.unwrap_or(false);
    run_write(&state, write.editor, write.headers, move |conn, ctx| {
        with_document!(resource, D => engine::restore_revision::<D>(conn, ctx, &key, version, with_publication))
    })
    .await
}

async fn set_pinned(
    req: HttpRequest,
    state: State,
    pinned: bool,
) -> Result<HttpResponse, ApiError> {
    let (resource, key) = item_of(&req)?;
    let version = version_of(&req)?;
    let summary = db::run(&state.pool, move |conn| {
        let id = item_id(conn, resource, &key)?;
        if !queries::set_pinned(conn, resource.as_str(), id, version, pinned)? {
            return Ok(None);
        }
        Ok(queries::find(conn, resource.as_str(), id, version)?.map(|(s, _, _)| s))
    })
    .await?
    .ok_or_else(|| ApiError::not_found("the item has no such revision"))?;
    editor_item_response(&req, &summary)
}

/// Pin a revision
///
/// Retention keeps a pinned revision whatever its age.
#[utoipa::path(
    tag = "revisions",
    operation_id = "pin_revision",
    params(RevisionPath),
    responses(
        (status = 200, description = "The revision, pinned", body = RevisionSummary),
        (status = 404, description = "No such item or revision", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[put("/revisions/{resource}/{id_or_slug}/{version}/pin")]
pub async fn pin_revision(
    req: HttpRequest,
    _editor: Editor,
    state: State,
) -> Result<HttpResponse, ApiError> {
    set_pinned(req, state, true).await
}

/// Unpin a revision
#[utoipa::path(
    tag = "revisions",
    operation_id = "unpin_revision",
    params(RevisionPath),
    responses(
        (status = 200, description = "The revision, no longer pinned", body = RevisionSummary),
        (status = 404, description = "No such item or revision", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[delete("/revisions/{resource}/{id_or_slug}/{version}/pin")]
pub async fn unpin_revision(
    req: HttpRequest,
    _editor: Editor,
    state: State,
) -> Result<HttpResponse, ApiError> {
    set_pinned(req, state, false).await
}
