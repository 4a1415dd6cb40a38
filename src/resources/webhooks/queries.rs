use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::WebhookInput;
use crate::db::keyset::row_compare;
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_events, webhooks};
use crate::http::pagination::Paging;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub mission_id: Option<Uuid>,
    pub locale: Option<String>,
    pub payload: String,
    pub active: bool,
    pub description: String,
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub type WebhookKey = (DateTime<Utc>, Uuid);

pub fn key_of(row: &WebhookRow) -> WebhookKey {
    (row.created_at, row.id)
}

pub fn list(
    conn: &mut PgConnection,
    paging: &Paging<WebhookKey>,
) -> QueryResult<(Vec<WebhookRow>, Option<i64>)> {
    use diesel::sql_types::{Timestamptz, Uuid as SqlUuid};
    let mut query = webhooks::table
        .select(WebhookRow::as_select())
        .order((webhooks::created_at, webhooks::id))
        .limit(paging.limit())
        .offset(paging.offset())
        .into_boxed();
    if let Some((at, id)) = paging.after() {
        query = query.filter(row_compare::<_, Timestamptz, SqlUuid, _, _>(
            "(webhooks.created_at, webhooks.id) > (",
            *at,
            *id,
        ));
    }
    let rows = query.load(conn)?;
    let total = match paging.count_total {
        true => Some(webhooks::table.count().get_result(conn)?),
        false => None,
    };
    Ok((rows, total))
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()
}

/// The subscription, locked for the rest of the transaction.
pub fn lock(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut PgConnection,
    input: &WebhookInput,
    secret: &str,
) -> QueryResult<WebhookRow> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::url.eq(&input.url),
            webhooks::event_types.eq(&input.event_types),
            webhooks::mission_id.eq(input.mission_id),
            webhooks::locale.eq(&input.locale),
            webhooks::payload.eq(input.payload.as_str()),
            webhooks::active.eq(input.active),
            webhooks::description.eq(&input.description),
            webhooks::secret.eq(secret),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)
}

/// Writes `input` over the subscription; turning it on clears what turned it off.
pub fn update(
    conn: &mut PgConnection,
    current: &WebhookRow,
    input: &WebhookInput,
) -> QueryResult<WebhookRow> {
    let reactivated = input.active && !current.active;
    diesel::update(webhooks::table.find(current.id))
        .set((
            webhooks::url.eq(&input.url),
            webhooks::event_types.eq(&input.event_types),
            webhooks::mission_id.eq(input.mission_id),
            webhooks::locale.eq(&input.locale),
            webhooks::payload.eq(input.payload.as_str()),
            webhooks::active.eq(input.active),
            webhooks::description.eq(&input.description),
            webhooks::version.eq(current.version + 1),
            webhooks::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    if reactivated {
        diesel::update(webhooks::table.find(current.id))
            .set((
                webhooks::disabled_reason.eq(None::<String>),
                webhooks::failing_since.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)?;
    }
    webhooks::table
        .find(current.id)
        .select(WebhookRow::as_select())
        .first(conn)
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<()> {
    diesel::delete(webhooks::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// A new secret; the current one keeps signing (as a second signature) until `until`.
pub fn rotate_secret(
    conn: &mut PgConnection,
    current: &WebhookRow,
    secret: &str,
    until: DateTime<Utc>,
) -> QueryResult<WebhookRow> {
    diesel::update(webhooks::table.find(current.id))
        .set((
            webhooks::previous_secret.eq(webhooks::secret.nullable()),
            webhooks::previous_secret_until.eq(until),
            webhooks::secret.eq(secret),
            webhooks::version.eq(current.version + 1),
            webhooks::updated_at.eq(diesel::dsl::now),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)
}

#[derive(Clone, Debug, Queryable)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub delivery_id: Uuid,
    pub attempted_at: DateTime<Utc>,
    pub status: Option<i32>,
    pub latency_ms: i32,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

pub type DeliveryKey = (DateTime<Utc>, Uuid);

/// A delivery and its attempts, the first first.
pub type DeliveryWithAttempts = (DeliveryRow, Vec<AttemptRow>);

pub fn delivery_key_of(row: &DeliveryRow) -> DeliveryKey {
    (row.created_at, row.id)
}

type DeliveryColumns = (
    webhook_deliveries::id,
    webhook_deliveries::event_id,
    webhook_events::event_type,
    webhook_deliveries::state,
    webhook_deliveries::attempts,
    webhook_deliveries::next_attempt_at,
    webhook_deliveries::last_status,
    webhook_deliveries::last_error,
    webhook_deliveries::created_at,
    webhook_deliveries::delivered_at,
);

const DELIVERY_COLUMNS: DeliveryColumns = (
    webhook_deliveries::id,
    webhook_deliveries::event_id,
    webhook_events::event_type,
    webhook_deliveries::state,
    webhook_deliveries::attempts,
    webhook_deliveries::next_attempt_at,
    webhook_deliveries::last_status,
    webhook_deliveries::last_error,
    webhook_deliveries::created_at,
    webhook_deliveries::delivered_at,
);

/// A subscription's deliveries, newest first, with their attempts.
pub fn deliveries(
    conn: &mut PgConnection,
    webhook: Uuid,
    state: Option<&str>,
    paging: &Paging<DeliveryKey>,
) -> QueryResult<(Vec<DeliveryWithAttempts>, Option<i64>)> {
    use diesel::sql_types::{Timestamptz, Uuid as SqlUuid};
    let filtered = || {
        let mut query = webhook_deliveries::table
            .inner_join(webhook_events::table)
            .filter(webhook_deliveries::webhook_id.eq(webhook))
            .into_boxed();
        if let Some(state) = state {
            query = query.filter(webhook_deliveries::state.eq(state.to_owned()));
        }
        query
    };
    let mut query = filtered()
        .select(DELIVERY_COLUMNS)
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .limit(paging.limit())
        .offset(paging.offset());
    if let Some((at, id)) = paging.after() {
        query = query.filter(row_compare::<_, Timestamptz, SqlUuid, _, _>(
            "(webhook_deliveries.created_at, webhook_deliveries.id) < (",
            *at,
            *id,
        ));
    }
    let rows: Vec<DeliveryRow> = query.load(conn)?;
    let total = match paging.count_total {
        true => Some(filtered().count().get_result(conn)?),
        false => None,
    };
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order(webhook_attempts::id)
        .select(AttemptRow::as_select())
        .load(conn)?;
    let with_attempts = rows
        .into_iter()
        .map(|row| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                attempts.drain(..).partition(|a| a.delivery_id == row.id);
            attempts = rest;
            (row, mine)
        })
        .collect();
    Ok((with_attempts, total))
}

pub fn delivery(
    conn: &mut PgConnection,
    webhook: Uuid,
    id: Uuid,
) -> QueryResult<Option<DeliveryWithAttempts>> {
    let row: Option<DeliveryRow> = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .filter(webhook_deliveries::id.eq(id))
        .select(DELIVERY_COLUMNS)
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let attempts = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(id))
        .order(webhook_attempts::id)
        .select(AttemptRow::as_select())
        .load(conn)?;
    Ok(Some((row, attempts)))
}

/// Queues a delivery again, with a fresh round of attempts (its body stays: the same bytes).
pub fn redeliver(conn: &mut PgConnection, webhook: Uuid, id: Uuid) -> QueryResult<bool> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(webhook))
            .filter(webhook_deliveries::id.eq(id)),
    )
    .set((
        webhook_deliveries::state.eq("pending"),
        webhook_deliveries::attempts.eq(0),
        webhook_deliveries::next_attempt_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .map(|n| n > 0)
}

/// A `webhook.ping` for this subscription only; returns its delivery.
pub fn ping(conn: &mut PgConnection, webhook: Uuid) -> QueryResult<Uuid> {
    #[derive(QueryableByName)]
    struct Queued {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let queued: Queued = diesel::sql_query(
        "WITH event AS (
           INSERT INTO webhook_events (type, resource, item_id, data, change_seq, news_key_at, news_key_id)
           VALUES ('webhook.ping', 'webhook', $1, '{}'::jsonb,
                   coalesce((SELECT max(seq) FROM content_changes), 0),
                   (SELECT announced_through FROM webhook_schedule),
                   'ffffffff-ffff-ffff-ffff-ffffffffffff')
           RETURNING id)
         INSERT INTO webhook_deliveries (webhook_id, event_id)
         SELECT $1, event.id FROM event
         RETURNING id",
    )
    .bind::<diesel::sql_types::Uuid, _>(webhook)
    .get_result(conn)?;
    wake_relays(conn)?;
    Ok(queued.id)
}

/// Queues again every event after `since` (or after the event `after`) that the subscription's
/// types and filters take, as new deliveries or fresh rounds of existing ones; returns how many.
pub fn replay(
    conn: &mut PgConnection,
    webhook: &WebhookRow,
    since: Option<DateTime<Utc>>,
    after_event: Option<Uuid>,
) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        queued: i64,
    }
    let count: Count = diesel::sql_query(
        "WITH wanted AS (
           SELECT e.id FROM webhook_events e, webhooks w
            WHERE w.id = $1
              AND e.type = ANY (w.event_types)
              AND (w.mission_id IS NULL OR w.mission_id = e.mission_id)
              AND (w.locale IS NULL OR e.data -> 'locales' ? w.locale)
              AND ($2::timestamptz IS NULL OR e.occurred_at > $2)
              AND ($3::uuid IS NULL OR e.seq > (SELECT a.seq FROM webhook_events a WHERE a.id = $3))
         ), queued AS (
           INSERT INTO webhook_deliveries (webhook_id, event_id)
           SELECT $1, wanted.id FROM wanted
           ON CONFLICT (webhook_id, event_id) DO UPDATE
              SET state = 'pending', attempts = 0, next_attempt_at = clock_timestamp()
           RETURNING 1)
         SELECT count(*) AS queued FROM queued",
    )
    .bind::<diesel::sql_types::Uuid, _>(webhook.id)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>, _>(since)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(after_event)
    .get_result(conn)?;
    Ok(count.queued)
}

/// Whether an event with this id exists.
pub fn event_exists(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(webhook_events::table.find(id))).get_result(conn)
}

/// Wakes the relays listening for new deliveries (delivered at commit).
pub fn wake_relays(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify('orgcms_webhooks', '')")
        .execute(conn)
        .map(|_| ())
}
