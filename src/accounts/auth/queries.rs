//! Users, refresh tokens and failed logins (SQL only).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{auth_sessions, login_failures, refresh_tokens, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: crate::accounts::role::Role,
    pub active: bool,
    pub password_hash: String,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub fn find_user(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// The account `id` if `session_id` is an open login of it (the check of every access token).
pub fn find_user_in_session(
    conn: &mut PgConnection,
    id: Uuid,
    session_id: Uuid,
) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .filter(diesel::dsl::exists(
            auth_sessions::table
                .filter(auth_sessions::id.eq(session_id))
                .filter(auth_sessions::user_id.eq(users::id))
                .filter(auth_sessions::revoked_at.is_null()),
        ))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Opens a login: the refresh-token family `id` of `user_id`.
pub fn create_session(conn: &mut PgConnection, id: Uuid, user_id: Uuid) -> QueryResult<()> {
    diesel::insert_into(auth_sessions::table)
        .values((auth_sessions::id.eq(id), auth_sessions::user_id.eq(user_id)))
        .execute(conn)
        .map(|_| ())
}

pub fn find_user_by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn record_login(conn: &mut PgConnection, user_id: Uuid, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::last_login_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

pub fn store_refresh_token(
    conn: &mut PgConnection,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Queryable)]
struct RefreshTokenState {
    id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// What became of a refresh token presented for rotation.
#[derive(Debug, PartialEq, Eq)]
pub enum RefreshUse {
    /// Good: it is now used; the caller issues the next token of `family_id` in the same
    /// transaction.
    Rotated { user_id: Uuid, family_id: Uuid },
    /// Unknown, expired, revoked, or of a revoked login.
    Invalid,
    /// Used before: stolen or replayed. Its whole login is now revoked.
    Reused,
}

/// Marks a refresh token used. Locks the token's row, so that a concurrent use of the same
/// token waits until this transaction (and the token it issues) is committed, then sees it used
/// and revokes the whole login, the new token included.
pub fn use_refresh_token(
    conn: &mut PgConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<RefreshUse> {
    let state: Option<RefreshTokenState> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((
            refresh_tokens::id,
            refresh_tokens::user_id,
            refresh_tokens::family_id,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            refresh_tokens::revoked_at,
        ))
        .for_update()
        .first(conn)
        .optional()?;
    let Some(state) = state else {
        return Ok(RefreshUse::Invalid);
    };
    if state.used_at.is_some() {
        revoke_family(conn, state.family_id, now)?;
        return Ok(RefreshUse::Reused);
    }
    let family_revoked: i64 = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(state.family_id))
        .filter(refresh_tokens::revoked_at.is_not_null())
        .count()
        .get_result(conn)?;
    if state.revoked_at.is_some() || state.expires_at <= now || family_revoked > 0 {
        return Ok(RefreshUse::Invalid);
    }
    diesel::update(refresh_tokens::table.find(state.id))
        .set(refresh_tokens::used_at.eq(now))
        .execute(conn)?;
    Ok(RefreshUse::Rotated {
        user_id: state.user_id,
        family_id: state.family_id,
    })
}

/// Ends a login: its refresh tokens and (through `auth_sessions`) its access tokens.
pub fn revoke_family(
    conn: &mut PgConnection,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        auth_sessions::table
            .filter(auth_sessions::id.eq(family_id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(now))
    .execute(conn)?;
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// Revokes the login that `token_hash` belongs to; false when no such token exists.
pub fn revoke_family_of(
    conn: &mut PgConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let family: Option<Uuid> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(refresh_tokens::family_id)
        .first(conn)
        .optional()?;
    match family {
        Some(family_id) => revoke_family(conn, family_id, now).map(|_| true),
        None => Ok(false),
    }
}

/// Ends every login of the account (deactivation, password change).
pub fn revoke_user_tokens(
    conn: &mut PgConnection,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        auth_sessions::table
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(now))
    .execute(conn)?;
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// Failed logins under `key` since `since`: how many, and the oldest one's time.
pub fn recent_failures(
    conn: &mut PgConnection,
    key: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    login_failures::table
        .filter(login_failures::key.eq(key))
        .filter(login_failures::at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(login_failures::at),
        ))
        .first(conn)
}

/// Records a login attempt under each key; returns the rows' ids. Forgets attempts older than
/// `forget_before` on the way.
pub fn record_failures(
    conn: &mut PgConnection,
    keys: &[String],
    now: DateTime<Utc>,
    forget_before: DateTime<Utc>,
) -> QueryResult<Vec<i64>> {
    let rows: Vec<_> = keys
        .iter()
        .map(|k| (login_failures::key.eq(k), login_failures::at.eq(now)))
        .collect();
    let ids = diesel::insert_into(login_failures::table)
        .values(rows)
        .returning(login_failures::id)
        .get_results(conn)?;
    diesel::delete(login_failures::table.filter(login_failures::at.lt(forget_before)))
        .execute(conn)?;
    Ok(ids)
}

/// Forgets attempts recorded by `record_failures` (the login succeeded, or was refused unchecked).
pub fn forget_attempts(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(ids)))
        .execute(conn)
        .map(|_| ())
}

pub fn clear_failures(conn: &mut PgConnection, key: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::key.eq(key)))
        .execute(conn)
        .map(|_| ())
}
