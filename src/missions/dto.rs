use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::{
    AssistanceTypeRow, FocusAreaRow, KeyFigureRow, MilestoneRow, MissionDocument, MissionRow,
};
use crate::locale::{item_locale, RequestLocale};

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
#[derive(Debug, Serialize, ToSchema)]
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
    "id": "3a1b5c7d-0000-5000-8000-000000000003",
    "kind": "membership",
    "year": 2002,
    "date": null,
    "title": "The Ukrainian parliament ratified the Constitution of the Organization",
    "description": null
}))]
pub struct Milestone {
    pub id: Uuid,
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
    pub id: Uuid,
    #[schema(example = "Combating human trafficking")]
    pub title: String,
    pub description: Option<String>,
}

/// A figure that describes a mission's work.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "3a1b5c7d-0000-5000-8000-000000000010",
    "label": "People reached with humanitarian support since the beginning of the full-scale war",
    "value": 6000000,
    "unit": "people",
    "approximate": true,
    "as_of": null
}))]
pub struct KeyFigure {
    pub id: Uuid,
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
    pub id: Uuid,
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
    fn from_db(kind: &str) -> Self {
        match kind {
            "office_opened" => Self::OfficeOpened,
            "observer" => Self::Observer,
            "membership_application" => Self::MembershipApplication,
            "membership" => Self::Membership,
            _ => Self::Other,
        }
    }
}

impl Mission {
    pub fn new(doc: MissionDocument, locale: &RequestLocale) -> Self {
        let milestone = |m: MilestoneRow| Milestone {
            id: m.id,
            kind: MilestoneKind::from_db(&m.kind),
            year: m.year,
            date: m.date,
            title: m.title.text(locale).unwrap_or_default(),
            description: m.description.text(locale),
        };
        let focus_area = |f: FocusAreaRow| FocusArea {
            id: f.id,
            title: f.title.text(locale).unwrap_or_default(),
            description: f.description.text(locale),
        };
        let key_figure = |k: KeyFigureRow| KeyFigure {
            id: k.id,
            label: k.label.text(locale).unwrap_or_default(),
            value: k.value,
            unit: k.unit,
            approximate: k.approximate,
            as_of: k.as_of,
        };
        let assistance_type = |a: AssistanceTypeRow| AssistanceType {
            id: a.id,
            name: a.name.text(locale).unwrap_or_default(),
        };
        Self {
            summary: MissionSummary::new(&doc.mission, locale),
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
