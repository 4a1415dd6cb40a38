use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::AuditEntry;
use super::queries::{self, AuditFilter};
use crate::auth::extractor::Admin;
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::pagination::{ListResponse, Paging};
use crate::params::{Instant, Query};

/// The resources the audit trail knows.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditResource {
    Organization,
    Objectives,
    Missions,
    News,
    Users,
}

impl AuditResource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Objectives => "objectives",
            Self::Missions => "missions",
            Self::News => "news",
            Self::Users => "users",
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
    #[param(schema_with = crate::params::schemas::instant, example = "2026-11-01")]
    pub since: Option<Instant>,
    /// Only writes before this time (RFC 3339 or a date).
    #[param(schema_with = crate::params::schemas::instant, example = "2026-12-01")]
    pub until: Option<Instant>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
}

/// The audit trail
///
/// Every write, newest first, with the fields it changed.
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit entries", body = ListResponse<AuditEntry>),
        (status = 403, description = "Not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/audit")]
pub async fn list_audit(
    _admin: Admin,
    query: Query<AuditQuery>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let paging = Paging::new(q.page, q.per_page)?;
    let filter = AuditFilter {
        user_id: q.user,
        resource: q.resource.map(|r| r.as_str().to_owned()),
        item_id: q.item,
        since: q.since.map(|i| i.0),
        until: q.until.map(|i| i.0),
    };
    let (data, total) =
        db::run(&pool, move |conn| Ok(queries::list(conn, &filter, paging)?)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ListResponse {
            data,
            meta: paging.meta(total),
        }))
}
