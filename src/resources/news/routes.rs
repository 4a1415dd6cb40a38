use actix_web::HttpResponse;
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::document::NewsDocument;
use super::dto::{highlighted_html, NewsEditor, NewsInput, NewsListItem, NewsSummary, NewsView};
use super::queries::{self, EditorState, NewsFilter, NewsOrder, TagCount, Visibility};
use crate::app::state::State;
use crate::content::locale::{content_language, item_locale};
use crate::content::routes::document_routes;
use crate::http::caching::{json_read, Representation};
use crate::http::error::ApiError;
use crate::http::item_path::ItemPath;
use crate::http::pagination::{ListResponse, PageParams};
use crate::http::params::{is_slug, Instant, ItemKey, ListQuery, NoParams, Query};
use crate::http::viewer::Viewer;
use crate::resources::changes::queries::public_last_modified;

/// Orders of the news list; a leading `-` means descending.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
pub enum NewsSort {
    #[serde(rename = "-published_at")]
    PublishedAtDesc,
    #[serde(rename = "published_at")]
    PublishedAt,
    /// Best match first; only with `q` (and its default there). It ranks and lists the newest
    /// 100 matches; the date orders list every match.
    #[serde(rename = "relevance")]
    Relevance,
}

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
    /// Full-text search over title, summary and body in every locale, best match first (of the
    /// newest 100 matches; `sort=-published_at` lists them all), each hit with a highlighted
    /// `snippet`. Web-search syntax: `"exact phrase"`, `or`, `-excluded`;
    /// words are matched by their stem in English (`donated` finds `donation`).
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = "[^\\s\\x00-\\x1f\\x7f-\\x9f\\ufeff]",
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
        let search = crate::http::params::search_text(self.q.as_deref())?;
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
            only_mission: None,
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
    extensions(("x-orgcms-content" = json!("news"))),
    params(NewsQuery, PageParams),
    responses((status = 200, description = "A page of news", body = ListResponse<NewsListItem>)),
)]
#[get("/news")]
pub async fn list_news(
    viewer: Viewer,
    query: ListQuery<NewsQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let is_editor = viewer.is_editor();
    let mut filter = query.filter.filter(is_editor)?;
    filter.only_mission = viewer.only_mission();
    let order = filter.order;
    let paging = query.paging(viewer.request(), false)?;
    let page = paging.clone();
    let locale = viewer.locale.clone();
    let clock = state.clock.clone();
    let (rows, total, mut snippets, modified) = viewer
        .read(&state, move |conn| {
            let (rows, total) = queries::list(conn, &filter, &page)?;
            // Readers see each hit's matching passage, in the locale the item is shown in.
            let snippets = match (&filter.search, is_editor) {
                (Some(q), false) => {
                    let shown: Vec<_> = rows
                        .iter()
                        .take(page.per_page as usize)
                        .map(|r| (r.news.head.id, item_locale(&r.news.head.title, &locale).0))
                        .collect();
                    queries::snippets(conn, q, &shown)?
                }
                _ => Default::default(),
            };
            let modified = public_last_modified(&clock, conn, filter.now)?;
            Ok((rows, total, snippets, modified))
        })
        .await?;
    let (rows, meta) = paging.finish(rows, total, queries::key_of(order));
    let page = viewer.present(
        rows,
        |row, locale| {
            let mut summary = NewsSummary::new(&row, locale, &state.media.links);
            summary.snippet = snippets
                .remove(&row.news.head.id)
                .map(|s| highlighted_html(&s, queries::HIGHLIGHT_START, queries::HIGHLIGHT_END));
            summary
        },
        |row| NewsEditor::new(row.news),
    );
    viewer.list(page, meta, modified)
}

document_routes! {
    document: NewsDocument, input: NewsInput, tag: "news",
    collection: "/news", item: "/news/{id_or_slug}",
    path_parameter: "The item's UUID or slug", example "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv";

    /// Get one news item
    ///
    /// By id or slug. Readers get a published item in their locale (drafts, scheduled and archived
    /// items are not found); editors get any item in the editor view.
    get get_news {
        responses((status = 200, description = "The news item", body = NewsView))
    }

    /// Create a news item
    ///
    /// Send every locale at once. Without `slug`, one is made from the default-locale title. An
    /// `Idempotency-Key` makes retries safe: the same key and body replay the first answer.
    create create_news {
        responses((status = 201, description = "Created; `Location` names the new item", body = NewsEditor))
    }

    /// Replace a news item
    ///
    /// The body replaces every field; a missing `slug` keeps the current one.
    replace replace_news {
        responses((status = 200, description = "The item as written", body = NewsEditor))
    }

    /// Change a news item
    ///
    /// A JSON merge patch (RFC 7396): fields present replace, `null` clears, objects (such as a
    /// text's locales) merge.
    update update_news {
        request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
            description = "Fields of `NewsInput` to change",
            example = json!({"status": "published", "title": {"uk": "Новий заголовок"}})),
        responses((status = 200, description = "The item as written", body = NewsEditor))
    }

    /// Delete a news item
    delete delete_news {}
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
    params(ItemPath<NewsDocument>, RelatedQuery),
    responses((status = 200, description = "Related news", body = RelatedNews)),
)]
#[get("/news/{id_or_slug}/related")]
pub async fn list_news_related(
    viewer: Viewer,
    query: Query<RelatedQuery>,
    path: ItemPath<NewsDocument>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let key = path.key()?;
    let limit = i64::from(query.0.per_page.unwrap_or(5));
    if !(1..=20).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "per_page",
            "must be between 1 and 20",
        ));
    }
    let now = Utc::now();
    let related = viewer
        .read(&state, move |conn| {
            let item = queries::find_public(conn, &key, now)?;
            item.map(|item| queries::related_public(conn, &item.news, now, limit))
                .transpose()
                .map_err(ApiError::from)
        })
        .await?;
    let related = related.ok_or_else(|| ApiError::not_found("no such news item"))?;
    let data: Vec<NewsSummary> = related
        .iter()
        .map(|row| NewsSummary::new(row, &viewer.locale, &state.media.links))
        .collect();
    let representation = Representation {
        content_language: Some(content_language(
            data.iter().map(|n| n.locale.as_str()),
            &viewer.locale,
        )),
        link: None,
        ..Default::default()
    };
    let (req, audience) = viewer.public_response();
    json_read(req, audience, &RelatedNews { data }, representation)
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
    params(PageParams),
    responses((status = 200, description = "A page of tags", body = ListResponse<TagCount>)),
)]
#[get("/tags")]
pub async fn list_tags(
    viewer: Viewer,
    query: ListQuery<NoParams>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let paging = query.paging(viewer.request(), true)?;
    let now = Utc::now();
    let page = paging.clone();
    let clock = state.clock.clone();
    let ((rows, total), modified) = viewer
        .read(&state, move |conn| {
            Ok((
                queries::public_tags(conn, now, &page)?,
                public_last_modified(&clock, conn, now)?,
            ))
        })
        .await?;
    let (data, meta) = paging.finish(rows, total, queries::tag_key_of);
    let (req, audience) = viewer.public_response();
    let representation = Representation {
        content_language: None,
        link: Some(meta.link_header(req.path(), req.query_string())),
        last_modified: modified,
    };
    json_read(req, audience, &ListResponse { data, meta }, representation)
}
