use serde_json::json;

use super::subscribe;
use crate::helpers::webhooks::Receiver;
use crate::helpers::{error_fields, TestApp};

#[tokio::test]
async fn administrators_manage_subscriptions_and_see_the_secret_once() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    let created = subscribe(&admin, &receiver.url, json!({"description": "Portal"})).await;
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() >= 6 + 40,
        "{secret}"
    );
    assert_eq!(created["payload"], "thin");
    assert_eq!(created["active"], true);
    let path = format!("/api/v1/webhooks/{}", created["id"].as_str().unwrap());
    let read = admin.get(&path).send().await;
    let etag = read.etag();
    let read = read.good().await;
    assert!(read.get("secret").is_none(), "the secret is shown once");
    assert_eq!(read["description"], "Portal");
    let listed = admin.get("/api/v1/webhooks").good().await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert!(listed["data"][0].get("secret").is_none());

    // Changes are conditional on what was read.
    let changed = admin
        .merge_patch(&path, json!({"active": false}))
        .if_match(&etag)
        .success()
        .await;
    assert_eq!(changed["active"], false);
    assert_eq!(changed["version"], 2);
    admin
        .merge_patch(&path, json!({"active": true}))
        .if_match(&etag)
        .problem(412)
        .await;

    // Rotation: a new secret, shown once; the old one signs beside it for the overlap.
    let rotated = admin
        .post(&format!("{path}/secret"), json!({}))
        .success()
        .await;
    assert_ne!(rotated["secret"], created["secret"]);
    assert!(rotated["previous_secret_expires_at"].is_string());

    // Secrets never reach the audit log.
    let audit = admin.get("/api/v1/audit?resource=webhooks").good().await;
    let text = audit.to_string();
    assert!(!text.contains(secret));
    assert!(!text.contains(rotated["secret"].as_str().unwrap()));

    admin.delete(&path).success().await;
    admin.get(&path).problem(404).await;
    admin.delete(&path).problem(404).await;
}

#[tokio::test]
async fn only_administrators_may_touch_subscriptions() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let body = json!({"url": "http://127.0.0.1:9/hook", "event_types": ["news.published"]});
    editor.get("/api/v1/webhooks").problem(403).await;
    editor
        .post("/api/v1/webhooks", body.clone())
        .problem(403)
        .await;
    app.anon().get("/api/v1/webhooks").problem(401).await;
    app.anon()
        .post("/api/v1/webhooks", body)
        .header("Authorization", "Bearer forged.token.value")
        .problem(401)
        .await;
    let admin = app.as_admin().await;
    admin.get("/api/v1/webhooks/not-a-uuid").problem(404).await;
    admin
        .get("/api/v1/webhooks/6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d")
        .problem(404)
        .await;
    admin
        .post(
            "/api/v1/webhooks/6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d/ping",
            json!({}),
        )
        .problem(404)
        .await;
}

#[tokio::test]
async fn subscriptions_are_validated() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let url = "http://127.0.0.1:9/hook";
    let refused = |body: serde_json::Value, status: u16| {
        let admin = admin.clone();
        async move { admin.post("/api/v1/webhooks", body).problem(status).await }
    };
    let problem = refused(json!({"url": url, "event_types": []}), 422).await;
    assert_eq!(error_fields(&problem), ["event_types"]);
    let problem = refused(
        json!({"url": url, "event_types": ["news.published", "news.exploded"]}),
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["event_types[1]"]);
    let problem = refused(
        json!({"url": url, "event_types": ["news.updated", "news.updated"]}),
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["event_types[1]"]);
    let problem = refused(
        json!({"url": url, "event_types": ["news.updated"], "locale": "fr"}),
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["locale"]);
    let problem = refused(
        json!({"url": url, "event_types": ["news.updated"], "mission_id": "6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d"}),
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["mission_id"]);
    let problem = refused(
        json!({"url": url, "event_types": ["news.updated"], "colour": "red"}),
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["colour"]);
    refused(json!({"url": url, "event_types": "news.updated"}), 422).await;
    refused(json!({"event_types": ["news.updated"]}), 422).await;
    admin
        .post_raw("/api/v1/webhooks", "application/json", "{\"url\": ")
        .problem(400)
        .await;
    let problem = refused(
        json!({"url": "http://user:pw@127.0.0.1:9/", "event_types": ["news.updated"]}),
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["url"]);
    assert_eq!(
        admin.get("/api/v1/webhooks").good().await["data"],
        json!([]),
        "nothing was written"
    );
}
