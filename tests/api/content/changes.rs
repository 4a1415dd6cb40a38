//! The change feed: a client that applies it ends with exactly the public content.

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use orgcms::resources::changes::cursor::{Cursor, NewsKey};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{error_fields, NewsFactory, Response, TestApp};

/// What an app keeps: the public items by resource and id.
#[derive(Debug, Default, PartialEq)]
struct Store(BTreeMap<(String, String), Value>);

impl Store {
    /// Applies one response; checks that no item is in it twice and that it is well-formed.
    fn apply(&mut self, response: &Value) {
        let mut seen = HashSet::new();
        for entry in response["data"].as_array().unwrap() {
            let resource = entry["resource"].as_str().unwrap().to_owned();
            let id = entry["id"].as_str().unwrap().to_owned();
            assert!(
                seen.insert((resource.clone(), id.clone())),
                "{resource} {id} twice in one response"
            );
            match entry["op"].as_str().unwrap() {
                "upsert" => {
                    assert_eq!(entry["item"]["id"], entry["id"]);
                    self.0.insert((resource, id), entry["item"].clone());
                }
                "delete" => {
                    assert!(entry.get("item").is_none());
                    self.0.remove(&(resource, id));
                }
                op => panic!("unknown op {op}"),
            }
        }
    }

    fn count(&self, resource: &str) -> usize {
        self.0.keys().filter(|(r, _)| r == resource).count()
    }
}

/// One call of the feed (200 expected).
async fn changes(app: &TestApp, since: Option<&str>, limit: u32, locale: &str) -> Value {
    let mut path = format!("/api/v1/changes?limit={limit}&locale={locale}");
    if let Some(since) = since {
        path.push_str(&format!("&since={since}"));
    }
    app.get(&path).good().await
}

fn next_cursor(response: &Value) -> String {
    response["meta"]["next_cursor"].as_str().unwrap().to_owned()
}

/// Calls the feed until `has_more` is false, applying every response; returns the last cursor.
async fn sync(
    app: &TestApp,
    store: &mut Store,
    since: Option<String>,
    limit: u32,
    locale: &str,
) -> String {
    let mut cursor = since;
    for _ in 0..1000 {
        let response = changes(app, cursor.as_deref(), limit, locale).await;
        assert!(response["data"].as_array().unwrap().len() <= limit as usize);
        store.apply(&response);
        cursor = Some(next_cursor(&response));
        if !response["meta"]["has_more"].as_bool().unwrap() {
            return cursor.unwrap();
        }
    }
    panic!("the feed never ends");
}

/// The public content as the ordinary GET endpoints show it, in `locale`.
async fn public_content(app: &TestApp, locale: &str) -> Store {
    let mut store = Store::default();
    let organization = app
        .get(&format!("/api/v1/organization?locale={locale}"))
        .await;
    if organization.status() == 200 {
        let item = organization.json().await;
        let id = item["id"].as_str().unwrap().to_owned();
        store.0.insert(("organization".into(), id), item);
    }
    for (resource, collection) in [
        ("objective", "objectives"),
        ("mission", "missions"),
        ("news", "news"),
    ] {
        let list = app
            .get(&format!(
                "/api/v1/{collection}?per_page=100&total=true&locale={locale}"
            ))
            .good()
            .await;
        assert!(list["meta"]["total"].as_i64().unwrap() < 100);
        for summary in list["data"].as_array().unwrap() {
            let id = summary["id"].as_str().unwrap().to_owned();
            let item = app
                .get(&format!("/api/v1/{collection}/{id}?locale={locale}"))
                .good()
                .await;
            store.0.insert((resource.into(), id), item);
        }
    }
    store
}

#[tokio::test]
async fn a_full_sync_from_nothing_is_the_public_content() {
    let app = TestApp::seeded().await;
    let first = changes(&app, None, 100, "en").await;
    let data = first["data"].as_array().unwrap();
    assert!(data.iter().all(|e| e["op"] == "upsert"), "{first}");
    assert_eq!(first["meta"]["has_more"], false);
    let mut store = Store::default();
    store.apply(&first);
    assert_eq!(store.count("organization"), 1);
    assert_eq!(store.count("objective"), 3);
    assert_eq!(store.count("mission"), 1);
    assert_eq!(store.count("news"), 1);
    assert_eq!(store, public_content(&app, "en").await);

    // In pages of one, the same.
    let mut paged = Store::default();
    sync(&app, &mut paged, None, 1, "en").await;
    assert_eq!(paged, store);

    // Nothing changed: nothing new, and the same cursor.
    let again = changes(&app, Some(&next_cursor(&first)), 100, "en").await;
    assert_eq!(again["data"], json!([]));
    assert_eq!(next_cursor(&again), next_cursor(&first));
}

/// A deterministic pseudo-random sequence (64-bit LCG), so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[tokio::test]
async fn random_writes_then_replay_and_incremental_sync_both_equal_the_public_content() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let ukraine = app.get("/api/v1/missions/ukraine").good().await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut rng = Lcg(20_261_129);
    let mut incremental = Store::default();
    let mut cursor = Some(sync(&app, &mut incremental, None, 4, "en").await);
    let mut news: Vec<String> = Vec::new();
    let mut objectives: Vec<String> = app.get("/api/v1/objectives").good().await["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let mut moldova: Option<String> = None;
    let hour = Duration::hours(1);
    for step in 0..60 {
        let when = |offset: Duration| (Utc::now() + offset).to_rfc3339();
        let pick =
            |rng: &mut Lcg, ids: &[String]| ids[rng.below(ids.len() as u64) as usize].clone();
        match rng.below(16) {
            0..=3 => {
                let (status, published_at) = match rng.below(5) {
                    0 => ("draft", None),
                    1 => ("published", None),
                    2 => ("published", Some(when(-hour * 24))),
                    3 => ("published", Some(when(hour))),
                    _ => ("archived", Some(when(-hour))),
                };
                let mission = match (rng.below(3), &moldova) {
                    (0, _) => Some(ukraine.clone()),
                    (1, Some(m)) => Some(m.clone()),
                    _ => None,
                };
                let body = json!({
                    "title": {"en": format!("Item {step}"), "uk": format!("Новина {step}")},
                    "body": {"en": format!("Body **{step}**")},
                    "status": status,
                    "published_at": published_at,
                    "mission_id": mission,
                    "tags": [format!("tag-{}", rng.below(3))],
                });
                let created = editor.post("/api/v1/news", body).success().await;
                news.push(created["id"].as_str().unwrap().to_owned());
            }
            4 | 5 if !news.is_empty() => {
                let id = pick(&mut rng, &news);
                let title = if rng.below(2) == 0 {
                    json!({"en": format!("Edited {step}")})
                } else {
                    json!({"uk": format!("Змінено {step}")})
                };
                let path = format!("/api/v1/news/{id}");
                editor.patch(&path, json!({"title": title})).success().await;
            }
            6 if !news.is_empty() => {
                let id = pick(&mut rng, &news);
                let path = format!("/api/v1/news/{id}");
                editor
                    .patch(&path, json!({"status": "published"}))
                    .success()
                    .await;
            }
            7 if !news.is_empty() => {
                let id = pick(&mut rng, &news);
                let status = if rng.below(2) == 0 {
                    "draft"
                } else {
                    "archived"
                };
                let path = format!("/api/v1/news/{id}");
                editor
                    .patch(&path, json!({"status": status}))
                    .success()
                    .await;
            }
            8 | 9 if !news.is_empty() => {
                let id = pick(&mut rng, &news);
                let at = if rng.below(2) == 0 {
                    when(-hour * 3)
                } else {
                    when(hour * 3)
                };
                let path = format!("/api/v1/news/{id}");
                let patch = json!({"status": "published", "published_at": at});
                editor.patch(&path, patch).success().await;
            }
            10 if !news.is_empty() => {
                let id = news.remove(rng.below(news.len() as u64) as usize);
                editor.delete(&format!("/api/v1/news/{id}")).success().await;
            }
            11 => {
                // The mission, its parts, and now and then its slug (which its news items show).
                let patch = match rng.below(3) {
                    0 => json!({"office_city": {"en": format!("Kyiv {step}")}}),
                    1 => {
                        json!({"key_figures": [{"label": {"en": "People reached"}, "value": step * 1000, "unit": "people"}]})
                    }
                    _ => json!({"slug": format!("ukraine-{step}")}),
                };
                let path = format!("/api/v1/missions/{ukraine}");
                editor.patch(&path, patch).success().await;
            }
            12 => {
                let id = pick(&mut rng, &objectives);
                let path = format!("/api/v1/objectives/{id}");
                let patch = json!({"title": {"uk": format!("Ціль {step}")}});
                editor.patch(&path, patch).success().await;
            }
            13 => {
                if rng.below(2) == 0 || objectives.len() < 2 {
                    let body = json!({"title": {"en": format!("Objective {step}")}});
                    let created = editor.post("/api/v1/objectives", body).success().await;
                    objectives.push(created["id"].as_str().unwrap().to_owned());
                } else {
                    let id = objectives.remove(rng.below(objectives.len() as u64) as usize);
                    let path = format!("/api/v1/objectives/{id}");
                    editor.delete(&path).success().await;
                }
            }
            14 => {
                // A second mission comes and goes; its news items lose their mission with it.
                match moldova.take() {
                    None => {
                        let body = json!({"country_code": "MD", "name": {"en": "IOM Mission in Moldova"},
                            "milestones": [{"kind": "office_opened", "year": 2001, "title": {"en": "Opened"}}]});
                        let created = editor.post("/api/v1/missions", body).success().await;
                        moldova = Some(created["id"].as_str().unwrap().to_owned());
                    }
                    Some(id) => {
                        let path = format!("/api/v1/missions/{id}");
                        editor.delete(&path).success().await;
                    }
                }
            }
            _ => {
                let patch = json!({"member_states": 175 + step});
                editor.patch("/api/v1/organization", patch).success().await;
            }
        }
        if step % 7 == 6 {
            let limit = 1 + rng.below(4) as u32;
            cursor = Some(sync(&app, &mut incremental, cursor.take(), limit, "en").await);
        }
    }
    sync(&app, &mut incremental, cursor, 3, "en").await;
    let public = public_content(&app, "en").await;
    assert!(public.count("news") > 0, "the writes left some public news");
    assert_eq!(incremental, public, "the incremental store");

    let mut replayed = Store::default();
    sync(&app, &mut replayed, None, 5, "en").await;
    assert_eq!(replayed, public, "a replay from nothing");

    let mut ukrainian = Store::default();
    sync(&app, &mut ukrainian, None, 500, "uk").await;
    assert_eq!(
        ukrainian,
        public_content(&app, "uk").await,
        "in another locale"
    );
}

#[tokio::test]
async fn a_scheduled_item_arrives_when_its_time_comes() {
    let app = TestApp::seeded().await;
    let mut store = Store::default();
    let cursor = sync(&app, &mut store, None, 100, "en").await;
    let soon = NewsFactory::new("soon")
        .published_at(Some(Utc::now() + Duration::seconds(2)))
        .insert(&mut app.conn());
    let key = ("news".to_owned(), soon.to_string());

    let before = changes(&app, Some(&cursor), 100, "en").await;
    assert_eq!(
        before["data"],
        json!([]),
        "not public yet, so not in the feed (not even as a tombstone)"
    );
    store.apply(&before);
    let cursor = next_cursor(&before);
    assert!(!store.0.contains_key(&key));

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let after = changes(&app, Some(&cursor), 100, "en").await;
    let data = after["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{after}");
    assert_eq!(data[0]["op"], "upsert");
    assert_eq!(data[0]["id"], json!(soon));
    store.apply(&after);
    assert_eq!(store, public_content(&app, "en").await);

    // Told once: the next call has nothing, and keeps its cursor.
    let later = changes(&app, Some(&next_cursor(&after)), 100, "en").await;
    assert_eq!(later["data"], json!([]));
    assert_eq!(next_cursor(&later), next_cursor(&after));
}

#[derive(QueryableByName)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_commits_late_is_not_skipped() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let first = NewsFactory::new("first").insert(&mut app.conn());
    let second = NewsFactory::new("second").insert(&mut app.conn());
    let mut store = Store::default();
    let start = sync(&app, &mut store, None, 100, "en").await;

    // A transaction changes `first`, draws its place in the log, and does not commit yet.
    let mut raw = app.conn();
    raw.batch_execute(&format!(
        "BEGIN; UPDATE news SET title = '{{\"en\": \"Raw\"}}' WHERE id = '{first}'"
    ))
    .unwrap();
    // Meanwhile an editor changes `second`; the write has to wait for the first to commit.
    let late = editor
        .patch(
            &format!("/api/v1/news/{second}"),
            json!({"title": {"en": "Over HTTP"}}),
        )
        .send();
    let late = tokio::spawn(async move { late.await.status() });
    let mut observer = app.conn();
    let mut waited = 0;
    loop {
        let waiting = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted",
        )
        .get_result::<Waiting>(&mut observer)
        .unwrap()
        .n;
        if waiting > 0 {
            break;
        }
        waited += 1;
        assert!(
            waited < 100,
            "the HTTP write never queued behind the open transaction"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!late.is_finished(), "the HTTP write is still pending");

    // A reader sees neither, and its cursor stays where it was: nothing is skipped.
    let during = changes(&app, Some(&start), 100, "en").await;
    assert_eq!(during["data"], json!([]));
    assert_eq!(next_cursor(&during), start);
    assert!(!late.is_finished());

    raw.batch_execute("COMMIT").unwrap();
    assert_eq!(late.await.unwrap(), 200);
    let after = changes(&app, Some(&next_cursor(&during)), 100, "en").await;
    let data = after["data"].as_array().unwrap();
    let ids: Vec<&str> = data.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [first.to_string(), second.to_string()],
        "both, in commit order"
    );
    assert_eq!(data[0]["item"]["title"], "Raw");
    assert_eq!(data[1]["item"]["title"], "Over HTTP");
    store.apply(&after);
    assert_eq!(store, public_content(&app, "en").await);
}

#[tokio::test]
async fn unpublishing_and_deleting_are_tombstones_and_a_mission_slug_reaches_its_news() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let mut store = Store::default();
    let cursor = sync(&app, &mut store, None, 100, "en").await;
    let seeded_news = store.0.keys().find(|(r, _)| r == "news").unwrap().1.clone();
    let objective = store
        .0
        .keys()
        .find(|(r, _)| r == "objective")
        .unwrap()
        .1
        .clone();
    let news_path = format!("/api/v1/news/{seeded_news}");
    editor
        .patch("/api/v1/missions/ukraine", json!({"slug": "ua"}))
        .success()
        .await;
    let renamed = changes(&app, Some(&cursor), 100, "en").await;
    let kinds: Vec<(&str, &str)> = renamed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["resource"].as_str().unwrap(), e["op"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("mission", "upsert"), ("news", "upsert")]);
    assert_eq!(renamed["data"][1]["item"]["mission"]["slug"], "ua");

    editor
        .patch(&news_path, json!({"status": "archived"}))
        .success()
        .await;
    let objective_path = format!("/api/v1/objectives/{objective}");
    editor.delete(&objective_path).success().await;
    let gone = changes(&app, Some(&next_cursor(&renamed)), 100, "en").await;
    assert_eq!(
        gone["data"],
        json!([
            {"resource": "news", "id": seeded_news, "op": "delete"},
            {"resource": "objective", "id": objective, "op": "delete"},
        ])
    );
    store.apply(&renamed);
    store.apply(&gone);
    assert_eq!(store, public_content(&app, "en").await);
}

#[tokio::test]
async fn bad_parameters_are_problems_naming_them() {
    let app = TestApp::seeded().await;
    let cursor = next_cursor(&changes(&app, None, 100, "en").await);
    let mut tampered: Vec<char> = cursor.chars().collect();
    tampered[12] = if tampered[12] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let ahead = Cursor {
        seq: 1_000_000,
        published: NewsKey::end_of(Utc::now()),
    }
    .encode();
    for query in [
        "since=garbage".to_owned(),
        format!("since={tampered}"),
        format!("since={cursor}x"),
        format!("since={ahead}"),
        "since=".to_owned(),
    ] {
        let response = app.get(&format!("/api/v1/changes?{query}")).await;
        let problem = response.problem(422).await;
        assert_eq!(error_fields(&problem), ["since"], "{query}");
    }
    for (query, field) in [
        ("limit=0".to_owned(), "limit"),
        ("limit=501".to_owned(), "limit"),
        ("limit=ten".to_owned(), "limit"),
        (format!("since={cursor}&since={cursor}"), "since"),
        ("page=2".to_owned(), "page"),
        ("locale=fr".to_owned(), "locale"),
    ] {
        let response = app.get(&format!("/api/v1/changes?{query}")).await;
        let problem = response.problem(400).await;
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
    let response = app
        .get("/api/v1/changes")
        .header("Authorization", "Bearer nope")
        .await;
    response.problem(401).await;
}

#[tokio::test]
async fn conditional_reads_and_the_editor_view_is_the_public_one() {
    let app = TestApp::seeded().await;
    let cursor = next_cursor(&changes(&app, None, 100, "en").await);
    let path = format!("/api/v1/changes?since={cursor}");
    let response = app.get(&path).await;
    assert_eq!(response.status(), 200);
    let etag = response.etag();
    assert!(response
        .header("cache-control")
        .starts_with("public, max-age="));
    assert_eq!(app.get(&path).if_none_match(&etag).await.status(), 304);

    // An editor's token changes nothing (drafts stay out, items stay public views).
    NewsFactory::new("a-draft")
        .status("draft")
        .published_at(None)
        .insert(&mut app.conn());
    let editor = app.as_editor().await;
    let anonymous = app.get("/api/v1/changes").await.text().await;
    let as_editor = editor.get("/api/v1/changes").await;
    assert_eq!(as_editor.status(), 200);
    let as_editor = as_editor.json().await;
    let anonymous: Value = serde_json::from_str(&anonymous).unwrap();
    assert_eq!(as_editor["data"], anonymous["data"]);
    assert!(
        anonymous["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["resource"] != "news" || e["op"] == "upsert"),
        "a draft that was never public is not in the feed at all"
    );
}

/// Drafts, scheduled and archived items change unseen: neither the change feed nor the public
/// validators move, until an item is (or was) public.
#[tokio::test]
async fn unpublished_items_never_reach_the_public_feed_or_validators() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let cursor = next_cursor(&changes(&app, None, 100, "en").await);
    // The date of the last change has whole seconds and the current one is never announced.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let validators = |response: &Response| {
        let header = |name: &str| response.maybe_header(name).map(str::to_owned);
        (header("last-modified"), header("etag"))
    };
    let lists = ["/api/v1/news", "/api/v1/feeds/news.atom", "/api/v1/tags"];
    let mut before = Vec::new();
    for path in lists {
        before.push(validators(&app.get(path).await));
    }

    let draft = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "Secret draft"}, "tags": ["secret"]}),
        )
        .success()
        .await;
    let draft_path = format!("/api/v1/news/{}", draft["id"].as_str().unwrap());
    editor
        .patch(&draft_path, json!({"title": {"en": "Still secret"}}))
        .success()
        .await;
    let later = (Utc::now() + Duration::days(7)).to_rfc3339();
    let scheduled = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "Next week"}, "status": "published", "published_at": later}),
        )
        .success()
        .await;
    let scheduled_path = format!("/api/v1/news/{}", scheduled["id"].as_str().unwrap());
    editor
        .patch(&scheduled_path, json!({"summary": {"en": "Soon"}}))
        .success()
        .await;
    editor
        .patch(&draft_path, json!({"status": "archived"}))
        .success()
        .await;
    editor.delete(&scheduled_path).success().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    assert_eq!(
        changes(&app, Some(&cursor), 100, "en").await["data"],
        json!([])
    );
    for (path, before) in lists.iter().zip(&before) {
        assert_eq!(&validators(&app.get(path).await), before, "{path}");
    }

    // Once public, the item is in the feed; unpublished again, it is a tombstone; edits of it
    // after that are unseen again.
    editor
        .patch(&draft_path, json!({"status": "published"}))
        .success()
        .await;
    let published = changes(&app, Some(&cursor), 100, "en").await;
    assert_eq!(published["data"].as_array().unwrap().len(), 1);
    assert_eq!(published["data"][0]["op"], "upsert");
    assert_eq!(published["data"][0]["id"], draft["id"]);
    let cursor = next_cursor(&published);
    editor
        .patch(&draft_path, json!({"status": "draft"}))
        .success()
        .await;
    let unpublished = changes(&app, Some(&cursor), 100, "en").await;
    assert_eq!(
        unpublished["data"],
        json!([{"resource": "news", "id": draft["id"], "op": "delete"}])
    );
    let cursor = next_cursor(&unpublished);
    editor
        .patch(&draft_path, json!({"title": {"en": "Reworked"}}))
        .success()
        .await;
    assert_eq!(
        changes(&app, Some(&cursor), 100, "en").await["data"],
        json!([])
    );
}

#[test]
fn a_mission_write_logs_the_mission_once_and_a_no_op_logs_nothing() {
    let db = crate::helpers::TestDatabase::new();
    let mut conn = db.connect();
    orgcms::seed::seed(&mut conn).unwrap();
    #[derive(QueryableByName)]
    struct Seq {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let seq = |conn: &mut PgConnection| {
        diesel::sql_query("SELECT coalesce(max(seq), 0) AS n FROM content_changes")
            .get_result::<Seq>(conn)
            .unwrap()
            .n
    };
    let before = seq(&mut conn);
    conn.batch_execute(
        "BEGIN; \
         UPDATE missions SET office_city = '{\"en\": \"Lviv\"}'; \
         DELETE FROM mission_milestones; \
         INSERT INTO mission_focus_areas (mission_id, position, title) \
           SELECT id, 100, '{\"en\": \"New\"}' FROM missions; \
         COMMIT",
    )
    .unwrap();
    assert_eq!(seq(&mut conn), before + 1, "one entry for the whole write");
    conn.batch_execute("UPDATE news SET title = title; UPDATE missions SET slug = slug")
        .unwrap();
    assert_eq!(seq(&mut conn), before + 1, "an update that changes nothing");
    let ids: Vec<Uuid> = orgcms::db::schema::content_changes::table
        .select(orgcms::db::schema::content_changes::item_id)
        .load(&mut conn)
        .unwrap();
    let distinct: HashSet<&Uuid> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "one row per item");
}
