//! The cache-miss path (issue 15): no `SELECT 1` per checkout, yet a connection the database
//! closed never fails a request; `Last-Modified` from the content clock, which follows changes
//! made by anyone.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::helpers::{NewsFactory, TestApp};

/// Closes every other session of the test's database, as a restart or an idle timeout would.
fn close_other_sessions(app: &TestApp) -> usize {
    #[derive(QueryableByName)]
    struct Closed {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        closed: i64,
    }
    let closed = diesel::sql_query(
        "SELECT count(pg_terminate_backend(pid)) AS closed FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .get_result::<Closed>(&mut app.conn())
    .unwrap();
    closed.closed as usize
}

#[tokio::test]
async fn connections_closed_while_idle_never_fail_a_request() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    for round in 0..3 {
        // Several requests at once fill the pool with connections, which then sit idle.
        let warm: Vec<_> = (0..4)
            .map(|_| editor.get("/api/v1/organization").send())
            .collect();
        for response in futures_util::future::join_all(warm).await {
            assert_eq!(response.status(), 200);
        }
        assert!(
            close_other_sessions(&app) > 0,
            "round {round}: nothing to close"
        );
        // Each request's first statement meets a dead connection: it runs again on a live one.
        let reads: Vec<_> = (0..4)
            .map(|_| editor.get("/api/v1/organization").send())
            .chain((0..4).map(|_| app.get("/api/v1/news").send()))
            .collect();
        for response in futures_util::future::join_all(reads).await {
            assert_eq!(response.status(), 200, "round {round}");
        }
    }
}

#[tokio::test]
async fn a_write_that_meets_a_closed_connection_is_refused_whole_or_done() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    editor.get("/api/v1/news").good().await;
    close_other_sessions(&app);
    let body = serde_json::json!({"title": {"en": "After a restart"}, "status": "published"});
    let response = editor.post("/api/v1/news", body).send().await;
    let status = response.status().as_u16();
    // A write is not run twice: it is done (201), or refused with nothing written (503).
    assert!([201, 503].contains(&status), "{status}");
    let count: i64 = orgcms::db::schema::news::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, i64::from(status == 201));
    if status == 503 {
        assert!(!response.header("retry-after").is_empty());
    }
}

/// The `Last-Modified` of the news list, `content_last_modified` as SQL computes it.
fn expected_last_modified(app: &TestApp) -> Option<String> {
    #[derive(QueryableByName)]
    struct At {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        at: Option<String>,
    }
    diesel::sql_query(
        "SELECT to_char(greatest( \
           (SELECT changed_at FROM content_changes ORDER BY seq DESC LIMIT 1), \
           (SELECT max(published_at) FROM news \
             WHERE status = 'published' AND published_at <= now())) AT TIME ZONE 'UTC', \
           'Dy, DD Mon YYYY HH24:MI:SS \"GMT\"') AS at",
    )
    .get_result::<At>(&mut app.conn())
    .unwrap()
    .at
}

async fn last_modified_becomes(app: &TestApp, expected: &str) {
    let started = Instant::now();
    loop {
        let response = app.get("/api/v1/news").send().await;
        assert_eq!(response.status(), 200);
        if response.header("last-modified") == expected {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "Last-Modified {} and not {expected}",
            response.header("last-modified")
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn last_modified_follows_changes_made_outside_this_node() {
    let app = TestApp::new().await;
    NewsFactory::new("one").insert(&mut app.conn());
    // HTTP dates count whole seconds: a change of the current second is not announced yet.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let first = expected_last_modified(&app).unwrap();
    last_modified_becomes(&app, &first).await;
    // A change by another process: heard through NOTIFY, learnt by the clock, announced.
    diesel::sql_query("UPDATE organization SET member_states = member_states + 1")
        .execute(&mut app.conn())
        .unwrap();
    NewsFactory::new("two").insert(&mut app.conn());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = expected_last_modified(&app).unwrap();
    assert_ne!(first, second);
    last_modified_becomes(&app, &second).await;
}
