use base64::Engine;
use chrono::Utc;
use diesel::prelude::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use orgcms::db::schema::{news, users};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_fields, Request, Response, TestApp, TEST_JWT_SECRET, TEST_PASSWORD};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The claims of a token of `sub` in a login that does not exist (see `open_login`).
fn claims(sub: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({"sub": sub, "role": "editor", "iat": now, "nbf": now, "exp": now + 600,
           "iss": "orgcms", "aud": "orgcms-api", "jti": "test",
           "sid": uuid::Uuid::new_v4().to_string()})
}

/// Opens a login of `user` straight in the database; returns its id, for a `sid` claim.
fn open_login(app: &TestApp, user: &str) -> String {
    let id = uuid::Uuid::new_v4();
    orgcms::accounts::auth::queries::create_session(&mut app.conn(), id, user.parse().unwrap())
        .unwrap();
    id.to_string()
}

fn sign(claims: &Value, alg: Algorithm, secret: &str) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn unsigned(alg: &str, claims: &Value) -> String {
    let header = json!({"alg": alg, "typ": "JWT"});
    format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// A write that must be refused with 401 and change nothing.
async fn assert_rejected(app: &TestApp, authorization: Option<String>, label: &str) {
    let mut request = app.anon().post(
        "/api/v1/news",
        json!({"title": {"en": format!("Should not exist {label}")}}),
    );
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    assert_invalid_token(request.await, label).await;
}

/// A 401 problem that tells the client its token is no good.
async fn assert_invalid_token(response: Response, label: &str) {
    assert_eq!(response.status(), 401, "{label}");
    assert_eq!(
        response.header("www-authenticate"),
        "Bearer error=\"invalid_token\"",
        "{label}"
    );
    response.problem(401).await;
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused() {
    let app = TestApp::seeded().await;
    let user = app.create_user("writer@example.org", "editor").to_string();
    let mut good = claims(&user);
    good["sid"] = json!(open_login(&app, &user));
    let other_user = app.create_user("other@example.org", "editor").to_string();
    let others_login = open_login(&app, &other_user);
    let valid = sign(&good, Algorithm::HS256, TEST_JWT_SECRET);
    let mut flipped = valid.clone().into_bytes();
    let last = flipped.len() - 2;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = good.clone();
        f(&mut c);
        sign(&c, Algorithm::HS256, TEST_JWT_SECRET)
    };
    let without = |claim: &str| {
        with(&|c| {
            c.as_object_mut().unwrap().remove(claim);
        })
    };
    let set = |claim: &str, value: Value| with(&|c| c[claim] = value.clone());
    let bearer = |token: String| Some(format!("Bearer {token}"));
    let now = Utc::now().timestamp();
    let deleted_user = {
        let id = app.create_user("gone@example.org", "editor");
        diesel::delete(users::table.find(id))
            .execute(&mut app.conn())
            .unwrap();
        sign(&claims(&id.to_string()), Algorithm::HS256, TEST_JWT_SECRET)
    };
    let deactivated_user = {
        let id = app.create_user("off@example.org", "editor");
        diesel::update(users::table.find(id))
            .set(users::active.eq(false))
            .execute(&mut app.conn())
            .unwrap();
        sign(&claims(&id.to_string()), Algorithm::HS256, TEST_JWT_SECRET)
    };
    let (_, refresh_token) = tokens_of(&app, "writer@example.org").await;

    let cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("empty", Some(String::new())),
        ("scheme only", Some("Bearer".into())),
        ("basic", Some("Basic d3JpdGVyOnBhc3N3b3Jk".into())),
        ("token without scheme", Some(valid.clone())),
        ("malformed", Some("Bearer not-a-jwt".into())),
        ("two parts", Some("Bearer abc.def".into())),
        ("alg none", bearer(unsigned("none", &good))),
        ("alg None", bearer(unsigned("None", &good))),
        ("alg NONE", bearer(unsigned("NONE", &good))),
        ("alg RS256", bearer(unsigned("RS256", &good))),
        (
            "alg ES256 with HMAC signature",
            Some(format!(
                "Bearer {}.{}",
                unsigned("ES256", &good).trim_end_matches('.'),
                valid.rsplit('.').next().unwrap()
            )),
        ),
        (
            "wrong key",
            bearer(sign(
                &good,
                Algorithm::HS256,
                "another-secret-another-secret-another",
            )),
        ),
        ("flipped signature bit", Some(format!("Bearer {flipped}"))),
        (
            "HS384",
            bearer(sign(&good, Algorithm::HS384, TEST_JWT_SECRET)),
        ),
        (
            "HS512",
            bearer(sign(&good, Algorithm::HS512, TEST_JWT_SECRET)),
        ),
        (
            "expired",
            bearer(with(&|c| {
                c["exp"] = json!(now - 120);
                c["iat"] = json!(now - 900);
                c["nbf"] = json!(now - 900);
            })),
        ),
        ("not yet valid", bearer(set("nbf", json!(now + 600)))),
        (
            "exp as string",
            bearer(set("exp", json!((now + 600).to_string()))),
        ),
        ("no exp", bearer(without("exp"))),
        ("no iss", bearer(without("iss"))),
        ("wrong iss", bearer(set("iss", json!("someone-else")))),
        ("no aud", bearer(without("aud"))),
        ("wrong aud", bearer(set("aud", json!("another-api")))),
        ("no sub", bearer(without("sub"))),
        ("sub not a uuid", bearer(set("sub", json!("admin")))),
        (
            "unknown sub",
            bearer(set("sub", json!(uuid::Uuid::new_v4().to_string()))),
        ),
        ("no sid", bearer(without("sid"))),
        ("sid not a uuid", bearer(set("sid", json!("login")))),
        (
            "unknown sid",
            bearer(set("sid", json!(uuid::Uuid::new_v4().to_string()))),
        ),
        (
            "another account's login",
            bearer(set("sid", json!(others_login))),
        ),
        (
            "refresh token as access token",
            Some(format!("Bearer {refresh_token}")),
        ),
        ("deleted user", Some(format!("Bearer {deleted_user}"))),
        (
            "deactivated user",
            Some(format!("Bearer {deactivated_user}")),
        ),
    ];
    for (label, header) in cases {
        assert_rejected(&app, header, label).await;
    }
    // A token in the query string is no token at all.
    app.anon()
        .post(
            &format!("/api/v1/news?access_token={valid}"),
            json!({"title": {"en": "Via query"}}),
        )
        .problem(401)
        .await;
    // Nothing was written by any of them.
    let count: i64 = news::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 1, "only the seed news item");
    // And the valid token works.
    let response = app
        .with_token(&valid)
        .post("/api/v1/news", json!({"title": {"en": "Valid"}}))
        .await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn login_me_refresh_rotation_and_logout() {
    let app = TestApp::new().await;
    app.create_user("ed@example.org", "editor");
    let response = app.login("ED@Example.org ", TEST_PASSWORD).await;
    assert_eq!(
        response.status(),
        200,
        "email case and spaces do not matter"
    );
    assert_eq!(response.header("cache-control"), "no-store");
    let tokens = response.json().await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let access = tokens["access_token"].as_str().unwrap();
    let me = app
        .with_token(access)
        .get("/api/v1/auth/me")
        .await
        .json()
        .await;
    assert_eq!(me["email"], "ed@example.org");
    assert_eq!(me["role"], "editor");
    assert!(me["last_login_at"].is_string());
    assert!(me.get("password_hash").is_none());
    let text = me.to_string();
    assert!(!text.contains("argon2"), "no hash anywhere");

    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let rotated = refresh_with(&app, &first).await.json().await;
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    // Reusing the rotated token revokes the whole login, the newest token included.
    refresh_with(&app, &first).problem(401).await;
    refresh_with(&app, &second).problem(401).await;

    // A fresh login, then logout revokes its refresh token.
    let (_, token) = tokens_of(&app, "ed@example.org").await;
    let logout = app
        .anon()
        .post("/api/v1/auth/logout", json!({"refresh_token": token}))
        .await;
    assert_eq!(logout.status(), 204);
    refresh_with(&app, &token).problem(401).await;
    refresh_with(&app, "made-up").problem(401).await;
}

#[tokio::test]
async fn wrong_email_and_wrong_password_look_the_same() {
    let app = TestApp::new().await;
    app.create_user("real@example.org", "editor");
    let wrong_password = app
        .login("real@example.org", "not the password")
        .problem(401)
        .await;
    let wrong_email = app
        .login("nobody@example.org", TEST_PASSWORD)
        .problem(401)
        .await;
    assert_eq!(wrong_password, wrong_email);
    let missing = app
        .anon()
        .post("/api/v1/auth/login", json!({"email": "x"}))
        .await;
    missing.problem(422).await;
}

#[tokio::test]
async fn repeated_failures_get_429_that_cannot_be_dodged() {
    let app = limited_to("3").await;
    app.create_user("target@example.org", "editor");
    for _ in 0..3 {
        app.login("target@example.org", "guess").problem(401).await;
    }
    let limited = app.login("target@example.org", TEST_PASSWORD).await;
    assert!(limited.header("retry-after").parse::<u64>().unwrap() > 0);
    limited.problem(429).await;
    for (path, email, forwarded) in [
        ("/api/v1/auth/login", "TARGET@example.org", None),
        ("/api/v1/auth/login?x=1", "target@example.org", None),
        (
            "/api/v1/auth/login",
            " target@example.org",
            Some("203.0.113.7"),
        ),
    ] {
        let mut request = app
            .anon()
            .post(path, json!({"email": email, "password": TEST_PASSWORD}));
        if let Some(ip) = forwarded {
            request = request
                .header("X-Forwarded-For", ip)
                .header("Forwarded", format!("for={ip}"));
        }
        let response = request.await;
        assert_eq!(response.status(), 429, "{path} {email} {forwarded:?}");
    }
    for path in [
        "/api/v1/auth/login/",
        "/API/V1/AUTH/LOGIN",
        "/api/v1//auth/login",
    ] {
        let response = app
            .anon()
            .post(
                path,
                json!({"email": "target@example.org", "password": TEST_PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 404, "{path} is no way around the limit");
    }
    // Other accounts from the same address still get in (the address limit is higher).
    app.create_user("other@example.org", "editor");
    assert_eq!(
        app.login("other@example.org", TEST_PASSWORD).await.status(),
        200
    );
}

#[tokio::test]
async fn editors_are_not_administrators() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let response = editor.get("/api/v1/users").await;
    response.problem(403).await;
}

#[tokio::test]
async fn hostile_login_bodies_get_4xx() {
    let app = TestApp::new().await;
    for body in [
        json!({"email": "' OR 1=1 --", "password": "' OR 1=1 --"}),
        json!({"email": "x".repeat(10_000), "password": "y".repeat(10_000)}),
    ] {
        let response = app.anon().post("/api/v1/auth/login", body).await;
        response.problem(401).await;
    }
    for body in [
        // A NUL (or any character no output can carry) is refused before any lookup.
        json!({"email": "a\u{0}b@example.org", "password": "x"}),
        json!({"email": 1, "password": "x"}),
        json!({"email": "a@b.c", "password": "x", "admin": true}),
        json!("text"),
    ] {
        let response = app.anon().post("/api/v1/auth/login", body).await;
        response.problem(422).await;
    }
    let refresh = app
        .anon()
        .post("/api/v1/auth/refresh", json!({"refresh_token": "\u{0}"}))
        .await;
    assert_eq!(error_fields(&refresh.problem(422).await), ["refresh_token"]);
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_under_the_limit() {
    let app = limited_to("3").await;
    app.create_user("target@example.org", "editor");
    let guesses = (0..12).map(|i| {
        let app = &app;
        async move {
            app.login("target@example.org", &format!("guess {i}"))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 3, "at most the limit is checked: {statuses:?}");
    assert_eq!(
        checked + statuses.iter().filter(|s| **s == 429).count(),
        12,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn concurrent_use_of_one_refresh_token_leaves_no_valid_login() {
    let app = TestApp::new().await;
    app.create_user("ed@example.org", "editor");
    let (_, token) = tokens_of(&app, "ed@example.org").await;
    let responses =
        futures_util::future::join_all((0..5).map(|_| refresh_with(&app, &token).send())).await;
    let mut issued = Vec::new();
    for response in responses {
        if response.status() == 200 {
            let body = response.json().await;
            issued.push(body["refresh_token"].as_str().unwrap().to_owned());
        } else {
            assert_eq!(response.status(), 401);
        }
    }
    assert!(issued.len() <= 1, "one rotation at most");
    for token in issued {
        refresh_with(&app, &token).problem(401).await;
    }
}

#[tokio::test]
async fn a_bad_token_is_401_whatever_else_is_wrong() {
    let app = TestApp::new().await;
    let id = app.create_user("off@example.org", "editor");
    let token = sign(&claims(&id.to_string()), Algorithm::HS256, TEST_JWT_SECRET);
    diesel::update(users::table.find(id))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    app.with_token(&token)
        .request(Method::PATCH, "/api/v1/news/anything")
        .raw("text/plain", "not json")
        .if_match("not-quoted")
        .problem(401)
        .await;
}

/// A login from `client`, as a trusted proxy on 127.0.0.1 forwards it.
fn login_from(app: &TestApp, client: &str, email: &str, password: &str) -> Request {
    app.login(email, password).header("X-Forwarded-For", client)
}

/// A server that throttles an account after `max_failures` failed logins.
async fn limited_to(max_failures: &str) -> TestApp {
    TestApp::builder()
        .env("ORGCMS_LOGIN_MAX_FAILURES", max_failures)
        .spawn()
        .await
}

async fn behind_a_proxy(max_failures: &str) -> TestApp {
    TestApp::builder()
        .env("ORGCMS_LOGIN_MAX_FAILURES", max_failures)
        .env("ORGCMS_TRUSTED_PROXIES", "127.0.0.1")
        .spawn()
        .await
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out() {
    let app = behind_a_proxy("3").await;
    app.create_user("owner@example.org", "admin");
    let attacker = "203.0.113.66";
    for _ in 0..3 {
        let guess = login_from(&app, attacker, "owner@example.org", "guess").await;
        guess.problem(401).await;
    }
    // The attacker's address is throttled for this account, even with the right password.
    let limited = login_from(&app, attacker, "owner@example.org", TEST_PASSWORD).await;
    assert!(limited.headers().contains_key("retry-after"));
    limited.problem(429).await;
    // The owner, from another address, gets in.
    let owner = login_from(&app, "198.51.100.10", "owner@example.org", TEST_PASSWORD).await;
    assert_eq!(owner.status(), 200);
    // And the owner's login frees nobody else: the attacker is still throttled.
    let again = login_from(&app, attacker, "owner@example.org", "guess").await;
    again.problem(429).await;
    // Without a trusted proxy, X-Forwarded-For is no way to another address.
    let direct = limited_to("3").await;
    direct.create_user("owner@example.org", "admin");
    for i in 0..3 {
        let client = format!("198.51.100.{i}");
        let guess = login_from(&direct, &client, "owner@example.org", "guess").await;
        guess.problem(401).await;
    }
    let forged = login_from(&direct, "198.51.100.99", "owner@example.org", TEST_PASSWORD).await;
    forged.problem(429).await;
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_throttled() {
    let app = behind_a_proxy("2").await;
    let sprayer = "203.0.113.77";
    // Four times the per-account limit across accounts, then 429 for any account.
    for i in 0..8 {
        let email = format!("user{i}@example.org");
        let guess = login_from(&app, sprayer, &email, "guess").await;
        guess.problem(401).await;
    }
    app.create_user("fresh@example.org", "editor");
    let refused = login_from(&app, sprayer, "fresh@example.org", TEST_PASSWORD).await;
    refused.problem(429).await;
    // Another address is not concerned.
    let other = login_from(&app, "198.51.100.20", "fresh@example.org", TEST_PASSWORD).await;
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn many_addresses_against_one_account_get_one_guess_each_and_the_owner_still_gets_in() {
    let app = behind_a_proxy("2").await;
    app.create_user("owner@example.org", "admin");
    // Four addresses use up their own limit: four times the limit on the account.
    for a in 1..=4 {
        for _ in 0..2 {
            let client = format!("203.0.113.{a}");
            let guess = login_from(&app, &client, "owner@example.org", "guess").await;
            guess.problem(401).await;
        }
    }
    // Now an address that has failed on the account before gets no more guesses...
    let fifth = "203.0.113.5";
    let first = login_from(&app, fifth, "owner@example.org", "guess").await;
    first.problem(401).await;
    let second = login_from(&app, fifth, "owner@example.org", "guess").await;
    second.problem(429).await;
    // ...while a clean address is still checked: the owner gets in, a wrong password is a 401.
    let owner = login_from(&app, "198.51.100.30", "owner@example.org", TEST_PASSWORD).await;
    assert_eq!(owner.status(), 200);
    let typo = login_from(&app, "198.51.100.31", "owner@example.org", "typo").await;
    typo.problem(401).await;
}

/// Logs in; returns the access and refresh tokens.
async fn tokens_of(app: &TestApp, email: &str) -> (String, String) {
    let response = app.login(email, TEST_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body = response.json().await;
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

fn refresh_with(app: &TestApp, token: &str) -> Request {
    app.anon()
        .post("/api/v1/auth/refresh", json!({"refresh_token": token}))
}

/// The access token works for a read of the account and for a write.
async fn assert_access(app: &TestApp, access: &str) {
    let me = app.with_token(access).get("/api/v1/auth/me").await;
    assert_eq!(me.status(), 200);
}

/// The access token is refused at once, for reads and writes alike.
async fn assert_no_access(app: &TestApp, access: &str, label: &str) {
    let me = app.with_token(access).get("/api/v1/auth/me").await;
    assert_invalid_token(me, label).await;
    assert_rejected(app, Some(format!("Bearer {access}")), label).await;
}

#[tokio::test]
async fn logout_ends_the_access_token_of_that_login_at_once() {
    let app = TestApp::new().await;
    app.create_user("ed@example.org", "editor");
    let (access, refresh) = tokens_of(&app, "ed@example.org").await;
    let (other_access, _) = tokens_of(&app, "ed@example.org").await;
    assert_access(&app, &access).await;
    let logout = app
        .anon()
        .post("/api/v1/auth/logout", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(logout.status(), 204);
    assert_no_access(&app, &access, "after logout").await;
    // Another login of the same account goes on.
    assert_access(&app, &other_access).await;
}

#[tokio::test]
async fn refresh_token_reuse_ends_the_access_tokens_of_that_login_at_once() {
    let app = TestApp::new().await;
    app.create_user("ed@example.org", "editor");
    let (first_access, first_refresh) = tokens_of(&app, "ed@example.org").await;
    let (other_access, _) = tokens_of(&app, "ed@example.org").await;
    let rotated = refresh_with(&app, &first_refresh).await.json().await;
    let second_access = rotated["access_token"].as_str().unwrap().to_owned();
    assert_access(&app, &first_access).await;
    assert_access(&app, &second_access).await;
    // The used refresh token comes back: stolen. The whole login ends.
    refresh_with(&app, &first_refresh).problem(401).await;
    assert_no_access(&app, &first_access, "first access token after reuse").await;
    assert_no_access(&app, &second_access, "rotated access token after reuse").await;
    assert_access(&app, &other_access).await;
}

#[tokio::test]
async fn a_password_change_ends_every_login_of_the_account_at_once() {
    let app = TestApp::new().await;
    let id = app.create_user("ed@example.org", "editor");
    let (first, _) = tokens_of(&app, "ed@example.org").await;
    let (second, _) = tokens_of(&app, "ed@example.org").await;
    let admin = app.token_for("admin").await;
    let changed = app
        .with_token(&admin)
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({"password": "a brand new long passphrase"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_no_access(&app, &first, "first login after password change").await;
    assert_no_access(&app, &second, "second login after password change").await;
    // The administrator's own login is another account's: it goes on.
    assert_access(&app, &admin).await;
    let fresh = app
        .login("ed@example.org", "a brand new long passphrase")
        .await;
    assert_eq!(fresh.status(), 200);
}
