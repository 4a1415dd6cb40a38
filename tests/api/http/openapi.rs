use crate::helpers::TestApp;

const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

#[test]
fn committed_spec_is_the_generated_one() {
    let generated = orgcms::app::startup::openapi_json().unwrap();
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
    let served = app.get("/openapi.json").good().await;
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SPEC_PATH).unwrap()).unwrap();
    assert_eq!(served, committed);
    assert_eq!(served["openapi"], "3.1.0");
    let etag = app.get("/openapi.json").await.header("etag").to_owned();
    let again = app.get("/openapi.json").if_none_match(&etag).await;
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn docs_render_offline() {
    let app = TestApp::new().await;
    let response = app.get("/docs/").await;
    assert_eq!(response.status(), 200);
    assert!(response.header("content-type").starts_with("text/html"));
    let html = response.text().await;
    assert!(html.contains("swagger-ui"), "the vendored Swagger UI page");
    let initializer = app.get("/docs/swagger-initializer.js").await.text().await;
    assert!(initializer.contains("/openapi.json"));
    assert_eq!(app.get("/docs/swagger-ui-bundle.js").await.status(), 200);
}

#[test]
fn every_operation_is_documented_with_its_problems_and_security() {
    let spec: serde_json::Value =
        serde_json::from_str(&orgcms::app::startup::openapi_json().unwrap()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    for required in [
        "/api/v1/organization",
        "/api/v1/objectives/{id_or_slug}",
        "/api/v1/missions/{id_or_slug}",
        "/api/v1/news/{id_or_slug}",
        "/api/v1/auth/login",
        "/api/v1/users/{id}",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(required), "{required}");
    }
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut operation_ids = std::collections::HashSet::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(
                operation_ids.insert(op["operationId"].as_str().unwrap().to_owned()),
                "{name}"
            );
            assert!(op["summary"].is_string(), "{name}");
            assert!(op["tags"].is_array(), "{name}");
            let responses = &op["responses"];
            for status in ["500", "503"] {
                assert!(responses[status].is_object(), "{name} {status}");
            }
            let security = op["security"].as_array().unwrap();
            let needs_token = !security.iter().any(|s| s.as_object().unwrap().is_empty());
            let is_write = method != "get";
            let is_auth_flow = path.starts_with("/api/v1/auth/") && method == "post";
            assert_eq!(
                needs_token,
                (is_write && !is_auth_flow)
                    || path.contains("/users")
                    || path.contains("/webhooks")
                    || path.contains("/api-keys")
                    || path == "/api/v1/assets"
                    || path.ends_with("/me")
                    || path.ends_with("/audit")
                    || path == "/metrics"
                    || path == "/api/v1/export"
                    || path.starts_with("/api/v1/revisions/")
                    || path.starts_with("/api/v1/trash"),
                "{name}: security"
            );
            if needs_token {
                assert!(responses["401"].is_object(), "{name}");
            }
            if path.starts_with("/api/") {
                assert!(responses["400"].is_object(), "{name}");
            }
            if method == "get" && path.starts_with("/api/") && !needs_token {
                assert!(responses["304"].is_object(), "{name}");
                assert!(responses["200"]["headers"]["ETag"].is_object(), "{name}");
            }
            if path.contains('{') {
                assert!(responses["404"].is_object(), "{name}");
            }
            if op.get("requestBody").is_some() {
                for status in ["413", "415", "422"] {
                    assert!(responses[status].is_object(), "{name} {status}");
                }
            }
            // Writes of an item are conditional (accounts aside); actions on one are not.
            let acts_on_item = method == "post" && !path.ends_with("/secret");
            if needs_token
                && is_write
                && path.contains('{')
                && !path.contains("/users")
                // Preview links have no version: revoking one is not conditional.
                && !path.contains("/previews")
                // Nor have pins of revisions, nor items in the trash (which no one writes).
                && !path.ends_with("/pin")
                && !path.starts_with("/api/v1/trash/")
                && !acts_on_item
            {
                assert!(responses["412"].is_object(), "{name}");
            }
        }
    }
}

#[test]
fn every_schema_and_parameter_has_a_description_and_an_example() {
    let spec: serde_json::Value =
        serde_json::from_str(&orgcms::app::startup::openapi_json().unwrap()).unwrap();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        assert!(
            schema["description"].is_string(),
            "schema {name} has no description"
        );
        assert!(
            schema.get("example").is_some_and(|e| !e.is_null()),
            "schema {name} has no example"
        );
    }
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                let name = format!("{method} {path} {}", parameter["name"]);
                assert!(
                    parameter["description"].is_string(),
                    "{name}: no description"
                );
                assert!(
                    parameter.get("example").is_some_and(|e| !e.is_null()),
                    "{name}: no example"
                );
            }
        }
    }
}
