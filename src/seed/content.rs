//! The seed text, split into the content model. Only English exists in the source; the other
//! locales fall back to it until editors translate.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::seed_id;
use crate::content::locale::Localized;
use crate::db::schema::news;
use crate::resources::missions::queries::{
    AssistanceTypeRow, FocusAreaRow, KeyFigureRow, MilestoneRow, MissionDocument, MissionRow,
};
use crate::resources::objectives::queries::ObjectiveRow;
use crate::resources::organization::queries::OrganizationRow;

fn seed_time() -> DateTime<Utc> {
    // The day the seed was written; a fixed value keeps the seed deterministic.
    NaiveDate::from_ymd_opt(2026, 11, 29)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

fn en(text: &str) -> Localized {
    Localized::en(text)
}

pub fn organization() -> OrganizationRow {
    OrganizationRow {
        id: seed_id("organization"),
        name: en("International Organization for Migration"),
        acronym: "IOM".into(),
        founded_year: 1951,
        un_system_member: true,
        mission_statement: en(
            "IOM is dedicated to promoting humane and orderly migration for the benefit of all.",
        ),
        description: en(
            "Established in 1951, IOM is part of the United Nations System and stands as the \
             leading intergovernmental organization in the field of migration.\n\n\
             With 175 member states, a further 8 states holding observer status and offices in \
             171 countries, IOM is dedicated to promoting humane and orderly migration for the \
             benefit of all. It does so by providing support to migrants across the world, \
             developing effective responses to the shifting dynamics of migration and providing \
             advice on migration policy and practice.\n\n\
             The organization collaborates with governmental, intergovernmental and \
             non-governmental partners to improve the resilience of people on the move, \
             particularly those in situations of vulnerability. It also works closely with \
             governments to manage all forms of mobility, and their impacts. This work includes \
             operations in some of the most complex emergency settings in the world.",
        ),
        constitution_note: en(
            "The IOM Constitution recognizes the link between migration and economic, social \
             and cultural development, as well as to the right of freedom of movement.",
        ),
        member_states: 175,
        observer_states: 8,
        countries_with_offices: 171,
        created_at: seed_time(),
        updated_at: seed_time(),
        version: 1,
    }
}

pub fn objectives() -> Vec<ObjectiveRow> {
    let objectives = [
        (
            "saving-lives-and-protecting-people-on-the-move",
            "Saving lives and protecting people on the move",
            "To fulfill this objective, IOM puts the safety, dignity and protection of people \
             first in the most challenging crisis response contexts in the world.",
        ),
        (
            "driving-solutions-to-displacement",
            "Driving solutions to displacement",
            "In response to this aim, IOM endeavors to reduce the risks and impacts of climate \
             change, environmental degradation, conflict and instability for communities \
             affected by or at risk of displacement.",
        ),
        (
            "facilitating-pathways-for-regular-migration",
            "Facilitating pathways for regular migration",
            "To address this pursuit, IOM prioritizes whole-of-government, whole-of-society \
             approaches to safely connect people, goods, services, knowledge and innovation.",
        ),
    ];
    objectives
        .iter()
        .zip(1..)
        .map(|((slug, title, summary), position)| ObjectiveRow {
            id: seed_id(&format!("objective:{slug}")),
            slug: (*slug).into(),
            position,
            title: en(title),
            summary: en(summary),
            body: Localized::default(),
            created_at: seed_time(),
            updated_at: seed_time(),
            version: 1,
        })
        .collect()
}

pub fn ukraine_mission_id() -> Uuid {
    seed_id("mission:ukraine")
}

pub fn ukraine_mission() -> MissionDocument {
    let mission_id = ukraine_mission_id();
    let part_id =
        |kind: &str, position: i32| seed_id(&format!("mission:ukraine:{kind}:{position}"));
    let milestones = [
        (
            "office_opened",
            1996,
            "The IOM Mission in Ukraine started working in Kyiv",
        ),
        (
            "observer",
            1996,
            "Ukraine received the status of an observer country",
        ),
        (
            "membership_application",
            2001,
            "Ukraine applied for IOM membership",
        ),
        (
            "membership",
            2002,
            "The Ukrainian parliament ratified the Constitution of the Organization",
        ),
    ];
    let focus_areas = [
        "Helping internally displaced persons (IDPs) and people affected by war",
        "Combating human trafficking",
        "Assisting the Government in improving migration and border management systems",
        "Developing health policies with due regard for migrants",
    ];
    let assistance_types = [
        "Non-food and hygiene items",
        "Water supply, sanitation and hygiene interventions",
        "Multi-purpose cash assistance",
        "Health care and mental health and psychosocial support",
        "Assistance to collective centers",
        "Protection",
        "Other types of support",
    ];
    MissionDocument {
        mission: MissionRow {
            id: mission_id,
            slug: "ukraine".into(),
            country_code: "UA".into(),
            name: en("IOM Mission in Ukraine"),
            office_city: en("Kyiv"),
            started_year: Some(1996),
            cover_asset_id: None,
            summary: en(
                "IOM in Ukraine helps internally displaced persons (IDPs) and people affected by \
                 war, combats human trafficking, assists the Government in improving migration \
                 and border management systems, as well as develops health policies with due \
                 regard for migrants.",
            ),
            body: en(
                "The IOM Mission in Ukraine started working in Kyiv in 1996 when Ukraine received \
                 the status of an observer country. In 2001, Ukraine applied for IOM membership, \
                 and in 2002, the Ukrainian parliament ratified the Constitution of the \
                 Organization.\n\n\
                 Since the beginning of the full-scale war in Ukraine, IOM has reoriented its \
                 programs and projects, and reached about six million people with humanitarian \
                 support, which includes non-food and hygiene items; water supply, sanitation \
                 and hygiene interventions; multi-purpose cash assistance; health care and mental \
                 health and psychosocial support; assistance to collective centers; protection \
                 and other types of support.",
            ),
            created_at: seed_time(),
            updated_at: seed_time(),
            version: 1,
        },
        milestones: milestones
            .iter()
            .zip(0..)
            .map(|((kind, year, title), position)| MilestoneRow {
                id: part_id("milestone", position),
                mission_id,
                position,
                kind: (*kind).into(),
                year: *year,
                date: None,
                title: en(title),
                description: Localized::default(),
            })
            .collect(),
        focus_areas: focus_areas
            .iter()
            .zip(0..)
            .map(|(title, position)| FocusAreaRow {
                id: part_id("focus-area", position),
                mission_id,
                position,
                title: en(title),
                description: Localized::default(),
            })
            .collect(),
        key_figures: vec![KeyFigureRow {
            id: part_id("key-figure", 0),
            mission_id,
            position: 0,
            label: en(
                "People reached with humanitarian support since the beginning of the full-scale war",
            ),
            value: 6_000_000.0,
            unit: Some("people".into()),
            approximate: true,
            as_of: None,
        }],
        assistance_types: assistance_types
            .iter()
            .zip(0..)
            .map(|(name, position)| AssistanceTypeRow {
                id: part_id("assistance-type", position),
                mission_id,
                position,
                name: en(name),
            })
            .collect(),
        cover: None,
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = news)]
pub struct SeedNews {
    pub id: Uuid,
    pub slug: &'static str,
    pub title: Localized,
    pub status: &'static str,
    pub published_at: Option<DateTime<Utc>>,
    pub mission_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn news() -> Vec<SeedNews> {
    let slug = "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv";
    // The source gives the date (29.05.2024) but no time: the start of that day in UTC.
    let published_at = NaiveDate::from_ymd_opt(2024, 5, 29)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    vec![SeedNews {
        id: seed_id(&format!("news:{slug}")),
        slug,
        title: en(
            "The Danish Refugee Council Donated 133 Pieces of Equipment to a Dormitory for IDPs in Mykolaiv",
        ),
        status: "published",
        published_at,
        mission_id: Some(ukraine_mission_id()),
        created_at: seed_time(),
        updated_at: seed_time(),
    }]
}
