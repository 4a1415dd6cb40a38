//! The one application state every handler, extractor and middleware reads: made once at
//! start-up from the settings, shared by every worker.

use std::sync::Arc;

use actix_web::{web, HttpRequest};

use crate::accounts::auth::jwt::JwtKeys;
use crate::accounts::auth::routes::LoginLimits;
use crate::app::metrics::{Components, CounterBy, Metrics, Outcome};
use crate::app::settings::{ExposeSecret, PublicUrls, Settings};
use crate::content::clock::ContentClock;
use crate::content::idempotency::IdempotencyTtl;
use crate::content::locale::Locales;
use crate::db::DbPool;
use crate::http::caching::CachePolicy;
use crate::http::error::ApiError;
use crate::http::middleware::rate_limit::RateLimits;
use crate::http::middleware::response_cache::ResponseCache;
use crate::http::routing::RouteTable;
use crate::media::library::MediaLibrary;
use crate::media::links::MediaLinks;
use crate::media::storage::Storage;
use crate::resources::health::routes::Readiness;

pub struct AppState {
    pub pool: DbPool,
    pub locales: Locales,
    /// How long readers' caches may keep a public response.
    pub cache_policy: CachePolicy,
    pub jwt: JwtKeys,
    pub login_limits: LoginLimits,
    /// The largest JSON body accepted, in bytes.
    pub body_limit: usize,
    /// How long a client may take to send its body.
    pub body_timeout: std::time::Duration,
    pub idempotency_ttl: IdempotencyTtl,
    pub public_urls: PublicUrls,
    /// The documented routes, for the 404/405 fallback.
    pub route_table: RouteTable,
    pub readiness: Readiness,
    pub rate_limits: RateLimits,
    /// What this node knows of the content's latest change (`content::clock`).
    pub clock: Arc<ContentClock>,
    /// None when the response cache is off (`ORGCMS_RESPONSE_CACHE_MIB=0`).
    pub response_cache: Option<ResponseCache>,
    /// The OpenAPI document's bytes, as `/openapi.json` serves them.
    pub openapi_json: web::Bytes,
    /// Storage, links and the render limits of the media library.
    pub media: Arc<MediaLibrary>,
    /// Where webhooks may go and how they are retried.
    pub webhooks: crate::app::settings::WebhookSettings,
    pub api_keys: crate::app::settings::ApiKeySettings,
    /// What the revisions and the trash keep.
    pub retention: crate::app::settings::RetentionSettings,
    /// This node's budgets of the partner API keys, and their use not yet written.
    pub key_usage: Arc<crate::accounts::keys::usage::KeyUsage>,
    /// The instruments `GET /metrics` reports.
    pub metrics: Metrics,
    /// The read replicas anonymous reads may use (none unless configured).
    pub replicas: Arc<crate::db::replicas::Replicas>,
    /// What `GET /metrics` requires; None: it answers 404.
    pub metrics_token: Option<crate::app::settings::Secret>,
}

/// What handlers take: `state: State`.
pub type State = web::Data<AppState>;

impl AppState {
    /// The state the settings describe, around the pool and the document `openapi_json`.
    pub fn new(
        settings: &Settings,
        pool: DbPool,
        readiness: Readiness,
        route_table: RouteTable,
        openapi_json: web::Bytes,
        webhook_attempts: CounterBy<Outcome>,
    ) -> Result<Self, std::io::Error> {
        let response_cache = (settings.response_cache_mib > 0)
            .then(|| ResponseCache::new(settings.response_cache_mib));
        let media = Arc::new(MediaLibrary::new(
            settings.media.clone(),
            Storage::open(&settings.media.storage)
                .map_err(|e| std::io::Error::other(format!("media storage: {e}")))?,
            MediaLinks::new(settings.public_urls.base(), settings.media.presets.clone()),
        ));
        let replica_urls: Vec<String> = settings
            .database_replica_urls
            .iter()
            .map(|url| url.expose_secret().to_owned())
            .collect();
        // A replica that does not answer is left for the primary after a second, not after
        // the primary's whole connection timeout.
        let replica_timeout = settings.db_timeout.min(std::time::Duration::from_secs(1));
        let replicas = crate::db::replicas::Replicas::start(
            settings.database_url.expose_secret(),
            &replica_urls,
            settings.replicas,
            |url| {
                crate::db::build_pool(
                    url,
                    settings.db_pool_size,
                    replica_timeout,
                    settings.db_session,
                )
            },
        );
        let metrics = Metrics::new(Components {
            replicas: &replicas.stats,
            pool: &pool.stats,
            cache: response_cache.as_ref().map(|cache| &cache.stats),
            webhook_attempts: &webhook_attempts,
            media: &media.stats,
        });
        Ok(Self {
            pool: pool.clone(),
            locales: settings.locales.clone(),
            cache_policy: CachePolicy {
                max_age: settings.cache_max_age,
            },
            jwt: JwtKeys::new(&settings.jwt_secret)
                .map_err(|e| std::io::Error::other(format!("JWT keys: {e}")))?,
            login_limits: LoginLimits {
                max_failures: i64::from(settings.login_max_failures),
                window_seconds: i64::from(settings.login_window_seconds),
            },
            body_limit: settings.max_body_bytes as usize,
            body_timeout: settings.http.client_body,
            idempotency_ttl: IdempotencyTtl(chrono::Duration::hours(i64::from(
                settings.idempotency_ttl_hours,
            ))),
            public_urls: settings.public_urls.clone(),
            route_table,
            readiness,
            rate_limits: crate::http::middleware::rate_limit::RateLimits::new(
                settings.rate_limit_per_minute,
                settings.login_rate_limit_per_minute,
                settings.trusted_proxies.clone(),
            ),
            clock: ContentClock::start(settings.database_url.expose_secret().to_owned()),
            response_cache,
            openapi_json,
            media,
            webhooks: settings.webhooks.clone(),
            api_keys: settings.api_keys,
            retention: settings.retention,
            key_usage: crate::accounts::keys::usage::KeyUsage::start(
                pool.clone(),
                settings.api_keys.usage_flush,
            ),
            metrics,
            replicas,
            metrics_token: settings.metrics_token.clone(),
        })
    }

    /// Runs a read: a public one (`public`, no token) on a replica that has replayed both the
    /// change that started the current content generation and the client's
    /// `Consistency-Token`, when there is one; any other on the primary.
    pub async fn read<T, F>(&self, req: &HttpRequest, public: bool, work: F) -> Result<T, ApiError>
    where
        F: FnMut(&mut crate::db::DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let floor = public
            .then(|| self.clock.floor(chrono::Utc::now()))
            .flatten()
            .map(|floor| {
                crate::http::middleware::consistency::required(req).map_or(floor, |r| r.max(floor))
            });
        self.replicas.read(&self.pool, floor, work).await
    }

    /// The state of the application serving `req` (for extractors).
    pub fn of(req: &HttpRequest) -> Result<&Self, ApiError> {
        req.app_data::<State>()
            .map(|state| state.get_ref())
            .ok_or_else(|| ApiError::Internal("the application state is not configured".into()))
    }
}
