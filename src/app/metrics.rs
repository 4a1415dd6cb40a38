//! What an operator's Prometheus scrapes from `GET /metrics`: one registry per application (so
//! the many applications of one test process keep their own counts), holding the request
//! instruments this module owns and clones of those the components own (the pool's waits, the
//! response cache's lookups, the limits' refusals, the relay's attempts, the media renders).
//! Values only known by asking (the pool's connections, the content generation, the outbox's
//! backlog) are read at each scrape.
//!
//! Series are bounded: requests are labelled by their route's pattern (every path that matched
//! no route is `unmatched`), a method outside the standard ones is `other`, and statuses by class.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Seconds, from half a millisecond (a cached read) to ten seconds (past every timeout).
const SECONDS_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A histogram of durations in seconds, with the buckets every duration here shares.
pub fn seconds_histogram() -> Histogram {
    Histogram::new(SECONDS_BUCKETS)
}

/// A family of counters by one label, e.g. `outcome`.
pub type CounterBy<L> = Family<L, Counter>;

/// The label of a counter by outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub outcome: &'static str,
}

/// The label of a rate-limit refusal: which limit refused.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Limit {
    pub limit: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The matched route's pattern (`/api/v1/news/{slug}`), or `unmatched`.
    route: String,
    method: &'static str,
    /// `2xx` to `5xx`.
    status: &'static str,
}

type DurationFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The instruments of one application, and the registry that names them.
pub struct Metrics {
    registry: Registry,
    requests: DurationFamily<RequestLabels>,
    in_flight: Gauge,
    rate_limit_refusals: CounterBy<Limit>,
    login_failures: Counter,
    live: Live,
}

/// Gauges set from their source at each scrape.
#[derive(Default)]
struct Live {
    pool_max: Gauge,
    pool_open: Gauge,
    pool_idle: Gauge,
    pool_in_use: Gauge,
    generation: Counter,
    outbox_pending: Gauge,
    outbox_lag: Gauge<f64, AtomicU64>,
}

/// The instruments the components own, to be registered beside the request instruments.
pub struct Components<'a> {
    pub pool: &'a crate::db::PoolStats,
    pub replicas: &'a crate::db::replicas::ReplicaStats,
    pub cache: Option<&'a crate::http::middleware::response_cache::CacheStats>,
    pub webhook_attempts: &'a CounterBy<Outcome>,
    pub media: &'a crate::media::library::RenderStats,
}

/// What is read at each scrape.
pub struct Readings {
    pub pool: diesel::r2d2::State,
    pub pool_max: u32,
    pub generation: u64,
    /// Deliveries waiting, and the age in seconds of the oldest; None when the database did not
    /// answer.
    pub outbox: Option<(i64, f64)>,
}

impl Metrics {
    pub fn new(components: Components<'_>) -> Self {
        let mut registry = Registry::with_prefix("orgcms");
        let requests: DurationFamily<RequestLabels> =
            Family::new_with_constructor(seconds_histogram);
        let in_flight = Gauge::default();
        let rate_limit_refusals = CounterBy::<Limit>::default();
        let login_failures = Counter::default();
        let live = Live::default();
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response, by route pattern, method and status class",
            requests.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "Requests being answered",
            in_flight.clone(),
        );
        let db = registry.sub_registry_with_prefix("db_pool");
        db.register(
            "max_connections",
            "The pool's size (ORGCMS_DB_POOL_SIZE)",
            live.pool_max.clone(),
        );
        db.register("connections", "Connections open", live.pool_open.clone());
        db.register(
            "idle_connections",
            "Connections open and idle",
            live.pool_idle.clone(),
        );
        db.register(
            "in_use_connections",
            "Connections lent to requests or background work",
            live.pool_in_use.clone(),
        );
        db.register(
            "wait_seconds",
            "Time a request waited for a connection (the gate, then the pool)",
            components.pool.wait.clone(),
        );
        db.register(
            "timeouts",
            "Requests that waited the whole ORGCMS_DB_TIMEOUT_SECS for a connection (answered 503)",
            components.pool.timeouts.clone(),
        );
        let replicas = registry.sub_registry_with_prefix("db_replica");
        replicas.register(
            "reads",
            "Public reads, by where they ran: `replica`, or `primary` (none fresh enough, or one failed); counted only with replicas configured",
            components.replicas.reads.clone(),
        );
        replicas.register(
            "up",
            "1 while the replica serves reads (answers, in recovery, within ORGCMS_REPLICA_MAX_LAG_MS), by its place in ORGCMS_DATABASE_REPLICA_URLS",
            components.replicas.up.clone(),
        );
        replicas.register(
            "lag_milliseconds",
            "How long the primary has held data the replica has not replayed, at the last check",
            components.replicas.lag_ms.clone(),
        );
        let cache = registry.sub_registry_with_prefix("response_cache");
        if let Some(stats) = components.cache {
            cache.register(
                "lookups",
                "Anonymous reads looked up in the response cache: `hit` answered from memory, `miss` not",
                stats.lookups.clone(),
            );
            cache.register(
                "evictions",
                "Stored responses evicted to make room",
                stats.evictions.clone(),
            );
        }
        cache.register(
            "generation_changes",
            "Times the content generation moved on (a write, another node's change, a scheduled item's time)",
            live.generation.clone(),
        );
        registry.register(
            "rate_limit_refusals",
            "Requests refused with 429, by limit: `api` and `login` (per address), `api_key`, `account_lockout`",
            rate_limit_refusals.clone(),
        );
        registry.register(
            "login_failures",
            "Logins refused for a wrong email or password",
            login_failures.clone(),
        );
        let webhooks = registry.sub_registry_with_prefix("webhook");
        webhooks.register(
            "attempts",
            "Delivery attempts by this node's relay: `delivered` (2xx), `rejected` (another status), `failed` (no answer)",
            components.webhook_attempts.clone(),
        );
        webhooks.register(
            "outbox_pending_deliveries",
            "Deliveries waiting to be sent or retried",
            live.outbox_pending.clone(),
        );
        webhooks.register(
            "outbox_lag_seconds",
            "Age of the oldest delivery still waiting (0 when none waits)",
            live.outbox_lag.clone(),
        );
        let media = registry.sub_registry_with_prefix("media");
        media.register(
            "renders",
            "Image variants rendered on first request: `rendered` or `failed`",
            components.media.renders.clone(),
        );
        media.register(
            "render_seconds",
            "Time to decode, resize and encode one variant",
            components.media.seconds.clone(),
        );
        Self {
            registry,
            requests,
            in_flight,
            rate_limit_refusals,
            login_failures,
            live,
        }
    }

    /// Counts a 429 of `limit`.
    pub fn refused(&self, limit: &'static str) {
        self.rate_limit_refusals
            .get_or_create(&Limit { limit })
            .inc();
    }

    /// Counts a login refused for its credentials.
    pub fn login_failed(&self) {
        self.login_failures.inc();
    }

    /// Counts a request in flight until the guard is dropped (the response sent, or the request
    /// abandoned).
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    /// Records one answered request.
    pub fn observe_request(
        &self,
        route: Option<String>,
        method: &actix_web::http::Method,
        status: actix_web::http::StatusCode,
        elapsed: std::time::Duration,
    ) {
        let labels = RequestLabels {
            route: route.unwrap_or_else(|| "unmatched".into()),
            method: method_label(method),
            status: status_class(status),
        };
        self.requests
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// The text exposition (Prometheus format 0.0.4) with `readings` as the live values.
    pub fn render(&self, readings: Readings) -> Result<String, std::fmt::Error> {
        let live = &self.live;
        live.pool_max.set(i64::from(readings.pool_max));
        live.pool_open.set(i64::from(readings.pool.connections));
        live.pool_idle
            .set(i64::from(readings.pool.idle_connections));
        live.pool_in_use.set(i64::from(
            readings
                .pool
                .connections
                .saturating_sub(readings.pool.idle_connections),
        ));
        live.generation
            .inner()
            .store(readings.generation, std::sync::atomic::Ordering::Relaxed);
        if let Some((pending, lag)) = readings.outbox {
            live.outbox_pending.set(pending);
            live.outbox_lag.set(lag);
        }
        let mut text = String::with_capacity(16 * 1024);
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Decrements the in-flight gauge when dropped.
pub struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: actix_web::http::StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::{Method, StatusCode};

    #[test]
    fn labels_are_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        let custom = Method::from_bytes(b"PROPFIND").unwrap();
        assert_eq!(method_label(&custom), "other");
        assert_eq!(status_class(StatusCode::NOT_MODIFIED), "3xx");
        assert_eq!(status_class(StatusCode::from_u16(599).unwrap()), "5xx");
        assert_eq!(status_class(StatusCode::SWITCHING_PROTOCOLS), "1xx");
    }
}
