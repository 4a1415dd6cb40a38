use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{dto::Objective, queries};
use crate::caching::{Audience, CachePolicy};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::locale::RequestLocale;
use crate::pagination::{ListResponse, Paging};
use crate::params::{ItemKey, LocaleParams, Query};
use crate::responses::{item_response, list_response};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObjectivesQuery {
    /// Page number, from 1.
    #[param(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
    /// The reader's locale (e.g. `en`, `uk`); overrides `Accept-Language`.
    #[param(example = "uk")]
    pub locale: Option<String>,
}

/// List the objectives
///
/// The organization's strategic objectives in their order (`position`).
#[utoipa::path(
    tag = "objectives",
    operation_id = "list_objectives",
    params(ObjectivesQuery),
    responses((status = 200, description = "A page of objectives", body = ListResponse<Objective>)),
)]
#[get("/objectives")]
pub async fn list_objectives(
    req: HttpRequest,
    query: Query<ObjectivesQuery>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::new(query.0.page, query.0.per_page)?;
    let (rows, total) = db::run(&pool, move |conn| Ok(queries::list(conn, paging)?)).await?;
    let data = rows
        .into_iter()
        .map(|row| Objective::new(row, &locale))
        .collect();
    list_response(
        &req,
        Audience::Public(**policy),
        &locale,
        data,
        paging.meta(total),
        |o: &Objective| &o.locale,
    )
}

/// Get one objective
///
/// By id or slug.
#[utoipa::path(
    tag = "objectives",
    operation_id = "get_objective",
    params(("id_or_slug" = String, Path, description = "The objective's UUID or slug", example = "saving-lives-and-protecting-people-on-the-move"), LocaleParams),
    responses((status = 200, description = "The objective", body = Objective)),
)]
#[get("/objectives/{id_or_slug}")]
pub async fn get_objective(
    req: HttpRequest,
    path: web::Path<String>,
    _query: Query<LocaleParams>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    let row = db::run(&pool, move |conn| Ok(queries::find(conn, &key)?)).await?;
    let row = row.ok_or_else(|| ApiError::not_found("no such objective"))?;
    let body = Objective::new(row, &locale);
    item_response(&req, Audience::Public(**policy), &body, &body.locale)
}
