use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, slugs, TestApp};

fn article(title: &str) -> Value {
    json!({"title": {"en": title, "uk": format!("{title} (uk)")}, "body": {"en": "Body"}, "tags": ["health"]})
}

#[tokio::test]
async fn create_read_publish_edit_delete() {
    let app = TestApp::seeded().await;
    let token = app.editor_token().await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(article("Hello World")),
            &[],
        )
        .await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = created.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/news/{}", body["id"].as_str().unwrap())
    );
    assert_eq!(body["slug"], "hello-world");
    assert_eq!(body["status"], "draft");
    assert_eq!(body["version"], 1);
    assert_eq!(body["title"]["uk"], "Hello World (uk)");

    // A draft: invisible to the public, visible to editors.
    assert_problem(app.get(&location).await, 404).await;
    let as_editor = app.send(Method::GET, &location, &token, None, &[]).await;
    assert_eq!(as_editor.status(), 200);
    assert_eq!(as_editor.headers()["cache-control"], "private, no-store");
    assert_eq!(as_editor.headers()["etag"].to_str().unwrap(), etag);
    let drafts: Value = app
        .send(Method::GET, "/api/v1/news?status=draft", &token, None, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&drafts), ["hello-world"]);

    // Publish with a merge patch and the ETag.
    let published = app
        .send(
            Method::PATCH,
            &location,
            &token,
            Some(json!({"status": "published", "title": {"uk": null}})),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(published.status(), 200);
    let new_etag = published.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = published.json().await.unwrap();
    assert_eq!(body["version"], 2);
    assert!(
        body["published_at"].is_string(),
        "publishing without a date means now"
    );
    assert!(body["title"].get("uk").is_none(), "null removes a locale");
    assert_eq!(body["title"]["en"], "Hello World");
    let public = app.get_json("/api/v1/news/hello-world").await;
    assert_eq!(public["title"], "Hello World");

    // A stale ETag changes nothing.
    let stale = app
        .send(
            Method::PATCH,
            &location,
            &token,
            Some(json!({"summary": {"en": "x"}})),
            &[("If-Match", &etag)],
        )
        .await;
    assert_problem(stale, 412).await;

    // The title changes, the slug stays.
    let renamed = app
        .send(Method::PUT, &location, &token, Some(json!({"title": {"en": "Another title"}, "status": "published", "published_at": body["published_at"]})), &[("If-Match", &new_etag)])
        .await;
    assert_eq!(renamed.status(), 200);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["slug"], "hello-world");
    assert_eq!(renamed["tags"], json!([]), "PUT replaces every field");

    let deleted = app.send(Method::DELETE, &location, &token, None, &[]).await;
    assert_eq!(deleted.status(), 204);
    assert_problem(
        app.send(Method::GET, &location, &token, None, &[]).await,
        404,
    )
    .await;
    assert_problem(
        app.send(Method::DELETE, &location, &token, None, &[]).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn slugs_are_generated_unique_and_conflicts_are_409() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let body: Value = app
            .send(
                Method::POST,
                "/api/v1/news",
                &token,
                Some(article("Same Title")),
                &[],
            )
            .await
            .json()
            .await
            .unwrap();
        seen.push(body["slug"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["same-title", "same-title-2", "same-title-3"]);
    let uk_only = json!({"title": {"en": "Привіт, Київ"}});
    let body: Value = app
        .send(Method::POST, "/api/v1/news", &token, Some(uk_only), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["slug"], "privit-kiyiv");
    let taken = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(json!({"slug": "same-title", "title": {"en": "x"}})),
            &[],
        )
        .await;
    assert_problem(taken, 409).await;
}

#[tokio::test]
async fn bad_bodies_get_clear_problems_and_write_nothing() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let post = |body: &'static str, content_type: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            app.client
                .post(app.url("/api/v1/news"))
                .bearer_auth(token)
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    assert_problem(
        post("{\"title\": {\"en\": \"x\"}}", "text/plain").await,
        415,
    )
    .await;
    assert_problem(post("{\"title\": ", "application/json").await, 400).await;
    assert_problem(post("", "application/json").await, 400).await;
    let big = format!("{{\"title\": {{\"en\": \"{}\"}}}}", "x".repeat(2 << 20));
    let response = app
        .client
        .post(app.url("/api/v1/news"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(response, 413).await;

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"title": {"uk": "Лише українською"}}),
            vec!["title.en"],
        ),
        (json!({"title": {"en": "x", "de": "y"}}), vec!["title.de"]),
        (json!({"title": {"en": "x".repeat(301)}}), vec!["title.en"]),
        (
            json!({"title": {"en": "x"}, "slug": "Not A Slug"}),
            vec!["slug"],
        ),
        (
            json!({"title": {"en": "x"}, "cover_image_url": "javascript:alert(1)"}),
            vec!["cover_image_url"],
        ),
        (
            json!({"title": {"en": "x"}, "tags": ["ok", "Not OK"]}),
            vec!["tags[1]"],
        ),
        (
            json!({"title": {"en": "x"}, "status": "deleted"}),
            vec!["status"],
        ),
        (
            json!({"title": {"en": "x"}, "mission_id": "00000000-0000-0000-0000-000000000000"}),
            vec!["mission_id"],
        ),
        (
            json!({"title": {"en": "x"}, "mission_id": 7}),
            vec!["mission_id"],
        ),
        (json!({"title": {"en": "x"}, "unknown": 1}), vec!["unknown"]),
        (
            json!({"title": {"en": "x"}, "id": "8e6d5b98-eb7c-5ff7-aab0-4516c14d76c1", "version": 9}),
            vec!["id", "version"],
        ),
        (json!({"title": "plain"}), vec!["title"]),
        (json!([]), vec!["body"]),
        (
            json!({"title": {"uk": "x"}, "slug": "BAD", "cover_image_url": "nope"}),
            vec!["slug", "title.en", "cover_image_url"],
        ),
    ];
    for (body, fields) in cases {
        let response = app
            .send(
                Method::POST,
                "/api/v1/news",
                &token,
                Some(body.clone()),
                &[],
            )
            .await;
        let problem = assert_problem(response, 422).await;
        let mut got = error_fields(&problem);
        got.sort();
        let mut want: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        want.sort();
        assert_eq!(got, want, "{body}");
    }
    let list: Value = app
        .send(Method::GET, "/api/v1/news?total=true", &token, None, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 0, "nothing half-written");
}

#[tokio::test]
async fn fifty_concurrent_patches_with_one_etag_give_one_success() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(article("Contested")),
            &[],
        )
        .await;
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let attempts = (0..50).map(|i| {
        let (app, token, etag, location) = (&app, &token, &etag, &location);
        async move {
            app.send(
                Method::PATCH,
                location,
                token,
                Some(json!({"summary": {"en": format!("edit {i}")}})),
                &[("If-Match", etag)],
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        49,
        "{statuses:?}"
    );
    let item: Value = app
        .send(Method::GET, &location, &token, None, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(item["version"], 2);
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_other_bodies() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let key = [("Idempotency-Key", "create-once-1")];
    let first = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(article("Once")),
            &key,
        )
        .await;
    assert_eq!(first.status(), 201);
    let first_location = first.headers()["location"].to_str().unwrap().to_owned();
    let first_body = first.text().await.unwrap();
    let again = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(article("Once")),
            &key,
        )
        .await;
    assert_eq!(again.status(), 201);
    assert_eq!(
        again.headers()["location"].to_str().unwrap(),
        first_location
    );
    assert_eq!(again.text().await.unwrap(), first_body);
    let different = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(article("Twice")),
            &key,
        )
        .await;
    assert_problem(different, 422).await;

    // Concurrent retries with one key create one item.
    let retries = (0..10).map(|_| {
        let (app, token) = (&app, &token);
        async move {
            app.send(
                Method::POST,
                "/api/v1/news",
                token,
                Some(article("Racing")),
                &[("Idempotency-Key", "race-1")],
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(retries).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let list: Value = app
        .send(Method::GET, "/api/v1/news?total=true", &token, None, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 2, "one item per key");
}

#[tokio::test]
async fn every_write_is_audited_with_its_changes() {
    use diesel::prelude::*;
    use orgcms::db::schema::audit_log;
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(article("Audited")),
            &[],
        )
        .await;
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    app.send(
        Method::PATCH,
        &location,
        &token,
        Some(json!({"status": "archived"})),
        &[],
    )
    .await;
    app.send(Method::DELETE, &location, &token, None, &[]).await;
    let entries: Vec<(String, String, Value)> = audit_log::table
        .order(audit_log::id)
        .select((audit_log::action, audit_log::user_email, audit_log::changes))
        .load(&mut app.conn())
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    assert!(entries[0].1.starts_with("editor-"));
    assert_eq!(
        entries[1].2,
        json!({"status": {"from": "draft", "to": "archived"}})
    );
}

#[tokio::test]
async fn editors_list_by_state_and_the_public_never_sees_unpublished_items() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    for (title, extra) in [
        ("Draft", json!({})),
        ("Live", json!({"status": "published"})),
        (
            "Later",
            json!({"status": "published", "published_at": future}),
        ),
        ("Old", json!({"status": "archived"})),
    ] {
        let mut body = json!({"title": {"en": title}});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        assert_eq!(
            app.send(Method::POST, "/api/v1/news", &token, Some(body), &[])
                .await
                .status(),
            201
        );
    }
    for (state, expected) in [
        ("draft", "draft"),
        ("published", "live"),
        ("scheduled", "later"),
        ("archived", "old"),
    ] {
        let list: Value = app
            .send(
                Method::GET,
                &format!("/api/v1/news?status={state}"),
                &token,
                None,
                &[],
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(slugs(&list), [expected], "{state}");
    }
    let all: Value = app
        .send(Method::GET, "/api/v1/news?total=true", &token, None, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["meta"]["total"], 4);
    assert_eq!(
        slugs(&app.get_json("/api/v1/news?total=true").await),
        ["live"]
    );
    for slug in ["draft", "later", "old"] {
        assert_problem(app.get(&format!("/api/v1/news/{slug}")).await, 404).await;
        assert_eq!(
            app.send(
                Method::GET,
                &format!("/api/v1/news/{slug}"),
                &token,
                None,
                &[]
            )
            .await
            .status(),
            200
        );
    }
    assert_problem(app.get("/api/v1/news?status=draft").await, 400).await;
}

#[tokio::test]
async fn nul_bytes_and_sql_in_bodies_are_422_or_stored_verbatim() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let nul = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(json!({"title": {"en": "a\u{0}b"}})),
            &[],
        )
        .await;
    assert_eq!(error_fields(&assert_problem(nul, 422).await), ["title.en"]);
    let sql = "Robert'); DROP TABLE news;--";
    let created = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(json!({"title": {"en": sql}, "status": "published"})),
            &[],
        )
        .await;
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!(
        app.get_json(&format!("/api/v1/news/{}", body["slug"].as_str().unwrap()))
            .await["title"],
        sql
    );
}

#[tokio::test]
async fn an_idempotency_key_belongs_to_one_endpoint() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let body = json!({"title": {"en": "Shared"}});
    let key = [("Idempotency-Key", "shared-key")];
    assert_eq!(
        app.send(
            Method::POST,
            "/api/v1/objectives",
            &token,
            Some(body.clone()),
            &key
        )
        .await
        .status(),
        201
    );
    assert_problem(
        app.send(Method::POST, "/api/v1/news", &token, Some(body), &key)
            .await,
        422,
    )
    .await;
    // Keys are per account: another editor may use the same one.
    let other = app.editor_token().await;
    let response = app
        .send(
            Method::POST,
            "/api/v1/news",
            &other,
            Some(json!({"title": {"en": "Shared"}})),
            &key,
        )
        .await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn out_of_range_dates_and_control_characters_are_refused() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    for (body, field) in [
        (
            json!({"title": {"en": "x"}, "published_at": "-5000-01-01T00:00:00Z"}),
            "published_at",
        ),
        (
            json!({"title": {"en": "x"}, "published_at": "+20000-01-01T00:00:00Z"}),
            "published_at",
        ),
        (
            json!({"title": {"en": "x"}, "cover_image_url": "https://example.org/a\u{0}b"}),
            "cover_image_url",
        ),
    ] {
        let problem = assert_problem(
            app.send(
                Method::POST,
                "/api/v1/news",
                &token,
                Some(body.clone()),
                &[],
            )
            .await,
            422,
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    for query in [
        "published_after=-5000-01-01T00:00:00Z",
        "published_before=-0001-01-01",
    ] {
        assert_problem(app.get(&format!("/api/v1/news?{query}")).await, 400).await;
    }
}

#[tokio::test]
async fn if_match_on_a_missing_profile_is_412() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let body = json!({"name": {"en": "Org"}, "acronym": "ORG", "founded_year": 2000, "un_system_member": false,
                      "member_states": 1, "observer_states": 0, "countries_with_offices": 1});
    for tag in ["*", "\"abc\""] {
        let response = app
            .send(
                Method::PUT,
                "/api/v1/organization",
                &token,
                Some(body.clone()),
                &[("If-Match", tag)],
            )
            .await;
        assert_problem(response, 412).await;
    }
}

#[tokio::test]
async fn markdown_bodies_are_served_as_sanitized_html_too() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let body =
        "## Heading\n\nText with [a link](https://example.org) and <script>alert(1)</script> \
                <img src=x onerror=alert(1)> [bad](javascript:alert(1))";
    let created = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(json!({"title": {"en": "Markdown"}, "body": {"en": body}, "status": "published"})),
            &[],
        )
        .await;
    assert_eq!(created.status(), 201);
    let item = app.get_json("/api/v1/news/markdown").await;
    assert_eq!(item["body"], body, "the source as written");
    let html = item["body_html"].as_str().unwrap();
    assert!(html.starts_with("<h2>Heading</h2>"), "{html}");
    assert!(
        html.contains(
            "<a href=\"https://example.org\" rel=\"noopener noreferrer nofollow\">a link</a>"
        ),
        "{html}"
    );
    for bad in ["<script", "onerror", "javascript:"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
}

/// Bodies nested beyond `markdown::MAX_NESTING` cost the HTML sanitizer time that grows with
/// the square of their depth: writes refuse them, naming the field and locale.
#[tokio::test]
async fn bodies_nested_too_deep_are_refused_naming_the_field() {
    let app = TestApp::seeded().await;
    let token = app.editor_token().await;
    let lists: String = (0..13)
        .map(|i| format!("{}- a\n", "  ".repeat(i)))
        .collect();
    let cases = [
        ("quotes", ">".repeat(20_000)),
        ("lists", lists),
        ("html", "<div>".repeat(30)),
        ("emphasis", format!("{}a{}", "*".repeat(60), "*".repeat(60))),
    ];
    for (name, body) in cases {
        let created = app
            .send(
                Method::POST,
                "/api/v1/news",
                &token,
                Some(json!({"title": {"en": name}, "body": {"en": "fine", "uk": body}})),
                &[],
            )
            .await;
        let problem = assert_problem(created, 422).await;
        assert_eq!(error_fields(&problem), ["body.uk"], "{name}");
    }
    // Deep, but within the limit, is fine.
    let fits = ">".repeat(orgcms::markdown::MAX_NESTING - 1);
    let created = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(json!({"title": {"en": "fits"}, "body": {"en": fits}})),
            &[],
        )
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"].clone();
    let patched = app
        .send(
            Method::PATCH,
            &format!("/api/v1/news/{}", id.as_str().unwrap()),
            &token,
            Some(json!({"body": {"en": ">".repeat(100)}})),
            &[("Content-Type", "application/merge-patch+json")],
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(patched, 422).await),
        ["body.en"]
    );
}

/// The heaviest body a write accepts, and a planted body of 20 000 nested quotes written by other
/// means, read over and over (cache off, in every view that shows bodies) while `/healthz` is
/// asked every 50 ms: rendering happens at write time (or, for the planted row, in linear time),
/// so the one async worker of the test server stays free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_heaviest_body_never_keeps_the_server_from_answering() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::seeded().await;
    let token = app.editor_token().await;
    let line = format!("{}- *a* **b** [c](https://x.org) `d`\n", "> ".repeat(21));
    let heaviest = line.repeat(200_000 / line.chars().count());
    assert_eq!(
        orgcms::markdown::nesting_depth(&heaviest),
        orgcms::markdown::MAX_NESTING
    );
    let created = app
        .send(
            Method::POST,
            "/api/v1/news",
            &token,
            Some(
                json!({"title": {"en": "Heavy"}, "body": {"en": heaviest}, "status": "published"}),
            ),
            &[],
        )
        .await;
    assert_eq!(created.status(), 201);
    let stored: Value = created.json().await.unwrap();
    assert!(stored["body"]["en"].as_str().unwrap().len() > 190_000);
    let planted = format!("{}planted", ">".repeat(20_000));
    app.conn()
        .batch_execute(&format!(
            "UPDATE news SET body = jsonb_build_object('en', '{planted}') \
             WHERE slug <> 'heavy'"
        ))
        .unwrap();

    let reads = [
        "/api/v1/news/heavy",
        "/api/v1/news?per_page=100",
        "/api/v1/feeds/news.rss",
        "/api/v1/feeds/news.atom",
        "/api/v1/feeds/news.json",
        "/api/v1/changes",
    ];
    let planted_item = app.get_json("/api/v1/news?per_page=100").await["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["slug"] != "heavy")
        .unwrap()["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let planted_path = format!("/api/v1/news/{planted_item}");
    for path in reads.iter().copied().chain([planted_path.as_str()]) {
        let started = std::time::Instant::now();
        let bytes = app.get(path).await.bytes().await.unwrap().len();
        eprintln!("{path}: {bytes} bytes in {:?}", started.elapsed());
    }
    let readers = (0..4).map(|_| {
        let client = reqwest::Client::new();
        let urls: Vec<String> = reads
            .iter()
            .copied()
            .chain([planted_path.as_str()])
            .map(|p| app.url(p))
            .collect();
        tokio::spawn(async move {
            for _ in 0..3 {
                for url in &urls {
                    let response = client.get(url).send().await.unwrap();
                    assert_eq!(response.status(), 200, "{url}");
                    response.bytes().await.unwrap();
                }
            }
        })
    });
    let readers: Vec<_> = readers.collect();
    let mut slowest = std::time::Duration::ZERO;
    while readers.iter().any(|r| !r.is_finished()) {
        let started = std::time::Instant::now();
        assert_eq!(app.get("/healthz").await.status(), 200);
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for reader in readers {
        reader.await.unwrap();
    }
    // Generous for a shared 2-core machine running other tests; rendering 20 000 nested quotes
    // on the worker took minutes.
    eprintln!("slowest /healthz while bodies were read: {slowest:?}");
    assert!(
        slowest < std::time::Duration::from_secs(3),
        "/healthz took {slowest:?} while bodies were read"
    );
    // The planted body is shown, as escaped text rather than parsed.
    let shown = app.get_json(&planted_path).await;
    assert!(shown["body_html"]
        .as_str()
        .unwrap()
        .starts_with("<pre>&gt;&gt;"));
}

#[tokio::test]
async fn idempotency_keys_expire_after_their_time() {
    use diesel::prelude::*;
    use orgcms::db::schema::idempotency_keys;
    let app = TestApp::builder()
        .env("ORGCMS_IDEMPOTENCY_TTL_HOURS", "2")
        .spawn()
        .await;
    let token = app.editor_token().await;
    let post = |key: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let response = app
                .send(
                    Method::POST,
                    "/api/v1/news",
                    token,
                    Some(article("Expiring")),
                    &[("Idempotency-Key", key)],
                )
                .await;
            assert_eq!(response.status(), 201);
            response.headers()["location"].to_str().unwrap().to_owned()
        }
    };
    let first = post("expiring-1").await;
    let stale = post("stale-1").await;
    // Within the time a retry is a replay.
    assert_eq!(post("expiring-1").await, first);
    let age = |hours: i64| chrono::Utc::now() - chrono::Duration::hours(hours);
    diesel::update(idempotency_keys::table.filter(idempotency_keys::key.eq("expiring-1")))
        .set(idempotency_keys::created_at.eq(age(1)))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(
        post("expiring-1").await,
        first,
        "one hour old: still replayed"
    );
    // Older than the time, the key is as good as new: the request is a new one.
    diesel::update(idempotency_keys::table)
        .set(idempotency_keys::created_at.eq(age(3)))
        .execute(&mut app.conn())
        .unwrap();
    let second = post("expiring-1").await;
    assert_ne!(second, first, "an expired key does not replay");
    assert_eq!(post("expiring-1").await, second, "the new answer replays");
    // Expired keys are deleted on the way: only the live one is left.
    let keys: Vec<String> = idempotency_keys::table
        .select(idempotency_keys::key)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(keys, ["expiring-1"], "{stale} was forgotten");
}

#[tokio::test]
async fn an_update_that_drops_a_nullable_field_clears_it() {
    let app = TestApp::seeded().await;
    let token = app.editor_token().await;
    let mission: Value = app
        .send(Method::GET, "/api/v1/missions/ukraine", &token, None, &[])
        .await
        .json()
        .await
        .unwrap();
    let mut input = article("Cleared");
    input["published_at"] = json!("2025-01-02T03:04:05Z");
    input["mission_id"] = mission["id"].clone();
    input["cover_image_url"] = json!("https://example.org/cover.jpg");
    let created = app
        .send(Method::POST, "/api/v1/news", &token, Some(input), &[])
        .await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = created.json().await.unwrap();
    assert!(body["published_at"].is_string() && body["mission_id"].is_string());

    let cleared = app
        .send(
            Method::PATCH,
            &location,
            &token,
            Some(json!({"published_at": null, "mission_id": null, "cover_image_url": null})),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(cleared.status(), 200);
    let body: Value = cleared.json().await.unwrap();
    for field in ["published_at", "mission_id", "cover_image_url"] {
        assert!(body[field].is_null(), "{field} is cleared: {body}");
    }
    let again: Value = app
        .send(Method::GET, &location, &token, None, &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(again["published_at"].is_null() && again["mission_id"].is_null());
}
