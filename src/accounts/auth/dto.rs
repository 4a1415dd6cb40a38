use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::UserRow;

/// Email and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "editor@example.org", "password": "a long passphrase"}))]
pub struct LoginRequest {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 1024)]
    pub password: String,
}

/// A refresh token, to rotate or to revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "mB3t0F2k9w7yA1c8qZ5xE4rT6uI0oP2sD9fG7hJ3kL1"}))]
pub struct RefreshRequest {
    #[schema(max_length = 200)]
    pub refresh_token: String,
}

/// The tokens of a login.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "mB3t0F2k9w7yA1c8qZ5xE4rT6uI0oP2sD9fG7hJ3kL1",
    "refresh_expires_in": 2592000
}))]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <token>` on writes.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds the access token stays valid.
    pub expires_in: i64,
    /// An opaque token for `POST /auth/refresh`; it works once.
    pub refresh_token: String,
    /// Seconds the refresh token stays valid.
    pub refresh_expires_in: i64,
}

/// An account, as its owner and administrators see it (never its password hash or tokens).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "2f0c7a8e-6b1d-4c3e-9a5f-8d7e6c5b4a39",
    "email": "editor@example.org",
    "display_name": "News Editor",
    "role": "editor",
    "active": true,
    "last_login_at": "2026-11-29T08:00:00Z",
    "created_at": "2026-11-29T08:00:00Z",
    "updated_at": "2026-11-29T08:00:00Z",
    "version": 1
}))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// `admin` or `editor`.
    #[schema(value_type = String)]
    pub role: crate::accounts::role::Role,
    /// A deactivated account cannot log in, and its tokens stop working.
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: row.role,
            active: row.active,
            last_login_at: row.last_login_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}
