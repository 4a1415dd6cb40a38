use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{missions, news};
use crate::locale::Localized;
use crate::pagination::Paging;
use crate::params::ItemKey;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = news, check_for_backend(Pg))]
pub struct NewsRow {
    pub id: Uuid,
    pub slug: String,
    pub title: Localized,
    pub summary: Localized,
    pub body: Localized,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub mission_id: Option<Uuid>,
    pub tags: Vec<Option<String>>,
    pub cover_image_url: Option<String>,
    pub cover_image_alt: Localized,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// A news item with the slug of its mission.
#[derive(Debug, Clone)]
pub struct NewsWithMission {
    pub news: NewsRow,
    pub mission_slug: Option<String>,
}

/// Which news a reader asks for. `now` is taken once per request, so that a list and its count
/// agree on which scheduled items have turned public.
#[derive(Clone, Debug)]
pub struct NewsFilter {
    pub now: DateTime<Utc>,
    pub visibility: Visibility,
    pub mission: Option<ItemKey>,
    pub tag: Option<String>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    pub oldest_first: bool,
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

fn filtered(filter: &NewsFilter) -> diesel::dsl::IntoBoxed<'static, NewsJoin, Pg> {
    let mut query = news::table.left_join(missions::table).into_boxed();
    let published = news::status.eq("published");
    match filter.visibility {
        Visibility::Public | Visibility::Editor(Some(EditorState::Published)) => {
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
    if let Some(tag) = &filter.tag {
        query = query.filter(news::tags.contains(vec![tag.clone()]));
    }
    if let Some(after) = filter.published_after {
        query = query.filter(news::published_at.ge(after));
    }
    if let Some(before) = filter.published_before {
        query = query.filter(news::published_at.lt(before));
    }
    query
}

pub fn list(
    conn: &mut PgConnection,
    filter: &NewsFilter,
    paging: Paging,
) -> QueryResult<(Vec<NewsWithMission>, i64)> {
    let query = filtered(filter).select((NewsRow::as_select(), missions::slug.nullable()));
    // The public order is exactly the index's (and public items always have a date); editors
    // see undated drafts last either way.
    let query = match (filter.visibility, filter.oldest_first) {
        (Visibility::Public, false) => query.order((news::published_at.desc(), news::id.desc())),
        (Visibility::Public, true) => query.order((news::published_at.asc(), news::id.asc())),
        (Visibility::Editor(_), false) => {
            query.order((news::published_at.desc().nulls_last(), news::id.desc()))
        }
        (Visibility::Editor(_), true) => {
            query.order((news::published_at.asc().nulls_last(), news::id.asc()))
        }
    };
    let rows: Vec<(NewsRow, Option<String>)> = query
        .limit(paging.limit())
        .offset(paging.offset())
        .load(conn)?;
    let total = filtered(filter).count().get_result(conn)?;
    let items = rows
        .into_iter()
        .map(|(news, mission_slug)| NewsWithMission { news, mission_slug })
        .collect();
    Ok((items, total))
}

pub fn find_public(
    conn: &mut PgConnection,
    key: &ItemKey,
    now: DateTime<Utc>,
) -> QueryResult<Option<NewsWithMission>> {
    let query = news::table
        .left_join(missions::table)
        .select((NewsRow::as_select(), missions::slug.nullable()))
        .filter(news::status.eq("published"))
        .filter(news::published_at.le(now))
        .into_boxed();
    let query = match key {
        ItemKey::Id(id) => query.filter(news::id.eq(*id)),
        ItemKey::Slug(slug) => query.filter(news::slug.eq(slug.clone())),
    };
    let row: Option<(NewsRow, Option<String>)> = query.first(conn).optional()?;
    Ok(row.map(|(news, mission_slug)| NewsWithMission { news, mission_slug }))
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
    Ok(rows
        .into_iter()
        .map(|(news, mission_slug)| NewsWithMission { news, mission_slug })
        .collect())
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
    Ok(rows
        .into_iter()
        .map(|(news, mission_slug)| NewsWithMission { news, mission_slug })
        .collect())
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
    let tags: Vec<String> = item.tags.iter().flatten().cloned().collect();
    let shares_tag = news::tags.overlaps_with(tags);
    let query = news::table
        .left_join(missions::table)
        .select((NewsRow::as_select(), missions::slug.nullable()))
        .filter(news::status.eq("published"))
        .filter(news::published_at.le(now))
        .filter(news::id.ne(item.id))
        .into_boxed();
    let query = match item.mission_id {
        Some(mission_id) => query.filter(news::mission_id.eq(mission_id).or(shares_tag)),
        None => query.filter(shares_tag),
    };
    let rows: Vec<(NewsRow, Option<String>)> = query
        .order((news::published_at.desc(), news::id.desc()))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(news, mission_slug)| NewsWithMission { news, mission_slug })
        .collect())
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

/// The tags of public news with their counts, most used first, and how many tags there are.
pub fn public_tags(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    paging: Paging,
) -> QueryResult<(Vec<TagCount>, i64)> {
    use diesel::sql_types::{BigInt, Timestamptz};
    let tags = diesel::sql_query(
        "SELECT t.tag AS slug, count(*) AS count \
         FROM news n CROSS JOIN LATERAL unnest(n.tags) AS t(tag) \
         WHERE n.status = 'published' AND n.published_at <= $1 \
         GROUP BY t.tag ORDER BY count(*) DESC, t.tag LIMIT $2 OFFSET $3",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(paging.limit())
    .bind::<BigInt, _>(paging.offset())
    .load::<TagCount>(conn)?;
    let total = diesel::sql_query(
        "SELECT count(DISTINCT t.tag) AS total \
         FROM news n CROSS JOIN LATERAL unnest(n.tags) AS t(tag) \
         WHERE n.status = 'published' AND n.published_at <= $1",
    )
    .bind::<Timestamptz, _>(now)
    .get_result::<Total>(conn)?
    .total;
    Ok((tags, total))
}
