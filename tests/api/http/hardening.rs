//! Response hardening: security headers on every response, a policy for the docs that Swagger UI
//! can live with, no server banner, no method tunnelling, CORS from the configured allow-list
//! only, and request heads and bodies held to their limits with problems that say which.

use std::io::{Read, Write};

use orgcms::http::middleware::security::{API_CSP, DOCS_CSP, MAX_REQUEST_HEADER_BYTES};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{error_fields, NewsFactory, Request, Response, TestApp};

fn assert_hardened(response: &Response, csp: &str) {
    let what = format!("{} {}", response.status(), response.url());
    assert_eq!(
        response.maybe_header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        response.maybe_header("content-security-policy"),
        Some(csp),
        "{what}"
    );
    assert!(response.headers().get("server").is_none(), "{what}");
    assert!(response.headers().get("x-powered-by").is_none(), "{what}");
}

#[tokio::test]
async fn every_response_carries_nosniff_and_a_content_security_policy() {
    let app = TestApp::seeded().await;
    let etag = app.get("/api/v1/news").await.etag();
    let responses = [
        app.get("/api/v1/news").await,
        app.get("/api/v1/missions/ukraine").await,
        app.get("/api/v1/news").if_none_match(etag.as_str()).await,
        app.get("/api/v1/feeds/news.rss").await,
        app.get("/api/v1/news/nothing-here").await,
        app.get("/api/v1/news?per_page=500").await,
        app.get("/api/v1/news")
            .header("Authorization", "Bearer nonsense")
            .await,
        app.get("/nowhere").await,
        app.get("/openapi.json").await,
        app.get("/healthz").await,
        app.anon().delete("/api/v1/news").await,
        app.anon()
            .post_raw(
                "/api/v1/auth/login",
                "application/json",
                "x".repeat(2 << 20),
            )
            .await,
    ];
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses,
        [200, 200, 304, 200, 404, 400, 401, 404, 200, 200, 405, 413]
    );
    for response in &responses {
        assert_hardened(response, API_CSP);
    }
    assert_hardened(&app.get("/docs/").await, DOCS_CSP);
}

/// The docs page runs under its policy only if everything it loads is a file of this origin,
/// with the right media type (nosniff refuses a script served as anything else), and it holds no
/// inline script or style.
#[tokio::test]
async fn the_docs_page_needs_nothing_its_policy_forbids() {
    let app = TestApp::new().await;
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await;
    assert!(!html.contains("<style"), "inline style sheet");
    assert!(!html.contains(" style="), "inline style attribute");
    let mut loaded = Vec::new();
    for (marker, is_script) in [("<script", true), ("<link", false)] {
        for tag in html.split(marker).skip(1) {
            let tag = &tag[..tag.find('>').unwrap()];
            let attribute = if is_script { "src=\"" } else { "href=\"" };
            let start = tag
                .find(attribute)
                .unwrap_or_else(|| panic!("inline script: {tag}"));
            let target = &tag[start + attribute.len()..];
            let target = &target[..target.find('"').unwrap()];
            assert!(
                !target.contains(':') && !target.starts_with("//"),
                "{target} is not of this origin"
            );
            loaded.push(target.trim_start_matches("./").to_owned());
        }
    }
    assert!(loaded.len() >= 5, "{loaded:?}");
    for file in loaded {
        let response = app.get(&format!("/docs/{file}")).await;
        assert_eq!(response.status(), 200, "{file}");
        let content_type = response.header("content-type").to_owned();
        let expected = match file.rsplit('.').next().unwrap() {
            "js" => "javascript",
            "css" => "text/css",
            "png" => "image/png",
            other => panic!("unexpected file type {other}"),
        };
        assert!(content_type.contains(expected), "{file}: {content_type}");
        assert_hardened(&response, DOCS_CSP);
    }
    // Its one request goes to this origin.
    let init = app.get("/docs/swagger-initializer.js").await.text().await;
    assert!(init.contains("\"/openapi.json\""), "{init}");
}

#[tokio::test]
async fn trace_is_405_and_echoes_nothing() {
    let app = TestApp::seeded().await;
    for path in ["/api/v1/news", "/api/v1/missions/ukraine", "/healthz"] {
        let response = app
            .with_token("secret-token-value")
            .request(Method::TRACE, path)
            .header("Cookie", "session=secret-cookie-value")
            .await;
        let allow = response.header("allow").to_owned();
        assert!(
            allow.contains("GET") && !allow.contains("TRACE"),
            "{path}: {allow}"
        );
        assert_hardened(&response, API_CSP);
        let problem = response.problem(405).await.to_string();
        assert!(!problem.contains("secret"), "{path}: {problem}");
    }
}

/// Nothing reads `X-HTTP-Method-Override` (or its cousins): a POST stays a POST.
#[tokio::test]
async fn method_override_headers_are_ignored() {
    let app = TestApp::seeded().await;
    NewsFactory::new("stays").insert(&mut app.conn());
    let editor = app.as_editor().await;
    for name in [
        "X-HTTP-Method-Override",
        "X-HTTP-Method",
        "X-Method-Override",
    ] {
        let response = editor
            .request(Method::POST, "/api/v1/news/stays")
            .header(name, "DELETE")
            .await;
        response.problem(405).await;
        let response = editor
            .get("/api/v1/news/stays")
            .header(name, "DELETE")
            .await;
        assert_eq!(response.status(), 200, "{name}");
    }
    assert_eq!(app.get("/api/v1/news/stays").await.status(), 200);
}

const ALLOWED: &str = "https://www.example.org";
const FOREIGN: &str = "https://evil.example";

fn preflight(app: &TestApp, origin: &str, method: &str, headers: &str) -> Request {
    app.anon()
        .request(Method::OPTIONS, "/api/v1/news/some-item")
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", headers)
}

fn names(value: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = value
        .unwrap_or("")
        .split(',')
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn without_configured_origins_there_is_no_cors() {
    let app = TestApp::seeded().await;
    let response = app.get("/api/v1/news").header("Origin", ALLOWED).await;
    assert_eq!(response.status(), 200);
    assert!(
        !response
            .headers()
            .keys()
            .any(|k| k.as_str().starts_with("access-control-")),
        "{:?}",
        response.headers()
    );
    let vary = names(response.maybe_header("vary"));
    assert!(!vary.contains(&"origin".to_owned()), "{vary:?}");
    let response = preflight(&app, ALLOWED, "PATCH", "authorization").await;
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    response.problem(405).await;
}

#[tokio::test]
async fn configured_origins_get_cors_and_others_do_not() {
    let app = TestApp::builder()
        .seeded()
        .env(
            "ORGCMS_CORS_ORIGINS",
            "https://www.example.org, http://localhost:3000",
        )
        .spawn()
        .await;
    for origin in [ALLOWED, "http://localhost:3000"] {
        let response = app.get("/api/v1/news").header("Origin", origin).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.maybe_header("access-control-allow-origin"),
            Some(origin)
        );
        assert!(response
            .headers()
            .get("access-control-allow-credentials")
            .is_none());
        assert_eq!(
            names(response.maybe_header("access-control-expose-headers")),
            names(Some(
                "ETag, Link, Location, Retry-After, X-Request-Id, Content-Language, Last-Modified, Consistency-Token"
            ))
        );
        let vary = names(response.maybe_header("vary"));
        assert!(
            vary.contains(&"origin".to_owned()) && vary.contains(&"accept-language".to_owned()),
            "{vary:?}"
        );
    }
    // Errors too, so that a page can read the problem.
    let response = app
        .get("/api/v1/news/nothing-here")
        .header("Origin", ALLOWED)
        .await;
    assert_eq!(
        response.maybe_header("access-control-allow-origin"),
        Some(ALLOWED)
    );
    response.problem(404).await;

    // A foreign origin is served as if there were no CORS: the browser keeps the response.
    for origin in [FOREIGN, "https://www.example.org.evil.example", "null"] {
        let response = app.get("/api/v1/news").header("Origin", origin).await;
        assert_eq!(response.status(), 200);
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin}"
        );
    }

    // Preflights: the methods and headers the API uses, for the listed origins only.
    let response = preflight(
        &app,
        ALLOWED,
        "PATCH",
        "authorization, content-type, if-match, if-none-match, if-modified-since, idempotency-key, \
         consistency-token",
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.maybe_header("access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        names(response.maybe_header("access-control-allow-methods")),
        ["delete", "get", "patch", "post", "put"]
    );
    assert_eq!(
        names(response.maybe_header("access-control-allow-headers")),
        [
            "authorization",
            "consistency-token",
            "content-type",
            "idempotency-key",
            "if-match",
            "if-modified-since",
            "if-none-match"
        ]
    );
    assert_eq!(response.maybe_header("access-control-max-age"), Some("600"));
    assert_hardened(&response, API_CSP);

    for (origin, method, headers) in [
        (FOREIGN, "PATCH", "authorization"),
        (ALLOWED, "TRACE", "authorization"),
        (ALLOWED, "PATCH", "x-custom"),
        (ALLOWED, "PATCH", "cookie"),
    ] {
        let response = preflight(&app, origin, method, headers).await;
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin} {method} {headers}"
        );
        let problem = response.problem(400).await;
        assert_eq!(problem["type"], "urn:orgcms:problem:cors-refused");
    }
}

/// A request whose headers exceed 16 KiB gets a 431 problem from the API; one whose head
/// exceeds what actix-http parses at all (more than 96 fields) a bare 431 from actix-http.
#[tokio::test]
async fn oversized_request_headers_get_431() {
    let app = TestApp::seeded().await;
    let response = app
        .get("/api/v1/news")
        .header("X-Padding", "a".repeat(MAX_REQUEST_HEADER_BYTES).as_str())
        .await;
    assert_hardened(&response, API_CSP);
    let problem = response.problem(431).await;
    assert_eq!(
        problem["type"],
        "urn:orgcms:problem:request-header-fields-too-large"
    );
    // Many headers that fit together are fine.
    let mut request = app.get("/api/v1/news");
    for i in 0..80 {
        request = request.header(&format!("x-h{i}"), "a".repeat(100));
    }
    assert_eq!(request.await.status(), 200);

    let head: String = (0..100)
        .map(|i| format!("x-h{i}: a\r\n"))
        .collect::<Vec<_>>()
        .join("");
    let answer = raw_request(
        &app.address,
        &format!("GET /api/v1/news HTTP/1.1\r\nHost: x\r\n{head}\r\n"),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
}

/// Sends `request` as is and returns what the server answers until it closes (off the test's
/// runtime, which the blocking socket would otherwise hold up).
async fn raw_request(address: &str, request: &str) -> String {
    let (address, request) = (address.to_owned(), request.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut stream =
            std::net::TcpStream::connect(address.trim_start_matches("http://")).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn json_nested_too_deep_is_a_400_that_says_so() {
    let app = TestApp::seeded().await;
    let login = |body: String| {
        app.anon()
            .post_raw("/api/v1/auth/login", "application/json", body)
    };
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for depth in [33, 129, 100_000] {
        let problem = login(nested(depth)).problem(400).await;
        assert_eq!(
            problem["type"], "urn:orgcms:problem:json-too-deep",
            "{depth}"
        );
        assert!(problem["detail"].as_str().unwrap().contains("32"));
        assert_eq!(error_fields(&problem), ["body"]);
    }
    // 32 levels are parsed (and then refused as no login).
    let problem = login(nested(32)).problem(422).await;
    assert_eq!(error_fields(&problem), ["body"]);
    // The same for writes.
    let editor = app.as_editor().await;
    let mut deep = json!("x");
    for _ in 0..40 {
        deep = json!({ "en": deep });
    }
    let response = editor.post("/api/v1/news", json!({ "title": deep })).await;
    let problem = response.problem(400).await;
    assert_eq!(problem["type"], "urn:orgcms:problem:json-too-deep");
}

/// A name repeated in one object is a 400, at any depth, for writes and logins alike: serde_json
/// would silently keep the last one.
#[tokio::test]
async fn json_that_repeats_a_name_is_a_400() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let post = |path: &str, body: &str| editor.post_raw(path, "application/json", body);
    for (path, body) in [
        (
            "/api/v1/news",
            r#"{"title": {"en": "a"}, "status": "draft", "status": "published"}"#,
        ),
        ("/api/v1/news", r#"{"title": {"en": "a", "en": "b"}}"#),
        (
            "/api/v1/auth/login",
            r#"{"email": "a@b.c", "password": "x", "password": "y"}"#,
        ),
    ] {
        let problem = post(path, body).problem(400).await;
        assert_eq!(
            problem["type"], "urn:orgcms:problem:duplicate-member",
            "{body}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("twice"),
            "{problem}"
        );
    }
    let patch = editor
        .request(Method::PATCH, "/api/v1/organization")
        .raw(
            "application/merge-patch+json",
            r#"{"member_states": 1, "member_states": 2}"#,
        )
        .problem(400)
        .await;
    assert_eq!(patch["type"], "urn:orgcms:problem:duplicate-member");
    // Nothing was written.
    assert_eq!(
        app.get("/api/v1/organization").good().await["member_states"],
        175
    );
    assert_eq!(
        app.get("/api/v1/news?per_page=100").good().await["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Characters that XML (and so RSS and Atom) cannot carry are refused in every text of a write,
/// naming the field; what stays accepted (tabs, newlines, any other Unicode) is served intact.
#[tokio::test]
async fn texts_with_characters_no_output_can_carry_are_refused() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    for (body, field) in [
        (json!({"title": {"en": "Vertical\u{b}tab"}}), "title.en"),
        (
            json!({"title": {"en": "ok"}, "body": {"uk": "bad \u{fffe}"}}),
            "body.uk",
        ),
        (
            json!({"title": {"en": "ok"}, "summary": {"en": "esc\u{1b}[0m"}}),
            "summary.en",
        ),
        (
            json!({"title": {"en": "ok"}, "cover_image_alt": {"en": "c1 \u{85}"}}),
            "cover_image_alt.en",
        ),
        (json!({"title": {"en": "ok", "uk": "nul\u{0}"}}), "title.uk"),
    ] {
        let response = editor.post("/api/v1/news", body.clone()).await;
        let problem = response.problem(422).await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    let fine = "Tab\there,\r\nnew line, emoji \u{1f600}, \u{fffd}";
    let response = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": fine}, "status": "published"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created = response.json().await;
    assert_eq!(created["title"]["en"], fine);
    let mission = editor
        .merge_patch(
            "/api/v1/missions/ukraine",
            json!({"office_city": {"en": "Kyiv\u{7}"}}),
        )
        .await;
    assert_eq!(
        error_fields(&mission.problem(422).await),
        ["office_city.en"]
    );
    // Every feed of what was accepted is well-formed XML.
    for path in ["/api/v1/feeds/news.rss", "/api/v1/feeds/news.atom"] {
        let bytes = app.get(path).await.bytes().await;
        let feed = feed_rs::parser::parse(&bytes[..]).unwrap();
        assert!(feed
            .entries
            .iter()
            .any(|e| e.title.as_ref().unwrap().content.contains("emoji")));
    }
}

/// `cover_image_url` is an absolute http(s) URL as RFC 3986 writes it, never markup.
#[tokio::test]
async fn cover_image_urls_must_be_urls() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    for url in [
        "http://a.b/\"><script>alert(1)</script>",
        "https://example.org/a b.jpg",
        "javascript:alert(1)",
        "https://example.org/%zz.jpg",
    ] {
        let response = editor
            .post(
                "/api/v1/news",
                json!({"title": {"en": "x"}, "cover_image_url": url}),
            )
            .await;
        assert_eq!(
            error_fields(&response.problem(422).await),
            ["cover_image_url"],
            "{url}"
        );
    }
    let good = "https://example.org/photos/%D1%84%D0%BE%D1%82%D0%BE.jpg?w=800";
    let response = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "x"}, "cover_image_url": good}),
        )
        .await;
    assert_eq!(response.status(), 201);
}

/// A chunked body (no Content-Length) is held to the same limit as one that declares its size.
#[tokio::test]
async fn oversized_chunked_bodies_get_413() {
    let app = TestApp::builder()
        .env("ORGCMS_MAX_BODY_BYTES", "4096")
        .spawn()
        .await;
    let chunk = format!("{:x}\r\n{}\r\n", 1000, "a".repeat(1000));
    let body = format!("{}0\r\n\r\n", chunk.repeat(5));
    let answer = raw_request(
        &app.address,
        &format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{body}"
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer
            .to_lowercase()
            .contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(
        answer.contains("urn:orgcms:problem:payload-too-large"),
        "{answer}"
    );
}
