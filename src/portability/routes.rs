//! `GET /export`: the export document of `orgcms export`, for administrators.

use actix_web::{get, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::export::{export, ExportOptions};
use super::format::{to_bytes, ExportDocument};
use crate::accounts::auth::extractor::Admin;
use crate::app::state::State;
use crate::http::error::ApiError;
use crate::http::params::Query;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Include every revision of every item.
    #[param(example = false)]
    pub revisions: Option<bool>,
    /// Include the stored original of every asset, base64 (the document may be large).
    #[param(example = false)]
    pub files: Option<bool>,
}

/// Export all the content
///
/// The organization, objectives, missions, news and assets as one versioned document, the same
/// bytes `orgcms export` writes and `orgcms import` loads: items sorted by id, no time of export,
/// so two exports of the same content are equal. Accounts, API keys, webhooks, the audit log and
/// the trash are not exported.
#[utoipa::path(
    tag = "export",
    operation_id = "get_export",
    params(ExportQuery),
    responses(
        (status = 200, description = "The export document", body = ExportDocument),
        (status = 403, description = "Not an administrator", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/export")]
pub async fn get_export(
    _admin: Admin,
    query: Query<ExportQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let options = ExportOptions {
        revisions: query.0.revisions.unwrap_or(false),
        files: query.0.files.unwrap_or(false),
    };
    let document = export(
        &state.pool,
        &state.media.storage,
        &state.media.links,
        options,
    )
    .await?;
    let bytes = to_bytes(&document).map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .content_type("application/json")
        .body(bytes))
}
