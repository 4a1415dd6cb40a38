//! `/api-keys`: administrators issue, change, rotate and revoke partner API keys.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::Connection;
use uuid::Uuid;

use super::dto::{ApiKey, ApiKeyInput, ApiKeyWithSecret};
use super::queries;
use crate::accounts::auth::extractor::{Admin, AdminWrite, Editor};
use crate::accounts::keys::token;
use crate::app::state::State;
use crate::content::request::WriteHeaders;
use crate::content::validation::Checker;
use crate::content::{audit, preconditions};
use crate::db;
use crate::http::body::{parse_input, patched};
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams};
use crate::http::params::{ListQuery, NoParams};
use crate::http::responses::{
    created_response, editor_item_response, editor_list_response, written_response,
};

const MISSING: &str = "no such API key";
/// Keys are issued for at most this long, and for 90 days unless the administrator says.
const LONGEST: chrono::Duration = chrono::Duration::days(366);
const DEFAULT_LIFETIME: chrono::Duration = chrono::Duration::days(90);

fn key_id(segment: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(segment).map_err(|_| ApiError::not_found(MISSING))
}

/// The rules of a key beyond its JSON shape; the expiry it will have.
async fn validated(
    state: &State,
    input: &ApiKeyInput,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    let mut checker = Checker::new(&state.locales);
    let name = input.name.trim();
    if name.is_empty() || input.name.chars().count() > 200 {
        checker.fail("name", "must be 1 to 200 characters, not blank");
    }
    if input.description.chars().count() > 500 {
        checker.fail("description", "must be at most 500 characters");
    }
    if input.scopes.is_empty() {
        checker.fail("scopes", "must name at least one scope");
    }
    for (i, scope) in input.scopes.iter().enumerate() {
        if input.scopes[..i].contains(scope) {
            checker.fail(&format!("scopes[{i}]"), "is given twice");
        }
    }
    if let Some(locales) = &input.locales {
        // The editor view holds every locale: it cannot be cut to some.
        if input
            .scopes
            .contains(&crate::accounts::keys::Scope::DraftsRead)
        {
            checker.fail(
                "locales",
                "a key with drafts:read reads the editor view, which holds every locale: \
                 leave locales null",
            );
        }
        if locales.is_empty() {
            checker.fail(
                "locales",
                "must name at least one locale, or be null for all",
            );
        }
        for (i, locale) in locales.iter().enumerate() {
            if !state.locales.all().contains(locale) {
                checker.fail(
                    &format!("locales[{i}]"),
                    format!(
                        "unknown locale; available: {}",
                        state.locales.all().join(", ")
                    ),
                );
            } else if locales[..i].contains(locale) {
                checker.fail(&format!("locales[{i}]"), "is given twice");
            }
        }
    }
    if !(1..=100_000).contains(&input.rate_limit_per_minute) {
        checker.fail("rate_limit_per_minute", "must be between 1 and 100000");
    }
    if !(1..=100_000_000).contains(&input.daily_quota) {
        checker.fail("daily_quota", "must be between 1 and 100000000");
    }
    let expires_at = input.expires_at.unwrap_or(now + DEFAULT_LIFETIME);
    if expires_at <= now {
        checker.fail("expires_at", "must be in the future");
    } else if expires_at > now + LONGEST {
        checker.fail("expires_at", "must be at most 366 days away");
    }
    checker.finish()?;
    if let Some(mission) = input.mission_id {
        let exists = db::run(&state.pool, move |conn| {
            Ok(crate::resources::missions::queries::exists(conn, mission)?)
        })
        .await?;
        if !exists {
            return Err(ApiError::validation("mission_id", "no mission has this id"));
        }
    }
    Ok(expires_at)
}

fn audited(
    conn: &mut diesel::PgConnection,
    actor: &Editor,
    action: &str,
    id: Uuid,
    before: Option<&ApiKey>,
    after: Option<&ApiKey>,
) -> Result<(), ApiError> {
    audit::record_change(conn, actor, action, "api_keys", id, before, after)
}

/// A new secret: the key, what is stored of it, and what is shown of it.
fn new_secret() -> Result<(String, Vec<u8>, String), ApiError> {
    let key = token::generate()
        .ok_or_else(|| ApiError::Internal("no randomness for an API key".into()))?;
    let hash = token::hash(&key);
    let prefix = token::shown_part(&key);
    Ok((key, hash, prefix))
}

/// List the API keys
#[utoipa::path(
    tag = "api-keys",
    operation_id = "list_api_keys",
    params(PageParams),
    responses(
        (status = 200, description = "A page of keys, oldest first (never their secrets)", body = ListResponse<ApiKey>),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    req: HttpRequest,
    _admin: Admin,
    query: ListQuery<NoParams>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let paging = query.paging(&req, true)?;
    let page = paging.clone();
    let (rows, total) = db::run(&state.pool, move |c| Ok(queries::list(c, &page)?)).await?;
    let (rows, meta) = paging.finish(rows, total, queries::key_of);
    editor_list_response(&req, rows.into_iter().map(ApiKey::new).collect(), meta)
}

/// Issue an API key
///
/// The answer carries the key, shown this once (orgcms keeps only its SHA-256). Partners send it
/// as `Authorization: Bearer <key>`; it reads what its scopes allow and never writes.
#[utoipa::path(
    tag = "api-keys",
    operation_id = "create_api_key",
    request_body = ApiKeyInput,
    responses(
        (status = 201, description = "Issued; `Location` names the key", body = ApiKeyWithSecret),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/api-keys")]
pub async fn create_api_key(write: AdminWrite, state: State) -> Result<HttpResponse, ApiError> {
    let actor = write.admin;
    let input: ApiKeyInput = parse_input(write.body)?;
    let expires_at = validated(&state, &input, Utc::now()).await?;
    let (key, hash, prefix) = new_secret()?;
    let row = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let row = queries::insert(conn, &input, expires_at, &prefix, &hash)?;
            audited(
                conn,
                &actor,
                "create",
                row.id,
                None,
                Some(&ApiKey::new(row.clone())),
            )?;
            Ok(row)
        })
    })
    .await?;
    let location = format!("/api/v1/api-keys/{}", row.id);
    let body = ApiKeyWithSecret {
        api_key: ApiKey::new(row),
        key,
    };
    created_response(&location, &body)
}

/// Get an API key
#[utoipa::path(
    tag = "api-keys",
    operation_id = "get_api_key",
    params(("id" = Uuid, Path, description = "The key's id", example = "3c1d9a7e-52b4-4f1e-8a0d-6b7c8d9e0f12")),
    responses(
        (status = 200, description = "The key (never its secret)", body = ApiKey),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/api-keys/{id}")]
pub async fn get_api_key(
    req: HttpRequest,
    _admin: Admin,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = key_id(&path)?;
    let row = db::run(&state.pool, move |c| Ok(queries::find(c, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found(MISSING))?;
    editor_item_response(&req, &ApiKey::new(row))
}

/// Change an API key
///
/// A JSON merge patch (RFC 7396) of `ApiKeyInput`: its name, scopes, restrictions, limits or
/// expiry. The change holds for the key's next request, on every node.
#[utoipa::path(
    tag = "api-keys",
    operation_id = "update_api_key",
    extensions(("x-orgcms-conditional" = json!(true))),
    params(("id" = Uuid, Path, description = "The key's id", example = "3c1d9a7e-52b4-4f1e-8a0d-6b7c8d9e0f12")),
    request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
        description = "Fields of `ApiKeyInput` to change", example = json!({"scopes": ["content:read", "assets:read"]})),
    responses(
        (status = 200, description = "The key as written", body = ApiKey),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[patch("/api-keys/{id}")]
pub async fn update_api_key(
    req: HttpRequest,
    write: AdminWrite,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = key_id(&path)?;
    let headers = WriteHeaders::parse(&req)?;
    let actor = write.admin;
    let current = db::run(&state.pool, move |c| Ok(queries::find(c, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found(MISSING))?;
    let input = patched(&ApiKey::new(current).input(), &write.body)?;
    let expires_at = validated(&state, &input, Utc::now()).await?;
    let row = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let current = queries::lock(conn, id)?.ok_or_else(|| ApiError::not_found(MISSING))?;
            let before = ApiKey::new(current.clone());
            preconditions::check(headers.if_match.as_ref(), &before)?;
            if before.input() == input {
                return Ok(current);
            }
            let row = queries::update(conn, &current, &input, expires_at)?;
            audited(
                conn,
                &actor,
                "update",
                id,
                Some(&before),
                Some(&ApiKey::new(row.clone())),
            )?;
            Ok(row)
        })
    })
    .await?;
    written_response(StatusCode::OK, &ApiKey::new(row))
}

/// Revoke an API key
///
/// The key (and a previous one still in its rotation overlap) stops working at once, on every
/// node: each request with a key looks it up.
#[utoipa::path(
    tag = "api-keys",
    operation_id = "delete_api_key",
    extensions(("x-orgcms-conditional" = json!(true))),
    params(("id" = Uuid, Path, description = "The key's id", example = "3c1d9a7e-52b4-4f1e-8a0d-6b7c8d9e0f12")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[delete("/api-keys/{id}")]
pub async fn delete_api_key(
    req: HttpRequest,
    admin: Admin,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = key_id(&path)?;
    let headers = WriteHeaders::parse(&req)?;
    let actor = admin.0;
    db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let current = queries::lock(conn, id)?.ok_or_else(|| ApiError::not_found(MISSING))?;
            let before = ApiKey::new(current);
            preconditions::check(headers.if_match.as_ref(), &before)?;
            queries::delete(conn, id)?;
            audited(conn, &actor, "delete", id, Some(&before), None)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent()
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}

/// Rotate an API key
///
/// The answer carries the new key, shown this once. The key it replaces keeps working until
/// `previous_key_expires_at` (`ORGCMS_API_KEY_ROTATION_OVERLAP_SECS` from now), so the partner
/// can deploy the new one without a gap; rotating again ends that overlap.
#[utoipa::path(
    tag = "api-keys",
    operation_id = "rotate_api_key",
    extensions(("x-orgcms-conditional" = json!(true))),
    params(("id" = Uuid, Path, description = "The key's id", example = "3c1d9a7e-52b4-4f1e-8a0d-6b7c8d9e0f12")),
    responses(
        (status = 200, description = "The key with its new secret", body = ApiKeyWithSecret),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/api-keys/{id}/rotate")]
pub async fn rotate_api_key(
    req: HttpRequest,
    admin: Admin,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = key_id(&path)?;
    let headers = WriteHeaders::parse(&req)?;
    let actor = admin.0;
    let (key, hash, prefix) = new_secret()?;
    let overlap = chrono::Duration::from_std(state.api_keys.rotation_overlap)
        .unwrap_or(chrono::Duration::zero());
    let row = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let current = queries::lock(conn, id)?.ok_or_else(|| ApiError::not_found(MISSING))?;
            let before = ApiKey::new(current.clone());
            preconditions::check(headers.if_match.as_ref(), &before)?;
            let row = queries::rotate(conn, &current, &prefix, &hash, Utc::now() + overlap)?;
            audited(
                conn,
                &actor,
                "update",
                id,
                Some(&before),
                Some(&ApiKey::new(row.clone())),
            )?;
            Ok(row)
        })
    })
    .await?;
    written_response(
        StatusCode::OK,
        &ApiKeyWithSecret {
            api_key: ApiKey::new(row),
            key,
        },
    )
}
