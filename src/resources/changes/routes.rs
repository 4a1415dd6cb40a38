use actix_web::{get, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::cursor::Cursor;
use super::dto::ChangesResponse;
use super::feed;
use crate::app::state::State;
use crate::content::locale::content_language;
use crate::http::caching::{bytes_read, Representation, JSON};
use crate::http::error::ApiError;
use crate::http::params::Query;
use crate::http::viewer::Viewer;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_cursor` of the previous response, as it is. Without it the feed starts from the
    /// beginning: a full sync into an empty store.
    #[param(
        pattern = "^[A-Za-z0-9_-]{50}$",
        example = "AQAAAAAAAAADAAZhZa4N4AD_____________________bHHllA"
    )]
    pub since: Option<String>,
    /// Entries per response, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500, example = 100)]
    pub limit: Option<u32>,
    /// The reader's locale (e.g. `en`, `uk`); overrides `Accept-Language`. Items come in it.
    #[param(inline, value_type = Option<crate::http::params::DocumentedLocale>, example = "uk")]
    pub locale: Option<String>,
}

/// Changes since a cursor (delta sync)
///
/// For apps that keep a copy of the public content. Every item created, changed or deleted since
/// `since`, in commit order, each once and in its current state: `upsert` with the item as its
/// own `GET` shows it (in the reader's locale), or `delete` when it is gone or no longer public
/// (unpublished, archived). News items whose scheduled time has come since the last call follow
/// as upserts. Apply the entries in order, keep `next_cursor`, and call again right away while
/// `has_more` is true. Without `since` the feed starts from the beginning.
///
/// The feed is the public content: an editor's token changes nothing in it (a bad token is still a
/// 401).
#[utoipa::path(
    tag = "changes",
    operation_id = "list_changes",
    params(ChangesQuery),
    responses((status = 200, description = "The changes since the cursor and the next cursor", body = ChangesResponse)),
)]
#[get("/changes")]
pub async fn list_changes(
    viewer: Viewer,
    query: Query<ChangesQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let limit = query.0.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let now = feed::now();
    let since = match &query.0.since {
        Some(text) => {
            // Opaque like every cursor: a value no schema can tell from a good one (422).
            Cursor::decode(text).map_err(|e| ApiError::validation("since", e.to_string()))?
        }
        None => Cursor::start(now),
    };
    // Assembled and serialized on the blocking pool with the queries: a page of long bodies is
    // megabytes of JSON, which must not hold an async worker.
    let locale = viewer.locale.clone();
    let links = state.media.links.clone();
    let known_latest = state.clock.known(now).map(|known| known.latest_seq);
    let (bytes, language) = viewer
        .read(&state, move |conn| {
            let page = conn
                .build_transaction()
                .read_only()
                .repeatable_read()
                .run(|conn| feed::page(conn, &since, limit as usize, now, known_latest))?;
            let body = ChangesResponse::new(page, &locale, &links);
            let language = content_language(body.data.iter().filter_map(|c| c.locale()), &locale);
            let bytes = serde_json::to_vec(&body)
                .map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
            Ok((bytes, language))
        })
        .await?;
    let representation = Representation {
        content_language: Some(language),
        ..Default::default()
    };
    let (req, audience) = viewer.public_response();
    Ok(bytes_read(
        req,
        audience,
        JSON,
        bytes.into(),
        representation,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::path::ParameterIn;

    #[test]
    fn the_documented_cursor_is_a_cursor() {
        let since: String = ChangesQuery::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .find(|p| p.name == "since")
            .and_then(|p| serde_json::to_value(p).ok())
            .and_then(|p| p["example"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let cursor = Cursor::decode(&since).unwrap();
        assert_eq!(cursor.seq, 3);
        assert_eq!(
            cursor.published.at,
            "2026-11-29T08:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
        );
    }
}
