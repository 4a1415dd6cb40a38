use actix_web::{get, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use super::render::{self, JsonFeed, JSON_EXAMPLE_PATH};
use super::{Feed, FeedFormat, FeedRequest};
use crate::app::state::State;
use crate::content::locale::RequestLocale;
use crate::http::caching::{bytes_read, Audience, Representation};
use crate::http::error::ApiError;
use crate::http::params::Query;
use crate::resources::news::queries::{self as news_queries, NewsFilter};
use crate::resources::news::routes::{mission_filter, tag_filter};
use crate::resources::organization::queries as organization_queries;

/// The parameters of every news feed: the news list's filters, and how many items.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only news of this country mission (its slug or UUID).
    #[param(
        pattern = "^([a-z0-9]+(-[a-z0-9]+)*|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
        max_length = 120,
        example = "ukraine"
    )]
    pub mission: Option<String>,
    /// Only news with this tag (a tag slug).
    #[param(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 120,
        example = "health"
    )]
    pub tag: Option<String>,
    /// The reader's locale (e.g. `en`, `uk`); overrides `Accept-Language`. Texts missing in it
    /// fall back to the default locale.
    #[param(inline, value_type = Option<crate::http::params::DocumentedLocale>, example = "uk")]
    pub locale: Option<String>,
    /// How many of the newest items, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
}

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

/// The one mechanism behind the three feed endpoints: check the parameters, read the newest
/// public items and the organization's name, build the feed, render it, answer through the
/// caching mechanism. The `Authorization` header is never read: feeds are the public view.
async fn news_feed(
    format: FeedFormat,
    req: HttpRequest,
    query: FeedQuery,
    locale: RequestLocale,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let mut filter = NewsFilter::public(Utc::now());
    filter.mission = mission_filter(query.mission.as_deref())?;
    filter.tag = tag_filter(query.tag.as_deref())?;
    // The route's own path (not the bytes the client spelled it with), and the query as given:
    // it passed the checks above, so it holds nothing but valid parameters.
    let path = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
    let path_and_query = match req.query_string() {
        "" => path,
        query_string => format!("{path}?{query_string}"),
    };
    let request = FeedRequest {
        mission: query.mission,
        tag: query.tag,
        path_and_query,
    };
    // Assembled and written on the blocking pool with the queries: a feed of 100 long bodies is
    // megabytes of XML, which must not hold an async worker.
    let shared = state.clone();
    let (bytes, content_language, modified) = state
        .read(&req, true, move |conn| {
            let urls = &shared.public_urls;
            let organization = organization_queries::find(conn)?;
            let rows = news_queries::feed_items(conn, &filter, i64::from(limit))?;
            let modified = crate::resources::changes::queries::public_last_modified(
                &shared.clock,
                conn,
                filter.now,
            )?;
            let feed = Feed::new(
                &request,
                organization.as_ref().map(|o| &o.name),
                &rows,
                &locale,
                urls,
            );
            Ok((
                render::render(&feed, format)?,
                feed.content_language,
                modified,
            ))
        })
        .await?;
    let representation = Representation {
        content_language: Some(content_language),
        last_modified: modified,
        ..Default::default()
    };
    Ok(bytes_read(
        &req,
        Audience::Anyone(state.cache_policy),
        format.content_type(),
        bytes.into(),
        representation,
    ))
}

fn example(format: FeedFormat, path_and_query: &str) -> String {
    super::example(path_and_query)
        .and_then(|feed| render::render(&feed, format).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

fn rss_example() -> String {
    example(FeedFormat::Rss, "/api/v1/feeds/news.rss?mission=ukraine")
}

fn atom_example() -> String {
    example(FeedFormat::Atom, "/api/v1/feeds/news.atom?mission=ukraine")
}

fn json_example() -> serde_json::Value {
    serde_json::from_str(&example(FeedFormat::Json, JSON_EXAMPLE_PATH)).unwrap_or_default()
}

/// News as an RSS 2.0 feed
///
/// The newest public news (published, publication time come), newest first, in the reader's
/// locale with fallback, with the same `mission` and `tag` filters as the news list. Links are
/// absolute; each item's `guid` is `urn:uuid:<id>` (not a permalink) and its `content:encoded`
/// the sanitized HTML body. Feeds are always the public view: the `Authorization` header is not
/// read.
#[utoipa::path(
    tag = "feeds",
    operation_id = "get_news_rss",
    params(FeedQuery),
    responses((status = 200, description = "An RSS 2.0 feed", body = String,
        content_type = "application/rss+xml", example = json!(rss_example()))),
    security(()),
)]
#[get("/feeds/news.rss")]
pub async fn get_news_rss(
    req: HttpRequest,
    query: Query<FeedQuery>,
    locale: RequestLocale,
    state: State,
) -> Result<HttpResponse, ApiError> {
    news_feed(FeedFormat::Rss, req, query.0, locale, state).await
}

/// News as an Atom 1.0 feed
///
/// The newest public news (published, publication time come), newest first, in the reader's
/// locale with fallback (each text says its locale in `xml:lang`), with the same `mission` and
/// `tag` filters as the news list. Links are absolute; each entry's `id` is `urn:uuid:<id>` and
/// its `content type="html"` the sanitized HTML body. Feeds are always the public view: the
/// `Authorization` header is not read.
#[utoipa::path(
    tag = "feeds",
    operation_id = "get_news_atom",
    params(FeedQuery),
    responses((status = 200, description = "An Atom 1.0 feed", body = String,
        content_type = "application/atom+xml", example = json!(atom_example()))),
    security(()),
)]
#[get("/feeds/news.atom")]
pub async fn get_news_atom(
    req: HttpRequest,
    query: Query<FeedQuery>,
    locale: RequestLocale,
    state: State,
) -> Result<HttpResponse, ApiError> {
    news_feed(FeedFormat::Atom, req, query.0, locale, state).await
}

/// News as a JSON Feed 1.1
///
/// The newest public news (published, publication time come), newest first, in the reader's
/// locale with fallback, with the same `mission` and `tag` filters as the news list. Links are
/// absolute; each item's `id` is `urn:uuid:<id>` and its `content_html` the sanitized HTML body.
/// Feeds are always the public view: the `Authorization` header is not read.
#[utoipa::path(
    tag = "feeds",
    operation_id = "get_news_json",
    params(FeedQuery),
    responses((status = 200, description = "A JSON Feed 1.1", body = JsonFeed,
        content_type = "application/feed+json", example = json!(json_example()))),
    security(()),
)]
#[get("/feeds/news.json")]
pub async fn get_news_json(
    req: HttpRequest,
    query: Query<FeedQuery>,
    locale: RequestLocale,
    state: State,
) -> Result<HttpResponse, ApiError> {
    news_feed(FeedFormat::Json, req, query.0, locale, state).await
}
