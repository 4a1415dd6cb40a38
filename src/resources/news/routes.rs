use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::document::NewsDocument;
use super::dto::{
    highlighted_html, News, NewsEditor, NewsInput, NewsListItem, NewsSummary, NewsView,
};
use super::queries::{self, EditorState, NewsFilter, NewsOrder, TagCount, Visibility};
use crate::accounts::auth::extractor::MaybeEditor;
use crate::content::locale::{item_locale, Locales, RequestLocale};
use crate::content::writes::{self, run_write, BodilessWriteRequest, WriteRequest};
use crate::db::{self, DbPool};
use crate::http::caching::{Audience, CachePolicy};
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams, Paging};
use crate::http::params::{is_slug, Instant, ItemKey, ListQuery, LocaleParams, NoParams, Query};
use crate::http::responses::{
    editor_item_response, editor_list_response, item_response, list_response,
};
use crate::resources::changes::queries::content_last_modified;

/// Orders of the news list; a leading `-` means descending.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
pub enum NewsSort {
    #[serde(rename = "-published_at")]
    PublishedAtDesc,
    #[serde(rename = "published_at")]
    PublishedAt,
    /// Best match first; only with `q` (and its default there).
    #[serde(rename = "relevance")]
    Relevance,
}

/// Longest search accepted; longer text searches nothing better.
const MAX_SEARCH_LENGTH: usize = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NewsQuery {
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
    /// Full-text search over title, summary and body in every locale, best match first, each
    /// hit with a highlighted `snippet`. Web-search syntax: `"exact phrase"`, `or`, `-excluded`;
    /// words are matched by their stem in English (`donated` finds `donation`).
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = "\\S",
        example = "equipment dormitory"
    )]
    pub q: Option<String>,
    /// Only news published at or after this time (RFC 3339, or a date meaning its start in UTC).
    #[param(schema_with = crate::http::params::schemas::instant, example = "2024-01-01")]
    pub published_after: Option<Instant>,
    /// Only news published before this time (RFC 3339, or a date meaning its start in UTC).
    #[param(schema_with = crate::http::params::schemas::instant, example = "2025-01-01")]
    pub published_before: Option<Instant>,
    /// Editors only: items in this state (`scheduled` is published with a future date). Without
    /// it, editors see every item.
    #[param(inline, example = "draft")]
    pub status: Option<EditorState>,
    /// Order of the list (default `-published_at`, newest first; with `q`, `relevance`).
    #[param(inline, example = "-published_at")]
    pub sort: Option<NewsSort>,
    /// The reader's locale (e.g. `en`, `uk`); overrides `Accept-Language`.
    #[param(inline, value_type = Option<crate::http::params::DocumentedLocale>, example = "uk")]
    pub locale: Option<String>,
}

/// The `mission` filter (of the news list and the feeds): a mission's slug or UUID.
pub fn mission_filter(mission: Option<&str>) -> Result<Option<ItemKey>, ApiError> {
    mission
        .map(|m| {
            ItemKey::parse(m).map_err(|_| {
                ApiError::invalid_parameter("mission", "must be a mission's slug or UUID")
            })
        })
        .transpose()
}

/// The `tag` filter (of the news list and the feeds): a tag slug.
pub fn tag_filter(tag: Option<&str>) -> Result<Option<String>, ApiError> {
    match tag {
        Some(tag) if !is_slug(tag) => Err(ApiError::invalid_parameter(
            "tag",
            "must be a tag slug (lower-case letters, digits and single hyphens)",
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

impl NewsQuery {
    fn filter(&self, editor: bool) -> Result<NewsFilter, ApiError> {
        let mission = mission_filter(self.mission.as_deref())?;
        let tag = tag_filter(self.tag.as_deref())?;
        let published_after = self.published_after.map(|i| i.0);
        let published_before = self.published_before.map(|i| i.0);
        let visibility = match (editor, self.status) {
            (true, status) => Visibility::Editor(status),
            (false, None) => Visibility::Public,
            (false, Some(_)) => {
                return Err(ApiError::invalid_parameter(
                    "status",
                    "only editors (with an access token) can list by status",
                ))
            }
        };
        let search = match &self.q {
            Some(q) if q.trim().is_empty() => {
                return Err(ApiError::invalid_parameter("q", "must not be blank"))
            }
            Some(q) if q.chars().count() > MAX_SEARCH_LENGTH => {
                return Err(ApiError::invalid_parameter(
                    "q",
                    format!("must be at most {MAX_SEARCH_LENGTH} characters"),
                ))
            }
            // NUL cannot reach PostgreSQL text; it separates words like any other control.
            Some(q) => Some(q.replace('\0', " ")),
            None => None,
        };
        let order = match (self.sort, &search) {
            (Some(NewsSort::PublishedAt), _) => NewsOrder::OldestFirst,
            (Some(NewsSort::PublishedAtDesc), _) => NewsOrder::NewestFirst,
            (Some(NewsSort::Relevance) | None, Some(_)) => NewsOrder::Relevance,
            (None, None) => NewsOrder::NewestFirst,
            // Well-formed, but meaningless without `q`: a rule across parameters (422).
            (Some(NewsSort::Relevance), None) => {
                return Err(ApiError::validation(
                    "sort",
                    "`relevance` orders a search: give `q` too",
                ))
            }
        };
        Ok(NewsFilter {
            now: Utc::now(),
            visibility,
            mission,
            tag,
            published_after,
            published_before,
            search,
            order,
        })
    }
}

/// List news
///
/// Readers get published items whose publication time has come, newest first, in their locale.
/// With an editor's token the list holds every item (or those of `status`) in the editor view.
#[utoipa::path(
    tag = "news",
    operation_id = "list_news",
    extensions(("x-orgcms-content" = json!("news"))),
    params(NewsQuery, PageParams),
    responses((status = 200, description = "A page of news", body = ListResponse<NewsListItem>)),
)]
#[get("/news")]
pub async fn list_news(
    req: HttpRequest,
    editor: MaybeEditor,
    query: ListQuery<NewsQuery>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let is_editor = editor.0.is_some();
    let filter = query.filter.filter(is_editor)?;
    let order = filter.order;
    let paging = Paging::new(&query.paging, req.path(), req.query_string(), false)?;
    let (rows, total, mut snippets, modified) = {
        let paging = paging.clone();
        let locale = locale.clone();
        db::run(&pool, move |conn| {
            let (rows, total) = queries::list(conn, &filter, &paging)?;
            // Readers see each hit's matching passage, in the locale the item is shown in.
            let snippets = match (&filter.search, is_editor) {
                (Some(q), false) => {
                    let shown: Vec<_> = rows
                        .iter()
                        .take(paging.per_page as usize)
                        .map(|r| (r.news.head.id, item_locale(&r.news.head.title, &locale).0))
                        .collect();
                    queries::snippets(conn, q, &shown)?
                }
                _ => Default::default(),
            };
            let modified = content_last_modified(conn, filter.now)?;
            Ok((rows, total, snippets, modified))
        })
        .await?
    };
    let (rows, meta) = paging.finish(rows, total, queries::key_of(order));
    if is_editor {
        let data: Vec<NewsListItem> = rows
            .into_iter()
            .map(|r| NewsListItem::Editor(NewsEditor::new(r.news)))
            .collect();
        return editor_list_response(&req, data, meta);
    }
    let data = rows
        .iter()
        .map(|row| {
            let mut summary = NewsSummary::new(row, &locale);
            summary.snippet = snippets
                .remove(&row.news.head.id)
                .map(|s| highlighted_html(&s, queries::HIGHLIGHT_START, queries::HIGHLIGHT_END));
            NewsListItem::Public(summary)
        })
        .collect();
    list_response(
        &req,
        Audience::Public(**policy),
        &locale,
        data,
        meta,
        modified,
        |n| match n {
            NewsListItem::Public(s) => &s.locale,
            NewsListItem::Editor(_) => "",
        },
    )
}

/// Get one news item
///
/// By id or slug. Readers get a published item in their locale (drafts, scheduled and archived
/// items are not found); editors get any item in the editor view.
#[utoipa::path(
    tag = "news",
    operation_id = "get_news",
    extensions(("x-orgcms-content" = json!("news"))),
    params(("id_or_slug" = String, Path, description = "The item's UUID or slug", example = "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv"), LocaleParams),
    responses((status = 200, description = "The news item", body = NewsView)),
)]
#[get("/news/{id_or_slug}")]
pub async fn get_news(
    req: HttpRequest,
    editor: MaybeEditor,
    path: web::Path<String>,
    _query: Query<LocaleParams>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    let not_found = || ApiError::not_found("no such news item");
    if editor.0.is_some() {
        let item = db::run(&pool, move |conn| {
            use crate::content::writes::Document;
            let id = match key {
                ItemKey::Id(id) => Some(id),
                ItemKey::Slug(_) => queries::id_of(conn, &key)?,
            };
            match id {
                Some(id) => NewsDocument::load(conn, id),
                None => Ok(None),
            }
        })
        .await?;
        return editor_item_response(&req, &NewsView::Editor(item.ok_or_else(not_found)?));
    }
    let now = Utc::now();
    let row = db::run(&pool, move |conn| {
        Ok(queries::find_public(conn, &key, now)?)
    })
    .await?;
    let body = News::new(&row.ok_or_else(not_found)?, &locale);
    let shown = body.summary.locale.clone();
    item_response(
        &req,
        Audience::Public(**policy),
        &NewsView::Public(body),
        &shown,
    )
}

/// Create a news item
///
/// Send every locale at once. Without `slug`, one is made from the default-locale title. An
/// `Idempotency-Key` makes retries safe: the same key and body replay the first answer.
#[utoipa::path(
    tag = "news",
    operation_id = "create_news",
    extensions(("x-orgcms-content" = json!("news"))),
    request_body = NewsInput,
    responses((status = 201, description = "Created; `Location` names the new item", body = NewsEditor)),
    security(("bearer" = [])),
)]
#[post("/news")]
pub async fn create_news(
    write: WriteRequest,
    pool: web::Data<DbPool>,
    locales: web::Data<Locales>,
) -> Result<HttpResponse, ApiError> {
    run_write(
        &pool,
        write.editor,
        write.headers,
        &locales,
        move |conn, ctx| writes::create::<NewsDocument>(conn, ctx, write.body),
    )
    .await
}

/// Replace a news item
///
/// The body replaces every field; a missing `slug` keeps the current one.
#[utoipa::path(
    tag = "news",
    operation_id = "replace_news",
    extensions(("x-orgcms-content" = json!("news"))),
    params(("id_or_slug" = String, Path, description = "The item's UUID or slug", example = "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv")),
    request_body = NewsInput,
    responses((status = 200, description = "The item as written", body = NewsEditor)),
    security(("bearer" = [])),
)]
#[put("/news/{id_or_slug}")]
pub async fn replace_news(
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
        move |conn, ctx| writes::replace::<NewsDocument>(conn, ctx, &key, write.body, false),
    )
    .await
}

/// Change a news item
///
/// A JSON merge patch (RFC 7396): fields present replace, `null` clears, objects (such as a
/// text's locales) merge.
#[utoipa::path(
    tag = "news",
    operation_id = "update_news",
    extensions(("x-orgcms-content" = json!("news"))),
    params(("id_or_slug" = String, Path, description = "The item's UUID or slug", example = "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv")),
    request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
        description = "Fields of `NewsInput` to change",
        example = json!({"status": "published", "title": {"uk": "Новий заголовок"}})),
    responses((status = 200, description = "The item as written", body = NewsEditor)),
    security(("bearer" = [])),
)]
#[patch("/news/{id_or_slug}")]
pub async fn update_news(
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
        move |conn, ctx| writes::patch::<NewsDocument>(conn, ctx, &key, write.body),
    )
    .await
}

/// Delete a news item
#[utoipa::path(
    tag = "news",
    operation_id = "delete_news",
    extensions(("x-orgcms-content" = json!("news"))),
    params(("id_or_slug" = String, Path, description = "The item's UUID or slug", example = "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])),
)]
#[delete("/news/{id_or_slug}")]
pub async fn delete_news(
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
        move |conn, ctx| writes::delete::<NewsDocument>(conn, ctx, &key),
    )
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedQuery {
    /// How many related items, 1 to 20 (default 5).
    #[param(minimum = 1, maximum = 20, example = 5)]
    pub per_page: Option<u32>,
    /// The reader's locale (e.g. `en`, `uk`); overrides `Accept-Language`.
    #[param(inline, value_type = Option<crate::http::params::DocumentedLocale>, example = "uk")]
    pub locale: Option<String>,
}

/// News related to one item
///
/// Published news of the same country mission or with a tag in common, newest first. Like the
/// item itself, it exists only while the item is public.
#[utoipa::path(
    tag = "news",
    operation_id = "list_news_related",
    params(("id_or_slug" = String, Path, description = "The item's UUID or slug", example = "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv"), RelatedQuery),
    responses((status = 200, description = "Related news", body = RelatedNews)),
)]
#[get("/news/{id_or_slug}/related")]
pub async fn list_news_related(
    req: HttpRequest,
    _editor: MaybeEditor,
    path: web::Path<String>,
    query: Query<RelatedQuery>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let key = ItemKey::parse(&path)?;
    let limit = i64::from(query.0.per_page.unwrap_or(5));
    if !(1..=20).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "per_page",
            "must be between 1 and 20",
        ));
    }
    let now = Utc::now();
    let related = db::run(&pool, move |conn| {
        let item = queries::find_public(conn, &key, now)?;
        item.map(|item| queries::related_public(conn, &item.news, now, limit))
            .transpose()
            .map_err(ApiError::from)
    })
    .await?;
    let related = related.ok_or_else(|| ApiError::not_found("no such news item"))?;
    let data: Vec<NewsSummary> = related
        .iter()
        .map(|row| NewsSummary::new(row, &locale))
        .collect();
    let shown =
        crate::content::locale::content_language(data.iter().map(|n| n.locale.as_str()), &locale);
    let representation = crate::http::caching::Representation {
        content_language: Some(shown),
        link: None,
        ..Default::default()
    };
    crate::http::caching::json_read(
        &req,
        Audience::Public(**policy),
        &RelatedNews { data },
        representation,
    )
}

/// News related to an item.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct RelatedNews {
    /// At most `per_page` items, newest first.
    pub data: Vec<NewsSummary>,
}

/// List the tags
///
/// The tags of public news with how many public items carry each, most used first.
#[utoipa::path(
    tag = "news",
    operation_id = "list_tags",
    params(PageParams),
    responses((status = 200, description = "A page of tags", body = ListResponse<TagCount>)),
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    _editor: MaybeEditor,
    query: ListQuery<NoParams>,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::new(&query.paging, req.path(), req.query_string(), true)?;
    let now = Utc::now();
    let ((rows, total), modified) = {
        let paging = paging.clone();
        db::run(&pool, move |conn| {
            let page = queries::public_tags(conn, now, &paging)?;
            Ok((page, content_last_modified(conn, now)?))
        })
        .await?
    };
    let (data, meta) = paging.finish(rows, total, queries::tag_key_of);
    let representation = crate::http::caching::Representation {
        content_language: None,
        link: Some(meta.link_header(req.path(), req.query_string())),
        last_modified: modified,
    };
    crate::http::caching::json_read(
        &req,
        Audience::Public(**policy),
        &ListResponse { data, meta },
        representation,
    )
}
