use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use crate::helpers::factories::insert_mission;
use crate::helpers::{error_fields, slugs, NewsFactory, TestApp};

const SEED_NEWS: &str =
    "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv";

fn day(y: i32, m: u32, d: u32) -> Option<chrono::DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap())
}

#[tokio::test]
async fn seed_news_item_is_public_with_its_mission() {
    let app = TestApp::seeded().await;
    let list = app.get("/api/v1/news").good().await;
    assert_eq!(slugs(&list), [SEED_NEWS]);
    let item = &list["data"][0];
    assert_eq!(
        item["title"],
        "The Danish Refugee Council Donated 133 Pieces of Equipment to a Dormitory for IDPs in Mykolaiv"
    );
    assert_eq!(item["published_at"], "2024-05-29T00:00:00Z");
    assert_eq!(item["mission"]["slug"], "ukraine");
    assert!(item.get("body").is_none(), "lists carry summaries");
    let one = app.get(&format!("/api/v1/news/{SEED_NEWS}")).good().await;
    assert_eq!(one["slug"], SEED_NEWS);
    assert!(one.get("body").is_some());
    let by_id = app
        .get(&format!("/api/v1/news/{}", one["id"].as_str().unwrap()))
        .good()
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
    let list = app.get("/api/v1/news?total=true&per_page=100").good().await;
    assert_eq!(slugs(&list), ["public"]);
    assert_eq!(list["meta"]["total"], 1);
    for (slug, id) in ids {
        app.get(&format!("/api/v1/news/{slug}")).problem(404).await;
        app.get(&format!("/api/v1/news/{id}")).problem(404).await;
    }
}

#[tokio::test]
async fn scheduled_news_turns_public_when_its_time_comes() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    NewsFactory::new("soon")
        .published_at(Some(Utc::now() + Duration::seconds(2)))
        .insert(&mut conn);
    assert_eq!(slugs(&app.get("/api/v1/news").good().await).len(), 0);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(slugs(&app.get("/api/v1/news").good().await), ["soon"]);
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
        slugs(&app.get(&mission("moldova")).good().await),
        ["md-other", "md-health"]
    );
    assert_eq!(
        slugs(&app.get(&mission(&moldova.to_string())).good().await),
        ["md-other", "md-health"]
    );
    assert_eq!(
        slugs(&app.get(&mission("ukraine")).good().await),
        [SEED_NEWS]
    );
    assert_eq!(slugs(&app.get(&mission("atlantis")).good().await).len(), 0);

    assert_eq!(
        slugs(&app.get("/api/v1/news?tag=health").good().await),
        ["global-health", "md-health"]
    );
    assert_eq!(
        slugs(
            &app.get("/api/v1/news?tag=health&mission=moldova")
                .good()
                .await
        ),
        ["md-health"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/news?tag=unknown-tag").good().await).len(),
        0
    );

    let range = app
        .get("/api/v1/news?total=true&published_after=2024-02-01&published_before=2024-06-01")
        .good()
        .await;
    assert_eq!(slugs(&range), [SEED_NEWS, "md-other"]);
    // The lower bound is inclusive, the upper exclusive.
    let exact = app.get("/api/v1/news?total=true&published_after=2024-05-29T00:00:00Z&published_before=2024-05-29T00:00:01Z").good().await;
    assert_eq!(slugs(&exact), [SEED_NEWS]);
    // A range that holds nothing is an empty list, not an error.
    let empty = app
        .get("/api/v1/news?total=true&published_after=2024-06-01&published_before=2024-01-01")
        .good()
        .await;
    assert_eq!(empty["meta"]["total"], 0);
    let after = app
        .get("/api/v1/news?total=true&published_after=2024-07-01T12:00:00%2B00:00")
        .good()
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
    assert_eq!(
        slugs(&app.get("/api/v1/news").good().await),
        ["c", "b", "a"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/news?sort=-published_at").good().await),
        ["c", "b", "a"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/news?sort=published_at").good().await),
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

    let first = app.get("/api/v1/news?per_page=2&page=1").await;
    let link = first.header("link").to_owned();
    assert!(
        link.contains("</api/v1/news?per_page=2>; rel=\"first\""),
        "{link}"
    );
    assert!(
        link.contains("</api/v1/news?page=2&per_page=2>; rel=\"next\""),
        "{link}"
    );
    assert!(
        link.contains("</api/v1/news?page=3&per_page=2>; rel=\"last\""),
        "{link}"
    );
    assert!(!link.contains("rel=\"prev\""));
    let first: serde_json::Value = first.json().await;
    assert_eq!(slugs(&first), ["n5", "n4"]);
    let meta = &first["meta"];
    assert_eq!(
        (
            &meta["page"],
            &meta["per_page"],
            &meta["total"],
            &meta["total_pages"]
        ),
        (&json!(1), &json!(2), &json!(5), &json!(3))
    );
    assert!(
        meta["next_cursor"].is_string(),
        "page mode also gives a cursor"
    );

    let last = app
        .get("/api/v1/news?per_page=2&page=3&sort=published_at")
        .await;
    let link = last.header("link").to_owned();
    assert!(!link.contains("rel=\"next\""), "{link}");
    assert!(
        link.contains("</api/v1/news?sort=published_at&page=2&per_page=2>; rel=\"prev\""),
        "{link}"
    );
    assert_eq!(slugs(&last.json().await), ["n5"]);

    let beyond = app.get("/api/v1/news?per_page=2&page=9").good().await;
    assert_eq!(slugs(&beyond).len(), 0);
    assert_eq!(beyond["meta"]["total"], 5);
    assert_eq!(beyond["meta"]["next_cursor"], json!(null));

    // Without `page`, a big list is not counted unless asked.
    let uncounted = app.get("/api/v1/news?per_page=2").good().await;
    assert!(uncounted["meta"].get("total").is_none(), "{uncounted}");
    let counted = app.get("/api/v1/news?per_page=2&total=true").good().await;
    assert_eq!(counted["meta"]["total"], 5);

    let max = app.get("/api/v1/news?per_page=100").good().await;
    assert_eq!(slugs(&max).len(), 5);
    for query in [
        "per_page=101",
        "per_page=0",
        "page=0",
        "page=-1",
        "per_page=ten",
        "page=1.5",
    ] {
        let problem = app.get(&format!("/api/v1/news?{query}")).problem(400).await;
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
        ("search=x", "search"),
    ] {
        let problem = app.get(&format!("/api/v1/news?{query}")).problem(400).await;
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
}

#[tokio::test]
async fn etag_gives_304_and_changes_with_content() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    NewsFactory::new("one").insert(&mut conn);
    let first = app.get("/api/v1/news").await;
    let etag = first.etag();
    assert!(etag.starts_with('"'), "a strong ETag");
    assert!(first
        .header("cache-control")
        .starts_with("public, max-age="));
    assert_eq!(first.header("vary"), "Accept-Language, Authorization");

    let again = app.get("/api/v1/news").if_none_match(&etag).await;
    assert_eq!(again.status(), 304);
    assert_eq!(again.header("etag"), etag);
    assert!(again.bytes().await.is_empty());

    NewsFactory::new("two").insert(&mut conn);
    let changed = app.get("/api/v1/news").if_none_match(&etag).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.header("etag"), etag);

    let item = app.get("/api/v1/news/one").await;
    let item_etag = item.etag();
    let not_modified = app.get("/api/v1/news/one").if_none_match(&item_etag).await;
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
    let tags = app.get("/api/v1/tags").good().await;
    assert_eq!(
        tags["data"],
        json!([{"slug": "health", "count": 2}, {"slug": "shelter", "count": 1}])
    );
    assert_eq!(tags["meta"]["total"], 2);
    let second = app.get("/api/v1/tags?per_page=1&page=2").good().await;
    assert_eq!(second["data"], json!([{"slug": "shelter", "count": 1}]));
    app.get("/api/v1/tags?locale=uk").problem(400).await;
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
    let related = app.get("/api/v1/news/source/related").good().await;
    let slugs: Vec<&str> = related["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["tagged", "same-mission", SEED_NEWS]);
    let one = app
        .get("/api/v1/news/source/related?per_page=1")
        .good()
        .await;
    assert_eq!(one["data"].as_array().unwrap().len(), 1);
    app.get("/api/v1/news/hidden/related").problem(404).await;
    app.get("/api/v1/news/source/related?per_page=21")
        .problem(400)
        .await;
}

/// Walks every page by cursor, returning the slugs in order; `between` runs before each next page.
async fn walk<F, Fut>(app: &TestApp, first: &str, mut between: F) -> Vec<String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut seen = Vec::new();
    let mut url = first.to_owned();
    for page in 0.. {
        let response = app.get(&url).await;
        assert_eq!(response.status(), 200, "{url}");
        let link = response.header("link").to_owned();
        let body: serde_json::Value = response.json().await;
        seen.extend(slugs(&body));
        let Some(cursor) = body["meta"]["next_cursor"].as_str() else {
            assert!(!link.contains("rel=\"next\""), "{link}");
            break;
        };
        assert!(link.contains(&format!("cursor={cursor}")), "{link}");
        between(page).await;
        let separator = if first.contains('?') { '&' } else { '?' };
        url = format!("{first}{separator}cursor={cursor}");
    }
    seen
}

#[tokio::test]
async fn a_cursor_walk_skips_and_repeats_nothing_while_items_come_and_go() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    let mut ids = Vec::new();
    for i in 1..=30 {
        // Pairs of items share a publication time, so the id decides their order.
        ids.push(
            NewsFactory::new(&format!("n{i:02}"))
                .published_at(day(2024, 1, 1 + i / 2))
                .insert(&mut conn),
        );
    }
    let before: Vec<String> = (1..=30).map(|i| format!("n{i:02}")).collect();
    let mut expected_order = slugs(&app.get("/api/v1/news?per_page=100").good().await);
    assert_eq!(expected_order.len(), 30);

    // Between pages: a new newest item, a new oldest one, and a deletion of an item already
    // seen and of one not yet seen.
    let seen = walk(&app, "/api/v1/news?per_page=4", |page| {
        let mut conn = app.conn();
        let ids = ids.clone();
        async move {
            use diesel::prelude::*;
            use orgcms::db::schema::news;
            NewsFactory::new(&format!("new-top-{page}"))
                .published_at(day(2025, 1, 1))
                .insert(&mut conn);
            NewsFactory::new(&format!("new-bottom-{page}"))
                .published_at(day(2000, 1, 1))
                .insert(&mut conn);
            if page == 1 {
                // n30 is on the first page (seen); n02 is near the end (not yet seen).
                diesel::delete(news::table.filter(news::id.eq_any([ids[29], ids[1]])))
                    .execute(&mut conn)
                    .unwrap();
            }
        }
    })
    .await;
    let originals: Vec<&String> = seen.iter().filter(|s| before.contains(s)).collect();
    expected_order.retain(|s| s != "n02");
    assert_eq!(
        originals,
        expected_order.iter().collect::<Vec<_>>(),
        "every item present throughout is seen once, in order"
    );
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "nothing repeated: {seen:?}");
    assert!(
        seen.iter().all(|s| !s.starts_with("new-top")),
        "inserted behind us"
    );
    assert!(
        seen.iter().any(|s| s.starts_with("new-bottom")),
        "inserted ahead of us"
    );

    // Oldest first, with a filter, walks the same way.
    let oldest = walk(
        &app,
        "/api/v1/news?per_page=7&sort=published_at",
        |_| async {},
    )
    .await;
    let mut newest = walk(&app, "/api/v1/news?per_page=100", |_| async {}).await;
    newest.reverse();
    assert_eq!(oldest, newest);
}

#[tokio::test]
async fn cursors_belong_to_their_list_and_filters() {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    for i in 1..=3 {
        NewsFactory::new(&format!("n{i}"))
            .published_at(day(2024, 1, i))
            .tags(&["health"])
            .insert(&mut conn);
    }
    let page = app.get("/api/v1/news?per_page=1&tag=health").good().await;
    let cursor = page["meta"]["next_cursor"].as_str().unwrap().to_owned();
    // Same list with other position parameters: fine.
    let next = app
        .get(&format!(
            "/api/v1/news?tag=health&cursor={cursor}&per_page=2&locale=uk"
        ))
        .good()
        .await;
    assert_eq!(slugs(&next), ["n2", "n1"]);
    for query in [
        format!("cursor={cursor}"),
        format!("tag=health&sort=published_at&cursor={cursor}"),
        format!("tag=health&cursor={cursor}&page=2"),
        format!("tag=health&cursor={cursor}x"),
        "cursor=%27%20OR%201%3D1--".to_owned(),
        format!("cursor={}", "A".repeat(600)),
    ] {
        let problem = app.get(&format!("/api/v1/news?{query}")).problem(422).await;
        assert_eq!(error_fields(&problem), ["cursor"], "{query}");
    }
    let elsewhere = app.get(&format!("/api/v1/missions?cursor={cursor}")).await;
    elsewhere.problem(422).await;
}

#[tokio::test]
async fn lists_and_feeds_say_when_they_last_changed_and_answer_if_modified_since() {
    let app = TestApp::seeded().await;
    let mut conn = app.conn();
    NewsFactory::new("kept")
        .published_at(Some(Utc::now() - Duration::days(3)))
        .insert(&mut conn);
    let doomed = NewsFactory::new("doomed")
        .published_at(Some(Utc::now() - Duration::days(400)))
        .insert(&mut conn);
    // A change within the current second is never announced (the date has whole seconds; a unit
    // test of `caching` shows it): let a second pass.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let paths = [
        "/api/v1/news",
        "/api/v1/missions",
        "/api/v1/objectives",
        "/api/v1/tags",
        "/api/v1/feeds/news.rss",
        "/api/v1/feeds/news.atom",
        "/api/v1/feeds/news.json",
    ];
    let mut dates = Vec::new();
    for path in paths {
        let response = app.get(path).await;
        let date = response.header("last-modified").to_owned();
        let unchanged = app.get(path).header("If-Modified-Since", &date).await;
        assert_eq!(unchanged.status(), 304, "{path}");
        let older = app
            .get(path)
            .header("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")
            .await;
        assert_eq!(older.status(), 200, "{path}");
        // If-None-Match decides when both are sent.
        let both = app
            .get(path)
            .header("If-Modified-Since", &date)
            .if_none_match("\"stale\"")
            .await;
        assert_eq!(both.status(), 200, "{path}");
        dates.push(date);
    }

    // Deleting an old item (one that sets no date of its own) moves the date on.
    let editor = app.as_editor().await;
    let deleted = editor.delete(&format!("/api/v1/news/{doomed}")).await;
    assert_eq!(deleted.status(), 204);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let after = app
        .get("/api/v1/news")
        .header("If-Modified-Since", &dates[0])
        .await;
    assert_eq!(after.status(), 200, "the list changed");
    assert_ne!(after.header("last-modified"), dates[0]);

    // A scheduled item turning public, with no write, changes both validators.
    let before = app.get("/api/v1/news").await;
    let (etag, date) = (before.etag(), before.header("last-modified").to_owned());
    NewsFactory::new("scheduled")
        .published_at(Some(Utc::now() + Duration::milliseconds(1500)))
        .insert(&mut conn);
    // Make the scheduled item's own insert older than its publication, then wait for it.
    tokio::time::sleep(std::time::Duration::from_millis(2700)).await;
    let turned = app.get("/api/v1/news").if_none_match(&etag).await;
    assert_eq!(turned.status(), 200);
    let turned_date = turned.header("last-modified").to_owned();
    assert_ne!(turned_date, date);
    let turned: serde_json::Value = turned.json().await;
    assert_eq!(slugs(&turned)[0], "scheduled");
}
