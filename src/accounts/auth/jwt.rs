//! Access tokens: HS256 only, with `exp`, `nbf`, `iss`, `aud` and `sub` checked and required,
//! and `sid`, the login (refresh-token family) the token belongs to, required too: the
//! extractor refuses a token whose login is revoked.

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::settings::{ExposeSecret, Secret};
use crate::http::error::ApiError;

pub const ISSUER: &str = "orgcms";
pub const AUDIENCE: &str = "orgcms-api";
/// The audience of draft preview tokens: never an access token, nor the reverse.
pub const PREVIEW_AUDIENCE: &str = "orgcms-preview";
/// Access tokens live 15 minutes; refresh tokens renew them.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
/// Clock skew tolerated between nodes, in seconds.
const LEEWAY_SECONDS: u64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: crate::accounts::role::Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// The login (`auth_sessions.id`, the refresh-token family) that issued the token.
    pub sid: String,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    preview_validation: Validation,
}

/// What a draft preview token says: which link (`pid`, revocable), of which item (`sub`), until
/// when (`exp`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PreviewClaims {
    pub sub: String,
    pub pid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

impl JwtKeys {
    pub fn new(secret: &Secret) -> Result<Self, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        let mut preview_validation = validation.clone();
        preview_validation.set_audience(&[PREVIEW_AUDIENCE]);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.expose_secret().as_bytes())?,
            decoding: DecodingKey::from_secret(secret.expose_secret().as_bytes())?,
            validation,
            preview_validation,
        })
    }

    /// A signed access token for `user_id` in its login `session_id`, and when it expires.
    pub fn issue(
        &self,
        user_id: Uuid,
        role: crate::accounts::role::Role,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(String, i64), ApiError> {
        let iat = now.timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            iat,
            nbf: iat,
            exp: iat + ACCESS_TOKEN_SECONDS,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            jti: Uuid::new_v4().to_string(),
            sid: session_id.to_string(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("sign token: {e}")))?;
        Ok((token, ACCESS_TOKEN_SECONDS))
    }

    /// The claims of a valid token; any defect is a 401 (the reason goes to the log only).
    /// A preview token of the link `link_id` to the item `item_id`, valid until `expires_at`.
    pub fn issue_preview(
        &self,
        link_id: Uuid,
        item_id: Uuid,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let claims = PreviewClaims {
            sub: item_id.to_string(),
            pid: link_id.to_string(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            iss: ISSUER.into(),
            aud: PREVIEW_AUDIENCE.into(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("sign preview token: {e}")))
    }

    /// The claims of a preview token this server signed and that has not expired.
    pub fn verify_preview(&self, token: &str) -> Result<PreviewClaims, ApiError> {
        decode::<PreviewClaims>(token, &self.decoding, &self.preview_validation)
            .map(|data| data.claims)
            .map_err(|e| {
                tracing::info!(reason = %e, "rejected preview token");
                ApiError::NotFound(
                    "no such preview: the link is invalid, expired or revoked".into(),
                )
            })
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                tracing::info!(reason = %e, "rejected access token");
                ApiError::Unauthorized("the access token is invalid or expired".into())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&Secret::from("0123456789abcdef0123456789abcdef")).unwrap()
    }

    #[test]
    fn preview_tokens_and_access_tokens_are_never_taken_for_each_other() {
        let k = keys();
        let now = Utc::now();
        let (link, item) = (Uuid::new_v4(), Uuid::new_v4());
        let preview = k
            .issue_preview(link, item, now, now + chrono::Duration::hours(1))
            .unwrap();
        let claims = k.verify_preview(&preview).unwrap();
        assert_eq!(
            (claims.pid, claims.sub),
            (link.to_string(), item.to_string())
        );
        assert!(
            k.verify(&preview).is_err(),
            "a preview token is no access token"
        );
        let (access, _) = k
            .issue(item, crate::accounts::role::Role::Admin, link, now)
            .unwrap();
        assert!(k.verify_preview(&access).is_err(), "nor the reverse");
        let expired = k
            .issue_preview(
                link,
                item,
                now - chrono::Duration::hours(2),
                now - chrono::Duration::hours(1),
            )
            .unwrap();
        assert_eq!(
            k.verify_preview(&expired).unwrap_err().problem().status,
            404
        );
    }

    #[test]
    fn issued_tokens_verify() {
        let k = keys();
        let (id, session) = (Uuid::new_v4(), Uuid::new_v4());
        let (token, ttl) = k
            .issue(id, crate::accounts::role::Role::Editor, session, Utc::now())
            .unwrap();
        assert_eq!(ttl, ACCESS_TOKEN_SECONDS);
        let claims = k.verify(&token).unwrap();
        assert_eq!(claims.sub, id.to_string());
        assert_eq!(claims.iss, ISSUER);
        assert_eq!(claims.aud, AUDIENCE);
        assert_eq!(claims.sid, session.to_string());
    }

    #[test]
    fn expired_and_foreign_tokens_fail() {
        let k = keys();
        let old = Utc::now() - chrono::Duration::hours(1);
        let (token, _) = k
            .issue(
                Uuid::new_v4(),
                crate::accounts::role::Role::Editor,
                Uuid::new_v4(),
                old,
            )
            .unwrap();
        assert!(k.verify(&token).is_err());
        let other = JwtKeys::new(&Secret::from("another-secret-another-secret-xx")).unwrap();
        let (token, _) = other
            .issue(
                Uuid::new_v4(),
                crate::accounts::role::Role::Editor,
                Uuid::new_v4(),
                Utc::now(),
            )
            .unwrap();
        assert!(k.verify(&token).is_err());
        assert!(k.verify("not.a.token").is_err());
        assert!(k.verify("").is_err());
    }
}
