//! The outbox's queries: what the relay claims, what it records, and what it prunes. The events
//! themselves are written by the database at the commit of the change they describe (migration
//! `webhooks`); nothing here writes one for content.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    BigInt, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use uuid::Uuid;

/// A delivery the relay has leased, with what it needs to send it.
#[derive(Clone, Debug, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Nullable<Text>)]
    pub body: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    pub webhook_id: Uuid,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub payload: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub locale: Option<String>,
    #[diesel(sql_type = Text)]
    pub secret: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_secret: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub previous_secret_until: Option<DateTime<Utc>>,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = Text)]
    pub resource: String,
    #[diesel(sql_type = SqlUuid)]
    pub item_id: Uuid,
    #[diesel(sql_type = Jsonb)]
    pub data: serde_json::Value,
    #[diesel(sql_type = BigInt)]
    pub change_seq: i64,
    #[diesel(sql_type = Timestamptz)]
    pub news_key_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub news_key_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: DateTime<Utc>,
    /// The lease: the delivery's `next_attempt_at` while this relay holds it. A redelivery or a
    /// replay during the attempt moves it, and then wins over what this attempt records.
    #[diesel(sql_type = Timestamptz)]
    pub leased_until: DateTime<Utc>,
}

impl Claimed {
    /// The secrets that sign this attempt: the current one, and the one before it while its
    /// overlap lasts.
    pub fn secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until) {
            if until > now {
                secrets.push(previous);
            }
        }
        secrets
    }
}

/// Announces the scheduled news items whose time has come (any node; they take turns under the
/// content lock). Returns how many.
pub fn announce_due(conn: &mut PgConnection) -> QueryResult<i32> {
    #[derive(QueryableByName)]
    struct Announced {
        #[diesel(sql_type = Integer)]
        announced: i32,
    }
    let row: Announced =
        diesel::sql_query("SELECT orgcms_webhook_announce_due() AS announced").get_result(conn)?;
    Ok(row.announced)
}

/// Leases up to `limit` due deliveries of active subscriptions for `lease_seconds`: until then
/// no other relay takes them; after it (the relay died), any relay does.
pub fn claim(conn: &mut PgConnection, limit: i64, lease_seconds: f64) -> QueryResult<Vec<Claimed>> {
    diesel::sql_query(
        "WITH claimed AS (
           UPDATE webhook_deliveries d
              SET next_attempt_at = clock_timestamp() + make_interval(secs => $2)
            WHERE d.id IN (
                  SELECT due.id FROM webhook_deliveries due
                    JOIN webhooks w ON w.id = due.webhook_id
                   WHERE due.state = 'pending' AND due.next_attempt_at <= clock_timestamp()
                     AND w.active
                   ORDER BY due.next_attempt_at
                   LIMIT $1
                     FOR UPDATE OF due SKIP LOCKED)
           RETURNING d.id, d.attempts, d.body, d.webhook_id, d.event_id, d.next_attempt_at)
         SELECT c.id, c.attempts, c.body, c.webhook_id, w.url, w.payload, w.locale, w.secret,
                w.previous_secret, w.previous_secret_until, e.id AS event_id,
                e.type AS event_type, e.resource, e.item_id, e.data, e.change_seq, e.news_key_at,
                e.news_key_id, e.occurred_at, c.next_attempt_at AS leased_until
           FROM claimed c
           JOIN webhooks w ON w.id = c.webhook_id
           JOIN webhook_events e ON e.id = c.event_id",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Double, _>(lease_seconds)
    .load(conn)
}

/// Fixes the body a delivery sends on every attempt (the first attempt makes it).
pub fn keep_body(conn: &mut PgConnection, delivery: Uuid, body: &str) -> QueryResult<()> {
    use crate::db::schema::webhook_deliveries as d;
    diesel::update(d::table.find(delivery).filter(d::body.is_null()))
        .set(d::body.eq(body))
        .execute(conn)
        .map(|_| ())
}

/// What one attempt came to.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status: Option<u16>,
    pub latency_ms: i32,
    pub excerpt: Option<String>,
    pub error: Option<String>,
}

/// What follows an attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    Delivered,
    /// Tried again at this time.
    Retry(DateTime<Utc>),
    /// No attempt left.
    Dead,
    /// The receiver said 410: the subscription is turned off.
    Gone,
}

/// Records an attempt and what follows it, and keeps the subscription's failure record: a
/// success clears it, a failure starts it, and a subscription failing for `disable_after` (or
/// answering 410) is turned off.
pub fn record(
    conn: &mut PgConnection,
    claimed: &Claimed,
    attempt: &Attempt,
    next: &Next,
    disable_after: std::time::Duration,
) -> QueryResult<()> {
    use crate::db::schema::{webhook_attempts as a, webhook_deliveries as d, webhooks as w};
    conn.transaction(|conn| {
        diesel::insert_into(a::table)
            .values((
                a::delivery_id.eq(claimed.id),
                a::attempted_at.eq(attempt.at),
                a::status.eq(attempt.status.map(i32::from)),
                a::latency_ms.eq(attempt.latency_ms),
                a::response_excerpt.eq(&attempt.excerpt),
                a::error.eq(&attempt.error),
            ))
            .execute(conn)?;
        let attempts = claimed.attempts + 1;
        let status = attempt.status.map(i32::from);
        // Only while the lease is this attempt's: a delivery queued again meanwhile (redeliver,
        // replay) stays queued.
        let delivery = d::table
            .find(claimed.id)
            .filter(d::next_attempt_at.eq(claimed.leased_until));
        match next {
            Next::Delivered => {
                diesel::update(delivery)
                    .set((
                        d::state.eq("delivered"),
                        d::attempts.eq(attempts),
                        d::last_status.eq(status),
                        d::last_error.eq(None::<String>),
                        d::delivered_at.eq(attempt.at),
                    ))
                    .execute(conn)?;
                diesel::update(
                    w::table
                        .find(claimed.webhook_id)
                        .filter(w::failing_since.is_not_null()),
                )
                .set(w::failing_since.eq(None::<DateTime<Utc>>))
                .execute(conn)?;
                return Ok(());
            }
            Next::Retry(at) => {
                diesel::update(delivery)
                    .set((
                        d::attempts.eq(attempts),
                        d::last_status.eq(status),
                        d::last_error.eq(&attempt.error),
                        d::next_attempt_at.eq(at),
                    ))
                    .execute(conn)?;
            }
            Next::Dead | Next::Gone => {
                diesel::update(delivery)
                    .set((
                        d::state.eq("dead"),
                        d::attempts.eq(attempts),
                        d::last_status.eq(status),
                        d::last_error.eq(&attempt.error),
                    ))
                    .execute(conn)?;
            }
        }
        let hook = w::table.find(claimed.webhook_id);
        if *next == Next::Gone {
            diesel::update(hook)
                .set((
                    w::active.eq(false),
                    w::disabled_reason.eq("the receiver answered 410 Gone"),
                ))
                .execute(conn)?;
            return Ok(());
        }
        diesel::update(hook.filter(w::failing_since.is_null()))
            .set(w::failing_since.eq(attempt.at))
            .execute(conn)?;
        let limit = chrono::Duration::from_std(disable_after).unwrap_or(chrono::Duration::MAX);
        diesel::update(
            hook.filter(w::active)
                .filter(w::failing_since.le(attempt.at - limit)),
        )
        .set((
            w::active.eq(false),
            w::disabled_reason.eq(format!(
                "every attempt failed for {} seconds",
                disable_after.as_secs()
            )),
        ))
        .execute(conn)?;
        Ok(())
    })
}

/// Removes events older than `days` (their deliveries and attempts go with them).
pub fn prune(conn: &mut PgConnection, days: u32) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM webhook_events WHERE occurred_at < clock_timestamp() - make_interval(days => $1)",
    )
    .bind::<Integer, _>(days as i32)
    .execute(conn)
}

/// The deliveries waiting to be sent or retried, and when the oldest of them was made.
pub fn backlog(conn: &mut PgConnection) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    use crate::db::schema::webhook_deliveries as d;
    d::table
        .filter(d::state.eq("pending"))
        .select((diesel::dsl::count_star(), diesel::dsl::min(d::created_at)))
        .first(conn)
}
