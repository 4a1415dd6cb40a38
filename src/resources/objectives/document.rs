//! How editors' writes of objectives reach the database (see `crate::content::writes`).

use diesel::prelude::*;
use uuid::Uuid;

use super::dto::{Objective, ObjectiveEditor, ObjectiveInput};
use super::queries::{self, ObjectiveRow};
use crate::content::document::Document;
use crate::content::locale::Localized;
use crate::content::locale::RequestLocale;
use crate::content::routes::Readable;
use crate::content::slugs::free_slug;
use crate::content::validation::{slug_base, Checker};
use crate::db::schema::objectives;
use crate::http::error::ApiError;
use crate::http::params::ItemKey;
use crate::media::links::MediaLinks;

pub struct ObjectiveDocument;

/// The largest position (new objectives go last, but never beyond it).
const MAX_POSITION: i32 = 1_000_000;

/// The columns a write sets: one list for insert and update.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = objectives)]
struct ObjectiveForm<'a> {
    slug: String,
    position: i32,
    title: &'a Localized,
    summary: &'a Localized,
    body: &'a Localized,
}

impl<'a> ObjectiveForm<'a> {
    /// `slug` and `position` as the write settles them (the input's may be absent).
    fn from_input(input: &'a ObjectiveInput, slug: String, position: i32) -> Self {
        Self {
            slug,
            position,
            title: &input.title,
            summary: &input.summary,
            body: &input.body,
        }
    }
}

impl Document for ObjectiveDocument {
    const RESOURCE: &'static str = "objectives";
    const COLLECTION: &'static str = "/api/v1/objectives";
    const TRASH: bool = true;
    type Input = ObjectiveInput;
    type Editor = ObjectiveEditor;

    fn validate(input: &ObjectiveInput, c: &mut Checker) {
        if let Some(slug) = &input.slug {
            c.slug("slug", slug);
        }
        if let Some(position) = input.position {
            c.range("position", position, 0, MAX_POSITION);
        }
        c.localized("title", &input.title, 300, true);
        c.localized("summary", &input.summary, 2000, false);
        c.localized("body", &input.body, 200_000, false);
    }

    crate::content::document::id_or_slug_lookups!(objectives);

    fn load(
        conn: &mut PgConnection,
        id: Uuid,
        _links: &MediaLinks,
    ) -> Result<Option<ObjectiveEditor>, ApiError> {
        let row: Option<ObjectiveRow> = objectives::table
            .find(id)
            .select(ObjectiveRow::as_select())
            .first(conn)
            .optional()?;
        Ok(row.map(ObjectiveEditor::new))
    }

    fn id(editor: &ObjectiveEditor) -> Uuid {
        editor.id
    }

    fn input_of(editor: &ObjectiveEditor) -> ObjectiveInput {
        editor.fields.clone()
    }

    fn insert(
        conn: &mut PgConnection,
        id: Uuid,
        input: ObjectiveInput,
        _links: &MediaLinks,
    ) -> Result<Uuid, ApiError> {
        let slug = match &input.slug {
            Some(slug) => slug.clone(),
            None => free_slug(
                conn,
                objectives::slug,
                &slug_base(&input.title, "objective"),
            )?,
        };
        let position = match input.position {
            Some(p) => p,
            None => {
                let last: Option<i32> = objectives::table
                    .select(diesel::dsl::max(objectives::position))
                    .first(conn)?;
                last.map_or(1, |p| p.saturating_add(1).min(MAX_POSITION))
            }
        };
        Ok(diesel::insert_into(objectives::table)
            .values((
                objectives::id.eq(id),
                ObjectiveForm::from_input(&input, slug, position),
            ))
            .returning(objectives::id)
            .get_result(conn)?)
    }

    fn update(
        conn: &mut PgConnection,
        current: &ObjectiveEditor,
        input: ObjectiveInput,
        _links: &MediaLinks,
    ) -> Result<(), ApiError> {
        let slug = input
            .slug
            .clone()
            .or_else(|| current.fields.slug.clone())
            .unwrap_or_default();
        let position = input.position.or(current.fields.position).unwrap_or(1);
        diesel::update(objectives::table.find(current.id))
            .set(ObjectiveForm::from_input(&input, slug, position))
            .execute(conn)?;
        Ok(())
    }

    fn delete(conn: &mut PgConnection, current: &ObjectiveEditor) -> Result<(), ApiError> {
        diesel::delete(objectives::table.find(current.id)).execute(conn)?;
        Ok(())
    }
}

impl Readable for ObjectiveDocument {
    type Public = Objective;
    const MISSING: &'static str = "no such objective";

    fn find_public(
        conn: &mut PgConnection,
        key: &ItemKey,
        locale: &RequestLocale,
        _links: &MediaLinks,
    ) -> Result<Option<Objective>, ApiError> {
        Ok(queries::find(conn, key)?.map(|row| Objective::new(row, locale)))
    }

    fn find_editor(
        conn: &mut PgConnection,
        key: &ItemKey,
        _links: &MediaLinks,
    ) -> Result<Option<ObjectiveEditor>, ApiError> {
        Ok(queries::find(conn, key)?.map(ObjectiveEditor::new))
    }
}
