//! How editors' writes of an asset's metadata reach the database (the write engine does the
//! rest). An asset is created by an upload (`upload.rs`), never by a JSON body.

use diesel::prelude::*;
use uuid::Uuid;

use super::dto::{Asset, AssetEditor, AssetInput};
use super::queries::{self, MetadataForm};
use crate::content::document::Document;
use crate::content::locale::RequestLocale;
use crate::content::routes::Readable;
use crate::content::validation::Checker;
use crate::db::schema::assets;
use crate::http::error::ApiError;
use crate::http::params::ItemKey;
use crate::media::links::MediaLinks;

pub struct AssetDocument;

fn checked_text(c: &mut Checker, field: &str, value: &str) {
    if !value.is_empty() {
        c.plain_text(field, value, 1, 300);
    }
}

/// The rules of metadata that do not depend on the file.
pub fn validate_metadata(input: &AssetInput, c: &mut Checker) {
    checked_text(c, "title", input.title.trim());
    c.localized("alt", &input.alt, 500, false);
    if let Some(credit) = &input.credit {
        c.plain_text("credit", credit, 1, 300);
    }
    if let Some(copyright) = &input.copyright {
        c.plain_text("copyright", copyright, 1, 300);
    }
    if let Some(focal) = input.focal_point {
        c.range("focal_point.x", focal.x, 0.0, 1.0);
        c.range("focal_point.y", focal.y, 0.0, 1.0);
    }
}

/// The rules that depend on the file: an image needs alt text in the default locale (a reader
/// who cannot see it gets nothing otherwise); a focal point is for images only.
pub fn check_for_kind(input: &AssetInput, is_image: bool, c: &mut Checker) {
    c.localized("alt", &input.alt, 500, is_image);
    if !is_image && input.focal_point.is_some() {
        c.fail("focal_point", "only an image has a focal point");
    }
}

fn key_id(key: &ItemKey) -> Option<Uuid> {
    match key {
        ItemKey::Id(id) => Some(*id),
        // Assets have no slugs.
        ItemKey::Slug(_) => None,
    }
}

impl Document for AssetDocument {
    const RESOURCE: &'static str = "assets";
    const COLLECTION: &'static str = "/api/v1/assets";
    type Input = AssetInput;
    type Editor = AssetEditor;

    fn validate(input: &AssetInput, c: &mut Checker) {
        validate_metadata(input, c);
    }

    fn validate_change(current: &AssetEditor, input: &AssetInput, c: &mut Checker) {
        check_for_kind(input, current.kind == "image", c);
    }

    fn id_of(conn: &mut PgConnection, key: &ItemKey) -> Result<Option<Uuid>, ApiError> {
        let Some(id) = key_id(key) else {
            return Ok(None);
        };
        Ok(assets::table
            .find(id)
            .select(assets::id)
            .first(conn)
            .optional()?)
    }

    crate::content::document::row_lock!(assets);

    fn load(
        conn: &mut PgConnection,
        id: Uuid,
        links: &MediaLinks,
    ) -> Result<Option<AssetEditor>, ApiError> {
        Ok(queries::find(conn, id)?.map(|row| AssetEditor::new(row, links)))
    }

    fn id(editor: &AssetEditor) -> Uuid {
        editor.id
    }

    fn input_of(editor: &AssetEditor) -> AssetInput {
        editor.fields.clone()
    }

    fn insert(
        _conn: &mut PgConnection,
        _id: Uuid,
        _input: AssetInput,
        _links: &MediaLinks,
    ) -> Result<Uuid, ApiError> {
        // No route creates an asset from JSON (PUT of a missing asset is a 404).
        Err(ApiError::bad_request(
            "upload-required",
            "an asset is created by uploading its file to /api/v1/assets",
        ))
    }

    fn update(
        conn: &mut PgConnection,
        current: &AssetEditor,
        input: AssetInput,
        _links: &MediaLinks,
    ) -> Result<(), ApiError> {
        diesel::update(assets::table.find(current.id))
            .set(MetadataForm::of(&input))
            .execute(conn)?;
        Ok(())
    }

    fn delete(conn: &mut PgConnection, current: &AssetEditor) -> Result<(), ApiError> {
        let uses = queries::uses_of(conn, current.id)?;
        if !uses.is_empty() {
            let places: Vec<String> = uses
                .iter()
                .map(|u| format!("{} {} ({})", u.resource, u.id, u.field))
                .collect();
            return Err(ApiError::Conflict(format!(
                "the asset is in use, remove it from there first: {}",
                places.join(", ")
            )));
        }
        // The file stays until `orgcms assets gc`: another asset may have the same bytes, and
        // an upload of them may be on its way.
        diesel::delete(assets::table.find(current.id)).execute(conn)?;
        Ok(())
    }
}

impl Readable for AssetDocument {
    type Public = Asset;
    const MISSING: &'static str = "no such asset";

    /// Only while public content shows it.
    fn find_public(
        conn: &mut PgConnection,
        key: &ItemKey,
        locale: &RequestLocale,
        links: &MediaLinks,
    ) -> Result<Option<Asset>, ApiError> {
        let Some(id) = key_id(key) else {
            return Ok(None);
        };
        if !queries::is_public(conn, id, chrono::Utc::now())? {
            return Ok(None);
        }
        Ok(queries::find(conn, id)?.map(|row| Asset::new(&row, locale, links)))
    }
}
