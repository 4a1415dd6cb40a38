use serde_json::json;

use crate::helpers::{NewsFactory, TestApp};

async fn news_with_translation(app: &TestApp) {
    let mut conn = app.conn();
    NewsFactory::new("translated")
        .title(json!({"en": "Hello", "uk": "Привіт"}))
        .insert(&mut conn);
    NewsFactory::new("english-only")
        .title(json!({"en": "Only English"}))
        .insert(&mut conn);
}

#[tokio::test]
async fn query_locale_chooses_the_translation() {
    let app = TestApp::new().await;
    news_with_translation(&app).await;
    let response = app.get("/api/v1/news/translated?locale=uk").await;
    assert_eq!(response.header("content-language"), "uk");
    assert_eq!(response.header("vary"), "Accept-Language, Authorization");
    let body: serde_json::Value = response.json().await;
    assert_eq!(body["title"], "Привіт");
    assert_eq!(body["locale"], "uk");
    assert_eq!(body["available_locales"], json!(["en", "uk"]));
    // The body has no Ukrainian text: that field falls back on its own.
    assert_eq!(body["body"], "Body of translated");
}

#[tokio::test]
async fn missing_translation_falls_back_to_the_default_locale() {
    let app = TestApp::new().await;
    news_with_translation(&app).await;
    let response = app.get("/api/v1/news/english-only?locale=uk").await;
    assert_eq!(response.header("content-language"), "en");
    let body: serde_json::Value = response.json().await;
    assert_eq!(body["title"], "Only English");
    assert_eq!(body["locale"], "en");
    assert_eq!(body["available_locales"], json!(["en"]));
}

#[tokio::test]
async fn accept_language_chooses_when_no_query_locale() {
    let app = TestApp::new().await;
    news_with_translation(&app).await;
    let uk = app
        .get("/api/v1/news/translated")
        .header("Accept-Language", "uk-UA,uk;q=0.9,en;q=0.5")
        .await;
    assert_eq!(uk.json().await["title"], "Привіт");
    let unknown = app
        .get("/api/v1/news/translated")
        .header("Accept-Language", "fr-CH, fr;q=0.9")
        .await;
    assert_eq!(
        unknown.status(),
        200,
        "an unsatisfiable Accept-Language means the default"
    );
    assert_eq!(unknown.json().await["title"], "Hello");
    let both = app
        .get("/api/v1/news/translated?locale=en")
        .header("Accept-Language", "uk")
        .await;
    assert_eq!(both.json().await["title"], "Hello");
}

#[tokio::test]
async fn list_content_language_names_the_locales_shown() {
    let app = TestApp::new().await;
    news_with_translation(&app).await;
    let response = app.get("/api/v1/news?locale=uk").await;
    let language = response.header("content-language").to_owned();
    let mut parts: Vec<&str> = language.split(", ").collect();
    parts.sort();
    assert_eq!(parts, ["en", "uk"]);
    let empty = TestApp::new().await;
    let response = empty.get("/api/v1/news?locale=uk").await;
    assert_eq!(response.header("content-language"), "uk");
}

#[tokio::test]
async fn locales_come_from_configuration() {
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_LOCALES", "uk,en,de")
        .spawn()
        .await;
    // `uk` is now the default, but the seed is English only: after the reader's locale and the
    // default, any configured locale that has the text is better than nothing.
    let body = app.get("/api/v1/organization?locale=de").good().await;
    assert_eq!(body["locale"], "en");
    assert_eq!(body["name"], "International Organization for Migration");
    let unset = app.get("/api/v1/organization").good().await;
    assert_eq!(unset["locale"], "en");
    app.get("/api/v1/organization?locale=fr").problem(400).await;
}

#[tokio::test]
async fn every_resource_honours_the_locale() {
    let app = TestApp::seeded().await;
    for path in [
        "/api/v1/organization",
        "/api/v1/objectives",
        "/api/v1/missions",
        "/api/v1/missions/ukraine",
        "/api/v1/news",
    ] {
        let response = app.get(&format!("{path}?locale=uk")).await;
        assert_eq!(response.status(), 200, "{path}");
        // The seed is English only, so everything falls back to it.
        assert_eq!(response.header("content-language"), "en", "{path}");
        app.get(&format!("{path}?locale=xx")).problem(400).await;
    }
}
