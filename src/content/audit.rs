//! What the audit log says of a write: who did what to which item, and the fields it changed.

use diesel::PgConnection;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::accounts::auth::extractor::Editor;
use crate::http::error::ApiError;

/// The top-level fields that differ, as `{field: {"from": old, "to": new}}`.
pub fn changes(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut changed = Map::new();
    for key in before.keys().chain(after.keys()) {
        if matches!(key.as_str(), "updated_at" | "version") || changed.contains_key(key) {
            continue;
        }
        let (old, new) = (
            before.get(key).unwrap_or(&Value::Null),
            after.get(key).unwrap_or(&Value::Null),
        );
        if old != new {
            changed.insert(key.clone(), serde_json::json!({"from": old, "to": new}));
        }
    }
    Value::Object(changed)
}

/// Records one entry of the audit log.
pub fn record(
    conn: &mut PgConnection,
    editor: &Editor,
    action: &str,
    resource: &str,
    item_id: Uuid,
    changes: Value,
) -> Result<(), ApiError> {
    Ok(crate::resources::audit::queries::record(
        conn,
        editor.id,
        &editor.email,
        action,
        resource,
        item_id,
        changes,
    )?)
}

/// Records the change of an administrators' resource (webhooks, API keys) from `before` to
/// `after` (None: it did not exist, or no longer does).
pub fn record_change<T: serde::Serialize>(
    conn: &mut PgConnection,
    editor: &Editor,
    action: &str,
    resource: &str,
    item_id: Uuid,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<(), ApiError> {
    let json = |item: Option<&T>| {
        item.map(serde_json::to_value)
            .transpose()
            .map(Option::unwrap_or_default)
            .map_err(|e| ApiError::Internal(e.to_string()))
    };
    let changes = changes(&json(before)?, &json(after)?);
    record(conn, editor, action, resource, item_id, changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_list_only_what_differs() {
        let before =
            json!({"id": 1, "title": {"en": "a"}, "tags": [], "version": 1, "updated_at": "x"});
        let after =
            json!({"id": 1, "title": {"en": "b"}, "tags": [], "version": 2, "updated_at": "y"});
        assert_eq!(
            changes(&before, &after),
            json!({"title": {"from": {"en": "a"}, "to": {"en": "b"}}})
        );
        assert_eq!(changes(&Value::Null, &json!({"a": 1}))["a"]["to"], 1);
        assert_eq!(changes(&json!({"a": 1}), &Value::Null)["a"]["from"], 1);
    }
}
