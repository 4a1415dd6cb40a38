use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::OrganizationRow;
use crate::content::locale::{item_locale, Localized, RequestLocale};

/// The organization's profile, in the reader's locale.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0b6f8a52-9f38-5b7c-a0c5-6f1de0c1e001",
    "locale": "en",
    "available_locales": ["en"],
    "name": "International Organization for Migration",
    "acronym": "IOM",
    "founded_year": 1951,
    "un_system_member": true,
    "mission_statement": "IOM is dedicated to promoting humane and orderly migration for the benefit of all.",
    "description": "The organization collaborates with governmental, intergovernmental and non-governmental partners ...",
    "constitution_note": "The IOM Constitution recognizes the link between migration and economic, social and cultural development, as well as to the right of freedom of movement.",
    "member_states": 175,
    "observer_states": 8,
    "countries_with_offices": 171,
    "created_at": "2026-11-29T08:00:00Z",
    "updated_at": "2026-11-29T08:00:00Z",
    "version": 1
}))]
pub struct Organization {
    pub id: Uuid,
    /// The locale the profile is shown in (the reader's, or the default one it fell back to).
    pub locale: String,
    /// The locales the profile is written in.
    pub available_locales: Vec<String>,
    pub name: String,
    pub acronym: String,
    /// The year the organization was established.
    pub founded_year: i32,
    /// Whether the organization is part of the United Nations system.
    pub un_system_member: bool,
    pub mission_statement: Option<String>,
    pub description: Option<String>,
    /// What the organization's constitution says about its purpose.
    pub constitution_note: Option<String>,
    /// Number of member states.
    pub member_states: i32,
    /// Number of states with observer status.
    pub observer_states: i32,
    /// Number of countries the organization has offices in.
    pub countries_with_offices: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases by one with every change.
    pub version: i32,
}

impl crate::http::viewer::Shown for Organization {
    fn shown_locale(&self) -> &str {
        &self.locale
    }
}

impl Organization {
    pub fn new(row: OrganizationRow, locale: &RequestLocale) -> Self {
        let (shown, available) = item_locale(&row.name, locale);
        Self {
            id: row.id,
            locale: shown,
            available_locales: available,
            name: row.name.text(locale).unwrap_or_default(),
            acronym: row.acronym,
            founded_year: row.founded_year,
            un_system_member: row.un_system_member,
            mission_statement: row.mission_statement.text(locale),
            description: row.description.text(locale),
            constitution_note: row.constitution_note.text(locale),
            member_states: row.member_states,
            observer_states: row.observer_states,
            countries_with_offices: row.countries_with_offices,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// The profile as editors write it: every locale at once.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": {"en": "International Organization for Migration"},
    "acronym": "IOM",
    "founded_year": 1951,
    "un_system_member": true,
    "member_states": 175,
    "observer_states": 8,
    "countries_with_offices": 171
}))]
pub struct OrganizationInput {
    #[schema(schema_with = crate::content::locale::schemas::required_300)]
    pub name: Localized,
    #[schema(min_length = 1, max_length = 20, pattern = "^[^\\u0000]*$")]
    pub acronym: String,
    #[schema(minimum = 1800, maximum = 2200)]
    pub founded_year: i32,
    pub un_system_member: bool,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_2000)]
    pub mission_statement: Localized,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_20000)]
    pub description: Localized,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_2000)]
    pub constitution_note: Localized,
    #[schema(minimum = 0, maximum = 1000)]
    pub member_states: i32,
    #[schema(minimum = 0, maximum = 1000)]
    pub observer_states: i32,
    #[schema(minimum = 0, maximum = 1000)]
    pub countries_with_offices: i32,
}

/// The profile as editors read it: all locales.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationEditor {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: OrganizationInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl OrganizationEditor {
    pub fn new(row: OrganizationRow) -> Self {
        Self {
            id: row.id,
            fields: OrganizationInput {
                name: row.name,
                acronym: row.acronym,
                founded_year: row.founded_year,
                un_system_member: row.un_system_member,
                mission_statement: row.mission_statement,
                description: row.description,
                constitution_note: row.constitution_note,
                member_states: row.member_states,
                observer_states: row.observer_states,
                countries_with_offices: row.countries_with_offices,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// The profile: the public view (one locale) for readers, the editor view for a valid token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum OrganizationView {
    Public(Organization),
    Editor(OrganizationEditor),
}
