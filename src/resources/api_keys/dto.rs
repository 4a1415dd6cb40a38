use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::ApiKeyRow;
use crate::accounts::keys::Scope;

fn scopes_schema() -> RefOr<Schema> {
    let item = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(Scope::ALL.iter().map(|s| s.as_str())));
    RefOr::T(Schema::Array(
        ArrayBuilder::new()
            .items(item)
            .min_items(Some(1))
            .max_items(Some(Scope::ALL.len()))
            .unique_items(true)
            .description(Some(
                "What the key may read, at least one: `content:read` (published content), \
                 `drafts:read` (every item, in the editor view), `assets:read` (the media \
                 library). No scope writes.",
            ))
            .build(),
    ))
}

fn default_rate_limit() -> u32 {
    600
}

fn default_daily_quota() -> u32 {
    100_000
}

/// A key as administrators write it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Partner portal (Ukraine news mirror)",
    "description": "Issued to the partner portal team, contact: web@partners.example.org",
    "scopes": ["content:read"],
    "mission_id": null,
    "locales": ["uk", "en"],
    "rate_limit_per_minute": 600,
    "daily_quota": 100000,
    "expires_at": "2027-03-01T00:00:00Z"
}))]
pub struct ApiKeyInput {
    /// Who holds the key, for people.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
    /// What the key may read; at least one. No scope writes.
    #[schema(schema_with = scopes_schema)]
    pub scopes: Vec<Scope>,
    /// Only this mission's content (its news and itself; the organization and the objectives
    /// too). A key so restricted cannot read the change feed, the feeds or search across missions.
    #[serde(default)]
    pub mission_id: Option<Uuid>,
    /// Only these locales: a request must ask for one of them (`?locale=`).
    #[serde(default)]
    #[schema(value_type = Option<Vec<crate::http::params::DocumentedLocale>>, min_items = 1)]
    pub locales: Option<Vec<String>>,
    /// Requests a minute (on each node).
    #[serde(default = "default_rate_limit")]
    #[schema(minimum = 1, maximum = 100000, example = 600)]
    pub rate_limit_per_minute: u32,
    /// Requests a day (UTC), across nodes.
    #[serde(default = "default_daily_quota")]
    #[schema(minimum = 1, maximum = 100000000, example = 100000)]
    pub daily_quota: u32,
    /// When the key stops working: in the future, at most a year away. Default: 90 days from
    /// its creation.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key. Its secret is shown only when it is made (creation, rotation).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// The key's first characters, to recognise it by (in logs, in a secret scanner's report).
    #[schema(example = "orgcms_4fQ2mZ")]
    pub prefix: String,
    #[schema(schema_with = scopes_schema)]
    pub scopes: Vec<Scope>,
    pub mission_id: Option<Uuid>,
    #[schema(value_type = Option<Vec<crate::http::params::DocumentedLocale>>)]
    pub locales: Option<Vec<String>>,
    pub rate_limit_per_minute: u32,
    pub daily_quota: u32,
    pub expires_at: DateTime<Utc>,
    /// The key before the last rotation works too until this time.
    pub previous_key_expires_at: Option<DateTime<Utc>>,
    /// When it was last used (written by each node every few seconds, not at once).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Requests today (UTC), as written so far.
    pub used_today: i64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ApiKey {
    pub fn new(row: ApiKeyRow) -> Self {
        let now = Utc::now();
        Self {
            id: row.id,
            name: row.name,
            description: row.description,
            prefix: row.prefix,
            scopes: row.scopes.iter().filter_map(|s| Scope::of(s)).collect(),
            mission_id: row.mission_id,
            locales: row.locales,
            rate_limit_per_minute: row.rate_limit_per_minute.max(0) as u32,
            daily_quota: row.daily_quota.max(0) as u32,
            expires_at: row.expires_at,
            previous_key_expires_at: row.previous_key_until.filter(|until| *until > now),
            last_used_at: row.last_used_at,
            used_today: match row.usage_day {
                Some(day) if day == now.date_naive() => row.used_today,
                _ => 0,
            },
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }

    pub fn input(&self) -> ApiKeyInput {
        ApiKeyInput {
            name: self.name.clone(),
            description: self.description.clone(),
            scopes: self.scopes.clone(),
            mission_id: self.mission_id,
            locales: self.locales.clone(),
            rate_limit_per_minute: self.rate_limit_per_minute,
            daily_quota: self.daily_quota,
            expires_at: Some(self.expires_at),
        }
    }
}

/// A key just made, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyWithSecret {
    #[serde(flatten)]
    pub api_key: ApiKey,
    /// Send it as `Authorization: Bearer <key>`. It is not shown again: orgcms keeps only its
    /// SHA-256.
    #[schema(example = "orgcms_4fQ2mZr8GKYqrTwjUPD8ILPZIo2LaLaS1pXk9B")]
    pub key: String,
}
