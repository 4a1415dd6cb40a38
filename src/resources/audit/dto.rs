use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::audit_log;

/// One write: who, what, which item, when, and the fields that changed.
#[derive(Debug, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
#[schema(example = json!({
    "id": 42,
    "at": "2026-11-29T09:00:00Z",
    "user_id": "2f0c7a8e-6b1d-4c3e-9a5f-8d7e6c5b4a39",
    "user_email": "editor@example.org",
    "action": "update",
    "resource": "news",
    "item_id": "757665bd-864d-5dd9-a184-7cad4de31e21",
    "changes": {"status": {"from": "draft", "to": "published"}}
}))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The account that wrote (kept even when the account is gone).
    pub user_id: Option<Uuid>,
    pub user_email: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// `organization`, `objectives`, `missions`, `news`, `assets` or `users`.
    pub resource: String,
    pub item_id: Uuid,
    /// `{field: {"from": old, "to": new}}` for every field that changed.
    pub changes: serde_json::Value,
}
