use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};

use super::document::ObjectiveDocument;
use super::dto::{Objective, ObjectiveEditor, ObjectiveInput, ObjectiveView};
use super::queries;
use crate::accounts::auth::extractor::MaybeEditor;
use crate::content::locale::{Locales, RequestLocale};
use crate::content::writes::{self, run_write, BodilessWriteRequest, WriteRequest};
use crate::db::{self, DbPool};
use crate::http::caching::{Audience, CachePolicy};
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams, Paging};
use crate::http::params::{ItemKey, ListQuery, LocaleParams, Query};
use crate::http::responses::{
    editor_item_response, editor_list_response, item_response, list_response,
};
use crate::resources::changes::queries::content_last_modified;

/// List the objectives
///
/// The organization's strategic objectives in their order (`position`); the editor view with a
/// valid token.
#[utoipa::path(
    tag = "objectives",
    operation_id = "list_objectives",
    extensions(("x-orgcms-content" = json!("objectives"))),
    params(LocaleParams, PageParams),
    responses((status = 200, description = "A page of objectives", body = ListResponse<ObjectiveView>)),
)]
#[get("/objectives")]
pub async fn list_objectives(
    req: HttpRequest,
    editor: MaybeEditor,
    query: ListQuery<LocaleParams>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::new(&query.paging, req.path(), req.query_string(), true)?;
    let ((rows, total), modified) = {
        let paging = paging.clone();
        db::run(&pool, move |conn| {
            let page = queries::list(conn, &paging)?;
            Ok((page, content_last_modified(conn, chrono::Utc::now())?))
        })
        .await?
    };
    let (rows, meta) = paging.finish(rows, total, queries::key_of);
    if editor.0.is_some() {
        let data: Vec<ObjectiveView> = rows
            .into_iter()
            .map(|r| ObjectiveView::Editor(ObjectiveEditor::new(r)))
            .collect();
        return editor_list_response(&req, data, meta);
    }
    let data = rows
        .into_iter()
        .map(|row| ObjectiveView::Public(Objective::new(row, &locale)))
        .collect();
    list_response(
        &req,
        Audience::Public(**policy),
        &locale,
        data,
        meta,
        modified,
        |o| match o {
            ObjectiveView::Public(o) => &o.locale,
            ObjectiveView::Editor(_) => "",
        },
    )
}

/// Get one objective
///
/// By id or slug; the editor view with a valid token.
#[utoipa::path(
    tag = "objectives",
    operation_id = "get_objective",
    extensions(("x-orgcms-content" = json!("objectives"))),
    params(("id_or_slug" = String, Path, description = "The objective's UUID or slug", example = "saving-lives-and-protecting-people-on-the-move"), LocaleParams),
    responses((status = 200, description = "The objective", body = ObjectiveView)),
)]
#[get("/objectives/{id_or_slug}")]
pub async fn get_objective(
    req: HttpRequest,
    editor: MaybeEditor,
    path: web::Path<String>,
    _query: Query<LocaleParams>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    let row = db::run(&pool, move |conn| Ok(queries::find(conn, &key)?)).await?;
    let row = row.ok_or_else(|| ApiError::not_found("no such objective"))?;
    if editor.0.is_some() {
        return editor_item_response(&req, &ObjectiveView::Editor(ObjectiveEditor::new(row)));
    }
    let body = Objective::new(row, &locale);
    let shown = body.locale.clone();
    item_response(
        &req,
        Audience::Public(**policy),
        &ObjectiveView::Public(body),
        &shown,
    )
}

/// Create an objective
#[utoipa::path(
    tag = "objectives",
    operation_id = "create_objective",
    extensions(("x-orgcms-content" = json!("objectives"))),
    request_body = ObjectiveInput,
    responses((status = 201, description = "Created; `Location` names the new objective", body = ObjectiveEditor)),
    security(("bearer" = [])),
)]
#[post("/objectives")]
pub async fn create_objective(
    write: WriteRequest,
    pool: web::Data<DbPool>,
    locales: web::Data<Locales>,
) -> Result<HttpResponse, ApiError> {
    run_write(
        &pool,
        write.editor,
        write.headers,
        &locales,
        move |conn, ctx| writes::create::<ObjectiveDocument>(conn, ctx, write.body),
    )
    .await
}

/// Replace an objective
#[utoipa::path(
    tag = "objectives",
    operation_id = "replace_objective",
    extensions(("x-orgcms-content" = json!("objectives"))),
    params(("id_or_slug" = String, Path, description = "The objective's UUID or slug", example = "saving-lives-and-protecting-people-on-the-move")),
    request_body = ObjectiveInput,
    responses((status = 200, description = "The objective as written", body = ObjectiveEditor)),
    security(("bearer" = [])),
)]
#[put("/objectives/{id_or_slug}")]
pub async fn replace_objective(
    write: WriteRequest,
    path: web::Path<String>,
    pool: web::Data<DbPool>,
    locales: web::Data<Locales>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    run_write(
        &pool,
        write.editor,
        write.headers,
        &locales,
        move |conn, ctx| writes::replace::<ObjectiveDocument>(conn, ctx, &key, write.body, false),
    )
    .await
}

/// Change an objective
///
/// A JSON merge patch (RFC 7396) of `ObjectiveInput`.
#[utoipa::path(
    tag = "objectives",
    operation_id = "update_objective",
    extensions(("x-orgcms-content" = json!("objectives"))),
    params(("id_or_slug" = String, Path, description = "The objective's UUID or slug", example = "saving-lives-and-protecting-people-on-the-move")),
    request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
        description = "Fields of `ObjectiveInput` to change", example = json!({"position": 2})),
    responses((status = 200, description = "The objective as written", body = ObjectiveEditor)),
    security(("bearer" = [])),
)]
#[patch("/objectives/{id_or_slug}")]
pub async fn update_objective(
    write: WriteRequest,
    path: web::Path<String>,
    pool: web::Data<DbPool>,
    locales: web::Data<Locales>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    run_write(
        &pool,
        write.editor,
        write.headers,
        &locales,
        move |conn, ctx| writes::patch::<ObjectiveDocument>(conn, ctx, &key, write.body),
    )
    .await
}

/// Delete an objective
#[utoipa::path(
    tag = "objectives",
    operation_id = "delete_objective",
    extensions(("x-orgcms-content" = json!("objectives"))),
    params(("id_or_slug" = String, Path, description = "The objective's UUID or slug", example = "saving-lives-and-protecting-people-on-the-move")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])),
)]
#[delete("/objectives/{id_or_slug}")]
pub async fn delete_objective(
    write: BodilessWriteRequest,
    path: web::Path<String>,
    pool: web::Data<DbPool>,
    locales: web::Data<Locales>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    run_write(
        &pool,
        write.editor,
        write.headers,
        &locales,
        move |conn, ctx| writes::delete::<ObjectiveDocument>(conn, ctx, &key),
    )
    .await
}
