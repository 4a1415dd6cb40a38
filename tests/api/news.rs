use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use crate::helpers::factories::insert_mission;
use crate::helpers::{assert_problem, error_fields, slugs, NewsFactory, TestApp};

const SEED_NEWS: &str =
    "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv";

fn day(y: i32, m: u32, d: u32) -> Option<chrono::DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap())
}

#[tokio::test]
async fn seed_news_item_is_public_with_its_mission() {
    let app = TestApp::seeded().await;
    let list = app.get_json("/api/v1/news").await;
    assert_eq!(slugs(&list), [SEED_NEWS]);
    let item = &list["data"][0];
    assert_eq!(
        item["title"],
        "The Danish Refugee Council Donated 133 Pieces of Equipment to a Dormitory for IDPs in Mykolaiv"
    );
    assert_eq!(item["published_at"], "2024-05-29T00:00:00Z");
    assert_eq!(item["mission"]["slug"], "ukraine");
    assert!(item.get("body").is_none(), "lists carry summaries");
    let one = app.get_json(&format!("/api/v1/news/{SEED_NEWS}")).await;
    assert_eq!(one["slug"], SEED_NEWS);
    assert!(one.get("body").is_some());
    let by_id = app
        .get_json(&format!("/api/v1/news/{}", one["id"].as_str().unwrap()))
        .await;
    assert_eq!(by_id, one);
}

#[tokio::test]
async fn drafts_scheduled_and_archived_news_are_invisible() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    NewsFactory::new("public").insert(&mut conn);
    let hidden = [
        (
            "draft",
            NewsFactory::new("draft").status("draft").published_at(None),
        ),
        (
            "draft-dated",
            NewsFactory::new("draft-dated").status("draft"),
        ),
        ("archived", NewsFactory::new("archived").status("archived")),
        (
            "scheduled",
            NewsFactory::new("scheduled").published_at(Some(Utc::now() + Duration::hours(1))),
        ),
    ];
    let mut ids = Vec::new();
    for (slug, factory) in hidden {
        ids.push((slug, factory.insert(&mut conn)));
    }
    let list = app.get_json("/api/v1/news?per_page=100").await;
    assert_eq!(slugs(&list), ["public"]);
    assert_eq!(list["meta"]["total"], 1);
    for (slug, id) in ids {
        assert_problem(app.get(&format!("/api/v1/news/{slug}")).await, 404).await;
        assert_problem(app.get(&format!("/api/v1/news/{id}")).await, 404).await;
    }
}

#[tokio::test]
async fn scheduled_news_turns_public_when_its_time_comes() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    NewsFactory::new("soon")
        .published_at(Some(Utc::now() + Duration::seconds(2)))
        .insert(&mut conn);
    assert_eq!(slugs(&app.get_json("/api/v1/news").await).len(), 0);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(slugs(&app.get_json("/api/v1/news").await), ["soon"]);
    assert_eq!(app.get("/api/v1/news/soon").await.status(), 200);
}

#[tokio::test]
async fn filters_by_mission_tag_and_date_range() {
    let app = TestApp::seeded().await;
    let mut conn = app.conn();
    let moldova = insert_mission(&mut conn, "moldova", "MD", None);
    NewsFactory::new("md-health")
        .mission(moldova)
        .tags(&["health"])
        .published_at(day(2024, 1, 10))
        .insert(&mut conn);
    NewsFactory::new("md-other")
        .mission(moldova)
        .tags(&["protection"])
        .published_at(day(2024, 3, 1))
        .insert(&mut conn);
    NewsFactory::new("global-health")
        .tags(&["health", "protection"])
        .published_at(day(2024, 7, 1))
        .insert(&mut conn);

    let mission = |q: &str| format!("/api/v1/news?mission={q}");
    assert_eq!(
        slugs(&app.get_json(&mission("moldova")).await),
        ["md-other", "md-health"]
    );
    assert_eq!(
        slugs(&app.get_json(&mission(&moldova.to_string())).await),
        ["md-other", "md-health"]
    );
    assert_eq!(slugs(&app.get_json(&mission("ukraine")).await), [SEED_NEWS]);
    assert_eq!(slugs(&app.get_json(&mission("atlantis")).await).len(), 0);

    assert_eq!(
        slugs(&app.get_json("/api/v1/news?tag=health").await),
        ["global-health", "md-health"]
    );
    assert_eq!(
        slugs(
            &app.get_json("/api/v1/news?tag=health&mission=moldova")
                .await
        ),
        ["md-health"]
    );
    assert_eq!(
        slugs(&app.get_json("/api/v1/news?tag=unknown-tag").await).len(),
        0
    );

    let range = app
        .get_json("/api/v1/news?published_after=2024-02-01&published_before=2024-06-01")
        .await;
    assert_eq!(slugs(&range), [SEED_NEWS, "md-other"]);
    // The lower bound is inclusive, the upper exclusive.
    let exact = app.get_json("/api/v1/news?published_after=2024-05-29T00:00:00Z&published_before=2024-05-29T00:00:01Z").await;
    assert_eq!(slugs(&exact), [SEED_NEWS]);
    // A range that holds nothing is an empty list, not an error.
    let empty = app
        .get_json("/api/v1/news?published_after=2024-06-01&published_before=2024-01-01")
        .await;
    assert_eq!(empty["meta"]["total"], 0);
    let after = app
        .get_json("/api/v1/news?published_after=2024-07-01T12:00:00%2B00:00")
        .await;
    assert_eq!(slugs(&after), ["global-health"]);
    assert_eq!(after["meta"]["total"], 1);
}

#[tokio::test]
async fn sorts_by_publication_date() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    NewsFactory::new("b")
        .published_at(day(2024, 2, 1))
        .insert(&mut conn);
    NewsFactory::new("a")
        .published_at(day(2024, 1, 1))
        .insert(&mut conn);
    NewsFactory::new("c")
        .published_at(day(2024, 3, 1))
        .insert(&mut conn);
    assert_eq!(slugs(&app.get_json("/api/v1/news").await), ["c", "b", "a"]);
    assert_eq!(
        slugs(&app.get_json("/api/v1/news?sort=-published_at").await),
        ["c", "b", "a"]
    );
    assert_eq!(
        slugs(&app.get_json("/api/v1/news?sort=published_at").await),
        ["a", "b", "c"]
    );
}

#[tokio::test]
async fn paging_edges_and_link_headers() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    for i in 1..=5 {
        NewsFactory::new(&format!("n{i}"))
            .published_at(day(2024, 1, i))
            .insert(&mut conn);
    }
    let first = app.get("/api/v1/news?per_page=2&tag=&page=1").await;
    assert_eq!(first.status(), 400, "an empty tag is not a tag");

    let first = app.get("/api/v1/news?per_page=2").await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("</api/v1/news?page=2&per_page=2>; rel=\"next\""),
        "{link}"
    );
    assert!(
        link.contains("</api/v1/news?page=3&per_page=2>; rel=\"last\""),
        "{link}"
    );
    assert!(!link.contains("rel=\"prev\""));
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(slugs(&first), ["n5", "n4"]);
    assert_eq!(
        first["meta"],
        json!({"page": 1, "per_page": 2, "total": 5, "total_pages": 3})
    );

    let last = app
        .get("/api/v1/news?per_page=2&page=3&sort=published_at")
        .await;
    let link = last.headers()["link"].to_str().unwrap().to_owned();
    assert!(!link.contains("rel=\"next\""), "{link}");
    assert!(
        link.contains("</api/v1/news?sort=published_at&page=2&per_page=2>; rel=\"prev\""),
        "{link}"
    );
    assert_eq!(slugs(&last.json().await.unwrap()), ["n5"]);

    let beyond = app.get_json("/api/v1/news?per_page=2&page=9").await;
    assert_eq!(slugs(&beyond).len(), 0);
    assert_eq!(beyond["meta"]["total"], 5);

    let max = app.get_json("/api/v1/news?per_page=100").await;
    assert_eq!(slugs(&max).len(), 5);
    for query in [
        "per_page=101",
        "per_page=0",
        "page=0",
        "page=-1",
        "per_page=ten",
        "page=1.5",
    ] {
        let problem = assert_problem(app.get(&format!("/api/v1/news?{query}")).await, 400).await;
        let field = query.split('=').next().unwrap();
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
}

#[tokio::test]
async fn bad_news_parameters_are_400() {
    let app = TestApp::seeded().await;
    for (query, field) in [
        ("mission=Not%20A%20Slug", "mission"),
        ("tag=UPPER", "tag"),
        ("tag=a%27%3B%20DROP%20TABLE%20news%3B--", "tag"),
        ("published_after=yesterday", "published_after"),
        ("published_before=2024-02-30", "published_before"),
        ("sort=title", "sort"),
        ("sort=-created_at", "sort"),
        ("status=draft", "status"),
        ("locale=fr", "locale"),
        ("page=1&page=2", "page"),
        ("q=x", "q"),
    ] {
        let problem = assert_problem(app.get(&format!("/api/v1/news?{query}")).await, 400).await;
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
}

#[tokio::test]
async fn etag_gives_304_and_changes_with_content() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    NewsFactory::new("one").insert(&mut conn);
    let first = app.get("/api/v1/news").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"'), "a strong ETag");
    assert!(first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("public, max-age="));
    assert_eq!(first.headers()["vary"], "Accept-Language, Authorization");

    let again = app
        .get_with("/api/v1/news", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    NewsFactory::new("two").insert(&mut conn);
    let changed = app
        .get_with("/api/v1/news", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);

    let item = app.get("/api/v1/news/one").await;
    let item_etag = item.headers()["etag"].to_str().unwrap().to_owned();
    let not_modified = app
        .get_with("/api/v1/news/one", &[("If-None-Match", &item_etag)])
        .await;
    assert_eq!(not_modified.status(), 304);
}

#[tokio::test]
async fn tags_count_public_items_only() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    NewsFactory::new("a")
        .tags(&["health", "shelter"])
        .insert(&mut conn);
    NewsFactory::new("b").tags(&["health"]).insert(&mut conn);
    NewsFactory::new("c")
        .tags(&["health", "secret"])
        .status("draft")
        .insert(&mut conn);
    NewsFactory::new("d")
        .tags(&["future"])
        .published_at(Some(Utc::now() + Duration::days(1)))
        .insert(&mut conn);
    let tags = app.get_json("/api/v1/tags").await;
    assert_eq!(
        tags["data"],
        json!([{"slug": "health", "count": 2}, {"slug": "shelter", "count": 1}])
    );
    assert_eq!(tags["meta"]["total"], 2);
    let second = app.get_json("/api/v1/tags?per_page=1&page=2").await;
    assert_eq!(second["data"], json!([{"slug": "shelter", "count": 1}]));
    assert_problem(app.get("/api/v1/tags?locale=uk").await, 400).await;
}

#[tokio::test]
async fn related_news_share_the_mission_or_a_tag() {
    let app = TestApp::seeded().await;
    let mut conn = app.conn();
    let ukraine: uuid::Uuid = {
        use diesel::prelude::*;
        orgcms::db::schema::missions::table
            .select(orgcms::db::schema::missions::id)
            .first(&mut conn)
            .unwrap()
    };
    NewsFactory::new("same-mission")
        .mission(ukraine)
        .published_at(day(2024, 6, 1))
        .insert(&mut conn);
    NewsFactory::new("tagged")
        .tags(&["health"])
        .published_at(day(2024, 7, 1))
        .insert(&mut conn);
    NewsFactory::new("source")
        .tags(&["health"])
        .mission(ukraine)
        .published_at(day(2024, 8, 1))
        .insert(&mut conn);
    NewsFactory::new("unrelated")
        .tags(&["other"])
        .insert(&mut conn);
    NewsFactory::new("hidden")
        .mission(ukraine)
        .status("draft")
        .insert(&mut conn);
    let related = app.get_json("/api/v1/news/source/related").await;
    let slugs: Vec<&str> = related["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["tagged", "same-mission", SEED_NEWS]);
    let one = app.get_json("/api/v1/news/source/related?per_page=1").await;
    assert_eq!(one["data"].as_array().unwrap().len(), 1);
    assert_problem(app.get("/api/v1/news/hidden/related").await, 404).await;
    assert_problem(
        app.get("/api/v1/news/source/related?per_page=21").await,
        400,
    )
    .await;
}
