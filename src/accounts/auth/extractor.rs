//! The authenticated editor of a request, from `Authorization: Bearer <access token>`.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use super::queries;
use crate::app::state::AppState;
use crate::db;
use crate::http::error::ApiError;

/// A valid token of an existing, active account (either role), whose login (`sid`) is not
/// revoked: logging out, a reused refresh token and a password change end it at once.
#[derive(Debug, Clone)]
pub struct Editor {
    pub id: Uuid,
    pub email: String,
    pub role: crate::accounts::role::Role,
}

/// An `Editor` whose role is `admin`; any other role gets 403.
#[derive(Debug, Clone)]
pub struct Admin(pub Editor);

/// An editor when the request carries a token, else an anonymous reader. A token that is sent
/// must be valid: a bad token is a 401, never a silent downgrade to anonymous.
#[derive(Debug, Clone)]
pub struct MaybeEditor(pub Option<Editor>);

fn unauthorized(message: &str) -> ApiError {
    ApiError::Unauthorized(message.to_owned())
}

/// The token of an `Authorization` header value: scheme `Bearer` (any case), one space, a token.
pub fn bearer_token(header: &str) -> Result<&str, ApiError> {
    let (scheme, token) = header
        .split_once(' ')
        .ok_or_else(|| unauthorized("send `Authorization: Bearer <access token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(unauthorized("only the Bearer scheme is accepted"));
    }
    let token = token.trim();
    if token.is_empty() || token.len() > 4096 || token.contains(' ') {
        return Err(unauthorized("the bearer token is malformed"));
    }
    Ok(token)
}

/// The answer to a partner API key where an editor's token is needed (the key middleware
/// refuses such requests first; this holds wherever an `Editor` is asked for).
fn key_refused() -> ApiError {
    ApiError::Forbidden(
        "an API key reads only: it never writes content or administers orgcms".into(),
    )
}

/// Whether the header carries a partner API key (authenticated by `http::middleware::api_keys`).
fn is_api_key(header: &str) -> bool {
    bearer_token(header).is_ok_and(crate::accounts::keys::token::looks_like_key)
}

async fn authenticate(req: &HttpRequest, header: &str) -> Result<Editor, ApiError> {
    let token = bearer_token(header)?;
    if crate::accounts::keys::token::looks_like_key(token) {
        return Err(key_refused());
    }
    let state = AppState::of(req)?;
    let claims = state.jwt.verify(token)?;
    let user_id =
        Uuid::parse_str(&claims.sub).map_err(|_| unauthorized("the token's subject is invalid"))?;
    let session_id =
        Uuid::parse_str(&claims.sid).map_err(|_| unauthorized("the token's login is invalid"))?;
    // One query: the account, if its login is still open.
    let user = db::run(&state.pool, move |conn| {
        Ok(queries::find_user_in_session(conn, user_id, session_id)?)
    })
    .await?;
    match user {
        Some(user) if user.active => Ok(Editor {
            id: user.id,
            email: user.email,
            role: user.role,
        }),
        _ => Err(unauthorized(
            "the token's login has ended, or its account does not exist or is deactivated",
        )),
    }
}

fn authorization_header(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get(AUTHORIZATION) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|v| Some(v.to_owned()))
            .map_err(|_| unauthorized("the Authorization header is not ASCII")),
    }
}

impl FromRequest for Editor {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let header = authorization_header(&req)?.ok_or_else(|| {
                unauthorized("this operation needs `Authorization: Bearer <access token>`")
            })?;
            authenticate(&req, &header).await
        })
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let editor = Editor::from_request(req, payload);
        Box::pin(async move {
            let editor = editor.await?;
            if editor.role == crate::accounts::role::Role::Admin {
                Ok(Admin(editor))
            } else {
                Err(ApiError::Forbidden(
                    "this operation is for administrators".into(),
                ))
            }
        })
    }
}

impl FromRequest for MaybeEditor {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match authorization_header(&req)? {
                None => Ok(MaybeEditor(None)),
                // A partner, not an editor: the `Viewer` reads its `Partner`.
                Some(header) if is_api_key(&header) => Ok(MaybeEditor(None)),
                Some(header) => authenticate(&req, &header)
                    .await
                    .map(|e| MaybeEditor(Some(e))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_forms() {
        assert_eq!(bearer_token("Bearer abc.def.ghi").unwrap(), "abc.def.ghi");
        assert_eq!(bearer_token("bearer abc").unwrap(), "abc");
        for bad in [
            "",
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "Token abc",
            "Bearer a b",
            "abc",
        ] {
            assert!(bearer_token(bad).is_err(), "{bad:?}");
        }
    }
}

/// The bearer header and token verification under any header value.
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::accounts::auth::jwt::JwtKeys;
    use crate::app::settings::Secret;
    use crate::fuzzing::{config, hostile_text};
    use proptest::prelude::*;

    fn status(e: &ApiError) -> u16 {
        e.problem().status
    }

    proptest! {
        #![proptest_config(config(500))]

        /// Any header value: a token or a 401; and a token found is what followed the scheme.
        #[test]
        fn any_header_gives_a_token_or_a_401(header in prop_oneof![
            hostile_text(20),
            ("(?i:bearer)", " {0,2}", "[ -~]{0,40}").prop_map(|(s, sp, t)| format!("{s}{sp}{t}")),
        ]) {
            match bearer_token(&header) {
                Ok(token) => {
                    prop_assert!(!token.is_empty() && !token.contains(' '));
                    prop_assert!(header.to_ascii_lowercase().starts_with("bearer "));
                    prop_assert!(header.ends_with(token) || header.trim_end().ends_with(token));
                }
                Err(e) => prop_assert_eq!(status(&e), 401),
            }
        }

        /// A token whose bytes were changed never verifies, and every failure is a 401.
        #[test]
        fn edited_tokens_never_verify(
            at in any::<prop::sample::Index>(),
            replacement in any::<u8>(),
            junk in hostile_text(30),
        ) {
            let keys = JwtKeys::new(&Secret::from("0123456789abcdef0123456789abcdef")).unwrap();
            let (token, _) = keys.issue(Uuid::new_v4(), crate::accounts::role::Role::Editor, Uuid::new_v4(), chrono::Utc::now()).unwrap();
            let mut bytes = token.clone().into_bytes();
            let i = at.index(bytes.len());
            prop_assume!(bytes[i] != replacement);
            bytes[i] = replacement;
            let edited = String::from_utf8_lossy(&bytes).into_owned();
            prop_assume!(edited != token);
            let result = keys.verify(&edited);
            prop_assert_eq!(result.map_err(|e| status(&e)).err(), Some(401));
            prop_assert_eq!(keys.verify(&junk).map_err(|e| status(&e)).err(), Some(401));
        }
    }
}

/// A write of an administrator (accounts): the token and role are checked before the body is
/// read, so that a bad token is a 401 and another role a 403 whatever the body says.
pub struct AdminWrite {
    pub admin: Editor,
    pub body: serde_json::Value,
}

impl FromRequest for AdminWrite {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = Admin::from_request(req, payload);
        let body = crate::http::body::JsonValue::from_request(req, payload);
        Box::pin(async move {
            let Admin(admin) = admin.await?;
            Ok(Self {
                admin,
                body: body.await?.0,
            })
        })
    }
}
