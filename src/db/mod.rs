//! The connection pool, the embedded migrations, and the one way handlers reach the database:
//! `db::run`, which takes a pooled connection and runs synchronous diesel code off the async workers.

pub mod json_rows;
pub mod keyset;
pub mod prepared;
pub mod replicas;
pub mod schema;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::r2d2::{self as r2d2, ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::app::settings::DbSessionLimits;
use crate::http::error::ApiError;

/// The connection pool, behind a gate with one place per connection.
///
/// A request waits for its place on the async worker, in arrival order, and only then takes a
/// blocking thread: without the gate, 32 concurrent requests on 10 connections kept 32 blocking
/// threads waking and sleeping on r2d2's condition variable, and which of them got the next
/// connection was luck (p99 of an item read 16 to 240 ms; with the gate 5 ms, same throughput).
/// Background work (the webhook relay, the sweeps) takes connections past the gate; it is rare,
/// and r2d2 still bounds the total.
#[derive(Clone)]
pub struct DbPool {
    connections: Pool<Manager>,
    gate: Arc<tokio::sync::Semaphore>,
    /// What requests waited for their connections (`app::metrics`).
    pub stats: PoolStats,
}

/// The waits of requests for a connection, and the waits that ran out.
#[derive(Clone, Debug)]
pub struct PoolStats {
    pub wait: prometheus_client::metrics::histogram::Histogram,
    pub timeouts: prometheus_client::metrics::counter::Counter,
}

impl std::ops::Deref for DbPool {
    type Target = Pool<Manager>;

    fn deref(&self) -> &Self::Target {
        &self.connections
    }
}

pub type DbConnection = PooledConnection<Manager>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A pool that connects lazily: the server starts (and `/healthz` answers) even while the
/// database is down, and every request waits at most `timeout` for a connection.
///
/// A connection is not checked when it is taken from the pool (a `SELECT 1` per request was a
/// third of a cache miss's round trips). A connection the database closed while it sat idle (a
/// restart, a failover, an idle-session timeout) is found out by its first statement instead:
/// `db::run` then runs the work again, once, and from that moment every connection older than
/// the failure is checked on its next checkout, so the retry (and every request after it) gets
/// a live one (README, "Resilience").
///
/// Every connection runs under `limits` (`statement_timeout`, `lock_timeout`), set once when
/// the pool opens it: no request holds a connection, or the content lock, for longer than that.
pub fn build_pool(
    database_url: &str,
    size: u32,
    timeout: Duration,
    limits: DbSessionLimits,
) -> DbPool {
    let connections = Pool::builder()
        .max_size(size)
        .min_idle(Some(1.min(size)))
        .connection_timeout(timeout)
        // Free unless a connection was lost since this one was made (`Manager::is_valid`).
        .test_on_check_out(true)
        .connection_customizer(Box::new(SessionLimits(limits)))
        .build_unchecked(Manager {
            inner: ConnectionManager::new(database_url),
            losses: Arc::new(AtomicU64::new(0)),
        });
    DbPool {
        connections,
        gate: Arc::new(tokio::sync::Semaphore::new(size as usize)),
        stats: PoolStats {
            wait: crate::app::metrics::seconds_histogram(),
            timeouts: Default::default(),
        },
    }
}

/// diesel's connection manager, plus the count of connections found lost: a connection made
/// before the latest loss is checked (`SELECT 1`) on its next checkout, any other is not.
#[derive(Debug)]
pub struct Manager {
    inner: ConnectionManager<PgConnection>,
    losses: Arc<AtomicU64>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PgConnection, Self::Error> {
        let mut conn = self.inner.connect()?;
        conn.set_instrumentation(Statements {
            succeeded: 0,
            checked_at_loss: self.losses.load(Ordering::Acquire),
            losses: self.losses.clone(),
        });
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut PgConnection) -> Result<(), Self::Error> {
        let losses = self.losses.load(Ordering::Acquire);
        let stale = statements(conn).is_none_or(|s| s.checked_at_loss < losses);
        if stale {
            self.inner.is_valid(conn)?;
            if let Some(s) = statements(conn) {
                s.checked_at_loss = losses;
            }
        }
        Ok(())
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        self.inner.has_broken(conn)
    }
}

/// What a connection's instrumentation counts: the statements that succeeded since the last
/// checkout, and the number of losses it was last known alive at.
struct Statements {
    succeeded: u64,
    checked_at_loss: u64,
    losses: Arc<AtomicU64>,
}

impl Instrumentation for Statements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery { error: None, .. } = event {
            self.succeeded += 1;
        }
    }
}

fn statements(conn: &mut PgConnection) -> Option<&mut Statements> {
    conn.instrumentation().downcast_mut::<Statements>()
}

/// Sets the session limits on every connection the pool opens.
#[derive(Debug)]
struct SessionLimits(DbSessionLimits);

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionLimits {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        apply_session_limits(conn, Some(self.0)).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Sets `statement_timeout` and `lock_timeout` of the session to `limits`, or turns them off
/// (`None`: for the migrations at start-up, which may rewrite a whole table and must not be
/// cut short half-way through a deploy).
pub fn apply_session_limits(
    conn: &mut PgConnection,
    limits: Option<DbSessionLimits>,
) -> diesel::QueryResult<()> {
    let (statement, lock) = match limits {
        Some(l) => (l.statement_timeout.as_millis(), l.lock_timeout.as_millis()),
        None => (0, 0),
    };
    // Numbers only: nothing of the client's reaches this text.
    conn.batch_execute(&format!(
        "SET statement_timeout = {statement}; SET lock_timeout = {lock}"
    ))
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// Whether the server words its errors in English (`lc_messages` C, POSIX or en): the API
/// tells a cancelled statement from other errors by its message (see `error.rs`).
pub fn messages_in_english(conn: &mut PgConnection) -> diesel::QueryResult<bool> {
    use diesel::RunQueryDsl;
    let locale = diesel::sql_query("SELECT current_setting('lc_messages') AS value")
        .get_result::<Setting>(conn)?
        .value;
    Ok(locale.is_empty()
        || ["C", "POSIX", "en"]
            .iter()
            .any(|prefix| locale.starts_with(prefix)))
}

pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration, then renders what the schema derives from content in Rust
/// (the HTML of news bodies); returns the versions it applied.
pub fn run_migrations(conn: &mut PgConnection) -> Result<Vec<String>, MigrationError> {
    let applied = conn
        .run_pending_migrations(MIGRATIONS)?
        .into_iter()
        .map(|v| v.to_string())
        .collect();
    crate::resources::news::queries::render_missing_bodies(conn)?;
    Ok(applied)
}

/// Runs `work` with a pooled connection on the blocking thread pool.
///
/// When the connection turns out to be lost before any statement of `work` succeeded (the
/// database closed it while it sat in the pool), nothing of `work` reached the database: it
/// runs again, once, on a connection that is known to be alive.
///
/// The wait for the pool's gate and then for a connection together last at most the pool's
/// connection timeout (then 503).
pub async fn run<T, F>(pool: &DbPool, mut work: F) -> Result<T, ApiError>
where
    F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let timeout = pool.connection_timeout();
    let arrived = std::time::Instant::now();
    let stats = pool.stats.clone();
    let place = tokio::time::timeout(timeout, pool.gate.clone().acquire_owned())
        .await
        .map_err(|_| {
            stats.timeouts.inc();
            ApiError::Unavailable("timed out waiting for a database connection".into())
        })?
        .map_err(|e| ApiError::Internal(format!("database gate: {e}")))?;
    let remaining = timeout.saturating_sub(arrived.elapsed());
    let pool = pool.connections.clone();
    web::block(move || {
        let _place = place;
        let mut conn = pool.get_timeout(remaining).inspect_err(|_| {
            stats.timeouts.inc();
        })?;
        stats.wait.observe(arrived.elapsed().as_secs_f64());
        match attempt(&mut conn, &mut work) {
            Err(Lost) => {
                drop(conn);
                let mut conn = pool.get()?;
                attempt(&mut conn, &mut work).unwrap_or_else(|Lost| {
                    Err(ApiError::Unavailable(
                        "the database connection was lost".into(),
                    ))
                })
            }
            Ok(outcome) => outcome,
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))?
}

/// `run` for work that consumes what it captures (a write's input), and so runs at most once: a
/// connection found lost fails it (503, nothing written), and makes the pool check the others.
pub async fn run_once<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let mut work = Some(work);
    run(pool, move |conn| match work.take() {
        Some(work) => work(conn),
        None => Err(ApiError::Unavailable(
            "the database connection was lost".into(),
        )),
    })
    .await
}

/// The connection was lost before any statement succeeded.
struct Lost;

/// Whether a connection whose work failed is dead. diesel marks it broken when libpq says so
/// after a statement, but not when preparing a statement found the server gone: then a ping
/// tells (a round trip, on a failure only). A dead connection that diesel did not mark goes back
/// to the pool, and is dropped at its next checkout, which the lost count makes check it.
fn is_lost(conn: &mut DbConnection) -> bool {
    use diesel::r2d2::R2D2Connection;
    conn.is_broken() || conn.ping().is_err()
}

fn attempt<T>(
    conn: &mut DbConnection,
    work: &mut impl FnMut(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<Result<T, ApiError>, Lost> {
    if let Some(s) = statements(conn) {
        s.succeeded = 0;
    }
    let outcome = work(conn);
    if matches!(
        outcome,
        Err(ApiError::Unavailable(_) | ApiError::Internal(_))
    ) && is_lost(conn)
    {
        if let Some(s) = statements(conn) {
            // Every connection made before now may be as dead as this one.
            s.losses.fetch_add(1, Ordering::AcqRel);
            if s.succeeded == 0 {
                return Err(Lost);
            }
        }
    }
    Ok(outcome)
}
