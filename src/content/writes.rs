//! One mechanism for every content write: a transaction that locks the item, checks `If-Match`,
//! validates, writes, records the audit entry, and (for POST) honours `Idempotency-Key`.
//! Each resource only says how to load, insert, update and delete its rows (`Document`).

use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::accounts::auth::extractor::Editor;
use crate::content::locale::Locales;
use crate::content::validation::Checker;
use crate::db::schema::idempotency_keys;
use crate::http::body::{merge_patch, parse_input, READ_ONLY_FIELDS};
use crate::http::caching::strong_etag;
use crate::http::error::ApiError;
use crate::http::params::ItemKey;

/// A resource that editors write as one document.
pub trait Document: 'static {
    /// The resource's name in the audit log.
    const RESOURCE: &'static str;
    /// The collection's path; a created item lives at `{COLLECTION}/{id}`.
    const COLLECTION: &'static str;
    /// The body of POST and PUT (and what a PATCH must produce).
    type Input: DeserializeOwned + Serialize + PartialEq + Send + 'static;
    /// What editors read: the input's fields plus `id`, `created_at`, `updated_at`, `version`.
    type Editor: Serialize + Send + 'static;

    fn validate(input: &Self::Input, checker: &mut Checker);
    /// Where a created item lives.
    fn location(id: Uuid) -> String {
        format!("{}/{id}", Self::COLLECTION)
    }
    /// The id of the item `key` names, or None when it does not exist.
    fn id_of(conn: &mut PgConnection, key: &ItemKey) -> Result<Option<Uuid>, ApiError>;
    /// Locks the item's row for the rest of the transaction; false when it no longer exists.
    fn lock(conn: &mut PgConnection, id: Uuid) -> Result<bool, ApiError>;
    fn load(conn: &mut PgConnection, id: Uuid) -> Result<Option<Self::Editor>, ApiError>;
    /// The input that would write the item as it is now.
    fn input_of(editor: &Self::Editor) -> Self::Input;
    fn insert(conn: &mut PgConnection, input: Self::Input) -> Result<Uuid, ApiError>;
    fn update(
        conn: &mut PgConnection,
        current: &Self::Editor,
        input: Self::Input,
    ) -> Result<(), ApiError>;
    fn delete(conn: &mut PgConnection, current: &Self::Editor) -> Result<(), ApiError>;
}

/// The condition `slug = base OR slug LIKE 'base-%'` on a table's slug column `C`.
type SlugsLike<C> = diesel::dsl::Or<diesel::dsl::Eq<C, String>, diesel::dsl::Like<C, String>>;

/// A slug that no row of `slug`'s table uses, made from `base`: the first of `base`, `base-2`,
/// `base-3`... (see `first_free_slug`). One allocator for every table with a unique slug.
///
/// `base` goes into a `LIKE` pattern unescaped. A slug is `[a-z0-9-]` (`slug_from_title`), so it
/// holds none of `LIKE`'s metacharacters (`_`, `%`, `\`); were one there, `_` and `%` would only
/// fetch more slugs than needed (harmless: each candidate is checked exactly), but `\` could
/// hide a taken one.
pub fn free_slug<C, F, S>(conn: &mut PgConnection, slug: C, base: &str) -> Result<String, ApiError>
where
    C: Column<SqlType = diesel::sql_types::Text> + ExpressionMethods + TextExpressionMethods + Copy,
    C::Table: Default + diesel::query_dsl::methods::FilterDsl<SlugsLike<C>, Output = F>,
    F: diesel::query_dsl::methods::SelectDsl<C, Output = S>,
    S: for<'a> diesel::query_dsl::LoadQuery<'a, PgConnection, String>,
{
    let taken: Vec<String> = C::Table::default()
        .filter(slug.eq(base.to_owned()).or(slug.like(format!("{base}-%"))))
        .select(slug)
        .load(conn)?;
    Ok(crate::content::validation::first_free_slug(base, &taken))
}

/// `Document::id_of` and `Document::lock` for a table whose rows have an `id` and a unique
/// `slug`; expands inside the `impl Document` of such a resource.
macro_rules! id_or_slug_lookups {
    ($table:ident) => {
        fn id_of(
            conn: &mut diesel::PgConnection,
            key: &$crate::http::params::ItemKey,
        ) -> Result<Option<uuid::Uuid>, $crate::http::error::ApiError> {
            use diesel::prelude::*;
            let query = $table::table.select($table::id);
            let id = match key {
                $crate::http::params::ItemKey::Id(id) => {
                    query.filter($table::id.eq(*id)).first(conn)
                }
                $crate::http::params::ItemKey::Slug(slug) => {
                    query.filter($table::slug.eq(slug)).first(conn)
                }
            };
            Ok(id.optional()?)
        }

        fn lock(
            conn: &mut diesel::PgConnection,
            id: uuid::Uuid,
        ) -> Result<bool, $crate::http::error::ApiError> {
            use diesel::prelude::*;
            let locked: Option<uuid::Uuid> = $table::table
                .find(id)
                .select($table::id)
                .for_update()
                .first(conn)
                .optional()?;
            Ok(locked.is_some())
        }
    };
}
pub(crate) use id_or_slug_lookups;

/// `If-Match`: `*` or a list of strong entity tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    /// `*`, or entity tags (`"x"` or `W/"x"`) separated by commas and spaces; a comma may stand
    /// inside a tag.
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let bad = || {
            ApiError::bad_request(
                "invalid-header",
                "If-Match must be `*` or a list of quoted entity tags",
            )
        };
        let value = value.trim_matches(' ');
        if value == "*" {
            return Ok(Self::Any);
        }
        let mut tags = Vec::new();
        let mut rest = value;
        loop {
            let weak = rest.starts_with("W/");
            let quoted = if weak { &rest[2..] } else { rest };
            let body = quoted.strip_prefix('"').ok_or_else(bad)?;
            let end = body.find('"').ok_or_else(bad)?;
            let tag = &body[..end];
            if !tag.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b)) {
                return Err(bad());
            }
            tags.push(format!("{}\"{tag}\"", if weak { "W/" } else { "" }));
            rest = body[end + 1..].trim_start_matches(' ');
            if rest.is_empty() {
                break;
            }
            rest = rest
                .strip_prefix(',')
                .ok_or_else(bad)?
                .trim_start_matches(' ');
        }
        Ok(Self::Tags(tags))
    }

    /// Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
    pub fn matches(&self, etag: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|t| t == etag),
        }
    }
}

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

/// The write-related headers of a request, and how long its `Idempotency-Key` holds.
#[derive(Clone, Debug, Default)]
pub struct WriteHeaders {
    pub if_match: Option<IfMatch>,
    pub idempotency_key: Option<String>,
    pub idempotency_ttl: IdempotencyTtl,
}

impl WriteHeaders {
    pub fn parse(req: &HttpRequest) -> Result<Self, ApiError> {
        // An empty header (or only spaces) says nothing: it counts as absent.
        let text = |name: header::HeaderName| -> Result<Option<String>, ApiError> {
            req.headers()
                .get(&name)
                .filter(|v| !v.as_bytes().iter().all(|b| *b == b' '))
                .map(|v| {
                    v.to_str().map(str::to_owned).map_err(|_| {
                        ApiError::bad_request("invalid-header", format!("{name} is not ASCII"))
                    })
                })
                .transpose()
        };
        let if_match = text(header::IF_MATCH)?
            .map(|v| IfMatch::parse(&v))
            .transpose()?;
        let idempotency_key = text(header::HeaderName::from_static("idempotency-key"))?;
        if let Some(key) = &idempotency_key {
            if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ApiError::bad_request(
                    "invalid-header",
                    "Idempotency-Key must be 1 to 200 visible ASCII characters",
                ));
            }
        }
        let idempotency_ttl = req
            .app_data::<actix_web::web::Data<IdempotencyTtl>>()
            .map(|ttl| *ttl.get_ref())
            .unwrap_or_default();
        Ok(Self {
            if_match,
            idempotency_key,
            idempotency_ttl,
        })
    }
}

/// An authenticated write: the editor is checked first, so that a bad token is a 401 whatever
/// else is wrong with the request; then the write headers, then the JSON body.
pub struct WriteRequest {
    pub editor: Editor,
    pub headers: WriteHeaders,
    pub body: Value,
}

impl FromRequest for WriteRequest {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let editor = Editor::from_request(req, payload);
        let headers = WriteHeaders::parse(req);
        let body = crate::http::body::JsonValue::from_request(req, payload);
        Box::pin(async move {
            let editor = editor.await?;
            let headers = headers?;
            let body = body.await?.0;
            Ok(Self {
                editor,
                headers,
                body,
            })
        })
    }
}

/// An authenticated write without a body (DELETE).
pub struct BodilessWriteRequest {
    pub editor: Editor,
    pub headers: WriteHeaders,
}

impl FromRequest for BodilessWriteRequest {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let editor = Editor::from_request(req, payload);
        let headers = WriteHeaders::parse(req);
        Box::pin(async move {
            Ok(Self {
                editor: editor.await?,
                headers: headers?,
            })
        })
    }
}

/// Everything a write needs besides its body.
pub struct WriteContext {
    pub editor: Editor,
    pub headers: WriteHeaders,
    pub locales: Locales,
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

    fn deleted() -> Self {
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

/// The ETag editors see for an item; `If-Match` is compared with it.
pub fn editor_etag<T: Serialize>(editor: &T) -> Result<String, ApiError> {
    let body =
        serde_json::to_vec(editor).map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    Ok(strong_etag(&body))
}

fn check_precondition<D: Document>(
    ctx: &WriteContext,
    current: &D::Editor,
) -> Result<(), ApiError> {
    if let Some(if_match) = &ctx.headers.if_match {
        if !if_match.matches(&editor_etag(current)?) {
            return Err(ApiError::PreconditionFailed(
                "the item changed since you read it (If-Match does not match its ETag); read it again".into(),
            ));
        }
    }
    Ok(())
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

/// The top-level fields that differ, as `{field: {"from": old, "to": new}}`.
pub fn changes(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut changed = Map::new();
    for key in before.keys().chain(after.keys()) {
        if matches!(key.as_str(), "updated_at" | "version") || changed.contains_key(key) {
            continue;
        }
        let (old, new) = (
            before.get(key).unwrap_or(&Value::Null),
            after.get(key).unwrap_or(&Value::Null),
        );
        if old != new {
            changed.insert(key.clone(), serde_json::json!({"from": old, "to": new}));
        }
    }
    Value::Object(changed)
}

fn audit(
    conn: &mut PgConnection,
    editor: &Editor,
    action: &str,
    resource: &str,
    item_id: Uuid,
    changes: Value,
) -> Result<(), ApiError> {
    Ok(crate::resources::audit::queries::record(
        conn,
        editor.id,
        &editor.email,
        action,
        resource,
        item_id,
        changes,
    )?)
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
fn claim_idempotency_key(
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

fn store_idempotent_answer(
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

fn loaded<D: Document>(conn: &mut PgConnection, id: Uuid) -> Result<D::Editor, ApiError> {
    D::load(conn, id)?.ok_or_else(|| ApiError::Internal(format!("{} {id} vanished", D::RESOURCE)))
}

fn insert_new<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    input: D::Input,
) -> Result<Written, ApiError> {
    let id = D::insert(conn, input)?;
    let created = loaded::<D>(conn, id)?;
    audit(
        conn,
        &ctx.editor,
        "create",
        D::RESOURCE,
        id,
        changes(&Value::Null, &to_value(&created)?),
    )?;
    Written::of(StatusCode::CREATED, &created, Some(D::location(id)))
}

/// POST: creates an item (once per `Idempotency-Key`).
pub fn create<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    raw: Value,
) -> Result<Written, ApiError> {
    content_transaction(conn, |conn| {
        let idempotency = match &ctx.headers.idempotency_key {
            Some(key) => {
                // The key stands for one request: the same body sent elsewhere is another one.
                let request = format!("POST {}\n{raw}", D::COLLECTION);
                let hash: String = Sha256::digest(request.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if let Some(replay) = claim_idempotency_key(
                    conn,
                    &ctx.editor,
                    key,
                    &hash,
                    ctx.headers.idempotency_ttl,
                )? {
                    return Ok(replay);
                }
                Some(key)
            }
            None => None,
        };
        let input = validated::<D>(ctx, raw)?;
        let written = insert_new::<D>(conn, ctx, input)?;
        if let Some(key) = idempotency {
            store_idempotent_answer(conn, &ctx.editor, key, &written)?;
        }
        Ok(written)
    })
}

fn write_over<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    current: D::Editor,
    input: D::Input,
) -> Result<Written, ApiError> {
    let id = current_id::<D>(&current)?;
    if input == D::input_of(&current) {
        // Nothing changes: no new version, no audit entry.
        return Written::of(StatusCode::OK, &current, None);
    }
    let before = to_value(&current)?;
    D::update(conn, &current, input)?;
    let updated = loaded::<D>(conn, id)?;
    let changed = changes(&before, &to_value(&updated)?);
    if changed.as_object().is_some_and(|c| !c.is_empty()) {
        audit(conn, &ctx.editor, "update", D::RESOURCE, id, changed)?;
    }
    Written::of(StatusCode::OK, &updated, None)
}

fn current_id<D: Document>(current: &D::Editor) -> Result<Uuid, ApiError> {
    to_value(current)?
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| ApiError::Internal(format!("{} has no id", D::RESOURCE)))
}

/// The item, locked for the rest of the transaction. A slug is resolved to an id first and the
/// row is locked by id, so that a concurrent change of the slug cannot turn a 412 into a 404.
fn locked<D: Document>(
    conn: &mut PgConnection,
    key: &ItemKey,
) -> Result<Option<D::Editor>, ApiError> {
    let Some(id) = D::id_of(conn, key)? else {
        return Ok(None);
    };
    if !D::lock(conn, id)? {
        return Ok(None);
    }
    Ok(Some(loaded::<D>(conn, id)?))
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
    content_transaction(conn, |conn| match locked::<D>(conn, key)? {
        Some(current) => {
            check_precondition::<D>(ctx, &current)?;
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
        let current = locked::<D>(conn, key)?.ok_or_else(not_found::<D>)?;
        let mut document = to_value(&D::input_of(&current))?;
        merge_patch(&mut document, &patch);
        let input = validated::<D>(ctx, document)?;
        check_precondition::<D>(ctx, &current)?;
        write_over::<D>(conn, ctx, current, input)
    })
}

/// DELETE: removes the item.
pub fn delete<D: Document>(
    conn: &mut PgConnection,
    ctx: &WriteContext,
    key: &ItemKey,
) -> Result<Written, ApiError> {
    content_transaction(conn, |conn| {
        let current = locked::<D>(conn, key)?.ok_or_else(not_found::<D>)?;
        check_precondition::<D>(ctx, &current)?;
        let id = current_id::<D>(&current)?;
        let before = to_value(&current)?;
        D::delete(conn, &current)?;
        audit(
            conn,
            &ctx.editor,
            "delete",
            D::RESOURCE,
            id,
            changes(&before, &Value::Null),
        )?;
        Ok(Written::deleted())
    })
}

/// Runs one write operation for an authenticated editor and answers with its result.
pub async fn run_write<F>(
    pool: &actix_web::web::Data<crate::db::DbPool>,
    editor: Editor,
    headers: WriteHeaders,
    locales: &Locales,
    operation: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut PgConnection, &WriteContext) -> Result<Written, ApiError> + Send + 'static,
{
    let ctx = WriteContext {
        editor,
        headers,
        locales: locales.clone(),
    };
    let written = crate::db::run(pool, move |conn| operation(conn, &ctx)).await?;
    Ok(written.response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn if_match_parsing_and_strong_comparison() {
        assert_eq!(IfMatch::parse("*").unwrap(), IfMatch::Any);
        let m = IfMatch::parse("\"a\", \"b\"").unwrap();
        assert!(m.matches("\"b\""));
        assert!(!m.matches("\"c\""));
        assert!(
            !IfMatch::parse("W/\"a\"").unwrap().matches("\"a\""),
            "weak never matches"
        );
        let commas = IfMatch::parse("\"a,b\" ,W/\"c\"").unwrap();
        assert!(commas.matches("\"a,b\""));
        for bad in ["a", "\"a", "", "\"a\"b\"", "\"a\",", "\"a\"\t,\"b\""] {
            assert!(IfMatch::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn changes_list_only_what_differs() {
        let before =
            json!({"id": 1, "title": {"en": "a"}, "tags": [], "version": 1, "updated_at": "x"});
        let after =
            json!({"id": 1, "title": {"en": "b"}, "tags": [], "version": 2, "updated_at": "y"});
        assert_eq!(
            changes(&before, &after),
            json!({"title": {"from": {"en": "a"}, "to": {"en": "b"}}})
        );
        assert_eq!(changes(&Value::Null, &json!({"a": 1}))["a"]["to"], 1);
        assert_eq!(changes(&json!({"a": 1}), &Value::Null)["a"]["from"], 1);
    }
}

/// `If-Match` under any header value.
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text};
    use proptest::prelude::*;

    /// An entity tag as RFC 9110 writes it (`etagc` characters, a comma included), maybe weak.
    fn entity_tag() -> impl Strategy<Value = String> {
        (any::<bool>(), "[!#-~]{0,20}")
            .prop_map(|(weak, tag)| format!("{}\"{tag}\"", if weak { "W/" } else { "" }))
    }

    proptest! {
        #![proptest_config(config(1000))]

        /// A list of quoted tags, however it is spaced, parses back into exactly those tags.
        #[test]
        fn lists_of_tags_round_trip(
            tags in prop::collection::vec(entity_tag(), 1..8),
            spaces in prop::collection::vec((0usize..3, 0usize..3), 8),
            outer in (0usize..3, 0usize..3),
        ) {
            let mut value = " ".repeat(outer.0);
            for (i, tag) in tags.iter().enumerate() {
                if i > 0 {
                    value.push_str(&" ".repeat(spaces[i].0));
                    value.push(',');
                    value.push_str(&" ".repeat(spaces[i].1));
                }
                value.push_str(tag);
            }
            value.push_str(&" ".repeat(outer.1));
            prop_assert_eq!(IfMatch::parse(&value).ok(), Some(IfMatch::Tags(tags.clone())));
            // The strong ETag of an item matches when the list holds it as a strong tag.
            for tag in &tags {
                let strong = tag.trim_start_matches("W/");
                prop_assert_eq!(
                    IfMatch::Tags(tags.clone()).matches(strong),
                    tags.iter().any(|t| t == strong)
                );
            }
        }

        /// Any value: `*`, a list of tags, or a 400; never a panic.
        #[test]
        fn any_value_parses_or_is_a_400(value in prop_oneof![
            hostile_text(20),
            prop::collection::vec(prop_oneof![entity_tag(), hostile_text(2)], 0..6)
                .prop_map(|parts| parts.join(",")),
        ]) {
            match IfMatch::parse(&value) {
                Ok(IfMatch::Any) => prop_assert_eq!(value.trim_matches(' '), "*"),
                Ok(IfMatch::Tags(tags)) => {
                    prop_assert!(!tags.is_empty());
                    // What was understood is what the value says.
                    prop_assert_eq!(IfMatch::parse(&tags.join(", ")).ok(), Some(IfMatch::Tags(tags)));
                }
                Err(e) => prop_assert_eq!(e.problem().status, 400),
            }
        }
    }
}
