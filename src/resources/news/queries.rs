use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Float, Nullable, Text};

use crate::content::locale::Localized;
use crate::db::keyset::{nothing, row_compare, Condition};
use crate::db::prepared::{prepared, prepared_if};
use crate::db::schema::{missions, news};
use crate::http::pagination::Paging;
use crate::http::params::ItemKey;
use crate::resources::assets::queries::AssetRow;

/// A news item as stored: its summary row (all but the body) and its body.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = news, check_for_backend(Pg))]
pub struct NewsRow {
    #[diesel(embed)]
    pub head: NewsSummaryRow,
    pub body: Localized,
    /// `body` rendered (None: not yet; see `rendered_body`).
    pub body_html: Option<Localized>,
}

impl NewsRow {
    /// The body as sanitized HTML, every locale: as stored at the last write, or rendered now for
    /// a row whose HTML is not stored yet (written by other means than the API).
    pub fn html_body(&self) -> std::borrow::Cow<'_, Localized> {
        match &self.body_html {
            Some(html) => std::borrow::Cow::Borrowed(html),
            None => std::borrow::Cow::Owned(crate::content::markdown::render_localized(&self.body)),
        }
    }
}

/// Renders and stores the HTML of every body that has none (after migrating, after seeding),
/// a batch at a time; returns how many items it rendered.
pub fn render_missing_bodies(conn: &mut PgConnection) -> QueryResult<usize> {
    use diesel::sql_types::{Array, Jsonb, Uuid as SqlUuid};
    let mut rendered = 0;
    loop {
        let batch: Vec<(Uuid, Localized)> = news::table
            .filter(news::body_html.is_null())
            .select((news::id, news::body))
            .order(news::id)
            .limit(500)
            .load(conn)?;
        if batch.is_empty() {
            return Ok(rendered);
        }
        let (ids, html): (Vec<Uuid>, Vec<Localized>) = batch
            .into_iter()
            .map(|(id, body)| (id, crate::content::markdown::render_localized(&body)))
            .unzip();
        rendered += diesel::sql_query(
            "UPDATE news SET body_html = r.html \
               FROM unnest($1, $2) AS r(id, html) WHERE news.id = r.id",
        )
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<Jsonb>, _>(html)
        .execute(conn)?;
    }
}

/// A news item without its body (the part of `NewsRow` that is not the body): all that a public list shows (the body is most of an item's
/// bytes, and parsing it is most of a list's work).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = news, check_for_backend(Pg))]
pub struct NewsSummaryRow {
    pub id: Uuid,
    pub slug: String,
    pub title: Localized,
    pub summary: Localized,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub mission_id: Option<Uuid>,
    pub tags: Vec<Option<String>>,
    pub cover_image_url: Option<String>,
    pub cover_image_alt: Localized,
    pub cover_asset_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<NewsSummaryRow> for NewsRow {
    fn from(head: NewsSummaryRow) -> Self {
        Self {
            head,
            body: Localized::default(),
            body_html: None,
        }
    }
}

/// A news item with the slug of its mission and its cover asset.
#[derive(Debug, Clone)]
pub struct NewsWithMission {
    pub news: NewsRow,
    pub mission_slug: Option<String>,
    /// How well the item matches the search, in a search ordered by relevance.
    pub rank: Option<f32>,
    /// The cover from the media library (`cover_asset_id`).
    pub cover: Option<AssetRow>,
}

/// The items of these rows, with their cover assets (one query, only when some item has one).
fn items<I>(conn: &mut PgConnection, rows: I) -> QueryResult<Vec<NewsWithMission>>
where
    I: IntoIterator<Item = (NewsRow, Option<String>, Option<f32>)>,
{
    let mut items: Vec<NewsWithMission> = rows
        .into_iter()
        .map(|(news, mission_slug, rank)| NewsWithMission {
            news,
            mission_slug,
            rank,
            cover: None,
        })
        .collect();
    let ids: Vec<Uuid> = items
        .iter()
        .filter_map(|i| i.news.head.cover_asset_id)
        .collect();
    if ids.is_empty() {
        return Ok(items);
    }
    let covers: std::collections::HashMap<Uuid, AssetRow> =
        crate::resources::assets::queries::find_many(conn, &ids)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
    for item in &mut items {
        item.cover = item
            .news
            .head
            .cover_asset_id
            .and_then(|id| covers.get(&id).cloned());
    }
    Ok(items)
}

/// Which news a reader asks for. `now` is taken once per request, so that a list and its count
/// agree on which scheduled items have turned public.
#[derive(Clone, Debug)]
pub struct NewsFilter {
    pub now: DateTime<Utc>,
    pub visibility: Visibility,
    pub mission: Option<ItemKey>,
    /// The reader's own restriction (an API key's mission), beside any `mission` it asks for.
    pub only_mission: Option<Uuid>,
    pub tag: Option<String>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    /// Full-text search (web-search syntax), over title, summary and body in every locale.
    pub search: Option<String>,
    pub order: NewsOrder,
}

/// Orders of the news list, each made total by the id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewsOrder {
    NewestFirst,
    OldestFirst,
    /// Best match first (searches only).
    Relevance,
}

impl NewsFilter {
    /// Every public item (published, its time come), newest first.
    pub fn public(now: DateTime<Utc>) -> Self {
        Self {
            now,
            visibility: Visibility::Public,
            mission: None,
            only_mission: None,
            tag: None,
            published_after: None,
            published_before: None,
            search: None,
            order: NewsOrder::NewestFirst,
        }
    }
}

/// What the reader may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Published items whose time has come.
    Public,
    /// Editors: every item, or those in one state.
    Editor(Option<EditorState>),
}

/// The states editors can list by (`scheduled` is published with a future date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EditorState {
    Draft,
    Published,
    Scheduled,
    Archived,
}

type NewsJoin = diesel::dsl::LeftJoin<news::table, missions::table>;
type NewsSource = diesel::helper_types::LeftJoinQuerySource<news::table, missions::table>;

fn filtered(filter: &NewsFilter) -> diesel::dsl::IntoBoxed<'static, NewsJoin, Pg> {
    let mut query = news::table.left_join(missions::table).into_boxed();
    let published = news::status.eq("published");
    match filter.visibility {
        // The database's clock, which the planner knows (`db::prepared`), for the public view;
        // the content clock trusts a generation only while the database's clock agrees.
        Visibility::Public => {
            query = query
                .filter(published)
                .filter(news::published_at.le(diesel::dsl::now));
        }
        Visibility::Editor(Some(EditorState::Published)) => {
            query = query
                .filter(published)
                .filter(news::published_at.le(filter.now));
        }
        Visibility::Editor(Some(EditorState::Scheduled)) => {
            query = query
                .filter(published)
                .filter(news::published_at.gt(filter.now));
        }
        Visibility::Editor(Some(EditorState::Draft)) => {
            query = query.filter(news::status.eq("draft"))
        }
        Visibility::Editor(Some(EditorState::Archived)) => {
            query = query.filter(news::status.eq("archived"))
        }
        Visibility::Editor(None) => {}
    }
    match &filter.mission {
        Some(ItemKey::Id(id)) => query = query.filter(news::mission_id.eq(*id)),
        Some(ItemKey::Slug(slug)) => query = query.filter(missions::slug.eq(slug.clone())),
        None => {}
    }
    if let Some(only) = filter.only_mission {
        query = query.filter(news::mission_id.eq(only));
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(news::tags.contains(vec![tag.clone()]));
    }
    if let Some(after) = filter.published_after {
        query = query.filter(news::published_at.ge(after));
    }
    if let Some(before) = filter.published_before {
        query = query.filter(news::published_at.lt(before));
    }
    if let Some(q) = &filter.search {
        query = query.filter(
            sql::<Bool>("news.search @@ orgcms_search_query(")
                .bind::<Text, _>(q.clone())
                .sql(")"),
        );
    }
    query
}

/// The key a cursor continues after: publication time (none for undated drafts) and id, or in
/// a search by relevance, the rank and id.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum NewsKey {
    Time(Option<DateTime<Utc>>, Uuid),
    Rank(f32, Uuid),
}

pub fn key_of(order: NewsOrder) -> impl Fn(&NewsWithMission) -> NewsKey {
    move |item| match order {
        NewsOrder::Relevance => NewsKey::Rank(item.rank.unwrap_or_default(), item.news.head.id),
        _ => NewsKey::Time(item.news.head.published_at, item.news.head.id),
    }
}

/// The items after `key` in the list's order: newest (or oldest) first by publication time and
/// id, undated drafts last; or best match first.
fn after(filter: &NewsFilter, key: &NewsKey) -> Condition<NewsSource> {
    use diesel::sql_types::{Timestamptz, Uuid as SqlUuid};
    // Public items always have a date: the bare row comparison, which PostgreSQL answers from the
    // index without reading the rows before the key.
    let public = filter.visibility == Visibility::Public;
    match (filter.order, key.clone(), &filter.search) {
        (NewsOrder::NewestFirst, NewsKey::Time(Some(at), id), _) if public => {
            row_compare::<_, Timestamptz, SqlUuid, _, _>("(news.published_at, news.id) < (", at, id)
        }
        (NewsOrder::OldestFirst, NewsKey::Time(Some(at), id), _) if public => {
            row_compare::<_, Timestamptz, SqlUuid, _, _>("(news.published_at, news.id) > (", at, id)
        }
        (NewsOrder::NewestFirst, NewsKey::Time(Some(at), id), _) => Box::new(
            row_compare::<_, Timestamptz, SqlUuid, _, _>(
                "(news.published_at, news.id) < (",
                at,
                id,
            )
            .or(news::published_at.is_null()),
        ),
        (NewsOrder::OldestFirst, NewsKey::Time(Some(at), id), _) => Box::new(
            row_compare::<_, Timestamptz, SqlUuid, _, _>(
                "(news.published_at, news.id) > (",
                at,
                id,
            )
            .or(news::published_at.is_null()),
        ),
        (NewsOrder::NewestFirst, NewsKey::Time(None, id), _) => {
            Box::new(news::published_at.is_null().and(news::id.lt(id)))
        }
        (NewsOrder::OldestFirst, NewsKey::Time(None, id), _) => {
            Box::new(news::published_at.is_null().and(news::id.gt(id)))
        }
        (NewsOrder::Relevance, NewsKey::Rank(score, id), Some(q)) => Box::new(
            sql::<Bool>("(ts_rank_cd(news.search, orgcms_search_query(")
                .bind::<Text, _>(q.clone())
                .sql(")), news.id) < (")
                .bind::<Float, _>(score)
                .sql(", ")
                .bind::<SqlUuid, _>(id)
                .sql(")"),
        ),
        _ => nothing(),
    }
}

/// How many matches a search by relevance ranks and lists: the newest this many. Ranking reads
/// every ranked item's text vector, so a word found in every item would otherwise cost in
/// proportion to the whole collection; the newest matches are read in the order of the
/// publication index, and the scan stops after this many. The date orders list every match.
pub const RELEVANCE_WINDOW: i64 = 100;

/// The rows a list reads: those of the filter, or for a search by relevance, the newest
/// `RELEVANCE_WINDOW` of them.
fn candidates(filter: &NewsFilter) -> diesel::dsl::IntoBoxed<'static, NewsJoin, Pg> {
    match (filter.order, &filter.search) {
        (NewsOrder::Relevance, Some(_)) => {
            // Public items always have a date: the publication index's own order.
            let newest = filtered(filter).select(news::id);
            let newest = match filter.visibility {
                Visibility::Public => newest.order((news::published_at.desc(), news::id.desc())),
                Visibility::Editor(_) => {
                    newest.order((news::published_at.desc().nulls_last(), news::id.desc()))
                }
            }
            .limit(RELEVANCE_WINDOW);
            news::table
                .left_join(missions::table)
                .filter(news::id.eq_any(newest))
                .into_boxed()
        }
        _ => filtered(filter),
    }
}

pub fn list(
    conn: &mut PgConnection,
    filter: &NewsFilter,
    paging: &Paging<NewsKey>,
) -> QueryResult<(Vec<NewsWithMission>, Option<i64>)> {
    // A search is planned for its words every time (see `prepared_if`).
    let keep = filter.search.is_none();
    let mut query = candidates(filter);
    if let Some(key) = paging.after() {
        query = query.filter(after(filter, key));
    }
    // The public order is exactly the index's (and public items always have a date); editors
    // see undated drafts last either way.
    let query = match (filter.order, filter.visibility, &filter.search) {
        // By the selected rank's name: an ORDER BY expression of its own would be a second
        // `ts_rank_cd` per row (its bound query is another parameter, so PostgreSQL cannot tell
        // the two apart).
        (NewsOrder::Relevance, _, Some(_)) => {
            query.order((sql::<Float>("relevance").desc(), news::id.desc()))
        }
        (NewsOrder::OldestFirst, Visibility::Public, _) => {
            query.order((news::published_at.asc(), news::id.asc()))
        }
        (NewsOrder::OldestFirst, Visibility::Editor(_), _) => {
            query.order((news::published_at.asc().nulls_last(), news::id.asc()))
        }
        (_, Visibility::Public, _) => query.order((news::published_at.desc(), news::id.desc())),
        (_, Visibility::Editor(_), _) => {
            query.order((news::published_at.desc().nulls_last(), news::id.desc()))
        }
    };
    let (limit, offset) = (paging.limit(), paging.offset());
    // The rank orders a search by relevance (and is its cursor's key); otherwise it is NULL.
    // Title words weigh most, then summary, then body (the vector's weights).
    let rank_or_null: Box<dyn BoxableExpression<NewsSource, Pg, SqlType = Nullable<Float>>> =
        match (&filter.search, filter.order) {
            (Some(q), NewsOrder::Relevance) => Box::new(
                sql::<Nullable<Float>>("ts_rank_cd(news.search, orgcms_search_query(")
                    .bind::<Text, _>(q.clone())
                    .sql(")) AS relevance"),
            ),
            _ => Box::new(sql::<Nullable<Float>>("NULL::real")),
        };
    // Editors see bodies in their list; readers' summaries do not need them.
    let rows: Vec<(NewsRow, Option<String>, Option<f32>)> = match filter.visibility {
        Visibility::Public => prepared_if(
            keep,
            query.select((
                NewsSummaryRow::as_select(),
                missions::slug.nullable(),
                rank_or_null,
            )),
        )
        .page(limit, offset)
        .load::<(NewsSummaryRow, Option<String>, Option<f32>)>(conn)?
        .into_iter()
        .map(|(row, slug, rank)| (row.into(), slug, rank))
        .collect(),
        Visibility::Editor(_) => prepared_if(
            keep,
            query.select((
                NewsRow::as_select(),
                missions::slug.nullable(),
                rank_or_null,
            )),
        )
        .page(limit, offset)
        .load(conn)?,
    };
    let items = items(conn, rows)?;
    let total = match paging.count_total {
        true => Some(prepared_if(keep, candidates(filter).count()).get_result(conn)?),
        false => None,
    };
    Ok((items, total))
}

#[derive(QueryableByName)]
struct Snippet {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    snippet: String,
}

/// Where a search snippet's highlight starts and ends: private-use characters, removed from the
/// text first, so that the snippet can be HTML-escaped and then marked up safely.
pub const HIGHLIGHT_START: char = '\u{E000}';
pub const HIGHLIGHT_END: char = '\u{E001}';

/// How much of an item's summary and body a snippet is looked for in, in characters. The work
/// of `ts_headline` grows with the text it is given (and on long runs of word characters and
/// punctuation, with its square: `orgcms_search_text` cuts those), and a search computes a
/// snippet for every item of its page: over a bounded prefix, a 200 000-character body costs
/// what 10 000 characters cost. A match further in still finds the item; its snippet is then
/// the text's beginning.
pub const SNIPPET_SOURCE_CHARS: i32 = 10_000;

/// The passages of each item's summary and body (in the locale it is shown in) that match the
/// search, with the matches between `HIGHLIGHT_START` and `HIGHLIGHT_END`.
pub fn snippets(
    conn: &mut PgConnection,
    q: &str,
    shown: &[(Uuid, String)],
) -> QueryResult<std::collections::HashMap<Uuid, String>> {
    use diesel::sql_types::{Array, Uuid as SqlUuid};
    let (ids, locales): (Vec<Uuid>, Vec<String>) = shown.iter().cloned().unzip();
    let rows = prepared(
        diesel::sql_query(
            "SELECT n.id, ts_headline(orgcms_search_config(s.locale), \
                  orgcms_search_text(replace(replace(concat_ws(E'\\n', n.summary ->> s.locale, \
                                                               n.body ->> s.locale), \
                                                     E'\\uE000', ''), E'\\uE001', ''), $4), \
                  (SELECT orgcms_snippet_query(orgcms_search_query($3))), \
                  'StartSel=\u{E000}, StopSel=\u{E001}, MaxWords=30, MinWords=12, \
                   MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet \
         FROM unnest($1::uuid[], $2::text[]) AS s(id, locale) JOIN news n ON n.id = s.id",
        )
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<Text>, _>(locales)
        .bind::<Text, _>(q)
        .bind::<diesel::sql_types::Integer, _>(SNIPPET_SOURCE_CHARS),
    )
    .load::<Snippet>(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r.snippet)).collect())
}

/// The newest public items of `filter` for a feed, at most `limit`: always the public view
/// (whatever `filter.visibility` says), newest first in the order of the public list.
pub fn feed_items(
    conn: &mut PgConnection,
    filter: &NewsFilter,
    limit: i64,
) -> QueryResult<Vec<NewsWithMission>> {
    let filter = NewsFilter {
        visibility: Visibility::Public,
        order: NewsOrder::NewestFirst,
        ..filter.clone()
    };
    let rows: Vec<(NewsRow, Option<String>)> = filtered(&filter)
        .select((NewsRow::as_select(), missions::slug.nullable()))
        .order((news::published_at.desc(), news::id.desc()))
        .limit(limit)
        .load(conn)?;
    items(
        conn,
        rows.into_iter().map(|(news, slug)| (news, slug, None)),
    )
}

pub fn find_public(
    conn: &mut PgConnection,
    key: &ItemKey,
    now: DateTime<Utc>,
) -> QueryResult<Option<NewsWithMission>> {
    // Not boxed: a query of static type is kept prepared by diesel under its type, without
    // building its SQL text on every run (as a boxed query's cache key needs: 6% of an item read).
    let public = news::table
        .left_join(missions::table)
        .select((NewsRow::as_select(), missions::slug.nullable()))
        .filter(news::status.eq("published"))
        .filter(news::published_at.le(now));
    let row: Option<(NewsRow, Option<String>)> = match key {
        ItemKey::Id(id) => public.filter(news::id.eq(*id)).first(conn),
        ItemKey::Slug(slug) => public.filter(news::slug.eq(slug)).first(conn),
    }
    .optional()?;
    Ok(items(conn, row.map(|(news, slug)| (news, slug, None)))?.pop())
}

/// The item `id` whatever its state (a draft preview shows it as readers would see it).
pub fn find_any(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<NewsWithMission>> {
    let row: Option<(NewsRow, Option<String>)> = news::table
        .left_join(missions::table)
        .select((NewsRow::as_select(), missions::slug.nullable()))
        .filter(news::id.eq(id))
        .first(conn)
        .optional()?;
    Ok(items(conn, row.map(|(news, slug)| (news, slug, None)))?.pop())
}

/// The public items among `ids` (published, and their time has come), in no particular order.
pub fn find_public_many(
    conn: &mut PgConnection,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> QueryResult<Vec<NewsWithMission>> {
    let rows: Vec<(NewsRow, Option<String>)> = news::table
        .left_join(missions::table)
        .select((NewsRow::as_select(), missions::slug.nullable()))
        .filter(news::status.eq("published"))
        .filter(news::published_at.le(now))
        .filter(news::id.eq_any(ids))
        .load(conn)?;
    items(
        conn,
        rows.into_iter().map(|(news, slug)| (news, slug, None)),
    )
}

/// Public items after `(after_at, after_id)` in `(published_at, id)` order, oldest first, at
/// most `limit`: those whose publication time came since a reader last looked.
pub fn public_after(
    conn: &mut PgConnection,
    after_at: DateTime<Utc>,
    after_id: Uuid,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<NewsWithMission>> {
    let rows: Vec<(NewsRow, Option<String>)> = news::table
        .left_join(missions::table)
        .select((NewsRow::as_select(), missions::slug.nullable()))
        .filter(news::status.eq("published"))
        .filter(news::published_at.le(now))
        .filter(
            news::published_at
                .gt(after_at)
                .or(news::published_at.eq(after_at).and(news::id.gt(after_id))),
        )
        .order((news::published_at.asc(), news::id.asc()))
        .limit(limit)
        .load(conn)?;
    items(
        conn,
        rows.into_iter().map(|(news, slug)| (news, slug, None)),
    )
}

/// The id of the item `key` names, whatever its state.
pub fn id_of(conn: &mut PgConnection, key: &ItemKey) -> QueryResult<Option<Uuid>> {
    let query = news::table.select(news::id).into_boxed();
    let query = match key {
        ItemKey::Id(id) => query.filter(news::id.eq(*id)),
        ItemKey::Slug(slug) => query.filter(news::slug.eq(slug.clone())),
    };
    query.first(conn).optional()
}

/// Public news of the same mission or with a shared tag, newest first, `item` itself excluded.
pub fn related_public(
    conn: &mut PgConnection,
    item: &NewsRow,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<NewsWithMission>> {
    let tags: Vec<String> = item.head.tags.iter().flatten().cloned().collect();
    let shares_tag = news::tags.overlaps_with(tags);
    let query = news::table
        .left_join(missions::table)
        .select((NewsRow::as_select(), missions::slug.nullable()))
        .filter(news::status.eq("published"))
        .filter(news::published_at.le(now))
        .filter(news::id.ne(item.head.id))
        .into_boxed();
    let query = match item.head.mission_id {
        Some(mission_id) => query.filter(news::mission_id.eq(mission_id).or(shares_tag)),
        None => query.filter(shares_tag),
    };
    let rows: Vec<(NewsRow, Option<String>)> = query
        .order((news::published_at.desc(), news::id.desc()))
        .limit(limit)
        .load(conn)?;
    items(
        conn,
        rows.into_iter().map(|(news, slug)| (news, slug, None)),
    )
}

/// A tag and how many public news items carry it.
#[derive(Debug, Clone, QueryableByName, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"slug": "health", "count": 12}))]
pub struct TagCount {
    /// The tag's slug, as news items carry it.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub slug: String,
    /// Public news items with this tag.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub count: i64,
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
}

/// The tags list's order (most used first, then by slug), and the key a cursor continues after.
pub type TagKey = (i64, String);

pub fn tag_key_of(tag: &TagCount) -> TagKey {
    (tag.count, tag.slug.clone())
}

/// The tags of public news with their counts, most used first, and how many tags there are.
pub fn public_tags(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    paging: &Paging<TagKey>,
) -> QueryResult<(Vec<TagCount>, Option<i64>)> {
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
    let (after_count, after_slug) = match paging.after() {
        Some((count, slug)) => (Some(*count), Some(slug.clone())),
        None => (None, None),
    };
    let tags = diesel::sql_query(
        "SELECT t.tag AS slug, count(*) AS count \
         FROM news n CROSS JOIN LATERAL unnest(n.tags) AS t(tag) \
         WHERE n.status = 'published' AND n.published_at <= $1 \
         GROUP BY t.tag \
         HAVING $4::bigint IS NULL OR count(*) < $4 OR (count(*) = $4 AND t.tag > $5) \
         ORDER BY count(*) DESC, t.tag LIMIT $2 OFFSET $3",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(paging.limit())
    .bind::<BigInt, _>(paging.offset())
    .bind::<Nullable<BigInt>, _>(after_count)
    .bind::<Nullable<Text>, _>(after_slug)
    .load::<TagCount>(conn)?;
    let total = match paging.count_total {
        false => None,
        true => Some(
            diesel::sql_query(
                "SELECT count(DISTINCT t.tag) AS total \
                 FROM news n CROSS JOIN LATERAL unnest(n.tags) AS t(tag) \
                 WHERE n.status = 'published' AND n.published_at <= $1",
            )
            .bind::<Timestamptz, _>(now)
            .get_result::<Total>(conn)?
            .total,
        ),
    };
    Ok((tags, total))
}
