use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::dto::{Mission, MissionSummary};
use super::queries::{self, MissionFilter, MissionOrder};
use crate::caching::{Audience, CachePolicy};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::locale::RequestLocale;
use crate::pagination::{ListResponse, Paging};
use crate::params::{ItemKey, LocaleParams, Query};
use crate::responses::{item_response, list_response};

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
#[utoipa::path(
    tag = "missions",
    operation_id = "list_missions",
    params(MissionsQuery),
    responses((status = 200, description = "A page of missions", body = ListResponse<MissionSummary>)),
)]
#[get("/missions")]
pub async fn list_missions(
    req: HttpRequest,
    query: Query<MissionsQuery>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.0.filter()?;
    let paging = Paging::new(query.0.page, query.0.per_page)?;
    let (rows, total) =
        db::run(&pool, move |conn| Ok(queries::list(conn, &filter, paging)?)).await?;
    let data = rows
        .iter()
        .map(|row| MissionSummary::new(row, &locale))
        .collect();
    list_response(
        &req,
        Audience::Public(**policy),
        &locale,
        data,
        paging.meta(total),
        |m: &MissionSummary| &m.locale,
    )
}

/// Get one country mission
///
/// By id or slug, with its milestones, focus areas, key figures and assistance types.
#[utoipa::path(
    tag = "missions",
    operation_id = "get_mission",
    params(("id_or_slug" = String, Path, description = "The mission's UUID or slug", example = "ukraine"), LocaleParams),
    responses((status = 200, description = "The mission", body = Mission)),
)]
#[get("/missions/{id_or_slug}")]
pub async fn get_mission(
    req: HttpRequest,
    path: web::Path<String>,
    _query: Query<LocaleParams>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    let doc = db::run(&pool, move |conn| Ok(queries::find(conn, &key)?)).await?;
    let doc = doc.ok_or_else(|| ApiError::not_found("no such mission"))?;
    let body = Mission::new(doc, &locale);
    item_response(
        &req,
        Audience::Public(**policy),
        &body,
        &body.summary.locale,
    )
}
