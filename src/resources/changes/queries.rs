use crate::content::clock::ContentClock;
use chrono::{DateTime, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::content_changes;

/// Takes the lock that orders content writes (see the migration `content_changes`), for the rest
/// of the transaction. The write mechanism takes it before it locks any row.
pub fn lock_content(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT orgcms_lock_content()").execute(conn)?;
    Ok(())
}

/// One item of the change log, at the position of its latest change.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = content_changes, check_for_backend(diesel::pg::Pg))]
pub struct ChangeRow {
    pub seq: i64,
    pub resource: String,
    pub item_id: Uuid,
}

/// The items changed after `seq`, in commit order, at most `limit`.
pub fn changed_after(conn: &mut PgConnection, seq: i64, limit: i64) -> QueryResult<Vec<ChangeRow>> {
    content_changes::table
        .filter(content_changes::seq.gt(seq))
        .order(content_changes::seq.asc())
        .limit(limit)
        .select(ChangeRow::as_select())
        .load(conn)
}

#[derive(QueryableByName)]
struct LastModified {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    at: Option<DateTime<Utc>>,
}

/// When the public content last changed as of `now`: its latest committed change, or the latest
/// scheduled news item that has turned public since. This is the `Last-Modified` of lists and
/// feeds (a little early for some of them, never late).
pub fn content_last_modified(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    crate::db::prepared::prepared(
        diesel::sql_query(
            "SELECT greatest( \
           (SELECT changed_at FROM content_changes ORDER BY seq DESC LIMIT 1), \
           (SELECT max(published_at) FROM news \
             WHERE status = 'published' AND published_at <= $1)) AS at",
        )
        .bind::<diesel::sql_types::Timestamptz, _>(now),
    )
    .get_result::<LastModified>(conn)
    .map(|row| row.at)
}

/// `content_last_modified`, from what the content clock knows when it does (no query then).
pub fn public_last_modified(
    clock: &ContentClock,
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    match clock.known(now) {
        Some(known) => Ok(known.last_modified),
        None => content_last_modified(conn, now),
    }
}

/// The position of the latest change (0 when nothing ever changed).
pub fn latest_seq(conn: &mut PgConnection) -> QueryResult<i64> {
    let latest: Option<i64> = content_changes::table
        .select(max(content_changes::seq))
        .first(conn)?;
    Ok(latest.unwrap_or(0))
}
