use crate::helpers::TestApp;

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
        app.get(path).problem(404).await;
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
        let problem = app.get(path).problem(404).await;
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
    app.get(&long).problem(400).await;
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_408_and_the_connection_is_closed() {
    let app = TestApp::builder()
        .env("ORGCMS_CLIENT_BODY_TIMEOUT_SECS", "1")
        .spawn()
        .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let started = std::time::Instant::now();
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                  Content-Length: 100\r\n\r\n{\"email\": \"",
            )
            .unwrap();
        let mut answer = Vec::new();
        // Returns at the end of the stream: the server closed the connection.
        stream.read_to_end(&mut answer).unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(
        answer.contains("urn:orgcms:problem:request-timeout"),
        "{answer}"
    );
    assert!(
        elapsed >= std::time::Duration::from_millis(900)
            && elapsed < std::time::Duration::from_secs(5),
        "cut after the timeout: {elapsed:?}"
    );
}
