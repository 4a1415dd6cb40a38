use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::feed::{Entry, Page, State};
use crate::content::locale::RequestLocale;
use crate::media::links::MediaLinks;
use crate::resources::missions::dto::Mission;
use crate::resources::news::dto::News;
use crate::resources::objectives::dto::Objective;
use crate::resources::organization::dto::Organization;

/// The kinds of content in the change feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "news")]
pub enum Resource {
    Organization,
    Objective,
    Mission,
    News,
}

impl Resource {
    pub fn from_db(value: &str) -> Option<Self> {
        match value {
            "organization" => Some(Self::Organization),
            "objective" => Some(Self::Objective),
            "mission" => Some(Self::Mission),
            "news" => Some(Self::News),
            _ => None,
        }
    }
}

/// `upsert`: the item is public; store this representation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpsertOp {
    Upsert,
}

/// `delete`: the item is gone or no longer public; remove it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeleteOp {
    Delete,
}

/// One struct per kind of content: the schema then says exactly which `item` goes with which
/// `resource`.
macro_rules! upsert {
    (
        $name:ident, $tag:ident, $variant:ident, $tag_text:literal, $item:ty,
        $doc:literal, $item_doc:literal, $example:expr
    ) => {
        #[doc = $doc]
        #[derive(Debug, Serialize, ToSchema)]
        #[schema(example = $example)]
        pub struct $name {
            #[doc = concat!("Always `", $tag_text, "`.")]
            #[schema(inline)]
            pub resource: $tag,
            /// The item's id.
            pub id: Uuid,
            #[schema(inline)]
            pub op: UpsertOp,
            #[doc = $item_doc]
            pub item: $item,
        }

        #[doc = concat!("The resource `", $tag_text, "`.")]
        #[derive(Debug, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $tag {
            $variant,
        }
    };
}

upsert!(
    OrganizationUpsert,
    OrganizationResource,
    Organization,
    "organization",
    Organization,
    "The organization profile, as it is now.",
    "As `GET /api/v1/organization` shows it, in the reader's locale.",
    json!({
        "resource": "organization",
        "id": "0b6f8a52-9f38-5b7c-a0c5-6f1de0c1e001",
        "op": "upsert",
        "item": {
            "id": "0b6f8a52-9f38-5b7c-a0c5-6f1de0c1e001",
            "locale": "en",
            "available_locales": ["en"],
            "name": "International Organization for Migration",
            "acronym": "IOM",
            "founded_year": 1951,
            "un_system_member": true,
            "mission_statement": "IOM is dedicated to promoting humane and orderly migration for the benefit of all.",
            "description": null,
            "constitution_note": null,
            "member_states": 175,
            "observer_states": 8,
            "countries_with_offices": 171,
            "created_at": "2026-11-29T08:00:00Z",
            "updated_at": "2026-11-29T08:00:00Z",
            "version": 1
        }
    })
);
upsert!(
    ObjectiveUpsert,
    ObjectiveResource,
    Objective,
    "objective",
    Objective,
    "An objective, as it is now.",
    "As `GET /api/v1/objectives/{id}` shows it, in the reader's locale.",
    json!({
        "resource": "objective",
        "id": "5e0f0f7e-3f1e-5d6a-8c1b-0d7e6c1f2a01",
        "op": "upsert",
        "item": {
            "id": "5e0f0f7e-3f1e-5d6a-8c1b-0d7e6c1f2a01",
            "slug": "saving-lives-and-protecting-people-on-the-move",
            "position": 1,
            "locale": "en",
            "available_locales": ["en"],
            "title": "Saving lives and protecting people on the move",
            "summary": null,
            "body": null,
            "created_at": "2026-11-29T08:00:00Z",
            "updated_at": "2026-11-29T08:00:00Z",
            "version": 1
        }
    })
);
upsert!(
    MissionUpsert,
    MissionResource,
    Mission,
    "mission",
    Mission,
    "A country mission with all its parts, as it is now.",
    "As `GET /api/v1/missions/{id}` shows it, in the reader's locale.",
    json!({
        "resource": "mission",
        "id": "8c0d2b1e-4b8a-5e55-9d0a-3c2f7a4e9b11",
        "op": "upsert",
        "item": {
            "id": "8c0d2b1e-4b8a-5e55-9d0a-3c2f7a4e9b11",
            "slug": "ukraine",
            "country_code": "UA",
            "locale": "en",
            "available_locales": ["en"],
            "name": "IOM Mission in Ukraine",
            "office_city": "Kyiv",
            "started_year": 1996,
            "summary": null,
            "created_at": "2026-11-29T08:00:00Z",
            "updated_at": "2026-11-29T08:00:00Z",
            "version": 1,
            "body": null,
            "milestones": [{"kind": "observer", "year": 1996, "date": null, "title": "Ukraine became an observer state", "description": null}],
            "focus_areas": [],
            "key_figures": [{"label": "People reached", "value": 6000000, "unit": "people", "approximate": true, "as_of": null}],
            "assistance_types": []
        }
    })
);
upsert!(
    NewsUpsert,
    NewsResource,
    News,
    "news",
    News,
    "A public news item, as it is now.",
    "As `GET /api/v1/news/{id}` shows it, in the reader's locale.",
    json!({
        "resource": "news",
        "id": "757665bd-864d-5dd9-a184-7cad4de31e21",
        "op": "upsert",
        "item": {
            "id": "757665bd-864d-5dd9-a184-7cad4de31e21",
            "slug": "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv",
            "locale": "en",
            "available_locales": ["en"],
            "title": "The Danish Refugee Council Donated 133 Pieces of Equipment to a Dormitory for IDPs in Mykolaiv",
            "summary": null,
            "published_at": "2024-05-29T00:00:00Z",
            "mission": {"id": "8c0d2b1e-4b8a-5e55-9d0a-3c2f7a4e9b11", "slug": "ukraine"},
            "tags": [],
            "cover_image": null,
            "created_at": "2026-11-29T08:00:00Z",
            "updated_at": "2026-11-29T08:00:00Z",
            "version": 1,
            "body": "The **Markdown** body.",
            "body_html": "<p>The <strong>Markdown</strong> body.</p>\n"
        }
    })
);

/// An item that was deleted, or is no longer public (a news item unpublished or archived).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "resource": "news",
    "id": "757665bd-864d-5dd9-a184-7cad4de31e21",
    "op": "delete"
}))]
pub struct Tombstone {
    pub resource: Resource,
    /// The item's id.
    pub id: Uuid,
    #[schema(inline)]
    pub op: DeleteOp,
}

/// One entry of the change feed: the current state of an item that changed, either its public
/// representation (`op` `upsert`) or a tombstone (`op` `delete`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Change {
    Organization(OrganizationUpsert),
    Objective(ObjectiveUpsert),
    Mission(MissionUpsert),
    News(NewsUpsert),
    Delete(Tombstone),
}

impl Change {
    fn new(entry: Entry, locale: &RequestLocale, links: &MediaLinks) -> Self {
        let id = entry.id;
        match entry.state {
            Some(State::Organization(row)) => Self::Organization(OrganizationUpsert {
                resource: OrganizationResource::Organization,
                id,
                op: UpsertOp::Upsert,
                item: Organization::new(row, locale),
            }),
            Some(State::Objective(row)) => Self::Objective(ObjectiveUpsert {
                resource: ObjectiveResource::Objective,
                id,
                op: UpsertOp::Upsert,
                item: Objective::new(row, locale),
            }),
            Some(State::Mission(document)) => Self::Mission(MissionUpsert {
                resource: MissionResource::Mission,
                id,
                op: UpsertOp::Upsert,
                item: Mission::new(*document, locale, links),
            }),
            Some(State::News(row)) => Self::News(NewsUpsert {
                resource: NewsResource::News,
                id,
                op: UpsertOp::Upsert,
                item: News::new(&row, locale, links),
            }),
            None => Self::Delete(Tombstone {
                resource: entry.resource,
                id,
                op: DeleteOp::Delete,
            }),
        }
    }

    /// The locale an upsert's item is shown in.
    pub fn locale(&self) -> Option<&str> {
        match self {
            Self::Organization(o) => Some(&o.item.locale),
            Self::Objective(o) => Some(&o.item.locale),
            Self::Mission(m) => Some(&m.item.summary.locale),
            Self::News(n) => Some(&n.item.summary.locale),
            Self::Delete(_) => None,
        }
    }
}

/// Where the client stands after this response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"next_cursor": "AQAAAAAAAAADAAZhZa4N4AD_____________________bHHllA", "has_more": false}))]
pub struct ChangesMeta {
    /// Send it as `since` in the next call. Opaque: use it as it is.
    #[schema(pattern = "^[A-Za-z0-9_-]{50}$")]
    pub next_cursor: String,
    /// True when more changes are waiting: call again right away with `next_cursor`. False when
    /// the client is up to date (until the next change; poll again later).
    pub has_more: bool,
}

/// Changes since a cursor, in commit order: each changed item once, in its current state.
/// Applying the entries in order (store upserts by resource and id, remove tombstones) leaves a
/// client with exactly the public content.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "data": [
        {"resource": "news", "id": "221fa788-31f6-423f-8660-3c00e2893455", "op": "delete"},
        {"resource": "objective", "id": "5e0f0f7e-3f1e-5d6a-8c1b-0d7e6c1f2a01", "op": "upsert", "item": {
            "id": "5e0f0f7e-3f1e-5d6a-8c1b-0d7e6c1f2a01",
            "slug": "saving-lives-and-protecting-people-on-the-move",
            "position": 1,
            "locale": "en",
            "available_locales": ["en"],
            "title": "Saving lives and protecting people on the move",
            "summary": "To fulfill this objective, IOM puts the safety, dignity and protection of people first in the most challenging crisis response contexts in the world.",
            "body": null,
            "created_at": "2026-11-29T08:00:00Z",
            "updated_at": "2026-11-29T09:30:00Z",
            "version": 2
        }}
    ],
    "meta": {"next_cursor": "AQAAAAAAAAADAAZhZa4N4AD_____________________bHHllA", "has_more": false}
}))]
pub struct ChangesResponse {
    /// At most `limit` entries; no item twice.
    pub data: Vec<Change>,
    pub meta: ChangesMeta,
}

impl ChangesResponse {
    pub fn new(page: Page, locale: &RequestLocale, links: &MediaLinks) -> Self {
        Self {
            data: page
                .entries
                .into_iter()
                .map(|e| Change::new(e, locale, links))
                .collect(),
            meta: ChangesMeta {
                next_cursor: page.next.encode(),
                has_more: page.has_more,
            },
        }
    }
}
