//! Requests with a partner API key (`Authorization: Bearer orgcms_...`): the key is checked (its
//! checksum first, then its hash looked up on every request, so a revoked or expired key fails
//! at once on every node), its budget charged (`accounts::keys::usage`, with `RateLimit`
//! headers), and its `Partner` put in the request for the extractors. A key opens only the read
//! routes below, and a key restricted to a mission only those that apply the restriction: every
//! write, every account and administration route answers 403 to a key, whatever its scopes.
//! Requests without a key pass untouched (the per-address limit charges them).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, AUTHORIZATION, CACHE_CONTROL};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use chrono::Utc;

use crate::accounts::auth::extractor::bearer_token;
use crate::accounts::keys::usage::{KeyLimits, Standing};
use crate::accounts::keys::{token, Partner, Scope};
use crate::app::state::State;
use crate::db;
use crate::http::error::ApiError;

/// The routes a key may read, whatever its restriction (by the router's pattern).
const READ_ROUTES: [&str; 11] = [
    "/api/v1/news",
    "/api/v1/news/{id_or_slug}",
    "/api/v1/missions",
    "/api/v1/missions/{id_or_slug}",
    "/api/v1/objectives",
    "/api/v1/objectives/{id_or_slug}",
    "/api/v1/organization",
    "/api/v1/assets",
    "/api/v1/assets/{id}",
    "/api/v1/assets/{id}/file/{sha256}",
    // Whoever has a preview link reads it, with a key or without.
    "/api/v1/previews/{token}",
];

/// Routes whose answers span missions: open to keys without a mission restriction only.
const UNRESTRICTED_ROUTES: [&str; 6] = [
    "/api/v1/changes",
    "/api/v1/feeds/news.rss",
    "/api/v1/feeds/news.atom",
    "/api/v1/feeds/news.json",
    "/api/v1/news/{id_or_slug}/related",
    "/api/v1/tags",
];

/// The API key a request carries, if its bearer token is one.
fn key_of(req: &ServiceRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(AUTHORIZATION) else {
        return Ok(None);
    };
    let Ok(value) = value.to_str() else {
        return Ok(None); // the extractors answer a header that is no text
    };
    match bearer_token(value) {
        Ok(token) if token::looks_like_key(token) => Ok(Some(token.to_owned())),
        _ => Ok(None),
    }
}

/// The media library's routes, which `assets:read` opens; every other route a key may read is
/// content, which `content:read` or `drafts:read` opens.
const ASSET_ROUTES: [&str; 2] = ["/api/v1/assets", "/api/v1/assets/{id}"];

/// Why a key may not make this request, if it may not.
fn refusal(req: &ServiceRequest, partner: &Partner) -> Option<&'static str> {
    const READS_ONLY: &str = "an API key reads only: it never writes content or administers orgcms";
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Some(READS_ONLY);
    }
    let Some(pattern) = req.resource_map().match_pattern(req.match_info().as_str()) else {
        return None; // no route: the fallback answers 404
    };
    let pattern = pattern.as_str();
    // Restricted to a mission or to locales: not where the answer spans missions or cannot be
    // cut to the locales (the feeds, the change feed).
    let restricted = partner.mission_id.is_some() || partner.locales.is_some();
    if !READ_ROUTES.contains(&pattern) && (restricted || !UNRESTRICTED_ROUTES.contains(&pattern)) {
        return Some(match restricted {
            true => {
                "an API key reads only; a key restricted to a mission or to locales reads \
                     the news, missions, objectives, organization and assets, not the routes \
                     whose answers span missions or locales (changes, feeds, tags, related)"
            }
            false => READS_ONLY,
        });
    }
    let content = partner.may(Scope::ContentRead) || partner.may(Scope::DraftsRead);
    if !ASSET_ROUTES.contains(&pattern) && !content && pattern != "/api/v1/previews/{token}" {
        return Some("this API key has neither the content:read nor the drafts:read scope");
    }
    None
}

fn insert(headers: &mut actix_web::http::header::HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

fn refuse(
    req: ServiceRequest,
    error: ApiError,
    standing: Option<&Standing>,
) -> ServiceResponse<BoxBody> {
    let mut response = actix_web::ResponseError::error_response(&error);
    if let Some(standing) = standing {
        insert(
            response.headers_mut(),
            "ratelimit-policy",
            &standing.policy(),
        );
        insert(response.headers_mut(), "ratelimit", &standing.state());
    }
    req.into_response(response)
}

/// A refused key spends its address's budget (`RateLimits::charge_refused_key`).
fn charge_refusal(req: &ServiceRequest, state: &State) {
    if let Some(client) = crate::http::middleware::rate_limit::client_of(req.request()) {
        state.rate_limits.charge_refused_key(client);
    }
}

/// The middleware.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match key_of(&req) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Err(error) => return Ok(refuse(req, error, None)),
    };
    let Some(state) = req.app_data::<State>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if let Some(retry_after) = crate::http::middleware::rate_limit::client_of(req.request())
        .and_then(|client| state.rate_limits.key_refused_for(client))
    {
        state.metrics.refused("api_key");
        return Ok(refuse(req, ApiError::TooManyRequests { retry_after }, None));
    }
    if !token::is_well_formed(&key) {
        charge_refusal(&req, &state);
        let error = ApiError::Unauthorized(
            "the API key is malformed: its checksum does not match (a typo, or a truncated key)"
                .into(),
        );
        return Ok(refuse(req, error, None));
    }
    let hash = token::hash(&key);
    let now = Utc::now();
    let found = db::run(&state.pool, move |conn| {
        Ok(crate::resources::api_keys::queries::authenticate(
            conn, &hash, now,
        )?)
    })
    .await;
    let row = match found {
        Ok(Some(row)) => row,
        Ok(None) => {
            charge_refusal(&req, &state);
            let error = ApiError::Unauthorized("the API key is unknown, revoked or expired".into());
            return Ok(refuse(req, error, None));
        }
        Err(error) => return Ok(refuse(req, error, None)),
    };
    let partner = Partner {
        key_id: row.id,
        scopes: row.scopes.iter().filter_map(|s| Scope::of(s)).collect(),
        mission_id: row.mission_id,
        locales: row.locales.clone(),
    };
    if let Some(reason) = refusal(&req, &partner) {
        charge_refusal(&req, &state);
        return Ok(refuse(req, ApiError::Forbidden(reason.into()), None));
    }
    let limits = KeyLimits {
        key_id: row.id,
        per_minute: row.rate_limit_per_minute.max(1) as u32,
        daily_quota: row.daily_quota.max(1) as u32,
        usage_day: row.usage_day,
        used_today: row.used_today,
    };
    let standing = match state.key_usage.charge(&limits, now) {
        Ok(standing) => standing,
        Err(refused) => {
            state.metrics.refused("api_key");
            let error = ApiError::TooManyRequests {
                retry_after: refused.retry_after,
            };
            return Ok(refuse(req, error, Some(&refused.standing)));
        }
    };
    req.extensions_mut().insert(partner);
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    insert(headers, "ratelimit-policy", &standing.policy());
    insert(headers, "ratelimit", &standing.state());
    // What a key reads is its own (its restrictions, its scopes): no shared cache keeps it.
    if let Some(cache) = headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()) {
        if cache.contains("public") {
            let private = cache.replace("public", "private");
            insert(headers, "cache-control", &private);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_write_route_is_open_to_keys() {
        // Every route a key may use is one that answers GET only for it; the writes at the
        // same patterns are refused by method.
        for pattern in READ_ROUTES.iter().chain(&UNRESTRICTED_ROUTES) {
            assert!(pattern.starts_with("/api/v1/"), "{pattern}");
            assert!(!pattern.contains("auth") && !pattern.contains("users"));
            assert!(!pattern.contains("webhooks") && !pattern.contains("api-keys"));
        }
    }
}
