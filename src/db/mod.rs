//! The connection pool, the embedded migrations, and the one way handlers reach the database:
//! `db::run`, which takes a pooled connection and runs synchronous diesel code off the async workers.

pub mod keyset;
pub mod schema;

use std::time::Duration;

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::app::settings::DbSessionLimits;
use crate::http::error::ApiError;

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type DbConnection = PooledConnection<ConnectionManager<PgConnection>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A pool that connects lazily: the server starts (and `/healthz` answers) even while the
/// database is down, and every request waits at most `timeout` for a connection.
///
/// Every connection is checked (`SELECT 1`) when it is taken from the pool. A connection the
/// database closed (a restart, a failover, an idle-session timeout) stays in the pool until it is
/// used: diesel then sees libpq's unknown transaction status and r2d2 drops it, but that first
/// use has already failed a request. Without the check, each idle connection that outlived a
/// database restart fails one request with 503 after the database is back (the resilience suite
/// measured 4 of 8 requests with a pool of 4); with it, none does. It costs one round trip per
/// checkout (README, "Resilience").
///
/// Every connection runs under `limits` (`statement_timeout`, `lock_timeout`), set once when
/// the pool opens it: no request holds a connection, or the content lock, for longer than that.
pub fn build_pool(
    database_url: &str,
    size: u32,
    timeout: Duration,
    limits: DbSessionLimits,
) -> DbPool {
    Pool::builder()
        .max_size(size)
        .min_idle(Some(1.min(size)))
        .connection_timeout(timeout)
        .test_on_check_out(true)
        .connection_customizer(Box::new(SessionLimits(limits)))
        .build_unchecked(ConnectionManager::new(database_url))
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
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))?
}
