//! Each key's request budget on this node, and the record of its use.
//!
//! The per-minute limit is this node's (like the per-address limit of
//! `crate::http::middleware::rate_limit`): a key used through N nodes may make up to N times its
//! rate. The daily quota is the key's across nodes: every request's lookup reads the day's count
//! that all nodes have written (`used_today`), and this node adds what it has counted since its
//! last write. Counts and the last-used time are written in batches (every
//! `ORGCMS_API_KEY_USAGE_FLUSH_MS`), never on every request; a node that stops loses at most that
//! much of its count.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use uuid::Uuid;

use crate::db::DbPool;

type Limiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;

/// What the lookup of a key says of its limits and its use so far.
#[derive(Clone, Debug)]
pub struct KeyLimits {
    pub key_id: Uuid,
    pub per_minute: u32,
    pub daily_quota: u32,
    /// The count written for `usage_day` by every node.
    pub usage_day: Option<NaiveDate>,
    pub used_today: i64,
}

/// Where a key stands after a request: what the `RateLimit` headers say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub per_minute: u32,
    pub minute_left: u32,
    /// Seconds until the minute budget is full again.
    pub minute_reset: u64,
    pub daily_quota: u32,
    pub day_left: u64,
    /// Seconds until the day's quota starts again (midnight UTC).
    pub day_reset: u64,
}

impl Standing {
    pub fn policy(&self) -> String {
        format!(
            "\"key-minute\";q={};w=60, \"key-day\";q={};w=86400",
            self.per_minute, self.daily_quota
        )
    }

    pub fn state(&self) -> String {
        format!(
            "\"key-minute\";r={};t={}, \"key-day\";r={};t={}",
            self.minute_left, self.minute_reset, self.day_left, self.day_reset
        )
    }
}

/// A refused request: over the minute budget or the day's quota; retry after `retry_after` s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub retry_after: u64,
    pub standing: Standing,
    pub quota: bool,
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    day: NaiveDate,
    count: i64,
    last_used: DateTime<Utc>,
}

/// This node's budgets and uncounted use, per key.
#[derive(Default)]
pub struct KeyUsage {
    limiters: Mutex<HashMap<Uuid, (u32, Arc<Limiter>)>>,
    pending: Mutex<HashMap<Uuid, Pending>>,
}

fn seconds_to_midnight(now: DateTime<Utc>) -> u64 {
    let midnight = (now.date_naive() + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc());
    midnight.map_or(86_400, |m| (m - now).num_seconds().max(1) as u64)
}

impl KeyUsage {
    /// A record flushed every `every` into the database of `pool`, for as long as it lives.
    pub fn start(pool: DbPool, every: Duration) -> Arc<Self> {
        let usage = Arc::new(Self::default());
        let weak = Arc::downgrade(&usage);
        std::thread::Builder::new()
            .name("api-key-usage".into())
            .spawn(move || flush_loop(weak, pool, every))
            .ok();
        usage
    }

    /// Charges one request of the key `limits` describes, at `now`.
    pub fn charge(&self, limits: &KeyLimits, now: DateTime<Utc>) -> Result<Standing, Refused> {
        let today = now.date_naive();
        let limiter = self.limiter(limits.key_id, limits.per_minute);
        let written = match limits.usage_day {
            Some(day) if day == today => limits.used_today,
            _ => 0,
        };
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let entry = pending.entry(limits.key_id).or_insert(Pending {
            day: today,
            count: 0,
            last_used: now,
        });
        if entry.day != today {
            // The counts of yesterday not yet written go with it: a new day, a new quota.
            *entry = Pending {
                day: today,
                count: 0,
                last_used: now,
            };
        }
        let used = written + entry.count;
        let quota = i64::from(limits.daily_quota);
        let day_reset = seconds_to_midnight(now);
        let mut standing = Standing {
            per_minute: limits.per_minute,
            minute_left: 0,
            minute_reset: 60,
            daily_quota: limits.daily_quota,
            day_left: (quota - used).max(0) as u64,
            day_reset,
        };
        if used >= quota {
            return Err(Refused {
                retry_after: day_reset,
                standing,
                quota: true,
            });
        }
        match limiter.check() {
            Ok(snapshot) => {
                entry.count += 1;
                entry.last_used = now;
                let left = snapshot.remaining_burst_capacity();
                standing.minute_left = left;
                let used = u64::from(limits.per_minute.saturating_sub(left));
                standing.minute_reset = (used * 60).div_ceil(u64::from(limits.per_minute));
                standing.day_left = (quota - (written + entry.count)).max(0) as u64;
                Ok(standing)
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
                standing.minute_reset = seconds;
                Err(Refused {
                    retry_after: seconds,
                    standing,
                    quota: false,
                })
            }
        }
    }

    fn limiter(&self, key: Uuid, per_minute: u32) -> Arc<Limiter> {
        let mut limiters = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        match limiters.get(&key) {
            // A changed limit takes effect with a fresh budget.
            Some((rate, limiter)) if *rate == per_minute => limiter.clone(),
            _ => {
                let quota =
                    Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
                let limiter = Arc::new(
                    RateLimiter::direct(quota).with_middleware::<StateInformationMiddleware>(),
                );
                limiters.insert(key, (per_minute, limiter.clone()));
                limiter
            }
        }
    }

    /// Takes what was counted since the last write.
    fn take(&self) -> Vec<(Uuid, Pending)> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.drain().filter(|(_, p)| p.count > 0).collect()
    }

    /// Puts back what could not be written, to be written with the next batch.
    fn put_back(&self, batch: Vec<(Uuid, Pending)>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for (key, unwritten) in batch {
            let entry = pending.entry(key).or_insert(Pending {
                count: 0,
                ..unwritten
            });
            if entry.day == unwritten.day {
                entry.count += unwritten.count;
                entry.last_used = entry.last_used.max(unwritten.last_used);
            }
        }
    }

    /// Writes what this node counted; returns how many keys it wrote.
    pub fn flush(&self, pool: &DbPool) -> usize {
        let batch = self.take();
        if batch.is_empty() {
            return 0;
        }
        let written = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            crate::resources::api_keys::queries::record_use(
                &mut conn,
                batch.iter().map(|(k, p)| (*k, p.day, p.count, p.last_used)),
            )
            .map_err(|e| e.to_string())
        });
        match written {
            Ok(()) => batch.len(),
            Err(error) => {
                tracing::warn!(%error, "could not write the use of API keys; retrying later");
                self.put_back(batch);
                0
            }
        }
    }
}

fn flush_loop(usage: Weak<KeyUsage>, pool: DbPool, every: Duration) {
    loop {
        std::thread::sleep(every);
        let Some(usage) = usage.upgrade() else {
            return;
        };
        usage.flush(&pool);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32, daily_quota: u32, used_today: i64) -> KeyLimits {
        KeyLimits {
            key_id: Uuid::nil(),
            per_minute,
            daily_quota,
            usage_day: Some(Utc::now().date_naive()),
            used_today,
        }
    }

    #[test]
    fn the_minute_budget_runs_out_and_says_so() {
        let usage = KeyUsage::default();
        let now = Utc::now();
        let first = usage.charge(&limits(2, 100, 0), now).unwrap();
        assert_eq!((first.minute_left, first.day_left), (1, 99));
        assert_eq!(
            first.policy(),
            "\"key-minute\";q=2;w=60, \"key-day\";q=100;w=86400"
        );
        usage.charge(&limits(2, 100, 0), now).unwrap();
        let refused = usage.charge(&limits(2, 100, 0), now).unwrap_err();
        assert!(!refused.quota && refused.retry_after >= 1 && refused.retry_after <= 60);
        assert_eq!(refused.standing.minute_left, 0);
    }

    #[test]
    fn the_daily_quota_counts_what_every_node_wrote_and_this_one_holds() {
        let usage = KeyUsage::default();
        let now = Utc::now();
        // 8 written by all nodes, 2 counted here: the quota of 10 is spent.
        usage.charge(&limits(100, 10, 8), now).unwrap();
        let last = usage.charge(&limits(100, 10, 8), now).unwrap();
        assert_eq!(last.day_left, 0);
        let refused = usage.charge(&limits(100, 10, 8), now).unwrap_err();
        assert!(refused.quota);
        assert!(refused.retry_after <= 86_400);
        // Yesterday's count does not hold today.
        let mut stale = limits(100, 10, 50);
        stale.usage_day = Some(now.date_naive() - chrono::Days::new(1));
        let fresh = KeyUsage::default();
        assert_eq!(fresh.charge(&stale, now).unwrap().day_left, 9);
    }

    #[test]
    fn what_is_taken_and_put_back_is_not_lost() {
        let usage = KeyUsage::default();
        let now = Utc::now();
        for _ in 0..3 {
            usage.charge(&limits(100, 100, 0), now).unwrap();
        }
        let batch = usage.take();
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].1.count, 3);
        assert!(usage.take().is_empty());
        usage.charge(&limits(100, 100, 0), now).unwrap();
        usage.put_back(batch);
        assert_eq!(usage.take()[0].1.count, 4);
    }

    #[test]
    fn midnight_is_at_most_a_day_away() {
        let now = Utc::now();
        let s = seconds_to_midnight(now);
        assert!((1..=86_400).contains(&s));
    }
}
