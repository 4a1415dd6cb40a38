//! `Idempotency-Key`: a POST that is retried with the same key and body replays the first
//! answer and creates nothing; the key is kept for a configurable time.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::accounts::auth::extractor::Editor;
use crate::content::engine::Written;
use crate::db::schema::idempotency_keys;
use crate::http::error::ApiError;

/// How long an `Idempotency-Key` is honoured (`ORGCMS_IDEMPOTENCY_TTL_HOURS`, default 24
/// hours): an older key counts as absent, and the next POST with a key deletes every expired
/// one (there is an index on `created_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdempotencyTtl(pub chrono::Duration);

impl Default for IdempotencyTtl {
    fn default() -> Self {
        Self(chrono::Duration::hours(24))
    }
}

#[derive(Queryable)]
struct StoredAnswer {
    request_hash: String,
    status: i32,
    location: Option<String>,
    etag: Option<String>,
    body: String,
}

/// Reserves `key` for this request, or returns the answer stored for it. Waits while another
/// transaction holds the same key, so concurrent retries create nothing twice. Keys older than
/// `ttl` (this one or any other) are deleted first, so an expired key is a new one.
pub fn claim(
    conn: &mut PgConnection,
    editor: &Editor,
    key: &str,
    request_hash: &str,
    ttl: IdempotencyTtl,
) -> Result<Option<Written>, ApiError> {
    let expired_before = chrono::Utc::now() - ttl.0;
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(expired_before)))
        .execute(conn)?;
    let claimed = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(editor.id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status.eq(0),
            idempotency_keys::body.eq(""),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    if claimed == 1 {
        return Ok(None);
    }
    let stored: StoredAnswer = idempotency_keys::table
        .find((editor.id, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::location,
            idempotency_keys::etag,
            idempotency_keys::body,
        ))
        .first(conn)?;
    if stored.request_hash != request_hash {
        return Err(ApiError::UnprocessableRequest {
            kind: "idempotency-key-reused",
            detail: "this Idempotency-Key was already used with a different request body".into(),
        });
    }
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| ApiError::Internal("stored idempotent answer has no status".into()))?;
    Ok(Some(Written {
        status,
        body: Some(stored.body.into_bytes()),
        etag: stored.etag,
        location: stored.location,
    }))
}

pub fn store(
    conn: &mut PgConnection,
    editor: &Editor,
    key: &str,
    written: &Written,
) -> Result<(), ApiError> {
    let body = written
        .body
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    diesel::update(idempotency_keys::table.find((editor.id, key)))
        .set((
            idempotency_keys::status.eq(i32::from(written.status.as_u16())),
            idempotency_keys::location.eq(&written.location),
            idempotency_keys::etag.eq(&written.etag),
            idempotency_keys::body.eq(body.as_ref()),
        ))
        .execute(conn)?;
    Ok(())
}
