use std::time::Duration;

use serde_json::json;

use super::{log_when, subscribe, subscription_when};
use crate::helpers::webhooks::{Receiver, Reply};
use crate::helpers::{NewsFactory, TestApp};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn failures_are_retried_with_the_same_message_until_one_succeeds() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&admin, &receiver.url, json!({})).await;
    let hook = hook["id"].as_str().unwrap();
    receiver.script([
        Reply::Status(500),
        Reply::Redirect("http://10.0.0.1/".into()),
        Reply::Slow(Duration::from_millis(1500)),
    ]);
    NewsFactory::new("retried").insert(&mut app.conn());
    let _relay = app.relay();
    let received = receiver.wait_for(4, WAIT).await;
    assert_eq!(received.len(), 4);
    assert!(received
        .iter()
        .all(|r| r.id == received[0].id && r.body == received[0].body));
    // Each retry waited (50 ms, 100 ms, 200 ms, less a fifth at most).
    for (pair, least) in received.windows(2).zip([40, 80, 160]) {
        let waited = pair[1].at - pair[0].at;
        assert!(waited >= Duration::from_millis(least), "{waited:?}");
    }
    let log = log_when(&admin, hook, |log| log["data"][0]["state"] == "delivered").await;
    let delivery = &log["data"][0];
    assert_eq!(delivery["attempts"], 4);
    let attempts = delivery["attempt_log"].as_array().unwrap();
    assert_eq!(attempts[0]["status"], 500);
    assert_eq!(attempts[0]["response_excerpt"], "answered 500");
    // A redirect is a failure, never followed.
    assert_eq!(attempts[1]["status"], 302);
    assert_eq!(attempts[2]["status"], json!(null));
    assert!(
        attempts[2]["error"].as_str().unwrap().contains("timed out"),
        "{}",
        attempts[2]
    );
    assert_eq!(attempts[3]["status"], 204);
    let subscription = admin.get(&format!("/api/v1/webhooks/{hook}")).good().await;
    assert_eq!(
        subscription["failing_since"],
        json!(null),
        "a success clears the failure record"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_and_the_last_failure_is_final() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&admin, &receiver.url, json!({})).await;
    let hook = hook["id"].as_str().unwrap();
    receiver.script([
        Reply::RetryAfter(429, 1),
        Reply::Status(503),
        Reply::Status(500),
        Reply::Status(500),
    ]);
    NewsFactory::new("refused").insert(&mut app.conn());
    let _relay = app.relay();
    let received = receiver.wait_for(4, WAIT).await;
    assert_eq!(received.len(), 4);
    assert!(
        received[1].at - received[0].at >= Duration::from_millis(990),
        "Retry-After: 1"
    );
    let log = log_when(&admin, hook, |log| log["data"][0]["state"] == "dead").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        4,
        "four attempts in all, no fifth"
    );
    assert_eq!(log["data"][0]["next_attempt_at"], json!(null));
    let subscription = admin.get(&format!("/api/v1/webhooks/{hook}")).good().await;
    assert!(subscription["failing_since"].is_string());
    assert_eq!(
        subscription["active"], true,
        "not failing long enough to be turned off"
    );
}

#[tokio::test]
async fn gone_turns_the_subscription_off() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&admin, &receiver.url, json!({})).await;
    let id = hook["id"].as_str().unwrap();
    let path = format!("/api/v1/webhooks/{id}");
    receiver.script([Reply::Status(410)]);
    let mut conn = app.conn();
    NewsFactory::new("first").insert(&mut conn);
    let _relay = app.relay();
    receiver.wait_for(1, WAIT).await;
    let subscription = subscription_when(&admin, id, |s| s["active"] == false).await;
    assert!(subscription["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("410"));
    // Off: nothing more is queued or sent.
    NewsFactory::new("second").insert(&mut conn);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1);
    // On again: the failure record is cleared, and new events flow.
    let on = admin
        .merge_patch(&path, json!({"active": true}))
        .success()
        .await;
    assert_eq!(on["disabled_reason"], json!(null));
    NewsFactory::new("third").insert(&mut conn);
    let received = receiver.wait_for(2, WAIT).await;
    assert_eq!(received[1].json()["data"]["slug"], "third");
}

#[tokio::test]
async fn a_subscription_failing_for_too_long_is_turned_off() {
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_WEBHOOK_DISABLE_AFTER_SECS", "1")
        .env("ORGCMS_WEBHOOK_RETRY_SCHEDULE", "800ms,800ms,800ms")
        .spawn()
        .await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&admin, &receiver.url, json!({})).await;
    receiver.script([Reply::Status(500), Reply::Status(500), Reply::Status(500)]);
    NewsFactory::new("failing").insert(&mut app.conn());
    let _relay = app.relay();
    let received = receiver.wait_for(3, WAIT).await;
    assert_eq!(received.len(), 3);
    let subscription = subscription_when(&admin, hook["id"].as_str().unwrap(), |s| {
        s["active"] == false
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        receiver.received().len(),
        3,
        "off after a second of failures"
    );
    assert!(subscription["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("failed"));
}

#[tokio::test]
async fn during_a_rotation_both_secrets_sign() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&admin, &receiver.url, json!({})).await;
    let old = hook["secret"].as_str().unwrap().to_owned();
    let rotated = admin
        .post(
            &format!("/api/v1/webhooks/{}/secret", hook["id"].as_str().unwrap()),
            json!({}),
        )
        .success()
        .await;
    let new = rotated["secret"].as_str().unwrap().to_owned();
    NewsFactory::new("rotated").insert(&mut app.conn());
    let _relay = app.relay();
    let received = receiver.wait_for(1, WAIT).await;
    assert_eq!(received[0].signature.split(' ').count(), 2);
    assert!(received[0].signed_with(&new));
    assert!(received[0].signed_with(&old));
    assert!(!received[0].signed_with("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
}
