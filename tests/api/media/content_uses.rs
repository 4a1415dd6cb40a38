//! Content that uses assets: covers, embedded images, the refusal to delete what is in use, and
//! the change feed, Last-Modified and response cache following asset changes.

use serde_json::json;

use super::{on_both_backends, path_of, publish_with_cover, upload, upload_photo};
use crate::helpers::media::{jpeg, pdf};
use crate::helpers::{error_fields, TestApp};

#[tokio::test]
async fn a_cover_gives_what_an_img_srcset_needs() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let asset = upload(&editor, jpeg(2400, 1600), "image/jpeg", "cover.jpg").await;
    let slug = publish_with_cover(&app, &editor, &asset).await;
    let news = app.anon().get(&format!("/api/v1/news/{slug}")).good().await;
    let cover = &news["cover_image"];
    assert_eq!(cover["asset_id"], asset["id"]);
    assert_eq!(cover["alt"], "An image");
    assert_eq!(
        (cover["width"].as_u64(), cover["height"].as_u64()),
        (Some(2400), Some(1600))
    );
    let widths: Vec<u64> = cover["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["width"].as_u64().unwrap())
        .collect();
    assert_eq!(widths, [320, 640, 1600]);
    let srcset = cover["srcset"].as_str().unwrap();
    assert!(
        srcset.contains(" 320w") && srcset.contains(" 640w") && srcset.contains(" 1600w"),
        "{srcset}"
    );
    assert!(
        cover["url"].as_str().unwrap().starts_with("http"),
        "absolute URLs"
    );
    // The list shows it too, in the reader's locale with the default one as fallback.
    let list = app.anon().get("/api/v1/news?locale=uk").good().await;
    assert_eq!(list["data"][0]["cover_image"]["alt"], "An image");
    // The editor view names the asset.
    let editor_view = editor.get(&format!("/api/v1/news/{slug}")).good().await;
    assert_eq!(editor_view["cover_asset_id"], asset["id"]);
}

/// A mission is read in one statement, its parts and cover with it (as `jsonb`): the cover must
/// come out as a news item's does (its order of parts: `ukraine_mission_has_its_history_...`).
#[tokio::test]
async fn a_missions_cover_is_read_with_it() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let asset = upload(&editor, jpeg(2400, 1600), "image/jpeg", "mission.jpg").await;
    editor
        .patch(
            "/api/v1/missions/ukraine",
            json!({"cover_asset_id": asset["id"]}),
        )
        .success()
        .await;
    let mission = app.anon().get("/api/v1/missions/ukraine").good().await;
    let cover = &mission["cover_image"];
    assert_eq!(cover["asset_id"], asset["id"]);
    assert_eq!(cover["alt"], "An image");
    assert_eq!(
        (cover["width"].as_u64(), cover["height"].as_u64()),
        (Some(2400), Some(1600))
    );
    assert_eq!(cover["variants"].as_array().map(Vec::len), Some(3));
    let editor_view = editor.get("/api/v1/missions/ukraine").good().await;
    assert_eq!(editor_view["cover_asset_id"], asset["id"]);
}

#[tokio::test]
async fn only_an_existing_image_can_be_a_cover() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let refused = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "x"}, "cover_asset_id": "4b9f5a52-2d4c-4f3e-8a6b-1c2d3e4f5a6b"}),
        )
        .problem(422)
        .await;
    assert_eq!(error_fields(&refused), ["cover_asset_id"]);
    let doc = editor
        .post_raw("/api/v1/assets?file_name=r.pdf", "application/pdf", pdf())
        .success()
        .await;
    let refused = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "x"}, "cover_asset_id": doc["id"]}),
        )
        .problem(422)
        .await;
    assert_eq!(error_fields(&refused), ["cover_asset_id"]);
    let refused = editor
        .patch(
            "/api/v1/missions/ukraine",
            json!({"cover_asset_id": doc["id"]}),
        )
        .problem(422)
        .await;
    assert_eq!(error_fields(&refused), ["cover_asset_id"]);
}

#[tokio::test]
async fn a_body_embeds_an_image_with_its_size_and_alt_text() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let asset = upload(&editor, jpeg(1000, 500), "image/jpeg", "inline.jpg").await;
    let id = asset["id"].as_str().unwrap();
    let body = format!(
        "Before.\n\n![]({0})\n\n![A *road*]({0})",
        format!("asset:{id}")
    );
    editor
        .post("/api/v1/news", json!({"slug": "embed", "title": {"en": "Embed"}, "status": "published", "body": {"en": body}}))
        .success()
        .await;
    let news = app.anon().get("/api/v1/news/embed").good().await;
    let html = news["body_html"].as_str().unwrap();
    assert!(
        html.contains("alt=\"An image\""),
        "the asset's alt text: {html}"
    );
    assert!(
        html.contains("alt=\"A road\""),
        "the body's own alt text: {html}"
    );
    assert!(html.contains("width=\"1000\" height=\"500\""), "{html}");
    assert!(html.contains("srcset="), "{html}");
    assert!(!html.contains("asset:"), "{html}");
    // The embedded image is public now.
    let file = path_of(asset["links"]["url"].as_str().unwrap());
    assert_eq!(app.anon().get(&file).await.status(), 200);
    // An embed of nothing is refused.
    let refused = editor
        .post("/api/v1/news", json!({"title": {"en": "x"}, "body": {"en": "![](asset:4b9f5a52-2d4c-4f3e-8a6b-1c2d3e4f5a6b)"}}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&refused), ["body.en"]);
}

on_both_backends! {
    async fn an_asset_in_use_is_not_deleted_and_gc_removes_what_nothing_has(app: TestApp) {
        let editor = app.as_editor().await;
        let asset = upload_photo(&editor).await;
        let id = asset["id"].as_str().unwrap();
        let slug = publish_with_cover(&app, &editor, &asset).await;
        let news_id = editor.get(&format!("/api/v1/news/{slug}")).good().await["id"].as_str().unwrap().to_owned();
        let conflict = editor.delete(&format!("/api/v1/assets/{id}")).problem(409).await;
        let detail = conflict["detail"].as_str().unwrap();
        assert!(detail.contains(&news_id) && detail.contains("cover_asset_id"), "{detail}");
        // Once the item lets go of it, it can go.
        let news = editor.get(&format!("/api/v1/news/{slug}")).await;
        let etag = news.etag();
        editor.patch(&format!("/api/v1/news/{slug}"), json!({"cover_asset_id": null})).if_match(&etag).good().await;
        assert_eq!(editor.delete(&format!("/api/v1/assets/{id}")).await.status(), 204);

        // The file stays until gc, which keeps what is younger than its grace period.
        let settings = orgcms::app::settings::Settings::from_lookup(|name| app_env(&app, name)).unwrap();
        let storage = orgcms::media::storage::Storage::open(&settings.media.storage).unwrap();
        let pool = orgcms::db::build_pool(&app.db.url, 2, std::time::Duration::from_secs(5), settings.db_session);
        let stored = storage.list("originals/").await.unwrap();
        assert_eq!(stored.len(), 1);
        let kept = orgcms::resources::assets::gc::collect(&pool, &storage, chrono::Duration::hours(1)).await.unwrap();
        assert_eq!(kept.removed, 0);
        let live = upload(&editor, jpeg(33, 33), "image/jpeg", "live.jpg").await;
        let report = orgcms::resources::assets::gc::collect(&pool, &storage, chrono::Duration::zero()).await.unwrap();
        assert_eq!(report.removed, 1, "{report:?}");
        let left = storage.list("originals/").await.unwrap();
        assert_eq!(left.len(), 1);
        assert!(left[0].key.contains(live["sha256"].as_str().unwrap()));
    }
}

/// The configuration `app` runs with, as far as a storage needs it.
fn app_env(app: &TestApp, name: &str) -> Option<String> {
    use crate::helpers::Backend;
    let s3 = |n: &str| std::env::var(n).ok();
    match (app.media.backend, name) {
        (_, "DATABASE_URL") => Some(app.db.url.clone()),
        (_, "ORGCMS_JWT_SECRET") => Some(crate::helpers::TEST_JWT_SECRET.to_owned()),
        (Backend::Local, "ORGCMS_MEDIA_DIR") => Some(app.media.location.clone()),
        (Backend::S3, "ORGCMS_MEDIA_STORE") => Some("s3".to_owned()),
        (Backend::S3, "ORGCMS_S3_PREFIX") => Some(app.media.location.clone()),
        (Backend::S3, "ORGCMS_S3_ENDPOINT") => s3("ORGCMS_TEST_S3_ENDPOINT"),
        (Backend::S3, "ORGCMS_S3_BUCKET") => s3("ORGCMS_TEST_S3_BUCKET"),
        (Backend::S3, "ORGCMS_S3_ACCESS_KEY_ID") => s3("ORGCMS_TEST_S3_ACCESS_KEY_ID"),
        (Backend::S3, "ORGCMS_S3_SECRET_ACCESS_KEY") => s3("ORGCMS_TEST_S3_SECRET_ACCESS_KEY"),
        (Backend::S3, "ORGCMS_S3_ALLOW_HTTP") => Some("true".to_owned()),
        _ => None,
    }
}

#[tokio::test]
async fn a_change_of_an_asset_is_a_change_of_the_content_that_shows_it() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let asset = upload_photo(&editor).await;
    let location = format!("/api/v1/assets/{}", asset["id"].as_str().unwrap());
    let slug = publish_with_cover(&app, &editor, &asset).await;
    let before = app.anon().get("/api/v1/changes").good().await;
    let cursor = before["meta"]["next_cursor"].as_str().map(str::to_owned);
    let etag = app.anon().get(&format!("/api/v1/news/{slug}")).await.etag();
    // Last-Modified is given once its second has passed (a later write in it would be unseen).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let modified = app
        .anon()
        .get("/api/v1/news")
        .await
        .header("last-modified")
        .to_owned();
    editor
        .patch(&location, json!({"alt": {"en": "A new description"}}))
        .good()
        .await;
    let news = app.anon().get(&format!("/api/v1/news/{slug}")).await;
    assert_ne!(news.etag(), etag);
    assert_eq!(news.json().await["cover_image"]["alt"], "A new description");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let list = app.anon().get("/api/v1/news").await;
    assert_ne!(
        list.header("last-modified"),
        modified,
        "the list's Last-Modified moves"
    );
    let path = match cursor {
        Some(c) => format!("/api/v1/changes?since={c}"),
        None => "/api/v1/changes".to_owned(),
    };
    let changes = app.anon().get(&path).good().await;
    let entries = changes["data"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["resource"] == "news" && e["item"]["slug"] == slug.as_str()),
        "{changes}"
    );
}
