//! `/webhooks`: administrators' subscriptions, their secrets, and their delivery logs.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use diesel::Connection;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{
    Delivery, DeliveryState, ReplayRequest, Replayed, Webhook, WebhookInput, WebhookWithSecret,
    EVENT_TYPES,
};
use super::queries;
use crate::accounts::auth::extractor::{Admin, AdminWrite, Editor};
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
use crate::resources::audit as audit_log;

const MISSING: &str = "no such webhook subscription";

fn webhook_id(segment: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(segment).map_err(|_| ApiError::not_found(MISSING))
}

/// The rules of a subscription beyond its JSON shape, and the SSRF check of its target (which
/// resolves the host: the one part done before the database is touched).
async fn validated(state: &State, input: &WebhookInput) -> Result<(), ApiError> {
    let mut checker = Checker::new(&state.locales);
    if input.url.chars().count() > 2000 {
        checker.fail("url", "must be at most 2000 characters");
    }
    if input.event_types.is_empty() {
        checker.fail("event_types", "must name at least one event type");
    }
    let mut seen = std::collections::HashSet::new();
    for (i, event_type) in input.event_types.iter().enumerate() {
        if !EVENT_TYPES.contains(&event_type.as_str()) {
            checker.fail(
                &format!("event_types[{i}]"),
                format!("unknown event type; known: {}", EVENT_TYPES.join(", ")),
            );
        } else if !seen.insert(event_type) {
            checker.fail(&format!("event_types[{i}]"), "is given twice");
        }
    }
    if let Some(locale) = &input.locale {
        if !state.locales.all().contains(locale) {
            checker.fail(
                "locale",
                format!(
                    "unknown locale; available: {}",
                    state.locales.all().join(", ")
                ),
            );
        }
    }
    if input.description.chars().count() > 500 {
        checker.fail("description", "must be at most 500 characters");
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
    state
        .webhooks
        .policy
        .check_target(&input.url)
        .await
        .map_err(|e| ApiError::validation("url", e.to_string()))?;
    Ok(())
}

fn audited(
    conn: &mut diesel::PgConnection,
    actor: &Editor,
    action: &str,
    id: Uuid,
    before: Option<&Webhook>,
    after: Option<&Webhook>,
) -> Result<(), ApiError> {
    audit::record_change(conn, actor, action, "webhooks", id, before, after)
}

/// List the webhook subscriptions
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhooks",
    params(PageParams),
    responses(
        (status = 200, description = "A page of subscriptions, oldest first", body = ListResponse<Webhook>),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    req: HttpRequest,
    _admin: Admin,
    query: ListQuery<NoParams>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let paging = query.paging(&req, true)?;
    let page = paging.clone();
    let (rows, total) = db::run(&state.pool, move |c| Ok(queries::list(c, &page)?)).await?;
    let (rows, meta) = paging.finish(rows, total, queries::key_of);
    editor_list_response(&req, rows.into_iter().map(Webhook::new).collect(), meta)
}

/// Subscribe to events
///
/// The answer carries the signing secret, shown this once. The target is checked now and at
/// every delivery: `https` (unless configured otherwise), no user name or password, and a host
/// that resolves to public addresses only.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "create_webhook",
    request_body = WebhookInput,
    responses(
        (status = 201, description = "Subscribed; `Location` names the subscription", body = WebhookWithSecret),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/webhooks")]
pub async fn create_webhook(write: AdminWrite, state: State) -> Result<HttpResponse, ApiError> {
    let actor = write.admin;
    let input: WebhookInput = parse_input(write.body)?;
    validated(&state, &input).await?;
    let secret = crate::webhooks::signing::new_secret()
        .ok_or_else(|| ApiError::Internal("no randomness for a webhook secret".into()))?;
    let kept = secret.clone();
    let row = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let row = queries::insert(conn, &input, &kept)?;
            audited(
                conn,
                &actor,
                "create",
                row.id,
                None,
                Some(&Webhook::new(row.clone())),
            )?;
            Ok(row)
        })
    })
    .await?;
    let location = format!("/api/v1/webhooks/{}", row.id);
    let body = WebhookWithSecret {
        webhook: Webhook::new(row),
        secret,
    };
    created_response(&location, &body)
}

/// Get a webhook subscription
#[utoipa::path(
    tag = "webhooks",
    operation_id = "get_webhook",
    params(("id" = Uuid, Path, description = "The subscription's id", example = "6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d")),
    responses(
        (status = 200, description = "The subscription", body = Webhook),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    req: HttpRequest,
    _admin: Admin,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&path)?;
    let row = db::run(&state.pool, move |c| Ok(queries::find(c, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found(MISSING))?;
    editor_item_response(&req, &Webhook::new(row))
}

/// Change a webhook subscription
///
/// A JSON merge patch (RFC 7396) of `WebhookInput`. Turning a subscription that orgcms turned
/// off (`disabled_reason`) on again clears its failure record.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "update_webhook",
    extensions(("x-orgcms-conditional" = json!(true))),
    params(("id" = Uuid, Path, description = "The subscription's id", example = "6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d")),
    request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
        description = "Fields of `WebhookInput` to change", example = json!({"active": false})),
    responses(
        (status = 200, description = "The subscription as written", body = Webhook),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    req: HttpRequest,
    write: AdminWrite,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&path)?;
    let headers = WriteHeaders::parse(&req)?;
    let actor = write.admin;
    let current = db::run(&state.pool, move |c| Ok(queries::find(c, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found(MISSING))?;
    let input = patched(&Webhook::new(current).input(), &write.body)?;
    validated(&state, &input).await?;
    let row = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let current = queries::lock(conn, id)?.ok_or_else(|| ApiError::not_found(MISSING))?;
            let before = Webhook::new(current.clone());
            preconditions::check(headers.if_match.as_ref(), &before)?;
            if before.input() == input {
                return Ok(current);
            }
            let row = queries::update(conn, &current, &input)?;
            audited(
                conn,
                &actor,
                "update",
                id,
                Some(&before),
                Some(&Webhook::new(row.clone())),
            )?;
            Ok(row)
        })
    })
    .await?;
    written_response(StatusCode::OK, &Webhook::new(row))
}

/// Delete a webhook subscription
///
/// Its pending deliveries go with it.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "delete_webhook",
    extensions(("x-orgcms-conditional" = json!(true))),
    params(("id" = Uuid, Path, description = "The subscription's id", example = "6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    req: HttpRequest,
    admin: Admin,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&path)?;
    let headers = WriteHeaders::parse(&req)?;
    let actor = admin.0;
    db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let current = queries::lock(conn, id)?.ok_or_else(|| ApiError::not_found(MISSING))?;
            let before = Webhook::new(current);
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

/// Rotate a subscription's signing secret
///
/// The answer carries the new secret, shown this once. Until `previous_secret_expires_at`
/// (`ORGCMS_WEBHOOK_SECRET_OVERLAP_SECS` from now) every message is signed with both, so the
/// receiver can switch without missing one.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "rotate_webhook_secret",
    extensions(("x-orgcms-conditional" = json!(true))),
    params(("id" = Uuid, Path, description = "The subscription's id", example = "6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d")),
    responses(
        (status = 200, description = "The subscription with its new secret", body = WebhookWithSecret),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/webhooks/{id}/secret")]
pub async fn rotate_webhook_secret(
    req: HttpRequest,
    admin: Admin,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&path)?;
    let headers = WriteHeaders::parse(&req)?;
    let actor = admin.0;
    let secret = crate::webhooks::signing::new_secret()
        .ok_or_else(|| ApiError::Internal("no randomness for a webhook secret".into()))?;
    let kept = secret.clone();
    let overlap = chrono::Duration::from_std(state.webhooks.secret_overlap)
        .unwrap_or(chrono::Duration::zero());
    let row = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let current = queries::lock(conn, id)?.ok_or_else(|| ApiError::not_found(MISSING))?;
            let before = Webhook::new(current.clone());
            preconditions::check(headers.if_match.as_ref(), &before)?;
            let row = queries::rotate_secret(conn, &current, &kept, Utc::now() + overlap)?;
            let mut after = serde_json::to_value(Webhook::new(row.clone()))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            // Never the secret itself, only that it changed.
            after["secret"] = serde_json::json!("rotated");
            let before =
                serde_json::to_value(&before).map_err(|e| ApiError::Internal(e.to_string()))?;
            audit_log::queries::record(
                conn,
                actor.id,
                &actor.email,
                "update",
                "webhooks",
                id,
                audit::changes(&before, &after),
            )?;
            Ok(row)
        })
    })
    .await?;
    written_response(
        StatusCode::OK,
        &WebhookWithSecret {
            webhook: Webhook::new(row),
            secret,
        },
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state.
    #[param(inline)]
    pub state: Option<DeliveryState>,
}

/// A subscription's delivery log
///
/// Its deliveries, newest first, each with every attempt (status, latency, the first KiB of the
/// answer, or why there was none).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhook_deliveries",
    params(("id" = Uuid, Path, description = "The subscription's id", example = "6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d"), DeliveryQuery, PageParams),
    responses(
        (status = 200, description = "A page of deliveries", body = ListResponse<Delivery>),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    req: HttpRequest,
    _admin: Admin,
    path: web::Path<String>,
    query: ListQuery<DeliveryQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&path)?;
    let paging = query.paging(&req, true)?;
    let page = paging.clone();
    let wanted = query.filter.state.map(DeliveryState::as_str);
    let found = db::run(&state.pool, move |c| {
        if queries::find(c, id)?.is_none() {
            return Ok(None);
        }
        Ok(Some(queries::deliveries(c, id, wanted, &page)?))
    })
    .await?;
    let (rows, total) = found.ok_or_else(|| ApiError::not_found(MISSING))?;
    let (rows, meta) = paging.finish(rows, total, |(row, _)| queries::delivery_key_of(row));
    let data = rows
        .into_iter()
        .map(|(row, attempts)| Delivery::new(row, attempts))
        .collect();
    editor_list_response(&req, data, meta)
}

/// Send a delivery again
///
/// A fresh round of attempts, with the same `webhook-id` and body.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "redeliver_webhook_delivery",
    params(
        ("id" = Uuid, Path, description = "The subscription's id", example = "6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d"),
        ("delivery_id" = Uuid, Path, description = "The delivery's id", example = "0e8b5d2a-7c41-4f6e-b3a9-5d2c1b0a9f8e"),
    ),
    responses(
        (status = 202, description = "Queued", body = Delivery),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver_webhook_delivery(
    _admin: Admin,
    path: web::Path<(String, String)>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let (webhook, delivery) = path.into_inner();
    let webhook = webhook_id(&webhook)?;
    let delivery =
        Uuid::parse_str(&delivery).map_err(|_| ApiError::not_found("no such delivery"))?;
    let found = db::run(&state.pool, move |c| {
        c.transaction(|c| {
            if !queries::redeliver(c, webhook, delivery)? {
                return Ok(None);
            }
            queries::wake_relays(c)?;
            Ok(queries::delivery(c, webhook, delivery)?)
        })
    })
    .await?;
    let (row, attempts) = found.ok_or_else(|| ApiError::not_found("no such delivery"))?;
    written_response(StatusCode::ACCEPTED, &Delivery::new(row, attempts))
}

/// Send a test event
///
/// A `webhook.ping` to this subscription only (whatever its event types), tried once.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "ping_webhook",
    params(("id" = Uuid, Path, description = "The subscription's id", example = "6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d")),
    responses(
        (status = 202, description = "Queued; the delivery log shows how it went", body = Delivery),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(
    _admin: Admin,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&path)?;
    let found = db::run(&state.pool, move |c| {
        c.transaction(|c| {
            if queries::lock(c, id)?.is_none() {
                return Ok(None);
            }
            let delivery = queries::ping(c, id)?;
            Ok(queries::delivery(c, id, delivery)?)
        })
    })
    .await?;
    let (row, attempts) = found.ok_or_else(|| ApiError::not_found(MISSING))?;
    written_response(StatusCode::ACCEPTED, &Delivery::new(row, attempts))
}

/// Send past events again
///
/// Every event after `since` (a time) or after `after` (a `webhook-id`) that the subscription's
/// types and filters take, queued again in their order, with their own `webhook-id`s.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "replay_webhook",
    params(("id" = Uuid, Path, description = "The subscription's id", example = "6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d")),
    request_body = ReplayRequest,
    responses(
        (status = 202, description = "Queued", body = Replayed),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/webhooks/{id}/replay")]
pub async fn replay_webhook(
    write: AdminWrite,
    path: web::Path<String>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&path)?;
    let request: ReplayRequest = parse_input(write.body)?;
    let after = match &request.after {
        Some(message) => Some(
            message
                .strip_prefix("msg_")
                .and_then(|hex| Uuid::try_parse(hex).ok())
                .filter(|_| message.len() == 36)
                .ok_or_else(|| {
                    ApiError::validation("after", "must be a `webhook-id` (msg_ and 32 hex digits)")
                })?,
        ),
        None => None,
    };
    if request.since.is_some() == after.is_some() {
        return Err(ApiError::validation(
            "since",
            "give either `since` or `after`",
        ));
    }
    let since = request.since;
    let queued = db::run(&state.pool, move |c| {
        c.transaction(|c| {
            let Some(webhook) = queries::lock(c, id)? else {
                return Ok(None);
            };
            if let Some(event) = after {
                if !queries::event_exists(c, event)? {
                    return Err(ApiError::validation(
                        "after",
                        "no event has this webhook-id (or it is older than the retention)",
                    ));
                }
            }
            let queued = queries::replay(c, &webhook, since, after)?;
            queries::wake_relays(c)?;
            Ok(Some(queued))
        })
    })
    .await?
    .ok_or_else(|| ApiError::not_found(MISSING))?;
    written_response(StatusCode::ACCEPTED, &Replayed { queued })
}
