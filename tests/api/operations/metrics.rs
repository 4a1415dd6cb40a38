//! `GET /metrics`: off without a token, closed without the right one, and counts that move as
//! requests are made, in series that clients cannot multiply. (scripts/test also reads a busy
//! node's metrics with the Python `prometheus_client` parser: tests/metrics/check.py.)

use std::time::Duration;

use diesel::connection::SimpleConnection;

use crate::helpers::{TestApp, TEST_PASSWORD};

const TOKEN: &str = "metrics-token-for-the-test-suite";

async fn app_with_metrics(extra: &[(&'static str, &str)]) -> TestApp {
    let mut builder = TestApp::builder()
        .seeded()
        .env("ORGCMS_METRICS_TOKEN", TOKEN)
        .env("ORGCMS_RESPONSE_CACHE_MIB", "4");
    for (name, value) in extra {
        builder = builder.env(name, value);
    }
    let app = builder.spawn().await;
    // The cache serves once its listener has learnt the state of the content.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app
}

async fn scrape(app: &TestApp) -> String {
    let response = app
        .anon()
        .get("/metrics")
        .header("Authorization", format!("Bearer {TOKEN}"))
        .send()
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.header("content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(response.header("cache-control"), "no-store");
    response.text().await
}

/// The value of the sample `name` whose labels include every one of `labels` (`key="value"`).
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
            series_name == name && labels.iter().all(|l| series_labels.contains(l))
        })
        .map(|(_, value)| value.parse().expect("a number"))
}

fn value(text: &str, name: &str, labels: &[&str]) -> f64 {
    sample(text, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in:\n{text}"))
}

#[tokio::test]
async fn metrics_are_off_without_a_configured_token() {
    let app = TestApp::new().await;
    app.anon().get("/metrics").problem(404).await;
}

#[tokio::test]
async fn metrics_need_their_own_token() {
    let app = app_with_metrics(&[]).await;
    let problem = app.anon().get("/metrics").problem(401).await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("metrics token"));
    for wrong in [
        "Bearer metrics-token-for-the-test-suitE".to_owned(),
        format!("Bearer {TOKEN}x"),
        format!("Basic {TOKEN}"),
        format!("Bearer {}", app.editor_token().await),
    ] {
        app.anon()
            .get("/metrics")
            .header("Authorization", wrong.as_str())
            .problem(401)
            .await;
    }
    assert!(scrape(&app)
        .await
        .contains("orgcms_http_requests_in_flight 1"));
}

#[tokio::test]
async fn counters_move_as_requests_are_made() {
    let app = app_with_metrics(&[("ORGCMS_RATE_LIMIT_PER_MINUTE", "8")]).await;
    let before = scrape(&app).await;
    assert_eq!(value(&before, "orgcms_login_failures_total", &[]), 0.0);
    assert_eq!(value(&before, "orgcms_db_pool_max_connections", &[]), 4.0);
    assert_eq!(
        value(&before, "orgcms_webhook_outbox_pending_deliveries", &[]),
        0.0
    );
    let generation = value(
        &before,
        "orgcms_response_cache_generation_changes_total",
        &[],
    );

    // A miss, then a hit.
    for _ in 0..2 {
        app.get("/api/v1/news").good().await;
    }
    // Paths of no route, which a scanner could vary without end.
    app.anon()
        .get("/wp-admin/setup-config.php")
        .problem(404)
        .await;
    app.anon()
        .get("/api/v1/no-such-resource-4711")
        .problem(404)
        .await;
    // A wrong password (the login budget is apart from the reads').
    app.create_user("metrics@example.org", "editor");
    app.login("metrics@example.org", "not the password")
        .await
        .problem(401)
        .await;
    app.login("metrics@example.org", TEST_PASSWORD)
        .await
        .good()
        .await;
    // Past the 8 reads a minute of this address.
    let mut refused = 0;
    for _ in 0..8 {
        if app.get("/api/v1/objectives").send().await.status() == 429 {
            refused += 1;
        }
    }
    assert!(refused > 0);

    let after = scrape(&app).await;
    let route = |r: &str| format!("route=\"{r}\"");
    assert!(
        value(
            &after,
            "orgcms_http_request_duration_seconds_count",
            &[&route("/api/v1/news"), "method=\"GET\"", "status=\"2xx\""],
        ) >= 2.0
    );
    assert_eq!(
        value(
            &after,
            "orgcms_http_request_duration_seconds_count",
            &[&route("unmatched"), "status=\"4xx\""],
        ),
        2.0
    );
    assert!(!after.contains("wp-admin") && !after.contains("no-such-resource"));
    assert!(
        value(
            &after,
            "orgcms_http_request_duration_seconds_count",
            &[
                &route("/api/v1/auth/login"),
                "method=\"POST\"",
                "status=\"4xx\""
            ],
        ) >= 1.0
    );
    // The second list, and every list of objectives served but the first.
    assert_eq!(
        value(
            &after,
            "orgcms_response_cache_lookups_total",
            &["outcome=\"hit\""]
        ),
        f64::from(1 + (8 - refused - 1))
    );
    assert!(
        value(
            &after,
            "orgcms_response_cache_lookups_total",
            &["outcome=\"miss\""]
        ) >= 1.0
    );
    assert_eq!(value(&after, "orgcms_login_failures_total", &[]), 1.0);
    assert_eq!(
        value(
            &after,
            "orgcms_rate_limit_refusals_total",
            &["limit=\"api\""]
        ),
        f64::from(refused)
    );
    assert!(
        value(
            &after,
            "orgcms_response_cache_generation_changes_total",
            &[]
        ) > generation,
        "the logins are writes"
    );
    assert!(value(&after, "orgcms_db_pool_wait_seconds_count", &[]) >= 3.0);
    assert_eq!(value(&after, "orgcms_db_pool_timeouts_total", &[]), 0.0);
    assert!(value(&after, "orgcms_db_pool_connections", &[]) >= 1.0);
    // The scrape itself is the one request in flight.
    assert_eq!(value(&after, "orgcms_http_requests_in_flight", &[]), 1.0);
    // Scrapes are not rate limited, and are counted like any request.
    assert!(
        value(
            &after,
            "orgcms_http_request_duration_seconds_count",
            &[&route("/metrics"), "status=\"2xx\""],
        ) >= 1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_runs_out_is_a_pool_timeout() {
    let app = app_with_metrics(&[
        ("ORGCMS_DB_POOL_SIZE", "1"),
        ("ORGCMS_DB_TIMEOUT_SECS", "1"),
        ("ORGCMS_DB_STATEMENT_TIMEOUT_MS", "5000"),
    ])
    .await;
    // The news table is locked: a list holds the one connection while it waits, and the next
    // request waits its whole second for the connection.
    let mut raw = app.conn();
    raw.batch_execute("BEGIN; LOCK TABLE news IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let held = {
        let anon = app.anon();
        tokio::spawn(async move { anon.get("/api/v1/news?q=held").send().await.status() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.get("/api/v1/objectives").problem(503).await;
    raw.batch_execute("ROLLBACK").unwrap();
    assert_eq!(held.await.unwrap(), 200);
    let text = scrape(&app).await;
    assert_eq!(value(&text, "orgcms_db_pool_timeouts_total", &[]), 1.0);
    assert!(
        value(
            &text,
            "orgcms_http_request_duration_seconds_count",
            &["route=\"/api/v1/objectives\"", "status=\"5xx\""],
        ) == 1.0
    );
}
