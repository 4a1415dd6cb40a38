use actix_web::{get, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::AuditEntry;
use super::queries::{self, AuditFilter};
use crate::accounts::auth::extractor::Admin;
use crate::app::state::State;
use crate::db::{self};
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams};
use crate::http::params::{Instant, ListQuery};
use crate::http::responses::editor_list_response;

/// The resources the audit trail knows.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditResource {
    Organization,
    Objectives,
    Missions,
    News,
    Assets,
    Users,
    Webhooks,
    ApiKeys,
}

impl AuditResource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Objectives => "objectives",
            Self::Missions => "missions",
            Self::News => "news",
            Self::Assets => "assets",
            Self::Users => "users",
            Self::Webhooks => "webhooks",
            Self::ApiKeys => "api_keys",
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only writes by this account.
    #[param(example = "2f0c7a8e-6b1d-4c3e-9a5f-8d7e6c5b4a39")]
    pub user: Option<Uuid>,
    /// Only writes of this resource.
    #[param(inline, example = "news")]
    pub resource: Option<AuditResource>,
    /// Only writes of this item.
    #[param(example = "757665bd-864d-5dd9-a184-7cad4de31e21")]
    pub item: Option<Uuid>,
    /// Only writes at or after this time (RFC 3339 or a date).
    #[param(schema_with = crate::http::params::schemas::instant, example = "2026-11-01")]
    pub since: Option<Instant>,
    /// Only writes before this time (RFC 3339 or a date).
    #[param(schema_with = crate::http::params::schemas::instant, example = "2026-12-01")]
    pub until: Option<Instant>,
}

/// The audit trail
///
/// Every write, newest first, with the fields it changed.
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit",
    params(AuditQuery, PageParams),
    responses(
        (status = 200, description = "A page of audit entries", body = ListResponse<AuditEntry>),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/audit")]
pub async fn list_audit(
    req: HttpRequest,
    _admin: Admin,
    query: ListQuery<AuditQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let paging = query.paging(&req, false)?;
    let q = query.filter;
    let filter = AuditFilter {
        user_id: q.user,
        resource: q.resource.map(|r| r.as_str().to_owned()),
        item_id: q.item,
        since: q.since.map(|i| i.0),
        until: q.until.map(|i| i.0),
    };
    let (rows, total) = {
        let paging = paging.clone();
        db::run(&state.pool, move |conn| {
            Ok(queries::list(conn, &filter, &paging)?)
        })
        .await?
    };
    let (data, meta) = paging.finish(rows, total, queries::key_of);
    editor_list_response(&req, data, meta)
}
