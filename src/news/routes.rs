use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::dto::{News, NewsSummary};
use super::queries::{self, NewsFilter};
use crate::caching::CachePolicy;
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::locale::RequestLocale;
use crate::pagination::{ListResponse, Paging};
use crate::params::{is_slug, Instant, ItemKey, LocaleParams, Query};
use crate::responses::{item_response, list_response};

/// Orders of the news list; a leading `-` means descending.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
pub enum NewsSort {
    #[serde(rename = "-published_at")]
    PublishedAtDesc,
    #[serde(rename = "published_at")]
    PublishedAt,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NewsQuery {
    /// Only news of this country mission (its slug or UUID).
    #[param(example = "ukraine")]
    pub mission: Option<String>,
    /// Only news with this tag (a tag slug).
    #[param(example = "health")]
    pub tag: Option<String>,
    /// Only news published at or after this time (RFC 3339, or a date meaning its start in UTC).
    #[param(value_type = Option<String>, example = "2024-01-01")]
    pub published_after: Option<Instant>,
    /// Only news published before this time (RFC 3339, or a date meaning its start in UTC).
    #[param(value_type = Option<String>, example = "2025-01-01")]
    pub published_before: Option<Instant>,
    /// Order of the list (default `-published_at`, newest first).
    #[param(inline, example = "-published_at")]
    pub sort: Option<NewsSort>,
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

impl NewsQuery {
    fn filter(&self) -> Result<NewsFilter, ApiError> {
        let mission = match &self.mission {
            Some(m) => Some(ItemKey::parse(m).map_err(|_| {
                ApiError::invalid_parameter("mission", "must be a mission's slug or UUID")
            })?),
            None => None,
        };
        if let Some(tag) = &self.tag {
            if !is_slug(tag) {
                return Err(ApiError::invalid_parameter(
                    "tag",
                    "must be a tag slug (lower-case letters, digits and single hyphens)",
                ));
            }
        }
        let published_after = self.published_after.map(|i| i.0);
        let published_before = self.published_before.map(|i| i.0);
        if let (Some(after), Some(before)) = (published_after, published_before) {
            if after >= before {
                return Err(ApiError::invalid_parameter(
                    "published_before",
                    "must be later than published_after",
                ));
            }
        }
        Ok(NewsFilter {
            now: Utc::now(),
            mission,
            tag: self.tag.clone(),
            published_after,
            published_before,
            oldest_first: matches!(self.sort, Some(NewsSort::PublishedAt)),
        })
    }
}

/// List published news
///
/// Newest first by default. Only published items whose publication time has come are listed.
#[utoipa::path(
    tag = "news",
    operation_id = "list_news",
    params(NewsQuery),
    responses((status = 200, description = "A page of news", body = ListResponse<NewsSummary>)),
)]
#[get("/news")]
pub async fn list_news(
    req: HttpRequest,
    query: Query<NewsQuery>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.0.filter()?;
    let paging = Paging::new(query.0.page, query.0.per_page)?;
    let (rows, total) = db::run(&pool, move |conn| {
        Ok(queries::list_public(conn, &filter, paging)?)
    })
    .await?;
    let data = rows
        .iter()
        .map(|row| NewsSummary::new(row, &locale))
        .collect();
    list_response(
        &req,
        **policy,
        &locale,
        data,
        paging.meta(total),
        |n: &NewsSummary| &n.locale,
    )
}

/// Get one published news item
///
/// By id or slug, with its Markdown body. Drafts, scheduled and archived items are not found.
#[utoipa::path(
    tag = "news",
    operation_id = "get_news",
    params(("id_or_slug" = String, Path, description = "The item's UUID or slug", example = "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv"), LocaleParams),
    responses((status = 200, description = "The news item", body = News)),
)]
#[get("/news/{id_or_slug}")]
pub async fn get_news(
    req: HttpRequest,
    path: web::Path<String>,
    _query: Query<LocaleParams>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    let now = Utc::now();
    let row = db::run(&pool, move |conn| {
        Ok(queries::find_public(conn, &key, now)?)
    })
    .await?;
    let row = row.ok_or_else(|| ApiError::not_found("no such news item"))?;
    let body = News::new(&row, &locale);
    item_response(&req, **policy, &body, &body.summary.locale)
}
