use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use super::{article, log_when, subscribe};
use crate::helpers::webhooks::Receiver;
use crate::helpers::TestApp;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn public_changes_arrive_signed_once_each_in_order() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let editor = app.as_editor().await;
    let receiver = Receiver::start().await;
    let created = subscribe(&admin, &receiver.url, json!({})).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let _relay = app.relay();

    // A draft is nobody's business; publishing it is.
    let draft = editor
        .post("/api/v1/news", article("Shelter", "draft"))
        .success()
        .await;
    let path = format!("/api/v1/news/{}", draft["id"].as_str().unwrap());
    editor
        .merge_patch(&path, json!({"status": "published"}))
        .success()
        .await;
    editor
        .merge_patch(&path, json!({"title": {"uk": "Притулок"}}))
        .success()
        .await;
    editor
        .merge_patch(&path, json!({"status": "draft"}))
        .success()
        .await;
    editor
        .merge_patch(&path, json!({"status": "published"}))
        .success()
        .await;
    editor.delete(&path).success().await;
    // A write that is refused writes no event.
    editor
        .post("/api/v1/news", json!({"title": {"en": ""}}))
        .problem(422)
        .await;

    receiver.wait_for(5, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = receiver.received();
    let types: Vec<String> = received
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    // Order across deliveries is not promised; each event arrives once.
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "news.deleted",
            "news.published",
            "news.published",
            "news.unpublished",
            "news.updated"
        ],
        "{types:?}"
    );
    let mut ids: Vec<&str> = received.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "a webhook-id per event");
    for request in &received {
        assert!(request.id.starts_with("msg_"), "{}", request.id);
        assert!(request.signed_with(&secret), "{request:?}");
        let age = chrono::Utc::now().timestamp() - request.timestamp.parse::<i64>().unwrap();
        assert!((0..60).contains(&age));
        let body = request.json();
        let data = &body["data"];
        assert_eq!(data["resource"], "news");
        assert_eq!(data["id"], draft["id"]);
        assert_eq!(data["slug"], draft["slug"]);
        assert!(data["version"].is_i64());
        assert!(data["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v1/news/{}", draft["slug"].as_str().unwrap())));
        assert_eq!(data["changes_cursor"].as_str().unwrap().len(), 50);
        assert!(data.get("item").is_none(), "thin by default");
        assert!(body["timestamp"].is_string());
    }
    let updated = received
        .iter()
        .map(|r| r.json())
        .find(|b| b["type"] == "news.updated")
        .unwrap();
    assert_eq!(updated["data"]["locales"], json!(["en", "uk"]));

    // The cursor resumes the change feed after the change.
    let deleted = received
        .iter()
        .map(|r| r.json())
        .find(|b| b["type"] == "news.deleted")
        .unwrap();
    let cursor = deleted["data"]["changes_cursor"].as_str().unwrap();
    let feed = app
        .get(&format!("/api/v1/changes?since={cursor}"))
        .good()
        .await;
    assert_eq!(feed["data"], json!([]), "nothing after the last change");

    // The log shows each delivery with its attempt.
    let log = log_when(&admin, created["id"].as_str().unwrap(), |log| {
        log["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["state"] == "delivered")
    })
    .await;
    let deliveries = log["data"].as_array().unwrap();
    assert_eq!(deliveries.len(), 5);
    for delivery in deliveries {
        assert_eq!(delivery["attempts"], 1);
        assert_eq!(delivery["attempt_log"][0]["status"], 204);
    }
}

#[tokio::test]
async fn a_rolled_back_write_announces_nothing() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    subscribe(&admin, &receiver.url, json!({})).await;
    let mut conn = app.conn();
    let _ = conn.transaction::<(), diesel::result::Error, _>(|conn| {
        crate::helpers::NewsFactory::new("never-seen").insert(conn);
        Err(diesel::result::Error::RollbackTransaction)
    });
    crate::helpers::NewsFactory::new("seen").insert(&mut conn);
    let _relay = app.relay();
    receiver.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].json()["data"]["slug"], "seen");
}

#[tokio::test]
async fn a_scheduled_item_is_announced_when_its_time_comes() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let editor = app.as_editor().await;
    let receiver = Receiver::start().await;
    subscribe(&admin, &receiver.url, json!({})).await;
    let _relay = app.relay();
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let mut body = article("Later", "published");
    body["published_at"] = json!(at);
    editor.post("/api/v1/news", body).success().await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(receiver.received().is_empty(), "not before its time");
    let received = receiver.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    let body = received[0].json();
    assert_eq!(body["type"], "news.published");
    assert!(received[0].at.elapsed() < WAIT);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "announced once");
}

#[tokio::test]
async fn filters_and_full_payloads() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let editor = app.as_editor().await;
    let mission: String = {
        use orgcms::db::schema::missions;
        let id: uuid::Uuid = missions::table
            .select(missions::id)
            .first(&mut app.conn())
            .unwrap();
        id.to_string()
    };
    let of_mission = Receiver::start().await;
    let in_uk = Receiver::start().await;
    let full = Receiver::start().await;
    subscribe(&admin, &of_mission.url, json!({"mission_id": mission})).await;
    subscribe(&admin, &in_uk.url, json!({"locale": "uk"})).await;
    subscribe(
        &admin,
        &full.url,
        json!({"payload": "full", "locale": "uk"}),
    )
    .await;
    let _relay = app.relay();
    let mut elsewhere = article("Elsewhere", "published");
    elsewhere["title"]["uk"] = json!("Деінде");
    editor.post("/api/v1/news", elsewhere).success().await;
    let mut here = article("Here", "published");
    here["mission_id"] = json!(mission);
    editor.post("/api/v1/news", here).success().await;

    let got = of_mission.wait_for(1, WAIT).await;
    let got_uk = in_uk.wait_for(1, WAIT).await;
    let got_full = full.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(of_mission.received().len(), 1);
    assert_eq!(got[0].json()["data"]["slug"], "here");
    assert_eq!(in_uk.received().len(), 1);
    assert_eq!(got_uk[0].json()["data"]["slug"], "elsewhere");
    let item = &got_full[0].json()["data"]["item"];
    assert_eq!(
        item["title"], "Деінде",
        "the public view in the subscription's locale"
    );
    assert_eq!(item["slug"], "elsewhere");
}

#[tokio::test]
async fn ping_redeliver_and_replay() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let editor = app.as_editor().await;
    let receiver = Receiver::start().await;
    let created = subscribe(
        &admin,
        &receiver.url,
        json!({"event_types": ["mission.updated", "objective.updated", "organization.updated"]}),
    )
    .await;
    let hook = format!("/api/v1/webhooks/{}", created["id"].as_str().unwrap());
    let _relay = app.relay();

    let ping = admin.post(&format!("{hook}/ping"), json!({})).send().await;
    assert_eq!(ping.status(), 202);
    let ping = ping.json().await;
    assert_eq!(ping["event_type"], "webhook.ping");
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].json()["type"], "webhook.ping");
    assert_eq!(got[0].json()["data"]["webhook_id"], created["id"]);

    let before = chrono::Utc::now();
    editor
        .merge_patch("/api/v1/organization", json!({"member_states": 180}))
        .success()
        .await;
    let got = receiver.wait_for(2, WAIT).await;
    let organization = got[1].clone();
    assert_eq!(organization.json()["type"], "organization.updated");

    // Redelivery sends the same message again.
    // The attempt is recorded just after the receiver answered.
    let mut delivery = serde_json::Value::Null;
    for _ in 0..200 {
        let log = admin
            .get(&format!("{hook}/deliveries?state=delivered"))
            .good()
            .await;
        if let Some(found) = log["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["event_type"] == "organization.updated")
        {
            delivery = found.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let again = admin
        .post(
            &format!(
                "{hook}/deliveries/{}/redeliver",
                delivery["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .send()
        .await;
    assert_eq!(again.status(), 202);
    let got = receiver.wait_for(3, WAIT).await;
    assert_eq!(got[2].id, organization.id);
    assert_eq!(got[2].body, organization.body);

    // Replay: every event since a time, or after a webhook-id.
    let replayed = admin
        .post(&format!("{hook}/replay"), json!({"since": before}))
        .success()
        .await;
    assert_eq!(replayed["queued"], 1);
    let got = receiver.wait_for(4, WAIT).await;
    assert_eq!(got[3].id, organization.id);
    let replayed = admin
        .post(&format!("{hook}/replay"), json!({"after": organization.id}))
        .success()
        .await;
    assert_eq!(replayed["queued"], 0);
    admin
        .post(&format!("{hook}/replay"), json!({"after": "msg_0"}))
        .problem(422)
        .await;
    admin
        .post(
            &format!("{hook}/replay"),
            json!({"after": "msg_6a1f0c523b7e4f0a9d3c1e2f3a4b5c6d"}),
        )
        .problem(422)
        .await;
    admin
        .post(&format!("{hook}/replay"), json!({}))
        .problem(422)
        .await;
    admin
        .post(&format!("{hook}/replay"), json!({"since": "yesterday"}))
        .problem(422)
        .await;
    admin
        .post(
            &format!("{hook}/deliveries/6a1f0c52-3b7e-4f0a-9d3c-1e2f3a4b5c6d/redeliver"),
            json!({}),
        )
        .problem(404)
        .await;
}

#[tokio::test]
async fn two_relays_share_the_outbox_and_send_each_event_once() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    subscribe(&admin, &receiver.url, json!({})).await;
    let (_one, _two) = (app.relay(), app.relay());
    let mut conn = app.conn();
    for i in 0..40 {
        crate::helpers::NewsFactory::new(&format!("item-{i}")).insert(&mut conn);
    }
    receiver.wait_for(40, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 40, "each event once");
    let mut ids: Vec<&str> = received.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "no webhook-id twice");
}

#[tokio::test]
async fn a_relay_that_dies_mid_delivery_leaves_it_to_another() {
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_WEBHOOK_TIMEOUT_MS", "500")
        .spawn()
        .await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    subscribe(&admin, &receiver.url, json!({})).await;
    // The first answer comes after the dying relay is gone.
    receiver.script([crate::helpers::webhooks::Reply::Slow(
        Duration::from_millis(300),
    )]);
    crate::helpers::NewsFactory::new("survivor").insert(&mut app.conn());
    let dying = app.relay();
    receiver.wait_for(1, WAIT).await;
    drop(dying);
    let _next = app.relay();
    let received = receiver.wait_for(2, WAIT).await;
    assert_eq!(received.len(), 2, "sent again after the lease ran out");
    assert_eq!(
        received[0].id, received[1].id,
        "the same webhook-id: a duplicate, not a loss"
    );
    assert_eq!(received[0].body, received[1].body);
}

#[tokio::test]
async fn the_relay_of_a_node_hears_new_events_without_waiting_for_its_poll() {
    // The relay `orgcms serve` runs, polling once a minute only: an event arrives in seconds
    // because the relay listens for the notification every event sends.
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_WEBHOOK_RELAY", "true")
        .env("ORGCMS_WEBHOOK_POLL_MS", "60000")
        .spawn()
        .await;
    let admin = app.as_admin().await;
    let editor = app.as_editor().await;
    let receiver = Receiver::start().await;
    subscribe(&admin, &receiver.url, json!({})).await;
    // Its first turn (at start) is over by now, and the next poll is a minute away.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    editor
        .post("/api/v1/news", article("Heard at once", "published"))
        .success()
        .await;
    let received = receiver.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(received[0].json()["type"], "news.published");
    assert!(started.elapsed() < Duration::from_secs(5));
}
