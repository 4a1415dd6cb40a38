use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::AuditEntry;
use crate::db::keyset::row_compare;
use crate::db::schema::audit_log;
use crate::http::pagination::Paging;

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub user_id: Option<Uuid>,
    pub resource: Option<String>,
    pub item_id: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

fn filtered(filter: &AuditFilter) -> audit_log::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = audit_log::table.into_boxed();
    if let Some(user_id) = filter.user_id {
        query = query.filter(audit_log::user_id.eq(user_id));
    }
    if let Some(resource) = &filter.resource {
        query = query.filter(audit_log::resource.eq(resource.clone()));
    }
    if let Some(item_id) = filter.item_id {
        query = query.filter(audit_log::item_id.eq(item_id));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::at.lt(until));
    }
    query
}

/// The list's total order (newest first), and the key a cursor continues after.
pub type AuditKey = (DateTime<Utc>, i64);

pub fn key_of(entry: &AuditEntry) -> AuditKey {
    (entry.at, entry.id)
}

/// Newest first.
pub fn list(
    conn: &mut PgConnection,
    filter: &AuditFilter,
    paging: &Paging<AuditKey>,
) -> QueryResult<(Vec<AuditEntry>, Option<i64>)> {
    use diesel::sql_types::{BigInt, Timestamptz};
    let mut query = filtered(filter)
        .select(AuditEntry::as_select())
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(paging.limit())
        .offset(paging.offset());
    if let Some((at, id)) = paging.after() {
        query = query.filter(row_compare::<_, Timestamptz, BigInt, _, _>(
            "(audit_log.at, audit_log.id) < (",
            *at,
            *id,
        ));
    }
    let rows = query.load(conn)?;
    let total = match paging.count_total {
        true => Some(filtered(filter).count().get_result(conn)?),
        false => None,
    };
    Ok((rows, total))
}

/// Records one write; called inside the write's transaction. `user_id` is None for a write of
/// no account's (`orgcms import`).
pub fn record(
    conn: &mut PgConnection,
    user_id: impl Into<Option<Uuid>>,
    user_email: &str,
    action: &str,
    resource: &str,
    item_id: Uuid,
    changes: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::user_id.eq(user_id.into()),
            audit_log::user_email.eq(user_email),
            audit_log::action.eq(action),
            audit_log::resource.eq(resource),
            audit_log::item_id.eq(item_id),
            audit_log::changes.eq(changes),
        ))
        .execute(conn)
        .map(|_| ())
}
