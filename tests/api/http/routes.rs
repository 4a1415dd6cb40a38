//! The routes the server answers and the paths of the OpenAPI document are the same set.

use reqwest::Method;

use crate::helpers::TestApp;

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// A concrete path for a template: path parameters become a well-formed id of nothing.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') {
                "00000000-0000-0000-0000-000000000000"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_documented_operation_is_answered_and_every_other_method_is_405() {
    let app = TestApp::seeded().await;
    let spec = app.get("/openapi.json").good().await;
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 15);
    for (template, item) in paths {
        let path = concrete(template);
        let documented: Vec<&str> = METHODS
            .iter()
            .copied()
            .filter(|m| item.get(*m).is_some())
            .collect();
        for method in METHODS {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.anon().request(m, &path).await;
            let status = response.status().as_u16();
            if documented.contains(&method) {
                // A mounted handler answers: anything but "no such route".
                assert_ne!(status, 405, "{method} {template}");
                if status == 404 {
                    let body = response.json().await;
                    assert!(
                        !body["detail"]
                            .as_str()
                            .unwrap()
                            .contains("no such resource"),
                        "{method} {template} is not mounted"
                    );
                }
            } else {
                let allow = response.header("allow").to_owned();
                let mut allowed: Vec<String> = allow.split(", ").map(str::to_lowercase).collect();
                allowed.sort();
                let mut expected: Vec<String> =
                    documented.iter().map(|m| (*m).to_owned()).collect();
                if documented.contains(&"get") {
                    expected.push("head".to_owned());
                }
                expected.sort();
                assert_eq!(allowed, expected, "{method} {template}");
                response.problem(405).await;
            }
        }
    }
}

#[tokio::test]
async fn nothing_undocumented_is_mounted() {
    let app = TestApp::seeded().await;
    // Outside the document by design: the document itself and the interactive docs.
    for path in ["/openapi.json", "/docs/"] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    for path in [
        "/api/v1",
        "/api/v1/feeds",
        "/admin",
        "/api/v1/news/x/related/more",
        "/metrics",
    ] {
        app.get(path).problem(404).await;
    }
    app.anon()
        .request(Method::TRACE, "/api/v1/news")
        .problem(405)
        .await;
}

#[tokio::test]
async fn head_is_get_without_the_body_and_every_get_has_a_validator() {
    let app = TestApp::seeded().await;
    for path in [
        "/api/v1/news",
        "/api/v1/organization",
        "/api/v1/feeds/news.rss",
        "/openapi.json",
        "/docs/",
        "/healthz",
    ] {
        let get = app.get(path).await;
        assert_eq!(get.status(), 200, "{path}");
        let etag = get.etag();
        let length = get.bytes().await.len();
        assert!(length > 0);
        let head = app.anon().request(Method::HEAD, path).await;
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert_eq!(head.header("etag"), etag, "{path}");
        assert_eq!(head.header("content-length"), length.to_string(), "{path}");
        assert!(head.bytes().await.is_empty(), "{path}");
        let revalidated = app.get(path).if_none_match(&etag).await;
        assert_eq!(revalidated.status(), 304, "{path}");
    }
}
