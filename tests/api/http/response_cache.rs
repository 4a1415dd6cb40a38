//! The in-process cache of anonymous reads never shows what is no longer true: writes through
//! the API, writes by anyone else, and scheduled items turning public all reach readers.

use std::time::Duration;

use chrono::Utc;
use reqwest::Method;
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
        let body = app.get_json(path).await;
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
    let token = app.editor_token().await;
    for i in 0..5 {
        // Fill the cache, write, read again: the write is there at once, every time.
        let before = slugs(&app.get_json("/api/v1/news").await);
        let body = json!({"title": {"en": format!("Item {i}")}, "status": "published"});
        let created = app
            .send(Method::POST, "/api/v1/news", &token, Some(body), &[])
            .await;
        assert_eq!(created.status(), 201);
        let after = slugs(&app.get_json("/api/v1/news").await);
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
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let first_body = first.text().await.unwrap();
    for _ in 0..3 {
        let again = app.get("/api/v1/news").await;
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public"));
        assert_eq!(again.text().await.unwrap(), first_body);
        let revalidated = app
            .get_with("/api/v1/news", &[("If-None-Match", &etag)])
            .await;
        assert_eq!(revalidated.status(), 304);
        assert_eq!(revalidated.headers()["etag"].to_str().unwrap(), etag);
        assert!(revalidated.headers().get("content-type").is_none());
        assert!(revalidated.bytes().await.unwrap().is_empty());
    }
    // Another language is another representation.
    let uk = app
        .get_with("/api/v1/news", &[("Accept-Language", "uk")])
        .await;
    assert_eq!(uk.headers()["content-language"].to_str().unwrap(), "en");
}

#[tokio::test]
async fn an_editor_never_gets_the_cached_public_view() {
    let app = cached_app().await;
    NewsFactory::new("draft")
        .status("draft")
        .published_at(None)
        .insert(&mut app.conn());
    let public = app.get_json("/api/v1/news").await;
    assert!(slugs(&public).is_empty());
    let token = app.editor_token().await;
    let editor = app
        .send(Method::GET, "/api/v1/news", &token, None, &[])
        .await;
    assert_eq!(
        editor.headers()["cache-control"].to_str().unwrap(),
        "private, no-store"
    );
    let editor: Value = editor.json().await.unwrap();
    assert_eq!(slugs(&editor), ["draft"]);
}

#[tokio::test]
async fn writes_by_others_and_scheduled_items_reach_readers() {
    let app = cached_app().await;
    assert!(slugs(&app.get_json("/api/v1/news").await).is_empty());
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
    assert_eq!(slugs(&app.get_json("/api/v1/news").await), ["elsewhere"]);
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
        .get_with("/api/v1/news", &[("Accept-Language", "uk")])
        .await;
    assert_eq!(first.status(), 200);
    let first = first.text().await.unwrap();
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
            .get_with("/api/v1/news", &[("Accept-Language", spelling)])
            .await;
        assert_eq!(again.text().await.unwrap(), first, "{spelling}");
    }
    // The default locale is its own entry: computed now, it shows the item.
    let english = app.get_json("/api/v1/news").await;
    assert!(slugs(&english).contains(&"unannounced".to_owned()));
    let by_default = app
        .get_with("/api/v1/news", &[("Accept-Language", "fr")])
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        by_default, english,
        "an unsatisfiable preference means the default"
    );
}
