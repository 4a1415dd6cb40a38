use serde_json::json;

use crate::helpers::{TestApp, TEST_PASSWORD};

#[tokio::test]
async fn administrators_manage_accounts() {
    let app = TestApp::builder()
        .env("ORGCMS_ADMIN_EMAIL", "Boss@Example.org")
        .env("ORGCMS_ADMIN_PASSWORD", "an admin passphrase")
        .spawn()
        .await;
    let login = app
        .login("boss@example.org", "an admin passphrase")
        .await
        .json()
        .await;
    let admin = app.with_token(login["access_token"].as_str().unwrap());

    let created = admin.post("/api/v1/users", json!({"email": "New@Example.org", "display_name": "New", "role": "editor", "password": TEST_PASSWORD}))
        .await;
    assert_eq!(created.status(), 201);
    let user = created.json().await;
    assert_eq!(user["email"], "new@example.org");
    assert!(!user.to_string().contains("argon2"));
    let dup = admin.post("/api/v1/users", json!({"email": "new@example.org", "display_name": "Again", "role": "editor", "password": TEST_PASSWORD}))
        .await;
    dup.problem(409).await;
    let weak = admin.post("/api/v1/users", json!({"email": "w@example.org", "display_name": "W", "role": "editor", "password": "short"}))
        .await;
    weak.problem(422).await;

    let id = user["id"].as_str().unwrap();
    let tokens = app
        .login("new@example.org", TEST_PASSWORD)
        .await
        .json()
        .await;
    let editor = app.with_token(tokens["access_token"].as_str().unwrap());
    let promoted = admin
        .patch(&format!("/api/v1/users/{id}"), json!({"role": "admin"}))
        .await
        .json()
        .await;
    assert_eq!(promoted["role"], "admin");
    assert_eq!(
        editor.get("/api/v1/users").await.status(),
        200,
        "the role counts at once"
    );

    let list = admin.get("/api/v1/users").good().await;
    assert_eq!(list["meta"]["total"], 2);
    assert!(!list.to_string().contains("password"));

    let off = admin
        .patch(&format!("/api/v1/users/{id}"), json!({"active": false}))
        .await;
    assert_eq!(off.status(), 200);
    editor.get("/api/v1/auth/me").problem(401).await;
    let refresh = app
        .anon()
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": tokens["refresh_token"]}),
        )
        .await;
    refresh.problem(401).await;
    app.login("new@example.org", TEST_PASSWORD)
        .problem(401)
        .await;
}
