use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::{AttemptRow, DeliveryRow, WebhookRow};

/// The events a subscription may ask for: each resource's item becoming public, changing while
/// public, ceasing to be public, and being deleted.
pub const EVENT_TYPES: [&str; 20] = [
    "news.published",
    "news.updated",
    "news.unpublished",
    "news.deleted",
    "objective.published",
    "objective.updated",
    "objective.unpublished",
    "objective.deleted",
    "mission.published",
    "mission.updated",
    "mission.unpublished",
    "mission.deleted",
    "organization.published",
    "organization.updated",
    "organization.unpublished",
    "organization.deleted",
    "asset.published",
    "asset.updated",
    "asset.unpublished",
    "asset.deleted",
];

fn event_types_schema() -> RefOr<Schema> {
    let item = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(EVENT_TYPES.to_vec()));
    RefOr::T(Schema::Array(
        ArrayBuilder::new()
            .items(item)
            .min_items(Some(1))
            .max_items(Some(EVENT_TYPES.len()))
            .unique_items(true)
            .description(Some("The event types delivered, at least one"))
            .build(),
    ))
}

/// What a subscription receives: the thin message, or the item's public representation too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    #[default]
    Thin,
    Full,
}

impl Payload {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thin => "thin",
            Self::Full => "full",
        }
    }

    pub fn of(text: &str) -> Self {
        if text == "full" {
            Self::Full
        } else {
            Self::Thin
        }
    }
}

fn yes() -> bool {
    true
}

/// A subscription as administrators write it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://partners.example.org/hooks/orgcms",
    "event_types": ["news.published", "news.updated", "news.unpublished", "news.deleted"],
    "mission_id": null,
    "locale": "uk",
    "payload": "thin",
    "active": true,
    "description": "Partner portal: Ukraine news mirror"
}))]
pub struct WebhookInput {
    /// Where events are POSTed: `https` (`http` only where `ORGCMS_WEBHOOK_ALLOW_HTTP` allows
    /// it), a public address, no user name or password, no fragment.
    #[schema(
        max_length = 2000,
        example = "https://partners.example.org/hooks/orgcms"
    )]
    pub url: String,
    #[schema(schema_with = event_types_schema)]
    pub event_types: Vec<String>,
    /// Only events of this mission: its own, and its news items'.
    #[serde(default)]
    pub mission_id: Option<Uuid>,
    /// Only events of items that have text in this locale.
    #[serde(default)]
    #[schema(value_type = Option<crate::http::params::DocumentedLocale>)]
    pub locale: Option<String>,
    #[serde(default)]
    pub payload: Payload,
    /// Off: nothing is delivered (and nothing queued) until it is on again.
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
}

/// A subscription. Its secret is shown only when it is made (creation, rotation).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    #[schema(schema_with = event_types_schema)]
    pub event_types: Vec<String>,
    pub mission_id: Option<Uuid>,
    #[schema(value_type = Option<crate::http::params::DocumentedLocale>)]
    pub locale: Option<String>,
    pub payload: Payload,
    pub active: bool,
    pub description: String,
    /// Why orgcms turned it off (a 410, days of failures); null otherwise.
    pub disabled_reason: Option<String>,
    /// Every attempt has failed since this time; null while deliveries succeed.
    pub failing_since: Option<DateTime<Utc>>,
    /// The secret before the last rotation signs too (a second signature) until this time.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Webhook {
    pub fn new(row: WebhookRow) -> Self {
        let now = Utc::now();
        Self {
            id: row.id,
            url: row.url,
            event_types: row.event_types,
            mission_id: row.mission_id,
            locale: row.locale,
            payload: Payload::of(&row.payload),
            active: row.active,
            description: row.description,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since,
            previous_secret_expires_at: row.previous_secret_until.filter(|until| *until > now),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }

    pub fn input(&self) -> WebhookInput {
        WebhookInput {
            url: self.url.clone(),
            event_types: self.event_types.clone(),
            mission_id: self.mission_id,
            locale: self.locale.clone(),
            payload: self.payload,
            active: self.active,
            description: self.description.clone(),
        }
    }
}

/// A subscription just made, with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` + base64 of 32 random bytes: verify each message's `webhook-signature` with it
    /// (Standard Webhooks 1.0). It is not shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwJt2Yf8lT5Yw=")]
    pub secret: String,
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status; null when there was no answer (see `error`).
    pub status: Option<i32>,
    pub latency_ms: i32,
    /// The first KiB of the receiver's answer.
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

/// The state of a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet: the next attempt is at `next_attempt_at`.
    Pending,
    Delivered,
    /// Every attempt failed (or the receiver answered 410).
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    fn of(text: &str) -> Self {
        match text {
            "delivered" => Self::Delivered,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// One event sent (or to be sent) to one subscription, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    /// The `webhook-id` header of every attempt.
    #[schema(example = "msg_2f0c7a8e6b1d4c3e9a5f8d7e6c5b4a39")]
    pub message_id: String,
    #[schema(example = "news.published")]
    pub event_type: String,
    pub state: DeliveryState,
    pub attempts: i32,
    /// For a pending delivery: when it is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Every attempt, the first first.
    pub attempt_log: Vec<DeliveryAttempt>,
}

impl Delivery {
    pub fn new(row: DeliveryRow, attempts: Vec<AttemptRow>) -> Self {
        let state = DeliveryState::of(&row.state);
        Self {
            id: row.id,
            message_id: crate::webhooks::payload::message_id(row.event_id),
            event_type: row.event_type,
            state,
            attempts: row.attempts,
            next_attempt_at: (state == DeliveryState::Pending).then_some(row.next_attempt_at),
            last_status: row.last_status,
            last_error: row.last_error,
            created_at: row.created_at,
            delivered_at: row.delivered_at,
            attempt_log: attempts
                .into_iter()
                .map(|a| DeliveryAttempt {
                    attempted_at: a.attempted_at,
                    status: a.status,
                    latency_ms: a.latency_ms,
                    response_excerpt: a.response_excerpt,
                    error: a.error,
                })
                .collect(),
        }
    }
}

/// What to send again: every event after a time, or after an event the receiver has.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"since": "2026-12-01T00:00:00Z"}))]
pub struct ReplayRequest {
    /// Every event that occurred after this time.
    pub since: Option<DateTime<Utc>>,
    /// Every event after this one (a `webhook-id` the receiver has).
    #[schema(
        example = "msg_2f0c7a8e6b1d4c3e9a5f8d7e6c5b4a39",
        pattern = "^msg_[0-9a-f]{32}$"
    )]
    pub after: Option<String>,
}

/// How many deliveries a replay queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct Replayed {
    pub queued: i64,
}
