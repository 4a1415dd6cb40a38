//! A real HTTP receiver for webhook tests: it records every request and answers as the test
//! scripts it (statuses, `Retry-After`, redirects, answers too slow to wait for); and the
//! relays a test starts itself.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use hmac::{KeyInit, Mac};

use super::TestApp;

/// How the receiver answers one request.
#[derive(Clone, Debug)]
pub enum Reply {
    Status(u16),
    /// 429 or 503 with `Retry-After: seconds`.
    RetryAfter(u16, u64),
    /// A 302 to this location.
    Redirect(String),
    /// 204 after this long (longer than the relay waits: a timeout).
    Slow(Duration),
}

/// A request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Whether one of the signatures is `secret`'s (computed here from the specification).
    pub fn signed_with(&self, secret: &str) -> bool {
        let key = base64::engine::general_purpose::STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        );
        self.signature.split(' ').any(|s| s == expected)
    }
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    received: Mutex<Vec<Received>>,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    _server: actix_web::dev::ServerHandle,
}

impl Receiver {
    /// A receiver on a free loopback port; it answers 204 unless scripted.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let state = web::Data::from(Arc::clone(&shared));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            shared,
            _server: handle,
        }
    }

    /// Answers the next requests so, in order (then 204 again).
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived (at most `limit`); returns them.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= n || started.elapsed() > limit {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    shared.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    });
    let reply = shared.script.lock().unwrap().pop_front();
    match reply {
        None => HttpResponse::NoContent().finish(),
        Some(Reply::Status(status)) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                .body(format!("answered {status}"))
        }
        Some(Reply::RetryAfter(status, seconds)) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                .insert_header(("Retry-After", seconds.to_string()))
                .finish()
        }
        Some(Reply::Redirect(location)) => HttpResponse::Found()
            .insert_header(("Location", location))
            .finish(),
        Some(Reply::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            HttpResponse::NoContent().finish()
        }
    }
}

impl TestApp {
    /// A webhook relay on this app's database, as `orgcms serve` runs one; it stops when the
    /// handle is dropped. Several share the outbox as several nodes do.
    pub fn relay(&self) -> orgcms::webhooks::relay::RelayHandle {
        let settings = &self.settings;
        let pool =
            orgcms::db::build_pool(&self.db.url, 4, settings.db_timeout, settings.db_session);
        orgcms::webhooks::relay::Relay::new(
            pool,
            settings.webhooks.clone(),
            settings.public_urls.clone(),
            settings.locales.clone(),
            orgcms::media::links::MediaLinks::new(
                settings.public_urls.base(),
                settings.media.presets.clone(),
            ),
        )
        .unwrap()
        .start()
    }
}
