use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::content::locale::Localized;
use crate::db::json_rows::JsonRows;
use crate::db::keyset::{nothing, row_compare, Condition};
use crate::db::prepared::prepared;
use crate::db::schema::{
    mission_assistance_types, mission_focus_areas, mission_key_figures, mission_milestones,
    missions,
};
use crate::http::pagination::Paging;
use crate::http::params::ItemKey;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = missions, check_for_backend(diesel::pg::Pg))]
pub struct MissionRow {
    pub id: Uuid,
    pub slug: String,
    pub country_code: String,
    pub name: Localized,
    pub office_city: Localized,
    pub started_year: Option<i32>,
    pub summary: Localized,
    pub body: Localized,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub cover_asset_id: Option<Uuid>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Deserialize)]
#[diesel(table_name = mission_milestones, check_for_backend(diesel::pg::Pg))]
pub struct MilestoneRow {
    pub id: Uuid,
    pub mission_id: Uuid,
    pub position: i32,
    pub kind: String,
    pub year: i32,
    pub date: Option<NaiveDate>,
    pub title: Localized,
    pub description: Localized,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Deserialize)]
#[diesel(table_name = mission_focus_areas, check_for_backend(diesel::pg::Pg))]
pub struct FocusAreaRow {
    pub id: Uuid,
    pub mission_id: Uuid,
    pub position: i32,
    pub title: Localized,
    pub description: Localized,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Deserialize)]
#[diesel(table_name = mission_key_figures, check_for_backend(diesel::pg::Pg))]
pub struct KeyFigureRow {
    pub id: Uuid,
    pub mission_id: Uuid,
    pub position: i32,
    pub label: Localized,
    pub value: f64,
    pub unit: Option<String>,
    pub approximate: bool,
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Deserialize)]
#[diesel(table_name = mission_assistance_types, check_for_backend(diesel::pg::Pg))]
pub struct AssistanceTypeRow {
    pub id: Uuid,
    pub mission_id: Uuid,
    pub position: i32,
    pub name: Localized,
}

/// A mission with all its parts, each in position order.
#[derive(Debug, Clone)]
pub struct MissionDocument {
    pub mission: MissionRow,
    pub milestones: Vec<MilestoneRow>,
    pub focus_areas: Vec<FocusAreaRow>,
    pub key_figures: Vec<KeyFigureRow>,
    pub assistance_types: Vec<AssistanceTypeRow>,
    /// The cover from the media library (`cover_asset_id`).
    pub cover: Option<crate::resources::assets::queries::AssetRow>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissionOrder {
    Slug,
    CountryCode,
    StartedYear,
}

#[derive(Clone, Debug)]
pub struct MissionFilter {
    pub country_code: Option<String>,
    /// The reader's own restriction (an API key's mission).
    pub only: Option<Uuid>,
    pub order: MissionOrder,
    pub descending: bool,
}

fn filtered(filter: &MissionFilter) -> missions::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = missions::table.into_boxed();
    if let Some(code) = &filter.country_code {
        query = query.filter(missions::country_code.eq(code.clone()));
    }
    if let Some(only) = filter.only {
        query = query.filter(missions::id.eq(only));
    }
    query
}

/// The key a cursor continues after: the sort column's value and the id.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum MissionKey {
    /// `slug` and `country_code` orders.
    Text(String, Uuid),
    /// `started_year` order (missions without one come last).
    Year(Option<i32>, Uuid),
}

pub fn key_of(order: MissionOrder) -> impl Fn(&MissionRow) -> MissionKey {
    move |row| match order {
        MissionOrder::Slug => MissionKey::Text(row.slug.clone(), row.id),
        MissionOrder::CountryCode => MissionKey::Text(row.country_code.clone(), row.id),
        MissionOrder::StartedYear => MissionKey::Year(row.started_year, row.id),
    }
}

type MissionQs = missions::table;

/// The missions after `key` in the list's order.
fn after(order: MissionOrder, descending: bool, key: &MissionKey) -> Condition<MissionQs> {
    use diesel::sql_types::{Integer, Text, Uuid as SqlUuid};
    match (order, descending, key.clone()) {
        (MissionOrder::Slug, false, MissionKey::Text(v, id)) => {
            row_compare::<_, Text, SqlUuid, _, _>("(missions.slug, missions.id) > (", v, id)
        }
        (MissionOrder::Slug, true, MissionKey::Text(v, id)) => {
            row_compare::<_, Text, SqlUuid, _, _>("(missions.slug, missions.id) < (", v, id)
        }
        (MissionOrder::CountryCode, false, MissionKey::Text(v, id)) => {
            row_compare::<_, Text, SqlUuid, _, _>("(missions.country_code, missions.id) > (", v, id)
        }
        (MissionOrder::CountryCode, true, MissionKey::Text(v, id)) => {
            row_compare::<_, Text, SqlUuid, _, _>("(missions.country_code, missions.id) < (", v, id)
        }
        // NULLS LAST: after a dated mission come later years and then the undated ones.
        (MissionOrder::StartedYear, false, MissionKey::Year(Some(year), id)) => Box::new(
            row_compare::<_, Integer, SqlUuid, _, _>(
                "(missions.started_year, missions.id) > (",
                year,
                id,
            )
            .or(missions::started_year.is_null()),
        ),
        (MissionOrder::StartedYear, true, MissionKey::Year(Some(year), id)) => Box::new(
            row_compare::<_, Integer, SqlUuid, _, _>(
                "(missions.started_year, missions.id) < (",
                year,
                id,
            )
            .or(missions::started_year.is_null()),
        ),
        (MissionOrder::StartedYear, false, MissionKey::Year(None, id)) => {
            Box::new(missions::started_year.is_null().and(missions::id.gt(id)))
        }
        (MissionOrder::StartedYear, true, MissionKey::Year(None, id)) => {
            Box::new(missions::started_year.is_null().and(missions::id.lt(id)))
        }
        _ => nothing(),
    }
}

pub fn list(
    conn: &mut PgConnection,
    filter: &MissionFilter,
    paging: &Paging<MissionKey>,
) -> QueryResult<(Vec<MissionRow>, Option<i64>)> {
    let mut query = filtered(filter).select(MissionRow::as_select());
    if let Some(key) = paging.after() {
        query = query.filter(after(filter.order, filter.descending, key));
    }
    // The id makes every order total, so pages never overlap.
    let query = match (filter.order, filter.descending) {
        (MissionOrder::Slug, false) => query.order((missions::slug.asc(), missions::id.asc())),
        (MissionOrder::Slug, true) => query.order((missions::slug.desc(), missions::id.desc())),
        (MissionOrder::CountryCode, false) => {
            query.order((missions::country_code.asc(), missions::id.asc()))
        }
        (MissionOrder::CountryCode, true) => {
            query.order((missions::country_code.desc(), missions::id.desc()))
        }
        (MissionOrder::StartedYear, false) => query.order((
            missions::started_year.asc().nulls_last(),
            missions::id.asc(),
        )),
        (MissionOrder::StartedYear, true) => query.order((
            missions::started_year.desc().nulls_last(),
            missions::id.desc(),
        )),
    };
    let rows = crate::db::prepared::prepared(query)
        .page(paging.limit(), paging.offset())
        .load(conn)?;
    let total = match paging.count_total {
        true => Some(filtered(filter).count().get_result(conn)?),
        false => None,
    };
    Ok((rows, total))
}

/// A mission's parts and cover, each as one `jsonb` array (in position order) beside the
/// mission's columns: the whole document in one round trip.
const PARTS: &str = "\
    (SELECT coalesce(jsonb_agg(p ORDER BY p.position), '[]') \
       FROM mission_milestones p WHERE p.mission_id = missions.id), \
    (SELECT coalesce(jsonb_agg(p ORDER BY p.position), '[]') \
       FROM mission_focus_areas p WHERE p.mission_id = missions.id), \
    (SELECT coalesce(jsonb_agg(p ORDER BY p.position), '[]') \
       FROM mission_key_figures p WHERE p.mission_id = missions.id), \
    (SELECT coalesce(jsonb_agg(p ORDER BY p.position), '[]') \
       FROM mission_assistance_types p WHERE p.mission_id = missions.id), \
    (SELECT coalesce(jsonb_agg(a), '[]') FROM assets a WHERE a.id = missions.cover_asset_id)";

type PartsRow = (
    MissionRow,
    (
        JsonRows<MilestoneRow>,
        JsonRows<FocusAreaRow>,
        JsonRows<KeyFigureRow>,
        JsonRows<AssistanceTypeRow>,
        JsonRows<crate::resources::assets::queries::AssetRow>,
    ),
);

pub fn find(conn: &mut PgConnection, key: &ItemKey) -> QueryResult<Option<MissionDocument>> {
    use diesel::sql_types::Jsonb;
    type Parts = (Jsonb, Jsonb, Jsonb, Jsonb, Jsonb);
    let query = missions::table
        .select((MissionRow::as_select(), diesel::dsl::sql::<Parts>(PARTS)))
        .into_boxed();
    let query = match key {
        ItemKey::Id(id) => query.filter(missions::id.eq(*id)),
        ItemKey::Slug(slug) => query.filter(missions::slug.eq(slug.clone())),
    };
    let row: Option<PartsRow> = prepared(query.limit(1)).get_result(conn).optional()?;
    Ok(row.map(
        |(mission, (milestones, focus_areas, key_figures, assistance_types, cover))| {
            MissionDocument {
                mission,
                milestones: milestones.0,
                focus_areas: focus_areas.0,
                key_figures: key_figures.0,
                assistance_types: assistance_types.0,
                cover: cover.0.into_iter().next(),
            }
        },
    ))
}

/// The missions with these ids (those that exist) with all their parts, in no particular order.
pub fn find_many(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<MissionDocument>> {
    let missions = missions::table
        .filter(missions::id.eq_any(ids))
        .select(MissionRow::as_select())
        .load(conn)?;
    with_parts(conn, missions)
}

/// The missions with their parts: one query per kind of part, whatever the number of missions.
fn with_parts(
    conn: &mut PgConnection,
    missions: Vec<MissionRow>,
) -> QueryResult<Vec<MissionDocument>> {
    if missions.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = missions.iter().map(|m| m.id).collect();
    let milestones: Vec<MilestoneRow> = mission_milestones::table
        .filter(mission_milestones::mission_id.eq_any(&ids))
        .order((mission_milestones::mission_id, mission_milestones::position))
        .select(MilestoneRow::as_select())
        .load(conn)?;
    let focus_areas: Vec<FocusAreaRow> = mission_focus_areas::table
        .filter(mission_focus_areas::mission_id.eq_any(&ids))
        .order((
            mission_focus_areas::mission_id,
            mission_focus_areas::position,
        ))
        .select(FocusAreaRow::as_select())
        .load(conn)?;
    let key_figures: Vec<KeyFigureRow> = mission_key_figures::table
        .filter(mission_key_figures::mission_id.eq_any(&ids))
        .order((
            mission_key_figures::mission_id,
            mission_key_figures::position,
        ))
        .select(KeyFigureRow::as_select())
        .load(conn)?;
    let assistance_types: Vec<AssistanceTypeRow> = mission_assistance_types::table
        .filter(mission_assistance_types::mission_id.eq_any(&ids))
        .order((
            mission_assistance_types::mission_id,
            mission_assistance_types::position,
        ))
        .select(AssistanceTypeRow::as_select())
        .load(conn)?;
    let mut milestones = by_mission(milestones, |p| p.mission_id);
    let mut focus_areas = by_mission(focus_areas, |p| p.mission_id);
    let mut key_figures = by_mission(key_figures, |p| p.mission_id);
    let mut assistance_types = by_mission(assistance_types, |p| p.mission_id);
    let cover_ids: Vec<Uuid> = missions.iter().filter_map(|m| m.cover_asset_id).collect();
    let covers: HashMap<Uuid, crate::resources::assets::queries::AssetRow> = if cover_ids.is_empty()
    {
        HashMap::new()
    } else {
        crate::resources::assets::queries::find_many(conn, &cover_ids)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect()
    };
    Ok(missions
        .into_iter()
        .map(|mission| MissionDocument {
            milestones: milestones.remove(&mission.id).unwrap_or_default(),
            focus_areas: focus_areas.remove(&mission.id).unwrap_or_default(),
            key_figures: key_figures.remove(&mission.id).unwrap_or_default(),
            assistance_types: assistance_types.remove(&mission.id).unwrap_or_default(),
            cover: mission
                .cover_asset_id
                .and_then(|id| covers.get(&id).cloned()),
            mission,
        })
        .collect())
}

/// Parts grouped by their mission, each group in the order of `parts`.
fn by_mission<T>(parts: Vec<T>, mission_of: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut groups: HashMap<Uuid, Vec<T>> = HashMap::new();
    for part in parts {
        groups.entry(mission_of(&part)).or_default().push(part);
    }
    groups
}

/// Whether a mission has this id.
pub fn exists(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(missions::table.find(id))).get_result(conn)
}
