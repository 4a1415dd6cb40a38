//! Typed settings from the environment. Built once in `main` (or by a test) and passed explicitly.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use crate::locale::Locales;

/// Which rules apply to secrets: development has throw-away defaults, production has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// A value that must never be printed (Debug shows a placeholder).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

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
    /// The first administrator, created or updated at start-up when both are set.
    pub admin_email: Option<String>,
    pub admin_password: Option<Secret>,
    /// Failed logins allowed per account within `login_window_seconds` (four times as many per
    /// client address).
    pub login_max_failures: u32,
    pub login_window_seconds: u32,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: u32,
    /// HTTP worker threads; None means one per core.
    pub workers: Option<usize>,
    /// Seconds anonymous readers (and caches) may reuse a response (`Cache-Control: max-age`).
    pub cache_max_age: u32,
    /// Memory for the in-process cache of anonymous reads, in MiB; 0 turns it off.
    pub response_cache_mib: u32,
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
    Ok(Secret::new(
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    ))
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply an environment of their own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let environment = match get("ORGCMS_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(ConfigError(format!(
                    "ORGCMS_ENV must be `development` or `production`, not `{other}`"
                )))
            }
        };
        let database_url = get("DATABASE_URL").map(Secret::new).ok_or_else(|| {
            ConfigError(
                "DATABASE_URL is not set (scripts/serve starts a private PostgreSQL and sets it)"
                    .into(),
            )
        })?;
        let bind = get("ORGCMS_BIND")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|e| ConfigError(format!("ORGCMS_BIND: {e}")))?;
        let jwt_secret = match (get("ORGCMS_JWT_SECRET"), environment) {
            (Some(s), Environment::Production) if s.len() < MIN_PRODUCTION_SECRET_BYTES => {
                return Err(ConfigError(format!(
                    "ORGCMS_JWT_SECRET must be at least {MIN_PRODUCTION_SECRET_BYTES} bytes in production"
                )))
            }
            (Some(s), _) => Secret::new(s),
            (None, Environment::Production) => {
                return Err(ConfigError(
                    "ORGCMS_JWT_SECRET is required in production".into(),
                ))
            }
            (None, Environment::Development) => random_secret()?,
        };
        if get("ORGCMS_ADMIN_EMAIL").is_some() != get("ORGCMS_ADMIN_PASSWORD").is_some() {
            return Err(ConfigError(
                "ORGCMS_ADMIN_EMAIL and ORGCMS_ADMIN_PASSWORD go together".into(),
            ));
        }
        if let Some(weakness) =
            get("ORGCMS_ADMIN_PASSWORD").and_then(|p| crate::auth::password::weakness(&p))
        {
            return Err(ConfigError(format!("ORGCMS_ADMIN_PASSWORD {weakness}")));
        }
        let locales = Locales::parse(&get("ORGCMS_LOCALES").unwrap_or_else(|| "en,uk".into()))
            .map_err(|e| ConfigError(format!("ORGCMS_LOCALES: {e}")))?;
        let number = |name: &str, default: u32, range: std::ops::RangeInclusive<u32>| {
            let value = match get(name) {
                None => default,
                Some(v) => v
                    .parse::<u32>()
                    .map_err(|e| ConfigError(format!("{name}: {e}")))?,
            };
            if range.contains(&value) {
                Ok(value)
            } else {
                Err(ConfigError(format!(
                    "{name} must be between {} and {}",
                    range.start(),
                    range.end()
                )))
            }
        };
        Ok(Self {
            database_url,
            bind,
            environment,
            jwt_secret,
            locales,
            db_pool_size: number("ORGCMS_DB_POOL_SIZE", 10, 1..=200)?,
            db_timeout: Duration::from_secs(u64::from(number(
                "ORGCMS_DB_TIMEOUT_SECS",
                3,
                1..=60,
            )?)),
            cache_max_age: number("ORGCMS_CACHE_MAX_AGE", 60, 0..=86_400)?,
            response_cache_mib: number("ORGCMS_RESPONSE_CACHE_MIB", 16, 0..=4096)?,
            admin_email: get("ORGCMS_ADMIN_EMAIL").map(|e| e.trim().to_lowercase()),
            admin_password: get("ORGCMS_ADMIN_PASSWORD").map(Secret::new),
            login_max_failures: number("ORGCMS_LOGIN_MAX_FAILURES", 5, 1..=1000)?,
            login_window_seconds: number("ORGCMS_LOGIN_WINDOW_SECS", 900, 1..=86_400)?,
            max_body_bytes: number("ORGCMS_MAX_BODY_BYTES", 1 << 20, 1024..=64 << 20)?,
            workers: match get("ORGCMS_WORKERS") {
                None => None,
                Some(_) => Some(number("ORGCMS_WORKERS", 1, 1..=256)? as usize),
            },
        })
    }
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
    fn development_defaults() {
        let s = settings(&[DB]).unwrap();
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.locales.default(), "en");
        assert_eq!(s.locales.all(), ["en", "uk"]);
        assert_eq!(s.jwt_secret.expose().len(), 64, "a random secret");
        let again = settings(&[DB]).unwrap();
        assert_ne!(
            s.jwt_secret.expose(),
            again.jwt_secret.expose(),
            "never a fixed one"
        );
    }

    #[test]
    fn production_refuses_missing_or_weak_secret() {
        let prod = ("ORGCMS_ENV", "production");
        assert!(settings(&[DB, prod]).is_err());
        assert!(settings(&[DB, prod, ("ORGCMS_JWT_SECRET", "short")]).is_err());
        let strong = "0123456789abcdef0123456789abcdef";
        assert!(settings(&[DB, prod, ("ORGCMS_JWT_SECRET", strong)]).is_ok());
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
    fn secrets_do_not_print() {
        let s = settings(&[DB]).unwrap();
        assert!(!format!("{s:?}").contains("postgres://"));
    }
}
