use chrono::Utc;
use diesel::prelude::*;
use uuid::Uuid;

use crate::accounts::auth::queries::{revoke_user_tokens, UserRow};
use crate::db::keyset::row_compare;
use crate::db::schema::users;
use crate::http::pagination::Paging;

pub fn insert(
    conn: &mut PgConnection,
    email: &str,
    display_name: &str,
    role: crate::accounts::role::Role,
    password_hash: &str,
) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values((
            users::email.eq(email),
            users::display_name.eq(display_name),
            users::role.eq(role),
            users::password_hash.eq(password_hash),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
}

/// Creates the administrator `email`, or makes the existing account an active administrator
/// with this password.
pub fn upsert_admin(conn: &mut PgConnection, email: &str, password_hash: &str) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values((
            users::email.eq(email),
            users::display_name.eq("Administrator"),
            users::role.eq(crate::accounts::role::Role::Admin),
            users::password_hash.eq(password_hash),
        ))
        .on_conflict(users::email)
        .do_update()
        .set((
            users::role.eq(crate::accounts::role::Role::Admin),
            users::active.eq(true),
            users::password_hash.eq(password_hash),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The list's total order, and the key a cursor continues after.
pub type UserKey = (String, Uuid);

pub fn key_of(row: &UserRow) -> UserKey {
    (row.email.clone(), row.id)
}

pub fn list(
    conn: &mut PgConnection,
    paging: &Paging<UserKey>,
) -> QueryResult<(Vec<UserRow>, Option<i64>)> {
    use diesel::sql_types::{Text, Uuid as SqlUuid};
    let mut query = users::table
        .select(UserRow::as_select())
        .order((users::email.asc(), users::id.asc()))
        .limit(paging.limit())
        .offset(paging.offset())
        .into_boxed();
    if let Some((email, id)) = paging.after() {
        query = query.filter(row_compare::<_, Text, SqlUuid, _, _>(
            "(users.email, users.id) > (",
            email.clone(),
            *id,
        ));
    }
    let rows = query.load(conn)?;
    let total = match paging.count_total {
        true => Some(users::table.count().get_result(conn)?),
        false => None,
    };
    Ok((rows, total))
}

pub struct UserChanges<'a> {
    pub display_name: Option<&'a str>,
    pub role: Option<crate::accounts::role::Role>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
}

/// Applies the changes; deactivation revokes every refresh token of the account.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: UserChanges,
) -> QueryResult<Option<(UserRow, UserRow)>> {
    conn.transaction(|conn| {
        let Some(current) = users::table
            .find(id)
            .select(UserRow::as_select())
            .for_update()
            .first(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let updated = diesel::update(users::table.find(id))
            .set((
                users::display_name.eq(changes.display_name.unwrap_or(&current.display_name)),
                users::role.eq(changes.role.unwrap_or(current.role)),
                users::active.eq(changes.active.unwrap_or(current.active)),
                users::password_hash.eq(changes
                    .password_hash
                    .as_deref()
                    .unwrap_or(&current.password_hash)),
            ))
            .returning(UserRow::as_returning())
            .get_result(conn)?;
        if changes.active == Some(false) || changes.password_hash.is_some() {
            revoke_user_tokens(conn, id, Utc::now())?;
        }
        Ok(Some((current, updated)))
    })
}
