//! What a search or a write may cost the database: text the parser is quadratic on is cut short
//! before it sees it, snippets look at a bounded prefix, and every pooled session runs under
//! `statement_timeout` and `lock_timeout`, so that nothing waits without end (issue 10).
//!
//! The bounds on time are generous (what takes a fraction of a second is given 20 s): before
//! the fix the same requests took minutes or never ended, and the statuses tell the rest.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::helpers::{slugs, NewsFactory, TestApp};

/// Where a client gives up: the server used to take minutes.
const PATIENCE: Duration = Duration::from_secs(20);

/// Bodies that PostgreSQL's text-search parser used to spend seconds to minutes on.
fn pathological_bodies() -> Vec<(&'static str, String)> {
    vec![
        ("zq-24k", "zq_".repeat(8_000)),
        ("zq-200k", "zq_".repeat(66_000)),
        ("a-200k", "_a".repeat(99_000)),
        ("host-200k", "a-b.".repeat(49_000)),
        // Many runs just over the cut, each quadratic on its own.
        ("runs-200k", format!("{} ", "_a".repeat(40)).repeat(2_400)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pathological_bodies_are_written_fast_and_found_by_their_words() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await.with_timeout(PATIENCE);
    let anon = app.anon().with_timeout(PATIENCE);
    for (slug, junk) in pathological_bodies() {
        let started = Instant::now();
        let response = editor
            .post(
                "/api/v1/news",
                json!({
                "slug": slug,
                "title": {"en": format!("Blankets for {slug}")},
                "body": {"en": format!("Partners donated generators. {junk} The shelter opened.")},
                "status": "published",
                "published_at": "2024-05-29T10:00:00Z",
                }),
            )
            .await;
        let took = started.elapsed();
        assert_eq!(response.status(), 201, "{slug}");
        println!("write {slug}: {} ms", took.as_millis());
    }
    // Found by the words before and after the junk, and by the title; snippets come back.
    for q in ["generators", "blankets"] {
        let started = Instant::now();
        let response = anon.get(&format!("/api/v1/news?q={q}&per_page=100")).await;
        println!("search {q}: {} ms", started.elapsed().as_millis());
        assert_eq!(response.status(), 200, "q={q}");
        let hits = response.json().await;
        assert_eq!(slugs(&hits).len(), 5, "q={q}: {hits}");
        for hit in hits["data"].as_array().unwrap() {
            assert!(hit["snippet"].is_string(), "{hit}");
        }
    }
    // A search whose words are in the junk itself.
    let response = anon.get("/api/v1/news?q=zq%20or%20a%20or%20b").await;
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_searches_over_pathological_items_leave_the_pool_to_others() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    // 24 KB each: a snippet of one took seconds, and twelve searches held every connection.
    for (slug, junk) in [("zq", "zq_".repeat(8_000)), ("a", "_a".repeat(12_000))] {
        NewsFactory::new(slug)
            .title(json!({"en": "Shelter"}))
            .body(json!({"en": format!("shelter {junk} shelter")}))
            .insert(&mut conn);
    }
    let anon = app.anon().with_timeout(PATIENCE);
    let searches: Vec<_> = (0..12)
        .map(|i| {
            let search = anon
                .get(&format!("/api/v1/news?q=shelter%20zq&per_page={}", 20 + i))
                .send();
            tokio::spawn(async move { search.await.status() })
        })
        .collect();
    let unrelated = anon.get("/api/v1/news?per_page=1").await;
    assert_eq!(unrelated.status(), 200, "a read beside the searches");
    for search in searches {
        assert_eq!(search.await.unwrap(), 200);
    }
}

/// A raw session of the test's own that holds `sql`'s locks until it is dropped or committed.
fn hold(app: &TestApp, sql: &str) -> diesel::PgConnection {
    let mut raw = app.conn();
    raw.batch_execute(&format!("BEGIN; {sql}")).unwrap();
    raw
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_waits_for_a_lock_gets_503_within_the_lock_timeout() {
    let app = TestApp::builder()
        .env("ORGCMS_DB_LOCK_TIMEOUT_MS", "300")
        .spawn()
        .await;
    let editor = app.as_editor().await.with_timeout(PATIENCE);
    let id = NewsFactory::new("held").insert(&mut app.conn());
    let patch = || {
        editor.patch(
            &format!("/api/v1/news/{id}"),
            json!({"title": {"en": "Edited"}}),
        )
    };

    // The content lock, which every write takes first (another node's write, a migration).
    let mut raw = hold(&app, "SELECT orgcms_lock_content()");
    let started = Instant::now();
    let response = patch().await;
    let waited = started.elapsed();
    assert_eq!(response.header("retry-after"), "5");
    response.problem(503).await;
    assert!(waited < Duration::from_millis(300 * 5), "{waited:?}");
    raw.batch_execute("ROLLBACK").unwrap();

    // The item's row, locked by a session that does not take the content lock.
    let mut raw = hold(
        &app,
        &format!("SELECT 1 FROM news WHERE id = '{id}' FOR UPDATE"),
    );
    patch().problem(503).await;
    raw.batch_execute("ROLLBACK").unwrap();

    // Nothing was written, and the write goes through once the lock is free.
    let item = app.get(&format!("/api/v1/news/{id}")).good().await;
    assert_eq!(item["version"], 1);
    assert_eq!(patch().await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_over_the_statement_timeout_gets_503() {
    let app = TestApp::builder()
        .env("ORGCMS_DB_STATEMENT_TIMEOUT_MS", "300")
        .env("ORGCMS_DB_LOCK_TIMEOUT_MS", "60000")
        .spawn()
        .await;
    NewsFactory::new("slow").insert(&mut app.conn());
    let anon = app.anon().with_timeout(PATIENCE);
    // The news table is locked: the list waits, and statement_timeout (which counts the wait)
    // cancels it long before the lock timeout would.
    let mut raw = hold(&app, "LOCK TABLE news IN ACCESS EXCLUSIVE MODE");
    let started = Instant::now();
    let response = anon.get("/api/v1/news?q=slow").await;
    let waited = started.elapsed();
    assert_eq!(response.header("retry-after"), "5");
    response.problem(503).await;
    assert!(waited < Duration::from_millis(300 * 5), "{waited:?}");
    raw.batch_execute("ROLLBACK").unwrap();
    // Other reads never waited, and the connection serves again.
    assert_eq!(app.get("/api/v1/objectives").await.status(), 200);
    assert_eq!(
        slugs(&app.get("/api/v1/news?q=slow").good().await),
        ["slow"]
    );
}
