use serde_json::{json, Value};

use crate::helpers::{error_fields, slugs, TestApp};

fn article(title: &str) -> Value {
    json!({"title": {"en": title, "uk": format!("{title} (uk)")}, "body": {"en": "Body"}, "tags": ["health"]})
}

#[tokio::test]
async fn create_read_publish_edit_delete() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let created = editor.post("/api/v1/news", article("Hello World")).await;
    assert_eq!(created.status(), 201);
    let location = created.location();
    let etag = created.etag();
    let body = created.json().await;
    assert_eq!(
        location,
        format!("/api/v1/news/{}", body["id"].as_str().unwrap())
    );
    assert_eq!(body["slug"], "hello-world");
    assert_eq!(body["status"], "draft");
    assert_eq!(body["version"], 1);
    assert_eq!(body["title"]["uk"], "Hello World (uk)");

    // A draft: invisible to the public, visible to editors.
    app.get(&location).problem(404).await;
    let as_editor = editor.get(&location).await;
    assert_eq!(as_editor.status(), 200);
    assert_eq!(as_editor.header("cache-control"), "private, no-store");
    assert_eq!(as_editor.header("etag"), etag);
    let drafts = editor.get("/api/v1/news?status=draft").good().await;
    assert_eq!(slugs(&drafts), ["hello-world"]);

    // Publish with a merge patch and the ETag.
    let published = editor
        .patch(
            &location,
            json!({"status": "published", "title": {"uk": null}}),
        )
        .if_match(&etag)
        .await;
    assert_eq!(published.status(), 200);
    let new_etag = published.etag();
    let body = published.json().await;
    assert_eq!(body["version"], 2);
    assert!(
        body["published_at"].is_string(),
        "publishing without a date means now"
    );
    assert!(body["title"].get("uk").is_none(), "null removes a locale");
    assert_eq!(body["title"]["en"], "Hello World");
    let public = app.get("/api/v1/news/hello-world").good().await;
    assert_eq!(public["title"], "Hello World");

    // A stale ETag changes nothing.
    let stale = editor
        .patch(&location, json!({"summary": {"en": "x"}}))
        .if_match(&etag)
        .await;
    stale.problem(412).await;

    // The title changes, the slug stays.
    let renamed = editor.put(&location, json!({"title": {"en": "Another title"}, "status": "published", "published_at": body["published_at"]})).if_match(&new_etag)
        .await;
    assert_eq!(renamed.status(), 200);
    let renamed = renamed.json().await;
    assert_eq!(renamed["slug"], "hello-world");
    assert_eq!(renamed["tags"], json!([]), "PUT replaces every field");

    let deleted = editor.delete(&location).await;
    assert_eq!(deleted.status(), 204);
    editor.get(&location).problem(404).await;
    editor.delete(&location).problem(404).await;
}

#[tokio::test]
async fn slugs_are_generated_unique_and_conflicts_are_409() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let body = editor
            .post("/api/v1/news", article("Same Title"))
            .await
            .json()
            .await;
        seen.push(body["slug"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["same-title", "same-title-2", "same-title-3"]);
    let uk_only = json!({"title": {"en": "Привіт, Київ"}});
    let body = editor.post("/api/v1/news", uk_only).await.json().await;
    assert_eq!(body["slug"], "privit-kiyiv");
    let taken = editor
        .post(
            "/api/v1/news",
            json!({"slug": "same-title", "title": {"en": "x"}}),
        )
        .await;
    taken.problem(409).await;
}

#[tokio::test]
async fn bad_bodies_get_clear_problems_and_write_nothing() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let post = |body: &str, content_type: &str| editor.post_raw("/api/v1/news", content_type, body);
    post("{\"title\": {\"en\": \"x\"}}", "text/plain")
        .problem(415)
        .await;
    post("{\"title\": ", "application/json").problem(400).await;
    post("", "application/json").problem(400).await;
    let big = format!("{{\"title\": {{\"en\": \"{}\"}}}}", "x".repeat(2 << 20));
    editor
        .post_raw("/api/v1/news", "application/json", big)
        .problem(413)
        .await;

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
        let response = editor.post("/api/v1/news", body.clone()).await;
        let problem = response.problem(422).await;
        let mut got = error_fields(&problem);
        got.sort();
        let mut want: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        want.sort();
        assert_eq!(got, want, "{body}");
    }
    let list = editor.get("/api/v1/news?total=true").good().await;
    assert_eq!(list["meta"]["total"], 0, "nothing half-written");
}

#[tokio::test]
async fn fifty_concurrent_patches_with_one_etag_give_one_success() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let created = editor.post("/api/v1/news", article("Contested")).await;
    let etag = created.etag();
    let location = created.location();
    let attempts = (0..50).map(|i| {
        let (editor, etag, location) = (&editor, &etag, &location);
        async move {
            editor
                .patch(location, json!({"summary": {"en": format!("edit {i}")}}))
                .if_match(etag)
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
    let item = editor.get(&location).good().await;
    assert_eq!(item["version"], 2);
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_other_bodies() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let key = "create-once-1";
    let first = editor
        .post("/api/v1/news", article("Once"))
        .idempotency_key(key)
        .await;
    assert_eq!(first.status(), 201);
    let first_location = first.location();
    let first_body = first.text().await;
    let again = editor
        .post("/api/v1/news", article("Once"))
        .idempotency_key(key)
        .await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.header("location"), first_location);
    assert_eq!(again.text().await, first_body);
    let different = editor
        .post("/api/v1/news", article("Twice"))
        .idempotency_key(key)
        .await;
    different.problem(422).await;

    // Concurrent retries with one key create one item.
    let retries = (0..10).map(|_| {
        let editor = &editor;
        async move {
            editor
                .post("/api/v1/news", article("Racing"))
                .idempotency_key("race-1")
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(retries).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let list = editor.get("/api/v1/news?total=true").good().await;
    assert_eq!(list["meta"]["total"], 2, "one item per key");
}

#[tokio::test]
async fn every_write_is_audited_with_its_changes() {
    use diesel::prelude::*;
    use orgcms::db::schema::audit_log;
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let created = editor.post("/api/v1/news", article("Audited")).await;
    let location = created.location();
    editor.patch(&location, json!({"status": "archived"})).await;
    editor.delete(&location).await;
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
    let editor = app.as_editor().await;
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
        assert_eq!(editor.post("/api/v1/news", body).await.status(), 201);
    }
    for (state, expected) in [
        ("draft", "draft"),
        ("published", "live"),
        ("scheduled", "later"),
        ("archived", "old"),
    ] {
        let list = editor
            .get(&format!("/api/v1/news?status={state}"))
            .good()
            .await;
        assert_eq!(slugs(&list), [expected], "{state}");
    }
    let all = editor.get("/api/v1/news?total=true").good().await;
    assert_eq!(all["meta"]["total"], 4);
    assert_eq!(
        slugs(&app.get("/api/v1/news?total=true").good().await),
        ["live"]
    );
    for slug in ["draft", "later", "old"] {
        app.get(&format!("/api/v1/news/{slug}")).problem(404).await;
        assert_eq!(
            editor.get(&format!("/api/v1/news/{slug}")).await.status(),
            200
        );
    }
    app.get("/api/v1/news?status=draft").problem(400).await;
}

#[tokio::test]
async fn nul_bytes_and_sql_in_bodies_are_422_or_stored_verbatim() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let nul = editor
        .post("/api/v1/news", json!({"title": {"en": "a\u{0}b"}}))
        .await;
    assert_eq!(error_fields(&nul.problem(422).await), ["title.en"]);
    let sql = "Robert'); DROP TABLE news;--";
    let created = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": sql}, "status": "published"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let body = created.json().await;
    assert_eq!(
        app.get(&format!("/api/v1/news/{}", body["slug"].as_str().unwrap()))
            .good()
            .await["title"],
        sql
    );
}

#[tokio::test]
async fn an_idempotency_key_belongs_to_one_endpoint() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let body = json!({"title": {"en": "Shared"}});
    let key = "shared-key";
    assert_eq!(
        editor
            .post("/api/v1/objectives", body.clone())
            .idempotency_key(key)
            .await
            .status(),
        201
    );
    editor
        .post("/api/v1/news", body)
        .idempotency_key(key)
        .problem(422)
        .await;
    // Keys are per account: another editor may use the same one.
    let other = app.as_editor().await;
    let response = other
        .post("/api/v1/news", json!({"title": {"en": "Shared"}}))
        .idempotency_key(key)
        .await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn out_of_range_dates_and_control_characters_are_refused() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
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
        let problem = editor.post("/api/v1/news", body.clone()).problem(422).await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    for query in [
        "published_after=-5000-01-01T00:00:00Z",
        "published_before=-0001-01-01",
    ] {
        app.get(&format!("/api/v1/news?{query}")).problem(400).await;
    }
}

#[tokio::test]
async fn if_match_on_a_missing_profile_is_412() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let body = json!({"name": {"en": "Org"}, "acronym": "ORG", "founded_year": 2000, "un_system_member": false,
                      "member_states": 1, "observer_states": 0, "countries_with_offices": 1});
    for tag in ["*", "\"abc\""] {
        let response = editor
            .put("/api/v1/organization", body.clone())
            .if_match(tag)
            .await;
        response.problem(412).await;
    }
}

#[tokio::test]
async fn markdown_bodies_are_served_as_sanitized_html_too() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let body =
        "## Heading\n\nText with [a link](https://example.org) and <script>alert(1)</script> \
                <img src=x onerror=alert(1)> [bad](javascript:alert(1))";
    let created = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "Markdown"}, "body": {"en": body}, "status": "published"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let item = app.get("/api/v1/news/markdown").good().await;
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
    let editor = app.as_editor().await;
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
        let created = editor
            .post(
                "/api/v1/news",
                json!({"title": {"en": name}, "body": {"en": "fine", "uk": body}}),
            )
            .await;
        let problem = created.problem(422).await;
        assert_eq!(error_fields(&problem), ["body.uk"], "{name}");
    }
    // Deep, but within the limit, is fine.
    let fits = ">".repeat(orgcms::content::markdown::MAX_NESTING - 1);
    let created = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "fits"}, "body": {"en": fits}}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json().await["id"].clone();
    let patched = editor
        .merge_patch(
            &format!("/api/v1/news/{}", id.as_str().unwrap()),
            json!({"body": {"en": ">".repeat(100)}}),
        )
        .await;
    assert_eq!(error_fields(&patched.problem(422).await), ["body.en"]);
}

/// The heaviest body a write accepts, and a planted body of 20 000 nested quotes written by other
/// means, read over and over (cache off, in every view that shows bodies) while `/healthz` is
/// asked every 50 ms: rendering happens at write time (or, for the planted row, in linear time),
/// so the one async worker of the test server stays free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_heaviest_body_never_keeps_the_server_from_answering() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let line = format!("{}- *a* **b** [c](https://x.org) `d`\n", "> ".repeat(21));
    let heaviest = line.repeat(200_000 / line.chars().count());
    assert_eq!(
        orgcms::content::markdown::nesting_depth(&heaviest),
        orgcms::content::markdown::MAX_NESTING
    );
    let created = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "Heavy"}, "body": {"en": heaviest}, "status": "published"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let stored = created.json().await;
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
    let planted_item = app.get("/api/v1/news?per_page=100").good().await["data"]
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
        let bytes = app.get(path).await.bytes().await.len();
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
    let shown = app.get(&planted_path).good().await;
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
    let editor = app.as_editor().await;
    let post = |key: &'static str| {
        let editor = &editor;
        async move {
            let response = editor
                .post("/api/v1/news", article("Expiring"))
                .idempotency_key(key)
                .await;
            assert_eq!(response.status(), 201);
            response.location()
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
    let editor = app.as_editor().await;
    let mission = editor.get("/api/v1/missions/ukraine").good().await;
    let mut input = article("Cleared");
    input["published_at"] = json!("2025-01-02T03:04:05Z");
    input["mission_id"] = mission["id"].clone();
    input["cover_image_url"] = json!("https://example.org/cover.jpg");
    let created = editor.post("/api/v1/news", input).await;
    assert_eq!(created.status(), 201);
    let location = created.location();
    let body = created.json().await;
    assert!(body["published_at"].is_string() && body["mission_id"].is_string());

    let cleared = editor
        .patch(
            &location,
            json!({"published_at": null, "mission_id": null, "cover_image_url": null}),
        )
        .if_match("*")
        .await;
    assert_eq!(cleared.status(), 200);
    let body = cleared.json().await;
    for field in ["published_at", "mission_id", "cover_image_url"] {
        assert!(body[field].is_null(), "{field} is cleared: {body}");
    }
    let again = editor.get(&location).good().await;
    assert!(again["published_at"].is_null() && again["mission_id"].is_null());
}
