use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::preview_links;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = preview_links)]
pub struct PreviewLinkRow {
    pub id: Uuid,
    pub news_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

pub fn insert(
    conn: &mut PgConnection,
    news_id: Uuid,
    created_by: Uuid,
    expires_at: DateTime<Utc>,
) -> QueryResult<PreviewLinkRow> {
    diesel::insert_into(preview_links::table)
        .values((
            preview_links::news_id.eq(news_id),
            preview_links::created_by.eq(created_by),
            preview_links::expires_at.eq(expires_at),
        ))
        .returning(PreviewLinkRow::as_returning())
        .get_result(conn)
}

/// Whether the link `id` to `news_id` still holds at `now`.
pub fn is_live(
    conn: &mut PgConnection,
    id: Uuid,
    news_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        preview_links::table
            .filter(preview_links::id.eq(id))
            .filter(preview_links::news_id.eq(news_id))
            .filter(preview_links::expires_at.gt(now)),
    ))
    .get_result(conn)
}

/// Revokes the item's link `id`, or all its links; how many there were.
pub fn revoke(conn: &mut PgConnection, news_id: Uuid, id: Option<Uuid>) -> QueryResult<usize> {
    let links = preview_links::table.filter(preview_links::news_id.eq(news_id));
    match id {
        Some(id) => diesel::delete(links.filter(preview_links::id.eq(id))).execute(conn),
        None => diesel::delete(links).execute(conn),
    }
}

/// Expired links are of no use: gone with every new one.
pub fn prune(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(preview_links::table.filter(preview_links::expires_at.le(now))).execute(conn)
}
