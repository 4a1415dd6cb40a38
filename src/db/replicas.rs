//! Read replicas: which one an anonymous read may use, and the watch that tells.
//!
//! A read that may go to a replica says how fresh its answer must be: a position in the
//! primary's write-ahead log (`Lsn`) that the replica must have replayed. The floor is the
//! larger of the position at which this node learnt the current content generation (so the
//! response cache never stores, for a generation, an answer older than the change that started
//! it) and the client's `Consistency-Token` (so a client that wrote never reads older data).
//! Each replica is judged on its own against the floor: one replica having caught up says
//! nothing of another (GitLab's stale 404s).
//!
//! A thread samples the primary's position and each replica's replayed position every check
//! interval. A replica is left out while it does not answer, is not in recovery (a promoted
//! replica is not a copy of this primary any more), or lags more than the bound; it is taken
//! back at the first check that finds it well. A read that fails on a replica for want of a
//! connection marks it down at once and runs on the primary; with no replica usable, every
//! read goes to the primary.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

use crate::app::metrics::CounterBy;
use crate::db::{DbConnection, DbPool};
use crate::http::error::ApiError;

/// A position in the primary's write-ahead log, as PostgreSQL's `pg_lsn` counts it (bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(pub u64);

impl std::fmt::Display for Lsn {
    /// PostgreSQL's own spelling: the high and low 32 bits in hexadecimal, `16/B374D848`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

impl std::str::FromStr for Lsn {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        const MALFORMED: &str = "must be a position like `0/16B3748`, as a write returned it";
        let (high, low) = text.split_once('/').ok_or(MALFORMED)?;
        let half = |part: &str| {
            if part.is_empty() || part.len() > 8 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(MALFORMED);
            }
            u64::from_str_radix(part, 16).map_err(|_| MALFORMED)
        };
        Ok(Lsn((half(high)? << 32) | half(low)?))
    }
}

/// How replicas are watched and when one is left out.
#[derive(Clone, Copy, Debug)]
pub struct ReplicaPolicy {
    /// The lag past which a replica serves no read.
    pub max_lag: Duration,
    /// How often each replica's position is read.
    pub check_interval: Duration,
}

/// What the last check found of one replica.
#[derive(Clone, Copy, Debug, Default)]
struct Health {
    up: bool,
    replayed: Lsn,
    lag: Duration,
}

struct Member {
    pool: DbPool,
    /// For the watch's own connection.
    url: String,
    health: RwLock<Health>,
}

/// Where a read went.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Target {
    pub target: &'static str,
}

/// The label of a replica's gauges: its place in `ORGCMS_DATABASE_REPLICA_URLS`, from 0 (never
/// its address, which may hold a password).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReplicaLabel {
    pub replica: String,
}

/// What `GET /metrics` reports of the replicas.
#[derive(Clone, Default)]
pub struct ReplicaStats {
    pub reads: CounterBy<Target>,
    pub up: Family<ReplicaLabel, Gauge>,
    pub lag_ms: Family<ReplicaLabel, Gauge>,
}

/// The replicas of one node, and the primary they copy.
pub struct Replicas {
    members: Vec<Member>,
    policy: ReplicaPolicy,
    /// Where the next read starts looking, so reads spread over the replicas that qualify.
    next: AtomicUsize,
    pub stats: ReplicaStats,
}

impl Replicas {
    /// No replica: every read goes to the primary.
    pub fn none() -> Arc<Self> {
        Arc::new(Self {
            members: Vec::new(),
            policy: ReplicaPolicy {
                max_lag: Duration::ZERO,
                check_interval: Duration::from_secs(1),
            },
            next: AtomicUsize::new(0),
            stats: ReplicaStats::default(),
        })
    }

    /// The replicas at `urls`, each with a pool made by `pool_for`, watched against the primary
    /// at `primary_url` by a thread that ends when the set is dropped.
    pub fn start(
        primary_url: &str,
        urls: &[String],
        policy: ReplicaPolicy,
        pool_for: impl Fn(&str) -> DbPool,
    ) -> Arc<Self> {
        let members = urls
            .iter()
            .map(|url| {
                let url = with_connect_timeout(url);
                Member {
                    pool: pool_for(&url),
                    url,
                    health: RwLock::new(Health::default()),
                }
            })
            .collect();
        let replicas = Arc::new(Self {
            members,
            policy,
            next: AtomicUsize::new(0),
            stats: ReplicaStats::default(),
        });
        if !replicas.members.is_empty() {
            let weak = Arc::downgrade(&replicas);
            let primary_url = with_connect_timeout(primary_url);
            std::thread::Builder::new()
                .name("orgcms-replica-watch".into())
                .spawn(move || watch(weak, &primary_url, policy.check_interval))
                .ok();
        }
        replicas
    }

    /// A replica that is well and has replayed `floor`.
    fn pick(&self, floor: Lsn) -> Option<&Member> {
        let n = self.members.len();
        if n == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n).map(|i| &self.members[(start + i) % n]).find(|m| {
            let health = *m.health.read().unwrap_or_else(|e| e.into_inner());
            health.up && health.lag <= self.policy.max_lag && health.replayed >= floor
        })
    }

    /// Runs `work` on a replica that has replayed `floor`, or on `primary` when `floor` is None
    /// or no replica qualifies. A replica that fails the read for want of a connection is left
    /// out until its next good check, and the read runs on the primary, as does one that fails
    /// in the database (a standby cancels queries that conflict with its recovery).
    pub async fn read<T, F>(
        &self,
        primary: &DbPool,
        floor: Option<Lsn>,
        work: F,
    ) -> Result<T, ApiError>
    where
        F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let Some(member) = floor.and_then(|floor| self.pick(floor)) else {
            self.counted("primary");
            return crate::db::run(primary, work).await;
        };
        let work = Arc::new(Mutex::new(work));
        let shared = work.clone();
        let on_replica = crate::db::run(&member.pool, move |conn| {
            (shared.lock().unwrap_or_else(|e| e.into_inner()))(conn)
        })
        .await;
        match on_replica {
            Err(ApiError::Unavailable(reason)) => {
                tracing::warn!(%reason, "a replica failed a read; leaving it out until it answers again");
                member.health.write().unwrap_or_else(|e| e.into_inner()).up = false;
            }
            Err(ApiError::Internal(reason)) => {
                tracing::warn!(%reason, "a replica failed a read; reading from the primary")
            }
            answer => {
                self.counted("replica");
                return answer;
            }
        }
        self.counted("primary");
        crate::db::run(primary, move |conn| {
            (work.lock().unwrap_or_else(|e| e.into_inner()))(conn)
        })
        .await
    }

    fn counted(&self, target: &'static str) {
        if !self.members.is_empty() {
            self.stats.reads.get_or_create(&Target { target }).inc();
        }
    }

    /// Sets the gauges from the last checks (at each scrape).
    pub fn report(&self) {
        for (i, member) in self.members.iter().enumerate() {
            let health = *member.health.read().unwrap_or_else(|e| e.into_inner());
            let label = ReplicaLabel {
                replica: i.to_string(),
            };
            self.stats
                .up
                .get_or_create(&label)
                .set(i64::from(health.up && health.lag <= self.policy.max_lag));
            self.stats
                .lag_ms
                .get_or_create(&label)
                .set(i64::try_from(health.lag.as_millis()).unwrap_or(i64::MAX));
        }
    }
}

/// `url` with a connect timeout, unless it has one: a replica that stopped answering must not
/// hold the watch, or a read, for the system's TCP timeout.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=2")
    } else {
        format!("{url}?connect_timeout=2")
    }
}

/// The primary's positions of the last few checks, oldest first: a replica lags by the age of
/// the oldest position it has not replayed.
#[derive(Debug, Default)]
struct PrimaryHistory {
    samples: VecDeque<(Instant, Lsn)>,
}

impl PrimaryHistory {
    fn record(&mut self, at: Instant, position: Lsn, keep: Duration) {
        if self.samples.back().is_none_or(|(_, last)| *last < position) {
            self.samples.push_back((at, position));
        }
        // The latest sample stays, however old: it is what the primary is at.
        while self.samples.len() > 1
            && self
                .samples
                .front()
                .is_some_and(|(t, _)| at.duration_since(*t) > keep)
        {
            self.samples.pop_front();
        }
    }

    /// How long the primary has held data that a replica at `replayed` lacks, at `now`.
    fn lag(&self, replayed: Lsn, now: Instant) -> Duration {
        self.samples
            .iter()
            .find(|(_, position)| *position > replayed)
            .map_or(Duration::ZERO, |(t, _)| now.saturating_duration_since(*t))
    }
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    position: Option<i64>,
}

/// Where the primary's write-ahead log stands now (past every commit acknowledged so far).
pub fn primary_position(conn: &mut PgConnection) -> QueryResult<Lsn> {
    let row = diesel::sql_query("SELECT (pg_current_wal_lsn() - '0/0')::bigint AS position")
        .get_result::<Position>(conn)?;
    Ok(Lsn(row.position.unwrap_or(0) as u64))
}

/// What a replica has replayed; None when it is not in recovery.
fn replayed_position(conn: &mut PgConnection) -> QueryResult<Option<Lsn>> {
    let row = diesel::sql_query(
        "SELECT CASE WHEN pg_is_in_recovery() \
                THEN (pg_last_wal_replay_lsn() - '0/0')::bigint END AS position",
    )
    .get_result::<Position>(conn)?;
    Ok(row.position.map(|p| Lsn(p as u64)))
}

/// Opens a connection for the watch, whose statements must not outlast a check.
fn connect(url: &str, interval: Duration) -> Option<PgConnection> {
    use diesel::connection::SimpleConnection;
    let mut conn = PgConnection::establish(url).ok()?;
    let limit = (interval * 4).max(Duration::from_secs(1)).as_millis();
    conn.batch_execute(&format!("SET statement_timeout = {limit}"))
        .ok()?;
    Some(conn)
}

fn watch(replicas: Weak<Replicas>, primary_url: &str, interval: Duration) {
    let mut history = PrimaryHistory::default();
    let mut primary: Option<PgConnection> = None;
    let mut connections: Vec<Option<PgConnection>> = Vec::new();
    loop {
        let Some(replicas) = replicas.upgrade() else {
            return;
        };
        let keep = (replicas.policy.max_lag * 4).max(interval * 4);
        connections.resize_with(replicas.members.len(), || None);
        if primary.is_none() {
            primary = connect(primary_url, interval);
        }
        // Without the primary, the history ages: lags grow as they would.
        if let Some(conn) = primary.as_mut() {
            match primary_position(conn) {
                Ok(position) => history.record(Instant::now(), position, keep),
                Err(_) => primary = None,
            }
        }
        for (member, conn) in replicas.members.iter().zip(connections.iter_mut()) {
            if conn.is_none() {
                *conn = connect(&member.url, interval);
            }
            let found = conn.as_mut().map(replayed_position);
            let checked = Instant::now();
            let health = match found {
                Some(Ok(Some(replayed))) => Health {
                    up: true,
                    replayed,
                    lag: history.lag(replayed, checked),
                },
                Some(Ok(None)) => {
                    tracing::warn!("a configured replica is not in recovery; leaving it out");
                    Health::default()
                }
                Some(Err(_)) | None => {
                    *conn = None;
                    Health::default()
                }
            };
            let mut current = member.health.write().unwrap_or_else(|e| e.into_inner());
            let usable = |h: &Health| h.up && h.lag <= replicas.policy.max_lag;
            if usable(&current) != usable(&health) {
                if usable(&health) {
                    tracing::info!(
                        lag_ms = health.lag.as_millis() as u64,
                        "a replica serves reads again"
                    );
                } else {
                    tracing::warn!(
                        up = health.up,
                        lag_ms = health.lag.as_millis() as u64,
                        "a replica is left out"
                    );
                }
            }
            *current = health;
        }
        drop(replicas);
        std::thread::sleep(interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_and_print_as_postgresql_spells_them() {
        for text in ["0/0", "0/16B3748", "16/B374D848", "FFFFFFFF/FFFFFFFF"] {
            assert_eq!(text.parse::<Lsn>().unwrap().to_string(), text);
        }
        assert_eq!("1/0".parse::<Lsn>(), Ok(Lsn(1 << 32)));
        assert_eq!("0/a".parse::<Lsn>(), Ok(Lsn(10)), "either case");
        for bad in [
            "",
            "0",
            "/1",
            "1/",
            "0/-1",
            "0/+1",
            "0/ 1",
            "1/2/3",
            "123456789/0",
            "x/y",
        ] {
            assert!(bad.parse::<Lsn>().is_err(), "{bad:?}");
        }
        assert!("0/1".parse::<Lsn>().unwrap() < "1/0".parse::<Lsn>().unwrap());
    }

    #[test]
    fn a_replica_lags_by_the_age_of_what_it_has_not_replayed() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let keep = Duration::from_secs(10);
        let mut history = PrimaryHistory::default();
        history.record(at(0), Lsn(100), keep);
        history.record(at(500), Lsn(100), keep); // idle: nothing new
        history.record(at(1000), Lsn(200), keep);
        history.record(at(1500), Lsn(300), keep);
        assert_eq!(history.lag(Lsn(300), at(1600)), Duration::ZERO, "caught up");
        assert_eq!(
            history.lag(Lsn(400), at(1600)),
            Duration::ZERO,
            "ahead of the samples"
        );
        assert_eq!(history.lag(Lsn(200), at(1600)), Duration::from_millis(100));
        assert_eq!(history.lag(Lsn(150), at(1600)), Duration::from_millis(600));
        assert_eq!(history.lag(Lsn(0), at(1600)), Duration::from_millis(1600));
        // An idle primary: a replica that replayed everything does not age.
        assert_eq!(history.lag(Lsn(300), at(60_000)), Duration::ZERO);
        // Old samples go, but the latest stays, and what is missing keeps its age.
        history.record(at(20_000), Lsn(300), keep);
        assert_eq!(history.samples.len(), 1);
        assert_eq!(
            history.lag(Lsn(0), at(20_000)),
            Duration::from_millis(18_500)
        );
    }
}
