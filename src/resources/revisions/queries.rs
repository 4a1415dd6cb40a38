use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use super::dto::RevisionSummary;
use crate::db::schema::revisions;
use crate::http::pagination::Paging;

/// A version as the write engine stores it.
pub struct NewRevision<'a> {
    pub resource: &'a str,
    pub item_id: Uuid,
    pub version: i32,
    pub document: Value,
    pub input: Value,
    pub author_id: Option<Uuid>,
    pub author_email: &'a str,
    pub was_public: bool,
}

/// Stores a version; called inside the write's transaction. A version already stored is
/// replaced (its pin kept) when `replace`, else it stays as it is.
pub fn insert(
    conn: &mut PgConnection,
    revision: NewRevision<'_>,
    replace: bool,
) -> QueryResult<()> {
    let insert = diesel::insert_into(revisions::table).values((
        revisions::resource.eq(revision.resource),
        revisions::item_id.eq(revision.item_id),
        revisions::version.eq(revision.version),
        revisions::document.eq(revision.document),
        revisions::input.eq(revision.input),
        revisions::author_id.eq(revision.author_id),
        revisions::author_email.eq(revision.author_email),
        revisions::was_public.eq(revision.was_public),
    ));
    if !replace {
        return insert.on_conflict_do_nothing().execute(conn).map(|_| ());
    }
    use diesel::upsert::excluded;
    insert
        .on_conflict((revisions::resource, revisions::item_id, revisions::version))
        .do_update()
        .set((
            revisions::document.eq(excluded(revisions::document)),
            revisions::input.eq(excluded(revisions::input)),
            revisions::author_id.eq(excluded(revisions::author_id)),
            revisions::author_email.eq(excluded(revisions::author_email)),
            revisions::created_at.eq(excluded(revisions::created_at)),
            revisions::was_public.eq(excluded(revisions::was_public)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Removes an item's revisions beyond the `keep` newest of those neither public nor pinned.
pub fn prune_item(
    conn: &mut PgConnection,
    resource: &str,
    item_id: Uuid,
    keep: u32,
) -> QueryResult<usize> {
    use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
    diesel::sql_query(
        "DELETE FROM revisions WHERE resource = $1 AND item_id = $2 AND NOT was_public \
         AND NOT pinned AND version < ( \
           SELECT version FROM revisions WHERE resource = $1 AND item_id = $2 \
           AND NOT was_public AND NOT pinned ORDER BY version DESC OFFSET $3 - 1 LIMIT 1)",
    )
    .bind::<Text, _>(resource)
    .bind::<SqlUuid, _>(item_id)
    .bind::<BigInt, _>(i64::from(keep.max(1)))
    .execute(conn)
}

/// `prune_item` for every item; the number of revisions removed.
pub fn prune_all(conn: &mut PgConnection, keep: u32) -> QueryResult<usize> {
    use diesel::sql_types::BigInt;
    diesel::sql_query(
        "DELETE FROM revisions r USING ( \
           SELECT resource, item_id, version, row_number() OVER ( \
             PARTITION BY resource, item_id ORDER BY version DESC) AS n \
           FROM revisions WHERE NOT was_public AND NOT pinned) o \
         WHERE r.resource = o.resource AND r.item_id = o.item_id AND r.version = o.version \
           AND o.n > $1",
    )
    .bind::<BigInt, _>(i64::from(keep.max(1)))
    .execute(conn)
}

/// Removes every revision of an item (deleted for good).
pub fn delete_item(conn: &mut PgConnection, resource: &str, item_id: Uuid) -> QueryResult<usize> {
    diesel::delete(
        revisions::table
            .filter(revisions::resource.eq(resource))
            .filter(revisions::item_id.eq(item_id)),
    )
    .execute(conn)
}

fn of_item(resource: &str, item_id: Uuid) -> revisions::BoxedQuery<'static, diesel::pg::Pg> {
    revisions::table
        .filter(revisions::resource.eq(resource.to_owned()))
        .filter(revisions::item_id.eq(item_id))
        .into_boxed()
}

/// An item's revisions, newest first.
pub fn list(
    conn: &mut PgConnection,
    resource: &str,
    item_id: Uuid,
    paging: &Paging<i32>,
) -> QueryResult<(Vec<RevisionSummary>, Option<i64>)> {
    let mut query = of_item(resource, item_id)
        .select(RevisionSummary::as_select())
        .order(revisions::version.desc())
        .limit(paging.limit())
        .offset(paging.offset());
    if let Some(after) = paging.after() {
        query = query.filter(revisions::version.lt(*after));
    }
    let rows = query.load(conn)?;
    let total = match paging.count_total {
        true => Some(of_item(resource, item_id).count().get_result(conn)?),
        false => None,
    };
    Ok((rows, total))
}

/// One revision: what it is, the editor view and the input of that version.
pub fn find(
    conn: &mut PgConnection,
    resource: &str,
    item_id: Uuid,
    version: i32,
) -> QueryResult<Option<(RevisionSummary, Value, Value)>> {
    of_item(resource, item_id)
        .filter(revisions::version.eq(version))
        .select((
            RevisionSummary::as_select(),
            revisions::document,
            revisions::input,
        ))
        .first(conn)
        .optional()
}

/// Pins or unpins a revision; false when there is no such revision.
pub fn set_pinned(
    conn: &mut PgConnection,
    resource: &str,
    item_id: Uuid,
    version: i32,
    pinned: bool,
) -> QueryResult<bool> {
    let updated = diesel::update(
        revisions::table
            .filter(revisions::resource.eq(resource))
            .filter(revisions::item_id.eq(item_id))
            .filter(revisions::version.eq(version)),
    )
    .set(revisions::pinned.eq(pinned))
    .execute(conn)?;
    Ok(updated > 0)
}

/// The newest version stored of an item.
pub fn newest(conn: &mut PgConnection, resource: &str, item_id: Uuid) -> QueryResult<Option<i32>> {
    of_item(resource, item_id)
        .select(diesel::dsl::max(revisions::version))
        .first(conn)
}
