//! The seed: exactly the content of `shared/seed/about-iom-ukraine.txt`, nothing invented.
//! Every row has a fixed id derived from its name, and nothing is written over: running the seed
//! again (or after editors changed the content) changes nothing.

mod content;
pub mod synthetic;

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{
    mission_assistance_types, mission_focus_areas, mission_key_figures, mission_milestones,
    missions, news, objectives, organization,
};

/// The namespace of the seed's name-based (v5) UUIDs.
const SEED_NAMESPACE: Uuid = Uuid::from_u128(0x6f72_6763_6d73_5000_8000_7365_6564_0001);

pub fn seed_id(name: &str) -> Uuid {
    Uuid::new_v5(&SEED_NAMESPACE, name.as_bytes())
}

/// How many rows a run inserted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub inserted: usize,
}

pub fn seed(conn: &mut PgConnection) -> QueryResult<SeedReport> {
    conn.transaction(|conn| {
        let mut inserted = diesel::insert_into(organization::table)
            .values(content::organization())
            .on_conflict_do_nothing()
            .execute(conn)?;
        inserted += diesel::insert_into(objectives::table)
            .values(content::objectives())
            .on_conflict_do_nothing()
            .execute(conn)?;
        let mission = content::ukraine_mission();
        let mission_inserted = diesel::insert_into(missions::table)
            .values(&mission.mission)
            .on_conflict_do_nothing()
            .execute(conn)?;
        // The parts come with the mission; once it exists, they are the editors' to change.
        if mission_inserted == 1 {
            inserted += 1;
            inserted += diesel::insert_into(mission_milestones::table)
                .values(&mission.milestones)
                .execute(conn)?;
            inserted += diesel::insert_into(mission_focus_areas::table)
                .values(&mission.focus_areas)
                .execute(conn)?;
            inserted += diesel::insert_into(mission_key_figures::table)
                .values(&mission.key_figures)
                .execute(conn)?;
            inserted += diesel::insert_into(mission_assistance_types::table)
                .values(&mission.assistance_types)
                .execute(conn)?;
        }
        inserted += diesel::insert_into(news::table)
            .values(content::news())
            .on_conflict_do_nothing()
            .execute(conn)?;
        crate::resources::news::queries::render_missing_bodies(conn)?;
        Ok(SeedReport { inserted })
    })
}
