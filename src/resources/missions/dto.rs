use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::{
    AssistanceTypeRow, FocusAreaRow, KeyFigureRow, MilestoneRow, MissionDocument, MissionRow,
};
use crate::content::locale::{item_locale, Localized, RequestLocale};
use crate::media::links::MediaLinks;
use crate::resources::news::dto::CoverImage;

/// A country mission as it appears in lists, in the reader's locale.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "8c0d2b1e-4b8a-5e55-9d0a-3c2f7a4e9b11",
    "slug": "ukraine",
    "country_code": "UA",
    "locale": "en",
    "available_locales": ["en"],
    "name": "IOM Mission in Ukraine",
    "office_city": "Kyiv",
    "started_year": 1996,
    "summary": "IOM in Ukraine helps internally displaced persons (IDPs) and people affected by war, ...",
    "created_at": "2026-11-29T08:00:00Z",
    "updated_at": "2026-11-29T08:00:00Z",
    "version": 1
}))]
pub struct MissionSummary {
    pub id: Uuid,
    pub slug: String,
    /// ISO 3166-1 alpha-2 code of the country.
    #[schema(example = "UA")]
    pub country_code: String,
    /// The locale the mission is shown in (the reader's, or the default one it fell back to).
    pub locale: String,
    /// The locales the mission's name is written in.
    pub available_locales: Vec<String>,
    pub name: String,
    /// The city of the mission's main office.
    pub office_city: Option<String>,
    /// The year the mission started working.
    pub started_year: Option<i32>,
    pub summary: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases by one with every change of the mission or its parts.
    pub version: i32,
}

/// A country mission with all its parts, in the reader's locale.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mission {
    #[serde(flatten)]
    pub summary: MissionSummary,
    /// The mission's cover picture, from the media library.
    pub cover_image: Option<CoverImage>,
    /// Longer text, Markdown.
    pub body: Option<String>,
    /// The mission's history, oldest first.
    pub milestones: Vec<Milestone>,
    /// The lines of work of the mission.
    pub focus_areas: Vec<FocusArea>,
    /// Figures as numbers, for apps to format.
    pub key_figures: Vec<KeyFigure>,
    /// The kinds of assistance the mission provides.
    pub assistance_types: Vec<AssistanceType>,
}

/// What a milestone marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    OfficeOpened,
    Observer,
    MembershipApplication,
    Membership,
    Other,
}

/// A dated event in the mission's history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "kind": "membership",
    "year": 2002,
    "date": null,
    "title": "The Ukrainian parliament ratified the Constitution of the Organization",
    "description": null
}))]
pub struct Milestone {
    pub kind: MilestoneKind,
    pub year: i32,
    /// The exact day, when it is known.
    pub date: Option<NaiveDate>,
    pub title: String,
    pub description: Option<String>,
}

/// A line of work of a mission.
#[derive(Debug, Serialize, ToSchema)]
pub struct FocusArea {
    #[schema(example = "Combating human trafficking")]
    pub title: String,
    pub description: Option<String>,
}

/// A figure that describes a mission's work.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "label": "People reached with humanitarian support since the beginning of the full-scale war",
    "value": 6000000,
    "unit": "people",
    "approximate": true,
    "as_of": null
}))]
pub struct KeyFigure {
    pub label: String,
    /// The number itself; whole numbers are sent without a fraction.
    #[serde(serialize_with = "plain_number")]
    pub value: f64,
    /// What is counted, e.g. `people`.
    pub unit: Option<String>,
    /// True when the source gives the figure as an approximation ("about").
    pub approximate: bool,
    /// The day the figure refers to, when the source gives one.
    pub as_of: Option<NaiveDate>,
}

/// A kind of assistance a mission provides.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssistanceType {
    #[schema(example = "Multi-purpose cash assistance")]
    pub name: String,
}

/// Sends 6000000.0 as `6000000`, so that clients see whole numbers as integers.
fn plain_number<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
    if value.fract() == 0.0 && value.abs() < EXACT_INTEGER_LIMIT {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

impl crate::http::viewer::Shown for MissionSummary {
    fn shown_locale(&self) -> &str {
        &self.locale
    }
}

impl MissionSummary {
    pub fn new(row: &MissionRow, locale: &RequestLocale) -> Self {
        let (shown, available) = item_locale(&row.name, locale);
        Self {
            id: row.id,
            slug: row.slug.clone(),
            country_code: row.country_code.clone(),
            locale: shown,
            available_locales: available,
            name: row.name.text(locale).unwrap_or_default(),
            office_city: row.office_city.text(locale),
            started_year: row.started_year,
            summary: row.summary.text(locale),
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

impl MilestoneKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OfficeOpened => "office_opened",
            Self::Observer => "observer",
            Self::MembershipApplication => "membership_application",
            Self::Membership => "membership",
            Self::Other => "other",
        }
    }

    pub fn from_db(kind: &str) -> Self {
        match kind {
            "office_opened" => Self::OfficeOpened,
            "observer" => Self::Observer,
            "membership_application" => Self::MembershipApplication,
            "membership" => Self::Membership,
            _ => Self::Other,
        }
    }
}

impl crate::http::viewer::Shown for Mission {
    fn shown_locale(&self) -> &str {
        &self.summary.locale
    }
}

impl Mission {
    pub fn new(doc: MissionDocument, locale: &RequestLocale, links: &MediaLinks) -> Self {
        let milestone = |m: MilestoneRow| Milestone {
            kind: MilestoneKind::from_db(&m.kind),
            year: m.year,
            date: m.date,
            title: m.title.text(locale).unwrap_or_default(),
            description: m.description.text(locale),
        };
        let focus_area = |f: FocusAreaRow| FocusArea {
            title: f.title.text(locale).unwrap_or_default(),
            description: f.description.text(locale),
        };
        let key_figure = |k: KeyFigureRow| KeyFigure {
            label: k.label.text(locale).unwrap_or_default(),
            value: k.value,
            unit: k.unit,
            approximate: k.approximate,
            as_of: k.as_of,
        };
        let assistance_type = |a: AssistanceTypeRow| AssistanceType {
            name: a.name.text(locale).unwrap_or_default(),
        };
        Self {
            summary: MissionSummary::new(&doc.mission, locale),
            cover_image: CoverImage::of(
                doc.cover.as_ref(),
                None,
                &Localized::default(),
                locale,
                links,
            ),
            body: doc.mission.body.text(locale),
            milestones: doc.milestones.into_iter().map(milestone).collect(),
            focus_areas: doc.focus_areas.into_iter().map(focus_area).collect(),
            key_figures: doc.key_figures.into_iter().map(key_figure).collect(),
            assistance_types: doc
                .assistance_types
                .into_iter()
                .map(assistance_type)
                .collect(),
        }
    }
}

/// A milestone as editors write it.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneInput {
    pub kind: MilestoneKind,
    #[schema(minimum = 1800, maximum = 2200)]
    pub year: i32,
    /// The exact day, when it is known; its year must be `year`.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    #[schema(schema_with = crate::content::locale::schemas::required_300)]
    pub title: Localized,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_2000)]
    pub description: Localized,
}

/// A focus area as editors write it.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FocusAreaInput {
    #[schema(schema_with = crate::content::locale::schemas::required_300)]
    pub title: Localized,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_2000)]
    pub description: Localized,
}

/// A key figure as editors write it.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyFigureInput {
    #[schema(schema_with = crate::content::locale::schemas::required_300)]
    pub label: Localized,
    #[schema(minimum = -1e15, maximum = 1e15)]
    pub value: f64,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 40, pattern = "^[^\\u0000]*$")]
    pub unit: Option<String>,
    #[serde(default)]
    pub approximate: bool,
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// An assistance type as editors write it.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistanceTypeInput {
    #[schema(schema_with = crate::content::locale::schemas::required_300)]
    pub name: Localized,
}

/// A mission as editors write it: every locale, and all its parts (which the write replaces).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "country_code": "MD",
    "name": {"en": "IOM Mission in Moldova"},
    "office_city": {"en": "Chisinau"},
    "milestones": [{"kind": "office_opened", "year": 2001, "title": {"en": "The mission opened"}}],
    "key_figures": [{"label": {"en": "People reached"}, "value": 1000, "unit": "people", "approximate": true}]
}))]
pub struct MissionInput {
    /// Generated from the default-locale name when absent; kept when the name changes.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    #[schema(schema_with = crate::http::params::schemas::country_code)]
    pub country_code: String,
    #[schema(schema_with = crate::content::locale::schemas::required_300)]
    pub name: Localized,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_200)]
    pub office_city: Localized,
    #[serde(default)]
    #[schema(minimum = 1951, maximum = 2200)]
    pub started_year: Option<i32>,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_2000)]
    pub summary: Localized,
    /// Markdown.
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_200000)]
    pub body: Localized,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub milestones: Vec<MilestoneInput>,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub focus_areas: Vec<FocusAreaInput>,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub key_figures: Vec<KeyFigureInput>,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub assistance_types: Vec<AssistanceTypeInput>,
    /// The mission's cover, an image of the media library.
    #[serde(default)]
    pub cover_asset_id: Option<Uuid>,
}

/// A mission as editors read it: all locales and parts.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissionEditor {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: MissionInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases by one with every change of the mission or its parts.
    pub version: i32,
}

impl MissionEditor {
    pub fn new(doc: MissionDocument) -> Self {
        let m = doc.mission;
        Self {
            id: m.id,
            fields: MissionInput {
                slug: Some(m.slug),
                country_code: m.country_code,
                name: m.name,
                office_city: m.office_city,
                started_year: m.started_year,
                summary: m.summary,
                body: m.body,
                cover_asset_id: m.cover_asset_id,
                milestones: doc
                    .milestones
                    .into_iter()
                    .map(|x| MilestoneInput {
                        kind: MilestoneKind::from_db(&x.kind),
                        year: x.year,
                        date: x.date,
                        title: x.title,
                        description: x.description,
                    })
                    .collect(),
                focus_areas: doc
                    .focus_areas
                    .into_iter()
                    .map(|x| FocusAreaInput {
                        title: x.title,
                        description: x.description,
                    })
                    .collect(),
                key_figures: doc
                    .key_figures
                    .into_iter()
                    .map(|x| KeyFigureInput {
                        label: x.label,
                        value: x.value,
                        unit: x.unit,
                        approximate: x.approximate,
                        as_of: x.as_of,
                    })
                    .collect(),
                assistance_types: doc
                    .assistance_types
                    .into_iter()
                    .map(|x| AssistanceTypeInput { name: x.name })
                    .collect(),
            },
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A mission: the public view (one locale) for readers, the editor view for a valid token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MissionView {
    Public(Mission),
    Editor(MissionEditor),
}

/// An item of the mission list: the public summary, or the editor view for a valid token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MissionListItem {
    Public(MissionSummary),
    Editor(MissionEditor),
}
