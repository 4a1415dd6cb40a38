//! Webhooks through HTTP: subscriptions and their secrets (`subscriptions`), what the outbox
//! announces and how it travels to a real receiver (`deliveries`), retries and failures
//! (`retries`), where webhooks may not go (`ssrf`).

mod deliveries;
mod retries;
mod ssrf;
mod subscriptions;

use serde_json::{json, Value};

use crate::helpers::Client;

/// A subscription of every news event to `url`; returns the created body (with its secret).
pub async fn subscribe(admin: &Client, url: &str, extra: Value) -> Value {
    let mut body = json!({
        "url": url,
        "event_types": ["news.published", "news.updated", "news.unpublished", "news.deleted"],
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    admin.post("/api/v1/webhooks", body).success().await
}

/// A news item as an editor writes it.
pub fn article(title: &str, status: &str) -> Value {
    json!({"title": {"en": title}, "body": {"en": "Body"}, "status": status})
}

/// The subscription's delivery log once `done` holds for it (attempts are recorded just after
/// the receiver answers); panics after 10 s.
pub async fn log_when(admin: &Client, hook: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = std::time::Instant::now();
    loop {
        let log = admin
            .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
            .good()
            .await;
        if done(&log) {
            return log;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{log}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The subscription once `done` holds for it; panics after 10 s.
pub async fn subscription_when(admin: &Client, hook: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = std::time::Instant::now();
    loop {
        let read = admin.get(&format!("/api/v1/webhooks/{hook}")).good().await;
        if done(&read) {
            return read;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{read}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
