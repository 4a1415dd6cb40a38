use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::document::MissionDocument;
use super::dto::{
    Mission, MissionEditor, MissionInput, MissionListItem, MissionSummary, MissionView,
};
use super::queries::{self, MissionFilter, MissionOrder};
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

/// Orders of the mission list; a leading `-` means descending.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
pub enum MissionSort {
    #[serde(rename = "slug")]
    Slug,
    #[serde(rename = "-slug")]
    SlugDesc,
    #[serde(rename = "country_code")]
    CountryCode,
    #[serde(rename = "-country_code")]
    CountryCodeDesc,
    #[serde(rename = "started_year")]
    StartedYear,
    #[serde(rename = "-started_year")]
    StartedYearDesc,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MissionsQuery {
    /// Only the mission in this country (ISO 3166-1 alpha-2 code, either case).
    #[param(pattern = "^[A-Za-z]{2}$", example = "UA")]
    pub country: Option<String>,
    /// Order of the list (default `slug`).
    #[param(inline, example = "slug")]
    pub sort: Option<MissionSort>,
    /// The reader's locale (e.g. `en`, `uk`); overrides `Accept-Language`.
    #[param(inline, value_type = Option<crate::http::params::DocumentedLocale>, example = "uk")]
    pub locale: Option<String>,
}

impl MissionsQuery {
    fn filter(&self) -> Result<MissionFilter, ApiError> {
        let country_code = match &self.country {
            Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
                Some(c.to_ascii_uppercase())
            }
            Some(_) => {
                return Err(ApiError::invalid_parameter(
                    "country",
                    "must be an ISO 3166-1 alpha-2 code such as `UA`",
                ))
            }
            None => None,
        };
        let (order, descending) = match self.sort.unwrap_or(MissionSort::Slug) {
            MissionSort::Slug => (MissionOrder::Slug, false),
            MissionSort::SlugDesc => (MissionOrder::Slug, true),
            MissionSort::CountryCode => (MissionOrder::CountryCode, false),
            MissionSort::CountryCodeDesc => (MissionOrder::CountryCode, true),
            MissionSort::StartedYear => (MissionOrder::StartedYear, false),
            MissionSort::StartedYearDesc => (MissionOrder::StartedYear, true),
        };
        Ok(MissionFilter {
            country_code,
            order,
            descending,
        })
    }
}

/// List the country missions
///
/// Summaries in the reader's locale; with a valid token, the editor view with all parts.
#[utoipa::path(
    tag = "missions",
    operation_id = "list_missions",
    extensions(("x-orgcms-content" = json!("missions"))),
    params(MissionsQuery, PageParams),
    responses((status = 200, description = "A page of missions", body = ListResponse<MissionListItem>)),
)]
#[get("/missions")]
pub async fn list_missions(
    req: HttpRequest,
    editor: MaybeEditor,
    query: ListQuery<MissionsQuery>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter.filter()?;
    let order = filter.order;
    let paging = Paging::new(&query.paging, req.path(), req.query_string(), true)?;
    let is_editor = editor.0.is_some();
    let page = paging.clone();
    let (rows, documents, total, modified) = db::run(&pool, move |conn| {
        let (rows, total) = queries::list(conn, &filter, &page)?;
        let mut documents = Vec::new();
        if is_editor {
            // The extra row that tells whether a next page exists is not shown.
            for row in rows.iter().take(page.per_page as usize) {
                documents.extend(queries::find(conn, &ItemKey::Id(row.id))?);
            }
        }
        let modified = content_last_modified(conn, chrono::Utc::now())?;
        Ok((rows, documents, total, modified))
    })
    .await?;
    let (rows, meta) = paging.finish(rows, total, queries::key_of(order));
    if is_editor {
        let data: Vec<MissionListItem> = documents
            .into_iter()
            .map(|d| MissionListItem::Editor(MissionEditor::new(d)))
            .collect();
        return editor_list_response(&req, data, meta);
    }
    let data = rows
        .iter()
        .map(|row| MissionListItem::Public(MissionSummary::new(row, &locale)))
        .collect();
    list_response(
        &req,
        Audience::Public(**policy),
        &locale,
        data,
        meta,
        modified,
        |m| match m {
            MissionListItem::Public(m) => &m.locale,
            MissionListItem::Editor(_) => "",
        },
    )
}

/// Get one country mission
///
/// By id or slug, with its milestones, focus areas, key figures and assistance types; the
/// editor view with a valid token.
#[utoipa::path(
    tag = "missions",
    operation_id = "get_mission",
    extensions(("x-orgcms-content" = json!("missions"))),
    params(("id_or_slug" = String, Path, description = "The mission's UUID or slug", example = "ukraine"), LocaleParams),
    responses((status = 200, description = "The mission", body = MissionView)),
)]
#[get("/missions/{id_or_slug}")]
pub async fn get_mission(
    req: HttpRequest,
    editor: MaybeEditor,
    path: web::Path<String>,
    _query: Query<LocaleParams>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    let doc = db::run(&pool, move |conn| Ok(queries::find(conn, &key)?)).await?;
    let doc = doc.ok_or_else(|| ApiError::not_found("no such mission"))?;
    if editor.0.is_some() {
        return editor_item_response(&req, &MissionView::Editor(MissionEditor::new(doc)));
    }
    let body = Mission::new(doc, &locale);
    let shown = body.summary.locale.clone();
    item_response(
        &req,
        Audience::Public(**policy),
        &MissionView::Public(body),
        &shown,
    )
}

/// Create a country mission
///
/// With all its parts, every locale at once.
#[utoipa::path(
    tag = "missions",
    operation_id = "create_mission",
    extensions(("x-orgcms-content" = json!("missions"))),
    request_body = MissionInput,
    responses((status = 201, description = "Created; `Location` names the new mission", body = MissionEditor)),
    security(("bearer" = [])),
)]
#[post("/missions")]
pub async fn create_mission(
    write: WriteRequest,
    pool: web::Data<DbPool>,
    locales: web::Data<Locales>,
) -> Result<HttpResponse, ApiError> {
    run_write(
        &pool,
        write.editor,
        write.headers,
        &locales,
        move |conn, ctx| writes::create::<MissionDocument>(conn, ctx, write.body),
    )
    .await
}

/// Replace a country mission
///
/// The body replaces every field and all parts; a missing `slug` keeps the current one.
#[utoipa::path(
    tag = "missions",
    operation_id = "replace_mission",
    extensions(("x-orgcms-content" = json!("missions"))),
    params(("id_or_slug" = String, Path, description = "The mission's UUID or slug", example = "ukraine")),
    request_body = MissionInput,
    responses((status = 200, description = "The mission as written", body = MissionEditor)),
    security(("bearer" = [])),
)]
#[put("/missions/{id_or_slug}")]
pub async fn replace_mission(
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
        move |conn, ctx| writes::replace::<MissionDocument>(conn, ctx, &key, write.body, false),
    )
    .await
}

/// Change a country mission
///
/// A JSON merge patch (RFC 7396) of `MissionInput`; a list of parts in the patch replaces that
/// whole list.
#[utoipa::path(
    tag = "missions",
    operation_id = "update_mission",
    extensions(("x-orgcms-content" = json!("missions"))),
    params(("id_or_slug" = String, Path, description = "The mission's UUID or slug", example = "ukraine")),
    request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
        description = "Fields of `MissionInput` to change", example = json!({"office_city": {"uk": "Київ"}})),
    responses((status = 200, description = "The mission as written", body = MissionEditor)),
    security(("bearer" = [])),
)]
#[patch("/missions/{id_or_slug}")]
pub async fn update_mission(
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
        move |conn, ctx| writes::patch::<MissionDocument>(conn, ctx, &key, write.body),
    )
    .await
}

/// Delete a country mission
///
/// Its parts go with it; its news items stay, without a mission.
#[utoipa::path(
    tag = "missions",
    operation_id = "delete_mission",
    extensions(("x-orgcms-content" = json!("missions"))),
    params(("id_or_slug" = String, Path, description = "The mission's UUID or slug", example = "ukraine")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])),
)]
#[delete("/missions/{id_or_slug}")]
pub async fn delete_mission(
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
        move |conn, ctx| writes::delete::<MissionDocument>(conn, ctx, &key),
    )
    .await
}
