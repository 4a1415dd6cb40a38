use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::schema::revisions;

/// One version of an item, without its content.
#[derive(Clone, Debug, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = revisions, check_for_backend(diesel::pg::Pg))]
#[schema(example = json!({
    "version": 3,
    "created_at": "2026-12-02T09:00:00Z",
    "author_id": "2f0c7a8e-6b1d-4c3e-9a5f-8d7e6c5b4a39",
    "author_email": "editor@example.org",
    "was_public": true,
    "pinned": false
}))]
pub struct RevisionSummary {
    /// The item's `version` that this revision is.
    pub version: i32,
    /// When this version was written.
    pub created_at: DateTime<Utc>,
    /// The account that wrote it (kept when the account is gone).
    pub author_id: Option<Uuid>,
    pub author_email: String,
    /// Readers could see this version (a published news item; every version of the other
    /// resources): retention keeps it.
    pub was_public: bool,
    /// Pinned by an editor: retention keeps it.
    pub pinned: bool,
}

/// One version of an item, with the item as editors read it then.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "version": 3,
    "created_at": "2026-12-02T09:00:00Z",
    "author_id": "2f0c7a8e-6b1d-4c3e-9a5f-8d7e6c5b4a39",
    "author_email": "editor@example.org",
    "was_public": true,
    "pinned": false,
    "document": {"id": "757665bd-864d-5dd9-a184-7cad4de31e21", "slug": "winter-response",
                 "title": {"en": "Winter response"}, "version": 3}
}))]
pub struct Revision {
    #[serde(flatten)]
    pub summary: RevisionSummary,
    /// The editor view of the item at this version (as `GET` with a token answered then).
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

/// The difference between two versions of an item.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "from": 2,
    "to": 3,
    "patch": [
        {"op": "replace", "path": "/title/en", "value": "Winter response 2026"},
        {"op": "add", "path": "/title/uk", "value": "Зимове реагування"}
    ]
}))]
pub struct RevisionDiff {
    pub from: i32,
    pub to: i32,
    /// The RFC 6902 JSON Patch that turns version `from`'s editor view into version `to`'s:
    /// each operation names the changed field by its JSON Pointer (a localized field's locale
    /// is its last segment, e.g. `/title/uk`). `version` and `updated_at` are left out.
    #[schema(value_type = Vec<Object>)]
    pub patch: serde_json::Value,
}

/// Which two versions to compare.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older version.
    #[param(minimum = 1, example = 2)]
    pub from: i32,
    /// The newer version; the current one when absent.
    #[param(minimum = 1, example = 3)]
    pub to: Option<i32>,
}

/// How a restore treats the item's publication state.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RestoreQuery {
    /// Also bring back the publication state the revision (or the deleted item) had. By
    /// default a restore of a revision keeps the item's current state, and an item restored
    /// from the trash comes back as a draft.
    #[param(example = false)]
    pub with_publication: Option<bool>,
}
