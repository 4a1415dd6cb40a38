//! What this node knows of the content's latest change, without asking the database per request.
//!
//! The content has a generation. It moves on with every write this process answers (after the
//! write ended), with every change any other process commits (the content tables' triggers
//! `NOTIFY orgcms_content`, which a background thread `LISTEN`s to), and when the next scheduled
//! news item's time comes. For each generation the thread learns, in one query, what reads
//! would otherwise ask for every time: the public `Last-Modified`, the change log's latest
//! position, and when the next scheduled item turns public. Until it has (right after a change,
//! or while the listening connection is lost), `known` answers None and reads ask the database
//! as if there were no clock.
//!
//! What the clock knows trails a commit of another process by the notification's delay (the
//! poll interval below, plus the query): the same bound by which the response cache, which
//! serves a generation's answers, trails it.

use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// How often the listening thread looks for notifications (and notices a lost connection).
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// How long it waits before connecting again after losing the database.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// Where the content tables' triggers announce every committed change.
pub const CHANNEL: &str = "orgcms_content";

/// What is true of the content for a whole generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Known {
    /// When the next scheduled news item turns public, changing what reads show.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub next_publication: Option<DateTime<Utc>>,
    /// When what the public sees last changed (`changes::queries::content_last_modified`).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub last_modified: Option<DateTime<Utc>>,
    /// The position of the latest change (0 when nothing ever changed).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub latest_seq: i64,
    /// The primary's write-ahead-log position when this was learnt, after every change of the
    /// generation committed: what a replica must have replayed to answer for it
    /// (`db::replicas`).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub wal_position: i64,
}

#[derive(Debug, Clone, Copy)]
struct ClockState {
    generation: u64,
    /// What is known of this generation; None until learnt, and while notifications are not
    /// heard.
    known: Option<Known>,
}

/// The content generation, shared by the request path and the listening thread.
#[derive(Debug)]
pub struct ContentClock {
    state: RwLock<ClockState>,
    /// Wakes the listening thread to learn the state of a new generation at once.
    wake: (Mutex<bool>, Condvar),
}

impl ContentClock {
    fn new() -> Self {
        Self {
            state: RwLock::new(ClockState {
                generation: 0,
                known: None,
            }),
            wake: (Mutex::new(false), Condvar::new()),
        }
    }

    /// A clock kept by a thread listening on `database_url`; the thread ends when the clock is
    /// dropped.
    pub fn start(database_url: String) -> Arc<Self> {
        let clock = Arc::new(Self::new());
        let weak = Arc::downgrade(&clock);
        std::thread::Builder::new()
            .name("orgcms-content-listener".into())
            .spawn(move || listen(weak, &database_url))
            .ok();
        clock
    }

    fn read(&self) -> ClockState {
        *self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The content may have changed: what was known is not any more.
    pub fn advance(&self) {
        {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            state.generation += 1;
            state.known = None;
        }
        let (flag, condvar) = &self.wake;
        *flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
        condvar.notify_one();
    }

    /// Records what the listening thread learnt, unless the generation moved on meanwhile.
    fn learn(&self, generation: u64, known: Known) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.generation == generation {
            state.known = Some(known);
        }
    }

    fn forget(&self) {
        self.state.write().unwrap_or_else(|e| e.into_inner()).known = None;
    }

    fn sleep(&self, timeout: Duration) {
        let (flag, condvar) = &self.wake;
        let guard = flag.lock().unwrap_or_else(|e| e.into_inner());
        let (mut woken, _) = condvar
            .wait_timeout_while(guard, timeout, |woken| !*woken)
            .unwrap_or_else(|e| e.into_inner());
        *woken = false;
    }

    /// The current generation and what is known of it, if it can be trusted at `now`.
    pub fn current(&self, now: DateTime<Utc>) -> Option<(u64, Known)> {
        let state = self.read();
        let known = state.known?;
        if known.next_publication.is_some_and(|at| at <= now) {
            // A scheduled item just turned public.
            self.advance();
            return None;
        }
        Some((state.generation, known))
    }

    /// How many times the generation moved on since the clock started.
    pub fn generation(&self) -> u64 {
        self.read().generation
    }

    /// The position a replica must have replayed to answer for the current generation; None
    /// while the generation is not known (then reads go to the primary).
    pub fn floor(&self, now: DateTime<Utc>) -> Option<crate::db::replicas::Lsn> {
        self.known(now)
            .map(|known| crate::db::replicas::Lsn(known.wal_position as u64))
    }

    /// What is known of the content at `now`, if it can be trusted.
    pub fn known(&self, now: DateTime<Utc>) -> Option<Known> {
        self.current(now).map(|(_, known)| known)
    }
}

/// Listens for committed changes and learns what each generation is.
fn listen(clock: Weak<ContentClock>, database_url: &str) {
    loop {
        let Some(strong) = clock.upgrade() else {
            return;
        };
        strong.forget();
        match PgConnection::establish(database_url) {
            Ok(mut conn) => {
                if diesel::sql_query(format!("LISTEN {CHANNEL}"))
                    .execute(&mut conn)
                    .is_ok()
                {
                    // Changes made while nobody listened are unknown: start a new generation.
                    strong.advance();
                    drop(strong);
                    if !follow(&clock, &mut conn) {
                        return;
                    }
                    continue;
                }
            }
            Err(e) => tracing::debug!(error = %e, "content clock: database unreachable"),
        }
        drop(strong);
        std::thread::sleep(RECONNECT_DELAY);
    }
}

/// Follows notifications on a listening connection; false when the clock is gone, true when the
/// connection is lost.
fn follow(clock: &Weak<ContentClock>, conn: &mut PgConnection) -> bool {
    loop {
        let Some(clock) = clock.upgrade() else {
            return false;
        };
        let mut changed = false;
        for notification in conn.notifications_iter() {
            match notification {
                Ok(_) => changed = true,
                Err(e) => {
                    tracing::warn!(error = %e, "content clock: lost the listening connection");
                    clock.forget();
                    return true;
                }
            }
        }
        if changed {
            clock.advance();
        }
        let state = clock.read();
        if state.known.is_none() {
            match learn(conn) {
                Ok(known) => clock.learn(state.generation, known),
                Err(e) => {
                    tracing::warn!(error = %e, "content clock: lost the listening connection");
                    clock.forget();
                    return true;
                }
            }
        }
        clock.sleep(POLL_INTERVAL);
    }
}

/// What the content is now, in one statement (one snapshot).
fn learn(conn: &mut PgConnection) -> QueryResult<Known> {
    diesel::sql_query(
        "SELECT (SELECT min(published_at) FROM news \
                  WHERE status = 'published' AND published_at > now()) AS next_publication, \
                greatest((SELECT changed_at FROM content_changes ORDER BY seq DESC LIMIT 1), \
                         (SELECT max(published_at) FROM news \
                           WHERE status = 'published' AND published_at <= now())) AS last_modified, \
                coalesce((SELECT max(seq) FROM content_changes), 0) AS latest_seq, \
                (pg_current_wal_lsn() - '0/0')::bigint AS wal_position",
    )
    .get_result::<Known>(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(next_publication: Option<DateTime<Utc>>) -> Known {
        Known {
            next_publication,
            last_modified: None,
            latest_seq: 0,
            wal_position: 0,
        }
    }

    #[test]
    fn the_clock_is_trusted_only_once_it_knows_the_generation() {
        let clock = ContentClock::new();
        let now = Utc::now();
        let generation = |now| clock.current(now).map(|(g, _)| g);
        assert_eq!(generation(now), None, "nothing known yet");
        clock.learn(0, known(None));
        assert_eq!(generation(now), Some(0));
        clock.advance();
        assert_eq!(generation(now), None, "a write makes it unsure");
        clock.learn(0, known(None));
        assert_eq!(generation(now), None, "news of an old generation");
        clock.learn(1, known(Some(now + chrono::Duration::seconds(5))));
        assert_eq!(generation(now), Some(1));
        // The scheduled item's time comes: a new generation, unknown until learnt.
        let later = now + chrono::Duration::seconds(5);
        assert_eq!(generation(later), None);
        clock.learn(2, known(None));
        assert_eq!(generation(later), Some(2));
        clock.forget();
        assert_eq!(generation(later), None, "listening lost");
    }
}
