//! How editors' writes of missions reach the database (see `crate::content::writes`). A mission is written
//! with all its parts: a write replaces the milestones, focus areas, key figures and assistance
//! types.

use chrono::{Datelike, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::{Mission, MissionEditor, MissionInput};
use super::queries;
use crate::accounts::keys::Owner;
use crate::content::document::Document;
use crate::content::locale::Localized;
use crate::content::locale::RequestLocale;
use crate::content::routes::Readable;
use crate::content::slugs::free_slug;
use crate::content::validation::{slug_base, Checker};
use crate::db::schema::{
    mission_assistance_types, mission_focus_areas, mission_key_figures, mission_milestones,
    missions,
};
use crate::http::error::ApiError;
use crate::http::params::ItemKey;
use crate::media::links::MediaLinks;
use crate::resources::assets::queries::set_uses;

pub struct MissionDocument;

/// The assets the mission uses: its cover.
fn asset_uses(
    conn: &mut PgConnection,
    input: &MissionInput,
) -> Result<Vec<(String, Uuid)>, ApiError> {
    let mut uses = Vec::new();
    if let Some(id) = input.cover_asset_id {
        crate::content::embeds::check_image(conn, "cover_asset_id", id)?;
        uses.push(("cover_asset_id".to_owned(), id));
    }
    Ok(uses)
}

/// At most this many parts of each kind.
const MAX_PARTS: usize = 100;

/// The columns of the mission itself that a write sets: one list for insert and update. A `None`
/// writes NULL (an update that drops the year clears it).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = missions)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
struct MissionForm<'a> {
    slug: String,
    country_code: &'a str,
    name: &'a Localized,
    office_city: &'a Localized,
    started_year: Option<i32>,
    summary: &'a Localized,
    body: &'a Localized,
    cover_asset_id: Option<Uuid>,
}

impl<'a> MissionForm<'a> {
    /// `slug` as the write settles it (the input's may be absent).
    fn from_input(input: &'a MissionInput, slug: String) -> Self {
        Self {
            slug,
            country_code: &input.country_code,
            name: &input.name,
            office_city: &input.office_city,
            started_year: input.started_year,
            summary: &input.summary,
            body: &input.body,
            cover_asset_id: input.cover_asset_id,
        }
    }
}

fn insert_parts(
    conn: &mut PgConnection,
    mission_id: Uuid,
    input: &MissionInput,
) -> Result<(), ApiError> {
    let milestones: Vec<_> = input
        .milestones
        .iter()
        .zip(0..)
        .map(|(m, position)| {
            (
                mission_milestones::mission_id.eq(mission_id),
                mission_milestones::position.eq(position),
                mission_milestones::kind.eq(m.kind.as_str()),
                mission_milestones::year.eq(m.year),
                mission_milestones::date.eq(m.date),
                mission_milestones::title.eq(&m.title),
                mission_milestones::description.eq(&m.description),
            )
        })
        .collect();
    diesel::insert_into(mission_milestones::table)
        .values(milestones)
        .execute(conn)?;
    let focus_areas: Vec<_> = input
        .focus_areas
        .iter()
        .zip(0..)
        .map(|(f, position)| {
            (
                mission_focus_areas::mission_id.eq(mission_id),
                mission_focus_areas::position.eq(position),
                mission_focus_areas::title.eq(&f.title),
                mission_focus_areas::description.eq(&f.description),
            )
        })
        .collect();
    diesel::insert_into(mission_focus_areas::table)
        .values(focus_areas)
        .execute(conn)?;
    let key_figures: Vec<_> = input
        .key_figures
        .iter()
        .zip(0..)
        .map(|(k, position)| {
            (
                mission_key_figures::mission_id.eq(mission_id),
                mission_key_figures::position.eq(position),
                mission_key_figures::label.eq(&k.label),
                mission_key_figures::value.eq(k.value),
                mission_key_figures::unit.eq(&k.unit),
                mission_key_figures::approximate.eq(k.approximate),
                mission_key_figures::as_of.eq(k.as_of),
            )
        })
        .collect();
    diesel::insert_into(mission_key_figures::table)
        .values(key_figures)
        .execute(conn)?;
    let assistance_types: Vec<_> = input
        .assistance_types
        .iter()
        .zip(0..)
        .map(|(a, position)| {
            (
                mission_assistance_types::mission_id.eq(mission_id),
                mission_assistance_types::position.eq(position),
                mission_assistance_types::name.eq(&a.name),
            )
        })
        .collect();
    diesel::insert_into(mission_assistance_types::table)
        .values(assistance_types)
        .execute(conn)?;
    Ok(())
}

fn delete_parts(conn: &mut PgConnection, mission_id: Uuid) -> Result<(), ApiError> {
    diesel::delete(mission_milestones::table.filter(mission_milestones::mission_id.eq(mission_id)))
        .execute(conn)?;
    diesel::delete(
        mission_focus_areas::table.filter(mission_focus_areas::mission_id.eq(mission_id)),
    )
    .execute(conn)?;
    diesel::delete(
        mission_key_figures::table.filter(mission_key_figures::mission_id.eq(mission_id)),
    )
    .execute(conn)?;
    diesel::delete(
        mission_assistance_types::table.filter(mission_assistance_types::mission_id.eq(mission_id)),
    )
    .execute(conn)?;
    Ok(())
}

impl Document for MissionDocument {
    const RESOURCE: &'static str = "missions";
    const COLLECTION: &'static str = "/api/v1/missions";
    const TRASH: bool = true;
    type Input = MissionInput;
    type Editor = MissionEditor;

    fn validate(input: &MissionInput, c: &mut Checker) {
        if let Some(slug) = &input.slug {
            c.slug("slug", slug);
        }
        c.country_code("country_code", &input.country_code);
        c.localized("name", &input.name, 300, true);
        c.localized("office_city", &input.office_city, 200, false);
        if let Some(year) = input.started_year {
            c.range("started_year", year, 1951, 2200);
        }
        c.localized("summary", &input.summary, 2000, false);
        c.localized("body", &input.body, 200_000, false);
        for (name, count) in [
            ("milestones", input.milestones.len()),
            ("focus_areas", input.focus_areas.len()),
            ("key_figures", input.key_figures.len()),
            ("assistance_types", input.assistance_types.len()),
        ] {
            if count > MAX_PARTS {
                c.fail(name, format!("at most {MAX_PARTS} entries"));
            }
        }
        for (i, m) in input.milestones.iter().enumerate() {
            c.range(&format!("milestones[{i}].year"), m.year, 1800, 2200);
            if m.date.is_some_and(|d| d.year() != m.year) {
                c.fail(
                    &format!("milestones[{i}].date"),
                    "must fall in the milestone's year",
                );
            }
            c.localized(&format!("milestones[{i}].title"), &m.title, 300, true);
            c.localized(
                &format!("milestones[{i}].description"),
                &m.description,
                2000,
                false,
            );
        }
        for (i, f) in input.focus_areas.iter().enumerate() {
            c.localized(&format!("focus_areas[{i}].title"), &f.title, 300, true);
            c.localized(
                &format!("focus_areas[{i}].description"),
                &f.description,
                2000,
                false,
            );
        }
        for (i, k) in input.key_figures.iter().enumerate() {
            c.localized(&format!("key_figures[{i}].label"), &k.label, 300, true);
            if !k.value.is_finite() || k.value.abs() > 1e15 {
                c.fail(
                    &format!("key_figures[{i}].value"),
                    "must be a finite number below 10^15",
                );
            }
            if let Some(as_of) = k.as_of {
                c.year_range(&format!("key_figures[{i}].as_of"), as_of.year());
            }
            if let Some(unit) = &k.unit {
                c.plain_text(&format!("key_figures[{i}].unit"), unit, 1, 40);
            }
        }
        for (i, a) in input.assistance_types.iter().enumerate() {
            c.localized(&format!("assistance_types[{i}].name"), &a.name, 300, true);
        }
    }

    crate::content::document::id_or_slug_lookups!(missions);

    fn load(
        conn: &mut PgConnection,
        id: Uuid,
        _links: &MediaLinks,
    ) -> Result<Option<MissionEditor>, ApiError> {
        Ok(queries::find(conn, &ItemKey::Id(id))?.map(MissionEditor::new))
    }

    fn id(editor: &MissionEditor) -> Uuid {
        editor.id
    }

    fn input_of(editor: &MissionEditor) -> MissionInput {
        editor.fields.clone()
    }

    fn insert(
        conn: &mut PgConnection,
        id: Uuid,
        input: MissionInput,
        _links: &MediaLinks,
    ) -> Result<Uuid, ApiError> {
        let slug = match &input.slug {
            Some(slug) => slug.clone(),
            None => free_slug(conn, missions::slug, &slug_base(&input.name, "mission"))?,
        };
        let uses = asset_uses(conn, &input)?;
        let id: Uuid = diesel::insert_into(missions::table)
            .values((missions::id.eq(id), MissionForm::from_input(&input, slug)))
            .returning(missions::id)
            .get_result(conn)?;
        insert_parts(conn, id, &input)?;
        set_uses(conn, "mission", id, &uses)?;
        Ok(id)
    }

    fn update(
        conn: &mut PgConnection,
        current: &MissionEditor,
        input: MissionInput,
        _links: &MediaLinks,
    ) -> Result<(), ApiError> {
        let uses = asset_uses(conn, &input)?;
        let slug = input
            .slug
            .clone()
            .or_else(|| current.fields.slug.clone())
            .unwrap_or_default();
        // `updated_at` is set so that a change of the parts alone also counts as a new version.
        diesel::update(missions::table.find(current.id))
            .set((
                MissionForm::from_input(&input, slug),
                missions::updated_at.eq(Utc::now()),
            ))
            .execute(conn)?;
        delete_parts(conn, current.id)?;
        insert_parts(conn, current.id, &input)?;
        set_uses(conn, "mission", current.id, &uses)?;
        Ok(())
    }

    fn delete(conn: &mut PgConnection, current: &MissionEditor) -> Result<(), ApiError> {
        set_uses(conn, "mission", current.id, &[])?;
        diesel::delete(missions::table.find(current.id)).execute(conn)?;
        Ok(())
    }

    /// Its news, whose `mission_id` the delete sets to null.
    fn written_by_delete(
        conn: &mut PgConnection,
        current: &MissionEditor,
    ) -> Result<Vec<(crate::content::resource::ContentResource, Uuid)>, ApiError> {
        use crate::db::schema::news;
        let ids: Vec<Uuid> = news::table
            .filter(news::mission_id.eq(current.id))
            .select(news::id)
            .load(conn)?;
        Ok(ids
            .into_iter()
            .map(|id| (crate::content::resource::ContentResource::News, id))
            .collect())
    }
}

impl Readable for MissionDocument {
    type Public = Mission;
    const MISSING: &'static str = "no such mission";

    fn owner(item: &Mission) -> Owner {
        Owner::Mission(Some(item.summary.id))
    }

    fn editor_owner(item: &MissionEditor) -> Owner {
        Owner::Mission(Some(item.id))
    }

    fn find_public(
        conn: &mut PgConnection,
        key: &ItemKey,
        locale: &RequestLocale,
        links: &MediaLinks,
    ) -> Result<Option<Mission>, ApiError> {
        Ok(queries::find(conn, key)?.map(|doc| Mission::new(doc, locale, links)))
    }

    fn find_editor(
        conn: &mut PgConnection,
        key: &ItemKey,
        _links: &MediaLinks,
    ) -> Result<Option<MissionEditor>, ApiError> {
        Ok(queries::find(conn, key)?.map(MissionEditor::new))
    }
}
