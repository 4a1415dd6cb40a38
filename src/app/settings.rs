//! Typed settings from the environment. Built once in `main` (or by a test) and passed explicitly.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::content::locale::Locales;

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
    pub bind: SocketAddr,
    pub environment: Environment,
    pub jwt_secret: Secret,
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
    #[arg(long, env = "ORGCMS_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    #[arg(long, env = "ORGCMS_JWT_SECRET", value_parser = secret)]
    jwt_secret: Option<Secret>,
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
        let vars = Vars::from_lookup(lookup)?;
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
        Ok(Self {
            database_url,
            bind,
            environment,
            jwt_secret,
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
