//! The in-process cache of anonymous reads: a public read that was answered once is answered
//! again from memory, without the database, until the content changes.
//!
//! A response is stored with the content generation it was computed at. The generation moves
//! on with every write this process answers (after the write committed), with every change any
//! other process commits (the content tables' triggers `NOTIFY orgcms_content`, which a
//! background thread `LISTEN`s to), and when the next scheduled news item's time comes. A stored
//! response is served only while its generation is the current one; whenever the cache cannot be
//! sure of that (no listening connection, the next publication time not known yet), requests go
//! to the handlers as if there were no cache.
//!
//! Only responses the handlers marked `Cache-Control: public` are stored, and only requests
//! without `Authorization` are answered from memory, so an editor's view is never cached.

use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::app::state::State;
use crate::http::caching::is_not_modified;

/// How often the listening thread looks for notifications (and notices a lost connection).
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// How long it waits before connecting again after losing the database.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// Where the content tables' triggers announce every committed change.
pub const CHANNEL: &str = "orgcms_content";

/// What the cache knows about the content.
#[derive(Debug, Clone, Copy)]
struct ClockState {
    generation: u64,
    /// Whether `next_publication` is known for this generation (and notifications are heard).
    known: bool,
    /// When the next scheduled news item turns public, changing what reads show.
    next_publication: Option<DateTime<Utc>>,
}

/// The content generation, shared by the request path and the listening thread.
#[derive(Debug)]
pub struct ContentClock {
    state: RwLock<ClockState>,
    /// Wakes the listening thread to learn the state of a new generation at once.
    wake: (Mutex<bool>, Condvar),
}

impl ContentClock {
    fn new() -> Self {
        Self {
            state: RwLock::new(ClockState {
                generation: 0,
                known: false,
                next_publication: None,
            }),
            wake: (Mutex::new(false), Condvar::new()),
        }
    }

    fn read(&self) -> ClockState {
        *self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The content may have changed: nothing stored so far is served again.
    pub fn advance(&self) {
        {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            state.generation += 1;
            state.known = false;
        }
        let (flag, condvar) = &self.wake;
        *flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
        condvar.notify_one();
    }

    /// Records what the listening thread learnt, unless the generation moved on meanwhile.
    fn learn(&self, generation: u64, next_publication: Option<DateTime<Utc>>) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.generation == generation {
            state.known = true;
            state.next_publication = next_publication;
        }
    }

    fn forget(&self) {
        self.state.write().unwrap_or_else(|e| e.into_inner()).known = false;
    }

    fn sleep(&self, timeout: Duration) {
        let (flag, condvar) = &self.wake;
        let guard = flag.lock().unwrap_or_else(|e| e.into_inner());
        let (mut woken, _) = condvar
            .wait_timeout_while(guard, timeout, |woken| !*woken)
            .unwrap_or_else(|e| e.into_inner());
        *woken = false;
    }

    /// The generation responses may be stored at and served for, if the cache can be trusted
    /// now.
    fn usable_generation(&self, now: DateTime<Utc>) -> Option<u64> {
        let state = self.read();
        if !state.known {
            return None;
        }
        if state.next_publication.is_some_and(|at| at <= now) {
            // A scheduled item just turned public.
            self.advance();
            return None;
        }
        Some(state.generation)
    }
}

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

/// The cache and its clock; `None` of it when configured off.
pub struct ResponseCache {
    entries: quick_cache::sync::Cache<String, Arc<Entry>, EntryWeight>,
    clock: Arc<ContentClock>,
}

impl ResponseCache {
    /// A cache of at most `mib` MiB, kept coherent by a thread listening on `database_url`; the
    /// thread ends when the cache is dropped.
    pub fn start(mib: u32, database_url: String) -> Arc<Self> {
        let bytes = u64::from(mib) << 20;
        let cache = Arc::new(Self {
            // Responses average a few KiB; the estimate only sizes the tables.
            entries: quick_cache::sync::Cache::with_weighter(
                (bytes / 4096).max(16) as usize,
                bytes,
                EntryWeight,
            ),
            clock: Arc::new(ContentClock::new()),
        });
        let weak = Arc::downgrade(&cache);
        std::thread::Builder::new()
            .name("orgcms-content-listener".into())
            .spawn(move || listen(weak, &database_url))
            .ok();
        cache
    }

    pub fn clock(&self) -> &ContentClock {
        &self.clock
    }

    #[cfg(test)]
    fn for_tests() -> Self {
        Self {
            entries: quick_cache::sync::Cache::with_weighter(16, 1 << 20, EntryWeight),
            clock: Arc::new(ContentClock::new()),
        }
    }
}

/// Listens for committed changes and learns when the next scheduled item turns public.
fn listen(cache: Weak<ResponseCache>, database_url: &str) {
    loop {
        let Some(clock) = cache.upgrade().map(|c| c.clock.clone()) else {
            return;
        };
        clock.forget();
        match PgConnection::establish(database_url) {
            Ok(mut conn) => {
                if diesel::sql_query("LISTEN orgcms_content")
                    .execute(&mut conn)
                    .is_ok()
                {
                    // Changes made while nobody listened are unknown: start a new generation.
                    clock.advance();
                    drop(clock);
                    if !follow(&cache, &mut conn) {
                        return;
                    }
                    continue;
                }
            }
            Err(e) => tracing::debug!(error = %e, "response cache: database unreachable"),
        }
        drop(clock);
        std::thread::sleep(RECONNECT_DELAY);
    }
}

/// Follows notifications on a listening connection; false when the cache is gone, true when the
/// connection is lost.
fn follow(cache: &Weak<ResponseCache>, conn: &mut PgConnection) -> bool {
    loop {
        let Some(clock) = cache.upgrade().map(|c| c.clock.clone()) else {
            return false;
        };
        let mut changed = false;
        for notification in conn.notifications_iter() {
            match notification {
                Ok(_) => changed = true,
                Err(e) => {
                    tracing::warn!(error = %e, "response cache: lost the listening connection");
                    clock.forget();
                    return true;
                }
            }
        }
        if changed {
            clock.advance();
        }
        let state = clock.read();
        if !state.known {
            match next_publication(conn) {
                Ok(at) => clock.learn(state.generation, at),
                Err(e) => {
                    tracing::warn!(error = %e, "response cache: lost the listening connection");
                    clock.forget();
                    return true;
                }
            }
        }
        clock.sleep(POLL_INTERVAL);
    }
}

#[derive(QueryableByName)]
struct NextPublication {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    at: Option<DateTime<Utc>>,
}

/// When the next scheduled news item turns public (its time is what changes reads then).
fn next_publication(conn: &mut PgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    diesel::sql_query(
        "SELECT min(published_at) AS at FROM news \
         WHERE status = 'published' AND published_at > now()",
    )
    .get_result::<NextPublication>(conn)
    .map(|row| row.at)
}

/// The middleware: answers from memory when it can, stores what it may, and moves the
/// generation on after every write.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(cache) = req
        .app_data::<State>()
        .and_then(|state| state.response_cache.clone())
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let method = req.method().clone();
    if method != Method::GET && method != Method::HEAD {
        let response = next.call(req).await?;
        // Whatever the outcome, the write has ended (committed or not) by now.
        cache.clock.advance();
        return Ok(response.map_into_boxed_body());
    }
    if method == Method::HEAD || req.headers().contains_key(header::AUTHORIZATION) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(generation) = cache.clock.usable_generation(Utc::now()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = cache_key(&req);
    if let Some(entry) = cache.entries.get(&key) {
        if entry.generation == generation {
            let response = replay(&req, &entry);
            return Ok(req.into_response(response));
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_trusted_only_once_it_knows_the_generation() {
        let cache = ResponseCache::for_tests();
        let clock = cache.clock();
        let now = Utc::now();
        assert_eq!(clock.usable_generation(now), None, "nothing known yet");
        clock.learn(0, None);
        assert_eq!(clock.usable_generation(now), Some(0));
        clock.advance();
        assert_eq!(
            clock.usable_generation(now),
            None,
            "a write makes it unsure"
        );
        clock.learn(0, None);
        assert_eq!(
            clock.usable_generation(now),
            None,
            "news of an old generation"
        );
        clock.learn(1, Some(now + chrono::Duration::seconds(5)));
        assert_eq!(clock.usable_generation(now), Some(1));
        // The scheduled item's time comes: a new generation, unknown until learnt.
        let later = now + chrono::Duration::seconds(5);
        assert_eq!(clock.usable_generation(later), None);
        clock.learn(2, None);
        assert_eq!(clock.usable_generation(later), Some(2));
        clock.forget();
        assert_eq!(clock.usable_generation(later), None, "listening lost");
    }
}
