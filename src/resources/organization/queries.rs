use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::content::locale::Localized;
use crate::db::schema::organization;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organization, check_for_backend(diesel::pg::Pg))]
pub struct OrganizationRow {
    pub id: Uuid,
    pub name: Localized,
    pub acronym: String,
    pub founded_year: i32,
    pub un_system_member: bool,
    pub mission_statement: Localized,
    pub description: Localized,
    pub constitution_note: Localized,
    pub member_states: i32,
    pub observer_states: i32,
    pub countries_with_offices: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub fn find(conn: &mut PgConnection) -> QueryResult<Option<OrganizationRow>> {
    organization::table
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()
}
