//! `/trash`: deleted objectives, missions and news items; editors list and restore them,
//! administrators purge them.

use actix_web::{delete, get, post, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::dto::{TrashQuery, TrashedItem};
use super::queries;
use crate::accounts::auth::extractor::{Admin, Editor};
use crate::app::state::State;
use crate::content::engine::{self, Written};
use crate::content::request::{run_write, BodilessWriteRequest};
use crate::db;
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams};
use crate::http::params::{ListQuery, Query};
use crate::http::responses::{editor_item_response, editor_list_response};
use crate::resources::revisions::dto::RestoreQuery;

/// The id of the path (`/trash/{id}`); anything but a UUID names nothing.
fn id_of(req: &HttpRequest) -> Result<Uuid, ApiError> {
    req.match_info()
        .get("id")
        .filter(|s| s.len() == 36)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| ApiError::not_found("no such item in the trash"))
}

/// List the trash
///
/// Deleted items, the newest deletion first, each as it was when deleted. An item stays
/// `ORGCMS_TRASH_RETENTION_DAYS` (default 30) days, then the retention sweep purges it.
#[utoipa::path(
    tag = "trash",
    operation_id = "list_trash",
    params(TrashQuery, PageParams),
    responses(
        (status = 200, description = "A page of deleted items", body = ListResponse<TrashedItem>),
    ),
    security(("bearer" = [])),
)]
#[get("/trash")]
pub async fn list_trash(
    req: HttpRequest,
    _editor: Editor,
    query: ListQuery<TrashQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let paging = query.paging(&req, false)?;
    let resource = query.filter.resource.map(|r| r.as_str());
    let days = state.retention.trash_days;
    let (rows, total) = {
        let paging = paging.clone();
        db::run(&state.pool, move |conn| {
            Ok(queries::list(conn, resource, &paging, days)?)
        })
        .await?
    };
    let (data, meta) = paging.finish(rows, total, queries::key_of);
    editor_list_response(&req, data, meta)
}

/// Get a deleted item
#[utoipa::path(
    tag = "trash",
    operation_id = "get_trashed",
    params(("id" = Uuid, Path, description = "The deleted item's UUID", example = "757665bd-864d-5dd9-a184-7cad4de31e21")),
    responses(
        (status = 200, description = "The deleted item", body = TrashedItem),
        (status = 404, description = "No such item in the trash", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/trash/{id}")]
pub async fn get_trashed(
    req: HttpRequest,
    _editor: Editor,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(&req)?;
    let days = state.retention.trash_days;
    let mut item = db::run(&state.pool, move |conn| Ok(queries::find(conn, id, false)?))
        .await?
        .map(|(item, _)| item)
        .ok_or_else(|| ApiError::not_found("no such item in the trash"))?;
    item.purge_after = queries::purge_after(item.deleted_at, days);
    editor_item_response(&req, &item)
}

/// The `Idempotency-Key` of a restore from the trash.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Documentation only: `WriteHeaders` reads the header.
struct IdempotencyHeader {
    /// Makes the restore safe to retry: a repeat with the same key replays the first answer.
    #[param(
        rename = "Idempotency-Key",
        pattern = "^( *|[\\x21-\\x7E]{1,200})$",
        example = "restore-winter-kits"
    )]
    idempotency_key: Option<String>,
}

/// Restore a deleted item
///
/// The item comes back at its own URL with its id, its slug, its content as it was deleted and
/// its revisions (its version is the next after the one deleted), in the change feed and
/// announced to webhooks. It comes back as a draft unless `with_publication=true`. When it can
/// no longer be written as it was (its mission or cover image is gone), the answer is the 422
/// such a write gets, and it stays in the trash. A retry with the same `Idempotency-Key` gets the
/// first answer.
#[utoipa::path(
    tag = "trash",
    operation_id = "restore_trashed",
    params(
        ("id" = Uuid, Path, description = "The deleted item's UUID", example = "757665bd-864d-5dd9-a184-7cad4de31e21"),
        RestoreQuery,
        IdempotencyHeader,
    ),
    responses(
        (status = 201, description = "The item as restored; `Location` is its URL, `ETag` its version", body = Object),
        (status = 404, description = "No such item in the trash", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The item can no longer be written as it was", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/trash/{id}/restore")]
pub async fn restore_trashed(
    req: HttpRequest,
    write: BodilessWriteRequest,
    query: Query<RestoreQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(&req)?;
    let with_publication = query.0.with_publication.unwrap_or(false);
    run_write(&state, write.editor, write.headers, move |conn, ctx| {
        engine::restore_trashed(conn, ctx, id, with_publication)
    })
    .await
}

/// Purge a deleted item
///
/// Deletes the item and its revisions for good (administrators); its slug is free again.
#[utoipa::path(
    tag = "trash",
    operation_id = "purge_trashed",
    params(("id" = Uuid, Path, description = "The deleted item's UUID", example = "757665bd-864d-5dd9-a184-7cad4de31e21")),
    responses(
        (status = 204, description = "Purged"),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item in the trash", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[delete("/trash/{id}")]
pub async fn purge_trashed(
    req: HttpRequest,
    admin: Admin,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(&req)?;
    let editor = admin.0;
    let written = db::run(&state.pool, move |conn| {
        engine::content_write(conn, |conn| {
            let (item, _) = queries::find(conn, id, true)?
                .ok_or_else(|| ApiError::not_found("no such item in the trash"))?;
            queries::purge(conn, &item.resource, id)?;
            crate::content::audit::record(
                conn,
                &editor,
                "delete",
                &item.resource,
                id,
                serde_json::json!({"trash": {"from": "kept", "to": "purged"}}),
            )?;
            Ok(Written::deleted())
        })
    })
    .await?;
    Ok(written.response())
}
