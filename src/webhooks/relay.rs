//! The relay: inside `orgcms serve`, on every node. Each turn it announces the scheduled news
//! items whose time has come, then leases the due deliveries (FOR UPDATE SKIP LOCKED, so nodes
//! share them and never send one twice at once), sends them, and records each attempt and what
//! follows it. A node that dies mid-delivery leaves a lease that runs out: the delivery is sent
//! again by whichever relay comes next (the receiver sees the same `webhook-id` twice; that is
//! the only duplicate there is).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;

use super::outbox::{self, Attempt, Claimed, Next};
use super::payload;
use super::signing::signature_header;
use super::ssrf::CheckedResolver;
use crate::app::metrics::{CounterBy, Outcome};
use crate::app::settings::{PublicUrls, WebhookSettings};
use crate::content::locale::{Locales, RequestLocale};
use crate::content::routes::Readable;
use crate::db::{self, DbPool};
use crate::http::error::ApiError;
use crate::http::params::ItemKey;
use crate::media::links::MediaLinks;

/// The most of a response that is read (the rest is not waited for).
const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// The most of it that the delivery log keeps.
const EXCERPT_BYTES: usize = 1024;

pub struct Relay {
    pool: DbPool,
    settings: WebhookSettings,
    client: reqwest::Client,
    urls: PublicUrls,
    locales: Locales,
    links: MediaLinks,
    /// Notified when an event is written (`NOTIFY orgcms_webhooks`, heard by `listen`), so the
    /// first attempt does not wait for the next poll.
    wake: Arc<tokio::sync::Notify>,
    database_url: Option<String>,
    /// Attempts by outcome (`app::metrics`).
    attempts: CounterBy<Outcome>,
}

/// When a relay last did its chores.
#[derive(Default)]
struct Chores {
    announced: Option<Instant>,
    pruned: Option<Instant>,
}

/// Stops the relay when dropped.
pub struct RelayHandle(tokio::task::JoinHandle<()>);

impl Drop for RelayHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The client every delivery goes through: no redirects (a 3xx is a failure), no proxy (it would
/// resolve names the checks never saw), names resolved and checked by [`CheckedResolver`].
pub fn client(settings: &WebhookSettings) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .dns_resolver(CheckedResolver::shared(settings.policy))
        .user_agent(concat!("orgcms-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

impl Relay {
    pub fn new(
        pool: DbPool,
        settings: WebhookSettings,
        urls: PublicUrls,
        locales: Locales,
        links: MediaLinks,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: client(&settings)?,
            pool,
            settings,
            urls,
            locales,
            links,
            wake: Arc::new(tokio::sync::Notify::new()),
            database_url: None,
            attempts: Default::default(),
        })
    }

    /// Counts the attempts in `attempts`, by outcome: `delivered` (2xx), `rejected` (another
    /// status), `failed` (no answer).
    pub fn counting(mut self, attempts: CounterBy<Outcome>) -> Self {
        self.attempts = attempts;
        self
    }

    /// Listens on a connection of its own to `database_url` for new events, to send them at once
    /// rather than at the next poll (the poll stays, for retries and for a lost connection).
    pub fn listening(mut self, database_url: &str) -> Self {
        self.database_url = Some(database_url.to_owned());
        self
    }

    /// Runs the relay on the current runtime until the handle is dropped.
    pub fn start(self) -> RelayHandle {
        if let Some(url) = self.database_url.clone() {
            let wake = Arc::downgrade(&self.wake);
            std::thread::Builder::new()
                .name("webhook-listen".into())
                .spawn(move || listen(wake, &url))
                .ok();
        }
        RelayHandle(tokio::spawn(Arc::new(self).run()))
    }

    async fn run(self: Arc<Self>) {
        let mut chores = Chores::default();
        loop {
            if let Err(error) = self.turn(&mut chores).await {
                tracing::warn!(%error, "webhook relay: turn failed");
            }
            tokio::select! {
                () = tokio::time::sleep(self.settings.poll) => {}
                () = self.wake.notified() => {}
            }
        }
    }

    /// What a relay does beside sending, on its own clock (a turn may last as long as events keep
    /// coming): announce the scheduled items whose time came, every poll; prune old events, hourly.
    async fn chores(&self, chores: &mut Chores) -> Result<(), ApiError> {
        if chores
            .announced
            .is_none_or(|at| at.elapsed() >= self.settings.poll)
        {
            db::run(&self.pool, |c| Ok(outbox::announce_due(c)?)).await?;
            chores.announced = Some(Instant::now());
        }
        if chores
            .pruned
            .is_none_or(|at| at.elapsed() > Duration::from_secs(3600))
        {
            chores.pruned = Some(Instant::now());
            let days = self.settings.retention_days;
            match db::run(&self.pool, move |c| Ok(outbox::prune(c, days)?)).await {
                Ok(removed) if removed > 0 => tracing::info!(removed, "pruned webhook events"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "webhook relay: pruning failed"),
            }
        }
        Ok(())
    }

    /// One turn: every due delivery sent, `concurrency` at a time in a sliding window: a slot
    /// freed by a finished attempt is filled at once, so a slow receiver (attempts up to the
    /// timeout) holds up only the slots it takes, never the others' deliveries behind it. The
    /// chores are done as their time comes, however long the turn lasts.
    async fn turn(self: &Arc<Self>, chores: &mut Chores) -> Result<(), ApiError> {
        // Twice the longest attempt, and a second: a live relay has recorded by then.
        let lease = (self.settings.timeout * 2 + Duration::from_secs(1)).as_secs_f64();
        let window = self.settings.concurrency;
        let mut sending = tokio::task::JoinSet::new();
        let mut failed = None;
        loop {
            if failed.is_none() {
                if let Err(error) = self.chores(chores).await {
                    failed = Some(error);
                }
            }
            let free = window.saturating_sub(sending.len());
            if free > 0 && failed.is_none() {
                let limit = free as i64;
                match db::run(&self.pool, move |c| Ok(outbox::claim(c, limit, lease)?)).await {
                    Ok(claimed) => {
                        let none_due = claimed.len() < free;
                        for delivery in claimed {
                            let relay = Arc::clone(self);
                            sending.spawn(async move { relay.deliver(delivery).await });
                        }
                        if none_due && sending.is_empty() {
                            return Ok(());
                        }
                        if !none_due {
                            // A full window: more may be due; wait for a slot.
                            log_outcome(sending.join_next().await);
                            continue;
                        }
                    }
                    // Attempts under way are recorded before the error is reported.
                    Err(error) => failed = Some(error),
                }
            }
            if sending.is_empty() {
                return failed.map_or(Ok(()), Err);
            }
            // A slot frees, a new event is written, or deliveries may have come due meanwhile.
            tokio::select! {
                done = sending.join_next() => log_outcome(done),
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    async fn deliver(&self, claimed: Claimed) -> Result<(), ApiError> {
        let body = match &claimed.body {
            Some(body) => body.clone(),
            None => {
                let body = self.first_body(&claimed).await?;
                let (id, kept) = (claimed.id, body.clone());
                db::run(&self.pool, move |c| Ok(outbox::keep_body(c, id, &kept)?)).await?;
                body
            }
        };
        let (attempt, retry_after) = self.send(&claimed, body).await;
        let next = self.next_after(&claimed, &attempt, retry_after);
        tracing::info!(
            delivery = %claimed.id,
            event = %claimed.event_type,
            status = attempt.status,
            error = attempt.error.as_deref(),
            next = ?next,
            "webhook attempt"
        );
        let disable_after = self.settings.disable_after;
        db::run(&self.pool, move |c| {
            Ok(outbox::record(c, &claimed, &attempt, &next, disable_after)?)
        })
        .await
    }

    /// The body of the first attempt: thin, or with the item's public representation.
    async fn first_body(&self, claimed: &Claimed) -> Result<String, ApiError> {
        let item = if claimed.payload == "full" && payload::shows_item(&claimed.event_type) {
            self.public_item(claimed).await?
        } else {
            None
        };
        Ok(payload::body(claimed, &self.urls, item))
    }

    async fn public_item(&self, claimed: &Claimed) -> Result<Option<Value>, ApiError> {
        use crate::resources::{assets, missions, news, objectives, organization};
        let locale = RequestLocale {
            locale: claimed
                .locale
                .clone()
                .unwrap_or_else(|| self.locales.default().to_owned()),
            default: self.locales.default().to_owned(),
            locales: self.locales.clone(),
        };
        let (resource, key, links) = (
            claimed.resource.clone(),
            ItemKey::Id(claimed.item_id),
            self.links.clone(),
        );
        fn value<T: serde::Serialize>(item: Option<T>) -> Result<Option<Value>, ApiError> {
            item.map(serde_json::to_value)
                .transpose()
                .map_err(|e| ApiError::Internal(format!("serialize: {e}")))
        }
        db::run(&self.pool, move |c| match resource.as_str() {
            "news" => value(news::document::NewsDocument::find_public(
                c, &key, &locale, &links,
            )?),
            "objective" => value(objectives::document::ObjectiveDocument::find_public(
                c, &key, &locale, &links,
            )?),
            "mission" => value(missions::document::MissionDocument::find_public(
                c, &key, &locale, &links,
            )?),
            "asset" => value(assets::document::AssetDocument::find_public(
                c, &key, &locale, &links,
            )?),
            "organization" => value(
                organization::queries::find(c)?
                    .map(|row| organization::dto::Organization::new(row, &locale)),
            ),
            _ => Ok(None),
        })
        .await
    }

    /// Sends one attempt; what came of it, and the wait a 429 or 503 asked for.
    async fn send(&self, claimed: &Claimed, body: String) -> (Attempt, Option<Duration>) {
        let at = Utc::now();
        let started = Instant::now();
        let outcome = self.request(claimed, body, at).await;
        let latency_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let counted = match &outcome {
            Ok((status, ..)) if (200..300).contains(status) => "delivered",
            Ok(_) => "rejected",
            Err(_) => "failed",
        };
        self.attempts
            .get_or_create(&Outcome { outcome: counted })
            .inc();
        match outcome {
            Ok((status, excerpt, retry_after)) => (
                Attempt {
                    at,
                    status: Some(status),
                    latency_ms,
                    excerpt,
                    error: (!(200..300).contains(&status))
                        .then(|| format!("the receiver answered {status}")),
                },
                retry_after,
            ),
            Err(error) => (
                Attempt {
                    at,
                    status: None,
                    latency_ms,
                    excerpt: None,
                    error: Some(error),
                },
                None,
            ),
        }
    }

    async fn request(
        &self,
        claimed: &Claimed,
        body: String,
        at: chrono::DateTime<Utc>,
    ) -> Result<(u16, Option<String>, Option<Duration>), String> {
        // Checked at every attempt, not only at registration: the rules or the URL's address
        // may have changed since.
        let url = self
            .settings
            .policy
            .check_url(&claimed.url)
            .map_err(|e| format!("the target {e}"))?;
        let id = payload::message_id(claimed.event_id);
        let timestamp = at.timestamp();
        let signature = signature_header(&claimed.secrets(at), &id, timestamp, body.as_bytes());
        let mut response = self
            .client
            .post(url)
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let retry_after = matches!(status, 429 | 503)
            .then(|| response.headers().get(reqwest::header::RETRY_AFTER))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| super::schedule::parse_retry_after(v, Utc::now()));
        let mut read = Vec::new();
        while read.len() < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read.extend_from_slice(&chunk),
                // A body cut short or too slow is no reason to doubt the status.
                Ok(None) | Err(_) => break,
            }
        }
        read.truncate(EXCERPT_BYTES);
        let excerpt = (!read.is_empty()).then(|| String::from_utf8_lossy(&read).into_owned());
        Ok((status, excerpt, retry_after))
    }

    fn next_after(
        &self,
        claimed: &Claimed,
        attempt: &Attempt,
        retry_after: Option<Duration>,
    ) -> Next {
        match attempt.status {
            Some(status) if (200..300).contains(&status) => return Next::Delivered,
            Some(410) => return Next::Gone,
            _ => {}
        }
        // A ping is tried once.
        if claimed.resource == "webhook" {
            return Next::Dead;
        }
        let attempts = usize::try_from(claimed.attempts + 1).unwrap_or(usize::MAX);
        match self
            .settings
            .retry
            .next_delay(attempts, random_unit(), retry_after)
        {
            Some(delay) => Next::Retry(
                attempt.at + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX),
            ),
            None => Next::Dead,
        }
    }
}

/// A reqwest error in words, with its causes (the address check's refusal among them).
/// Hears `NOTIFY orgcms_webhooks` (sent with every event) and wakes the relay, for as long as the
/// relay lives; reconnects after a lost connection.
fn listen(wake: std::sync::Weak<tokio::sync::Notify>, database_url: &str) {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    const LOOK_EVERY: Duration = Duration::from_millis(10);
    while wake.strong_count() > 0 {
        let listening = PgConnection::establish(database_url).and_then(|mut conn| {
            diesel::sql_query("LISTEN orgcms_webhooks")
                .execute(&mut conn)
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        });
        let Ok(mut conn) = listening else {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        };
        let mut looked = 0u32;
        'follow: loop {
            // Every few seconds a query, which finds out a connection that died in silence.
            looked = looked.wrapping_add(1);
            if looked.is_multiple_of(500)
                && diesel::sql_query("SELECT 1").execute(&mut conn).is_err()
            {
                break 'follow;
            }
            let mut heard = false;
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(_) => heard = true,
                    Err(error) => {
                        tracing::warn!(%error, "webhook relay: lost the listening connection");
                        break 'follow;
                    }
                }
            }
            match wake.upgrade() {
                Some(wake) if heard => wake.notify_one(),
                Some(_) => {}
                None => return,
            }
            std::thread::sleep(LOOK_EVERY);
        }
    }
}

fn log_outcome(done: Option<Result<Result<(), ApiError>, tokio::task::JoinError>>) {
    match done {
        Some(Ok(Err(error))) => tracing::warn!(%error, "webhook relay: delivery not recorded"),
        Some(Err(error)) => tracing::warn!(%error, "webhook relay: delivery task failed"),
        Some(Ok(Ok(()))) | None => {}
    }
}

fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A random number in [0, 1), for the jitter.
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}
