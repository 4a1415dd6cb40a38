use actix_web::{get, post, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{Duration, Utc};
use diesel::Connection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::dto::{LoginRequest, RefreshRequest, TokenResponse, User};
use super::extractor::Editor;
use super::jwt::JwtKeys;
use super::{password, queries};
use crate::app::state::State;
use crate::db::{self, DbConnection};
use crate::http::body::{parse_input, JsonValue};
use crate::http::error::ApiError;

/// Refresh tokens live 30 days (each use replaces the token).
pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 3600;

/// Failed logins within a window, counted per (account, client address) pair, per client
/// address and per account:
///
/// - `max_failures` for one account from one address, then that address gets 429 for that
///   account (the right password included) until failures age out of the window;
/// - four times as many from one address across accounts, then 429 for any account;
/// - four times as many for one account from all addresses together, then only addresses that
///   have already failed on the account get 429: each further address gets one guess, and an
///   address without failures on the account (the owner's, usually) is always checked. So
///   nobody can lock an account's owner out, and a spread-out attack is slowed to one guess per
///   address and window.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    pub max_failures: i64,
    pub window_seconds: i64,
}

impl LoginLimits {
    /// How many failures from one address (across accounts), or on one account (across
    /// addresses), before the wider limits apply.
    pub fn wide_limit(&self) -> i64 {
        self.max_failures * 4
    }
}

fn new_refresh_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("random: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues an access token and a new refresh token of `family_id` for `user`.
fn issue_tokens(
    conn: &mut DbConnection,
    keys: &JwtKeys,
    user: &queries::UserRow,
    family_id: Uuid,
) -> Result<TokenResponse, ApiError> {
    let now = Utc::now();
    let (access_token, expires_in) = keys.issue(user.id, user.role, family_id, now)?;
    let refresh_token = new_refresh_token()?;
    queries::store_refresh_token(
        conn,
        user.id,
        family_id,
        &token_hash(&refresh_token),
        now + Duration::seconds(REFRESH_TOKEN_SECONDS),
    )?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in,
        refresh_token,
        refresh_expires_in: REFRESH_TOKEN_SECONDS,
    })
}

/// A refresh token is 43 characters; anything much longer is no token at all.
fn refresh_input(body: JsonValue) -> Result<RefreshRequest, ApiError> {
    let input: RefreshRequest = parse_input(body.0)?;
    if input.refresh_token.chars().count() > 200 {
        return Err(ApiError::validation(
            "refresh_token",
            "longer than 200 characters",
        ));
    }
    Ok(input)
}

fn private_json<T: serde::Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

/// Log in
///
/// Exchanges an email and password for a short-lived access token and a refresh token. A wrong
/// email and a wrong password get the same answer. Repeated failures for an account from one
/// client address, or from one address across accounts, get 429 with `Retry-After`; failures
/// from other addresses never refuse an address that has not failed on the account.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_auth_login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong email or password", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins; retry after `Retry-After` seconds", body = crate::http::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until the next attempt may succeed"))),
    ),
    security(()),
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    body: JsonValue,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let input: LoginRequest = parse_input(body.0)?;
    if input.password.len() > 4 * password::MAX_PASSWORD_CHARS {
        state.metrics.login_failed();
        return Err(ApiError::InvalidCredentials);
    }
    // The client as the rate limits see it: `X-Forwarded-For` counts only from trusted proxies.
    let client = crate::http::middleware::rate_limit::client_of(&req)
        .map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    let limits = state.login_limits;
    let shared = state.clone();
    let tokens = db::run(&state.pool, move |conn| {
        let email = input.email.trim().to_lowercase();
        let now = Utc::now();
        let since = now - Duration::seconds(limits.window_seconds);
        // Keys are hashed: fixed length whatever is sent, and no address stored in clear.
        let pair_key = token_hash(&format!("email-ip:{email}\n{client}"));
        let client_key = token_hash(&format!("ip:{client}"));
        let email_key = token_hash(&format!("email:{email}"));
        // Every attempt is recorded before it is checked and counted with the others, so that
        // parallel attempts cannot all slip under the limit; a successful one is forgotten.
        let attempt = [pair_key.clone(), client_key.clone(), email_key.clone()];
        let ids = queries::record_failures(conn, &attempt, now, since)?;
        // The counts include this attempt.
        let pair = queries::recent_failures(conn, &pair_key, since)?;
        let address = queries::recent_failures(conn, &client_key, since)?;
        let account = queries::recent_failures(conn, &email_key, since)?;
        let over = |(count, _): (i64, _), max: i64| count > max;
        let refused_until = if over(pair, limits.max_failures) {
            Some(pair.1)
        } else if over(address, limits.wide_limit()) {
            Some(address.1)
        } else if over(account, limits.wide_limit()) && pair.0 > 1 {
            // Only an address that failed on this account before: a clean one is checked.
            Some(account.1)
        } else {
            None
        };
        if let Some(oldest) = refused_until {
            queries::forget_attempts(conn, &ids)?;
            let free_at = oldest.unwrap_or(now) + Duration::seconds(limits.window_seconds);
            let retry_after = (free_at - now).num_seconds().max(1) as u64;
            return Err(ApiError::TooManyRequests { retry_after });
        }
        // Longer than any stored address: no account, but the same work.
        let user = if email.len() <= 254 && !email.contains('\0') {
            queries::find_user_by_email(conn, &email)?
        } else {
            None
        };
        let valid = match &user {
            Some(u) => password::verify(&input.password, &u.password_hash) && u.active,
            None => {
                password::verify_nothing(&input.password);
                false
            }
        };
        let Some(user) = user.filter(|_| valid) else {
            return Err(ApiError::InvalidCredentials);
        };
        // This address is clean again for this account; the account's and the address's
        // counts stay (a success elsewhere must not give an attacker new guesses).
        queries::forget_attempts(conn, &ids)?;
        queries::clear_failures(conn, &pair_key)?;
        queries::record_login(conn, user.id, now)?;
        conn.transaction(|conn| {
            let session_id = Uuid::new_v4();
            queries::create_session(conn, session_id, user.id)?;
            issue_tokens(conn, &shared.jwt, &user, session_id)
        })
    })
    .await
    .inspect_err(|error| match error {
        ApiError::InvalidCredentials => state.metrics.login_failed(),
        ApiError::TooManyRequests { .. } => state.metrics.refused("account_lockout"),
        _ => {}
    })?;
    Ok(private_json(&tokens))
}

/// Refresh the tokens
///
/// Exchanges a refresh token for new tokens. Each refresh token works once: using one again
/// revokes every token of that login, its access tokens included.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_auth_refresh",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "The refresh token is unknown, used, revoked or expired", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(()),
)]
#[post("/auth/refresh")]
pub async fn refresh(body: JsonValue, state: State) -> Result<HttpResponse, ApiError> {
    let input = refresh_input(body)?;
    let hash = token_hash(&input.refresh_token);
    let shared = state.clone();
    let tokens = db::run(&state.pool, move |conn| {
        let now = Utc::now();
        // One transaction that always commits: a detected reuse stays revoked although the
        // answer is 401, and the next token exists before a concurrent reuse can look.
        conn.transaction(
            |conn| -> Result<Result<TokenResponse, ApiError>, ApiError> {
                let invalid = || ApiError::Unauthorized("the refresh token is not valid".into());
                match queries::use_refresh_token(conn, &hash, now)? {
                    queries::RefreshUse::Rotated { user_id, family_id } => {
                        match queries::find_user(conn, user_id)? {
                            Some(user) if user.active => {
                                Ok(issue_tokens(conn, &shared.jwt, &user, family_id))
                            }
                            _ => {
                                queries::revoke_family(conn, family_id, now)?;
                                Ok(Err(invalid()))
                            }
                        }
                    }
                    queries::RefreshUse::Invalid | queries::RefreshUse::Reused => {
                        Ok(Err(invalid()))
                    }
                }
            },
        )?
    })
    .await?;
    Ok(private_json(&tokens))
}

/// Log out
///
/// Revokes the login the refresh token belongs to: its refresh tokens, and at once every access
/// token it issued.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_auth_logout",
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out (also when the token was unknown)")),
    security(()),
)]
#[post("/auth/logout")]
pub async fn logout(body: JsonValue, state: State) -> Result<HttpResponse, ApiError> {
    let input = refresh_input(body)?;
    let hash = token_hash(&input.refresh_token);
    db::run(&state.pool, move |conn| {
        Ok(queries::revoke_family_of(conn, &hash, Utc::now())?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The current account
#[utoipa::path(
    tag = "auth",
    operation_id = "get_auth_me",
    responses((status = 200, description = "The account of the access token", body = User)),
    security(("bearer" = [])),
)]
#[get("/auth/me")]
pub async fn me(req: HttpRequest, editor: Editor, state: State) -> Result<HttpResponse, ApiError> {
    let user = db::run(&state.pool, move |conn| {
        Ok(queries::find_user(conn, editor.id)?)
    })
    .await?;
    let user = user.ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?;
    crate::http::responses::editor_item_response(&req, &User::from(user))
}
