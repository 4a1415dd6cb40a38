//! The in-process cache of anonymous reads: a public read that was answered once is answered
//! again from memory, without the database, until the content changes.
//!
//! A response is stored with the content generation it was computed at (`content::clock`: it
//! moves on with every committed change, this process's or another's, and when a scheduled news
//! item's time comes). A stored response is served only while its generation is the current
//! one; whenever the clock cannot be sure of that (no listening connection, the new generation
//! not learnt yet), requests go to the handlers as if there were no cache.
//!
//! Only responses the handlers marked `Cache-Control: public` are stored, and only requests
//! without `Authorization` are answered from memory, so an editor's view is never cached.

use std::sync::Arc;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use chrono::Utc;
use prometheus_client::metrics::counter::Counter;

use crate::app::metrics::{CounterBy, Outcome};
use crate::app::state::State;
use crate::http::caching::is_not_modified;
use crate::http::middleware::consistency;

/// A stored response.
#[derive(Debug)]
struct Entry {
    generation: u64,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

impl Entry {
    fn header(&self, name: &HeaderName) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.to_str().ok())
    }
}

#[derive(Clone, Debug)]
struct EntryWeight;

impl quick_cache::Weighter<String, Arc<Entry>> for EntryWeight {
    fn weight(&self, key: &String, entry: &Arc<Entry>) -> u64 {
        let headers: usize = entry
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len())
            .sum();
        (key.len() + headers + entry.body.len() + 128) as u64
    }
}

/// The stored responses; `None` of it when configured off.
pub struct ResponseCache {
    entries: quick_cache::sync::Cache<
        String,
        Arc<Entry>,
        EntryWeight,
        quick_cache::DefaultHashBuilder,
        CountEvictions,
    >,
    pub stats: CacheStats,
}

/// What the cache did (`app::metrics`).
#[derive(Clone, Debug, Default)]
pub struct CacheStats {
    /// By `outcome`: `hit` or `miss`.
    pub lookups: CounterBy<Outcome>,
    pub evictions: Counter,
}

impl CacheStats {
    fn looked_up(&self, outcome: &'static str) {
        self.lookups.get_or_create(&Outcome { outcome }).inc();
    }
}

/// Counts the entries evicted to make room (replacing an entry is no eviction).
#[derive(Clone, Debug)]
struct CountEvictions(Counter);

impl quick_cache::Lifecycle<String, Arc<Entry>> for CountEvictions {
    type RequestState = ();

    fn on_evict(&self, _state: &mut Self::RequestState, _key: String, _entry: Arc<Entry>) {
        self.0.inc();
    }
}

impl ResponseCache {
    /// A cache of at most `mib` MiB, kept coherent by the content clock.
    pub fn new(mib: u32) -> Self {
        let bytes = u64::from(mib) << 20;
        let stats = CacheStats::default();
        Self {
            // Responses average a few KiB; the estimate only sizes the tables.
            entries: quick_cache::sync::Cache::with(
                (bytes / 4096).max(16) as usize,
                bytes,
                EntryWeight,
                Default::default(),
                CountEvictions(stats.evictions.clone()),
            ),
            stats,
        }
    }
}

/// The middleware: answers from memory when it can, stores what it may, and moves the
/// generation on after every write.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<State>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let method = req.method().clone();
    if method != Method::GET && method != Method::HEAD {
        let response = next.call(req).await?;
        // Whatever the outcome, the write has ended (committed or not) by now.
        state.clock.advance();
        return Ok(response.map_into_boxed_body());
    }
    let Some(cache) = state.response_cache.as_ref() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if method == Method::HEAD || req.headers().contains_key(header::AUTHORIZATION) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some((generation, known)) = state.clock.current(Utc::now()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // A client that wrote elsewhere (another node) asks for data this node may not have heard
    // of yet: the generation in memory is older than its write.
    if consistency::required(req.request())
        .is_some_and(|required| required.0 > known.wal_position as u64)
    {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = cache_key(&req);
    if let Some(entry) = cache.entries.get(&key) {
        if entry.generation == generation {
            cache.stats.looked_up("hit");
            let response = replay(&req, &entry);
            return Ok(req.into_response(response));
        }
    }
    cache.stats.looked_up("miss");
    let response = next.call(req).await?;
    let cacheable = response.status() == StatusCode::OK
        && response
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("public"))
        // The key holds the negotiated locale only: an answer that varies on `Accept` (an
        // image's `format=auto`) is not stored, nor a large file (the CDN's job).
        && !varies_on_accept(response.headers())
        && matches!(response.response().body().size(), BodySize::Sized(n) if n <= MAX_STORED_BODY);
    if !cacheable {
        return Ok(response.map_into_boxed_body());
    }
    let (req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
    let headers: Vec<(HeaderName, HeaderValue)> = head
        .headers()
        .iter()
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    cache.entries.insert(
        key,
        Arc::new(Entry {
            generation,
            headers,
            body: body.clone(),
        }),
    );
    let response = head.set_body(BoxBody::new(body));
    Ok(ServiceResponse::new(req, response))
}

/// The largest body the cache stores.
const MAX_STORED_BODY: u64 = 1 << 20;

fn varies_on_accept(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers.get_all(header::VARY).any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|name| name.trim().eq_ignore_ascii_case("accept") || name.trim() == "*")
        })
    })
}

/// What identifies a public read: its path, query and the locale `Accept-Language` negotiates
/// to (the only header the representation varies on once `Authorization` is absent). Keyed by
/// the negotiated locale, not the header as sent: every spelling of a preference shares one
/// entry, so no client can bypass the cache or fill it with variants of one answer.
fn cache_key(req: &ServiceRequest) -> String {
    let language = match req.app_data::<State>().map(|state| &state.locales) {
        Some(locales) => req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| locales.negotiate(v))
            .unwrap_or(locales.default()),
        None => "",
    };
    let mut key = String::with_capacity(req.path().len() + req.query_string().len() + 8);
    key.push_str(req.path());
    key.push('?');
    key.push_str(req.query_string());
    key.push('\n');
    key.push_str(language);
    key
}

/// The stored response, or 304 when the reader's copy is current.
fn replay(req: &ServiceRequest, entry: &Entry) -> HttpResponse {
    let not_modified = is_not_modified(
        req.headers(),
        entry.header(&header::ETAG).unwrap_or_default(),
        entry.header(&header::LAST_MODIFIED),
    );
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    for (name, value) in &entry.headers {
        if not_modified && (name == header::CONTENT_TYPE || name == header::CONTENT_LENGTH) {
            continue;
        }
        response.insert_header((name.clone(), value.clone()));
    }
    if not_modified {
        response.finish()
    } else {
        response.body(entry.body.clone())
    }
}
