//! Full-text search (`q`) over news: every locale, ranked, with safe highlighted snippets.

use serde_json::{json, Value};

use crate::helpers::factories::insert_mission;
use crate::helpers::{error_fields, slugs, NewsFactory, TestApp};

async fn search(app: &TestApp, query: &str) -> Value {
    app.get(&format!("/api/v1/news?{query}")).good().await
}

fn item<'a>(list: &'a Value, slug: &str) -> &'a Value {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} in {list}"))
}

async fn seeded_for_search() -> TestApp {
    let app = TestApp::new().await;
    let mut conn = app.conn();
    let kyiv = insert_mission(&mut conn, "kyiv-office", "UA", Some(1996));
    NewsFactory::new("title-hit")
        .title(json!({"en": "Donations of equipment reach Mykolaiv"}))
        .body(json!({"en": "A dormitory received beds."}))
        .tags(&["shelter"])
        .mission(kyiv)
        .insert(&mut conn);
    NewsFactory::new("body-hit")
        .title(json!({"en": "A day in Odesa"}))
        .body(
            json!({"en": "Partners (R&D) donated <script>alert(1)</script> equipment and blankets \
                            to a shelter, and more equipment will follow."}),
        )
        .tags(&["health"])
        .insert(&mut conn);
    NewsFactory::new("ukrainian")
        .title(json!({"en": "Support in the capital", "uk": "Підтримка у Києві"}))
        .body(json!({"en": "Support", "uk": "Мобільні команди працюють у Києві щодня."}))
        .insert(&mut conn);
    NewsFactory::new("draft-hit")
        .title(json!({"en": "Equipment draft"}))
        .status("draft")
        .published_at(None)
        .insert(&mut conn);
    app
}

#[tokio::test]
async fn search_finds_stems_in_every_locale_ranks_and_highlights() {
    let app = seeded_for_search().await;

    // English stems: "donated" finds "Donations" and "donated"; the title hit ranks first.
    let hits = search(&app, "q=donated").await;
    assert_eq!(slugs(&hits), ["title-hit", "body-hit"]);
    let snippet = item(&hits, "body-hit")["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>donated</mark>"), "{snippet}");
    assert!(!snippet.contains("<script"), "escaped: {snippet}");
    assert!(snippet.contains("R&amp;D"), "text is escaped: {snippet}");
    let without_marks = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !without_marks.contains('<'),
        "only <mark> elements: {snippet}"
    );

    // Ukrainian words, in the Ukrainian text; the snippet comes from the locale shown.
    let uk = search(&app, "q=%D0%9A%D0%B8%D1%94%D0%B2%D1%96&locale=uk").await;
    assert_eq!(slugs(&uk), ["ukrainian"]);
    let snippet = item(&uk, "ukrainian")["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>Києві</mark>"), "{snippet}");

    // Phrases, or, exclusion.
    assert_eq!(
        slugs(&search(&app, "q=%22equipment%20and%20blankets%22").await),
        ["body-hit"]
    );
    assert_eq!(
        slugs(&search(&app, "q=dormitory%20or%20blankets").await).len(),
        2
    );
    assert_eq!(
        slugs(&search(&app, "q=equipment%20-blankets").await),
        ["title-hit"]
    );

    // Drafts stay hidden from readers, but editors find them (without snippets).
    assert!(!slugs(&search(&app, "q=equipment").await).contains(&"draft-hit".to_owned()));
    let editor = app.as_editor().await;
    let editors = editor.get("/api/v1/news?q=equipment&status=draft").await;
    let editors = editors.json().await;
    assert_eq!(slugs(&editors), ["draft-hit"]);

    // Newest first instead of best first, on request.
    let newest = search(&app, "q=equipment&sort=-published_at").await;
    assert_eq!(slugs(&newest).len(), 2);
    assert!(newest["data"][0]["snippet"].is_string());
}

#[tokio::test]
async fn search_combines_with_every_filter_and_pages_by_cursor() {
    let app = seeded_for_search().await;
    assert_eq!(
        slugs(&search(&app, "q=equipment&tag=health").await),
        ["body-hit"]
    );
    assert_eq!(
        slugs(&search(&app, "q=equipment&mission=kyiv-office").await),
        ["title-hit"]
    );
    assert!(slugs(&search(&app, "q=equipment&published_before=2000-01-01").await).is_empty());
    let counted = search(&app, "q=equipment&total=true").await;
    assert_eq!(counted["meta"]["total"], 2);

    // A walk by cursor in relevance order gives what one page does.
    let whole = search(&app, "q=equipment%20or%20support").await;
    assert_eq!(slugs(&whole).len(), 3);
    let mut walked = Vec::new();
    let mut url = "/api/v1/news?q=equipment%20or%20support&per_page=1".to_owned();
    loop {
        let page = app.get(&url).good().await;
        walked.extend(slugs(&page));
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => {
                url = format!("/api/v1/news?q=equipment%20or%20support&per_page=1&cursor={c}")
            }
            None => break,
        }
    }
    assert_eq!(walked, slugs(&whole));
    // A cursor of one search is no cursor of another.
    let first = search(&app, "q=equipment&per_page=1").await;
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    let other = app
        .get(&format!(
            "/api/v1/news?q=support&per_page=1&cursor={cursor}"
        ))
        .await;
    other.problem(422).await;
}

#[tokio::test]
async fn any_search_text_is_safe() {
    let app = seeded_for_search().await;
    // Operators, quotes, SQL and tsquery syntax, NUL, stopwords only: answered, never a 500.
    for q in [
        "%22",
        "%27",
        "%22%22%22",
        "'%20OR%201%3D1%20--",
        "a%20%26%20b%20%7C%20!c",
        "equip%3A*",
        "%3C-%3E",
        "(((",
        "%5C",
        "equipment%00dormitory",
        "the%20and%20of",
        "-",
        "or",
        "%F0%9F%98%80",
        "%D0%B0",
    ] {
        let response = app.get(&format!("/api/v1/news?q={q}")).await;
        assert_eq!(response.status(), 200, "q={q}");
        let body = response.json().await;
        assert!(body["data"].is_array(), "q={q}");
    }
    let long = "equipment%20".repeat(16);
    assert_eq!(
        app.get(&format!("/api/v1/news?q={long}")).await.status(),
        200
    );

    for (query, field) in [
        ("q=", "q"),
        ("q=%20%20", "q"),
        // Only controls and white space, by any engine's idea of it (the documented pattern).
        ("q=%00", "q"),
        ("q=%0C%1C", "q"),
        ("q=%C2%85", "q"),
        ("q=%EF%BB%BF", "q"),
        (&*format!("q={}", "a".repeat(201)), "q"),
    ] {
        let problem = app.get(&format!("/api/v1/news?{query}")).problem(400).await;
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
    let problem = app.get("/api/v1/news?sort=relevance").problem(422).await;
    assert_eq!(error_fields(&problem), ["sort"]);
    // 10 000 characters: refused as a whole query string, clearly.
    let huge = format!("/api/v1/news?q={}", "x".repeat(10_000));
    let problem = app.get(&huge).problem(400).await;
    assert!(problem["detail"].as_str().unwrap().contains("longer than"));
}

/// Percent-encodes all of `text` for a query string.
fn encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Queries that once made PostgreSQL's query parser or the ranking and snippet functions raise
/// (33 `-` in a row: "tsquery stack too small"), and their relatives: runs of every operator of
/// web-search syntax and of tsquery syntax, alone and mixed, at the longest `q` allowed.
fn operator_runs() -> Vec<String> {
    let mut queries = Vec::new();
    for piece in [
        "-", "- ", "-!", "-(", "-)", "-&", "-|", "-<", "-\t", "-\n", "--a ", "-a ", "!", "(", ")",
        "\"", "\"a ", "\"-a ", "-\"", "or ", "OR ", "-or ", "or -", "a or ", "and ", "<->",
        "a <-> ", "<2>", "&", "|", ":*", "a:*", "'", "\\", "_a", "a-", "-a-", "the ", "- the ",
    ] {
        for count in [2, 32, 33, 34, 64, 200] {
            let run: String = piece.repeat(count).chars().take(200).collect();
            queries.push(run.clone());
            queries.push(format!("equipment {}", run).chars().take(200).collect());
        }
    }
    // Long words (the maximum `q` is a single word of 200 characters).
    queries.push("a".repeat(200));
    queries.push(format!("-{}", "я".repeat(199)));
    queries.push(format!("\"{}\"", "equipment ".repeat(19)));
    queries
}

/// A deterministic stream of queries made of operator pieces and words (xorshift, fixed seed).
fn mixed_queries(count: usize) -> Vec<String> {
    const PIECES: &[&str] = &[
        "-",
        " ",
        "\"",
        "or",
        " or ",
        "!",
        "(",
        ")",
        "<->",
        "&",
        "|",
        ":",
        "*",
        "'",
        "\\",
        "a",
        "equipment",
        "the",
        "-\"",
        "\t",
        "<",
        ">",
        "—",
        "_",
        "я",
        ":*",
        "<1>",
        "and",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            // Each query draws from three pieces, so that runs of one kind come up.
            let pick: Vec<&str> = (0..3)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            let mut q = String::new();
            while q.chars().count() < (next() % 200 + 1) as usize {
                q.push_str(pick[(next() % 3) as usize]);
            }
            q.chars().take(200).collect()
        })
        .collect()
}

#[tokio::test]
async fn no_search_text_answers_a_server_error() {
    let app = seeded_for_search().await;
    let queries: Vec<String> = operator_runs()
        .into_iter()
        .chain(mixed_queries(300))
        .collect();
    for q in &queries {
        for extra in ["", "&sort=relevance", "&sort=-published_at&per_page=1"] {
            let response = app
                .get(&format!("/api/v1/news?q={}{extra}", encoded(q)))
                .await;
            let status = response.status().as_u16();
            match status {
                200 => {
                    let body = response.json().await;
                    assert!(body["data"].is_array(), "q={q:?}");
                }
                400 => {
                    response.problem(400).await;
                }
                _ => panic!("q={q:?}{extra}: {status}"),
            }
        }
    }
    // Two NOTs cancel: the run of dashes means what one dash (or none) means.
    let odd = search(
        &app,
        &format!("q={}", encoded(&format!("{}equipment", "-".repeat(33)))),
    )
    .await;
    let one = search(&app, "q=-equipment").await;
    assert_eq!(slugs(&odd), slugs(&one));
    let even = search(
        &app,
        &format!("q={}", encoded(&format!("{}equipment", "- ".repeat(40)))),
    )
    .await;
    assert_eq!(slugs(&even), slugs(&search(&app, "q=equipment").await));
}

#[tokio::test]
async fn a_search_by_relevance_ranks_the_newest_matches_and_the_date_orders_list_all() {
    let app = TestApp::seeded().await;
    orgcms::seed::synthetic::seed_synthetic_news(&mut app.conn(), 130).unwrap();
    let window = orgcms::resources::news::queries::RELEVANCE_WINDOW;
    let ranked = search(&app, "q=synthetic&total=true&per_page=100").await;
    assert_eq!(ranked["meta"]["total"], window, "{}", ranked["meta"]);
    let shown = slugs(&ranked);
    assert_eq!(shown.len() as i64, window);
    // Item i is published i hours back: the window holds items 1..=100, never the older ones.
    for slug in &shown {
        let i: i64 = slug.trim_start_matches("synthetic-news-").parse().unwrap();
        assert!(
            (1..=window).contains(&i),
            "{slug} is not among the newest matches"
        );
    }
    assert!(
        ranked["meta"]["next_cursor"].is_null(),
        "{}",
        ranked["meta"]
    );
    let dated = search(&app, "q=synthetic&sort=-published_at&total=true").await;
    assert_eq!(dated["meta"]["total"], 130);
}
