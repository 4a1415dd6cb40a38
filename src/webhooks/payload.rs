//! What a webhook says: a Standard Webhooks message `{type, timestamp, data}`. The data is thin
//! by default (Stripe's advice: the receiver fetches what it needs): the resource, id, slug,
//! version and locales of the item, its URL, and the change feed's cursor after this change. A
//! subscription with `payload: full` also gets `item`, the item's public representation when the
//! event is first sent (none for `unpublished` and `deleted`).

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::outbox::Claimed;
use crate::app::settings::PublicUrls;
use crate::resources::changes::cursor::{Cursor, NewsKey};

/// The `webhook-id` of an event: the same on every attempt and for every subscription, so a
/// receiver can use it as its idempotency key.
pub fn message_id(event_id: Uuid) -> String {
    format!("msg_{}", event_id.simple())
}

/// The thin data of the event `claimed` delivers.
pub fn thin_data(claimed: &Claimed, urls: &PublicUrls) -> Map<String, Value> {
    let mut data = Map::new();
    if claimed.resource == "webhook" {
        // A ping names its subscription only.
        data.insert("webhook_id".into(), json!(claimed.webhook_id));
        return data;
    }
    data.insert("resource".into(), json!(claimed.resource));
    data.insert("id".into(), json!(claimed.item_id));
    for field in ["slug", "version", "locales"] {
        if let Some(value) = claimed.data.get(field).filter(|v| !v.is_null()) {
            data.insert(field.into(), value.clone());
        }
    }
    if let Some(path) = claimed.data.get("path").and_then(Value::as_str) {
        data.insert("url".into(), json!(urls.api(path)));
    }
    let cursor = Cursor {
        seq: claimed.change_seq,
        published: NewsKey {
            at: claimed.news_key_at,
            id: claimed.news_key_id,
        },
    };
    data.insert("changes_cursor".into(), json!(cursor.encode()));
    data
}

/// The message's bytes; `item` is the public representation for a full payload.
pub fn body(claimed: &Claimed, urls: &PublicUrls, item: Option<Value>) -> String {
    let mut data = thin_data(claimed, urls);
    if let Some(item) = item {
        data.insert("item".into(), item);
    }
    let message = json!({
        "type": claimed.event_type,
        "timestamp": claimed.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": data,
    });
    message.to_string()
}

/// Whether the event's item can have a public representation (the full payload's `item`).
pub fn shows_item(event_type: &str) -> bool {
    event_type.ends_with(".published") || event_type.ends_with(".updated")
}
