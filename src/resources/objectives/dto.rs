use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::ObjectiveRow;
use crate::content::locale::{item_locale, RequestLocale};

/// A strategic objective, in the reader's locale.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5e0f0f7e-3f1e-5d6a-8c1b-0d7e6c1f2a01",
    "slug": "saving-lives-and-protecting-people-on-the-move",
    "position": 1,
    "locale": "en",
    "available_locales": ["en"],
    "title": "Saving lives and protecting people on the move",
    "summary": "To fulfill this objective, IOM puts the safety, dignity and protection of people first in the most challenging crisis response contexts in the world.",
    "body": null,
    "created_at": "2026-11-29T08:00:00Z",
    "updated_at": "2026-11-29T08:00:00Z",
    "version": 1
}))]
pub struct Objective {
    pub id: Uuid,
    pub slug: String,
    /// Order among the objectives, ascending.
    pub position: i32,
    /// The locale the objective is shown in (the reader's, or the default one it fell back to).
    pub locale: String,
    /// The locales the objective's title is written in.
    pub available_locales: Vec<String>,
    pub title: String,
    pub summary: Option<String>,
    /// Longer text, Markdown.
    pub body: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases by one with every change.
    pub version: i32,
}

impl crate::http::viewer::Shown for Objective {
    fn shown_locale(&self) -> &str {
        &self.locale
    }
}

impl Objective {
    pub fn new(row: ObjectiveRow, locale: &RequestLocale) -> Self {
        let (shown, available) = item_locale(&row.title, locale);
        Self {
            id: row.id,
            slug: row.slug,
            position: row.position,
            locale: shown,
            available_locales: available,
            title: row.title.text(locale).unwrap_or_default(),
            summary: row.summary.text(locale),
            body: row.body.text(locale),
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// An objective as editors write it: every locale at once.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": {"en": "Saving lives and protecting people on the move"},
    "summary": {"en": "To fulfill this objective, ..."},
    "position": 1
}))]
pub struct ObjectiveInput {
    /// Generated from the default-locale title when absent; kept when the title changes.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    /// Order among the objectives; new objectives go last when absent.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i32>,
    /// Required in the default locale; at most 300 characters per locale.
    #[schema(schema_with = crate::content::locale::schemas::required_300)]
    pub title: crate::content::locale::Localized,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_2000)]
    pub summary: crate::content::locale::Localized,
    /// Markdown.
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_200000)]
    pub body: crate::content::locale::Localized,
}

/// An objective as editors read it: all locales.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectiveEditor {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: ObjectiveInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl ObjectiveEditor {
    pub fn new(row: ObjectiveRow) -> Self {
        Self {
            id: row.id,
            fields: ObjectiveInput {
                slug: Some(row.slug),
                position: Some(row.position),
                title: row.title,
                summary: row.summary,
                body: row.body,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// An objective: the public view (one locale) for readers, the editor view for a valid token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ObjectiveView {
    Public(Objective),
    Editor(ObjectiveEditor),
}
