use actix_web::{get, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::app::metrics::Readings;
use crate::app::settings::ExposeSecret;
use crate::app::state::State;
use crate::db;
use crate::http::error::ApiError;
use crate::http::params::{NoParams, Query};

const EXAMPLE: &str = "# HELP orgcms_http_requests_in_flight Requests being answered.\n\
# TYPE orgcms_http_requests_in_flight gauge\n\
orgcms_http_requests_in_flight 1\n\
# HELP orgcms_login_failures_total Logins refused for a wrong email or password.\n\
# TYPE orgcms_login_failures_total counter\n\
orgcms_login_failures_total 0\n";

/// Metrics
///
/// This node's metrics in the Prometheus text format (version 0.0.4), for a Prometheus server to
/// scrape: request durations by route pattern, method and status class; requests in flight;
/// the database pool; the response cache; rate-limit refusals and login failures; webhook
/// attempts and the outbox's backlog; media renders (README, "Metrics", lists them all). Each
/// node counts its own. Off (404) unless `ORGCMS_METRICS_TOKEN` is set; then that token is
/// required as a bearer token.
#[utoipa::path(
    tag = "metrics",
    operation_id = "get_metrics",
    responses(
        (status = 200, description = "The metrics", body = String,
            content_type = "text/plain; version=0.0.4; charset=utf-8", example = json!(EXAMPLE)),
        (status = 401, description = "The metrics token is missing or wrong", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are off (`ORGCMS_METRICS_TOKEN` is not set)", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("metrics" = [])),
)]
#[get("/metrics")]
pub async fn get_metrics(
    req: HttpRequest,
    _query: Query<NoParams>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let Some(expected) = &state.metrics_token else {
        return Err(ApiError::NotFound("metrics are off on this node".into()));
    };
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Digests compared, not the tokens: equal lengths, and nothing learnt from the time taken.
    let matches = given.is_some_and(|given| {
        Sha256::digest(given.as_bytes()) == Sha256::digest(expected.expose_secret().as_bytes())
    });
    if !matches {
        return Err(ApiError::Unauthorized(
            "the metrics token is missing or wrong".into(),
        ));
    }
    let outbox = db::run(&state.pool, |conn| {
        Ok(crate::webhooks::outbox::backlog(conn)?)
    })
    .await
    .ok()
    .map(|(pending, oldest)| {
        let lag = oldest.map_or(0.0, |at| {
            (chrono::Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0
        });
        (pending, lag)
    });
    state.replicas.report();
    let text = state
        .metrics
        .render(Readings {
            pool: state.pool.state(),
            pool_max: state.pool.max_size(),
            generation: state.clock.generation(),
            outbox,
        })
        .map_err(|e| ApiError::Internal(format!("metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .content_type(prometheus_client::encoding::prometheus_text::CONTENT_TYPE)
        .body(text))
}
