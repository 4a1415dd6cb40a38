//! Typed settings from the environment. Built once in `main` (or by a test) and passed explicitly.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::content::locale::Locales;
use crate::media::limits::ImageLimits;
use crate::media::variant::Preset;

/// Which rules apply to secrets: development has throw-away defaults, production has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// A value that must never be printed: `Debug` shows `[REDACTED]`, and the memory is zeroed
/// when dropped. Read it with [`ExposeSecret::expose_secret`].
pub use secrecy::{ExposeSecret, SecretString as Secret};

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: Secret,
    /// Streaming replicas of the database, which anonymous reads may use (`db::replicas`).
    pub database_replica_urls: Vec<Secret>,
    pub replicas: crate::db::replicas::ReplicaPolicy,
    pub bind: SocketAddr,
    pub environment: Environment,
    pub jwt_secret: Secret,
    /// The bearer token `GET /metrics` requires; the endpoint answers 404 without one.
    pub metrics_token: Option<Secret>,
    pub locales: Locales,
    pub db_pool_size: u32,
    /// How long a request waits for a database connection before it gets 503.
    pub db_timeout: Duration,
    /// What one statement of a request may cost the database (`statement_timeout`,
    /// `lock_timeout` of every pooled connection); over it, the request gets 503.
    pub db_session: DbSessionLimits,
    /// The first administrator, created or updated at start-up when both are set.
    pub admin_email: Option<String>,
    pub admin_password: Option<Secret>,
    /// Failed logins allowed per account from one client address within
    /// `login_window_seconds` (four times as many per address, and per account; see
    /// `auth::routes::LoginLimits`).
    pub login_max_failures: u32,
    pub login_window_seconds: u32,
    /// How long an `Idempotency-Key` is honoured, in hours; older keys count as absent.
    pub idempotency_ttl_hours: u32,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: u32,
    /// HTTP worker threads; None means one per core.
    pub workers: Option<usize>,
    /// Seconds anonymous readers (and caches) may reuse a response (`Cache-Control: max-age`).
    pub cache_max_age: u32,
    /// Memory for the in-process cache of anonymous reads, in MiB; 0 turns it off.
    pub response_cache_mib: u32,
    /// Requests a minute per client address (0: no limit), and for logins and refreshes.
    pub rate_limit_per_minute: u32,
    pub login_rate_limit_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// What absolute links (in feeds) are made of.
    pub public_urls: PublicUrls,
    /// The origins whose browser pages may call the API (`ORGCMS_CORS_ORIGINS`), normalized as
    /// browsers send them in `Origin`; empty: none (no CORS headers at all).
    pub cors_origins: Vec<String>,
    /// How the server treats slow or idle clients, and how it stops.
    pub http: HttpTimeouts,
    /// Uploaded files and their variants: where they are stored, how large they may be, which
    /// variants may be asked for.
    pub media: MediaSettings,
    /// Where webhooks may go, how their deliveries are retried, and whether this node relays.
    pub webhooks: WebhookSettings,
    /// Partner API keys: how long a rotated-out key works, how often use is written.
    pub api_keys: ApiKeySettings,
    /// Revisions and trash: what is kept, for how long, how often the rest is cleared.
    pub retention: RetentionSettings,
}

/// The partner API keys' settings.
#[derive(Clone, Copy, Debug)]
pub struct ApiKeySettings {
    /// How long a key replaced by a rotation keeps working.
    pub rotation_overlap: Duration,
    /// How often each node writes the keys' use (counts, last-used time).
    pub usage_flush: Duration,
}

/// What the editors' safety net keeps (`crate::content::retention`).
#[derive(Clone, Copy, Debug)]
pub struct RetentionSettings {
    /// Revisions kept per item besides those that were public and those pinned.
    pub revisions_keep: u32,
    /// How long a deleted item stays in the trash.
    pub trash_days: u32,
    /// How often each node prunes revisions and purges the trash; None: never (tests).
    pub sweep: Option<Duration>,
}

/// The webhook relay's settings.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Whether this node's `serve` runs a relay (every node may: they share the outbox).
    pub relay: bool,
    pub policy: crate::webhooks::ssrf::TargetPolicy,
    pub retry: crate::webhooks::schedule::RetrySchedule,
    /// The longest an attempt may take, connection to the last byte read.
    pub timeout: Duration,
    /// A subscription failing for this long (every attempt since its last success) is turned off.
    pub disable_after: Duration,
    /// How long a rotated-out secret keeps signing beside the new one.
    pub secret_overlap: Duration,
    /// How often the relay looks for due deliveries when no notification woke it.
    pub poll: Duration,
    /// Deliveries one relay sends at once.
    pub concurrency: usize,
    /// Events (and their deliveries) are kept this many days.
    pub retention_days: u32,
}

/// Uploads, their storage and the variants that may be rendered of them.
#[derive(Clone, Debug)]
pub struct MediaSettings {
    pub storage: StorageSettings,
    /// The largest upload, in bytes (`ORGCMS_MEDIA_MAX_UPLOAD_BYTES`); separate from the JSON
    /// body limit `max_body_bytes`.
    pub max_upload_bytes: u64,
    /// How large an image may be to be accepted at all (decompression bombs).
    pub limits: ImageLimits,
    /// The named sizes (`?preset=card`); their sizes are allowed as `w` and `h` too.
    pub presets: Vec<Preset>,
    /// The sizes `w` and `h` may take, ascending.
    pub widths: Vec<u32>,
    /// The qualities `q` may take, ascending; `default_quality` is one of them.
    pub qualities: Vec<u8>,
    pub default_quality: u8,
    /// Variants rendered at once by this process; more wait.
    pub render_concurrency: usize,
    /// How long one render may take before it is given up.
    pub render_timeout: Duration,
}

/// The presets when `ORGCMS_MEDIA_PRESETS` is unset.
pub const DEFAULT_MEDIA_PRESETS: &str = "thumb=320,card=640,hero=1600";
/// The sizes of `w` and `h` when `ORGCMS_MEDIA_WIDTHS` is unset.
pub const DEFAULT_MEDIA_WIDTHS: &str = "160,320,480,640,960,1280,1600,1920,2560";
/// The qualities of `q` when `ORGCMS_MEDIA_QUALITIES` is unset.
pub const DEFAULT_MEDIA_QUALITIES: &str = "50,60,70,75,80,90";

impl MediaSettings {
    /// Whether `w` or `h` may be `size`: one of `widths`, or a width or height of a preset.
    pub fn allows_size(&self, size: u32) -> bool {
        self.widths.contains(&size)
            || self
                .presets
                .iter()
                .any(|p| p.width == Some(size) || p.height == Some(size))
    }

    /// Every size `w` and `h` may take, ascending, for error messages and documentation.
    pub fn allowed_sizes(&self) -> Vec<u32> {
        let mut sizes = self.widths.clone();
        sizes.extend(
            self.presets
                .iter()
                .flat_map(|p| [p.width, p.height])
                .flatten(),
        );
        sizes.sort_unstable();
        sizes.dedup();
        sizes
    }

    /// The preset called `name`.
    pub fn preset(&self, name: &str) -> Option<&Preset> {
        self.presets.iter().find(|p| p.name == name)
    }
}

impl Default for MediaSettings {
    /// What an empty environment gives: a local folder `media`, the documented defaults.
    fn default() -> Self {
        Self {
            storage: StorageSettings::Local {
                root: PathBuf::from("media"),
            },
            max_upload_bytes: 32 << 20,
            limits: ImageLimits::default(),
            presets: Preset::parse_list(DEFAULT_MEDIA_PRESETS).unwrap_or_default(),
            widths: number_list(DEFAULT_MEDIA_WIDTHS).unwrap_or_default(),
            qualities: number_list(DEFAULT_MEDIA_QUALITIES).unwrap_or_default(),
            default_quality: 75,
            render_concurrency: cpus(),
            render_timeout: Duration::from_secs(20),
        }
    }
}

/// The number of CPUs this process may use, at least 1.
fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Where the files of media are stored (`ORGCMS_MEDIA_STORE`).
#[derive(Clone, Debug)]
pub enum StorageSettings {
    /// A folder of this machine (`ORGCMS_MEDIA_DIR`), created when missing; a relative path is
    /// relative to the working directory. Several nodes need a shared one, or S3.
    Local { root: PathBuf },
    /// A bucket of an S3-compatible store.
    S3 {
        bucket: String,
        /// A key prefix within the bucket, without leading or trailing `/`.
        prefix: Option<String>,
        /// The store's URL (MinIO, Ceph, R2, ...); `None` is AWS in `region`.
        endpoint: Option<String>,
        region: String,
        /// Both or neither; with neither, the credentials of the instance (AWS's metadata
        /// service).
        access_key_id: Option<String>,
        secret_access_key: Option<Secret>,
        /// Whether a plain `http://` endpoint is accepted (only for a store on a trusted
        /// network or a test server).
        allow_http: bool,
    },
}

/// The limits every pooled database session runs under. A statement that runs longer than
/// `statement_timeout`, or waits longer than `lock_timeout` for a lock (the content lock every
/// write takes, a row lock), is cancelled by PostgreSQL and the request answers 503.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DbSessionLimits {
    pub statement_timeout: Duration,
    pub lock_timeout: Duration,
}

/// The server's limits on slow and idle clients and on its own shutdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpTimeouts {
    /// A client must send the whole request head (line and headers) within this time of
    /// connecting or of its previous request, else 408 and the connection is closed.
    pub client_request: Duration,
    /// A request body must arrive in full within this time of the handler starting to read it,
    /// else 408 and the connection is closed.
    pub client_body: Duration,
    /// How long the server waits for a client to acknowledge the closing of a connection.
    pub client_disconnect: Duration,
    /// How long an idle keep-alive connection stays open; zero turns keep-alive off.
    pub keep_alive: Duration,
    /// After SIGTERM or SIGINT: how long `/readyz` answers 503 while the server still accepts
    /// requests (for load balancers to notice), before it stops accepting.
    pub shutdown_drain: Duration,
    /// Then how long requests already accepted have to finish before the process exits anyway.
    pub shutdown_timeout: Duration,
}

/// `ORGCMS_CORS_ORIGINS`: comma-separated exact origins (`https://www.example.org`), each
/// normalized as browsers send it in `Origin` (lower-case host, no default port, no trailing
/// slash). Wildcards, `null` and anything with a path, query or credentials are refused.
fn cors_origins(list: &str) -> Result<Vec<String>, ConfigError> {
    let mut origins: Vec<String> = Vec::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let error = |why: &str| {
            ConfigError(format!(
                "ORGCMS_CORS_ORIGINS: `{item}` {why} (list exact origins, e.g. \
                 https://www.example.org,https://app.example.org)"
            ))
        };
        if item.contains('*') || item == "null" {
            return Err(error("is not an exact origin"));
        }
        let url = http_url(item).map_err(|e| error(&e))?;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(error(
                "has a path, query or fragment; an origin is scheme, host and port",
            ));
        }
        let origin = url.origin().ascii_serialization();
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

/// What absolute links are made of: the API's external base URL (`ORGCMS_PUBLIC_URL`) and the
/// public web page of a news item (`ORGCMS_NEWS_URL_TEMPLATE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrls {
    /// An absolute http(s) URL without query, fragment or trailing slash.
    base: String,
    /// An absolute http(s) URL with `{slug}` where the item's slug goes.
    news_template: Option<String>,
}

/// What stands for the slug in `ORGCMS_NEWS_URL_TEMPLATE`.
pub const SLUG_PLACEHOLDER: &str = "{slug}";

impl PublicUrls {
    /// Checks both values; an error names the variable it is about.
    pub fn new(base: &str, news_template: Option<&str>) -> Result<Self, ConfigError> {
        let url = http_url(base.trim())
            .and_then(|url| {
                if url.query().is_some() || url.fragment().is_some() {
                    Err(format!("`{base}` must not have a query or a fragment"))
                } else {
                    Ok(url)
                }
            })
            .map_err(|e| {
                ConfigError(format!(
                    "ORGCMS_PUBLIC_URL: {e} (the API's external base URL, e.g. https://api.example.org)"
                ))
            })?;
        let news_template = news_template
            .map(|template| {
                let template = template.trim();
                if !template.contains(SLUG_PLACEHOLDER) {
                    return Err(format!("`{template}` must contain {SLUG_PLACEHOLDER}"));
                }
                if template
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control())
                {
                    return Err(format!("`{template}` must not contain spaces"));
                }
                http_url(&template.replace(SLUG_PLACEHOLDER, "example-slug"))
                    .map_err(|e| e.replace("example-slug", SLUG_PLACEHOLDER))?;
                Ok(template.to_owned())
            })
            .transpose()
            .map_err(|e| {
                ConfigError(format!(
                    "ORGCMS_NEWS_URL_TEMPLATE: {e} (the web page of a news item, e.g. \
                     https://www.example.org/news/{SLUG_PLACEHOLDER})"
                ))
            })?;
        Ok(Self {
            base: url.as_str().trim_end_matches('/').to_owned(),
            news_template,
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The absolute URL of a path of this API (`/api/v1/...`, with its query if any).
    pub fn api(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// The public page of a news item: the template with the item's slug, else the item in the
    /// API.
    pub fn news_item(&self, slug: &str) -> String {
        match &self.news_template {
            Some(template) => template.replace(SLUG_PLACEHOLDER, slug),
            None => self.api(&format!("/api/v1/news/{slug}")),
        }
    }
}

/// An absolute http(s) URL with a host and without credentials.
fn http_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text).map_err(|e| format!("`{text}` is not an absolute URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(format!("`{text}` is not an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("`{text}` must not contain credentials"));
    }
    Ok(url)
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

const MIN_PRODUCTION_SECRET_BYTES: usize = 32;

/// Without ORGCMS_JWT_SECRET, development signs with a random secret of this process: nothing
/// usable is written down anywhere, and tokens end when the process does.
fn random_secret() -> Result<Secret, ConfigError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ConfigError(format!("random secret: {e}")))?;
    Ok(Secret::from(
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    ))
}

/// The variables as clap reads them: each one's name, default and range next to its field.
/// `Settings::from_lookup` hands clap the values it looks up (clap never reads the process
/// environment itself), then checks what depends on several of them.
#[derive(clap::Parser)]
#[command(
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
struct Vars {
    #[arg(long, env = "ORGCMS_ENV", default_value = "development", value_parser = environment)]
    environment: Environment,
    #[arg(long, env = "DATABASE_URL", value_parser = secret)]
    database_url: Option<Secret>,
    #[arg(long, env = "ORGCMS_DATABASE_REPLICA_URLS", value_parser = secret)]
    database_replica_urls: Option<Secret>,
    #[arg(
        long,
        env = "ORGCMS_REPLICA_MAX_LAG_MS",
        default_value_t = 2000,
        value_parser = between(100, 600_000)
    )]
    replica_max_lag_ms: u32,
    #[arg(
        long,
        env = "ORGCMS_REPLICA_CHECK_MS",
        default_value_t = 250,
        value_parser = between(10, 60_000)
    )]
    replica_check_ms: u32,
    #[arg(long, env = "ORGCMS_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    #[arg(long, env = "ORGCMS_JWT_SECRET", value_parser = secret)]
    jwt_secret: Option<Secret>,
    #[arg(long, env = "ORGCMS_METRICS_TOKEN", value_parser = secret)]
    metrics_token: Option<Secret>,
    #[arg(long, env = "ORGCMS_ADMIN_EMAIL")]
    admin_email: Option<String>,
    #[arg(long, env = "ORGCMS_ADMIN_PASSWORD", value_parser = secret)]
    admin_password: Option<Secret>,
    #[arg(long, env = "ORGCMS_PUBLIC_URL")]
    public_url: Option<String>,
    #[arg(long, env = "ORGCMS_NEWS_URL_TEMPLATE")]
    news_url_template: Option<String>,
    #[arg(long, env = "ORGCMS_LOCALES", default_value = "en,uk", value_parser = locales)]
    locales: Locales,
    #[arg(long, env = "ORGCMS_DB_POOL_SIZE", default_value_t = 10, value_parser = between(1, 200))]
    db_pool_size: u32,
    #[arg(long, env = "ORGCMS_DB_TIMEOUT_SECS", default_value_t = 3, value_parser = between(1, 60))]
    db_timeout_secs: u32,
    #[arg(
        long,
        env = "ORGCMS_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 5000,
        value_parser = between(1, 3_600_000)
    )]
    db_statement_timeout_ms: u32,
    #[arg(
        long,
        env = "ORGCMS_DB_LOCK_TIMEOUT_MS",
        default_value_t = 2000,
        value_parser = between(1, 3_600_000)
    )]
    db_lock_timeout_ms: u32,
    #[arg(long, env = "ORGCMS_CACHE_MAX_AGE", default_value_t = 60, value_parser = between(0, 86_400))]
    cache_max_age: u32,
    #[arg(long, env = "ORGCMS_RESPONSE_CACHE_MIB", default_value_t = 16, value_parser = between(0, 4096))]
    response_cache_mib: u32,
    #[arg(
        long,
        env = "ORGCMS_RATE_LIMIT_PER_MINUTE",
        default_value_t = 1200,
        value_parser = between(0, 1_000_000)
    )]
    rate_limit_per_minute: u32,
    #[arg(
        long,
        env = "ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE",
        default_value_t = 10,
        value_parser = between(0, 10_000)
    )]
    login_rate_limit_per_minute: u32,
    #[arg(long, env = "ORGCMS_TRUSTED_PROXIES", value_parser = ip_addresses)]
    trusted_proxies: Option<IpAddresses>,
    #[arg(long, env = "ORGCMS_LOGIN_MAX_FAILURES", default_value_t = 5, value_parser = between(1, 1000))]
    login_max_failures: u32,
    #[arg(long, env = "ORGCMS_LOGIN_WINDOW_SECS", default_value_t = 900, value_parser = between(1, 86_400))]
    login_window_secs: u32,
    #[arg(long, env = "ORGCMS_IDEMPOTENCY_TTL_HOURS", default_value_t = 24, value_parser = between(1, 8760))]
    idempotency_ttl_hours: u32,
    #[arg(
        long,
        env = "ORGCMS_MAX_BODY_BYTES",
        default_value_t = 1 << 20,
        value_parser = between(1024, 64 << 20)
    )]
    max_body_bytes: u32,
    /// None: one per core.
    #[arg(long, env = "ORGCMS_WORKERS", value_parser = between(1, 256))]
    workers: Option<u32>,
    #[arg(long, env = "ORGCMS_CORS_ORIGINS")]
    cors_origins: Option<String>,
    #[arg(
        long,
        env = "ORGCMS_CLIENT_REQUEST_TIMEOUT_SECS",
        default_value_t = 5,
        value_parser = between(1, 300)
    )]
    client_request_timeout_secs: u32,
    #[arg(
        long,
        env = "ORGCMS_CLIENT_BODY_TIMEOUT_SECS",
        default_value_t = 10,
        value_parser = between(1, 3600)
    )]
    client_body_timeout_secs: u32,
    #[arg(
        long,
        env = "ORGCMS_CLIENT_DISCONNECT_TIMEOUT_SECS",
        default_value_t = 1,
        value_parser = between(0, 60)
    )]
    client_disconnect_timeout_secs: u32,
    #[arg(long, env = "ORGCMS_KEEP_ALIVE_SECS", default_value_t = 5, value_parser = between(0, 3600))]
    keep_alive_secs: u32,
    #[arg(long, env = "ORGCMS_SHUTDOWN_DRAIN_SECS", default_value_t = 0, value_parser = between(0, 300))]
    shutdown_drain_secs: u32,
    #[arg(
        long,
        env = "ORGCMS_SHUTDOWN_TIMEOUT_SECS",
        default_value_t = 30,
        value_parser = between(1, 3600)
    )]
    shutdown_timeout_secs: u32,
    #[arg(long, env = "ORGCMS_MEDIA_STORE", default_value = "local", value_parser = media_store)]
    media_store: MediaStore,
    #[arg(long, env = "ORGCMS_MEDIA_DIR", default_value = "media")]
    media_dir: PathBuf,
    #[arg(long, env = "ORGCMS_S3_BUCKET")]
    s3_bucket: Option<String>,
    #[arg(long, env = "ORGCMS_S3_PREFIX")]
    s3_prefix: Option<String>,
    #[arg(long, env = "ORGCMS_S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    #[arg(long, env = "ORGCMS_S3_REGION")]
    s3_region: Option<String>,
    #[arg(long, env = "ORGCMS_S3_ACCESS_KEY_ID")]
    s3_access_key_id: Option<String>,
    #[arg(long, env = "ORGCMS_S3_SECRET_ACCESS_KEY", value_parser = secret)]
    s3_secret_access_key: Option<Secret>,
    #[arg(
        long,
        env = "ORGCMS_S3_ALLOW_HTTP",
        default_value = "false",
        value_parser = boolean,
        action = clap::ArgAction::Set
    )]
    s3_allow_http: bool,
    #[arg(
        long,
        env = "ORGCMS_MEDIA_MAX_UPLOAD_BYTES",
        default_value_t = 32 << 20,
        value_parser = between_u64(1024, 4 << 30)
    )]
    media_max_upload_bytes: u64,
    #[arg(
        long,
        env = "ORGCMS_MEDIA_MAX_PIXELS",
        default_value_t = 50_000_000,
        value_parser = between_u64(1, 1_000_000_000)
    )]
    media_max_pixels: u64,
    #[arg(long, env = "ORGCMS_MEDIA_MAX_DIMENSION", default_value_t = 12_000, value_parser = between(1, 65_535))]
    media_max_dimension: u32,
    #[arg(long, env = "ORGCMS_MEDIA_MAX_FRAMES", default_value_t = 500, value_parser = between(1, 100_000))]
    media_max_frames: u32,
    #[arg(
        long,
        env = "ORGCMS_MEDIA_MAX_DECODE_BYTES",
        default_value_t = 256 << 20,
        value_parser = between_u64(1 << 20, 64 << 30)
    )]
    media_max_decode_bytes: u64,
    #[arg(long, env = "ORGCMS_MEDIA_PRESETS", default_value = DEFAULT_MEDIA_PRESETS, value_parser = presets)]
    media_presets: Presets,
    #[arg(long, env = "ORGCMS_MEDIA_WIDTHS", default_value = DEFAULT_MEDIA_WIDTHS, value_parser = widths)]
    media_widths: Numbers<u32>,
    #[arg(long, env = "ORGCMS_MEDIA_QUALITIES", default_value = DEFAULT_MEDIA_QUALITIES, value_parser = qualities)]
    media_qualities: Numbers<u8>,
    #[arg(long, env = "ORGCMS_MEDIA_DEFAULT_QUALITY", default_value_t = 75, value_parser = between(1, 100))]
    media_default_quality: u32,
    /// None: one per CPU.
    #[arg(long, env = "ORGCMS_MEDIA_RENDER_CONCURRENCY", value_parser = between(1, 256))]
    media_render_concurrency: Option<u32>,
    #[arg(
        long,
        env = "ORGCMS_MEDIA_RENDER_TIMEOUT_SECONDS",
        default_value_t = 20,
        value_parser = between(1, 600)
    )]
    media_render_timeout_seconds: u32,
    #[arg(long, env = "ORGCMS_WEBHOOK_RELAY", default_value = "true", value_parser = boolean, action = clap::ArgAction::Set)]
    webhook_relay: bool,
    #[arg(long, env = "ORGCMS_WEBHOOK_ALLOW_HTTP", default_value = "false", value_parser = boolean, action = clap::ArgAction::Set)]
    webhook_allow_http: bool,
    #[arg(long, env = "ORGCMS_WEBHOOK_ALLOW_LOOPBACK", default_value = "false", value_parser = boolean, action = clap::ArgAction::Set)]
    webhook_allow_loopback: bool,
    #[arg(long, env = "ORGCMS_WEBHOOK_RETRY_SCHEDULE", default_value = "5s,5m,30m,2h,5h,10h,10h", value_parser = retry_schedule)]
    webhook_retry_schedule: crate::webhooks::schedule::RetrySchedule,
    #[arg(long, env = "ORGCMS_WEBHOOK_TIMEOUT_MS", default_value_t = 15_000, value_parser = between(100, 60_000))]
    webhook_timeout_ms: u32,
    #[arg(long, env = "ORGCMS_WEBHOOK_DISABLE_AFTER_SECS", default_value_t = 5 * 24 * 3600, value_parser = between(1, 90 * 24 * 3600))]
    webhook_disable_after_secs: u32,
    #[arg(long, env = "ORGCMS_WEBHOOK_SECRET_OVERLAP_SECS", default_value_t = 24 * 3600, value_parser = between(0, 30 * 24 * 3600))]
    webhook_secret_overlap_secs: u32,
    #[arg(long, env = "ORGCMS_WEBHOOK_POLL_MS", default_value_t = 1000, value_parser = between(10, 60_000))]
    webhook_poll_ms: u32,
    #[arg(long, env = "ORGCMS_WEBHOOK_CONCURRENCY", default_value_t = 16, value_parser = between(1, 256))]
    webhook_concurrency: u32,
    #[arg(long, env = "ORGCMS_WEBHOOK_RETENTION_DAYS", default_value_t = 30, value_parser = between(1, 3650))]
    webhook_retention_days: u32,
    #[arg(long, env = "ORGCMS_API_KEY_ROTATION_OVERLAP_SECS", default_value_t = 24 * 3600, value_parser = between(0, 30 * 24 * 3600))]
    api_key_rotation_overlap_secs: u32,
    #[arg(long, env = "ORGCMS_API_KEY_USAGE_FLUSH_MS", default_value_t = 10_000, value_parser = between(10, 600_000))]
    api_key_usage_flush_ms: u32,
    #[arg(long, env = "ORGCMS_REVISIONS_KEEP", default_value_t = 50, value_parser = between(1, 100_000))]
    revisions_keep: u32,
    #[arg(long, env = "ORGCMS_TRASH_RETENTION_DAYS", default_value_t = 30, value_parser = between(1, 3650))]
    trash_retention_days: u32,
    /// 0 turns the periodic sweep off (`orgcms retention-sweep` still does it).
    #[arg(long, env = "ORGCMS_RETENTION_SWEEP_MS", default_value_t = 3_600_000, value_parser = between(0, 86_400_000))]
    retention_sweep_ms: u32,
}

fn retry_schedule(value: &str) -> Result<crate::webhooks::schedule::RetrySchedule, Invalid> {
    value.parse().map_err(Invalid::Cause)
}

/// Why a value is refused; the message names the variable first.
#[derive(Debug, thiserror::Error)]
enum Invalid {
    /// `NAME must be ...`
    #[error("must {0}")]
    Must(String),
    /// `NAME: cause`
    #[error("{0}")]
    Cause(String),
}

fn environment(value: &str) -> Result<Environment, Invalid> {
    match value {
        "development" => Ok(Environment::Development),
        "production" => Ok(Environment::Production),
        other => Err(Invalid::Must(format!(
            "be `development` or `production`, not `{other}`"
        ))),
    }
}

fn secret(value: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::from(value))
}

fn locales(value: &str) -> Result<Locales, Invalid> {
    Locales::parse(value).map_err(Invalid::Cause)
}

/// A whole number within `min..=max`.
fn between(min: u32, max: u32) -> impl Fn(&str) -> Result<u32, Invalid> + Clone {
    move |value| {
        let number = value
            .parse::<u32>()
            .map_err(|e| Invalid::Cause(e.to_string()))?;
        if (min..=max).contains(&number) {
            Ok(number)
        } else {
            Err(Invalid::Must(format!("be between {min} and {max}")))
        }
    }
}

/// A whole number within `min..=max`, of 64 bits.
fn between_u64(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, Invalid> + Clone {
    move |value| {
        let number = value
            .parse::<u64>()
            .map_err(|e| Invalid::Cause(e.to_string()))?;
        if (min..=max).contains(&number) {
            Ok(number)
        } else {
            Err(Invalid::Must(format!("be between {min} and {max}")))
        }
    }
}

fn boolean(value: &str) -> Result<bool, Invalid> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(Invalid::Must(format!(
            "be `true` or `false`, not `{other}`"
        ))),
    }
}

/// `ORGCMS_MEDIA_STORE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MediaStore {
    Local,
    S3,
}

fn media_store(value: &str) -> Result<MediaStore, Invalid> {
    match value {
        "local" => Ok(MediaStore::Local),
        "s3" => Ok(MediaStore::S3),
        other => Err(Invalid::Must(format!("be `local` or `s3`, not `{other}`"))),
    }
}

/// `ORGCMS_MEDIA_PRESETS`: comma-separated `name=<width>[x<height>][:<fit>]`.
#[derive(Clone)]
struct Presets(Vec<Preset>);

fn presets(list: &str) -> Result<Presets, Invalid> {
    Preset::parse_list(list)
        .map(Presets)
        .map_err(Invalid::Cause)
}

/// A comma-separated list of whole numbers, ascending without repeats once read.
#[derive(Clone)]
struct Numbers<T>(Vec<T>);

fn number_list<T: std::str::FromStr + Ord>(list: &str) -> Result<Vec<T>, String> {
    let mut numbers = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.parse::<T>() {
            Ok(n) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
            _ => Err(format!("`{s}` is not a whole number")),
        })
        .collect::<Result<Vec<T>, String>>()?;
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.is_empty() {
        return Err("lists no number".into());
    }
    Ok(numbers)
}

/// `ORGCMS_MEDIA_WIDTHS`: sizes of at least 1 (their upper bound is `ORGCMS_MEDIA_MAX_DIMENSION`,
/// checked with it).
fn widths(list: &str) -> Result<Numbers<u32>, Invalid> {
    let widths = number_list::<u32>(list).map_err(Invalid::Cause)?;
    if widths.first() == Some(&0) {
        return Err(Invalid::Cause("a size is at least 1".into()));
    }
    Ok(Numbers(widths))
}

/// `ORGCMS_MEDIA_QUALITIES`: qualities from 1 to 100.
fn qualities(list: &str) -> Result<Numbers<u8>, Invalid> {
    let qualities = number_list::<u8>(list).map_err(|_| {
        Invalid::Must("be comma-separated qualities from 1 to 100, e.g. 50,75,90".into())
    })?;
    if qualities.first() == Some(&0) || qualities.last().is_some_and(|q| *q > 100) {
        return Err(Invalid::Must(
            "be comma-separated qualities from 1 to 100, e.g. 50,75,90".into(),
        ));
    }
    Ok(Numbers(qualities))
}

/// The checks of the media variables that depend on several of them.
fn media_settings(vars: &mut Vars) -> Result<MediaSettings, ConfigError> {
    let limits = ImageLimits {
        max_pixels: vars.media_max_pixels,
        max_dimension: vars.media_max_dimension,
        max_frames: vars.media_max_frames,
        max_decode_bytes: vars.media_max_decode_bytes,
    };
    let max = limits.max_dimension;
    let widths = std::mem::take(&mut vars.media_widths.0);
    if let Some(too_large) = widths.iter().find(|w| **w > max) {
        return Err(ConfigError(format!(
            "ORGCMS_MEDIA_WIDTHS: {too_large} is larger than ORGCMS_MEDIA_MAX_DIMENSION ({max})"
        )));
    }
    let presets = std::mem::take(&mut vars.media_presets.0);
    for preset in &presets {
        if let Some(too_large) = [preset.width, preset.height]
            .into_iter()
            .flatten()
            .find(|s| *s > max)
        {
            return Err(ConfigError(format!(
                "ORGCMS_MEDIA_PRESETS: preset `{}` has the size {too_large}, larger than \
                 ORGCMS_MEDIA_MAX_DIMENSION ({max})",
                preset.name
            )));
        }
    }
    let qualities = std::mem::take(&mut vars.media_qualities.0);
    // The range is checked by clap.
    let default_quality = u8::try_from(vars.media_default_quality).unwrap_or(75);
    if !qualities.contains(&default_quality) {
        return Err(ConfigError(format!(
            "ORGCMS_MEDIA_DEFAULT_QUALITY ({default_quality}) must be one of \
             ORGCMS_MEDIA_QUALITIES ({})",
            join(&qualities)
        )));
    }
    Ok(MediaSettings {
        storage: storage_settings(vars)?,
        max_upload_bytes: vars.media_max_upload_bytes,
        limits,
        presets,
        widths,
        qualities,
        default_quality,
        render_concurrency: vars
            .media_render_concurrency
            .map_or_else(cpus, |n| n as usize),
        render_timeout: secs(vars.media_render_timeout_seconds),
    })
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `ORGCMS_MEDIA_STORE` and what goes with it. The `ORGCMS_S3_*` variables are refused with a
/// local store: set without `ORGCMS_MEDIA_STORE=s3`, they would otherwise leave the files on the
/// local disk of a node that is meant to keep none.
fn storage_settings(vars: &mut Vars) -> Result<StorageSettings, ConfigError> {
    let s3_vars = [
        ("ORGCMS_S3_BUCKET", vars.s3_bucket.is_some()),
        ("ORGCMS_S3_PREFIX", vars.s3_prefix.is_some()),
        ("ORGCMS_S3_ENDPOINT", vars.s3_endpoint.is_some()),
        ("ORGCMS_S3_REGION", vars.s3_region.is_some()),
        ("ORGCMS_S3_ACCESS_KEY_ID", vars.s3_access_key_id.is_some()),
        (
            "ORGCMS_S3_SECRET_ACCESS_KEY",
            vars.s3_secret_access_key.is_some(),
        ),
        ("ORGCMS_S3_ALLOW_HTTP", vars.s3_allow_http),
    ];
    if vars.media_store == MediaStore::Local {
        if let Some((name, _)) = s3_vars.iter().find(|(_, set)| *set) {
            return Err(ConfigError(format!(
                "{name} is set but ORGCMS_MEDIA_STORE is `local` (set ORGCMS_MEDIA_STORE=s3 \
                 to store media in S3, or unset the ORGCMS_S3_ variables)"
            )));
        }
        return Ok(StorageSettings::Local {
            root: vars.media_dir.clone(),
        });
    }
    let bucket = vars.s3_bucket.take().ok_or_else(|| {
        ConfigError("ORGCMS_S3_BUCKET is required with ORGCMS_MEDIA_STORE=s3".into())
    })?;
    let bucket = bucket.trim().to_owned();
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-'))
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !bucket_ok {
        return Err(ConfigError(format!(
            "ORGCMS_S3_BUCKET: `{bucket}` is not a bucket name (3 to 63 of a-z, 0-9, `.` and \
             `-`, starting and ending with a letter or digit)"
        )));
    }
    let prefix = match vars.s3_prefix.take() {
        Some(prefix) => {
            let trimmed = prefix.trim().trim_matches('/');
            if !crate::media::storage::is_valid_key(trimmed) {
                return Err(ConfigError(format!(
                    "ORGCMS_S3_PREFIX: `{prefix}` must be segments of a-z, 0-9, `.`, `_` and \
                     `-` separated by `/`, e.g. orgcms/media"
                )));
            }
            Some(trimmed.to_owned())
        }
        None => None,
    };
    let allow_http = vars.s3_allow_http;
    let endpoint = match vars.s3_endpoint.take() {
        Some(endpoint) => {
            // Never echoed when it carries credentials: the message goes to the log.
            if url::Url::parse(endpoint.trim())
                .is_ok_and(|url| !url.username().is_empty() || url.password().is_some())
            {
                return Err(ConfigError(
                    "ORGCMS_S3_ENDPOINT must not contain credentials (they go in \
                     ORGCMS_S3_ACCESS_KEY_ID and ORGCMS_S3_SECRET_ACCESS_KEY)"
                        .into(),
                ));
            }
            let url = http_url(endpoint.trim())
                .and_then(|url| {
                    if url.query().is_some() || url.fragment().is_some() {
                        Err(format!("`{endpoint}` must not have a query or a fragment"))
                    } else {
                        Ok(url)
                    }
                })
                .map_err(|e| {
                    ConfigError(format!(
                        "ORGCMS_S3_ENDPOINT: {e} (the store's URL, e.g. https://s3.example.org)"
                    ))
                })?;
            if url.scheme() == "http" && !allow_http {
                return Err(ConfigError(format!(
                    "ORGCMS_S3_ENDPOINT: `{endpoint}` is plain http, which sends the media and \
                     the signed requests unencrypted; use https, or set ORGCMS_S3_ALLOW_HTTP=true \
                     for a store on a trusted network"
                )));
            }
            Some(url.as_str().trim_end_matches('/').to_owned())
        }
        None => None,
    };
    let region = vars
        .s3_region
        .take()
        .map(|r| r.trim().to_owned())
        .unwrap_or_else(|| "us-east-1".to_owned());
    if !region
        .bytes()
        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
    {
        return Err(ConfigError(format!(
            "ORGCMS_S3_REGION: `{region}` is not a region name (a-z, 0-9 and `-`, e.g. eu-west-1)"
        )));
    }
    let access_key_id = vars.s3_access_key_id.take().map(|k| k.trim().to_owned());
    let secret_access_key = vars.s3_secret_access_key.take();
    if access_key_id.is_some() != secret_access_key.is_some() {
        return Err(ConfigError(
            "ORGCMS_S3_ACCESS_KEY_ID and ORGCMS_S3_SECRET_ACCESS_KEY go together".into(),
        ));
    }
    Ok(StorageSettings::S3 {
        bucket,
        prefix,
        endpoint,
        region,
        access_key_id,
        secret_access_key,
        allow_http,
    })
}

/// `ORGCMS_TRUSTED_PROXIES`: comma-separated IP addresses.
#[derive(Clone)]
struct IpAddresses(Vec<IpAddr>);

fn ip_addresses(list: &str) -> Result<IpAddresses, Invalid> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| Invalid::Cause(format!("`{s}` is not an IP address")))
        })
        .collect::<Result<_, _>>()
        .map(IpAddresses)
}

impl Vars {
    /// Parses what `lookup` finds for each variable; blank values count as unset.
    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let command = <Self as clap::CommandFactory>::command();
        // (the option, its variable)
        let vars: Vec<(String, String)> = command
            .get_arguments()
            .filter_map(|arg| {
                let env = arg.get_env()?.to_str()?.to_owned();
                Some((arg.get_long()?.to_owned(), env))
            })
            .collect();
        let args: Vec<String> = vars
            .iter()
            .filter_map(|(long, env)| {
                let value = lookup(env).filter(|v| !v.trim().is_empty())?;
                Some(format!("--{long}={value}"))
            })
            .collect();
        let mut command = command.mut_args(|arg| arg.env(None));
        command.build();
        // (the argument as clap's errors print it, its variable)
        let names: Vec<(String, String)> = command
            .get_arguments()
            .filter_map(|arg| {
                let long = arg.get_long()?;
                let (_, env) = vars.iter().find(|(l, _)| l == long)?;
                Some((arg.to_string(), env.clone()))
            })
            .collect();
        let matches = command
            .try_get_matches_from(args)
            .map_err(|e| clap_error(&e, &names))?;
        <Self as clap::FromArgMatches>::from_arg_matches(&matches)
            .map_err(|e| clap_error(&e, &names))
    }
}

/// The message of a refused value, in the words of the variable (`NAME must ...`,
/// `NAME: cause`), never in those of the command-line option clap was handed.
fn clap_error(error: &clap::Error, names: &[(String, String)]) -> ConfigError {
    use clap::error::{ContextKind, ContextValue};
    let name = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => names.iter().find(|(a, _)| a == arg).map(|(_, n)| n),
        _ => None,
    };
    let cause = std::error::Error::source(error);
    match (name, cause) {
        (Some(name), Some(cause)) => match cause.downcast_ref::<Invalid>() {
            Some(invalid @ Invalid::Must(_)) => ConfigError(format!("{name} {invalid}")),
            _ => ConfigError(format!("{name}: {cause}")),
        },
        _ => ConfigError(error.to_string()),
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply an environment of their own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut vars = Vars::from_lookup(lookup)?;
        let media = media_settings(&mut vars)?;
        let environment = vars.environment;
        let database_url = vars.database_url.ok_or_else(|| {
            ConfigError(
                "DATABASE_URL is not set (scripts/serve starts a private PostgreSQL and sets it)"
                    .into(),
            )
        })?;
        let bind = vars.bind;
        let jwt_secret = match (vars.jwt_secret, environment) {
            (Some(s), Environment::Production)
                if s.expose_secret().len() < MIN_PRODUCTION_SECRET_BYTES =>
            {
                return Err(ConfigError(format!(
                    "ORGCMS_JWT_SECRET must be at least {MIN_PRODUCTION_SECRET_BYTES} bytes in production"
                )))
            }
            (Some(s), _) => s,
            (None, Environment::Production) => {
                return Err(ConfigError(
                    "ORGCMS_JWT_SECRET is required in production".into(),
                ))
            }
            (None, Environment::Development) => random_secret()?,
        };
        if environment == Environment::Production
            && vars
                .metrics_token
                .as_ref()
                .is_some_and(|t| t.expose_secret().len() < MIN_PRODUCTION_SECRET_BYTES)
        {
            return Err(ConfigError(format!(
                "ORGCMS_METRICS_TOKEN must be at least {MIN_PRODUCTION_SECRET_BYTES} bytes in production"
            )));
        }
        if vars.admin_email.is_some() != vars.admin_password.is_some() {
            return Err(ConfigError(
                "ORGCMS_ADMIN_EMAIL and ORGCMS_ADMIN_PASSWORD go together".into(),
            ));
        }
        if let Some(weakness) = vars
            .admin_password
            .as_ref()
            .and_then(|p| crate::accounts::auth::password::weakness(p.expose_secret()))
        {
            return Err(ConfigError(format!("ORGCMS_ADMIN_PASSWORD {weakness}")));
        }
        let public_url =
            match (vars.public_url, environment) {
                (Some(url), _) => url,
                (None, Environment::Development) => format!("http://{bind}"),
                (None, Environment::Production) => return Err(ConfigError(
                    "ORGCMS_PUBLIC_URL is required in production (the API's external base URL, \
                     e.g. https://api.example.org)"
                        .into(),
                )),
            };
        let public_urls = PublicUrls::new(&public_url, vars.news_url_template.as_deref())?;
        if environment == Environment::Production
            && (vars.webhook_allow_http || vars.webhook_allow_loopback)
        {
            return Err(ConfigError(
                "ORGCMS_WEBHOOK_ALLOW_HTTP and ORGCMS_WEBHOOK_ALLOW_LOOPBACK are for development \
                 and tests: production sends webhooks over HTTPS to public addresses only"
                    .into(),
            ));
        }
        let webhooks = WebhookSettings {
            relay: vars.webhook_relay,
            policy: crate::webhooks::ssrf::TargetPolicy {
                allow_http: vars.webhook_allow_http,
                allow_loopback: vars.webhook_allow_loopback,
            },
            retry: vars.webhook_retry_schedule.clone(),
            timeout: millis(vars.webhook_timeout_ms),
            disable_after: secs(vars.webhook_disable_after_secs),
            secret_overlap: secs(vars.webhook_secret_overlap_secs),
            poll: millis(vars.webhook_poll_ms),
            concurrency: vars.webhook_concurrency as usize,
            retention_days: vars.webhook_retention_days,
        };
        // Comma-separated; spaces and empty entries (a trailing comma) are not addresses.
        let database_replica_urls = vars
            .database_replica_urls
            .map(|list| {
                list.expose_secret()
                    .split(',')
                    .map(str::trim)
                    .filter(|url| !url.is_empty())
                    .map(Secret::from)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            database_url,
            database_replica_urls,
            replicas: crate::db::replicas::ReplicaPolicy {
                max_lag: millis(vars.replica_max_lag_ms),
                check_interval: millis(vars.replica_check_ms),
            },
            bind,
            environment,
            jwt_secret,
            metrics_token: vars.metrics_token,
            locales: vars.locales,
            db_pool_size: vars.db_pool_size,
            db_timeout: secs(vars.db_timeout_secs),
            db_session: DbSessionLimits {
                statement_timeout: millis(vars.db_statement_timeout_ms),
                lock_timeout: millis(vars.db_lock_timeout_ms),
            },
            cache_max_age: vars.cache_max_age,
            response_cache_mib: vars.response_cache_mib,
            rate_limit_per_minute: vars.rate_limit_per_minute,
            login_rate_limit_per_minute: vars.login_rate_limit_per_minute,
            trusted_proxies: vars.trusted_proxies.map(|l| l.0).unwrap_or_default(),
            admin_email: vars.admin_email.map(|e| e.trim().to_lowercase()),
            admin_password: vars.admin_password,
            login_max_failures: vars.login_max_failures,
            login_window_seconds: vars.login_window_secs,
            idempotency_ttl_hours: vars.idempotency_ttl_hours,
            max_body_bytes: vars.max_body_bytes,
            workers: vars.workers.map(|w| w as usize),
            public_urls,
            cors_origins: cors_origins(&vars.cors_origins.unwrap_or_default())?,
            http: HttpTimeouts {
                client_request: secs(vars.client_request_timeout_secs),
                client_body: secs(vars.client_body_timeout_secs),
                client_disconnect: secs(vars.client_disconnect_timeout_secs),
                keep_alive: secs(vars.keep_alive_secs),
                shutdown_drain: secs(vars.shutdown_drain_secs),
                shutdown_timeout: secs(vars.shutdown_timeout_secs),
            },
            media,
            webhooks,
            api_keys: ApiKeySettings {
                rotation_overlap: secs(vars.api_key_rotation_overlap_secs),
                usage_flush: millis(vars.api_key_usage_flush_ms),
            },
            retention: RetentionSettings {
                revisions_keep: vars.revisions_keep,
                trash_days: vars.trash_retention_days,
                sweep: (vars.retention_sweep_ms > 0).then(|| millis(vars.retention_sweep_ms)),
            },
        })
    }
}

fn secs(value: u32) -> Duration {
    Duration::from_secs(u64::from(value))
}

fn millis(value: u32) -> Duration {
    Duration::from_millis(u64::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://localhost/x");

    #[test]
    fn replicas_are_a_comma_separated_list_with_a_lag_bound() {
        let none = settings(&[DB]).unwrap();
        assert!(none.database_replica_urls.is_empty());
        assert_eq!(none.replicas.max_lag, Duration::from_secs(2));
        let urls = |s: &Settings| -> Vec<String> {
            s.database_replica_urls
                .iter()
                .map(|u| u.expose_secret().to_owned())
                .collect()
        };
        let two = settings(&[
            DB,
            (
                "ORGCMS_DATABASE_REPLICA_URLS",
                " postgres://r1/x , postgres://r2/x?sslmode=require,",
            ),
            ("ORGCMS_REPLICA_MAX_LAG_MS", "500"),
            ("ORGCMS_REPLICA_CHECK_MS", "100"),
        ])
        .unwrap();
        assert_eq!(
            urls(&two),
            ["postgres://r1/x", "postgres://r2/x?sslmode=require"]
        );
        assert_eq!(two.replicas.max_lag, Duration::from_millis(500));
        assert_eq!(two.replicas.check_interval, Duration::from_millis(100));
        for (name, bad) in [
            ("ORGCMS_REPLICA_MAX_LAG_MS", "50"),
            ("ORGCMS_REPLICA_MAX_LAG_MS", "soon"),
            ("ORGCMS_REPLICA_CHECK_MS", "0"),
        ] {
            let error = settings(&[DB, (name, bad)]).unwrap_err().0;
            assert!(error.contains(name), "{error}");
        }
        // The addresses, which may hold passwords, are not printed.
        assert!(!format!("{two:?}").contains("postgres://r1"));
    }

    #[test]
    fn rate_limits_and_trusted_proxies() {
        let s = settings(&[DB]).unwrap();
        assert_eq!(
            (s.rate_limit_per_minute, s.login_rate_limit_per_minute),
            (1200, 10)
        );
        assert!(s.trusted_proxies.is_empty());
        let s = settings(&[
            DB,
            ("ORGCMS_RATE_LIMIT_PER_MINUTE", "0"),
            ("ORGCMS_TRUSTED_PROXIES", "10.0.0.1, ::1"),
        ])
        .unwrap();
        assert_eq!(s.rate_limit_per_minute, 0);
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(settings(&[DB, ("ORGCMS_TRUSTED_PROXIES", "10.0.0.0/8")]).is_err());
        assert!(settings(&[DB, ("ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE", "-1")]).is_err());
    }

    #[test]
    fn idempotency_keys_expire_after_a_day_unless_told() {
        assert_eq!(settings(&[DB]).unwrap().idempotency_ttl_hours, 24);
        let s = settings(&[DB, ("ORGCMS_IDEMPOTENCY_TTL_HOURS", "2")]).unwrap();
        assert_eq!(s.idempotency_ttl_hours, 2);
        for bad in ["0", "-1", "8761", "a day"] {
            assert!(settings(&[DB, ("ORGCMS_IDEMPOTENCY_TTL_HOURS", bad)]).is_err());
        }
    }

    #[test]
    fn development_defaults() {
        let s = settings(&[DB]).unwrap();
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.locales.default(), "en");
        assert_eq!(s.locales.all(), ["en", "uk"]);
        assert_eq!(s.jwt_secret.expose_secret().len(), 64, "a random secret");
        let again = settings(&[DB]).unwrap();
        assert_ne!(
            s.jwt_secret.expose_secret(),
            again.jwt_secret.expose_secret(),
            "never a fixed one"
        );
    }

    #[test]
    fn production_refuses_missing_or_weak_secret() {
        let prod = ("ORGCMS_ENV", "production");
        assert!(settings(&[DB, prod]).is_err());
        assert!(settings(&[DB, prod, ("ORGCMS_JWT_SECRET", "short")]).is_err());
        let strong = "0123456789abcdef0123456789abcdef";
        let url = ("ORGCMS_PUBLIC_URL", "https://api.example.org");
        assert!(settings(&[DB, prod, url]).is_err());
        assert!(settings(&[DB, prod, url, ("ORGCMS_JWT_SECRET", "short")]).is_err());
        assert!(settings(&[DB, prod, url, ("ORGCMS_JWT_SECRET", strong)]).is_ok());
    }

    #[test]
    fn rejects_bad_values() {
        assert!(settings(&[]).is_err());
        assert!(settings(&[DB, ("ORGCMS_ENV", "staging")]).is_err());
        assert!(settings(&[DB, ("ORGCMS_BIND", "nowhere")]).is_err());
        assert!(settings(&[DB, ("ORGCMS_LOCALES", "en,,EN!")]).is_err());
        assert!(settings(&[DB, ("ORGCMS_DB_POOL_SIZE", "0")]).is_err());
        assert!(settings(&[DB, ("ORGCMS_ADMIN_EMAIL", "a@b.c")]).is_err());
        assert!(settings(&[
            DB,
            ("ORGCMS_ADMIN_EMAIL", "a@b.c"),
            ("ORGCMS_ADMIN_PASSWORD", "short")
        ])
        .is_err());
    }

    #[test]
    fn public_url_defaults_to_the_bind_address_in_development_only() {
        let s = settings(&[DB]).unwrap();
        assert_eq!(s.public_urls.base(), "http://127.0.0.1:8080");
        let s = settings(&[DB, ("ORGCMS_BIND", "0.0.0.0:9000")]).unwrap();
        assert_eq!(s.public_urls.base(), "http://0.0.0.0:9000");
        let prod = [
            DB,
            ("ORGCMS_ENV", "production"),
            ("ORGCMS_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ];
        let error = settings(&prod).unwrap_err().to_string();
        assert!(error.contains("ORGCMS_PUBLIC_URL"), "{error}");
        let mut with_url = prod.to_vec();
        with_url.push(("ORGCMS_PUBLIC_URL", "https://api.example.org"));
        assert_eq!(
            settings(&with_url).unwrap().public_urls.base(),
            "https://api.example.org"
        );
    }

    #[test]
    fn public_url_is_an_absolute_http_url_without_query() {
        let base = |url: &str| {
            settings(&[DB, ("ORGCMS_PUBLIC_URL", url)]).map(|s| s.public_urls.base().to_owned())
        };
        assert_eq!(
            base("https://api.example.org/").unwrap(),
            "https://api.example.org"
        );
        assert_eq!(
            base("https://API.example.org").unwrap(),
            "https://api.example.org"
        );
        assert_eq!(
            base("http://example.org/cms/").unwrap(),
            "http://example.org/cms"
        );
        assert_eq!(base("http://[::1]:8080").unwrap(), "http://[::1]:8080");
        for bad in [
            "api.example.org",
            "/api",
            "ftp://example.org",
            "mailto:news@example.org",
            "https://example.org/?x=1",
            "https://example.org/?",
            "https://example.org/#top",
            "https://user:pass@example.org",
            "https://",
        ] {
            let error = base(bad).unwrap_err().to_string();
            assert!(error.contains("ORGCMS_PUBLIC_URL"), "{bad}: {error}");
        }
    }

    #[test]
    fn news_url_template_needs_the_slug_and_an_absolute_url() {
        let urls = |template: Option<&str>| {
            let mut vars = vec![DB, ("ORGCMS_PUBLIC_URL", "https://api.example.org/")];
            if let Some(t) = template {
                vars.push(("ORGCMS_NEWS_URL_TEMPLATE", t));
            }
            settings(&vars).map(|s| s.public_urls)
        };
        let default = urls(None).unwrap();
        assert_eq!(
            default.news_item("a-b"),
            "https://api.example.org/api/v1/news/a-b"
        );
        assert_eq!(
            default.api("/api/v1/feeds/news.rss?tag=x"),
            "https://api.example.org/api/v1/feeds/news.rss?tag=x"
        );
        let web = urls(Some("https://ukraine.iom.int/news/{slug}")).unwrap();
        assert_eq!(web.news_item("a-b"), "https://ukraine.iom.int/news/a-b");
        let query = urls(Some("https://example.org/news?item={slug}&from=feed")).unwrap();
        assert_eq!(
            query.news_item("a-b"),
            "https://example.org/news?item=a-b&from=feed"
        );
        for bad in [
            "https://ukraine.iom.int/news/",
            "/news/{slug}",
            "javascript:alert('{slug}')",
            "https://example.org/news/{slug} x",
        ] {
            let error = urls(Some(bad)).unwrap_err().to_string();
            assert!(error.contains("ORGCMS_NEWS_URL_TEMPLATE"), "{bad}: {error}");
        }
    }

    #[test]
    fn http_timeouts_have_safe_defaults_and_bounds() {
        let s = settings(&[DB]).unwrap();
        assert_eq!(
            s.http,
            HttpTimeouts {
                client_request: Duration::from_secs(5),
                client_body: Duration::from_secs(10),
                client_disconnect: Duration::from_secs(1),
                keep_alive: Duration::from_secs(5),
                shutdown_drain: Duration::ZERO,
                shutdown_timeout: Duration::from_secs(30),
            }
        );
        let s = settings(&[
            DB,
            ("ORGCMS_CLIENT_REQUEST_TIMEOUT_SECS", "2"),
            ("ORGCMS_CLIENT_BODY_TIMEOUT_SECS", "3"),
            ("ORGCMS_CLIENT_DISCONNECT_TIMEOUT_SECS", "0"),
            ("ORGCMS_KEEP_ALIVE_SECS", "0"),
            ("ORGCMS_SHUTDOWN_DRAIN_SECS", "4"),
            ("ORGCMS_SHUTDOWN_TIMEOUT_SECS", "6"),
        ])
        .unwrap();
        assert_eq!(s.http.client_request, Duration::from_secs(2));
        assert_eq!(s.http.client_body, Duration::from_secs(3));
        assert_eq!(s.http.client_disconnect, Duration::ZERO);
        assert_eq!(s.http.keep_alive, Duration::ZERO);
        assert_eq!(s.http.shutdown_drain, Duration::from_secs(4));
        assert_eq!(s.http.shutdown_timeout, Duration::from_secs(6));
        for (name, bad) in [
            ("ORGCMS_CLIENT_REQUEST_TIMEOUT_SECS", "0"),
            ("ORGCMS_CLIENT_BODY_TIMEOUT_SECS", "0"),
            ("ORGCMS_CLIENT_DISCONNECT_TIMEOUT_SECS", "61"),
            ("ORGCMS_SHUTDOWN_TIMEOUT_SECS", "0"),
            ("ORGCMS_SHUTDOWN_DRAIN_SECS", "-1"),
            ("ORGCMS_KEEP_ALIVE_SECS", "soon"),
        ] {
            let error = settings(&[DB, (name, bad)]).unwrap_err().to_string();
            assert!(error.contains(name), "{name}={bad}: {error}");
        }
    }

    #[test]
    fn database_session_limits_have_defaults_and_bounds() {
        let s = settings(&[DB]).unwrap();
        assert_eq!(
            s.db_session,
            DbSessionLimits {
                statement_timeout: Duration::from_millis(5000),
                lock_timeout: Duration::from_millis(2000),
            }
        );
        let s = settings(&[
            DB,
            ("ORGCMS_DB_STATEMENT_TIMEOUT_MS", "250"),
            ("ORGCMS_DB_LOCK_TIMEOUT_MS", "100"),
        ])
        .unwrap();
        assert_eq!(s.db_session.statement_timeout, Duration::from_millis(250));
        assert_eq!(s.db_session.lock_timeout, Duration::from_millis(100));
        for (name, bad) in [
            ("ORGCMS_DB_STATEMENT_TIMEOUT_MS", "0"),
            ("ORGCMS_DB_LOCK_TIMEOUT_MS", "0"),
            ("ORGCMS_DB_LOCK_TIMEOUT_MS", "3600001"),
            ("ORGCMS_DB_STATEMENT_TIMEOUT_MS", "soon"),
        ] {
            let error = settings(&[DB, (name, bad)]).unwrap_err().to_string();
            assert!(error.contains(name), "{name}={bad}: {error}");
        }
    }

    #[test]
    fn cors_origins_default_to_none() {
        assert!(settings(&[DB]).unwrap().cors_origins.is_empty());
        let blank = settings(&[DB, ("ORGCMS_CORS_ORIGINS", " , ")]).unwrap();
        assert!(blank.cors_origins.is_empty());
    }

    #[test]
    fn cors_origins_are_exact_normalized_origins() {
        let origins =
            |list: &str| settings(&[DB, ("ORGCMS_CORS_ORIGINS", list)]).map(|s| s.cors_origins);
        assert_eq!(
            origins("https://www.example.org, http://localhost:3000").unwrap(),
            ["https://www.example.org", "http://localhost:3000"]
        );
        assert_eq!(
            origins("HTTPS://WWW.Example.org:443/,https://www.example.org").unwrap(),
            ["https://www.example.org"],
            "as browsers send it, once"
        );
        assert_eq!(
            origins("http://example.org:8080").unwrap(),
            ["http://example.org:8080"]
        );
        assert_eq!(
            origins("https://bücher.example").unwrap(),
            ["https://xn--bcher-kva.example"]
        );
        for bad in [
            "*",
            "https://*.example.org",
            "null",
            "www.example.org",
            "ftp://example.org",
            "https://example.org/app",
            "https://example.org/?x=1",
            "https://user:pw@example.org",
            "https://example.org,nonsense",
        ] {
            let error = origins(bad).unwrap_err().to_string();
            assert!(error.contains("ORGCMS_CORS_ORIGINS"), "{bad}: {error}");
        }
    }

    #[test]
    fn messages_speak_of_the_variable() {
        let error = |vars: &[(&str, &str)]| settings(vars).unwrap_err().to_string();
        assert_eq!(
            error(&[DB, ("ORGCMS_DB_POOL_SIZE", "0")]),
            "configuration: ORGCMS_DB_POOL_SIZE must be between 1 and 200"
        );
        assert_eq!(
            error(&[DB, ("ORGCMS_WORKERS", "many")]),
            "configuration: ORGCMS_WORKERS: invalid digit found in string"
        );
        assert_eq!(
            error(&[DB, ("ORGCMS_ENV", "staging")]),
            "configuration: ORGCMS_ENV must be `development` or `production`, not `staging`"
        );
        assert_eq!(
            error(&[DB, ("ORGCMS_BIND", "nowhere")]),
            "configuration: ORGCMS_BIND: invalid socket address syntax"
        );
        assert_eq!(
            error(&[DB, ("ORGCMS_TRUSTED_PROXIES", "10.0.0.0/8")]),
            "configuration: ORGCMS_TRUSTED_PROXIES: `10.0.0.0/8` is not an IP address"
        );
        assert!(error(&[DB, ("ORGCMS_LOCALES", "en,,EN!")])
            .starts_with("configuration: ORGCMS_LOCALES: "));
    }

    #[test]
    fn media_defaults() {
        let media = settings(&[DB]).unwrap().media;
        match &media.storage {
            StorageSettings::Local { root } => assert_eq!(root, &PathBuf::from("media")),
            other => panic!("{other:?}"),
        }
        assert_eq!(media.max_upload_bytes, 32 << 20);
        assert_eq!(media.limits, ImageLimits::default());
        assert_eq!(
            media
                .presets
                .iter()
                .map(|p| (p.name.as_str(), p.width))
                .collect::<Vec<_>>(),
            [
                ("thumb", Some(320)),
                ("card", Some(640)),
                ("hero", Some(1600))
            ]
        );
        assert_eq!(
            media.widths,
            [160, 320, 480, 640, 960, 1280, 1600, 1920, 2560]
        );
        assert_eq!(media.qualities, [50, 60, 70, 75, 80, 90]);
        assert_eq!(media.default_quality, 75);
        assert!(media.render_concurrency >= 1);
        assert_eq!(media.render_timeout, Duration::from_secs(20));
        let default = MediaSettings::default();
        assert_eq!(
            (default.presets, default.widths, default.qualities),
            (media.presets, media.widths, media.qualities),
            "Default says what the empty environment says"
        );
    }

    #[test]
    fn media_sizes_presets_and_qualities() {
        let s = settings(&[
            DB,
            ("ORGCMS_MEDIA_PRESETS", "square=400x400:cover,tall=x800"),
            ("ORGCMS_MEDIA_WIDTHS", "640, 320,320"),
            ("ORGCMS_MEDIA_QUALITIES", "90,60"),
            ("ORGCMS_MEDIA_DEFAULT_QUALITY", "60"),
            ("ORGCMS_MEDIA_MAX_UPLOAD_BYTES", "1048576"),
            ("ORGCMS_MEDIA_MAX_DIMENSION", "5000"),
            ("ORGCMS_MEDIA_MAX_PIXELS", "1000000"),
            ("ORGCMS_MEDIA_MAX_FRAMES", "10"),
            ("ORGCMS_MEDIA_MAX_DECODE_BYTES", "10485760"),
            ("ORGCMS_MEDIA_RENDER_CONCURRENCY", "3"),
            ("ORGCMS_MEDIA_RENDER_TIMEOUT_SECONDS", "5"),
        ])
        .unwrap()
        .media;
        assert_eq!(media_names(&s), ["square", "tall"]);
        assert_eq!(s.presets[0].fit, crate::media::spec::Fit::Cover);
        assert_eq!(s.widths, [320, 640]);
        assert_eq!(s.qualities, [60, 90]);
        assert_eq!(s.default_quality, 60);
        assert_eq!(s.max_upload_bytes, 1 << 20);
        assert_eq!(
            s.limits,
            ImageLimits {
                max_pixels: 1_000_000,
                max_dimension: 5000,
                max_frames: 10,
                max_decode_bytes: 10 << 20,
            }
        );
        assert_eq!(s.render_concurrency, 3);
        assert_eq!(s.render_timeout, Duration::from_secs(5));
        assert!(s.allows_size(400) && s.allows_size(800) && s.allows_size(640));
        assert!(!s.allows_size(401));
        assert_eq!(s.allowed_sizes(), [320, 400, 640, 800]);
        assert_eq!(s.preset("tall").unwrap().height, Some(800));

        let error = |vars: &[(&str, &str)]| {
            let mut all = vec![DB];
            all.extend_from_slice(vars);
            settings(&all).unwrap_err().to_string()
        };
        for (vars, expected) in [
            (
                vec![("ORGCMS_MEDIA_PRESETS", "card=640,card=320")],
                "configuration: ORGCMS_MEDIA_PRESETS: preset `card` is defined twice",
            ),
            (
                vec![("ORGCMS_MEDIA_PRESETS", "card=640:crop")],
                "configuration: ORGCMS_MEDIA_PRESETS: `card=640:crop` has an unknown fit \
                 (one of inside, cover, contain, fill)",
            ),
            (
                vec![
                    ("ORGCMS_MEDIA_PRESETS", "huge=20000"),
                    ("ORGCMS_MEDIA_MAX_DIMENSION", "12000"),
                ],
                "configuration: ORGCMS_MEDIA_PRESETS: preset `huge` has the size 20000, larger \
                 than ORGCMS_MEDIA_MAX_DIMENSION (12000)",
            ),
            (
                vec![("ORGCMS_MEDIA_WIDTHS", "640,13000")],
                "configuration: ORGCMS_MEDIA_WIDTHS: 13000 is larger than \
                 ORGCMS_MEDIA_MAX_DIMENSION (12000)",
            ),
            (
                vec![("ORGCMS_MEDIA_WIDTHS", "640,wide")],
                "configuration: ORGCMS_MEDIA_WIDTHS: `wide` is not a whole number",
            ),
            (
                vec![("ORGCMS_MEDIA_WIDTHS", "0,640")],
                "configuration: ORGCMS_MEDIA_WIDTHS: a size is at least 1",
            ),
            (
                vec![("ORGCMS_MEDIA_QUALITIES", "50,101")],
                "configuration: ORGCMS_MEDIA_QUALITIES must be comma-separated qualities from 1 \
                 to 100, e.g. 50,75,90",
            ),
            (
                vec![("ORGCMS_MEDIA_DEFAULT_QUALITY", "85")],
                "configuration: ORGCMS_MEDIA_DEFAULT_QUALITY (85) must be one of \
                 ORGCMS_MEDIA_QUALITIES (50,60,70,75,80,90)",
            ),
            (
                vec![("ORGCMS_MEDIA_MAX_UPLOAD_BYTES", "10")],
                "configuration: ORGCMS_MEDIA_MAX_UPLOAD_BYTES must be between 1024 and 4294967296",
            ),
            (
                vec![("ORGCMS_MEDIA_RENDER_CONCURRENCY", "0")],
                "configuration: ORGCMS_MEDIA_RENDER_CONCURRENCY must be between 1 and 256",
            ),
            (
                vec![("ORGCMS_MEDIA_RENDER_TIMEOUT_SECONDS", "0")],
                "configuration: ORGCMS_MEDIA_RENDER_TIMEOUT_SECONDS must be between 1 and 600",
            ),
        ] {
            assert_eq!(error(&vars), expected, "{vars:?}");
        }
    }

    fn media_names(media: &MediaSettings) -> Vec<&str> {
        media.presets.iter().map(|p| p.name.as_str()).collect()
    }

    const S3: [(&str, &str); 2] = [("ORGCMS_MEDIA_STORE", "s3"), ("ORGCMS_S3_BUCKET", "media")];

    fn storage(vars: &[(&str, &str)]) -> Result<StorageSettings, String> {
        let mut all = vec![DB];
        all.extend_from_slice(vars);
        settings(&all)
            .map(|s| s.media.storage)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn media_storage_is_a_folder_or_a_bucket() {
        match storage(&[("ORGCMS_MEDIA_DIR", "/srv/media")]).unwrap() {
            StorageSettings::Local { root } => assert_eq!(root, PathBuf::from("/srv/media")),
            other => panic!("{other:?}"),
        }
        match storage(&S3).unwrap() {
            StorageSettings::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
                allow_http,
            } => {
                assert_eq!(bucket, "media");
                assert_eq!((prefix, endpoint), (None, None));
                assert_eq!(region, "us-east-1");
                assert!(access_key_id.is_none() && secret_access_key.is_none());
                assert!(!allow_http);
            }
            other => panic!("{other:?}"),
        }
        let mut vars = S3.to_vec();
        vars.extend([
            ("ORGCMS_S3_PREFIX", "/cms/media/"),
            ("ORGCMS_S3_ENDPOINT", "http://127.0.0.1:9000/"),
            ("ORGCMS_S3_ALLOW_HTTP", "true"),
            ("ORGCMS_S3_REGION", "eu-west-1"),
            ("ORGCMS_S3_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("ORGCMS_S3_SECRET_ACCESS_KEY", "s3-secret-s3-secret"),
        ]);
        match storage(&vars).unwrap() {
            StorageSettings::S3 {
                prefix,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
                allow_http,
                ..
            } => {
                assert_eq!(prefix.as_deref(), Some("cms/media"));
                assert_eq!(endpoint.as_deref(), Some("http://127.0.0.1:9000"));
                assert_eq!(region, "eu-west-1");
                assert_eq!(access_key_id.as_deref(), Some("AKIDEXAMPLE"));
                assert_eq!(
                    secret_access_key.unwrap().expose_secret(),
                    "s3-secret-s3-secret"
                );
                assert!(allow_http);
            }
            other => panic!("{other:?}"),
        }
        let mut all = vec![DB];
        all.extend(vars);
        let printed = format!("{:?}", settings(&all).unwrap());
        assert!(!printed.contains("s3-secret"), "{printed}");
    }

    #[test]
    fn media_storage_refuses_what_does_not_fit() {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars = S3.to_vec();
            vars.extend_from_slice(extra);
            storage(&vars).unwrap_err()
        };
        assert_eq!(
            storage(&[("ORGCMS_MEDIA_STORE", "ftp")]).unwrap_err(),
            "configuration: ORGCMS_MEDIA_STORE must be `local` or `s3`, not `ftp`"
        );
        assert_eq!(
            storage(&[("ORGCMS_MEDIA_STORE", "s3")]).unwrap_err(),
            "configuration: ORGCMS_S3_BUCKET is required with ORGCMS_MEDIA_STORE=s3"
        );
        assert_eq!(
            storage(&[("ORGCMS_S3_BUCKET", "media")]).unwrap_err(),
            "configuration: ORGCMS_S3_BUCKET is set but ORGCMS_MEDIA_STORE is `local` (set \
             ORGCMS_MEDIA_STORE=s3 to store media in S3, or unset the ORGCMS_S3_ variables)"
        );
        assert_eq!(
            with(&[("ORGCMS_S3_ENDPOINT", "http://minio:9000")]),
            "configuration: ORGCMS_S3_ENDPOINT: `http://minio:9000` is plain http, which sends \
             the media and the signed requests unencrypted; use https, or set \
             ORGCMS_S3_ALLOW_HTTP=true for a store on a trusted network"
        );
        assert_eq!(
            with(&[("ORGCMS_S3_ACCESS_KEY_ID", "AKIDEXAMPLE")]),
            "configuration: ORGCMS_S3_ACCESS_KEY_ID and ORGCMS_S3_SECRET_ACCESS_KEY go together"
        );
        assert_eq!(
            with(&[("ORGCMS_S3_ALLOW_HTTP", "yes")]),
            "configuration: ORGCMS_S3_ALLOW_HTTP must be `true` or `false`, not `yes`"
        );
        for (name, bad) in [
            ("ORGCMS_S3_ENDPOINT", "s3.example.org"),
            ("ORGCMS_S3_ENDPOINT", "ftp://s3.example.org"),
            ("ORGCMS_S3_ENDPOINT", "https://key:secret@s3.example.org"),
            ("ORGCMS_S3_ENDPOINT", "https://s3.example.org/?x=1"),
            ("ORGCMS_S3_BUCKET", "Media"),
            ("ORGCMS_S3_BUCKET", "me"),
            ("ORGCMS_S3_BUCKET", "-media"),
            ("ORGCMS_S3_BUCKET", "me_dia"),
            ("ORGCMS_S3_PREFIX", "cms/../x"),
            ("ORGCMS_S3_PREFIX", "cms//x"),
            ("ORGCMS_S3_PREFIX", "Cms"),
            ("ORGCMS_S3_REGION", "EU West"),
        ] {
            let mut vars = S3.to_vec();
            vars.push((name, bad));
            let error = storage(&vars).unwrap_err();
            assert!(
                error.starts_with(&format!("configuration: {name}")),
                "{name}={bad}: {error}"
            );
            assert!(!error.contains("secret@"), "{error}");
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let s = settings(&[DB]).unwrap();
        assert!(!format!("{s:?}").contains("postgres://"));
        let s = settings(&[
            DB,
            ("ORGCMS_JWT_SECRET", "jwt-secret-jwt-secret-jwt-secret"),
            ("ORGCMS_ADMIN_EMAIL", "admin@example.org"),
            ("ORGCMS_ADMIN_PASSWORD", "admin-password-long"),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("jwt-secret"), "{printed}");
        assert!(!printed.contains("admin-password"), "{printed}");
        assert!(printed.contains("admin@example.org"), "{printed}");
    }
}
