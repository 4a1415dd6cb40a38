use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::dto::{CreateUser, UpdateUser};
use super::queries::{self, UserChanges};
use crate::accounts::auth::dto::User;
use crate::accounts::auth::extractor::{Admin, AdminWrite};
use crate::accounts::auth::{password, queries as auth_queries};
use crate::app::state::State;
use crate::content::audit;

use crate::content::validation::Checker;
use crate::db;
use crate::http::body::parse_input;
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams};
use crate::http::params::{ListQuery, NoParams};
use crate::http::responses::{editor_item_response, editor_list_response};
use crate::resources::audit as audit_log;
use diesel::Connection;

fn no_store(status: actix_web::http::StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

fn check_email(checker: &mut Checker, email: &str) {
    let parts: Vec<&str> = email.split('@').collect();
    let valid = email.len() <= 254
        && parts.len() == 2
        && !parts[0].is_empty()
        && !parts[1].is_empty()
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid {
        checker.fail("email", "must be an email address");
    }
}

/// List accounts
#[utoipa::path(
    tag = "users",
    operation_id = "list_users",
    params(PageParams),
    responses(
        (status = 200, description = "A page of accounts", body = ListResponse<User>),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    _admin: Admin,
    query: ListQuery<NoParams>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let paging = query.paging(&req, true)?;
    let (rows, total) = {
        let paging = paging.clone();
        db::run(&state.pool, move |conn| Ok(queries::list(conn, &paging)?)).await?
    };
    let (rows, meta) = paging.finish(rows, total, queries::key_of);
    let data: Vec<User> = rows.into_iter().map(User::from).collect();
    editor_list_response(&req, data, meta)
}

/// Create an account
#[utoipa::path(
    tag = "users",
    operation_id = "create_user",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/users")]
pub async fn create_user(write: AdminWrite, state: State) -> Result<HttpResponse, ApiError> {
    let actor = write.admin;
    let input: CreateUser = parse_input(write.body)?;
    let email = input.email.trim().to_lowercase();
    let mut checker = Checker::new(&state.locales);
    check_email(&mut checker, &email);
    checker.plain_text("display_name", &input.display_name, 1, 200);
    if let Some(weakness) = password::weakness(&input.password) {
        checker.fail("password", weakness);
    }
    checker.finish()?;
    let hash = password::hash(&input.password)?;
    let user = db::run_once(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let user = queries::insert(conn, &email, &input.display_name, input.role, &hash)?;
            let created = serde_json::to_value(User::from(user.clone()))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let changes = audit::changes(&serde_json::Value::Null, &created);
            audit_log::queries::record(
                conn,
                actor.id,
                &actor.email,
                "create",
                "users",
                user.id,
                changes,
            )?;
            Ok(user)
        })
    })
    .await?;
    let location = format!("/api/v1/users/{}", user.id);
    let mut response = no_store(actix_web::http::StatusCode::CREATED, &User::from(user));
    response.headers_mut().insert(
        actix_web::http::header::LOCATION,
        actix_web::http::header::HeaderValue::from_str(&location)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// Get an account
#[utoipa::path(
    tag = "users",
    operation_id = "get_user",
    params(("id" = Uuid, Path, description = "The account's id", example = "2f0c7a8e-6b1d-4c3e-9a5f-8d7e6c5b4a39")),
    responses(
        (status = 200, description = "The account", body = User),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    _admin: Admin,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::not_found("no such account"))?;
    let user = db::run(&state.pool, move |conn| {
        Ok(auth_queries::find_user(conn, id)?)
    })
    .await?;
    let user = user.ok_or_else(|| ApiError::not_found("no such account"))?;
    editor_item_response(&req, &User::from(user))
}

/// Change an account
///
/// Role, display name, password, or `active: false` to deactivate (which revokes its logins).
#[utoipa::path(
    tag = "users",
    operation_id = "update_user",
    params(("id" = Uuid, Path, description = "The account's id", example = "2f0c7a8e-6b1d-4c3e-9a5f-8d7e6c5b4a39")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The account as changed", body = User),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[patch("/users/{id}")]
pub async fn update_user(
    write: AdminWrite,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::not_found("no such account"))?;
    let actor = write.admin;
    let input: UpdateUser = parse_input(write.body)?;
    let mut checker = Checker::new(&state.locales);
    if let Some(name) = &input.display_name {
        checker.plain_text("display_name", name, 1, 200);
    }
    if let Some(weakness) = input.password.as_deref().and_then(password::weakness) {
        checker.fail("password", weakness);
    }
    if id == actor.id
        && (input.active == Some(false) || input.role == Some(super::dto::Role::Editor))
    {
        checker.fail(
            "role",
            "administrators cannot demote or deactivate themselves",
        );
    }
    checker.finish()?;
    let password_hash = input.password.as_deref().map(password::hash).transpose()?;
    let user = db::run_once(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let password_changed = password_hash.is_some();
            let changes = UserChanges {
                display_name: input.display_name.as_deref(),
                role: input.role,
                active: input.active,
                password_hash,
            };
            let Some((before, after)) = queries::update(conn, id, changes)? else {
                return Ok(None);
            };
            let as_json = |row: &crate::accounts::auth::queries::UserRow| {
                serde_json::to_value(User::from(row.clone()))
                    .map_err(|e| ApiError::Internal(e.to_string()))
            };
            let mut changes = audit::changes(&as_json(&before)?, &as_json(&after)?);
            if password_changed {
                // Never the hash itself, only that it changed.
                changes["password"] = serde_json::json!("changed");
            }
            audit_log::queries::record(
                conn,
                actor.id,
                &actor.email,
                "update",
                "users",
                id,
                changes,
            )?;
            Ok(Some(after))
        })
    })
    .await?;
    let user = user.ok_or_else(|| ApiError::not_found("no such account"))?;
    Ok(no_store(actix_web::http::StatusCode::OK, &User::from(user)))
}
