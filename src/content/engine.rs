//! The one mechanism of every content write: a transaction that takes the content lock, locks
//! the item, checks `If-Match`, validates, writes, records the audit entry and (for POST)
//! honours `Idempotency-Key`. Each resource only says how to store itself (`Document`).

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::accounts::auth::extractor::Editor;
use crate::content::document::Document;
use crate::content::locale::Locales;
use crate::content::request::WriteHeaders;
use crate::content::resource::with_document;
use crate::content::validation::Checker;
use crate::content::{audit, idempotency, preconditions};
use crate::http::body::{merge_patch, parse_input, READ_ONLY_FIELDS};
use crate::http::caching::strong_etag;
use crate::http::error::ApiError;
use crate::http::params::ItemKey;
use crate::media::links::MediaLinks;
use crate::resources::revisions::queries as revisions;
use crate::resources::trash::queries as trash;

/// Everything a write needs besides its body.
pub struct WriteContext {
    pub editor: Editor,
    pub headers: WriteHeaders,
    pub locales: Locales,
    pub links: MediaLinks,
    /// How many revisions of an item that were neither public nor pinned are kept.
    pub revisions_keep: u32,
}

/// The answer of a successful write.
#[derive(Debug, Clone)]
pub struct Written {
    pub status: StatusCode,
    pub body: Option<Vec<u8>>,
    pub etag: Option<String>,
    pub location: Option<String>,
}

impl Written {
    fn of<T: Serialize>(
        status: StatusCode,
        editor: &T,
        location: Option<String>,
    ) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(editor)
            .map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
        Ok(Self {
            status,
            etag: Some(strong_etag(&body)),
            body: Some(body),
            location,
        })
    }

    pub fn deleted() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            etag: None,
            location: None,
        }
    }

    pub fn response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(etag) = self.etag {
            response.insert_header((header::ETAG, etag));
        }
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        match self.body {
            Some(body) => response.content_type("application/json").body(body),
            None => response.finish(),
        }
    }
}

fn validated<D: Document>(ctx: &WriteContext, raw: Value) -> Result<D::Input, ApiError> {
    let input: D::Input = parse_input(raw)?;
    let mut checker = Checker::new(&ctx.locales);
    D::validate(&input, &mut checker);
    checker.finish()?;
    Ok(input)
}

fn to_value<T: Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(format!("serialize: {e}")))
}

/// The transaction of a content write. It takes the lock that orders content writes (and so the
/// change feed) before anything else: taken after a row lock, it could deadlock with a write
/// whose foreign-key actions lock rows after taking it.
fn content_transaction<T, F>(conn: &mut PgConnection, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, ApiError>,
{
    conn.transaction(|conn| {
        crate::resources::changes::queries::lock_content(conn)?;
        work(conn)
    })
}

fn loaded<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    id: Uuid,
) -> Result<D::Editor, ApiError> {
    D::load(conn, id, &ctx.links)?
        .ok_or_else(|| ApiError::Internal(format!("{} {id} vanished", D::RESOURCE)))
}

fn insert_new<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    input: D::Input,
) -> Result<Written, ApiError> {
    let id = D::insert(conn, Uuid::new_v4(), input, &ctx.links)?;
    created::<D>(conn, ctx, id)
}

/// The answer and the audit entry of an item just inserted.
fn created<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    id: Uuid,
) -> Result<Written, ApiError> {
    let created = loaded::<D>(conn, ctx, id)?;
    let document = to_value(&created)?;
    audit::record(
        conn,
        &ctx.editor,
        "create",
        D::RESOURCE,
        id,
        audit::changes(&Value::Null, &document),
    )?;
    record_revision::<D>(conn, ctx, &created, document)?;
    Written::of(StatusCode::CREATED, &created, Some(D::location(id)))
}

/// Stores the version just written as a revision, and prunes the item's older ones that
/// retention does not keep: in the write's transaction, so no version is ever missing.
fn record_revision<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    editor: &D::Editor,
    document: Value,
) -> Result<(), ApiError> {
    store_revision::<D>(
        conn,
        Some(ctx.editor.id),
        &ctx.editor.email,
        editor,
        document,
        true,
    )?;
    revisions::prune_item(conn, D::RESOURCE, D::id(editor), ctx.revisions_keep)?;
    Ok(())
}

/// Stores `editor` (whose JSON is `document`) as the revision of its version, by `author`. A
/// revision of that version already stored is replaced when `replace` (a write: the version is
/// what it wrote; a leftover of an item that came back from elsewhere is not), else it stays
/// (an import that brought it).
pub fn store_revision<D: Document>(
    conn: &mut PgConnection,
    author_id: Option<Uuid>,
    author_email: &str,
    editor: &D::Editor,
    document: Value,
    replace: bool,
) -> Result<(), ApiError> {
    let id = D::id(editor);
    let version = int_field(&document, "version")?;
    revisions::insert(
        conn,
        revisions::NewRevision {
            resource: D::RESOURCE,
            item_id: id,
            version,
            input: to_value(&D::input_of(editor))?,
            document,
            author_id,
            author_email,
            was_public: D::was_public(editor),
        },
        replace,
    )?;
    Ok(())
}

/// POST: creates an item (once per `Idempotency-Key`).
pub fn create<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    raw: Value,
) -> Result<Written, ApiError> {
    create_by::<D, _>(conn, ctx, &raw.to_string(), |conn| {
        let input = validated::<D>(ctx, raw)?;
        D::insert(conn, Uuid::new_v4(), input, &ctx.links)
    })
}

/// A create whose item is not made from a JSON body (an upload): `insert` makes the row,
/// `request` stands for the request in the `Idempotency-Key` check (the same key with another
/// request is a conflict). Everything else is `create`'s.
pub fn create_by<D: Document, F>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    request: &str,
    insert: F,
) -> Result<Written, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<Uuid, ApiError>,
{
    // The key stands for one request: the same body sent elsewhere is another one.
    let request = format!("POST {}\n{request}", D::COLLECTION);
    content_transaction(conn, |conn| {
        idempotent(conn, ctx, &request, |conn| {
            let id = insert(conn)?;
            created::<D>(conn, ctx, id)
        })
    })
}

/// Runs `work` once per `Idempotency-Key` (when the request has one): a repeat of `request`
/// with the key gets the first answer; the key with another request is a conflict.
fn idempotent<F>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    request: &str,
    work: F,
) -> Result<Written, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<Written, ApiError>,
{
    let Some(key) = &ctx.headers.idempotency_key else {
        return work(conn);
    };
    let hash: String = Sha256::digest(request.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if let Some(replay) =
        idempotency::claim(conn, &ctx.editor, key, &hash, ctx.headers.idempotency_ttl)?
    {
        return Ok(replay);
    }
    let written = work(conn)?;
    idempotency::store(conn, &ctx.editor, key, &written)?;
    Ok(written)
}

fn write_over<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    current: D::Editor,
    input: D::Input,
) -> Result<Written, ApiError> {
    let id = D::id(&current);
    if input == D::input_of(&current) {
        // Nothing changes: no new version, no audit entry.
        return Written::of(StatusCode::OK, &current, None);
    }
    let mut checker = Checker::new(&ctx.locales);
    D::validate_change(&current, &input, &mut checker);
    checker.finish()?;
    let before = to_value(&current)?;
    D::update(conn, &current, input, &ctx.links)?;
    let updated = loaded::<D>(conn, ctx, id)?;
    let document = to_value(&updated)?;
    let changed = audit::changes(&before, &document);
    if changed.as_object().is_some_and(|c| !c.is_empty()) {
        audit::record(conn, &ctx.editor, "update", D::RESOURCE, id, changed)?;
    }
    record_revision::<D>(conn, ctx, &updated, document)?;
    Written::of(StatusCode::OK, &updated, None)
}

/// The item, locked for the rest of the transaction. A slug is resolved to an id first and the
/// row is locked by id, so that a concurrent change of the slug cannot turn a 412 into a 404.
fn locked<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    key: &ItemKey,
) -> Result<Option<D::Editor>, ApiError> {
    let Some(id) = D::id_of(conn, key)? else {
        return Ok(None);
    };
    if !D::lock(conn, id)? {
        return Ok(None);
    }
    Ok(Some(loaded::<D>(conn, ctx, id)?))
}

fn not_found<D: Document>() -> ApiError {
    ApiError::not_found(format!("no such {} item", D::RESOURCE))
}

/// PUT: replaces the item with the body. With `create_missing`, a missing item is created.
pub fn replace<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    key: &ItemKey,
    raw: Value,
    create_missing: bool,
) -> Result<Written, ApiError> {
    // A request that fails anyway gets that answer, not 412 (RFC 9110 13.2.1).
    let input = validated::<D>(ctx, raw)?;
    content_transaction(conn, |conn| match locked::<D>(conn, ctx, key)? {
        Some(current) => {
            preconditions::check(ctx.headers.if_match.as_ref(), &current)?;
            write_over::<D>(conn, ctx, current, input)
        }
        None if create_missing => {
            // Even `If-Match: *` is false for an item that does not exist (RFC 9110 13.1.1).
            if ctx.headers.if_match.is_some() {
                return Err(ApiError::PreconditionFailed(
                    "the item does not exist".into(),
                ));
            }
            insert_new::<D>(conn, ctx, input)
        }
        None => Err(not_found::<D>()),
    })
}

/// PATCH: applies a JSON merge patch (RFC 7396) to the item's current input.
pub fn patch<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    key: &ItemKey,
    patch: Value,
) -> Result<Written, ApiError> {
    if !patch.is_object() {
        return Err(ApiError::validation(
            "body",
            "a merge patch must be a JSON object",
        ));
    }
    if let Some(field) = READ_ONLY_FIELDS.iter().find(|f| patch.get(**f).is_some()) {
        return Err(ApiError::validation(field, "is read-only"));
    }
    content_transaction(conn, |conn| {
        let current = locked::<D>(conn, ctx, key)?.ok_or_else(not_found::<D>)?;
        let mut document = to_value(&D::input_of(&current))?;
        merge_patch(&mut document, &patch);
        let input = validated::<D>(ctx, document)?;
        preconditions::check(ctx.headers.if_match.as_ref(), &current)?;
        write_over::<D>(conn, ctx, current, input)
    })
}

/// DELETE: removes the item; a resource with a trash (`Document::TRASH`) keeps it there, with
/// its revisions and its slug, else its revisions go with it.
pub fn delete<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    key: &ItemKey,
) -> Result<Written, ApiError> {
    content_transaction(conn, |conn| {
        let current = locked::<D>(conn, ctx, key)?.ok_or_else(not_found::<D>)?;
        preconditions::check(ctx.headers.if_match.as_ref(), &current)?;
        let id = D::id(&current);
        let before = to_value(&current)?;
        let dependents = D::written_by_delete(conn, &current)?;
        let dependents_before = dependents
            .iter()
            .map(|(resource, id)| {
                with_document!(*resource, T => T::load(conn, *id, &ctx.links)?
                    .map(|item| to_value(&item)).transpose())
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        D::delete(conn, &current)?;
        for ((resource, id), before) in dependents.iter().zip(dependents_before) {
            with_document!(*resource, T => {
                if let Some(item) = T::load(conn, *id, &ctx.links)? {
                    let document = to_value(&item)?;
                    let changed = audit::changes(&before.unwrap_or_default(), &document);
                    audit::record(conn, &ctx.editor, "update", T::RESOURCE, *id, changed)?;
                    record_revision::<T>(conn, ctx, &item, document)?;
                }
            });
        }
        if D::TRASH {
            trash::insert(
                conn,
                trash::NewTrashed {
                    resource: D::RESOURCE,
                    item_id: id,
                    slug: text_field(&before, "slug")?,
                    version: int_field(&before, "version")?,
                    created_at: serde_json::from_value(before["created_at"].clone())
                        .map_err(|e| ApiError::Internal(format!("created_at: {e}")))?,
                    input: to_value(&D::input_of(&current))?,
                    document: before.clone(),
                    deleted_by: ctx.editor.id,
                    deleted_by_email: &ctx.editor.email,
                },
            )?;
        } else {
            revisions::delete_item(conn, D::RESOURCE, id)?;
        }
        audit::record(
            conn,
            &ctx.editor,
            "delete",
            D::RESOURCE,
            id,
            audit::changes(&before, &Value::Null),
        )?;
        Ok(Written::deleted())
    })
}

fn text_field(document: &Value, field: &str) -> Result<String, ApiError> {
    document[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ApiError::Internal(format!("the editor view has no {field}")))
}

fn int_field(document: &Value, field: &str) -> Result<i32, ApiError> {
    document[field]
        .as_i64()
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| ApiError::Internal(format!("the editor view has no {field}")))
}

/// Restores revision `version` of the item `key` names: a new version whose content is the
/// revision's, written as a PUT of it would be (If-Match, validation, audit, change feed,
/// webhooks, Idempotency-Key). The item keeps its current publication state unless
/// `with_publication`.
pub fn restore_revision<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    key: &ItemKey,
    version: i32,
    with_publication: bool,
) -> Result<Written, ApiError> {
    let request = format!(
        "POST {}/{key:?}/revisions/{version}/restore?with_publication={with_publication}",
        D::COLLECTION
    );
    content_transaction(conn, |conn| {
        idempotent(conn, ctx, &request, |conn| {
            let current = locked::<D>(conn, ctx, key)?.ok_or_else(not_found::<D>)?;
            let (_, _, input) = revisions::find(conn, D::RESOURCE, D::id(&current), version)?
                .ok_or_else(|| ApiError::not_found("the item has no such revision"))?;
            let mut input = validated::<D>(ctx, input)?;
            if !with_publication {
                D::keep_publication(&mut input, &D::input_of(&current));
            }
            preconditions::check(ctx.headers.if_match.as_ref(), &current)?;
            write_over::<D>(conn, ctx, current, input)
        })
    })
}

/// Brings an item of `D` back from the trash (locked by the caller): its id, its slug, its
/// content as it was deleted, a draft unless `with_publication`; the next version after the
/// one deleted, and its revisions, which stayed. An item that can no longer be written as it
/// was (its mission or cover image is gone) gets the 422 that writing it would.
fn restore_from_trash<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    item_id: Uuid,
    input: Value,
    version: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    with_publication: bool,
) -> Result<Written, ApiError> {
    let mut input = validated::<D>(ctx, input)?;
    if !with_publication {
        D::withdraw(&mut input);
    }
    trash::remove(conn, item_id)?;
    D::insert(conn, item_id, input, &ctx.links)?;
    crate::content::document::stamp(
        conn,
        D::RESOURCE,
        item_id,
        version.saturating_add(1),
        created_at,
        chrono::Utc::now(),
    )?;
    created::<D>(conn, ctx, item_id)
}

/// POST /trash/{id}/restore: brings the item `item_id` back from the trash (see
/// `restore_from_trash`), once per `Idempotency-Key`.
pub fn restore_trashed(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    item_id: Uuid,
    with_publication: bool,
) -> Result<Written, ApiError> {
    use crate::content::resource::ContentResource;
    let request =
        format!("POST /api/v1/trash/{item_id}/restore?with_publication={with_publication}");
    content_transaction(conn, |conn| {
        idempotent(conn, ctx, &request, |conn| {
            let (item, input) = trash::find(conn, item_id, true)?
                .ok_or_else(|| ApiError::not_found("no such item in the trash"))?;
            let resource = ContentResource::parse(&item.resource)
                .map_err(|_| ApiError::Internal(format!("trash of {}", item.resource)))?;
            with_document!(resource, D => restore_from_trash::<D>(
                conn, ctx, item_id, input, item.version, item.created_at, with_publication,
            ))
        })
    })
}

/// The transaction of a write that does not start from an item of one resource (a purge of
/// the trash): the content lock first, as every content write.
pub fn content_write<F>(conn: &mut PgConnection, work: F) -> Result<Written, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<Written, ApiError>,
{
    content_transaction(conn, work)
}
