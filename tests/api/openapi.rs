use crate::helpers::TestApp;

const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

#[test]
fn committed_spec_is_the_generated_one() {
    let generated = orgcms::startup::openapi_json().unwrap();
    let committed = std::fs::read_to_string(SPEC_PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; rewrite it with \
         `cargo run --quiet -- openapi > openapi/openapi.json` and commit it"
    );
}

#[tokio::test]
async fn served_spec_is_the_committed_one() {
    let app = TestApp::new().await;
    let served = app.get_json("/openapi.json").await;
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SPEC_PATH).unwrap()).unwrap();
    assert_eq!(served, committed);
    assert_eq!(served["openapi"], "3.1.0");
}

#[tokio::test]
async fn docs_render_offline() {
    let app = TestApp::new().await;
    let response = app.get("/docs/").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "the vendored Swagger UI page");
    let initializer = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/openapi.json"));
    assert_eq!(app.get("/docs/swagger-ui-bundle.js").await.status(), 200);
}

#[test]
fn every_operation_is_documented_with_problems() {
    let spec: serde_json::Value =
        serde_json::from_str(&orgcms::startup::openapi_json().unwrap()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    let expected = [
        "/api/v1/organization",
        "/api/v1/objectives",
        "/api/v1/objectives/{id_or_slug}",
        "/api/v1/missions",
        "/api/v1/missions/{id_or_slug}",
        "/api/v1/news",
        "/api/v1/news/{id_or_slug}",
        "/healthz",
        "/readyz",
    ];
    let mut found: Vec<&str> = paths.keys().map(String::as_str).collect();
    found.sort();
    let mut expected_sorted = expected.to_vec();
    expected_sorted.sort();
    assert_eq!(found, expected_sorted);
    for (path, item) in paths {
        let op = &item["get"];
        assert!(op["operationId"].is_string(), "{path}");
        assert!(op["summary"].is_string(), "{path}");
        assert!(op["tags"].is_array(), "{path}");
        for status in ["500", "503"] {
            assert!(op["responses"][status].is_object(), "{path} {status}");
        }
        if path.starts_with("/api/") {
            assert!(op["responses"]["400"].is_object(), "{path}");
            assert!(op["responses"]["304"].is_object(), "{path}");
            assert!(
                op["responses"]["200"]["headers"]["ETag"].is_object(),
                "{path}"
            );
        }
        if path.contains('{') {
            assert!(op["responses"]["404"].is_object(), "{path}");
        }
    }
}
