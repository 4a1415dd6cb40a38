//! Cursor paging is one mechanism: every list walks by `next_cursor` to exactly the items and
//! order of one big page, whatever its order and filters.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::factories::insert_mission;
use crate::helpers::{NewsFactory, TestApp};

/// Items of a list as comparable JSON, walking by cursor with `per_page=1`.
async fn walk(app: &TestApp, path: &str, token: Option<&str>) -> Vec<Value> {
    let mut items = Vec::new();
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut url = format!("{path}{separator}per_page=1");
    loop {
        let body = get(app, &url, token).await;
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

async fn get(app: &TestApp, url: &str, token: Option<&str>) -> Value {
    let response = match token {
        Some(token) => app.send(Method::GET, url, token, None, &[]).await,
        None => app.get(url).await,
    };
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.unwrap()
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
    let admin = app.token_for("admin").await;
    app.create_user("b@example.org", "editor");
    app.create_user("a@example.org", "editor");
    // Some audit entries.
    for title in ["one", "two", "three"] {
        let body = serde_json::json!({"title": {"en": title}});
        let response = app
            .send(Method::POST, "/api/v1/news", &admin, Some(body), &[])
            .await;
        assert_eq!(response.status(), 201);
    }

    let mut lists = vec![
        ("/api/v1/news", None),
        ("/api/v1/news?sort=published_at", None),
        ("/api/v1/news?tag=health", None),
        ("/api/v1/news", Some(admin.as_str())),
        ("/api/v1/news?sort=published_at", Some(admin.as_str())),
        ("/api/v1/news?status=draft", Some(admin.as_str())),
        ("/api/v1/objectives", None),
        ("/api/v1/tags", None),
        ("/api/v1/users", Some(admin.as_str())),
        ("/api/v1/audit", Some(admin.as_str())),
        ("/api/v1/audit?resource=news", Some(admin.as_str())),
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
            None,
        ));
    }
    lists.push(("/api/v1/missions?sort=-started_year", Some(admin.as_str())));
    for (path, token) in lists {
        let separator = if path.contains('?') { '&' } else { '?' };
        let whole = get(&app, &format!("{path}{separator}per_page=100"), token).await;
        let whole = whole["data"].as_array().unwrap().clone();
        assert!(whole.len() >= 2, "{path}: a list worth walking");
        assert_eq!(walk(&app, path, token).await, whole, "{path}");
    }

    // The undated drafts (the factory's and the three posted ones) close the editor's walk.
    let editor_walk = walk(&app, "/api/v1/news", Some(&admin)).await;
    let dated: Vec<bool> = editor_walk
        .iter()
        .map(|n| !n["published_at"].is_null())
        .collect();
    assert_eq!(dated.iter().filter(|d| !**d).count(), 4);
    assert!(dated.windows(2).all(|w| w[0] || !w[1]), "{dated:?}");
    // The missions without a year come last in both directions.
    let years: Vec<Value> = walk(&app, "/api/v1/missions?sort=-started_year", None)
        .await
        .iter()
        .map(|m| m["slug"].clone())
        .collect();
    assert_eq!(years[..3], ["moldova", "ukraine", "niger"]);
}
