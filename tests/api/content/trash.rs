//! The trash: a DELETE hides the item from every public read at once and keeps it, with its
//! slug and revisions, until an editor restores it or an administrator (or the sweep) purges it.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{slugs, TestApp};

fn published(title: &str, slug: &str) -> Value {
    json!({"slug": slug, "title": {"en": title}, "body": {"en": "Shelter kits for Kharkiv"},
           "status": "published", "published_at": "2026-11-01T09:00:00Z", "tags": ["shelter"]})
}

/// The change feed's cursor as of now.
pub async fn cursor_now(app: &TestApp) -> String {
    let mut path = "/api/v1/changes?limit=500".to_owned();
    loop {
        let page = app.get(&path).good().await;
        let cursor = page["meta"]["next_cursor"].as_str().unwrap().to_owned();
        if page["meta"]["has_more"] == false {
            return cursor;
        }
        path = format!("/api/v1/changes?limit=500&since={cursor}");
    }
}

#[tokio::test]
async fn a_deleted_item_leaves_every_public_read_and_comes_back_from_the_trash() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let item = editor
        .post("/api/v1/news", published("Winter kits", "winter-kits"))
        .success()
        .await;
    let id = item["id"].as_str().unwrap().to_owned();
    editor
        .patch(
            "/api/v1/news/winter-kits",
            json!({"title": {"en": "Winter kits 2026"}}),
        )
        .success()
        .await;
    app.get("/api/v1/news/winter-kits").good().await;
    let since = cursor_now(&app).await;

    editor.delete("/api/v1/news/winter-kits").send().await;
    app.get("/api/v1/news/winter-kits").problem(404).await;
    editor.get("/api/v1/news/winter-kits").problem(404).await;
    assert!(!slugs(&app.get("/api/v1/news?per_page=100").good().await)
        .contains(&"winter-kits".to_owned()));
    assert!(
        !slugs(&app.get("/api/v1/news?q=Kharkiv").good().await).contains(&"winter-kits".to_owned())
    );
    assert!(!slugs(&app.get("/api/v1/news?tag=shelter").good().await)
        .contains(&"winter-kits".to_owned()));
    assert!(!app
        .get("/api/v1/feeds/news.rss")
        .send()
        .await
        .text()
        .await
        .contains("winter-kits"));
    let changes = app
        .get(&format!("/api/v1/changes?since={since}"))
        .good()
        .await;
    assert_eq!(changes["data"][0]["id"], id.as_str());
    assert_eq!(changes["data"][0]["op"], "delete");

    // Its slug stays reserved.
    let taken = editor
        .post("/api/v1/news", published("Another", "winter-kits"))
        .problem(409)
        .await;
    assert!(
        taken["detail"].as_str().unwrap().contains("slug"),
        "{taken}"
    );
    let generated = editor
        .post("/api/v1/news", json!({"title": {"en": "Winter kits"}}))
        .success()
        .await;
    assert_eq!(
        generated["slug"], "winter-kits-2",
        "a free slug skips the trash's"
    );

    let trash = editor.get("/api/v1/trash").good().await;
    assert_eq!(trash["data"][0]["id"], id.as_str());
    assert_eq!(trash["data"][0]["resource"], "news");
    assert_eq!(trash["data"][0]["slug"], "winter-kits");
    assert_eq!(trash["data"][0]["version"], 2);
    assert_eq!(
        trash["data"][0]["document"]["title"]["en"],
        "Winter kits 2026"
    );
    assert!(trash["data"][0]["deleted_by_email"]
        .as_str()
        .unwrap()
        .starts_with("editor-"));
    let one = editor.get(&format!("/api/v1/trash/{id}")).good().await;
    assert_eq!(one["id"], id.as_str());
    assert_eq!(
        editor.get("/api/v1/trash?resource=missions").good().await["data"],
        json!([])
    );
    // Its revisions are still there, by id or by its reserved slug.
    let revisions = editor
        .get("/api/v1/revisions/news/winter-kits")
        .good()
        .await;
    assert_eq!(revisions["meta"]["total"], 2);

    // Restored: the same id and slug, a draft, the next version, its revisions kept.
    let restored = editor
        .request(Method::POST, &format!("/api/v1/trash/{id}/restore"))
        .send()
        .await;
    assert_eq!(restored.status(), 201);
    assert_eq!(restored.location(), format!("/api/v1/news/{id}"));
    let body = restored.json().await;
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["slug"], "winter-kits");
    assert_eq!(body["status"], "draft", "unpublished unless asked");
    assert_eq!(body["version"], 3);
    assert_eq!(body["created_at"], item["created_at"]);
    assert_eq!(body["title"]["en"], "Winter kits 2026");
    app.get("/api/v1/news/winter-kits").problem(404).await;
    let revisions = editor
        .get(&format!("/api/v1/revisions/news/{id}"))
        .good()
        .await;
    assert_eq!(revisions["meta"]["total"], 3);
    editor
        .get(&format!("/api/v1/trash/{id}"))
        .problem(404)
        .await;
    editor
        .request(Method::POST, &format!("/api/v1/trash/{id}/restore"))
        .problem(404)
        .await;

    // Gone again: neither an editor's write nor a second delete finds it.
    assert_eq!(
        editor
            .delete("/api/v1/news/winter-kits")
            .send()
            .await
            .status(),
        204
    );
    editor
        .patch(&format!("/api/v1/news/{id}"), json!({}))
        .problem(404)
        .await;
    editor
        .delete(&format!("/api/v1/news/{id}"))
        .problem(404)
        .await;
}

#[tokio::test]
async fn an_item_restored_with_its_publication_state_is_public_again_and_announced() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let item = editor
        .post("/api/v1/news", published("Back again", "back-again"))
        .success()
        .await;
    let id = item["id"].as_str().unwrap();
    editor.delete("/api/v1/news/back-again").send().await;
    let since = cursor_now(&app).await;
    let restore = format!("/api/v1/trash/{id}/restore?with_publication=true");
    let restored = editor
        .request(Method::POST, &restore)
        .idempotency_key("back-again")
        .success()
        .await;
    let retried = editor
        .request(Method::POST, &restore)
        .idempotency_key("back-again")
        .success()
        .await;
    assert_eq!(retried, restored, "a retry gets the first answer");
    assert_eq!(restored["status"], "published");
    assert_eq!(app.get("/api/v1/news/back-again").good().await["id"], id);
    let changes = app
        .get(&format!("/api/v1/changes?since={since}"))
        .good()
        .await;
    assert_eq!(changes["data"][0]["op"], "upsert");
    let audit = app
        .as_admin()
        .await
        .get(&format!("/api/v1/audit?item={id}"))
        .good()
        .await;
    let actions: Vec<&str> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "delete", "create"]);
    // Announced to webhooks, in order.
    assert_eq!(
        events_of(&app, id),
        ["news.published", "news.deleted", "news.published"]
    );
}

/// The types of the webhook events about `id`, oldest first.
pub fn events_of(app: &TestApp, id: &str) -> Vec<String> {
    use orgcms::db::schema::webhook_events;
    webhook_events::table
        .filter(webhook_events::item_id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .order(webhook_events::seq.asc())
        .select(webhook_events::event_type)
        .load(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn missions_and_objectives_go_to_the_trash_and_assets_stay_final() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let objective = editor
        .post(
            "/api/v1/objectives",
            json!({"slug": "to-trash", "title": {"en": "To trash"}}),
        )
        .success()
        .await;
    editor.delete("/api/v1/objectives/to-trash").send().await;
    app.get("/api/v1/objectives/to-trash").problem(404).await;
    let trash = editor.get("/api/v1/trash?resource=objectives").good().await;
    assert_eq!(trash["data"][0]["id"], objective["id"]);
    editor
        .post(
            "/api/v1/objectives",
            json!({"slug": "to-trash", "title": {"en": "Again"}}),
        )
        .problem(409)
        .await;

    // A mission with news: the news keeps pointing nowhere (as before); restoring the news
    // item after its mission is gone for good is the 422 such a write gets.
    let missions = editor.get("/api/v1/missions").good().await;
    let mission = missions["data"][0].clone();
    let mission_id = mission["id"].as_str().unwrap();
    let news = editor
        .post(
            "/api/v1/news",
            json!({"slug": "mission-news", "title": {"en": "Mission news"}, "mission_id": mission_id}),
        )
        .success()
        .await;
    let news_id = news["id"].as_str().unwrap();
    let stays = editor
        .post(
            "/api/v1/news",
            json!({"slug": "stays", "title": {"en": "Stays"}, "mission_id": mission_id}),
        )
        .success()
        .await;
    editor.delete("/api/v1/news/mission-news").send().await;
    editor
        .delete(&format!("/api/v1/missions/{mission_id}"))
        .send()
        .await;
    // The news item that stays lost its mission: a new version, with its revision and audit.
    let unlinked = editor.get("/api/v1/news/stays").good().await;
    assert_eq!(unlinked["mission_id"], Value::Null);
    assert_eq!(unlinked["version"], 2);
    let stays_id = stays["id"].as_str().unwrap();
    let revisions = editor
        .get(&format!("/api/v1/revisions/news/{stays_id}"))
        .good()
        .await;
    assert_eq!(revisions["data"][0]["version"], 2);
    let diff = editor
        .get(&format!("/api/v1/revisions/news/{stays_id}/diff?from=1"))
        .good()
        .await;
    assert_eq!(
        diff["patch"],
        json!([{"op": "replace", "path": "/mission_id", "value": null}])
    );
    let audit = app
        .as_admin()
        .await
        .get(&format!("/api/v1/audit?item={stays_id}"))
        .good()
        .await;
    assert_eq!(audit["data"][0]["action"], "update");
    app.get(&format!("/api/v1/missions/{mission_id}"))
        .problem(404)
        .await;
    let admin = app.as_admin().await;
    admin
        .delete(&format!("/api/v1/trash/{mission_id}"))
        .send()
        .await;
    let refused = editor
        .request(Method::POST, &format!("/api/v1/trash/{news_id}/restore"))
        .problem(422)
        .await;
    assert!(refused.to_string().contains("mission_id"), "{refused}");
    editor.get(&format!("/api/v1/trash/{news_id}")).good().await;

    // An asset's delete is final, as before: nothing in the trash.
    let count: i64 = orgcms::db::schema::trash::table
        .filter(orgcms::db::schema::trash::resource.eq("assets"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn administrators_purge_and_the_sweep_purges_what_is_old() {
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_RETENTION_SWEEP_MS", "50")
        .env("ORGCMS_TRASH_RETENTION_DAYS", "30")
        .spawn()
        .await;
    let editor = app.as_editor().await;
    let admin = app.as_admin().await;
    let first = editor
        .post("/api/v1/news", published("Purged", "purged"))
        .success()
        .await;
    let second = editor
        .post("/api/v1/news", published("Swept", "swept"))
        .success()
        .await;
    editor.delete("/api/v1/news/purged").send().await;
    editor.delete("/api/v1/news/swept").send().await;
    let first_id = first["id"].as_str().unwrap();

    editor
        .delete(&format!("/api/v1/trash/{first_id}"))
        .problem(403)
        .await;
    app.anon()
        .delete(&format!("/api/v1/trash/{first_id}"))
        .problem(401)
        .await;
    admin.delete("/api/v1/trash/not-a-uuid").problem(404).await;
    admin
        .delete("/api/v1/trash/00000000-0000-0000-0000-000000000000")
        .problem(404)
        .await;
    let purged = admin
        .delete(&format!("/api/v1/trash/{first_id}"))
        .send()
        .await;
    assert_eq!(purged.status(), 204);
    editor
        .get(&format!("/api/v1/revisions/news/{first_id}"))
        .problem(404)
        .await;
    editor
        .post("/api/v1/news", published("Purged again", "purged"))
        .success()
        .await;

    // The sweep leaves young items and purges old ones.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let second_id = second["id"].as_str().unwrap();
    editor
        .get(&format!("/api/v1/trash/{second_id}"))
        .good()
        .await;
    diesel::sql_query("UPDATE trash SET deleted_at = now() - interval '31 days'")
        .execute(&mut app.conn())
        .unwrap();
    for _ in 0..100 {
        if editor
            .get(&format!("/api/v1/trash/{second_id}"))
            .send()
            .await
            .status()
            == 404
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the sweep did not purge the old item");
}
