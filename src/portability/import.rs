//! Loading an [`ExportDocument`] into a database, in three steps that each finish before the
//! next begins:
//!
//! 1. **Read and check** ([`prepare`]): the format and version, then every item's input with
//!    the parsing and the rules of the API's writes. An invalid item fails the import, naming
//!    it and the field; nothing is written.
//! 2. **Files** ([`store_files`]): each file of `files` whose bytes hash to its key is stored
//!    where an upload stores it, before any row names it (as an upload does).
//! 3. **One transaction** ([`write`]), under the content lock: each item is created when absent
//!    (with its own id, then its version and times set with `orgcms_stamp`), written over when
//!    it differs, and left alone when it is the same, so that a second import of a document
//!    changes nothing. Each item created or changed gets an audit entry of "orgcms import".

use std::collections::{BTreeMap, HashSet};

use base64::Engine as _;
use bytes::Bytes;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use super::export::{asset_item, stamp_of, to_value, Stamp};
use super::format::{AssetItem, ContentItem, ExportDocument, FormatError, RevisionItem};
use crate::content::audit;
use crate::content::document::Document;
use crate::content::locale::Locales;
use crate::content::validation::Checker;
use crate::db::schema::{assets, revisions};
use crate::http::body::parse_input;
use crate::http::error::ApiError;
use crate::http::params::ItemKey;
use crate::media::kind::MediaKind;
use crate::media::library::{hex_sha256, original_key};
use crate::media::links::MediaLinks;
use crate::media::storage::Storage;
use crate::resources::assets::document::{check_for_kind, validate_metadata, AssetDocument};
use crate::resources::assets::dto::AssetInput;
use crate::resources::assets::queries::{self as asset_queries, MetadataForm};
use crate::resources::missions::document::MissionDocument;
use crate::resources::news::document::NewsDocument;
use crate::resources::objectives::document::ObjectiveDocument;
use crate::resources::organization::document::OrganizationDocument;

/// Who the audit log says wrote what an import writes.
pub const AUDIT_EMAIL: &str = "orgcms import";

/// Why an import failed. Nothing of the document was written, except files already stored
/// when the failure came after them (as after a failed upload, `orgcms assets gc` removes them).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Format(#[from] FormatError),
    /// An item the API would refuse (or the document holds twice).
    #[error("{resource} {id}: {detail}")]
    Invalid {
        resource: &'static str,
        id: Uuid,
        detail: String,
    },
    #[error("file {sha256}: {detail}")]
    File { sha256: String, detail: String },
    #[error("revision {index}: {detail}")]
    Revision { index: usize, detail: String },
    /// The write of an item failed (a slug taken by another item, another organization profile).
    #[error("{resource} {id}: {detail}")]
    Write {
        resource: &'static str,
        id: Uuid,
        detail: String,
    },
    #[error("{0}")]
    Other(String),
}

impl From<ApiError> for ImportError {
    fn from(error: ApiError) -> Self {
        Self::Other(describe(&error))
    }
}

impl From<diesel::result::Error> for ImportError {
    fn from(error: diesel::result::Error) -> Self {
        Self::from(ApiError::from(error))
    }
}

/// An error as the command line tells it: a validation names each field.
pub fn describe(error: &ApiError) -> String {
    match error {
        ApiError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Revisions added (those already there are left alone).
    pub revisions: usize,
    /// Files stored.
    pub files: usize,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged; {} revision(s) added, {} file(s) stored",
            self.created, self.updated, self.unchanged, self.revisions, self.files
        )
    }
}

/// An item of `D` with its input parsed and checked.
pub struct Checked<D: Document> {
    stamp: Stamp,
    input: D::Input,
}

pub struct CheckedAsset {
    item: AssetItem,
    input: AssetInput,
}

/// A document read and checked, ready to be written.
pub struct Prepared {
    organization: Option<Checked<OrganizationDocument>>,
    objectives: Vec<Checked<ObjectiveDocument>>,
    missions: Vec<Checked<MissionDocument>>,
    news: Vec<Checked<NewsDocument>>,
    assets: Vec<CheckedAsset>,
    revisions: Vec<RevisionItem>,
    /// The files to store: key, bytes.
    files: Vec<(String, Bytes)>,
}

/// What is wrong with an item's version and times, if anything. PostgreSQL keeps microseconds:
/// a finer time would be stored rounded, and the item would differ at every import.
fn stamp_problem(version: i32, times: &[(&str, chrono::DateTime<chrono::Utc>)]) -> Option<String> {
    if version < 1 {
        return Some("version: must be at least 1".into());
    }
    times
        .iter()
        .find(|(_, at)| at.timestamp_subsec_nanos() % 1000 != 0)
        .map(|(name, _)| format!("{name}: at most six decimals of a second"))
}

fn stamp_checked(resource: &'static str, item: &ContentItem) -> Result<Stamp, ImportError> {
    let times = [
        ("created_at", item.created_at),
        ("updated_at", item.updated_at),
    ];
    if let Some(detail) = stamp_problem(item.version, &times) {
        return Err(ImportError::Invalid {
            resource,
            id: item.id,
            detail,
        });
    }
    Ok(Stamp {
        id: item.id,
        version: item.version,
        created_at: item.created_at,
        updated_at: item.updated_at,
    })
}

/// The input parsed and checked as a write of the API parses and checks a body.
fn checked_input<D: Document>(
    locales: &Locales,
    id: Uuid,
    raw: &Value,
) -> Result<D::Input, ImportError> {
    let invalid = |error: ApiError| ImportError::Invalid {
        resource: D::RESOURCE,
        id,
        detail: describe(&error),
    };
    let input: D::Input = parse_input(raw.clone()).map_err(invalid)?;
    let mut checker = Checker::new(locales);
    D::validate(&input, &mut checker);
    checker.finish().map_err(invalid)?;
    Ok(input)
}

fn no_duplicates<'a>(
    resource: &'static str,
    ids: impl Iterator<Item = &'a Uuid>,
) -> Result<(), ImportError> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(*id) {
            return Err(ImportError::Invalid {
                resource,
                id: *id,
                detail: "the document holds this item twice".into(),
            });
        }
    }
    Ok(())
}

fn checked_items<D: Document>(
    locales: &Locales,
    items: &[ContentItem],
) -> Result<Vec<Checked<D>>, ImportError> {
    no_duplicates(D::RESOURCE, items.iter().map(|i| &i.id))?;
    items
        .iter()
        .map(|item| {
            Ok(Checked {
                stamp: stamp_checked(D::RESOURCE, item)?,
                input: checked_input::<D>(locales, item.id, &item.input)?,
            })
        })
        .collect()
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An asset's file fields, as an upload would have made them.
fn check_file(asset: &AssetItem) -> Result<(), String> {
    let file = &asset.file;
    let kind = MediaKind::ALL
        .into_iter()
        .find(|k| k.media_type() == file.media_type)
        .ok_or_else(|| format!("file.media_type: {} is not accepted", file.media_type))?;
    if kind.kind().as_str() != file.kind {
        return Err(format!(
            "file.kind: a file of {} is of kind {}, not {}",
            file.media_type,
            kind.kind(),
            file.kind
        ));
    }
    if !is_sha256(&file.sha256) {
        return Err("file.sha256: must be 64 lower-case hex digits".into());
    }
    if file.storage_key != original_key(&file.sha256, kind) {
        return Err(format!(
            "file.storage_key: must be {}",
            original_key(&file.sha256, kind)
        ));
    }
    if file.byte_size < 0 || file.width.is_some_and(|w| w < 1) || file.height.is_some_and(|h| h < 1)
    {
        return Err("file: sizes must be positive".into());
    }
    let times = [
        ("created_at", asset.created_at),
        ("updated_at", asset.updated_at),
    ];
    match stamp_problem(asset.version, &times) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

fn checked_assets(
    locales: &Locales,
    items: &[AssetItem],
) -> Result<Vec<CheckedAsset>, ImportError> {
    no_duplicates(AssetDocument::RESOURCE, items.iter().map(|i| &i.id))?;
    items
        .iter()
        .map(|item| {
            let invalid = |detail: String| ImportError::Invalid {
                resource: AssetDocument::RESOURCE,
                id: item.id,
                detail,
            };
            check_file(item).map_err(invalid)?;
            let input: AssetInput =
                parse_input(item.input.clone()).map_err(|e| invalid(describe(&e)))?;
            let mut checker = Checker::new(locales);
            validate_metadata(&input, &mut checker);
            check_for_kind(&input, item.file.kind == "image", &mut checker);
            checker.finish().map_err(|e| invalid(describe(&e)))?;
            Ok(CheckedAsset {
                item: item.clone(),
                input,
            })
        })
        .collect()
}

/// The revision's resource is one of the content's.
const REVISED: [&str; 5] = ["organization", "objectives", "missions", "news", "assets"];

fn checked_revisions(revisions: Vec<RevisionItem>) -> Result<Vec<RevisionItem>, ImportError> {
    for (index, revision) in revisions.iter().enumerate() {
        if !REVISED.contains(&revision.resource.as_str()) {
            return Err(ImportError::Revision {
                index,
                detail: format!("resource: must be one of {}", REVISED.join(", ")),
            });
        }
        if let Some(detail) =
            stamp_problem(revision.version, &[("created_at", revision.created_at)])
        {
            return Err(ImportError::Revision { index, detail });
        }
    }
    Ok(revisions)
}

/// Each file decoded and checked against its key; every asset must have its file.
fn checked_files(
    files: BTreeMap<String, String>,
    assets: &[CheckedAsset],
) -> Result<Vec<(String, Bytes)>, ImportError> {
    let mut stored = Vec::new();
    for (sha256, encoded) in &files {
        let refused = |detail: String| ImportError::File {
            sha256: sha256.clone(),
            detail,
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| refused(format!("not base64: {e}")))?;
        if hex_sha256(&bytes) != *sha256 {
            return Err(refused("its bytes do not hash to its key".into()));
        }
        let owner = assets
            .iter()
            .find(|a| a.item.file.sha256 == *sha256)
            .ok_or_else(|| refused("no asset of the document has this file".into()))?;
        if usize::try_from(owner.item.file.byte_size).ok() != Some(bytes.len()) {
            return Err(refused(format!(
                "it has {} bytes, its asset says {}",
                bytes.len(),
                owner.item.file.byte_size
            )));
        }
        stored.push((owner.item.file.storage_key.clone(), Bytes::from(bytes)));
    }
    if let Some(asset) = assets
        .iter()
        .find(|a| !files.contains_key(&a.item.file.sha256))
    {
        return Err(ImportError::Invalid {
            resource: AssetDocument::RESOURCE,
            id: asset.item.id,
            detail: format!("its file {} is not in `files`", asset.item.file.sha256),
        });
    }
    Ok(stored)
}

/// Step 1: the document read and checked; nothing is written.
pub fn prepare(bytes: &[u8], locales: &Locales) -> Result<Prepared, ImportError> {
    let document: ExportDocument = super::format::parse(bytes)?;
    let organization = document
        .organization
        .as_ref()
        .map(|item| checked_items::<OrganizationDocument>(locales, std::slice::from_ref(item)))
        .transpose()?
        .and_then(|mut items| items.pop());
    let assets = checked_assets(locales, &document.assets)?;
    let files = match document.files {
        Some(files) => checked_files(files, &assets)?,
        None => Vec::new(),
    };
    Ok(Prepared {
        organization,
        objectives: checked_items(locales, &document.objectives)?,
        missions: checked_items(locales, &document.missions)?,
        news: checked_items(locales, &document.news)?,
        assets,
        revisions: checked_revisions(document.revisions.unwrap_or_default())?,
        files,
    })
}

/// Step 2: the files stored, before any row names them. Returns how many.
pub async fn store_files(prepared: &Prepared, storage: &Storage) -> Result<usize, ImportError> {
    for (key, bytes) in &prepared.files {
        storage
            .put(key, bytes.clone())
            .await
            .map_err(|e| ImportError::Other(format!("storing {key}: {e}")))?;
    }
    Ok(prepared.files.len())
}

/// Sets the version and times of the item `stamp.id` just created in `table`, past the touch
/// trigger: an item comes in with its own.
fn stamp(conn: &mut PgConnection, table: &'static str, stamp: &Stamp) -> Result<(), ApiError> {
    crate::content::document::stamp(
        conn,
        table,
        stamp.id,
        stamp.version,
        stamp.created_at,
        stamp.updated_at,
    )
}

/// The revision of what the import wrote (unless the document brought that version's).
fn store_revision<D: Document>(
    conn: &mut PgConnection,
    id: Uuid,
    links: &MediaLinks,
) -> Result<Value, ApiError> {
    let editor = D::load(conn, id, links)?
        .ok_or_else(|| ApiError::Internal(format!("{} {id} vanished", D::RESOURCE)))?;
    let document = to_value(&editor)?;
    crate::content::engine::store_revision::<D>(
        conn,
        None,
        AUDIT_EMAIL,
        &editor,
        document.clone(),
        false,
    )?;
    Ok(document)
}

fn record(
    conn: &mut PgConnection,
    action: &str,
    resource: &str,
    id: Uuid,
    before: &Value,
    after: &Value,
) -> Result<(), ApiError> {
    Ok(crate::resources::audit::queries::record(
        conn,
        None,
        AUDIT_EMAIL,
        action,
        resource,
        id,
        audit::changes(before, after),
    )?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl ImportReport {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

fn editor_value<D: Document>(
    conn: &mut PgConnection,
    id: Uuid,
    links: &MediaLinks,
) -> Result<Value, ApiError> {
    let editor = D::load(conn, id, links)?
        .ok_or_else(|| ApiError::Internal(format!("{} {id} vanished", D::RESOURCE)))?;
    to_value(&editor)
}

/// One item of `D`: created, written over or left alone.
fn write_item<D: Document>(
    conn: &mut PgConnection,
    item: Checked<D>,
    links: &MediaLinks,
) -> Result<Outcome, ApiError> {
    let id = item.stamp.id;
    // A singleton (the organization) answers with the id it has, whatever it is asked.
    if let Some(other) = D::id_of(conn, &ItemKey::Id(id))?.filter(|other| *other != id) {
        return Err(ApiError::Conflict(format!(
            "the database has another {} item ({other}); only one may exist",
            D::RESOURCE
        )));
    }
    if stamp_of::<D>(conn, id)?.is_none() {
        // An item of this database's trash that the document has comes back: it exists.
        crate::resources::trash::queries::remove(conn, id)?;
        D::insert(conn, id, item.input, links)?;
        stamp(conn, D::RESOURCE, &item.stamp)?;
        let after = store_revision::<D>(conn, id, links)?;
        record(conn, "create", D::RESOURCE, id, &Value::Null, &after)?;
        return Ok(Outcome::Created);
    }
    D::lock(conn, id)?;
    let editor = D::load(conn, id, links)?
        .ok_or_else(|| ApiError::Internal(format!("{} {id} vanished", D::RESOURCE)))?;
    if D::input_of(&editor) == item.input {
        return Ok(Outcome::Unchanged);
    }
    // A different item: written over as a new version (history is never rewound), with its
    // revision and audit entry, as any write.
    let before = to_value(&editor)?;
    D::update(conn, &editor, item.input, links)?;
    let after = store_revision::<D>(conn, id, links)?;
    record(conn, "update", D::RESOURCE, id, &before, &after)?;
    Ok(Outcome::Updated)
}

/// One asset: its row inserted as exported, written over, or left alone.
fn write_asset(
    conn: &mut PgConnection,
    asset: CheckedAsset,
    links: &MediaLinks,
) -> Result<Outcome, ApiError> {
    let CheckedAsset { item, input } = asset;
    let file = &item.file;
    let metadata = MetadataForm::of(&input);
    let file_columns = (
        assets::file_name.eq(&file.file_name),
        assets::kind.eq(&file.kind),
        assets::media_type.eq(&file.media_type),
        assets::byte_size.eq(file.byte_size),
        assets::width.eq(file.width),
        assets::height.eq(file.height),
        assets::sha256.eq(&file.sha256),
        assets::storage_key.eq(&file.storage_key),
    );
    let Some(current) = asset_queries::find(conn, item.id)? else {
        diesel::insert_into(assets::table)
            .values((
                assets::id.eq(item.id),
                file_columns,
                (
                    assets::title.eq(metadata.title),
                    assets::alt.eq(metadata.alt),
                    assets::credit.eq(metadata.credit),
                    assets::copyright.eq(metadata.copyright),
                    assets::focal_x.eq(metadata.focal_x),
                    assets::focal_y.eq(metadata.focal_y),
                ),
                assets::created_at.eq(item.created_at),
                assets::updated_at.eq(item.updated_at),
                assets::version.eq(item.version),
            ))
            .execute(conn)?;
        let after = store_revision::<AssetDocument>(conn, item.id, links)?;
        record(conn, "create", "assets", item.id, &Value::Null, &after)?;
        return Ok(Outcome::Created);
    };
    let exported = asset_item(&current)?;
    if exported.file == item.file && current.input() == input {
        return Ok(Outcome::Unchanged);
    }
    // A different asset: written over as a new version, as `write_item` does.
    AssetDocument::lock(conn, item.id)?;
    let before = editor_value::<AssetDocument>(conn, item.id, links)?;
    diesel::update(assets::table.find(item.id))
        .set((file_columns, metadata))
        .execute(conn)?;
    let after = store_revision::<AssetDocument>(conn, item.id, links)?;
    record(conn, "update", "assets", item.id, &before, &after)?;
    Ok(Outcome::Updated)
}

fn write_revisions(conn: &mut PgConnection, items: &[RevisionItem]) -> Result<usize, ApiError> {
    let mut added = 0;
    for revision in items {
        added += diesel::insert_into(revisions::table)
            .values((
                revisions::resource.eq(&revision.resource),
                revisions::item_id.eq(revision.item_id),
                revisions::version.eq(revision.version),
                revisions::document.eq(&revision.document),
                revisions::input.eq(&revision.input),
                revisions::author_id.eq(revision.author_id),
                revisions::author_email.eq(&revision.author_email),
                revisions::created_at.eq(revision.created_at),
                revisions::was_public.eq(revision.was_public),
                revisions::pinned.eq(revision.pinned),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(added)
}

/// Runs `write` for each item, naming the item in its error.
fn each<T, F>(
    report: &mut ImportReport,
    resource: &'static str,
    items: Vec<T>,
    id_of: fn(&T) -> Uuid,
    mut write: F,
) -> Result<(), ImportError>
where
    F: FnMut(T) -> Result<Outcome, ApiError>,
{
    for item in items {
        let id = id_of(&item);
        let outcome = write(item).map_err(|e| ImportError::Write {
            resource,
            id,
            detail: describe(&e),
        })?;
        report.count(outcome);
    }
    Ok(())
}

/// Step 3: the one transaction. Items in the order of their references: the organization,
/// objectives, assets, missions (their covers are assets), news (missions and assets).
pub fn write(
    conn: &mut PgConnection,
    prepared: Prepared,
    links: &MediaLinks,
) -> Result<ImportReport, ImportError> {
    conn.transaction(|conn| {
        crate::resources::changes::queries::lock_content(conn).map_err(ApiError::from)?;
        let mut report = ImportReport::default();
        let Prepared {
            organization,
            objectives,
            missions,
            news,
            assets,
            revisions,
            files: _,
        } = prepared;
        // The document's revisions first: a version it brings keeps its author and time.
        report.revisions = write_revisions(conn, &revisions)?;
        fn id<D: Document>(item: &Checked<D>) -> Uuid {
            item.stamp.id
        }
        each(
            &mut report,
            OrganizationDocument::RESOURCE,
            organization.into_iter().collect(),
            id,
            |item| write_item::<OrganizationDocument>(conn, item, links),
        )?;
        each(
            &mut report,
            ObjectiveDocument::RESOURCE,
            objectives,
            id,
            |item| write_item::<ObjectiveDocument>(conn, item, links),
        )?;
        each(
            &mut report,
            AssetDocument::RESOURCE,
            assets,
            |a| a.item.id,
            |asset| write_asset(conn, asset, links),
        )?;
        each(
            &mut report,
            MissionDocument::RESOURCE,
            missions,
            id,
            |item| write_item::<MissionDocument>(conn, item, links),
        )?;
        each(&mut report, NewsDocument::RESOURCE, news, id, |item| {
            write_item::<NewsDocument>(conn, item, links)
        })?;
        Ok(report)
    })
}

/// The rest of an import once [`prepare`]d: store the files, write.
pub async fn import(
    pool: &crate::db::DbPool,
    storage: &Storage,
    links: &MediaLinks,
    prepared: Prepared,
) -> Result<ImportReport, ImportError> {
    let files = store_files(&prepared, storage).await?;
    let links = links.clone();
    let pool = pool.clone();
    let mut report = actix_web::web::block(move || {
        let mut conn = pool
            .get()
            .map_err(|e| ImportError::Other(format!("database: {e}")))?;
        write(&mut conn, prepared, &links)
    })
    .await
    .map_err(|e| ImportError::Other(format!("the import's task failed: {e}")))??;
    report.files = files;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn stamps_need_a_version_and_microseconds_at_most() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap();
        assert_eq!(stamp_problem(1, &[("created_at", at)]), None);
        assert!(stamp_problem(0, &[("created_at", at)])
            .unwrap()
            .starts_with("version"));
        let micros = at + chrono::Duration::microseconds(123_456);
        assert_eq!(stamp_problem(2, &[("updated_at", micros)]), None);
        let nanos = at + chrono::Duration::nanoseconds(123_456_789);
        assert!(
            stamp_problem(2, &[("created_at", at), ("updated_at", nanos)])
                .unwrap()
                .starts_with("updated_at")
        );
    }

    #[test]
    fn hashes_are_lower_case_hex() {
        assert!(is_sha256(&"ab".repeat(32)));
        assert!(!is_sha256(&"AB".repeat(32)));
        assert!(!is_sha256(&"ab".repeat(31)));
        assert!(!is_sha256(&format!("{}..", "ab".repeat(31))));
    }

    #[test]
    fn validation_errors_name_their_fields() {
        let error = ApiError::Validation(vec![
            crate::http::error::FieldError {
                field: "title".into(),
                message: "is required".into(),
            },
            crate::http::error::FieldError {
                field: "tags[0]".into(),
                message: "is not a slug".into(),
            },
        ]);
        assert_eq!(
            describe(&error),
            "title: is required; tags[0]: is not a slug"
        );
    }
}
