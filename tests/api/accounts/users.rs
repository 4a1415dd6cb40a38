use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp, TEST_PASSWORD};

#[tokio::test]
async fn administrators_manage_accounts() {
    let app = TestApp::builder()
        .env("ORGCMS_ADMIN_EMAIL", "Boss@Example.org")
        .env("ORGCMS_ADMIN_PASSWORD", "an admin passphrase")
        .spawn()
        .await;
    let login: Value = app
        .login("boss@example.org", "an admin passphrase")
        .await
        .json()
        .await
        .unwrap();
    let admin = login["access_token"].as_str().unwrap().to_owned();

    let created = app
        .send(Method::POST, "/api/v1/users", &admin, Some(json!({"email": "New@Example.org", "display_name": "New", "role": "editor", "password": TEST_PASSWORD})), &[])
        .await;
    assert_eq!(created.status(), 201);
    let user: Value = created.json().await.unwrap();
    assert_eq!(user["email"], "new@example.org");
    assert!(!user.to_string().contains("argon2"));
    let dup = app
        .send(Method::POST, "/api/v1/users", &admin, Some(json!({"email": "new@example.org", "display_name": "Again", "role": "editor", "password": TEST_PASSWORD})), &[])
        .await;
    assert_problem(dup, 409).await;
    let weak = app
        .send(Method::POST, "/api/v1/users", &admin, Some(json!({"email": "w@example.org", "display_name": "W", "role": "editor", "password": "short"})), &[])
        .await;
    assert_problem(weak, 422).await;

    let id = user["id"].as_str().unwrap();
    let tokens: Value = app
        .login("new@example.org", TEST_PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let editor = tokens["access_token"].as_str().unwrap().to_owned();
    let promoted: Value = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            &admin,
            Some(json!({"role": "admin"})),
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(promoted["role"], "admin");
    assert_eq!(
        app.send(Method::GET, "/api/v1/users", &editor, None, &[])
            .await
            .status(),
        200,
        "the role counts at once"
    );

    let list: Value = app
        .send(Method::GET, "/api/v1/users", &admin, None, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 2);
    assert!(!list.to_string().contains("password"));

    let off = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            &admin,
            Some(json!({"active": false})),
            &[],
        )
        .await;
    assert_eq!(off.status(), 200);
    assert_problem(
        app.send(Method::GET, "/api/v1/auth/me", &editor, None, &[])
            .await,
        401,
    )
    .await;
    let refresh = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": tokens["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_problem(refresh, 401).await;
    assert_problem(app.login("new@example.org", TEST_PASSWORD).await, 401).await;
}
