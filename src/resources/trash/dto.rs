use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::schema::trash;

/// A deleted item, as it was when it was deleted.
#[derive(Clone, Debug, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = trash, check_for_backend(diesel::pg::Pg))]
#[schema(example = json!({
    "id": "757665bd-864d-5dd9-a184-7cad4de31e21",
    "resource": "news",
    "slug": "winter-response",
    "version": 4,
    "created_at": "2026-11-20T08:00:00Z",
    "deleted_at": "2026-12-02T09:00:00Z",
    "deleted_by": "2f0c7a8e-6b1d-4c3e-9a5f-8d7e6c5b4a39",
    "deleted_by_email": "editor@example.org",
    "purge_after": "2027-01-01T09:00:00Z",
    "document": {"id": "757665bd-864d-5dd9-a184-7cad4de31e21", "slug": "winter-response",
                 "title": {"en": "Winter response"}, "status": "published", "version": 4}
}))]
pub struct TrashedItem {
    /// The item's id (it comes back with it).
    #[diesel(column_name = item_id)]
    pub id: Uuid,
    /// `objectives`, `missions` or `news`.
    pub resource: String,
    /// Reserved while the item is in the trash: no other item of the resource can take it.
    pub slug: String,
    /// The item's version when it was deleted; a restore writes the next one.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub deleted_at: DateTime<Utc>,
    pub deleted_by: Option<Uuid>,
    pub deleted_by_email: String,
    /// When the retention sweep purges it.
    #[diesel(select_expression = trash::deleted_at)]
    pub purge_after: DateTime<Utc>,
    /// The editor view of the item when it was deleted.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

/// The trash's filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrashQuery {
    /// Only items of this resource.
    #[param(inline, example = "news")]
    pub resource: Option<TrashedResource>,
}

/// The resources whose deletions go to the trash.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrashedResource {
    Objectives,
    Missions,
    News,
}

impl TrashedResource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Objectives => "objectives",
            Self::Missions => "missions",
            Self::News => "news",
        }
    }
}
