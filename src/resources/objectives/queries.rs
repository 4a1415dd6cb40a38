use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::content::locale::Localized;
use crate::db::keyset::row_compare;
use crate::db::schema::objectives;
use crate::http::pagination::Paging;
use crate::http::params::ItemKey;

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

/// The list's total order, and the key a cursor continues after.
pub type ObjectiveKey = (i32, Uuid);

pub fn key_of(row: &ObjectiveRow) -> ObjectiveKey {
    (row.position, row.id)
}

pub fn list(
    conn: &mut PgConnection,
    paging: &Paging<ObjectiveKey>,
) -> QueryResult<(Vec<ObjectiveRow>, Option<i64>)> {
    use diesel::sql_types::{Integer, Uuid as SqlUuid};
    let mut query = objectives::table
        .select(ObjectiveRow::as_select())
        .order((objectives::position.asc(), objectives::id.asc()))
        .into_boxed();
    if let Some((position, id)) = paging.after() {
        query = query.filter(row_compare::<_, Integer, SqlUuid, _, _>(
            "(objectives.position, objectives.id) > (",
            *position,
            *id,
        ));
    }
    let rows = crate::db::prepared::prepared(query)
        .page(paging.limit(), paging.offset())
        .load(conn)?;
    let total = match paging.count_total {
        true => Some(objectives::table.count().get_result(conn)?),
        false => None,
    };
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
