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

/// The position of the latest change (0 when nothing ever changed).
pub fn latest_seq(conn: &mut PgConnection) -> QueryResult<i64> {
    let latest: Option<i64> = content_changes::table
        .select(max(content_changes::seq))
        .first(conn)?;
    Ok(latest.unwrap_or(0))
}
