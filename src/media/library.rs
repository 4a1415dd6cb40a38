//! The media library of a running server: its storage, its links, and the CPU work of media
//! (reading and cleaning uploads, rendering variants), which runs off the async workers, a
//! bounded number at a time, each within a time limit.
//!
//! A variant is rendered once. In this process, requests for the same variant queue on one lock
//! per variant; across processes, the first one claims the variant in `asset_variants` and the
//! others wait for its row to say "stored" (a claim older than the render timeout is taken over,
//! so a node that died mid-render delays the variant, never loses it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::app::settings::MediaSettings;
use crate::db::{self, DbPool};
use crate::http::error::ApiError;
use crate::media::kind::{sniff, AssetKind, MediaKind, SniffError};
use crate::media::limits::{inspect, ImageHeader, LimitError};
use crate::media::links::MediaLinks;
use crate::media::render::{render, RenderError, Rendered};
use crate::media::spec::RenderSpec;
use crate::media::storage::{Storage, StorageError};
use crate::media::strip::{clean, CleanError};
use crate::resources::assets::queries::{self, Claim};

/// How often a node waiting for another node's render looks again.
const CLAIM_POLL: Duration = Duration::from_millis(100);

pub struct MediaLibrary {
    pub storage: Storage,
    pub links: MediaLinks,
    pub settings: MediaSettings,
    /// Permits for CPU work: `render_concurrency` at a time.
    work: Arc<Semaphore>,
    /// One lock per variant being rendered in this process.
    renders: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    pub stats: RenderStats,
}

/// The variants this process rendered (`app::metrics`).
#[derive(Clone, Debug)]
pub struct RenderStats {
    /// By `outcome`: `rendered` or `failed`.
    pub renders: crate::app::metrics::CounterBy<crate::app::metrics::Outcome>,
    pub seconds: prometheus_client::metrics::histogram::Histogram,
}

/// An upload, read and cleaned: what is stored and what the row says of it.
#[derive(Debug)]
pub struct PreparedFile {
    pub kind: MediaKind,
    pub bytes: Bytes,
    pub header: Option<ImageHeader>,
    pub sha256: String,
    pub storage_key: String,
}

/// A stored file as a response serves it.
#[derive(Debug)]
pub struct StoredBytes {
    pub bytes: Bytes,
    pub media_type: &'static str,
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        // The store's message may name hosts or paths: it goes to the log only.
        tracing::error!(%error, "media storage");
        ApiError::Unavailable("the media storage is unavailable".into())
    }
}

fn limit_error(file: &str, error: LimitError) -> ApiError {
    ApiError::UnprocessableRequest {
        kind: "unacceptable-file",
        detail: format!("{file}: {error}"),
    }
}

/// What a refused upload is told; the detail names the file. The request declared an accepted
/// type (a body of any other type is a 415 before it is read), so bytes that are not of it, or
/// of no accepted type, make the request unprocessable: 422.
fn sniff_error(file: &str, error: SniffError) -> ApiError {
    ApiError::UnprocessableRequest {
        kind: "unacceptable-file",
        detail: format!("{file}: {error}"),
    }
}

fn clean_error(file: &str, error: CleanError) -> ApiError {
    match error {
        CleanError::Limit(e) => limit_error(file, e),
        other => ApiError::UnprocessableRequest {
            kind: "unacceptable-file",
            detail: format!("{file}: {other}"),
        },
    }
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the original of `sha256` is stored.
pub fn original_key(sha256: &str, kind: MediaKind) -> String {
    format!(
        "originals/{}/{sha256}.{}",
        &sha256[..2.min(sha256.len())],
        kind.extension()
    )
}

/// Where a variant of `sha256` is stored; `params` is the normalised key of its parameters.
pub fn variant_key(sha256: &str, params: &str) -> String {
    format!(
        "variants/{}/{sha256}/{params}",
        &sha256[..2.min(sha256.len())]
    )
}

impl MediaLibrary {
    pub fn new(settings: MediaSettings, storage: Storage, links: MediaLinks) -> Self {
        let permits = settings.render_concurrency.max(1);
        Self {
            storage,
            links,
            settings,
            work: Arc::new(Semaphore::new(permits)),
            renders: Mutex::new(HashMap::new()),
            stats: RenderStats {
                renders: Default::default(),
                seconds: crate::app::metrics::seconds_histogram(),
            },
        }
    }

    /// Runs CPU work on the blocking pool, within the concurrency limit and the time limit. On
    /// timeout the request answers 503 at once; the work finishes in the background, still
    /// holding its permit, so the limit holds.
    async fn cpu<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    {
        let started = Instant::now();
        let permit = tokio::time::timeout(
            self.settings.render_timeout,
            self.work.clone().acquire_owned(),
        )
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
        let remaining = self
            .settings
            .render_timeout
            .saturating_sub(started.elapsed());
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        });
        match tokio::time::timeout(remaining, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(ApiError::Internal(format!("media work failed: {e}"))),
            Err(_) => Err(busy()),
        }
    }

    /// Reads an upload: its type from its bytes (checked against `declared`), its size from its
    /// header (refused over the limits before any decoding), its location metadata removed.
    pub async fn prepare(
        &self,
        file_name: &str,
        declared: Option<String>,
        bytes: Bytes,
    ) -> Result<PreparedFile, ApiError> {
        let limits = self.settings.limits.clone();
        let file = file_name.to_owned();
        self.cpu(move || {
            let kind = sniff(&bytes, declared.as_deref()).map_err(|e| sniff_error(&file, e))?;
            inspect(&bytes, kind, &limits).map_err(|e| limit_error(&file, e))?;
            let cleaned = clean(&bytes, kind, &limits).map_err(|e| clean_error(&file, e))?;
            // The stored file's size, after orientation.
            let header =
                inspect(&cleaned.bytes, kind, &limits).map_err(|e| limit_error(&file, e))?;
            let sha256 = hex_sha256(&cleaned.bytes);
            Ok(PreparedFile {
                kind,
                storage_key: original_key(&sha256, kind),
                sha256,
                header,
                bytes: Bytes::from(cleaned.bytes),
            })
        })
        .await
    }

    fn render_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
        renders.retain(|_, lock| lock.strong_count() > 0);
        if let Some(lock) = renders.get(key).and_then(Weak::upgrade) {
            return lock;
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        renders.insert(key.to_owned(), Arc::downgrade(&lock));
        lock
    }

    /// The variant `params` (its normalised key) of the original stored at `original_key`,
    /// rendered as `spec` says unless it is stored already.
    pub async fn variant(
        &self,
        pool: &DbPool,
        original: (&str, &str, MediaKind),
        spec: RenderSpec,
        params: &str,
    ) -> Result<StoredBytes, ApiError> {
        let (sha256, original_key, kind) = original;
        let key = variant_key(sha256, params);
        let media_type = spec.format.media_type();
        // The common case, a variant stored long ago: one plain read, no lock, no claim.
        let stored = {
            let (sha, p) = (sha256.to_owned(), params.to_owned());
            db::run(pool, move |conn| Ok(queries::find_variant(conn, &sha, &p)?)).await?
        };
        if let Some(row) = stored.filter(|row| row.stored_at.is_some()) {
            if let Some(bytes) = self.storage.get(&row.storage_key).await? {
                return Ok(StoredBytes { bytes, media_type });
            }
        }
        let lock = self.render_lock(&key);
        let _guard = lock.lock().await;
        let waited_since = Instant::now();
        loop {
            let claim = {
                let (sha, p, k) = (sha256.to_owned(), params.to_owned(), key.clone());
                let stale = chrono::Duration::from_std(self.settings.render_timeout * 2)
                    .unwrap_or(chrono::Duration::seconds(60));
                db::run(pool, move |conn| {
                    Ok(queries::claim_variant(
                        conn, &sha, &p, &k, media_type, stale,
                    )?)
                })
                .await?
            };
            match claim {
                Claim::Stored(row) => match self.storage.get(&row.storage_key).await? {
                    Some(bytes) => return Ok(StoredBytes { bytes, media_type }),
                    // Stored once, lost since (a store emptied by hand): rendered again.
                    None => {
                        let (sha, p) = (sha256.to_owned(), params.to_owned());
                        db::run(pool, move |conn| {
                            Ok(queries::forget_variant(conn, &sha, &p)?)
                        })
                        .await?;
                    }
                },
                Claim::Mine => break,
                Claim::Theirs(_) => {
                    if waited_since.elapsed() > self.settings.render_timeout * 2 {
                        return Err(busy());
                    }
                    tokio::time::sleep(CLAIM_POLL).await;
                }
            }
        }
        let started = Instant::now();
        let rendered = self.render_claimed(original_key, kind, spec).await;
        let outcome = match rendered {
            Ok(_) => "rendered",
            Err(_) => "failed",
        };
        self.stats
            .renders
            .get_or_create(&crate::app::metrics::Outcome { outcome })
            .inc();
        self.stats.seconds.observe(started.elapsed().as_secs_f64());
        let (sha, p) = (sha256.to_owned(), params.to_owned());
        match rendered {
            Ok(rendered) => {
                let bytes = Bytes::from(rendered.bytes);
                self.storage.put(&key, bytes.clone()).await?;
                let (w, h, n) = (rendered.width, rendered.height, bytes.len());
                db::run(pool, move |conn| {
                    Ok(queries::variant_stored(conn, &sha, &p, w, h, n)?)
                })
                .await?;
                Ok(StoredBytes { bytes, media_type })
            }
            Err(error) => {
                db::run(pool, move |conn| {
                    Ok(queries::release_claim(conn, &sha, &p)?)
                })
                .await?;
                Err(error)
            }
        }
    }

    async fn render_claimed(
        &self,
        original_key: &str,
        kind: MediaKind,
        spec: RenderSpec,
    ) -> Result<Rendered, ApiError> {
        let original =
            self.storage.get(original_key).await?.ok_or_else(|| {
                ApiError::Internal(format!("the original {original_key} is missing"))
            })?;
        let limits = self.settings.limits.clone();
        self.cpu(move || {
            render(&original, kind, &spec, &limits).map_err(|e| match e {
                RenderError::Limit(e) => limit_error("the original", e),
                other => ApiError::UnprocessableRequest {
                    kind: "unrenderable",
                    detail: other.to_string(),
                },
            })
        })
        .await
    }
}

fn busy() -> ApiError {
    ApiError::Unavailable("the server is busy rendering images; retry shortly".into())
}

/// Whether an asset of this kind is an image whose alt text is required.
pub fn is_raster(kind: MediaKind) -> bool {
    kind.kind() == AssetKind::Image
}
