use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::objectives;
use crate::locale::Localized;
use crate::pagination::Paging;
use crate::params::ItemKey;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = objectives, check_for_backend(diesel::pg::Pg))]
pub struct ObjectiveRow {
    pub id: Uuid,
    pub slug: String,
    pub position: i32,
    pub title: Localized,
    pub summary: Localized,
    pub body: Localized,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub fn list(conn: &mut PgConnection, paging: Paging) -> QueryResult<(Vec<ObjectiveRow>, i64)> {
    let rows = objectives::table
        .select(ObjectiveRow::as_select())
        .order((objectives::position.asc(), objectives::id.asc()))
        .limit(paging.limit())
        .offset(paging.offset())
        .load(conn)?;
    let total = objectives::table.count().get_result(conn)?;
    Ok((rows, total))
}

pub fn find(conn: &mut PgConnection, key: &ItemKey) -> QueryResult<Option<ObjectiveRow>> {
    let query = objectives::table
        .select(ObjectiveRow::as_select())
        .into_boxed();
    let query = match key {
        ItemKey::Id(id) => query.filter(objectives::id.eq(*id)),
        ItemKey::Slug(slug) => query.filter(objectives::slug.eq(slug.as_str())),
    };
    query.first(conn).optional()
}

/// The objectives with these ids (those that exist), in no particular order.
pub fn find_many(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<ObjectiveRow>> {
    objectives::table
        .filter(objectives::id.eq_any(ids))
        .select(ObjectiveRow::as_select())
        .load(conn)
}
