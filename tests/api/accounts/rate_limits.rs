//! Request budgets per client address: announced on every answer, 429 beyond, and not dodged by
//! spelling the request differently or by claiming another address.

use serde_json::json;

use crate::helpers::{TestApp, TEST_PASSWORD};

async fn limited_app(per_minute: &str, login_per_minute: &str, trusted: &str) -> TestApp {
    TestApp::builder()
        .env("ORGCMS_RATE_LIMIT_PER_MINUTE", per_minute)
        .env("ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE", login_per_minute)
        .env("ORGCMS_TRUSTED_PROXIES", trusted)
        .spawn()
        .await
}

#[tokio::test]
async fn every_answer_says_the_budget_and_the_excess_gets_429() {
    let app = limited_app("5", "0", "").await;
    for remaining in (0..5).rev() {
        let response = app.get("/api/v1/objectives").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.header("ratelimit-policy"), "\"api\";q=5;w=60");
        let state = response.header("ratelimit");
        assert!(
            state.starts_with(&format!("\"api\";r={remaining};t=")),
            "{state}"
        );
    }
    let refused = app.get("/api/v1/objectives").await;
    let retry: u64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(refused.header("ratelimit").starts_with("\"api\";r=0;t="));
    let problem = refused.problem(429).await;
    assert_eq!(problem["type"], "urn:orgcms:problem:too-many-requests");

    // However the request is spelt, it is the same address and the same budget.
    for path in [
        "/api/v1/objectives/",
        "/API/V1/OBJECTIVES",
        "/api/v1/objectives?locale=uk",
        "/api/v1/news?x=1",
        "/api/v1/nothing-here",
    ] {
        assert_eq!(app.get(path).await.status(), 429, "{path}");
    }
    // A made-up X-Forwarded-For from an untrusted peer changes nothing.
    let forged = app
        .get("/api/v1/objectives")
        .header("X-Forwarded-For", "198.51.100.7")
        .await;
    assert_eq!(forged.status(), 429);
    // Health probes are never limited.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn logins_have_a_stricter_budget_of_their_own() {
    let app = limited_app("100", "2", "").await;
    app.create_user("limited@example.org", "editor");
    let body = json!({"email": "limited@example.org", "password": TEST_PASSWORD});
    for _ in 0..2 {
        let response = app.anon().post("/api/v1/auth/login", body.clone()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.header("ratelimit-policy"), "\"login\";q=2;w=60");
    }
    let refused = app.anon().post("/api/v1/auth/login", body.clone()).await;
    assert!(refused.headers().contains_key("retry-after"));
    refused.problem(429).await;
    // The rest of the API still answers from the larger budget.
    let other = app.get("/api/v1/objectives").await;
    assert_eq!(other.status(), 200);
    assert_eq!(other.header("ratelimit-policy"), "\"api\";q=100;w=60");
    // A login spelt otherwise is no way around it: percent-encoded, it is still the login.
    let respelt = app.anon().post("/api/v1/auth/%6Cogin", body.clone()).await;
    assert_eq!(respelt.status(), 429);
    // With a trailing slash it is no login at all (404), so it spends the larger budget.
    let elsewhere = app.anon().post("/api/v1/auth/login/", body).await;
    assert_eq!(elsewhere.status(), 404);
    assert_eq!(elsewhere.header("ratelimit-policy"), "\"api\";q=100;w=60");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = limited_app("2", "0", "127.0.0.1").await;
    let from = |client: &'static str| {
        let app = &app;
        async move {
            app.get("/api/v1/objectives")
                .header("X-Forwarded-For", client)
                .await
                .status()
        }
    };
    assert_eq!(from("203.0.113.1").await, 200);
    assert_eq!(from("203.0.113.1").await, 200);
    assert_eq!(from("203.0.113.1").await, 429);
    // Another client behind the same proxy.
    assert_eq!(from("203.0.113.2").await, 200);
    // A client that prepends someone else's address is still itself (the right-most hop).
    assert_eq!(from("203.0.113.2, 203.0.113.1").await, 429);
    assert_eq!(from("203.0.113.9, 203.0.113.1").await, 429);
}

/// POSTs a wrong login to `path`; returns the status and the budget it was charged to.
async fn post_login(app: &TestApp, path: &str) -> (u16, String) {
    let response = app
        .anon()
        .post(
            path,
            json!({"email": "nobody@example.org", "password": "wrong"}),
        )
        .await;
    let policy = response
        .maybe_header("ratelimit-policy")
        .unwrap_or_default()
        .to_owned();
    (response.status().as_u16(), policy)
}

#[tokio::test]
async fn the_budget_is_that_of_the_route_that_answers_however_the_path_is_spelt() {
    // (Failed logins have their own limit, far away here.)
    let app = TestApp::builder()
        .env("ORGCMS_RATE_LIMIT_PER_MINUTE", "1000")
        .env("ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE", "10")
        .env("ORGCMS_LOGIN_MAX_FAILURES", "1000")
        .spawn()
        .await;
    // Percent-encoded spellings reach the login handler: they spend the login budget.
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(post_login(&app, "/api/v1/auth/%6Cogin").await.0);
    }
    let answered = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((answered, refused), (10, 5), "{statuses:?}");

    let app = TestApp::builder()
        .env("ORGCMS_RATE_LIMIT_PER_MINUTE", "1000")
        .env("ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE", "100")
        .env("ORGCMS_LOGIN_MAX_FAILURES", "1000")
        .spawn()
        .await;
    for path in [
        "/api/v1/auth/%6Cogin",
        "/api/v1/auth/logi%6E",
        "/api/v1/auth/logi%6e",
        "/api/v1/%61uth/login",
        "/api/%76%31/auth/login",
        "/api/v1/auth/login?next=/x",
        "/api/v1/auth/%72efresh",
    ] {
        let (status, policy) = post_login(&app, path).await;
        assert!(matches!(status, 401 | 422), "{path}: {status}");
        assert_eq!(policy, "\"login\";q=100;w=60", "{path}");
    }
    // Spellings the router does not send to the login handler are other requests (404) and
    // spend the budget of the API at large.
    for path in [
        "/api/v1/auth/login/",
        "/api/v1//auth/login",
        "//api/v1/auth/login",
        "/API/V1/AUTH/LOGIN",
        "/api/v1/auth/Login",
        "/api/v1/auth%2Flogin",
        "/api/v1/auth/login%2F",
        "/api/v1/auth/logout",
    ] {
        let (status, policy) = post_login(&app, path).await;
        match path {
            "/api/v1/auth/logout" => assert_eq!(status, 422, "{path}"),
            // The fallback's table ignores empty segments, so says 405 (it is no handler).
            "//api/v1/auth/login" => assert_eq!(status, 405, "{path}"),
            _ => assert_eq!(status, 404, "{path}"),
        }
        assert_eq!(policy, "\"api\";q=1000;w=60", "{path}");
    }
    // GET of the login path is no login (405).
    let get = app.get("/api/v1/auth/login").await;
    assert_eq!(get.status(), 405);
    assert_eq!(get.header("ratelimit-policy"), "\"api\";q=1000;w=60");
}
