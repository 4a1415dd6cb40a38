//! Who is reading: the public reader (a locale, the cache policy) or an editor (a valid token).
//! Every content read answers through its `Viewer`, so the public-or-editor fork is here once.

use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;

use crate::accounts::auth::extractor::{Editor, MaybeEditor};
use crate::accounts::keys::{Partner, Scope};
use crate::app::state::AppState;
use crate::content::locale::RequestLocale;
use crate::http::caching::{Audience, CachePolicy};
use crate::http::error::ApiError;
use crate::http::pagination::PageMeta;
use crate::http::responses::{
    editor_item_response, editor_list_response, item_response, list_response,
};

/// A public representation, which says the locale it is shown in (`Content-Language`).
pub trait Shown {
    fn shown_locale(&self) -> &str;
}

/// The reader of a request: an editor when it carries a valid token (a bad token is a 401,
/// never a silent downgrade), else the public, in the locale it asked for.
pub struct Viewer {
    req: HttpRequest,
    pub locale: RequestLocale,
    pub editor: Option<Editor>,
    /// The partner of a request with an API key: what it reads, within which restrictions.
    pub partner: Option<Partner>,
    policy: CachePolicy,
}

/// An item (or a page of items) as one audience sees it.
pub enum Presented<P, E> {
    Public(P),
    Editor(E),
}

impl Viewer {
    /// The request being answered.
    pub fn request(&self) -> &HttpRequest {
        &self.req
    }

    /// Whether the reader sees the editor view: an editor, or a key with `drafts:read`.
    pub fn is_editor(&self) -> bool {
        self.editor.is_some()
            || self
                .partner
                .as_ref()
                .is_some_and(|p| p.may(Scope::DraftsRead))
    }

    /// Runs the read's queries: a public reader's on a replica fresh enough for it, when there
    /// is one (`AppState::read`); an editor's on the primary.
    pub async fn read<T, F>(&self, state: &AppState, work: F) -> Result<T, ApiError>
    where
        F: FnMut(&mut crate::db::DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        state.read(&self.req, !self.is_editor(), work).await
    }

    /// The one mission a key restricted to it may read (its news, itself).
    pub fn only_mission(&self) -> Option<uuid::Uuid> {
        self.partner.as_ref().and_then(|p| p.mission_id)
    }

    /// Whether an item is within what the reader may see.
    pub fn reaches(&self, owner: crate::accounts::keys::Owner) -> bool {
        self.partner.as_ref().is_none_or(|p| p.reaches(owner))
    }

    /// `item` in this viewer's view: `public` in the reader's locale, or `editor`.
    pub fn item<T, P, E>(
        &self,
        item: T,
        public: impl FnOnce(T, &RequestLocale) -> P,
        editor: impl FnOnce(T) -> E,
    ) -> Result<HttpResponse, ApiError>
    where
        P: Serialize + Shown,
        E: Serialize,
    {
        self.answer(if self.is_editor() {
            Presented::Editor(editor(item))
        } else {
            Presented::Public(public(item, &self.locale))
        })
    }

    /// An item already presented (see `crate::content::routes::get`).
    pub fn answer<P, E>(&self, item: Presented<P, E>) -> Result<HttpResponse, ApiError>
    where
        P: Serialize + Shown,
        E: Serialize,
    {
        match item {
            Presented::Editor(item) => editor_item_response(&self.req, &item),
            Presented::Public(item) => item_response(
                &self.req,
                Audience::Public(self.policy),
                &item,
                item.shown_locale(),
            ),
        }
    }

    /// A page of `rows`, each presented as `public` or `editor` shows it.
    pub fn present<T, P, E>(
        &self,
        rows: impl IntoIterator<Item = T>,
        mut public: impl FnMut(T, &RequestLocale) -> P,
        editor: impl FnMut(T) -> E,
    ) -> Presented<Vec<P>, Vec<E>> {
        let rows = rows.into_iter();
        if self.is_editor() {
            Presented::Editor(rows.map(editor).collect())
        } else {
            Presented::Public(rows.map(|row| public(row, &self.locale)).collect())
        }
    }

    /// The list envelope of a presented page; `modified` is when what the list shows last
    /// changed (`Last-Modified`, for readers).
    pub fn list<P, E>(
        &self,
        page: Presented<Vec<P>, Vec<E>>,
        meta: PageMeta,
        modified: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<HttpResponse, ApiError>
    where
        P: Serialize + Shown,
        E: Serialize,
    {
        match page {
            Presented::Editor(data) => editor_list_response(&self.req, data, meta),
            Presented::Public(data) => list_response(
                &self.req,
                Audience::Public(self.policy),
                &self.locale,
                data,
                meta,
                modified,
                Shown::shown_locale,
            ),
        }
    }

    /// An answer for readers and editors alike (what a token would not change).
    pub fn public_response(&self) -> (&HttpRequest, Audience) {
        (&self.req, Audience::Public(self.policy))
    }
}

/// A key reads in the locales it is limited to (its scopes are checked by route, in
/// `http::middleware::api_keys`).
fn partner_may_read(partner: &Partner, locale: &RequestLocale) -> Result<(), ApiError> {
    match &partner.locales {
        Some(locales) if !locales.contains(&locale.locale) => Err(ApiError::Forbidden(format!(
            "this API key reads only the locales {}: ask for one with `?locale=`",
            locales.join(", ")
        ))),
        _ => Ok(()),
    }
}

impl FromRequest for Viewer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let editor = MaybeEditor::from_request(req, payload);
        let locale = RequestLocale::from_request(req, payload).into_inner();
        let policy = AppState::of(req).map(|state| state.cache_policy);
        let req = req.clone();
        let partner = req.extensions().get::<Partner>().cloned();
        Box::pin(async move {
            let editor = editor.await?.0;
            let locale = locale?;
            if let Some(partner) = &partner {
                partner_may_read(partner, &locale)?;
            }
            Ok(Self {
                req,
                locale,
                editor,
                partner,
                policy: policy?,
            })
        })
    }
}
