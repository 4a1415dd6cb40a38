use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use super::dto::TrashedItem;
use crate::db::keyset::row_compare;
use crate::db::schema::{revisions, trash};
use crate::http::pagination::Paging;

/// An item going to the trash.
pub struct NewTrashed<'a> {
    pub resource: &'a str,
    pub item_id: Uuid,
    pub slug: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub document: Value,
    pub input: Value,
    pub deleted_by: Uuid,
    pub deleted_by_email: &'a str,
}

pub fn insert(conn: &mut PgConnection, item: NewTrashed<'_>) -> QueryResult<()> {
    diesel::insert_into(trash::table)
        .values((
            trash::resource.eq(item.resource),
            trash::item_id.eq(item.item_id),
            trash::slug.eq(item.slug),
            trash::version.eq(item.version),
            trash::created_at.eq(item.created_at),
            trash::document.eq(item.document),
            trash::input.eq(item.input),
            trash::deleted_by.eq(item.deleted_by),
            trash::deleted_by_email.eq(item.deleted_by_email),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The list's total order (newest deletion first), and the key a cursor continues after.
pub type TrashKey = (DateTime<Utc>, Uuid);

pub fn key_of(item: &TrashedItem) -> TrashKey {
    (item.deleted_at, item.id)
}

fn filtered(resource: Option<&'static str>) -> trash::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = trash::table.into_boxed();
    if let Some(resource) = resource {
        query = query.filter(trash::resource.eq(resource));
    }
    query
}

/// The trash, newest deletion first; `retention_days` makes each item's `purge_after`.
pub fn list(
    conn: &mut PgConnection,
    resource: Option<&'static str>,
    paging: &Paging<TrashKey>,
    retention_days: u32,
) -> QueryResult<(Vec<TrashedItem>, Option<i64>)> {
    use diesel::sql_types::{Timestamptz, Uuid as SqlUuid};
    let mut query = filtered(resource)
        .select(TrashedItem::as_select())
        .order((trash::deleted_at.desc(), trash::item_id.desc()))
        .limit(paging.limit())
        .offset(paging.offset());
    if let Some((at, id)) = paging.after() {
        query = query.filter(row_compare::<_, Timestamptz, SqlUuid, _, _>(
            "(trash.deleted_at, trash.item_id) < (",
            *at,
            *id,
        ));
    }
    let mut rows = query.load(conn)?;
    for row in &mut rows {
        row.purge_after = purge_after(row.deleted_at, retention_days);
    }
    let total = match paging.count_total {
        true => Some(filtered(resource).count().get_result(conn)?),
        false => None,
    };
    Ok((rows, total))
}

pub fn purge_after(deleted_at: DateTime<Utc>, retention_days: u32) -> DateTime<Utc> {
    deleted_at + chrono::Duration::days(i64::from(retention_days))
}

/// One item of the trash; `for_update` locks it for the rest of the transaction.
pub fn find(
    conn: &mut PgConnection,
    item_id: Uuid,
    for_update: bool,
) -> QueryResult<Option<(TrashedItem, Value)>> {
    let query = trash::table
        .find(item_id)
        .select((TrashedItem::as_select(), trash::input));
    match for_update {
        true => query.for_update().first(conn).optional(),
        false => query.first(conn).optional(),
    }
}

/// Takes an item out of the trash (restored or purged).
pub fn remove(conn: &mut PgConnection, item_id: Uuid) -> QueryResult<usize> {
    diesel::delete(trash::table.find(item_id)).execute(conn)
}

/// Purges one item and its revisions.
pub fn purge(conn: &mut PgConnection, resource: &str, item_id: Uuid) -> QueryResult<()> {
    remove(conn, item_id)?;
    crate::resources::revisions::queries::delete_item(conn, resource, item_id)?;
    Ok(())
}

/// Purges the items deleted before `before`, with their revisions; the number purged.
pub fn purge_before(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    let purged: Vec<(String, Uuid)> =
        diesel::delete(trash::table.filter(trash::deleted_at.lt(before)))
            .returning((trash::resource, trash::item_id))
            .get_results(conn)?;
    for (resource, item_id) in &purged {
        diesel::delete(
            revisions::table
                .filter(revisions::resource.eq(resource))
                .filter(revisions::item_id.eq(item_id)),
        )
        .execute(conn)?;
    }
    Ok(purged.len())
}

/// The id of the item of `resource` in the trash that `key` names.
pub fn id_of(
    conn: &mut PgConnection,
    resource: &str,
    key: &crate::http::params::ItemKey,
) -> QueryResult<Option<Uuid>> {
    use crate::http::params::ItemKey;
    let query = trash::table
        .filter(trash::resource.eq(resource.to_owned()))
        .select(trash::item_id)
        .into_boxed();
    match key {
        ItemKey::Id(id) => query.filter(trash::item_id.eq(*id)).first(conn).optional(),
        ItemKey::Slug(slug) => query
            .filter(trash::slug.eq(slug.clone()))
            .first(conn)
            .optional(),
    }
}
