//! The assets table, its uses by content, and the variants' claims (synchronous diesel).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::{AssetInput, AssetUse, FocalPoint};
use crate::content::locale::Localized;
use crate::db::keyset::row_compare;
use crate::db::schema::{asset_uses, asset_variants, assets, news};
use crate::http::pagination::Paging;
use crate::media::kind::MediaKind;
use crate::media::links::LinkFacts;

#[derive(Debug, Clone, Queryable, Selectable, serde::Deserialize)]
#[diesel(table_name = assets, check_for_backend(diesel::pg::Pg))]
pub struct AssetRow {
    pub id: Uuid,
    pub file_name: String,
    pub kind: String,
    pub media_type: String,
    pub byte_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub sha256: String,
    pub storage_key: String,
    pub title: String,
    pub alt: Localized,
    pub credit: Option<String>,
    pub copyright: Option<String>,
    pub focal_x: Option<f64>,
    pub focal_y: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl AssetRow {
    pub fn media_kind(&self) -> MediaKind {
        // The column holds what `sniff` decided; the check constraint keeps it one of these.
        MediaKind::from_media_type(&self.media_type).unwrap_or(MediaKind::Pdf)
    }

    pub fn focal_point(&self) -> Option<FocalPoint> {
        self.focal_x
            .zip(self.focal_y)
            .map(|(x, y)| FocalPoint { x, y })
    }

    pub fn link_facts(&self) -> LinkFacts<'_> {
        LinkFacts {
            id: self.id,
            sha256: &self.sha256,
            kind: self.media_kind(),
            width: self.width.and_then(|w| u32::try_from(w).ok()),
            height: self.height.and_then(|h| u32::try_from(h).ok()),
            focal_point: self
                .focal_point()
                .map(|f| crate::media::spec::FocalPoint { x: f.x, y: f.y }),
        }
    }

    pub fn input(&self) -> AssetInput {
        AssetInput {
            title: self.title.clone(),
            alt: self.alt.clone(),
            credit: self.credit.clone(),
            copyright: self.copyright.clone(),
            focal_point: self.focal_point(),
        }
    }
}

/// The metadata columns, one list for the insert of an upload and the update of its metadata.
#[derive(AsChangeset)]
#[diesel(table_name = assets, treat_none_as_null = true)]
pub struct MetadataForm<'a> {
    pub title: &'a str,
    pub alt: &'a Localized,
    pub credit: Option<&'a str>,
    pub copyright: Option<&'a str>,
    pub focal_x: Option<f64>,
    pub focal_y: Option<f64>,
}

impl<'a> MetadataForm<'a> {
    pub fn of(input: &'a AssetInput) -> Self {
        Self {
            title: input.title.trim(),
            alt: &input.alt,
            credit: input.credit.as_deref(),
            copyright: input.copyright.as_deref(),
            focal_x: input.focal_point.map(|f| f.x),
            focal_y: input.focal_point.map(|f| f.y),
        }
    }
}

/// What an upload stored: the row's file columns.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewFile {
    pub file_name: String,
    pub kind: String,
    pub media_type: String,
    pub byte_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub sha256: String,
    pub storage_key: String,
}

pub fn insert(conn: &mut PgConnection, file: &NewFile, input: &AssetInput) -> QueryResult<Uuid> {
    let metadata = MetadataForm::of(input);
    diesel::insert_into(assets::table)
        .values((
            assets::file_name.eq(&file.file_name),
            assets::kind.eq(&file.kind),
            assets::media_type.eq(&file.media_type),
            assets::byte_size.eq(file.byte_size),
            assets::width.eq(file.width),
            assets::height.eq(file.height),
            assets::sha256.eq(&file.sha256),
            assets::storage_key.eq(&file.storage_key),
            assets::title.eq(metadata.title),
            assets::alt.eq(metadata.alt),
            assets::credit.eq(metadata.credit),
            assets::copyright.eq(metadata.copyright),
            assets::focal_x.eq(metadata.focal_x),
            assets::focal_y.eq(metadata.focal_y),
        ))
        .returning(assets::id)
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<AssetRow>> {
    assets::table
        .find(id)
        .select(AssetRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<AssetRow>> {
    assets::table
        .filter(assets::id.eq_any(ids))
        .select(AssetRow::as_select())
        .load(conn)
}

/// The list's total order (newest first), and the key a cursor continues after.
pub type AssetKey = (DateTime<Utc>, Uuid);

pub fn key_of(row: &AssetRow) -> AssetKey {
    (row.created_at, row.id)
}

/// The filters of the list.
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    pub kind: Option<String>,
    /// Words that the file name or the title contains, each (case-insensitive).
    pub search: Option<String>,
}

/// `%word%` for ILIKE, with the pattern characters of the word escaped.
fn contains_pattern(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub fn list(
    conn: &mut PgConnection,
    filter: &AssetFilter,
    paging: &Paging<AssetKey>,
) -> QueryResult<(Vec<AssetRow>, Option<i64>)> {
    use diesel::sql_types::{Timestamptz, Uuid as SqlUuid};
    let filtered = || {
        let mut query = assets::table.into_boxed();
        if let Some(kind) = &filter.kind {
            query = query.filter(assets::kind.eq(kind.clone()));
        }
        for word in filter.search.iter().flat_map(|s| s.split_whitespace()) {
            let pattern = contains_pattern(word);
            query = query.filter(
                assets::file_name
                    .ilike(pattern.clone())
                    .or(assets::title.ilike(pattern)),
            );
        }
        query
    };
    let mut query = filtered()
        .select(AssetRow::as_select())
        .order((assets::created_at.desc(), assets::id.desc()))
        .limit(paging.limit())
        .offset(paging.offset());
    if let Some((at, id)) = paging.after() {
        query = query.filter(row_compare::<_, Timestamptz, SqlUuid, _, _>(
            "(assets.created_at, assets.id) < (",
            *at,
            *id,
        ));
    }
    let rows = query.load(conn)?;
    let total = match paging.count_total {
        true => Some(filtered().count().get_result(conn)?),
        false => None,
    };
    Ok((rows, total))
}

/// Where content uses the asset, in a stable order.
pub fn uses_of(conn: &mut PgConnection, id: Uuid) -> QueryResult<Vec<AssetUse>> {
    let rows: Vec<(String, Uuid, String)> = asset_uses::table
        .filter(asset_uses::asset_id.eq(id))
        .select((asset_uses::resource, asset_uses::item_id, asset_uses::field))
        .order((asset_uses::resource, asset_uses::item_id, asset_uses::field))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(resource, id, field)| AssetUse {
            resource,
            id,
            field,
        })
        .collect())
}

/// Sets the assets that `resource` item `item_id` uses (`(field, asset)` pairs), replacing what
/// it used before; called by the content's own write, in its transaction.
pub fn set_uses(
    conn: &mut PgConnection,
    resource: &str,
    item_id: Uuid,
    uses: &[(String, Uuid)],
) -> QueryResult<()> {
    diesel::delete(
        asset_uses::table
            .filter(asset_uses::resource.eq(resource))
            .filter(asset_uses::item_id.eq(item_id)),
    )
    .execute(conn)?;
    let rows: Vec<_> = uses
        .iter()
        .map(|(field, asset)| {
            (
                asset_uses::asset_id.eq(*asset),
                asset_uses::resource.eq(resource),
                asset_uses::item_id.eq(item_id),
                asset_uses::field.eq(field),
            )
        })
        .collect();
    diesel::insert_into(asset_uses::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(())
}

/// Whether public content shows the asset: a mission (missions are public), or a news item that
/// is published with its time come.
pub fn is_public(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<bool> {
    let public_news = news::table
        .filter(news::status.eq("published"))
        .filter(news::published_at.le(now))
        .select(news::id);
    let used = asset_uses::table
        .filter(asset_uses::asset_id.eq(id))
        .filter(
            asset_uses::resource.eq("mission").or(asset_uses::resource
                .eq("news")
                .and(asset_uses::item_id.eq_any(public_news))),
        )
        .select(asset_uses::asset_id);
    diesel::select(diesel::dsl::exists(used)).get_result(conn)
}

/// A variant's row: a claim while `stored_at` is NULL, then the stored file.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = asset_variants, check_for_backend(diesel::pg::Pg))]
pub struct VariantRow {
    pub storage_key: String,
    pub media_type: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub byte_size: Option<i64>,
    pub claimed_at: DateTime<Utc>,
    pub stored_at: Option<DateTime<Utc>>,
}

/// What a node finds when it asks to render a variant.
#[derive(Debug)]
pub enum Claim {
    /// Stored already.
    Stored(VariantRow),
    /// This node is to render it.
    Mine,
    /// Another node is rendering it since `claimed_at`.
    Theirs(DateTime<Utc>),
}

/// Claims the render of variant `params` of the file `sha256`, unless it is stored or claimed
/// (a claim older than `stale_after` is taken over).
pub fn claim_variant(
    conn: &mut PgConnection,
    sha256: &str,
    params: &str,
    storage_key: &str,
    media_type: &str,
    stale_after: chrono::Duration,
) -> QueryResult<Claim> {
    conn.transaction(|conn| {
        let inserted = diesel::insert_into(asset_variants::table)
            .values((
                asset_variants::sha256.eq(sha256),
                asset_variants::params.eq(params),
                asset_variants::storage_key.eq(storage_key),
                asset_variants::media_type.eq(media_type),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if inserted == 1 {
            return Ok(Claim::Mine);
        }
        let row: VariantRow = asset_variants::table
            .find((sha256, params))
            .select(VariantRow::as_select())
            .for_update()
            .first(conn)?;
        if row.stored_at.is_some() {
            return Ok(Claim::Stored(row));
        }
        if row.claimed_at < Utc::now() - stale_after {
            diesel::update(asset_variants::table.find((sha256, params)))
                .set(asset_variants::claimed_at.eq(diesel::dsl::now))
                .execute(conn)?;
            return Ok(Claim::Mine);
        }
        Ok(Claim::Theirs(row.claimed_at))
    })
}

pub fn find_variant(
    conn: &mut PgConnection,
    sha256: &str,
    params: &str,
) -> QueryResult<Option<VariantRow>> {
    asset_variants::table
        .find((sha256, params))
        .select(VariantRow::as_select())
        .first(conn)
        .optional()
}

/// Records the stored variant, ending the claim.
pub fn variant_stored(
    conn: &mut PgConnection,
    sha256: &str,
    params: &str,
    width: u32,
    height: u32,
    byte_size: usize,
) -> QueryResult<()> {
    diesel::update(asset_variants::table.find((sha256, params)))
        .set((
            asset_variants::width.eq(i32::try_from(width).unwrap_or(i32::MAX)),
            asset_variants::height.eq(i32::try_from(height).unwrap_or(i32::MAX)),
            asset_variants::byte_size.eq(i64::try_from(byte_size).unwrap_or(i64::MAX)),
            asset_variants::stored_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets a stored variant whose file is gone, so that it is rendered again.
pub fn forget_variant(conn: &mut PgConnection, sha256: &str, params: &str) -> QueryResult<()> {
    diesel::delete(asset_variants::table.find((sha256, params))).execute(conn)?;
    Ok(())
}

/// Drops a claim whose render failed, so that the next request tries again.
pub fn release_claim(conn: &mut PgConnection, sha256: &str, params: &str) -> QueryResult<()> {
    diesel::delete(
        asset_variants::table
            .find((sha256, params))
            .filter(asset_variants::stored_at.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// The content hashes that some asset still has (for `orgcms assets gc`).
pub fn live_hashes(conn: &mut PgConnection) -> QueryResult<Vec<String>> {
    assets::table.select(assets::sha256).distinct().load(conn)
}

/// Forgets the variants of files no asset has any more.
pub fn forget_dead_variants(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::delete(asset_variants::table.filter(diesel::dsl::not(
        asset_variants::sha256.eq_any(assets::table.select(assets::sha256)),
    )))
    .execute(conn)
}
