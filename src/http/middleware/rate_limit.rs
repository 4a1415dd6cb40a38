//! Request rate limits per client address: one budget for the API at large and a stricter one
//! for logging in (and refreshing tokens). Every answer of the API says where the client stands
//! (`RateLimit-Policy` and `RateLimit`, draft-ietf-httpapi-ratelimit-headers); a client over its
//! budget gets 429 with `Retry-After`.
//!
//! The key is the client's address and nothing else, so neither path spelling, trailing slashes
//! nor query strings open a new budget. Which budget a request spends is decided by the route
//! that will handle it, as the router matches the path (see `is_login`). `X-Forwarded-For` is believed only from the proxies the
//! configuration trusts: the client is the right-most address that is not one of them.
//! Health probes (`/healthz`, `/readyz`) are never limited.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::app::state::State;
use crate::http::error::ApiError;

type Limiter =
    RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

/// Forget idle clients every this many requests, so memory follows the active clients.
const SWEEP_EVERY: u64 = 10_000;

/// One named budget.
struct Budget {
    name: &'static str,
    per_minute: u32,
    limiter: Limiter,
}

impl Budget {
    fn new(name: &'static str, per_minute: u32) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        Some(Self {
            name,
            per_minute,
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
        })
    }

    fn policy(&self) -> String {
        format!("\"{}\";q={};w=60", self.name, self.per_minute)
    }
}

/// The limits of this process.
pub struct RateLimits {
    api: Option<Budget>,
    login: Option<Budget>,
    trusted_proxies: Vec<IpAddr>,
    requests: AtomicU64,
    /// Addresses whose refused API keys spent their budget, and until when they are turned
    /// away before any lookup (see `charge_refused_key`).
    key_refusals: std::sync::Mutex<std::collections::HashMap<IpAddr, std::time::Instant>>,
}

impl RateLimits {
    /// `0` per minute turns a budget off.
    pub fn new(api_per_minute: u32, login_per_minute: u32, trusted_proxies: Vec<IpAddr>) -> Self {
        Self {
            api: Budget::new("api", api_per_minute),
            login: Budget::new("login", login_per_minute),
            trusted_proxies,
            requests: AtomicU64::new(0),
            key_refusals: Default::default(),
        }
    }

    /// Seconds until `client` may try an API key again, when its refused keys spent its budget.
    pub fn key_refused_for(&self, client: IpAddr) -> Option<u64> {
        let mut refusals = self.key_refusals.lock().unwrap_or_else(|e| e.into_inner());
        let until = *refusals.get(&client)?;
        match until.checked_duration_since(std::time::Instant::now()) {
            Some(wait) => Some(wait.as_secs().max(1)),
            None => {
                refusals.remove(&client);
                None
            }
        }
    }

    /// Charges a request whose API key was refused (malformed, unknown, revoked, expired, or
    /// used where keys may not go) to its address's budget, as a request without a key is:
    /// well-formed keys are easy to make, and each costs a lookup. Once the budget is spent the
    /// address is turned away before any lookup until it refills.
    pub fn charge_refused_key(&self, client: IpAddr) {
        let Some(budget) = &self.api else {
            return;
        };
        if let Err(not_until) = budget.limiter.check_key(&client) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let mut refusals = self.key_refusals.lock().unwrap_or_else(|e| e.into_inner());
            if refusals.len() > 100_000 {
                let now = std::time::Instant::now();
                refusals.retain(|_, until| *until > now);
            }
            refusals.insert(client, std::time::Instant::now() + wait);
        }
    }

    /// The client a request comes from: the connection's address, or behind trusted proxies the
    /// right-most `X-Forwarded-For` address that is not one of them.
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusted_proxies.contains(&peer) {
            return Some(peer);
        }
        let Some(chain) = forwarded_for else {
            return Some(peer);
        };
        let mut client = peer;
        for hop in chain.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(address) if self.trusted_proxies.contains(&address) => client = address,
                Ok(address) => return Some(address),
                // A hop that is no address cannot be believed, nor anything left of it.
                Err(_) => return Some(client),
            }
        }
        Some(client)
    }
}

/// The route patterns of logging in and of refreshing tokens (`crate::accounts::auth::routes`).
const LOGIN_ROUTES: [&str; 2] = ["/api/v1/auth/login", "/api/v1/auth/refresh"];

/// The client of a request as the rate limits see it (`RateLimits::client`), for the other
/// per-client limits (failed logins); without configured limits, the connection's address.
pub fn client_of(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    match req.app_data::<State>() {
        Some(state) => state.rate_limits.client(peer, forwarded_for(req)),
        None => peer,
    }
}

fn forwarded_for(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
}

/// Whether the request will be handled by the login or token refresh handler. The middleware
/// runs before routing, so it asks the app's resource map which route the path matches, with
/// the path as the router matches it (`match_info`: percent-encoded unreserved characters
/// decoded, `%2F` kept), never the raw path string: `/api/v1/auth/%6Cogin` is a login, while
/// `/api/v1/auth/login/` or `/API/V1/AUTH/LOGIN` reach no handler (404) and are charged like
/// any other request. Both routes answer POST only (anything else gets 405 from the fallback).
fn is_login(req: &ServiceRequest) -> bool {
    req.method() == Method::POST
        && req
            .resource_map()
            .match_pattern(req.match_info().as_str())
            .is_some_and(|pattern| LOGIN_ROUTES.contains(&pattern.as_str()))
}

/// What load balancers and Prometheus call on a schedule (the metrics have their own token).
fn is_probe(path: &str) -> bool {
    path == "/healthz" || path == "/readyz" || path == "/metrics"
}

/// What a request was charged: the budget's name and policy, and what is left.
struct Charge {
    policy: String,
    state: String,
}

/// The middleware.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<State>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let limits = &state.rate_limits;
    // A request with an API key spends the key's budget (`api_keys`), not its address's.
    if is_probe(req.path())
        || req
            .extensions()
            .contains::<crate::accounts::keys::Partner>()
    {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let budget = if is_login(&req) {
        &limits.login
    } else {
        &limits.api
    };
    let Some(budget) = budget else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(client) = client_of(req.request()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if limits.requests.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
        for budget in [&limits.api, &limits.login].into_iter().flatten() {
            budget.limiter.retain_recent();
            budget.limiter.shrink_to_fit();
        }
    }
    let charge = match budget.limiter.check_key(&client) {
        Ok(snapshot) => Charge {
            policy: budget.policy(),
            state: format!(
                "\"{}\";r={};t={}",
                budget.name,
                snapshot.remaining_burst_capacity(),
                // Time until the budget is full again, in whole seconds.
                seconds_until_full(budget, snapshot.remaining_burst_capacity())
            ),
        },
        Err(not_until) => {
            state.metrics.refused(budget.name);
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let error = ApiError::TooManyRequests {
                retry_after: seconds.max(1),
            };
            let mut response = actix_web::ResponseError::error_response(&error);
            let headers = response.headers_mut();
            insert(headers, "ratelimit-policy", &budget.policy());
            insert(
                headers,
                "ratelimit",
                &format!("\"{}\";r=0;t={}", budget.name, seconds.max(1)),
            );
            return Ok(req.into_response(response));
        }
    };
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    insert(headers, "ratelimit-policy", &charge.policy);
    insert(headers, "ratelimit", &charge.state);
    Ok(response)
}

/// Seconds until a budget with `remaining` requests left has all of them again.
fn seconds_until_full(budget: &Budget, remaining: u32) -> u64 {
    let used = u64::from(budget.per_minute.saturating_sub(remaining));
    // One request comes back every 60 / per_minute seconds.
    (used * 60).div_ceil(u64::from(budget.per_minute))
}

fn insert(headers: &mut actix_web::http::header::HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_proxy_says_otherwise() {
        let limits = RateLimits::new(10, 5, vec![ip("10.0.0.1"), ip("10.0.0.2")]);
        let client = |peer: &str, xff: Option<&str>| limits.client(Some(ip(peer)), xff);
        // An untrusted peer's header is ignored.
        assert_eq!(
            client("203.0.113.9", Some("1.2.3.4")),
            Some(ip("203.0.113.9"))
        );
        // A trusted proxy: the right-most untrusted hop.
        assert_eq!(client("10.0.0.1", Some("1.2.3.4")), Some(ip("1.2.3.4")));
        assert_eq!(
            client("10.0.0.1", Some("6.6.6.6, 1.2.3.4, 10.0.0.2")),
            Some(ip("1.2.3.4")),
            "a client cannot prepend its way to another budget"
        );
        assert_eq!(client("10.0.0.1", None), Some(ip("10.0.0.1")));
        assert_eq!(
            client("10.0.0.1", Some("garbage, 10.0.0.2")),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(limits.client(None, Some("1.2.3.4")), None);
    }

    #[test]
    fn probes_are_free() {
        assert!(is_probe("/healthz") && is_probe("/readyz") && is_probe("/metrics"));
        assert!(!is_probe("/healthz/"));
    }

    #[test]
    fn budgets_say_their_policy_and_refill_time() {
        let budget = Budget::new("api", 120).unwrap();
        assert_eq!(budget.policy(), "\"api\";q=120;w=60");
        assert_eq!(seconds_until_full(&budget, 120), 0);
        assert_eq!(seconds_until_full(&budget, 119), 1);
        assert_eq!(seconds_until_full(&budget, 0), 60);
        assert!(Budget::new("off", 0).is_none());
    }
}
