//! Revisions: every write stores one; editors list, read, compare, pin and restore them; a
//! restore is a new version through the write engine and keeps the publication state; retention
//! bounds what is kept.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{Client, TestApp};

fn draft(title: &str) -> Value {
    json!({"title": {"en": title}, "body": {"en": "Body"}})
}

/// A news item created and then retitled: versions 1 ("First"), 2 ("Second"), 3 ("Third").
async fn three_versions(editor: &Client) -> (String, Value) {
    let created = editor.post("/api/v1/news", draft("First")).success().await;
    let path = format!("/api/v1/news/{}", created["id"].as_str().unwrap());
    for title in ["Second", "Third"] {
        editor
            .patch(&path, json!({"title": {"en": title}}))
            .success()
            .await;
    }
    (path, created)
}

fn revision_count(app: &TestApp, id: &str) -> i64 {
    use orgcms::db::schema::revisions;
    revisions::table
        .filter(revisions::item_id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn every_write_stores_a_revision_that_editors_list_read_and_compare() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let (_, created) = three_versions(&editor).await;
    let id = created["id"].as_str().unwrap();
    let base = format!("/api/v1/revisions/news/{id}");

    let list = editor.get(&format!("{base}?per_page=2")).good().await;
    let versions: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2], "newest first");
    assert_eq!(list["meta"]["total"], 3);
    assert!(
        list["data"][0].get("document").is_none(),
        "a list without content"
    );
    let cursor = list["meta"]["next_cursor"].as_str().unwrap();
    let rest = editor
        .get(&format!("{base}?per_page=2&cursor={cursor}"))
        .good()
        .await;
    assert_eq!(rest["data"][0]["version"], 1);
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    // By slug too.
    let by_slug = editor.get("/api/v1/revisions/news/first").good().await;
    assert_eq!(by_slug["data"][0]["version"], 3);

    let first = editor.get(&format!("{base}/1")).good().await;
    assert_eq!(first["version"], 1);
    assert_eq!(first["document"]["title"]["en"], "First");
    assert_eq!(first["document"]["version"], 1);
    assert!(first["author_email"]
        .as_str()
        .unwrap()
        .starts_with("editor-"));
    assert_eq!(first["was_public"], false, "a draft");
    assert_eq!(first["pinned"], false);

    let diff = editor.get(&format!("{base}/diff?from=1&to=3")).good().await;
    assert_eq!(diff["from"], 1);
    assert_eq!(diff["to"], 3);
    assert_eq!(
        diff["patch"],
        json!([{"op": "replace", "path": "/title/en", "value": "Third"}]),
        "only the changed field and locale, not version or updated_at"
    );
    let to_newest = editor.get(&format!("{base}/diff?from=2")).good().await;
    assert_eq!(to_newest["to"], 3);
    let backwards = editor.get(&format!("{base}/diff?from=3&to=1")).good().await;
    assert_eq!(backwards["patch"][0]["value"], "First");

    // The unhappy paths: no token, unknown resource, item, version; bad parameters.
    app.get(&base).problem(401).await;
    app.get(&format!("{base}/1")).problem(401).await;
    editor
        .get(&format!("/api/v1/revisions/users/{id}"))
        .problem(404)
        .await;
    editor
        .get("/api/v1/revisions/news/00000000-0000-0000-0000-000000000000")
        .problem(404)
        .await;
    editor.get(&format!("{base}/99")).problem(404).await;
    editor.get(&format!("{base}/0")).problem(404).await;
    editor.get(&format!("{base}/abc")).problem(404).await;
    editor
        .get(&format!("{base}/diff?from=1&to=99"))
        .problem(404)
        .await;
    editor.get(&format!("{base}/diff")).problem(400).await;
    editor
        .get(&format!("{base}/diff?from=x"))
        .problem(400)
        .await;
    editor.get(&format!("{base}?colour=red")).problem(400).await;
}

#[tokio::test]
async fn every_resource_keeps_revisions_of_its_writes() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let organization = editor.get("/api/v1/organization").good().await;
    editor
        .patch("/api/v1/organization", json!({"name": {"en": "IOM"}}))
        .success()
        .await;
    let id = organization["id"].as_str().unwrap();
    let revisions = editor
        .get(&format!("/api/v1/revisions/organization/{id}"))
        .good()
        .await;
    assert_eq!(
        revisions["data"][0]["version"],
        organization["version"].as_i64().unwrap() + 1
    );
    assert_eq!(revisions["data"][0]["was_public"], true);
    // Any key names the one organization.
    editor
        .get("/api/v1/revisions/organization/current")
        .good()
        .await;

    let missions = editor.get("/api/v1/missions").good().await;
    let mission = &missions["data"][0];
    let path = format!("/api/v1/missions/{}", mission["slug"].as_str().unwrap());
    let full = editor.get(&path).good().await;
    let mut milestones = full["milestones"].as_array().cloned().unwrap_or_default();
    milestones.truncate(1);
    editor
        .patch(&path, json!({"milestones": milestones}))
        .success()
        .await;
    // The seed wrote its content before any revision: the first one is the first API write.
    let diff = editor
        .get(&format!(
            "/api/v1/revisions/missions/{}/diff?from={}",
            mission["id"].as_str().unwrap(),
            full["version"].as_i64().unwrap()
        ))
        .problem(404)
        .await;
    assert!(
        diff["detail"].as_str().unwrap().contains("revision"),
        "{diff}"
    );
    let listed = editor
        .get(&format!(
            "/api/v1/revisions/missions/{}",
            mission["id"].as_str().unwrap()
        ))
        .good()
        .await;
    assert_eq!(
        listed["data"][0]["version"],
        full["version"].as_i64().unwrap() + 1
    );
    let revision = editor
        .get(&format!(
            "/api/v1/revisions/missions/{}/{}",
            mission["id"].as_str().unwrap(),
            full["version"].as_i64().unwrap() + 1
        ))
        .good()
        .await;
    assert_eq!(
        revision["document"]["milestones"],
        json!(milestones),
        "the parts too"
    );

    let objective = editor
        .post(
            "/api/v1/objectives",
            json!({"title": {"en": "Objective"}, "summary": {"en": "Text"}}),
        )
        .success()
        .await;
    let listed = editor
        .get(&format!(
            "/api/v1/revisions/objectives/{}",
            objective["id"].as_str().unwrap()
        ))
        .good()
        .await;
    assert_eq!(listed["data"][0]["version"], 1);
    assert_eq!(listed["data"][0]["was_public"], true);
}

#[tokio::test]
async fn restoring_a_revision_writes_a_new_version_and_keeps_the_publication_state() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let created = editor
        .post("/api/v1/news", draft("Old title"))
        .success()
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/news/{id}");
    let published = editor
        .patch(
            &path,
            json!({"status": "published", "title": {"en": "New title"}}),
        )
        .send()
        .await;
    let etag = published.etag();
    let since = crate::content::trash::cursor_now(&app).await;

    // Restore version 1 (a draft) without asking for its publication state: still published.
    let restore = format!("/api/v1/revisions/news/{id}/1/restore");
    editor
        .request(Method::POST, &restore)
        .if_match("\"stale\"")
        .problem(412)
        .await;
    let restored = editor
        .request(Method::POST, &restore)
        .if_match(&etag)
        .send()
        .await;
    assert_eq!(restored.status(), 200);
    let restored_etag = restored.etag();
    let body = restored.json().await;
    assert_eq!(
        body["version"], 3,
        "a new version; history is not rewritten"
    );
    assert_eq!(body["title"]["en"], "Old title");
    assert_eq!(
        body["status"], "published",
        "restoring content does not unpublish"
    );
    assert_eq!(
        app.get(&path).good().await["title"],
        "Old title",
        "public at once"
    );
    let list = editor
        .get(&format!("/api/v1/revisions/news/{id}"))
        .good()
        .await;
    assert_eq!(list["meta"]["total"], 3);
    assert_eq!(list["data"][0]["was_public"], true);

    // Audited, in the change feed.
    let audit = app
        .as_admin()
        .await
        .get(&format!("/api/v1/audit?item={id}"))
        .good()
        .await;
    assert_eq!(audit["data"][0]["action"], "update");
    assert_eq!(
        audit["data"][0]["changes"]["title"]["to"]["en"],
        "Old title"
    );
    let changes = app
        .get(&format!("/api/v1/changes?since={since}"))
        .good()
        .await;
    assert_eq!(changes["data"][0]["id"], id.as_str());
    assert_eq!(changes["data"][0]["item"]["title"], "Old title");
    assert_eq!(
        crate::content::trash::events_of(&app, &id),
        ["news.published", "news.updated"],
        "announced to webhooks"
    );

    // With its publication state: back to a draft.
    let with_state = editor
        .request(Method::POST, &format!("{restore}?with_publication=true"))
        .if_match(&restored_etag)
        .success()
        .await;
    assert_eq!(with_state["status"], "draft");
    app.get(&path).problem(404).await;

    // An Idempotency-Key: the retry gets the first answer, and writes nothing more.
    let second = format!("/api/v1/revisions/news/{id}/2/restore");
    let first = editor
        .request(Method::POST, &second)
        .idempotency_key("restore-once")
        .success()
        .await;
    let again = editor
        .request(Method::POST, &second)
        .idempotency_key("restore-once")
        .success()
        .await;
    assert_eq!(first, again);
    assert_eq!(first["version"], 5);
    assert_eq!(revision_count(&app, &id), 5);
    editor
        .request(
            Method::POST,
            &format!("/api/v1/revisions/news/{id}/1/restore"),
        )
        .idempotency_key("restore-once")
        .problem(422)
        .await;

    // Nothing to restore, no one to restore it.
    editor
        .request(
            Method::POST,
            &format!("/api/v1/revisions/news/{id}/42/restore"),
        )
        .problem(404)
        .await;
    app.anon()
        .request(Method::POST, &restore)
        .problem(401)
        .await;
    editor
        .request(Method::POST, &format!("{restore}?with_publication=maybe"))
        .problem(400)
        .await;
}

#[tokio::test]
async fn two_editors_restoring_with_the_same_if_match_one_wins() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let other = app.as_admin().await;
    let (path, created) = three_versions(&editor).await;
    let id = created["id"].as_str().unwrap();
    let etag = editor.get(&path).send().await.etag();
    let restore = |client: &Client, version: u32| {
        client
            .request(
                Method::POST,
                &format!("/api/v1/revisions/news/{id}/{version}/restore"),
            )
            .if_match(&etag)
            .send()
    };
    let (a, b) = tokio::join!(restore(&editor, 1), restore(&other, 2));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    assert_eq!(editor.get(&path).good().await["version"], 4);
}

#[tokio::test]
async fn retention_keeps_public_and_pinned_revisions_and_bounds_the_rest() {
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_REVISIONS_KEEP", "10")
        .spawn()
        .await;
    let editor = app.as_editor().await;
    let created = editor
        .post("/api/v1/news", draft("Version 1"))
        .success()
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/news/{id}");
    editor
        .patch(&path, json!({"title": {"en": "Version 2"}}))
        .success()
        .await;
    let pinned = editor
        .request(Method::PUT, &format!("/api/v1/revisions/news/{id}/2/pin"))
        .success()
        .await;
    assert_eq!(pinned["pinned"], true);
    // Published once, at version 3.
    editor
        .patch(&path, json!({"status": "published"}))
        .success()
        .await;
    editor
        .patch(&path, json!({"status": "draft"}))
        .success()
        .await;
    for n in 5..=1000 {
        editor
            .patch(&path, json!({"title": {"en": format!("Version {n}")}}))
            .success()
            .await;
    }
    let list = editor
        .get(&format!("/api/v1/revisions/news/{id}?per_page=100"))
        .good()
        .await;
    let versions: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    let mut expected: Vec<i64> = (991..=1000).rev().collect();
    expected.extend([3, 2]);
    assert_eq!(
        versions, expected,
        "the newest 10 drafts, the public one, the pinned one"
    );
    assert_eq!(revision_count(&app, &id), 12, "1 000 writes, 12 rows");

    // Unpinned, the sweep (with a smaller bound) removes it and trims the rest.
    editor
        .delete(&format!("/api/v1/revisions/news/{id}/2/pin"))
        .success()
        .await;
    let settings = orgcms::app::settings::RetentionSettings {
        revisions_keep: 3,
        trash_days: 30,
        sweep: None,
    };
    let swept = orgcms::content::retention::sweep(&mut app.conn(), &settings).unwrap();
    assert_eq!(swept.revisions_pruned, 8);
    assert_eq!(
        revision_count(&app, &id),
        4,
        "3 drafts and the public version"
    );
    editor
        .request(Method::PUT, &format!("/api/v1/revisions/news/{id}/2/pin"))
        .problem(404)
        .await;
}
