//! Inputs the fuzz targets (tests/fuzz) found slow or failing, as the behaviour the API owes
//! them: shapes whose cost grows faster than their length are refused when written, or cost no
//! more than their length once stored; no search text fails.

use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::helpers::{error_fields, NewsFactory, Response, TestApp};

async fn create_news(app: &TestApp, body: &str) -> Response {
    app.as_editor()
        .await
        .post(
            "/api/v1/news",
            json!({"title": {"en": "Deep"}, "body": {"en": body}}),
        )
        .await
}

/// Markdown renders in time quadratic in the nesting depth of quotes and lists (fuzz target
/// `markdown`: `N*>` and `N*- ` past the per-input time limit): a body nested deeper than any
/// page needs is refused when written, with the field that is too deep.
#[tokio::test]
async fn bodies_nested_a_thousand_deep_are_refused_when_written() {
    let app = TestApp::new().await;
    for (shape, body) in [
        ("quotes", ">".repeat(1000)),
        ("spaced quotes", "> ".repeat(1000)),
        // (`- ` repeated is a thematic break, not a list: markers must alternate)
        ("lists", "- * ".repeat(500)),
        ("ordered lists", "1. ".repeat(1000)),
        (
            "indented lists",
            (0..300)
                .map(|i| format!("{}- x\n", "  ".repeat(i)))
                .collect(),
        ),
    ] {
        let problem = create_news(&app, &body).await.problem(422).await;
        assert_eq!(error_fields(&problem), ["body.en"], "{shape}");
    }
}

/// `websearch_to_tsquery` fails with "tsquery stack too small" from 33 operators on (fuzz target
/// `search`: `N*-`): every query the API accepts is answered.
#[tokio::test]
async fn queries_of_many_operators_are_answered() {
    let app = TestApp::new().await;
    NewsFactory::new("a-b").insert(&mut app.conn());
    for q in [
        "-".repeat(33),
        "-".repeat(200),
        "- ".repeat(100),
        "-a ".repeat(66),
        "a or ".repeat(40),
        "\"-\" ".repeat(50),
    ] {
        let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let response = app.get(&format!("/api/v1/news?q={encoded}")).await;
        assert_eq!(response.status(), 200, "q={q}");
        let body = response.json().await;
        assert!(body["data"].is_array(), "q={q}");
    }
}

/// The text-search parser is quadratic in the length of an underscore-joined token (fuzz target
/// `search`: `N*_a`; `to_tsvector` of 16 000 characters takes seconds, of 200 000 minutes).
/// Storing the longest such body computes its search vector within a budget a hundred times what
/// a linear parse needs; the statement is cancelled past it.
#[test]
fn the_search_vector_of_the_longest_underscore_token_is_bounded() {
    let db = crate::helpers::TestDatabase::new();
    let mut conn = db.connect();
    conn.batch_execute("SET statement_timeout = '10s'").unwrap();
    for unit in ["_a", "a_"] {
        let body = unit.repeat(200_000 / unit.len());
        let inserted = NewsFactory::new("underscores")
            .body(json!({"en": body, "uk": body}))
            .try_insert(&mut conn);
        assert!(inserted.is_ok(), "{unit}: {inserted:?}");
        conn.batch_execute("DELETE FROM news").unwrap();
    }
}

/// `ts_headline` with fragments grows faster than the text when the query matches all over it
/// (fuzz target `search`: a text of two sentences, stretched to the body limit and searched for
/// with its first 200 characters, spent more than 16 s in the snippet query). The snippets of
/// such an item, in both locales, come within a budget a hundred times what a linear pass needs.
#[test]
fn snippets_of_bodies_matching_everywhere_are_bounded() {
    let db = crate::helpers::TestDatabase::new();
    let mut conn = db.connect();
    let text = "Мобільні команди працюють у Києві щодня. Donations of equipment reach Mykolaiv. ";
    let body: String = text.chars().cycle().take(200_000).collect();
    let q: String = body.chars().take(200).collect();
    let id = NewsFactory::new("everywhere")
        .summary(json!({"en": text, "uk": text}))
        .body(json!({"en": body, "uk": body}))
        .insert(&mut conn);
    conn.batch_execute("SET statement_timeout = '10s'").unwrap();
    let shown = [(id, "en".to_owned()), (id, "uk".to_owned())];
    let snippets = orgcms::resources::news::queries::snippets(&mut conn, &q, &shown);
    assert!(snippets.is_ok(), "{snippets:?}");
}

/// `ts_headline` works exponentially in the terms of a phrase (fuzz target `search`: `,11`
/// repeated, which websearch makes one phrase of as many terms; 60 of them over 3 000 matching
/// words killed the database server). Snippets are marked with the query's distinct words, so a
/// 30-term phrase over matching text is answered well within a 2 s statement timeout (before,
/// 100 words of it took 4.9 s: a 503 here).
#[tokio::test]
async fn snippets_of_long_phrases_are_answered() {
    let app = TestApp::builder()
        .env("ORGCMS_DB_STATEMENT_TIMEOUT_MS", "2000")
        .spawn()
        .await;
    NewsFactory::new("numbers")
        .body(json!({"en": "11 ".repeat(300)}))
        .insert(&mut app.conn());
    let q: String = form_urlencoded::byte_serialize(",11".repeat(30).as_bytes()).collect();
    let response = app.get(&format!("/api/v1/news?q={q}")).await;
    assert_eq!(response.status(), 200);
    let found = response.json().await;
    assert_eq!(found["data"][0]["slug"], "numbers");
    assert!(found["data"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("<mark>"));
}

/// `ts_rank_cd` orders every match and costs the square of a phrase's terms for each item (fuzz
/// target `search`: a query of one word joined by punctuation, over items that repeat it): only
/// the first 12 words of `q` are searched for, so a 66-term phrase over five such items is
/// answered well within a 2 s statement timeout (before: 615 ms an item, a 503 here).
#[tokio::test]
async fn long_phrases_rank_within_the_statement_timeout() {
    let app = TestApp::builder()
        .env("ORGCMS_DB_STATEMENT_TIMEOUT_MS", "2000")
        .spawn()
        .await;
    for i in 0..5 {
        NewsFactory::new(&format!("twos-{i}"))
            .body(json!({"en": " 2".repeat(100_000)}))
            .insert(&mut app.conn());
    }
    let q: String = form_urlencoded::byte_serialize(",2".repeat(66).as_bytes()).collect();
    let response = app.get(&format!("/api/v1/news?q={q}")).await;
    assert_eq!(response.status(), 200);
    let found = response.json().await;
    assert_eq!(found["data"].as_array().unwrap().len(), 5);
}
