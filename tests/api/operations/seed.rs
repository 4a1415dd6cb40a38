use diesel::prelude::*;
use diesel::sql_types::Text;
use orgcms::seed::{seed, synthetic::seed_synthetic_news};

use crate::helpers::{TestApp, TestDatabase};

#[derive(QueryableByName)]
struct Snapshot {
    #[diesel(sql_type = Text)]
    rows: String,
}

/// Every content table as JSON text, to compare whole database states.
fn snapshot(conn: &mut PgConnection) -> Vec<String> {
    [
        "organization",
        "objectives",
        "missions",
        "mission_milestones",
        "mission_focus_areas",
        "mission_key_figures",
        "mission_assistance_types",
        "news",
    ]
    .iter()
    .map(|table| {
        // Table names are the constants above.
        diesel::sql_query(format!(
            "SELECT coalesce(json_agg(t ORDER BY t.id)::text, '[]') AS rows FROM {table} t"
        ))
        .get_result::<Snapshot>(conn)
        .unwrap()
        .rows
    })
    .collect()
}

#[test]
fn seeding_twice_changes_nothing() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    let first = seed(&mut conn).unwrap();
    assert_eq!(
        first.inserted, 22,
        "profile, 3 objectives, mission, 4+4+1+7 parts, 1 news"
    );
    let after_first = snapshot(&mut conn);
    let second = seed(&mut conn).unwrap();
    assert_eq!(second.inserted, 0);
    assert_eq!(snapshot(&mut conn), after_first);
}

#[test]
fn seeding_never_overwrites_editors_changes() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn).unwrap();
    diesel::sql_query("UPDATE organization SET member_states = 176")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("DELETE FROM mission_assistance_types WHERE position = 6")
        .execute(&mut conn)
        .unwrap();
    let edited = snapshot(&mut conn);
    assert_eq!(seed(&mut conn).unwrap().inserted, 0);
    assert_eq!(snapshot(&mut conn), edited);
}

#[test]
fn seed_ids_are_the_same_in_every_database() {
    let (a, b) = (TestDatabase::new(), TestDatabase::new());
    seed(&mut a.connect()).unwrap();
    seed(&mut b.connect()).unwrap();
    assert_eq!(snapshot(&mut a.connect()), snapshot(&mut b.connect()));
}

#[tokio::test]
async fn synthetic_news_is_deterministic_marked_and_public() {
    let app = TestApp::seeded().await;
    let mut conn = app.conn();
    assert_eq!(seed_synthetic_news(&mut conn, 50).unwrap(), 50);
    assert_eq!(seed_synthetic_news(&mut conn, 50).unwrap(), 0);
    assert_eq!(seed_synthetic_news(&mut conn, 60).unwrap(), 10);
    let other = TestDatabase::new();
    let mut other_conn = other.connect();
    seed(&mut other_conn).unwrap();
    seed_synthetic_news(&mut other_conn, 60).unwrap();
    assert_eq!(snapshot(&mut conn), snapshot(&mut other_conn));

    let list = app.get("/api/v1/news?total=true&per_page=5").good().await;
    assert_eq!(list["meta"]["total"], 61);
    let synthetic: i64 = orgcms::db::schema::news::table
        .filter(orgcms::db::schema::news::synthetic)
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(synthetic, 60);
    let tagged = app
        .get("/api/v1/news?total=true&tag=health&mission=ukraine&per_page=100")
        .good()
        .await;
    assert_eq!(
        tagged["meta"]["total"], 6,
        "i % 5 == 4 and even: 4, 14, ..., 54"
    );
}
