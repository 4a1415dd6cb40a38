use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::ApiKeyInput;
use crate::db::keyset::row_compare;
use crate::db::schema::api_keys;
use crate::http::pagination::Paging;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub scopes: Vec<String>,
    pub mission_id: Option<Uuid>,
    pub locales: Option<Vec<String>>,
    pub rate_limit_per_minute: i32,
    pub daily_quota: i32,
    pub prefix: String,
    pub previous_key_until: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub usage_day: Option<NaiveDate>,
    pub used_today: i64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub type ApiKeyKey = (DateTime<Utc>, Uuid);

pub fn key_of(row: &ApiKeyRow) -> ApiKeyKey {
    (row.created_at, row.id)
}

pub fn list(
    conn: &mut PgConnection,
    paging: &Paging<ApiKeyKey>,
) -> QueryResult<(Vec<ApiKeyRow>, Option<i64>)> {
    use diesel::sql_types::{Timestamptz, Uuid as SqlUuid};
    let mut query = api_keys::table
        .select(ApiKeyRow::as_select())
        .order((api_keys::created_at, api_keys::id))
        .limit(paging.limit())
        .offset(paging.offset())
        .into_boxed();
    if let Some((at, id)) = paging.after() {
        query = query.filter(row_compare::<_, Timestamptz, SqlUuid, _, _>(
            "(api_keys.created_at, api_keys.id) > (",
            *at,
            *id,
        ));
    }
    let rows = query.load(conn)?;
    let total = match paging.count_total {
        true => Some(api_keys::table.count().get_result(conn)?),
        false => None,
    };
    Ok((rows, total))
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .find(id)
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// The key, locked for the rest of the transaction.
pub fn lock(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .find(id)
        .select(ApiKeyRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// The key whose secret hashes to `hash` (its current one, or the one before a rotation while
/// that still holds), if it has not expired.
pub fn authenticate(
    conn: &mut PgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(
            api_keys::key_hash.eq(hash).or(api_keys::previous_key_hash
                .eq(hash)
                .and(api_keys::previous_key_until.gt(now))),
        )
        .filter(api_keys::expires_at.gt(now))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

fn scopes(input: &ApiKeyInput) -> Vec<&'static str> {
    input.scopes.iter().map(|s| s.as_str()).collect()
}

pub fn insert(
    conn: &mut PgConnection,
    input: &ApiKeyInput,
    expires_at: DateTime<Utc>,
    prefix: &str,
    hash: &[u8],
) -> QueryResult<ApiKeyRow> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(&input.name),
            api_keys::description.eq(&input.description),
            api_keys::scopes.eq(scopes(input)),
            api_keys::mission_id.eq(input.mission_id),
            api_keys::locales.eq(&input.locales),
            api_keys::rate_limit_per_minute.eq(input.rate_limit_per_minute as i32),
            api_keys::daily_quota.eq(input.daily_quota as i32),
            api_keys::expires_at.eq(expires_at),
            api_keys::prefix.eq(prefix),
            api_keys::key_hash.eq(hash),
        ))
        .returning(ApiKeyRow::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    current: &ApiKeyRow,
    input: &ApiKeyInput,
    expires_at: DateTime<Utc>,
) -> QueryResult<ApiKeyRow> {
    diesel::update(api_keys::table.find(current.id))
        .set((
            api_keys::name.eq(&input.name),
            api_keys::description.eq(&input.description),
            api_keys::scopes.eq(scopes(input)),
            api_keys::mission_id.eq(input.mission_id),
            api_keys::locales.eq(&input.locales),
            api_keys::rate_limit_per_minute.eq(input.rate_limit_per_minute as i32),
            api_keys::daily_quota.eq(input.daily_quota as i32),
            api_keys::expires_at.eq(expires_at),
            api_keys::version.eq(current.version + 1),
            api_keys::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ApiKeyRow::as_returning())
        .get_result(conn)
}

/// A new secret for the key; the current one keeps working until `overlap_until`.
pub fn rotate(
    conn: &mut PgConnection,
    current: &ApiKeyRow,
    prefix: &str,
    hash: &[u8],
    overlap_until: DateTime<Utc>,
) -> QueryResult<ApiKeyRow> {
    diesel::update(api_keys::table.find(current.id))
        .set((
            api_keys::previous_key_hash.eq(api_keys::key_hash.nullable()),
            api_keys::previous_key_until.eq(overlap_until),
            api_keys::key_hash.eq(hash),
            api_keys::prefix.eq(prefix),
            api_keys::version.eq(current.version + 1),
            api_keys::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ApiKeyRow::as_returning())
        .get_result(conn)
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(api_keys::table.find(id)).execute(conn)
}

/// Adds a node's counts of use (key, day, requests, last use) to what is written: a count of
/// another day than the written one starts that day's count.
pub fn record_use(
    conn: &mut PgConnection,
    batch: impl IntoIterator<Item = (Uuid, NaiveDate, i64, DateTime<Utc>)>,
) -> QueryResult<()> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Bool};
    conn.transaction(|conn| {
        for (id, day, count, last_used) in batch {
            diesel::update(api_keys::table.find(id))
                .set((
                    api_keys::used_today.eq(sql::<BigInt>("CASE WHEN usage_day = ")
                        .bind::<diesel::sql_types::Date, _>(day)
                        .sql(" THEN used_today ELSE 0 END + ")
                        .bind::<BigInt, _>(count)),
                    api_keys::usage_day.eq(day),
                    api_keys::last_used_at.eq(sql::<
                        diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
                    >("GREATEST(last_used_at, ")
                    .bind::<diesel::sql_types::Timestamptz, _>(last_used)
                    .sql(")")),
                ))
                // A day already passed on this row is not counted again.
                .filter(
                    sql::<Bool>("(usage_day IS NULL OR usage_day <= ")
                        .bind::<diesel::sql_types::Date, _>(day)
                        .sql(")"),
                )
                .execute(conn)?;
        }
        Ok(())
    })
}
