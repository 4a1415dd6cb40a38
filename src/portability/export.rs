//! Reading the content into an [`ExportDocument`]: one snapshot of the database (a repeatable
//! read, read-only transaction), then, when asked, the stored originals of the assets.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use super::format::{
    AssetFile, AssetItem, ContentItem, ExportDocument, RevisionItem, FORMAT, FORMAT_VERSION,
};
use crate::content::document::Document;
use crate::db::schema::{assets, revisions};
use crate::http::error::ApiError;
use crate::media::links::MediaLinks;
use crate::media::storage::Storage;
use crate::resources::assets::queries::AssetRow;
use crate::resources::missions::document::MissionDocument;
use crate::resources::news::document::NewsDocument;
use crate::resources::objectives::document::ObjectiveDocument;
use crate::resources::organization::document::OrganizationDocument;

/// What an export holds besides the content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// The revisions table.
    pub revisions: bool,
    /// The stored original of every asset.
    pub files: bool,
}

/// An item's identity, version and times, as its table has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Stamp {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// The stamps of all the items of `D`, by id. (The table is named by the resource, a constant of
/// the code; nothing of a request goes into the statement.)
pub(crate) fn stamps<D: Document>(conn: &mut PgConnection) -> Result<Vec<Stamp>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT id, version, created_at, updated_at FROM {} ORDER BY id",
        D::RESOURCE
    ))
    .load(conn)?)
}

/// The stamp of item `id` of `D`, if it exists.
pub(crate) fn stamp_of<D: Document>(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Stamp>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT id, version, created_at, updated_at FROM {} WHERE id = $1",
        D::RESOURCE
    ))
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .optional()?)
}

pub(crate) fn to_value<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(format!("serialize: {e}")))
}

/// Every item of `D`, by id: its stamp and the input that writes it as it is.
fn items<D: Document>(
    conn: &mut PgConnection,
    links: &MediaLinks,
) -> Result<Vec<ContentItem>, ApiError> {
    let mut items = Vec::new();
    for stamp in stamps::<D>(conn)? {
        let editor = D::load(conn, stamp.id, links)?
            .ok_or_else(|| ApiError::Internal(format!("{} {} vanished", D::RESOURCE, stamp.id)))?;
        items.push(ContentItem {
            id: stamp.id,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
            input: to_value(&D::input_of(&editor))?,
        });
    }
    items.sort_by_key(|item| item.id);
    Ok(items)
}

/// The export item of an asset's row.
pub(crate) fn asset_item(row: &AssetRow) -> Result<AssetItem, ApiError> {
    Ok(AssetItem {
        id: row.id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        file: AssetFile {
            file_name: row.file_name.clone(),
            kind: row.kind.clone(),
            media_type: row.media_type.clone(),
            byte_size: row.byte_size,
            width: row.width,
            height: row.height,
            sha256: row.sha256.clone(),
            storage_key: row.storage_key.clone(),
        },
        input: to_value(&row.input())?,
    })
}

fn revision_items(conn: &mut PgConnection) -> Result<Vec<RevisionItem>, ApiError> {
    type Row = (
        String,
        Uuid,
        i32,
        serde_json::Value,
        serde_json::Value,
        Option<Uuid>,
        String,
        DateTime<Utc>,
        bool,
        bool,
    );
    let rows: Vec<Row> = revisions::table
        .select((
            revisions::resource,
            revisions::item_id,
            revisions::version,
            revisions::document,
            revisions::input,
            revisions::author_id,
            revisions::author_email,
            revisions::created_at,
            revisions::was_public,
            revisions::pinned,
        ))
        .order((revisions::resource, revisions::item_id, revisions::version))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                resource,
                item_id,
                version,
                document,
                input,
                author_id,
                author_email,
                created_at,
                was_public,
                pinned,
            )| RevisionItem {
                resource,
                item_id,
                version,
                document,
                input,
                author_id,
                author_email,
                created_at,
                was_public,
                pinned,
            },
        )
        .collect())
}

/// The content of the database, from one snapshot; without files (see [`attach_files`]).
pub fn read_content(
    conn: &mut PgConnection,
    links: &MediaLinks,
    options: ExportOptions,
) -> Result<ExportDocument, ApiError> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| {
            let organization = items::<OrganizationDocument>(conn, links)?
                .into_iter()
                .next();
            let asset_rows: Vec<AssetRow> = assets::table
                .select(AssetRow::as_select())
                .order(assets::id)
                .load(conn)?;
            let mut assets = asset_rows
                .iter()
                .map(asset_item)
                .collect::<Result<Vec<_>, _>>()?;
            assets.sort_by_key(|asset| asset.id);
            Ok(ExportDocument {
                format: FORMAT.to_owned(),
                format_version: FORMAT_VERSION,
                organization,
                objectives: items::<ObjectiveDocument>(conn, links)?,
                missions: items::<MissionDocument>(conn, links)?,
                news: items::<NewsDocument>(conn, links)?,
                assets,
                revisions: match options.revisions {
                    true => Some(revision_items(conn)?),
                    false => None,
                },
                files: None,
            })
        })
}

/// Adds the stored original of every asset of `document` (`files`). An original missing from
/// the store fails the export, naming the asset.
pub async fn attach_files(
    document: &mut ExportDocument,
    storage: &Storage,
) -> Result<(), ApiError> {
    let mut files = BTreeMap::new();
    for asset in &document.assets {
        if files.contains_key(&asset.file.sha256) {
            continue;
        }
        let bytes = storage.get(&asset.file.storage_key).await?.ok_or_else(|| {
            ApiError::Internal(format!(
                "the file of asset {} ({}) is missing from the media storage",
                asset.id, asset.file.storage_key
            ))
        })?;
        files.insert(
            asset.file.sha256.clone(),
            base64::engine::general_purpose::STANDARD.encode(&bytes),
        );
    }
    document.files = Some(files);
    Ok(())
}

/// The whole export: the content, then the files when asked for.
pub async fn export(
    pool: &crate::db::DbPool,
    storage: &Storage,
    links: &MediaLinks,
    options: ExportOptions,
) -> Result<ExportDocument, ApiError> {
    let links = links.clone();
    let mut document =
        crate::db::run(pool, move |conn| read_content(conn, &links, options)).await?;
    if options.files {
        attach_files(&mut document, storage).await?;
    }
    Ok(document)
}
