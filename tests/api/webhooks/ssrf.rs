use serde_json::json;

use super::{log_when, subscribe};
use crate::helpers::webhooks::Receiver;
use crate::helpers::{error_fields, NewsFactory, TestApp};

/// A server with production's target rules: HTTPS to public addresses only.
async fn strict() -> TestApp {
    TestApp::builder()
        .seeded()
        .env("ORGCMS_WEBHOOK_ALLOW_HTTP", "false")
        .env("ORGCMS_WEBHOOK_ALLOW_LOOPBACK", "false")
        .spawn()
        .await
}

#[tokio::test]
async fn targets_that_are_not_public_are_refused_at_registration() {
    let app = strict().await;
    let admin = app.as_admin().await;
    for url in [
        "http://example.org/hook",
        "https://user:secret@example.org/hook",
        "https://127.0.0.1/hook",
        "https://2130706433/hook",
        "https://0177.0.0.1/hook",
        "https://0x7f000001/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00::1]/hook",
        "https://localhost/hook",
        "https://name.invalid/hook",
        "ftp://example.org/hook",
        "not a url",
    ] {
        let problem = admin
            .post(
                "/api/v1/webhooks",
                json!({"url": url, "event_types": ["news.published"]}),
            )
            .problem(422)
            .await;
        assert_eq!(error_fields(&problem), ["url"], "{url}");
    }
    assert_eq!(
        admin.get("/api/v1/webhooks").good().await["data"],
        json!([])
    );
}

#[tokio::test]
async fn every_connection_is_checked_again() {
    // Registered while loopback was allowed; delivered by a relay whose rules say no.
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&admin, &receiver.url, json!({})).await;
    let localhost = Receiver::start().await;
    let by_name = localhost.url.replace("127.0.0.1", "localhost");
    let named = subscribe(&admin, &by_name, json!({})).await;
    let mut strict_settings = app.settings.clone();
    strict_settings.webhooks.policy.allow_loopback = false;
    NewsFactory::new("private").insert(&mut app.conn());
    let relay = orgcms::webhooks::relay::Relay::new(
        orgcms::db::build_pool(
            &app.db.url,
            2,
            strict_settings.db_timeout,
            strict_settings.db_session,
        ),
        strict_settings.webhooks.clone(),
        strict_settings.public_urls.clone(),
        strict_settings.locales.clone(),
        orgcms::media::links::MediaLinks::new(strict_settings.public_urls.base(), vec![]),
    )
    .unwrap()
    .start();
    for hook in [&hook, &named] {
        let log = log_when(&admin, hook["id"].as_str().unwrap(), |log| {
            log["data"][0]["attempts"].as_i64() >= Some(1)
        })
        .await;
        let error = log["data"][0]["attempt_log"][0]["error"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(error.contains("public address"), "{error}");
    }
    drop(relay);
    assert!(receiver.received().is_empty());
    assert!(
        localhost.received().is_empty(),
        "a name resolving to 127.0.0.1 is refused too"
    );
}
