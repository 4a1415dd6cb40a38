use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::AuditEntry;
use crate::db::schema::audit_log;
use crate::pagination::Paging;

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

/// Newest first.
pub fn list(
    conn: &mut PgConnection,
    filter: &AuditFilter,
    paging: Paging,
) -> QueryResult<(Vec<AuditEntry>, i64)> {
    let rows = filtered(filter)
        .select(AuditEntry::as_select())
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(paging.limit())
        .offset(paging.offset())
        .load(conn)?;
    Ok((rows, filtered(filter).count().get_result(conn)?))
}

/// Records one write; called inside the write's transaction.
pub fn record(
    conn: &mut PgConnection,
    user_id: Uuid,
    user_email: &str,
    action: &str,
    resource: &str,
    item_id: Uuid,
    changes: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::user_id.eq(user_id),
            audit_log::user_email.eq(user_email),
            audit_log::action.eq(action),
            audit_log::resource.eq(resource),
            audit_log::item_id.eq(item_id),
            audit_log::changes.eq(changes),
        ))
        .execute(conn)
        .map(|_| ())
}
