//! Read your writes across replicas and nodes: every successful write answers with a
//! `Consistency-Token` (the primary's write-ahead-log position once it committed), and a read
//! that sends the token back is answered from data at least that new. The token is opaque to
//! clients; it is PostgreSQL's spelling of the position (`0/16B3748`).
//!
//! The read side: the token is read here (one that is not a position is ignored, as
//! `If-None-Match` ignores what is not a tag) and put in the request as a `RequiredPosition`; the response cache serves from memory only a
//! generation learnt at or after it, and `AppState::read` takes a replica only if it replayed
//! it. Editors need no token: their reads go to the primary.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::HttpMessage;

use crate::app::state::State;
use crate::db;
use crate::db::replicas::Lsn;

pub const HEADER: &str = "Consistency-Token";

/// The position a read's data must have reached: its client's `Consistency-Token`.
#[derive(Clone, Copy, Debug)]
pub struct RequiredPosition(pub Lsn);

/// What the request asks for, when it sent a token.
pub fn required(req: &actix_web::HttpRequest) -> Option<Lsn> {
    req.extensions().get::<RequiredPosition>().map(|p| p.0)
}

pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let method = req.method().clone();
    if method == Method::GET || method == Method::HEAD {
        let asked = req
            .headers()
            .get(HEADER)
            .filter(|_| req.path().starts_with("/api/"));
        if let Some(value) = asked {
            // Like `If-None-Match`, a value that is not a token is ignored (the read is answered
            // without the guarantee), never refused.
            let parsed = value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<Lsn>().ok());
            if let Some(position) = parsed {
                req.extensions_mut().insert(RequiredPosition(position));
            }
        }
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let state = req.app_data::<State>().cloned();
    let mut response = next.call(req).await?.map_into_boxed_body();
    if method == Method::OPTIONS
        || !response.status().is_success()
        || !response.request().path().starts_with("/api/")
    {
        return Ok(response);
    }
    let Some(state) = state else {
        return Ok(response);
    };
    // The write committed before its answer was made: the primary's position now is past it.
    match db::run(&state.pool, |conn| {
        Ok(db::replicas::primary_position(conn)?)
    })
    .await
    {
        Ok(position) => {
            if let Ok(value) = HeaderValue::from_str(&position.to_string()) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static("consistency-token"), value);
            }
        }
        // The write stands; its client reads without the guarantee (and an editor needs none).
        Err(e) => tracing::warn!(error = %e, "no consistency token for a write"),
    }
    Ok(response)
}
