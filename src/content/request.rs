//! The extractors of a content write: the editor first (a bad token is a 401 whatever else is
//! wrong), then the write headers, then the body; and the request runs its write itself.

use actix_web::http::header;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use diesel::PgConnection;
use serde_json::Value;

use crate::accounts::auth::extractor::Editor;
use crate::app::state::AppState;
use crate::content::document::Document;
use crate::content::engine::{self, WriteContext, Written};
use crate::content::idempotency::IdempotencyTtl;
use crate::content::preconditions::IfMatch;
use crate::http::error::ApiError;
use crate::http::params::ItemKey;

/// The write-related headers of a request, and how long its `Idempotency-Key` holds.
#[derive(Clone, Debug, Default)]
pub struct WriteHeaders {
    pub if_match: Option<IfMatch>,
    pub idempotency_key: Option<String>,
    pub idempotency_ttl: IdempotencyTtl,
}

impl WriteHeaders {
    pub fn parse(req: &HttpRequest) -> Result<Self, ApiError> {
        // An empty header (or only spaces) says nothing: it counts as absent.
        let text = |name: header::HeaderName| -> Result<Option<String>, ApiError> {
            req.headers()
                .get(&name)
                .filter(|v| !v.as_bytes().iter().all(|b| *b == b' '))
                .map(|v| {
                    v.to_str().map(str::to_owned).map_err(|_| {
                        ApiError::bad_request("invalid-header", format!("{name} is not ASCII"))
                    })
                })
                .transpose()
        };
        let if_match = text(header::IF_MATCH)?
            .map(|v| IfMatch::parse(&v))
            .transpose()?;
        let idempotency_key = text(header::HeaderName::from_static("idempotency-key"))?;
        if let Some(key) = &idempotency_key {
            if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ApiError::bad_request(
                    "invalid-header",
                    "Idempotency-Key must be 1 to 200 visible ASCII characters",
                ));
            }
        }
        let idempotency_ttl = crate::app::state::AppState::of(req)
            .map(|state| state.idempotency_ttl)
            .unwrap_or_default();
        Ok(Self {
            if_match,
            idempotency_key,
            idempotency_ttl,
        })
    }
}

/// An authenticated write: the editor is checked first, so that a bad token is a 401 whatever
/// else is wrong with the request; then the write headers, then the JSON body.
pub struct WriteRequest {
    pub editor: Editor,
    pub headers: WriteHeaders,
    pub body: Value,
}

impl FromRequest for WriteRequest {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let editor = Editor::from_request(req, payload);
        let headers = WriteHeaders::parse(req);
        let body = crate::http::body::JsonValue::from_request(req, payload);
        Box::pin(async move {
            let editor = editor.await?;
            let headers = headers?;
            let body = body.await?.0;
            Ok(Self {
                editor,
                headers,
                body,
            })
        })
    }
}

/// An authenticated write without a body (DELETE).
pub struct BodilessWriteRequest {
    pub editor: Editor,
    pub headers: WriteHeaders,
}

impl FromRequest for BodilessWriteRequest {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let editor = Editor::from_request(req, payload);
        let headers = WriteHeaders::parse(req);
        Box::pin(async move {
            Ok(Self {
                editor: editor.await?,
                headers: headers?,
            })
        })
    }
}

/// Runs `operation` in the write's context on the blocking pool and answers with its result.
pub async fn run_write<F>(
    state: &AppState,
    editor: Editor,
    headers: WriteHeaders,
    operation: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut PgConnection, &WriteContext) -> Result<Written, ApiError> + Send + 'static,
{
    let ctx = WriteContext {
        editor,
        headers,
        locales: state.locales.clone(),
        links: state.media.links.clone(),
        revisions_keep: state.retention.revisions_keep,
    };
    let written = crate::db::run_once(&state.pool, move |conn| operation(conn, &ctx)).await?;
    Ok(written.response())
}

impl WriteRequest {
    /// POST: creates an item of `D` from the body.
    pub async fn create<D: Document>(self, state: &AppState) -> Result<HttpResponse, ApiError> {
        let body = self.body;
        run_write(state, self.editor, self.headers, move |conn, ctx| {
            engine::create::<D>(conn, ctx, body)
        })
        .await
    }

    /// PUT: replaces the item `key` names with the body; with `create_missing`, a missing item
    /// is created (the organization, a singleton).
    pub async fn replace<D: Document>(
        self,
        state: &AppState,
        key: ItemKey,
        create_missing: bool,
    ) -> Result<HttpResponse, ApiError> {
        let body = self.body;
        run_write(state, self.editor, self.headers, move |conn, ctx| {
            engine::replace::<D>(conn, ctx, &key, body, create_missing)
        })
        .await
    }

    /// PATCH: applies the body as a JSON merge patch to the item `key` names.
    pub async fn patch<D: Document>(
        self,
        state: &AppState,
        key: ItemKey,
    ) -> Result<HttpResponse, ApiError> {
        let body = self.body;
        run_write(state, self.editor, self.headers, move |conn, ctx| {
            engine::patch::<D>(conn, ctx, &key, body)
        })
        .await
    }
}

impl BodilessWriteRequest {
    /// DELETE: removes the item `key` names.
    pub async fn delete<D: Document>(
        self,
        state: &AppState,
        key: ItemKey,
    ) -> Result<HttpResponse, ApiError> {
        run_write(state, self.editor, self.headers, move |conn, ctx| {
            engine::delete::<D>(conn, ctx, &key)
        })
        .await
    }
}
