//! The in-process cache of anonymous reads never shows what is no longer true: writes through
//! the API, writes by anyone else, and scheduled items turning public all reach readers.

use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Value};

use crate::helpers::{slugs, NewsFactory, TestApp};

async fn cached_app() -> TestApp {
    let app = TestApp::builder()
        .env("ORGCMS_RESPONSE_CACHE_MIB", "4")
        .spawn()
        .await;
    // The cache serves once its listener has learnt the state of the content.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app
}

/// Reads `path` until `done` holds, for at most `limit`.
async fn eventually(app: &TestApp, path: &str, limit: Duration, done: impl Fn(&Value) -> bool) {
    let started = std::time::Instant::now();
    loop {
        let body = app.get(path).good().await;
        if done(&body) {
            return;
        }
        assert!(started.elapsed() < limit, "{path} still shows {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn writes_through_the_api_are_seen_at_once() {
    let app = cached_app().await;
    let editor = app.as_editor().await;
    for i in 0..5 {
        // Fill the cache, write, read again: the write is there at once, every time.
        let before = slugs(&app.get("/api/v1/news").good().await);
        let body = json!({"title": {"en": format!("Item {i}")}, "status": "published"});
        let created = editor.post("/api/v1/news", body).await;
        assert_eq!(created.status(), 201);
        let after = slugs(&app.get("/api/v1/news").good().await);
        assert_eq!(after.len(), before.len() + 1, "{after:?}");
    }
}

#[tokio::test]
async fn repeated_reads_are_identical_and_revalidate() {
    let app = cached_app().await;
    NewsFactory::new("one").insert(&mut app.conn());
    eventually(&app, "/api/v1/news", Duration::from_secs(3), |b| {
        slugs(b) == ["one"]
    })
    .await;
    let first = app.get("/api/v1/news").await;
    let etag = first.etag();
    let first_body = first.text().await;
    for _ in 0..3 {
        let again = app.get("/api/v1/news").await;
        assert_eq!(again.header("etag"), etag);
        assert!(again.header("cache-control").starts_with("public"));
        assert_eq!(again.text().await, first_body);
        let revalidated = app.get("/api/v1/news").if_none_match(&etag).await;
        assert_eq!(revalidated.status(), 304);
        assert_eq!(revalidated.header("etag"), etag);
        assert!(revalidated.headers().get("content-type").is_none());
        assert!(revalidated.bytes().await.is_empty());
    }
    // Another language is another representation.
    let uk = app
        .get("/api/v1/news")
        .header("Accept-Language", "uk")
        .await;
    assert_eq!(uk.header("content-language"), "en");
}

#[tokio::test]
async fn an_editor_never_gets_the_cached_public_view() {
    let app = cached_app().await;
    NewsFactory::new("draft")
        .status("draft")
        .published_at(None)
        .insert(&mut app.conn());
    let public = app.get("/api/v1/news").good().await;
    assert!(slugs(&public).is_empty());
    let editor = app.as_editor().await;
    let editors_view = editor.get("/api/v1/news").await;
    assert_eq!(editors_view.header("cache-control"), "private, no-store");
    let editors_view = editors_view.json().await;
    assert_eq!(slugs(&editors_view), ["draft"]);
}

#[tokio::test]
async fn writes_by_others_and_scheduled_items_reach_readers() {
    let app = cached_app().await;
    assert!(slugs(&app.get("/api/v1/news").good().await).is_empty());
    // Another process (here: a direct SQL write) publishes an item.
    NewsFactory::new("elsewhere").insert(&mut app.conn());
    eventually(&app, "/api/v1/news", Duration::from_secs(2), |b| {
        slugs(b) == ["elsewhere"]
    })
    .await;
    // An item scheduled two seconds ahead turns public when its time comes, without a write.
    NewsFactory::new("scheduled")
        .published_at(Some(Utc::now() + chrono::Duration::seconds(2)))
        .insert(&mut app.conn());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(slugs(&app.get("/api/v1/news").good().await), ["elsewhere"]);
    eventually(&app, "/api/v1/news", Duration::from_secs(5), |b| {
        slugs(b) == ["scheduled", "elsewhere"]
    })
    .await;
}

/// The cache is keyed by the locale a request negotiates to, not by its `Accept-Language` as
/// sent: every spelling of one preference is answered from one stored response (so no client can
/// bypass the cache or fill it with variants). Seen by a change the cache is not told about (the
/// triggers are off for that session): a second spelling still gets the stored answer.
#[tokio::test]
async fn every_spelling_of_a_language_shares_one_stored_answer() {
    use diesel::connection::SimpleConnection;
    let app = cached_app().await;
    let first = app
        .get("/api/v1/news")
        .header("Accept-Language", "uk")
        .await;
    assert_eq!(first.status(), 200);
    let first = first.text().await;
    app.conn()
        .batch_execute(
            "SET session_replication_role = replica; \
             INSERT INTO news (slug, title, status, published_at) \
             VALUES ('unannounced', '{\"en\": \"Unannounced\"}', 'published', now() - interval '1 day')",
        )
        .unwrap();
    for spelling in [
        "uk-UA",
        "UK",
        "uk;q=0.9, en;q=0.1",
        "de, uk;q=0.5",
        "uk-UA,uk;q=0.9",
    ] {
        let again = app
            .get("/api/v1/news")
            .header("Accept-Language", spelling)
            .await;
        assert_eq!(again.text().await, first, "{spelling}");
    }
    // The default locale is its own entry: computed now, it shows the item.
    let english = app.get("/api/v1/news").good().await;
    assert!(slugs(&english).contains(&"unannounced".to_owned()));
    let by_default = app
        .get("/api/v1/news")
        .header("Accept-Language", "fr")
        .await
        .json()
        .await;
    assert_eq!(
        by_default, english,
        "an unsatisfiable preference means the default"
    );
}
