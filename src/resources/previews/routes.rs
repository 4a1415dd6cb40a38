//! `/news/{id_or_slug}/previews` (editors make and revoke preview links) and `/previews/{token}`
//! (anyone with the link reads the draft).

use actix_web::http::header::{HeaderName, HeaderValue, CACHE_CONTROL, LOCATION, REFERRER_POLICY};
use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries;
use crate::accounts::auth::extractor::{Editor, MaybeEditor};
use crate::app::state::State;
use crate::content::document::Document;
use crate::content::locale::RequestLocale;
use crate::db;
use crate::http::body::{parse_input, JsonValue};
use crate::http::caching::Audience;
use crate::http::error::ApiError;
use crate::http::item_path::ItemPath;
use crate::http::params::{LocaleParams, Query};
use crate::http::responses::item_response;
use crate::resources::news::document::NewsDocument;
use crate::resources::news::dto::News;

/// A link lives a day unless the editor says; at most 30 days.
const DEFAULT_SECONDS: u32 = 24 * 3600;
const LONGEST_SECONDS: u32 = 30 * 24 * 3600;

/// How long a new preview link works.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"expires_in_seconds": 86400}))]
pub struct PreviewInput {
    /// Seconds from now (default a day, at most 30 days).
    #[serde(default)]
    #[schema(minimum = 60, maximum = 2592000, example = 86400)]
    pub expires_in_seconds: Option<u32>,
}

/// A preview link: give `url` to whoever should see the draft. The token is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLink {
    pub id: Uuid,
    pub news_id: Uuid,
    /// `GET` it (no account needed) for the item's current draft in the public representation.
    #[schema(
        example = "https://api.example.org/api/v1/previews/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI..."
    )]
    pub url: String,
    /// A signed token (JWT, audience `orgcms-preview`) naming this link.
    pub token: String,
    pub expires_at: chrono::DateTime<Utc>,
    pub created_at: chrono::DateTime<Utc>,
}

async fn news_id(state: &State, path: &ItemPath<NewsDocument>) -> Result<Uuid, ApiError> {
    let key = path.key()?;
    db::run(&state.pool, move |conn| NewsDocument::id_of(conn, &key))
        .await?
        .ok_or_else(|| ApiError::not_found("no such news item"))
}

/// Make a preview link of a news item
///
/// The link shows the item's current draft (whatever its state, as it is when the link is
/// read) as readers would see it, to anyone who has it, until it expires or is revoked.
#[utoipa::path(
    tag = "news",
    operation_id = "create_news_preview",
    params(ItemPath<NewsDocument>),
    request_body = PreviewInput,
    responses(
        (status = 201, description = "The link; `Location` is its URL", body = PreviewLink),
        (status = 404, description = "No such news item", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/news/{id_or_slug}/previews")]
pub async fn create_news_preview(
    editor: Editor,
    path: ItemPath<NewsDocument>,
    body: JsonValue,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let input: PreviewInput = parse_input(body.0)?;
    let seconds = input.expires_in_seconds.unwrap_or(DEFAULT_SECONDS);
    if !(60..=LONGEST_SECONDS).contains(&seconds) {
        return Err(ApiError::validation(
            "expires_in_seconds",
            "must be between 60 and 2592000 (30 days)",
        ));
    }
    let id = news_id(&state, &path).await?;
    let now = Utc::now();
    let expires_at = now + chrono::Duration::seconds(i64::from(seconds));
    let row = db::run(&state.pool, move |conn| {
        queries::prune(conn, now)?;
        Ok(queries::insert(conn, id, editor.id, expires_at)?)
    })
    .await?;
    let token = state
        .jwt
        .issue_preview(row.id, row.news_id, now, row.expires_at)?;
    let url = format!("{}/api/v1/previews/{token}", state.public_urls.base());
    let link = PreviewLink {
        id: row.id,
        news_id: row.news_id,
        url: url.clone(),
        token,
        expires_at: row.expires_at,
        created_at: row.created_at,
    };
    let mut response = HttpResponse::build(StatusCode::CREATED)
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(&link);
    response.headers_mut().insert(
        LOCATION,
        HeaderValue::from_str(&url).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// Revoke every preview link of a news item
#[utoipa::path(
    tag = "news",
    operation_id = "revoke_news_previews",
    params(ItemPath<NewsDocument>),
    responses(
        (status = 204, description = "Revoked: the links find nothing from now on, on every node"),
        (status = 404, description = "No such news item", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[delete("/news/{id_or_slug}/previews")]
pub async fn revoke_news_previews(
    _editor: Editor,
    path: ItemPath<NewsDocument>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = news_id(&state, &path).await?;
    db::run(&state.pool, move |conn| {
        Ok(queries::revoke(conn, id, None)?)
    })
    .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}

/// Revoke one preview link of a news item
#[utoipa::path(
    tag = "news",
    operation_id = "revoke_news_preview",
    params(
        ("id_or_slug" = String, Path, description = "The item's UUID or slug", example = "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv"),
        ("preview_id" = Uuid, Path, description = "The link's id", example = "5b2e8c1a-7d3f-4e6a-9b0c-1d2e3f4a5b6c")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such news item or link", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[delete("/news/{id_or_slug}/previews/{preview_id}")]
pub async fn revoke_news_preview(
    _editor: Editor,
    path: web::Path<(String, String)>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let (item, link) = path.into_inner();
    let missing = || ApiError::not_found("no such preview link");
    let link = Uuid::parse_str(&link).map_err(|_| missing())?;
    let key = crate::http::params::ItemKey::parse(&item)?;
    let revoked = db::run(&state.pool, move |conn| {
        match NewsDocument::id_of(conn, &key)? {
            Some(id) => Ok(queries::revoke(conn, id, Some(link))?),
            None => Ok(0),
        }
    })
    .await?;
    if revoked == 0 {
        return Err(missing());
    }
    Ok(HttpResponse::NoContent()
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}

/// Read a draft preview
///
/// The item the link names, as it is now (draft, scheduled or published), in the public
/// representation and the reader's locale. Never stored by any cache, never indexed.
#[utoipa::path(
    tag = "news",
    operation_id = "get_news_preview",
    params(("token" = String, Path, description = "The link's token", example = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI..."), LocaleParams),
    responses(
        (status = 200, description = "The draft as readers would see it", body = News,
            headers(("X-Robots-Tag" = String, description = "`noindex`: a preview is never indexed"))),
        (status = 404, description = "The link is invalid, expired or revoked, or its item was deleted", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(()),
)]
#[get("/previews/{token}")]
pub async fn get_news_preview(
    req: HttpRequest,
    // A token sent must be valid, as everywhere (a bad one is a 401); the link needs none.
    _reader: MaybeEditor,
    path: web::Path<String>,
    _query: Query<LocaleParams>,
    locale: RequestLocale,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let claims = state.jwt.verify_preview(&path)?;
    let gone = || ApiError::not_found("no such preview: the link is invalid, expired or revoked");
    let (link, item) = match (Uuid::parse_str(&claims.pid), Uuid::parse_str(&claims.sub)) {
        (Ok(link), Ok(item)) => (link, item),
        _ => return Err(gone()),
    };
    let links = state.media.links.clone();
    let found = db::run(&state.pool, move |conn| {
        if !queries::is_live(conn, link, item, Utc::now())? {
            return Ok(None);
        }
        Ok(crate::resources::news::queries::find_any(conn, item)?)
    })
    .await?
    .ok_or_else(gone)?;
    let news = News::new(&found, &locale, &links);
    // `private, no-store` (the response cache stores public answers only), with an ETag.
    let mut response = item_response(&req, Audience::Private, &news, &news.summary.locale)?;
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}
