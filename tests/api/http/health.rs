use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_and_readyz_answer_200() {
    let app = TestApp::new().await;
    let health = app.get("/healthz").good().await;
    assert_eq!(health["status"], "ok");
    let ready = app.get("/readyz").good().await;
    assert_eq!(ready["status"], "ready");
}

#[tokio::test]
async fn readyz_says_503_when_the_database_is_gone_and_healthz_stays_200() {
    let app = TestApp::new().await;
    app.db.drop_now();
    let response = app.get("/readyz").await;
    assert_eq!(response.header("retry-after"), "5");
    let problem = response.problem(503).await;
    assert!(
        !problem["detail"].as_str().unwrap().contains("orgcms_test"),
        "no internals leak"
    );
    app.get("/api/v1/news").problem(503).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let app = TestApp::seeded().await;
    let mut ids = Vec::new();
    for path in [
        "/healthz",
        "/api/v1/news",
        "/api/v1/news/nothing-here",
        "/nowhere",
    ] {
        let response = app.get(path).await;
        let id = response.header("x-request-id").to_owned();
        assert_eq!(id.len(), 36, "{path}: a UUID");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each request has its own id");
}
