//! Cursor paging is one mechanism: every list walks by `next_cursor` to exactly the items and
//! order of one big page, whatever its order and filters.

use serde_json::Value;

use crate::helpers::factories::insert_mission;
use crate::helpers::{Client, NewsFactory, TestApp};

/// Items of a list as comparable JSON, walking by cursor with `per_page=1`.
async fn walk(who: &Client, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut url = format!("{path}{separator}per_page=1");
    loop {
        let body = who.get(&url).good().await;
        let page = body["data"].as_array().unwrap();
        assert!(page.len() <= 1, "{url}");
        items.extend(page.iter().cloned());
        match body["meta"]["next_cursor"].as_str() {
            Some(cursor) => url = format!("{path}{separator}per_page=1&cursor={cursor}"),
            None => return items,
        }
        assert!(items.len() < 1000, "{path}: the walk ends");
    }
}

#[tokio::test]
async fn every_list_walks_by_cursor_to_the_same_items_as_one_page() {
    let app = TestApp::seeded().await;
    let mut conn = app.conn();
    insert_mission(&mut conn, "moldova", "MD", Some(2001));
    insert_mission(&mut conn, "chad", "TD", None);
    insert_mission(&mut conn, "aruba", "AW", None);
    insert_mission(&mut conn, "niger", "NE", Some(1990));
    NewsFactory::new("undated-draft")
        .status("draft")
        .published_at(None)
        .insert(&mut conn);
    for (i, tags) in [["health", "shelter"], ["health", "cash"], ["water", "cash"]]
        .iter()
        .enumerate()
    {
        NewsFactory::new(&format!("tagged-{i}"))
            .tags(tags)
            .insert(&mut conn);
    }
    let anon = app.anon();
    let admin = app.as_admin().await;
    app.create_user("b@example.org", "editor");
    app.create_user("a@example.org", "editor");
    // Some audit entries.
    for title in ["one", "two", "three"] {
        let body = serde_json::json!({"title": {"en": title}});
        let response = admin.post("/api/v1/news", body).await;
        assert_eq!(response.status(), 201);
    }

    let mut lists = vec![
        ("/api/v1/news", &anon),
        ("/api/v1/news?sort=published_at", &anon),
        ("/api/v1/news?tag=health", &anon),
        ("/api/v1/news", &admin),
        ("/api/v1/news?sort=published_at", &admin),
        ("/api/v1/news?status=draft", &admin),
        ("/api/v1/objectives", &anon),
        ("/api/v1/tags", &anon),
        ("/api/v1/users", &admin),
        ("/api/v1/audit", &admin),
        ("/api/v1/audit?resource=news", &admin),
    ];
    for sort in [
        "slug",
        "-slug",
        "country_code",
        "-country_code",
        "started_year",
        "-started_year",
    ] {
        lists.push((
            Box::leak(format!("/api/v1/missions?sort={sort}").into_boxed_str()),
            &anon,
        ));
    }
    lists.push(("/api/v1/missions?sort=-started_year", &admin));
    for (path, who) in lists {
        let separator = if path.contains('?') { '&' } else { '?' };
        let whole = who
            .get(&format!("{path}{separator}per_page=100"))
            .good()
            .await;
        let whole = whole["data"].as_array().unwrap().clone();
        assert!(whole.len() >= 2, "{path}: a list worth walking");
        assert_eq!(walk(who, path).await, whole, "{path}");
    }

    // The undated drafts (the factory's and the three posted ones) close the editor's walk.
    let editor_walk = walk(&admin, "/api/v1/news").await;
    let dated: Vec<bool> = editor_walk
        .iter()
        .map(|n| !n["published_at"].is_null())
        .collect();
    assert_eq!(dated.iter().filter(|d| !**d).count(), 4);
    assert!(dated.windows(2).all(|w| w[0] || !w[1]), "{dated:?}");
    // The missions without a year come last in both directions.
    let years: Vec<Value> = walk(&anon, "/api/v1/missions?sort=-started_year")
        .await
        .iter()
        .map(|m| m["slug"].clone())
        .collect();
    assert_eq!(years[..3], ["moldova", "ukraine", "niger"]);
}
