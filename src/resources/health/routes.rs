use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::{get, HttpResponse};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::state::State;
use crate::db::{self};
use crate::http::error::ApiError;
use crate::http::params::{NoParams, Query};

/// The state of a probe.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    /// `ok` for liveness, `ready` for readiness.
    pub status: String,
}

/// Whether this process still takes new work: false from the moment it is told to stop
/// (SIGTERM), so that `/readyz` sends load balancers elsewhere while accepted requests finish.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    stopping: Arc<AtomicBool>,
}

impl Readiness {
    pub fn begin_shutdown(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// Liveness
///
/// Answers 200 while the process runs, whatever the state of the database.
#[utoipa::path(
    tag = "health",
    operation_id = "get_healthz",
    responses((status = 200, description = "The process is up", body = HealthStatus)),
)]
#[get("/healthz")]
pub async fn get_healthz(_query: Query<NoParams>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(HealthStatus {
            status: "ok".into(),
        })
}

/// Readiness
///
/// Answers 200 when the database answers, 503 otherwise, and 503 from the moment the process is
/// told to stop (while it finishes the requests it accepted).
#[utoipa::path(
    tag = "health",
    operation_id = "get_readyz",
    responses((status = 200, description = "Ready to serve", body = HealthStatus)),
)]
#[get("/readyz")]
pub async fn get_readyz(_query: Query<NoParams>, state: State) -> Result<HttpResponse, ApiError> {
    if state.readiness.is_stopping() {
        return Err(ApiError::Unavailable("shutting down".into()));
    }
    db::run(&state.pool, |conn| {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ApiError::Unavailable(e.to_string()))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(HealthStatus {
            status: "ready".into(),
        }))
}
