//! How editors' writes of the profile reach the database (see `crate::content::writes`). The profile is
//! a singleton: the key of a write is ignored, and there is no DELETE.

use diesel::prelude::*;
use uuid::Uuid;

use super::dto::{OrganizationEditor, OrganizationInput};
use super::queries::{self, OrganizationRow};
use crate::content::document::Document;
use crate::content::locale::Localized;
use crate::content::validation::Checker;
use crate::db::schema::organization;
use crate::http::error::ApiError;
use crate::http::params::ItemKey;
use crate::media::links::MediaLinks;

pub struct OrganizationDocument;

impl OrganizationDocument {
    /// The singleton has no key; the write engine is given this one.
    pub fn key() -> ItemKey {
        ItemKey::Slug("organization".into())
    }
}

/// The columns a write sets: one list for insert and update.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = organization)]
struct OrganizationForm<'a> {
    name: &'a Localized,
    acronym: &'a str,
    founded_year: i32,
    un_system_member: bool,
    mission_statement: &'a Localized,
    description: &'a Localized,
    constitution_note: &'a Localized,
    member_states: i32,
    observer_states: i32,
    countries_with_offices: i32,
}

impl<'a> OrganizationForm<'a> {
    fn from_input(input: &'a OrganizationInput) -> Self {
        Self {
            name: &input.name,
            acronym: &input.acronym,
            founded_year: input.founded_year,
            un_system_member: input.un_system_member,
            mission_statement: &input.mission_statement,
            description: &input.description,
            constitution_note: &input.constitution_note,
            member_states: input.member_states,
            observer_states: input.observer_states,
            countries_with_offices: input.countries_with_offices,
        }
    }
}

impl Document for OrganizationDocument {
    const RESOURCE: &'static str = "organization";
    const COLLECTION: &'static str = "/api/v1/organization";
    type Input = OrganizationInput;
    type Editor = OrganizationEditor;

    fn validate(input: &OrganizationInput, c: &mut Checker) {
        c.localized("name", &input.name, 300, true);
        c.plain_text("acronym", &input.acronym, 1, 20);
        c.range("founded_year", input.founded_year, 1800, 2200);
        c.localized("mission_statement", &input.mission_statement, 2000, false);
        c.localized("description", &input.description, 20_000, false);
        c.localized("constitution_note", &input.constitution_note, 2000, false);
        c.range("member_states", input.member_states, 0, 1000);
        c.range("observer_states", input.observer_states, 0, 1000);
        c.range(
            "countries_with_offices",
            input.countries_with_offices,
            0,
            1000,
        );
    }

    fn location(_id: Uuid) -> String {
        Self::COLLECTION.to_owned()
    }

    fn id_of(conn: &mut PgConnection, _key: &ItemKey) -> Result<Option<Uuid>, ApiError> {
        Ok(organization::table
            .select(organization::id)
            .first(conn)
            .optional()?)
    }

    crate::content::document::row_lock!(organization);

    fn load(
        conn: &mut PgConnection,
        _id: Uuid,
        _links: &MediaLinks,
    ) -> Result<Option<OrganizationEditor>, ApiError> {
        let row: Option<OrganizationRow> = queries::find(conn)?;
        Ok(row.map(OrganizationEditor::new))
    }

    fn id(editor: &OrganizationEditor) -> Uuid {
        editor.id
    }

    fn input_of(editor: &OrganizationEditor) -> OrganizationInput {
        editor.fields.clone()
    }

    fn insert(
        conn: &mut PgConnection,
        id: Uuid,
        input: OrganizationInput,
        _links: &MediaLinks,
    ) -> Result<Uuid, ApiError> {
        Ok(diesel::insert_into(organization::table)
            .values((
                organization::id.eq(id),
                OrganizationForm::from_input(&input),
            ))
            .returning(organization::id)
            .get_result(conn)?)
    }

    fn update(
        conn: &mut PgConnection,
        current: &OrganizationEditor,
        input: OrganizationInput,
        _links: &MediaLinks,
    ) -> Result<(), ApiError> {
        diesel::update(organization::table.find(current.id))
            .set(OrganizationForm::from_input(&input))
            .execute(conn)?;
        Ok(())
    }

    fn delete(_conn: &mut PgConnection, _current: &OrganizationEditor) -> Result<(), ApiError> {
        Err(ApiError::MethodNotAllowed(
            "the organization profile cannot be deleted".into(),
        ))
    }
}
