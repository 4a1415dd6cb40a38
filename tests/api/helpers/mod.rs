//! The test harness: every test gets its own database, cloned from a migrated template, and its
//! own server on a free port, so tests run in parallel and never see each other's rows.

mod client;
pub mod factories;
pub mod media;
pub mod webhooks;

use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use orgcms::app::settings::{Secret, Settings, StorageSettings};
use orgcms::app::startup::Application;
use sha2::{Digest, Sha256};

pub use client::{Client, Request, Response};
pub use factories::NewsFactory;

/// The server that holds the test databases (`DATABASE_URL`, set by scripts/test).
fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must point at a PostgreSQL server; run the tests with scripts/test")
}

/// The URL of database `name` on the same server.
fn database_url(name: &str) -> String {
    let url = server_url();
    let (base, _) = url
        .rsplit_once('/')
        .expect("DATABASE_URL has a database name");
    format!("{base}/{name}")
}

fn maintenance_connection() -> PgConnection {
    PgConnection::establish(&server_url()).expect("connect to the test server")
}

/// The template's name depends on the migrations, so a changed migration gets a new template.
fn template_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<_> = walk(&dir);
        files.sort();
        let mut hasher = Sha256::new();
        for file in files {
            hasher.update(file.to_string_lossy().as_bytes());
            hasher.update(std::fs::read(&file).expect("read migration"));
        }
        let hex: String = hasher.finalize()[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("orgcms_test_template_{hex}");
        create_template(&name);
        name
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

fn create_template(name: &str) {
    let mut conn = maintenance_connection();
    // Several test processes may start at once: one of them builds the template.
    conn.batch_execute("SELECT pg_advisory_lock(727274)")
        .unwrap();
    let exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(name)
            .get_result::<Exists>(&mut conn)
            .unwrap()
            .exists;
    if !exists {
        // Identifiers cannot be bound; `name` is made of [a-z0-9_] by `template_name`.
        let building = format!("{name}_building");
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {building}"))
            .unwrap();
        conn.batch_execute(&format!("CREATE DATABASE {building}"))
            .unwrap();
        {
            let mut tpl = PgConnection::establish(&database_url(&building)).unwrap();
            orgcms::db::run_migrations(&mut tpl).unwrap();
        }
        conn.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
            .unwrap();
    }
    conn.batch_execute("SELECT pg_advisory_unlock(727274)")
        .unwrap();
}

/// A database of one test's own; dropped with it.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub fn new() -> Self {
        let template = template_name();
        let name = format!("orgcms_test_{}", uuid::Uuid::new_v4().simple());
        maintenance_connection()
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .unwrap();
        let url = database_url(&name);
        Self { name, url }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).unwrap()
    }

    /// Drops the database now (for tests of what happens when it goes away).
    pub fn drop_now(&self) {
        maintenance_connection()
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .unwrap();
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&server_url()) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The store a media test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Backend {
    /// A local folder of its own under the target directory.
    #[default]
    Local,
    /// A prefix of its own in the bucket of the S3-compatible server that scripts/test starts
    /// (`ORGCMS_TEST_S3_*`, see scripts/lib/s3.sh).
    S3,
}

/// Storage settings no other test shares: a new folder, or a new prefix in the test bucket.
pub fn test_storage(backend: Backend) -> StorageSettings {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    match backend {
        Backend::Local => StorageSettings::Local {
            root: std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("media")
                .join(unique),
        },
        Backend::S3 => {
            let var = |name: &str| {
                std::env::var(name).unwrap_or_else(|_| {
                    panic!(
                        "{name} must describe the S3-compatible test server; run the tests with \
                         scripts/test"
                    )
                })
            };
            StorageSettings::S3 {
                bucket: var("ORGCMS_TEST_S3_BUCKET"),
                prefix: Some(format!("test/{unique}")),
                endpoint: Some(var("ORGCMS_TEST_S3_ENDPOINT")),
                region: var("ORGCMS_TEST_S3_REGION"),
                access_key_id: Some(var("ORGCMS_TEST_S3_ACCESS_KEY_ID")),
                secret_access_key: Some(Secret::from(var("ORGCMS_TEST_S3_SECRET_ACCESS_KEY"))),
                allow_http: true,
            }
        }
    }
}

/// The secret the test servers sign tokens with, so tests can forge tokens of their own.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// The password of every account the tests create.
pub const TEST_PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    /// The folder of the local media store (removed with the app), or the S3 prefix.
    pub media: MediaStore,
    /// The configuration the server runs with (for relays a test starts itself).
    pub settings: Settings,
}

/// A test's media store; a local folder is removed when the test ends.
pub struct MediaStore {
    pub backend: Backend,
    /// The local folder, or the S3 prefix.
    pub location: String,
}

impl Drop for MediaStore {
    fn drop(&mut self) {
        if self.backend == Backend::Local {
            let _ = std::fs::remove_dir_all(&self.location);
        }
    }
}

/// An environment variable that scripts/test sets for the S3 tests.
pub fn s3_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} must be set (the S3-compatible test server); run the tests with scripts/test"
        )
    })
}

/// The configuration of a media store of `backend`, unique to one test.
fn media_env(backend: Backend) -> (MediaStore, Vec<(&'static str, String)>) {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    match backend {
        Backend::Local => {
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("media")
                .join(&unique);
            let location = dir.to_string_lossy().into_owned();
            let env = vec![
                ("ORGCMS_MEDIA_STORE", "local".to_owned()),
                ("ORGCMS_MEDIA_DIR", location.clone()),
            ];
            (MediaStore { backend, location }, env)
        }
        Backend::S3 => {
            let location = format!("test-{unique}");
            let env = vec![
                ("ORGCMS_MEDIA_STORE", "s3".to_owned()),
                ("ORGCMS_S3_ENDPOINT", s3_env("ORGCMS_TEST_S3_ENDPOINT")),
                ("ORGCMS_S3_BUCKET", s3_env("ORGCMS_TEST_S3_BUCKET")),
                ("ORGCMS_S3_PREFIX", location.clone()),
                ("ORGCMS_S3_REGION", s3_env("ORGCMS_TEST_S3_REGION")),
                (
                    "ORGCMS_S3_ACCESS_KEY_ID",
                    s3_env("ORGCMS_TEST_S3_ACCESS_KEY_ID"),
                ),
                (
                    "ORGCMS_S3_SECRET_ACCESS_KEY",
                    s3_env("ORGCMS_TEST_S3_SECRET_ACCESS_KEY"),
                ),
                ("ORGCMS_S3_ALLOW_HTTP", "true".to_owned()),
            ];
            (MediaStore { backend, location }, env)
        }
    }
}

/// Builds a `TestApp`: `TestApp::builder().seeded().spawn().await`.
#[derive(Default)]
pub struct TestAppBuilder {
    seeded: bool,
    env: Vec<(&'static str, String)>,
    backend: Backend,
}

impl TestAppBuilder {
    /// Load the seed content before the server starts.
    pub fn seeded(mut self) -> Self {
        self.seeded = true;
        self
    }

    /// Keep media files in `backend`.
    pub fn storage(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Set an environment variable of the server's configuration.
    pub fn env(mut self, name: &'static str, value: &str) -> Self {
        self.env.push((name, value.to_owned()));
        self
    }

    pub async fn spawn(self) -> TestApp {
        let db = TestDatabase::new();
        if self.seeded {
            orgcms::seed::seed(&mut db.connect()).unwrap();
        }
        let mut vars = vec![
            ("DATABASE_URL", db.url.clone()),
            ("ORGCMS_BIND", "127.0.0.1:0".to_owned()),
            ("ORGCMS_WORKERS", "1".to_owned()),
            ("ORGCMS_DB_POOL_SIZE", "4".to_owned()),
            ("ORGCMS_DB_TIMEOUT_SECS", "2".to_owned()),
            ("ORGCMS_JWT_SECRET", TEST_JWT_SECRET.to_owned()),
            // Most tests write straight into the database and read at once; the response
            // cache (which hears of such writes a moment later) has tests of its own.
            ("ORGCMS_RESPONSE_CACHE_MIB", "0".to_owned()),
            // Every test client is 127.0.0.1; the limits have tests of their own.
            ("ORGCMS_RATE_LIMIT_PER_MINUTE", "0".to_owned()),
            ("ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE", "0".to_owned()),
            // Relays run where a test starts them (`TestApp::relay`); receivers are local.
            ("ORGCMS_WEBHOOK_RELAY", "false".to_owned()),
            ("ORGCMS_WEBHOOK_ALLOW_HTTP", "true".to_owned()),
            ("ORGCMS_WEBHOOK_ALLOW_LOOPBACK", "true".to_owned()),
            ("ORGCMS_WEBHOOK_POLL_MS", "20".to_owned()),
            (
                "ORGCMS_WEBHOOK_RETRY_SCHEDULE",
                "50ms,100ms,200ms".to_owned(),
            ),
            ("ORGCMS_WEBHOOK_TIMEOUT_MS", "1000".to_owned()),
            // API keys' use is written at once, so tests see it (and a quota across nodes).
            ("ORGCMS_API_KEY_USAGE_FLUSH_MS", "50".to_owned()),
            // The retention sweep runs where a test turns it on.
            ("ORGCMS_RETENTION_SWEEP_MS", "0".to_owned()),
        ];
        let (media, media_vars) = media_env(self.backend);
        vars.extend(media_vars);
        vars.extend(self.env);
        let settings = Settings::from_lookup(|name| {
            vars.iter()
                .rev()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap();
        let app = Application::build(&settings).unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: reqwest::Client::new(),
            db,
            media,
            settings,
        }
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// A server on an empty, migrated database.
    pub async fn new() -> Self {
        Self::builder().spawn().await
    }

    /// A server on a database with the seed content.
    pub async fn seeded() -> Self {
        Self::builder().seeded().spawn().await
    }

    /// Another node of the same deployment: a second server on this one's database, with its
    /// settings; returns its address (the server runs as long as the test).
    pub async fn another_node(&self) -> String {
        let app = Application::build(&self.settings).unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        address
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn conn(&self) -> PgConnection {
        self.db.connect()
    }

    /// Creates an account straight in the database; returns its id.
    pub fn create_user(&self, email: &str, role: &str) -> uuid::Uuid {
        let hash = orgcms::accounts::auth::password::hash(TEST_PASSWORD).unwrap();
        let role = serde_json::from_value(serde_json::json!(role)).expect("a role");
        orgcms::accounts::users::queries::insert(&mut self.conn(), email, "Test User", role, &hash)
            .unwrap()
            .id
    }

    /// An anonymous login request (sent when awaited).
    pub fn login(&self, email: &str, password: &str) -> Request {
        self.anon().post(
            "/api/v1/auth/login",
            serde_json::json!({"email": email, "password": password}),
        )
    }

    /// A new account of `role` and its access token.
    pub async fn token_for(&self, role: &str) -> String {
        let email = format!("{role}-{}@example.org", uuid::Uuid::new_v4().simple());
        self.create_user(&email, role);
        let response = self.login(&email, TEST_PASSWORD).await;
        assert_eq!(response.status(), 200);
        let body = response.json().await;
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn editor_token(&self) -> String {
        self.token_for("editor").await
    }
}

/// Asserts an RFC 9457 problem response and returns its body.
pub async fn assert_problem(
    response: impl Into<reqwest::Response>,
    status: u16,
) -> serde_json::Value {
    let response: reqwest::Response = response.into();
    assert_eq!(response.status(), status, "status of {}", response.url());
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["type"]
        .as_str()
        .unwrap()
        .starts_with("urn:orgcms:problem:"));
    assert!(body["title"].is_string());
    assert!(!body["detail"].as_str().unwrap().is_empty());
    assert_no_leak(&body);
    body
}

/// What only a leak puts into an error body: the database's own words, paths on the server,
/// panic and backtrace text, the type paths of the code. (Values the client sent may come back
/// in a message; none of the tests sends any of these.)
const LEAKS: [&str; 37] = [
    // SQL and the database driver.
    "syntax error at or near",
    "duplicate key value",
    "violates foreign key",
    "violates unique",
    "violates check",
    "violates not-null",
    "sqlstate",
    "relation \"",
    "pg_catalog",
    "postgres://",
    "postgresql://",
    "databaseerror",
    "diesel",
    "r2d2",
    "select * from",
    "insert into",
    "delete from",
    // Files of the server.
    "/src/",
    ".rs:",
    "/home/",
    "/root/",
    "/usr/",
    "/work/",
    "/.cargo/",
    "\\src\\",
    // Panics and backtraces.
    "panicked at",
    "stack backtrace",
    "rust_backtrace",
    "unwrap()",
    "thread '",
    "note: run with",
    // Type paths of the code.
    "std::",
    "core::",
    "alloc::",
    "actix_",
    "serde_json::",
    "orgcms::",
];

/// Asserts that a problem body tells nothing about the server's internals (`LEAKS`).
pub fn assert_no_leak(problem: &serde_json::Value) {
    let text = problem.to_string().to_lowercase();
    for leak in LEAKS {
        assert!(!text.contains(leak), "the problem leaks `{leak}`: {text}");
    }
}

/// The field names of a problem's `errors`.
pub fn error_fields(problem: &serde_json::Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The `slug`s of a list response, in order.
pub fn slugs(list: &serde_json::Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["slug"].as_str().unwrap().to_owned())
        .collect()
}
