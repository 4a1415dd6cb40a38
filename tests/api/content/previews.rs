//! Draft previews: a link an editor makes shows the draft, as readers would see it, to anyone who
//! has it; never cached, never indexed; revoked or expired, it finds nothing.

use diesel::prelude::*;
use serde_json::json;

use crate::helpers::factories::NewsFactory;
use crate::helpers::TestApp;

/// A preview link of `slug`, made by `editor`.
async fn preview(editor: &crate::helpers::Client, slug: &str) -> serde_json::Value {
    editor
        .post(&format!("/api/v1/news/{slug}/previews"), json!({}))
        .success()
        .await
}

/// The path of a link's URL on the test server.
fn path_of(link: &serde_json::Value) -> String {
    let url = link["url"].as_str().unwrap();
    url[url.find("/api/v1/").unwrap()..].to_owned()
}

#[tokio::test]
async fn a_preview_link_shows_the_current_draft_to_anyone_and_to_no_cache() {
    // The response cache is on: a preview must never be served from it.
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_RESPONSE_CACHE_MIB", "16")
        .spawn()
        .await;
    let editor = app.as_editor().await;
    NewsFactory::new("a-draft")
        .status("draft")
        .title(json!({"en": "Draft title", "uk": "Чернетка"}))
        .insert(&mut app.conn());
    app.get("/api/v1/news/a-draft").problem(404).await;
    let link = preview(&editor, "a-draft").await;
    assert!(link["url"]
        .as_str()
        .unwrap()
        .ends_with(link["token"].as_str().unwrap()));
    let expires: chrono::DateTime<chrono::Utc> =
        link["expires_at"].as_str().unwrap().parse().unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((23.9..=24.1).contains(&hours), "a day by default: {hours}");

    let read = app.get(&path_of(&link)).send().await;
    assert_eq!(read.status(), 200);
    assert_eq!(read.header("cache-control"), "private, no-store");
    assert_eq!(read.header("x-robots-tag"), "noindex");
    let body = read.json().await;
    assert_eq!(body["title"], "Draft title");
    assert_eq!(body["slug"], "a-draft");
    assert!(body.get("status").is_none(), "the public representation");
    let uk = app
        .get(&format!("{}?locale=uk", path_of(&link)))
        .good()
        .await;
    assert_eq!(uk["title"], "Чернетка");

    // The draft as it is now, not as it was when the link was made.
    let etag = editor.get("/api/v1/news/a-draft").send().await.etag();
    editor
        .merge_patch(
            "/api/v1/news/a-draft",
            json!({"title": {"en": "Second draft"}}),
        )
        .if_match(&etag)
        .success()
        .await;
    assert_eq!(
        app.get(&path_of(&link)).good().await["title"],
        "Second draft"
    );
    app.get("/api/v1/news/a-draft").problem(404).await;

    // Revoked: nothing, at once (no cache kept it).
    let other = preview(&editor, "a-draft").await;
    let id = link["id"].as_str().unwrap();
    editor
        .delete(&format!("/api/v1/news/a-draft/previews/{id}"))
        .success()
        .await;
    app.get(&path_of(&link)).problem(404).await;
    app.get(&path_of(&other)).good().await;
    editor
        .delete(&format!("/api/v1/news/a-draft/previews/{id}"))
        .problem(404)
        .await;
    editor
        .delete("/api/v1/news/a-draft/previews")
        .success()
        .await;
    app.get(&path_of(&other)).problem(404).await;
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_find_nothing() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    NewsFactory::new("a-draft")
        .status("draft")
        .insert(&mut app.conn());
    let link = preview(&editor, "a-draft").await;
    let token = link["token"].as_str().unwrap().to_owned();

    // A changed signature, an access token, garbage: 404, never the draft.
    let mut forged = token.clone().into_bytes();
    let last = forged.len() - 2;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    app.get(&format!("/api/v1/previews/{forged}"))
        .problem(404)
        .await;
    let access = app.editor_token().await;
    app.get(&format!("/api/v1/previews/{access}"))
        .problem(404)
        .await;
    app.get("/api/v1/previews/not-a-token").problem(404).await;
    // Nor is a preview token an access token.
    app.with_token(&token)
        .get("/api/v1/auth/me")
        .problem(401)
        .await;

    // Expired (the row says so, whatever the token claims): nothing.
    app.get(&format!("/api/v1/previews/{token}")).good().await;
    use orgcms::db::schema::preview_links;
    diesel::update(preview_links::table)
        .set(preview_links::expires_at.eq(chrono::Utc::now() - chrono::Duration::seconds(1)))
        .execute(&mut app.conn())
        .unwrap();
    app.get(&format!("/api/v1/previews/{token}"))
        .problem(404)
        .await;

    // A deleted item takes its links along.
    let link = preview(&editor, "a-draft").await;
    let etag = editor.get("/api/v1/news/a-draft").send().await.etag();
    editor
        .delete("/api/v1/news/a-draft")
        .if_match(&etag)
        .success()
        .await;
    app.get(&path_of(&link)).problem(404).await;
}

#[tokio::test]
async fn only_editors_make_links_and_bad_requests_are_refused() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    NewsFactory::new("a-draft")
        .status("draft")
        .insert(&mut app.conn());
    app.anon()
        .post("/api/v1/news/a-draft/previews", json!({}))
        .problem(401)
        .await;
    app.anon()
        .delete("/api/v1/news/a-draft/previews")
        .problem(401)
        .await;
    let problem = editor
        .post(
            "/api/v1/news/a-draft/previews",
            json!({"expires_in_seconds": 10}),
        )
        .problem(422)
        .await;
    assert_eq!(
        crate::helpers::error_fields(&problem),
        ["expires_in_seconds"]
    );
    editor
        .post(
            "/api/v1/news/a-draft/previews",
            json!({"expires_in_seconds": 3_000_000}),
        )
        .problem(422)
        .await;
    editor
        .post("/api/v1/news/a-draft/previews", json!({"forever": true}))
        .problem(422)
        .await;
    editor
        .post(
            "/api/v1/news/a-draft/previews",
            json!({"expires_in_seconds": "soon"}),
        )
        .problem(422)
        .await;
    editor
        .post("/api/v1/news/no-such-item/previews", json!({}))
        .problem(404)
        .await;
    let link = editor
        .post(
            "/api/v1/news/a-draft/previews",
            json!({"expires_in_seconds": 600}),
        )
        .success()
        .await;
    let expires: chrono::DateTime<chrono::Utc> =
        link["expires_at"].as_str().unwrap().parse().unwrap();
    assert!((expires - chrono::Utc::now()).num_seconds() <= 600);
    let count: i64 = orgcms::db::schema::preview_links::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, 1, "refused requests wrote nothing");
}
