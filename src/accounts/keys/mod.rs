//! Partner API keys: read-only credentials (`Authorization: Bearer orgcms_...`) that administrators
//! issue at `/api-keys`. `token` is the key's text, `usage` the per-key limits and the batched
//! record of use; the middleware `crate::http::middleware::api_keys` authenticates a request with
//! a key and puts its `Partner` in the request.

pub mod token;
pub mod usage;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a key may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    /// Published content, as anonymous readers see it (within the key's restrictions).
    #[serde(rename = "content:read")]
    ContentRead,
    /// Every item in the editor view, drafts and scheduled items included (read only).
    #[serde(rename = "drafts:read")]
    DraftsRead,
    /// The media library's metadata (`GET /assets`).
    #[serde(rename = "assets:read")]
    AssetsRead,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Self::ContentRead, Self::DraftsRead, Self::AssetsRead];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ContentRead => "content:read",
            Self::DraftsRead => "drafts:read",
            Self::AssetsRead => "assets:read",
        }
    }

    pub fn of(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The partner a request comes from: the key it was authenticated with, and what it may read.
#[derive(Clone, Debug)]
pub struct Partner {
    pub key_id: Uuid,
    pub scopes: Vec<Scope>,
    /// Only this mission's content (and the content of no mission: the organization,
    /// objectives).
    pub mission_id: Option<Uuid>,
    /// Only content shown in these locales.
    pub locales: Option<Vec<String>>,
}

impl Partner {
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whether an item is within the key's restriction.
    pub fn reaches(&self, owner: Owner) -> bool {
        match (self.mission_id, owner) {
            (None, _) | (_, Owner::Everyone) => true,
            (Some(only), Owner::Mission(mission)) => mission == Some(only),
        }
    }
}

/// Whose an item is, as a key's mission restriction sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The organization's, shown to every key (the organization, objectives, assets).
    Everyone,
    /// A mission's item (a news item, a mission), or of no mission (None: a news item of the
    /// organization as a whole, which a key restricted to a mission does not read).
    Mission(Option<Uuid>),
}

/// A reader of the media library's metadata: an editor, or a partner whose key has
/// `assets:read`.
pub struct AssetsReader;

impl actix_web::FromRequest for AssetsReader {
    type Error = crate::http::error::ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        use actix_web::HttpMessage;
        let partner = req
            .extensions()
            .get::<Partner>()
            .map(|p| p.may(Scope::AssetsRead));
        let editor = crate::accounts::auth::extractor::Editor::from_request(req, payload);
        Box::pin(async move {
            match partner {
                Some(true) => Ok(AssetsReader),
                Some(false) => Err(crate::http::error::ApiError::Forbidden(
                    "this API key has no assets:read scope".into(),
                )),
                None => editor.await.map(|_| AssetsReader),
            }
        })
    }
}
