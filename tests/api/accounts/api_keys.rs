//! Partner API keys: issued by administrators, shown once, kept as a hash, read-only, scoped and
//! restricted, limited per key, revoked and rotated on every node at once.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::factories::{insert_mission, NewsFactory};
use crate::helpers::{error_fields, Client, TestApp};

/// Issues a key with `extra` fields (scopes default to `content:read`); returns the body.
async fn issue(admin: &Client, extra: Value) -> Value {
    let mut body = json!({"name": "Partner portal", "scopes": ["content:read"]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    admin.post("/api/v1/api-keys", body).success().await
}

fn secret(key: &Value) -> &str {
    key["key"].as_str().unwrap()
}

fn path(key: &Value) -> String {
    format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap())
}

/// The key's record once `done` holds for it (use is written every 50 ms); panics after 10 s.
async fn record_when(admin: &Client, key: &Value, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let record = admin.get(&path(key)).good().await;
        if done(&record) {
            return record;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{record}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn administrators_issue_keys_that_are_shown_once_and_kept_as_a_hash() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let created = issue(&admin, json!({"description": "for the portal team"})).await;
    let key = secret(&created);
    // `orgcms_` + 32 random + 6 checksum characters, all base62.
    assert!(key.starts_with("orgcms_") && key.len() == 45, "{key}");
    assert!(key[7..].bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(orgcms::accounts::keys::token::is_well_formed(key));
    assert_eq!(created["prefix"], &key[..13]);
    assert_eq!(created["scopes"], json!(["content:read"]));
    assert_eq!(created["rate_limit_per_minute"], 600);
    // Expires in 90 days unless told otherwise.
    let expires: chrono::DateTime<chrono::Utc> =
        created["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((89.9..=90.1).contains(&days), "{days}");

    let read = admin.get(&path(&created)).good().await;
    assert!(read.get("key").is_none(), "the key is shown once");
    let listed = admin.get("/api/v1/api-keys").good().await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(key));

    // Only its SHA-256 is stored; neither the table nor the audit log holds the key.
    use orgcms::db::schema::api_keys;
    let (hash, prefix): (Vec<u8>, String) = api_keys::table
        .select((api_keys::key_hash, api_keys::prefix))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(hash, orgcms::accounts::keys::token::hash(key));
    assert_eq!(prefix.len(), 13);
    let audit = admin.get("/api/v1/audit?resource=api_keys").good().await;
    assert_eq!(audit["data"][0]["action"], "create");
    assert!(!audit.to_string().contains(&key[13..]));

    // Editors do not manage keys; anonymous requests are not even told what exists.
    let editor = app.as_editor().await;
    editor.get("/api/v1/api-keys").problem(403).await;
    editor
        .post(
            "/api/v1/api-keys",
            json!({"name": "x", "scopes": ["content:read"]}),
        )
        .problem(403)
        .await;
    app.get("/api/v1/api-keys").problem(401).await;
}

#[tokio::test]
async fn a_key_reads_published_content_and_never_writes() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let count = || -> i64 {
        orgcms::db::schema::news::table
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    NewsFactory::new("public-item").insert(&mut app.conn());
    NewsFactory::new("draft-item")
        .status("draft")
        .insert(&mut app.conn());
    let created = issue(&admin, json!({"rate_limit_per_minute": 1000})).await;
    let partner = app.with_token(secret(&created));

    let before = count();
    let news = partner.get("/api/v1/news?per_page=100").send().await;
    assert_eq!(news.status(), 200);
    // Its own budget, said in the draft RateLimit headers; and nothing a shared cache keeps.
    assert!(
        news.header("ratelimit-policy")
            .contains("\"key-minute\";q=1000;w=60"),
        "{}",
        news.header("ratelimit-policy")
    );
    assert!(news.header("ratelimit").contains("\"key-minute\";r=999"));
    assert!(news.header("cache-control").contains("private"));
    assert!(!news.header("cache-control").contains("public"));
    let news = news.json().await;
    let slugs = crate::helpers::slugs(&news);
    assert!(slugs.contains(&"public-item".to_owned()) && !slugs.contains(&"draft-item".to_owned()));
    partner.get("/api/v1/news/draft-item").problem(404).await;
    partner.get("/api/v1/organization").good().await;
    partner.get("/api/v1/changes").good().await;

    // No write and no administration, whatever the route.
    let article = json!({"title": {"en": "From a partner"}, "body": {"en": "x"}});
    for problem in [
        partner
            .post("/api/v1/news", article.clone())
            .problem(403)
            .await,
        partner
            .merge_patch("/api/v1/news/public-item", json!({"title": {"en": "x"}}))
            .problem(403)
            .await,
        partner
            .delete("/api/v1/news/public-item")
            .problem(403)
            .await,
        partner.get("/api/v1/users").problem(403).await,
        partner.get("/api/v1/audit").problem(403).await,
        partner.get("/api/v1/api-keys").problem(403).await,
        partner.get("/api/v1/webhooks").problem(403).await,
        partner.get("/api/v1/auth/me").problem(403).await,
    ] {
        assert!(
            problem["detail"].as_str().unwrap().contains("never writes"),
            "{problem}"
        );
    }
    assert_eq!(count(), before, "nothing was written");
}

#[tokio::test]
async fn forged_malformed_unknown_and_expired_keys_are_refused() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let created = issue(&admin, json!({})).await;
    let key = secret(&created).to_owned();

    // A changed character: the checksum fails (no lookup needed).
    let mut forged = key.clone().into_bytes();
    forged[20] = if forged[20] == b'a' { b'b' } else { b'a' };
    let forged = String::from_utf8(forged).unwrap();
    let problem = app
        .with_token(&forged)
        .get("/api/v1/news")
        .problem(401)
        .await;
    assert!(problem["detail"].as_str().unwrap().contains("checksum"));
    // Truncated, padded, and another well-formed key that was never issued.
    for bad in [&key[..30], &format!("{key}x")] {
        app.with_token(bad).get("/api/v1/news").problem(401).await;
    }
    let stranger = orgcms::accounts::keys::token::generate().unwrap();
    let problem = app
        .with_token(&stranger)
        .get("/api/v1/news")
        .problem(401)
        .await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("unknown, revoked or expired"));
    let response = app.with_token(&stranger).get("/api/v1/news").send().await;
    assert!(response.header("www-authenticate").starts_with("Bearer"));

    // Expired: refused from that moment on.
    app.with_token(&key).get("/api/v1/news").good().await;
    use orgcms::db::schema::api_keys;
    diesel::update(api_keys::table)
        .set(api_keys::expires_at.eq(chrono::Utc::now() - chrono::Duration::seconds(1)))
        .execute(&mut app.conn())
        .unwrap();
    app.with_token(&key).get("/api/v1/news").problem(401).await;
}

#[tokio::test]
async fn scopes_decide_what_a_key_reads() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    NewsFactory::new("a-draft")
        .status("draft")
        .insert(&mut app.conn());

    let assets_only = issue(&admin, json!({"scopes": ["assets:read"]})).await;
    let assets_only = app.with_token(secret(&assets_only));
    let problem = assets_only.get("/api/v1/news").problem(403).await;
    assert!(problem["detail"].as_str().unwrap().contains("content:read"));
    assets_only.get("/api/v1/assets").good().await;
    // Content by any route: the feeds and the change feed too.
    assets_only.get("/api/v1/feeds/news.rss").problem(403).await;
    assets_only.get("/api/v1/changes").problem(403).await;

    let content = issue(&admin, json!({})).await;
    let content = app.with_token(secret(&content));
    let problem = content.get("/api/v1/assets").problem(403).await;
    assert!(problem["detail"].as_str().unwrap().contains("assets:read"));

    // `drafts:read`: every item, in the editor view, read only.
    let drafts = issue(&admin, json!({"scopes": ["drafts:read"]})).await;
    let drafts = app.with_token(secret(&drafts));
    let draft = drafts.get("/api/v1/news/a-draft").good().await;
    assert_eq!(draft["status"], "draft");
    assert!(draft["title"].is_object(), "the editor view, every locale");
    let listed = drafts.get("/api/v1/news?status=draft").good().await;
    assert_eq!(crate::helpers::slugs(&listed), ["a-draft"]);
    drafts
        .merge_patch("/api/v1/news/a-draft", json!({"status": "published"}))
        .problem(403)
        .await;
}

#[tokio::test]
async fn a_restricted_key_reads_only_its_mission_and_its_locales() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let ukraine = orgcms::seed::seed_id("mission:ukraine");
    let other = insert_mission(&mut app.conn(), "moldova", "MD", Some(2001));
    NewsFactory::new("ukraine-news")
        .mission(ukraine)
        .insert(&mut app.conn());
    NewsFactory::new("moldova-news")
        .mission(other)
        .insert(&mut app.conn());
    NewsFactory::new("global-news").insert(&mut app.conn());
    let created = issue(&admin, json!({"mission_id": ukraine, "locales": ["uk"]})).await;
    let partner = app.with_token(secret(&created));

    let news = partner
        .get("/api/v1/news?locale=uk&per_page=100")
        .good()
        .await;
    let slugs = crate::helpers::slugs(&news);
    assert!(slugs.contains(&"ukraine-news".to_owned()), "{slugs:?}");
    assert!(
        !slugs.contains(&"moldova-news".to_owned()) && !slugs.contains(&"global-news".to_owned())
    );
    for item in news["data"].as_array().unwrap() {
        assert_eq!(item["mission"]["slug"], "ukraine", "{item}");
    }
    // Asking for another mission finds nothing, not the other mission's news.
    let news = partner
        .get("/api/v1/news?locale=uk&mission=moldova")
        .good()
        .await;
    assert!(crate::helpers::slugs(&news).is_empty());
    let searched = partner.get("/api/v1/news?locale=uk&q=news").good().await;
    let slugs = crate::helpers::slugs(&searched);
    assert!(slugs.contains(&"ukraine-news".to_owned()), "{slugs:?}");
    assert!(
        !slugs.contains(&"moldova-news".to_owned()) && !slugs.contains(&"global-news".to_owned())
    );
    partner
        .get("/api/v1/news/ukraine-news?locale=uk")
        .good()
        .await;
    partner
        .get("/api/v1/news/moldova-news?locale=uk")
        .problem(404)
        .await;
    partner
        .get("/api/v1/news/global-news?locale=uk")
        .problem(404)
        .await;
    let missions = partner.get("/api/v1/missions?locale=uk").good().await;
    assert_eq!(crate::helpers::slugs(&missions), ["ukraine"]);
    partner
        .get("/api/v1/missions/moldova?locale=uk")
        .problem(404)
        .await;
    partner
        .get("/api/v1/missions/ukraine?locale=uk")
        .good()
        .await;
    // What is no mission's is everyone's.
    partner.get("/api/v1/organization?locale=uk").good().await;
    partner.get("/api/v1/objectives?locale=uk").good().await;
    // Routes whose answers span missions are closed to it.
    for path in [
        "/api/v1/changes?locale=uk",
        "/api/v1/feeds/news.rss?locale=uk",
        "/api/v1/tags?locale=uk",
        "/api/v1/news/ukraine-news/related?locale=uk",
    ] {
        let problem = partner.get(path).problem(403).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("restricted"),
            "{path}: {problem}"
        );
    }
    // Restricted to locales only: the same routes are closed, the rest open.
    let uk_only = issue(&admin, json!({"locales": ["uk"]})).await;
    let uk_only = app.with_token(secret(&uk_only));
    uk_only
        .get("/api/v1/feeds/news.atom?locale=uk")
        .problem(403)
        .await;
    uk_only.get("/api/v1/changes?locale=uk").problem(403).await;
    uk_only
        .get("/api/v1/news/moldova-news?locale=uk")
        .good()
        .await;
    let unrestricted = issue(&admin, json!({})).await;
    let unrestricted = app.with_token(secret(&unrestricted));
    let feed = unrestricted.get("/api/v1/feeds/news.rss").send().await;
    assert_eq!(feed.status(), 200);
    unrestricted
        .get("/api/v1/news/ukraine-news/related")
        .good()
        .await;
    // Another locale than its own, asked for or the default.
    let problem = partner.get("/api/v1/news?locale=en").problem(403).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("uk"),
        "{problem}"
    );
    partner.get("/api/v1/organization").problem(403).await;
    // An editor still sees everything.
    let editor = app.as_editor().await;
    let all = crate::helpers::slugs(&editor.get("/api/v1/news?per_page=100").good().await);
    for slug in ["ukraine-news", "moldova-news", "global-news"] {
        assert!(all.contains(&slug.to_owned()), "{all:?}");
    }
}

#[tokio::test]
async fn each_key_has_its_own_rate_limit_and_a_daily_quota_across_nodes() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let limited = issue(&admin, json!({"rate_limit_per_minute": 3})).await;
    let partner = app.with_token(secret(&limited));
    for _ in 0..3 {
        partner.get("/api/v1/organization").good().await;
    }
    let refused = partner.get("/api/v1/organization").send().await;
    assert_eq!(refused.status(), 429);
    assert!(refused.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert!(refused.header("ratelimit").contains("\"key-minute\";r=0"));
    // Another key is not held back by it.
    let other = issue(&admin, json!({})).await;
    app.with_token(secret(&other))
        .get("/api/v1/organization")
        .good()
        .await;

    // The quota is the key's across nodes: 3 here, then 1 more on another node.
    let quota = issue(&admin, json!({"daily_quota": 4})).await;
    let here = app.with_token(secret(&quota));
    for _ in 0..3 {
        here.get("/api/v1/organization").good().await;
    }
    let record = record_when(&admin, &quota, |r| r["used_today"] == 3).await;
    assert!(record["last_used_at"].is_string());
    let there = here.at(&app.another_node().await);
    let last = there.get("/api/v1/organization").send().await;
    assert_eq!(last.status(), 200);
    assert!(
        last.header("ratelimit").contains("\"key-day\";r=0"),
        "{}",
        last.header("ratelimit")
    );
    // A request whose lookup read the count just before this node wrote its own may slip
    // through (a count is written every 50 ms here): at most a couple, then 429.
    let mut slipped = 0;
    let refused = loop {
        let answer = there.get("/api/v1/organization").send().await;
        if answer.status() == 429 {
            break answer;
        }
        assert_eq!(answer.status(), 200);
        slipped += 1;
        assert!(slipped <= 2, "the quota holds across nodes");
    };
    let wait: u64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=86_400).contains(&wait));
    // Once node 2 has written its count, node 1 refuses too.
    record_when(&admin, &quota, |r| r["used_today"] == 4 + slipped).await;
    here.get("/api/v1/organization").problem(429).await;
}

#[tokio::test]
async fn revocation_holds_at_once_on_every_node_and_rotation_overlaps() {
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_API_KEY_ROTATION_OVERLAP_SECS", "2")
        .spawn()
        .await;
    let admin = app.as_admin().await;
    let node2 = app.another_node().await;
    let created = issue(&admin, json!({})).await;
    let old_key = secret(&created).to_owned();
    app.with_token(&old_key)
        .at(&node2)
        .get("/api/v1/news")
        .good()
        .await;

    // Rotation: both keys work for the overlap, then only the new one. (Use changes the key's
    // representation, so its ETag: read it once the use is written.)
    record_when(&admin, &created, |r| r["used_today"] == 1).await;
    let read = admin.get(&path(&created)).send().await;
    let etag = read.etag();
    let rotated = admin
        .post(&format!("{}/rotate", path(&created)), json!({}))
        .if_match(&etag)
        .success()
        .await;
    let new_key = secret(&rotated).to_owned();
    assert_ne!(new_key, old_key);
    assert_eq!(rotated["id"], created["id"]);
    assert!(rotated["previous_key_expires_at"].is_string());
    assert_ne!(rotated["prefix"], created["prefix"]);
    app.with_token(&old_key)
        .at(&node2)
        .get("/api/v1/news")
        .good()
        .await;
    app.with_token(&new_key)
        .at(&node2)
        .get("/api/v1/news")
        .good()
        .await;
    // A stale ETag does not rotate again.
    admin
        .post(&format!("{}/rotate", path(&created)), json!({}))
        .if_match(&etag)
        .problem(412)
        .await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    app.with_token(&old_key)
        .get("/api/v1/news")
        .problem(401)
        .await;
    app.with_token(&new_key).get("/api/v1/news").good().await;

    // Revoked on node 1: node 2 refuses the very next request.
    admin.delete(&path(&created)).success().await;
    app.with_token(&new_key)
        .at(&node2)
        .get("/api/v1/news")
        .problem(401)
        .await;
    app.with_token(&new_key)
        .get("/api/v1/news")
        .problem(401)
        .await;
    admin.get(&path(&created)).problem(404).await;
    admin.delete(&path(&created)).problem(404).await;
    let audit = admin.get("/api/v1/audit?resource=api_keys").good().await;
    let actions: Vec<_> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions, [json!("delete"), json!("update"), json!("create")]);
}

#[tokio::test]
async fn changes_to_a_key_hold_for_its_next_request() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let created = issue(&admin, json!({})).await;
    let partner = app.with_token(secret(&created));
    partner.get("/api/v1/assets").problem(403).await;
    // A refused request is a use too; read the ETag once it is written.
    record_when(&admin, &created, |r| r["used_today"] == 1).await;
    let etag = admin.get(&path(&created)).send().await.etag();
    let changed = admin
        .merge_patch(
            &path(&created),
            json!({"scopes": ["content:read", "assets:read"], "name": "Renamed"}),
        )
        .if_match(&etag)
        .success()
        .await;
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["name"], "Renamed");
    partner.get("/api/v1/assets").good().await;
    admin
        .merge_patch(&path(&created), json!({"name": "Again"}))
        .if_match(&etag)
        .problem(412)
        .await;
}

#[tokio::test]
async fn bad_keys_are_refused_with_the_field_named() {
    let app = TestApp::seeded().await;
    let admin = app.as_admin().await;
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    for (body, field, status) in [
        (
            json!({"name": "x", "scopes": ["content:write"]}),
            "scopes[0]",
            422,
        ),
        (json!({"name": "x", "scopes": []}), "scopes", 422),
        (
            json!({"name": "x", "scopes": ["content:read", "content:read"]}),
            "scopes[1]",
            422,
        ),
        (
            json!({"name": " ", "scopes": ["content:read"]}),
            "name",
            422,
        ),
        (json!({"scopes": ["content:read"]}), "body", 422),
        (
            json!({"name": "x", "scopes": ["content:read"], "admin": true}),
            "admin",
            422,
        ),
        (
            json!({"name": "x", "scopes": ["content:read"], "expires_at": past}),
            "expires_at",
            422,
        ),
        (
            json!({"name": "x", "scopes": ["content:read"], "expires_at": far}),
            "expires_at",
            422,
        ),
        (
            json!({"name": "x", "scopes": ["content:read"], "rate_limit_per_minute": 0}),
            "rate_limit_per_minute",
            422,
        ),
        (
            json!({"name": "x", "scopes": ["content:read"], "daily_quota": "many"}),
            "daily_quota",
            422,
        ),
        (
            json!({"name": "x", "scopes": ["content:read"], "locales": ["xx"]}),
            "locales[0]",
            422,
        ),
        (
            json!({"name": "x", "scopes": ["drafts:read"], "locales": ["uk"]}),
            "locales",
            422,
        ),
        (
            json!({"name": "x", "scopes": ["content:read"], "locales": []}),
            "locales",
            422,
        ),
        (
            json!({"name": "x", "scopes": ["content:read"], "mission_id": uuid::Uuid::new_v4()}),
            "mission_id",
            422,
        ),
    ] {
        let problem = admin
            .post("/api/v1/api-keys", body.clone())
            .problem(status)
            .await;
        let fields = error_fields(&problem);
        assert!(
            fields.iter().any(|f| f == field),
            "{body}: {fields:?} {problem}"
        );
    }
    let response = admin
        .post_raw("/api/v1/api-keys", "application/json", "{\"name\": ")
        .send()
        .await;
    assert_eq!(response.status(), 400);
    admin.get("/api/v1/api-keys/not-a-uuid").problem(404).await;
    admin
        .get(&format!("/api/v1/api-keys/{}", uuid::Uuid::new_v4()))
        .problem(404)
        .await;
    let count: i64 = orgcms::db::schema::api_keys::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, 0, "no partial write");
}

#[tokio::test]
async fn refused_keys_spend_their_address_budget_before_any_lookup() {
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_RATE_LIMIT_PER_MINUTE", "5")
        .spawn()
        .await;
    let admin = app.as_admin().await;
    let valid = issue(&admin, json!({})).await;
    // Well-formed keys are easy to make: each unknown one is a lookup, charged to the address.
    for _ in 0..5 {
        let made = orgcms::accounts::keys::token::generate().unwrap();
        app.with_token(&made).get("/api/v1/news").problem(401).await;
    }
    let made = orgcms::accounts::keys::token::generate().unwrap();
    let refused = app.with_token(&made).get("/api/v1/news").send().await;
    assert_eq!(refused.status(), 429);
    assert!(refused.header("retry-after").parse::<u64>().unwrap() >= 1);
    // The address is out of budget: without a key too, and even with a valid key, until it refills.
    app.get("/api/v1/news").problem(429).await;
    app.with_token(secret(&valid))
        .get("/api/v1/news")
        .problem(429)
        .await;
}
