//! `Consistency-Token`: every successful write returns one, and a read that sends it back is
//! answered from data at least that new, even where the node's cache has not heard of the
//! change. (With real replicas: `scripts/cluster`.)

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{slugs, TestApp};

async fn cached_app() -> TestApp {
    let app = TestApp::builder()
        .env("ORGCMS_RESPONSE_CACHE_MIB", "4")
        .spawn()
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = diesel::sql_types::Text)]
    position: String,
}

fn current_position(conn: &mut PgConnection) -> String {
    diesel::sql_query("SELECT pg_current_wal_lsn()::text AS position")
        .get_result::<Position>(conn)
        .unwrap()
        .position
}

fn is_position(token: &str) -> bool {
    token
        .split_once('/')
        .is_some_and(|(a, b)| [a, b].iter().all(|h| u64::from_str_radix(h, 16).is_ok()))
}

#[tokio::test]
async fn successful_writes_return_a_token_and_reads_and_failures_do_not() {
    let app = TestApp::builder().spawn().await;
    let editor = app.as_editor().await;
    let created = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "Tokened"}, "status": "published"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let first = created.header("consistency-token").to_owned();
    assert!(is_position(&first), "{first}");
    let location = created.header("location").to_owned();
    let deleted = editor.delete(&location).send().await;
    assert_eq!(deleted.status(), 204);
    let second = deleted.header("consistency-token").to_owned();
    assert!(is_position(&second), "{second}");
    let ordinal = |t: &str| {
        let (a, b) = t.split_once('/').unwrap();
        (u64::from_str_radix(a, 16).unwrap() << 32) | u64::from_str_radix(b, 16).unwrap()
    };
    assert!(ordinal(&second) > ordinal(&first), "{first} then {second}");

    let refused = editor
        .post("/api/v1/news", json!({"title": 5}))
        .send()
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.maybe_header("consistency-token"), None);
    let read = app.get("/api/v1/news").await;
    assert_eq!(read.status(), 200);
    assert_eq!(read.maybe_header("consistency-token"), None);
}

#[tokio::test]
async fn a_token_ahead_of_the_cache_is_answered_from_the_database() {
    let app = cached_app().await;
    let editor = app.as_editor().await;
    // The token of a write through this node, which the node's next generation covers.
    let written = editor
        .post("/api/v1/objectives", json!({"title": {"en": "Objective"}}))
        .await;
    assert_eq!(written.status(), 201);
    let before = written.header("consistency-token").to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cached = app
        .get("/api/v1/news")
        .header("Consistency-Token", &before)
        .good()
        .await;
    assert!(slugs(&cached).is_empty());
    // A change this node is not told of (the triggers are off for that session): its cache
    // keeps the old answer, as a node that has not heard of another's write yet would.
    let mut conn = app.conn();
    conn.batch_execute(
        "SET session_replication_role = replica; \
         INSERT INTO news (slug, title, status, published_at) \
         VALUES ('unheard', '{\"en\": \"Unheard\"}', 'published', now() - interval '1 day')",
    )
    .unwrap();
    let after = current_position(&mut conn);
    assert!(slugs(&app.get("/api/v1/news").good().await).is_empty());
    // The write's token may have the stored answer; a token from after the change may not.
    let old = app
        .get("/api/v1/news")
        .header("Consistency-Token", &before)
        .good()
        .await;
    assert!(slugs(&old).is_empty(), "{before}: {old}");
    let new = app
        .get("/api/v1/news")
        .header("Consistency-Token", &after)
        .good()
        .await;
    assert_eq!(slugs(&new), ["unheard"], "{after}");
    let item = app
        .get("/api/v1/news/unheard")
        .header("Consistency-Token", &after)
        .good()
        .await;
    assert_eq!(item["slug"], "unheard");
}

#[tokio::test]
async fn a_value_that_is_not_a_token_is_ignored() {
    let app = TestApp::builder().spawn().await;
    for value in [
        "",
        "latest",
        "0/",
        "/0",
        "0/16B3748/1",
        "123456789/0",
        "0/xyz",
        " 0/0 ",
    ] {
        let answer = app
            .get("/api/v1/news")
            .header("Consistency-Token", value)
            .send()
            .await;
        assert_eq!(answer.status(), 200, "{value:?}");
    }
}
