use crate::helpers::{assert_problem, TestApp};

#[tokio::test]
async fn unknown_paths_are_404_problems() {
    let app = TestApp::seeded().await;
    for path in [
        "/",
        "/api",
        "/api/v1",
        "/api/v2/news",
        "/api/v1/nothing",
        "/api/v1/news/a/b",
    ] {
        assert_problem(app.get(path).await, 404).await;
    }
}

#[tokio::test]
async fn problems_never_echo_sql_or_internals() {
    let app = TestApp::seeded().await;
    for path in [
        "/api/v1/news/x'%20OR%20'1'='1",
        "/api/v1/news/%00",
        "/api/v1/missions/1;DROP%20TABLE%20missions",
        "/api/v1/objectives/..%2F..%2Fetc%2Fpasswd",
    ] {
        let problem = assert_problem(app.get(path).await, 404).await;
        let text = problem.to_string().to_lowercase();
        for leak in ["drop", "select", "passwd", "diesel", "panic", "/src/"] {
            assert!(!text.contains(leak), "{path} leaked {leak}: {text}");
        }
    }
    // The data is intact.
    assert_eq!(app.get("/api/v1/missions/ukraine").await.status(), 200);
}

#[tokio::test]
async fn hostile_query_values_get_400_not_500() {
    let app = TestApp::seeded().await;
    for query in [
        "mission=%00",
        "tag=%00",
        "published_after=%00",
        "locale=%00",
        "sort=%00",
        "mission=%27%20OR%201%3D1--",
        "page=99999999999999999999",
        "per_page=1e3",
        "%zz=1",
    ] {
        let response = app.get(&format!("/api/v1/news?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
    }
    let long = format!("/api/v1/news?tag={}", "a".repeat(9000));
    assert_problem(app.get(&long).await, 400).await;
}
