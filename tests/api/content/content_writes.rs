//! Writes of the profile, objectives and missions, and the audit trail.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, slugs, TestApp};

#[tokio::test]
async fn organization_put_and_patch() {
    let app = TestApp::seeded().await;
    let token = app.editor_token().await;
    let editor_view = app
        .send(Method::GET, "/api/v1/organization", &token, None, &[])
        .await;
    assert_eq!(editor_view.headers()["cache-control"], "private, no-store");
    let etag = editor_view.headers()["etag"].to_str().unwrap().to_owned();
    let current: Value = editor_view.json().await.unwrap();
    assert_eq!(
        current["name"]["en"], "International Organization for Migration",
        "all locales"
    );

    let patched = app
        .send(
            Method::PATCH,
            "/api/v1/organization",
            &token,
            Some(
                json!({"member_states": 176, "name": {"uk": "Міжнародна організація з міграції"}}),
            ),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["member_states"], 176);
    assert_eq!(patched["version"], 2);
    let uk = app.get_json("/api/v1/organization?locale=uk").await;
    assert_eq!(uk["name"], "Міжнародна організація з міграції");
    assert_eq!(uk["member_states"], 176);

    assert_problem(
        app.send(
            Method::PATCH,
            "/api/v1/organization",
            &token,
            Some(json!({"member_states": 1})),
            &[("If-Match", &etag)],
        )
        .await,
        412,
    )
    .await;
    let bad = app
        .send(
            Method::PATCH,
            "/api/v1/organization",
            &token,
            Some(json!({"member_states": -1, "founded_year": "1951"})),
            &[],
        )
        .await;
    let problem = assert_problem(bad, 422).await;
    assert_eq!(error_fields(&problem), ["founded_year"], "types first");
    let bad = app
        .send(
            Method::PATCH,
            "/api/v1/organization",
            &token,
            Some(json!({"member_states": -1, "acronym": ""})),
            &[],
        )
        .await;
    let mut fields = error_fields(&assert_problem(bad, 422).await);
    fields.sort();
    assert_eq!(fields, ["acronym", "member_states"]);
    let delete = app
        .send(Method::DELETE, "/api/v1/organization", &token, None, &[])
        .await;
    assert_eq!(delete.headers()["allow"], "GET, HEAD, PUT, PATCH");
    assert_problem(delete, 405).await;

    let mut whole = patched.clone();
    for key in ["id", "created_at", "updated_at", "version"] {
        whole.as_object_mut().unwrap().remove(key);
    }
    whole["acronym"] = json!("IOM-UN");
    let put = app
        .send(
            Method::PUT,
            "/api/v1/organization",
            &token,
            Some(whole),
            &[],
        )
        .await;
    assert_eq!(put.status(), 200);
}

#[tokio::test]
async fn organization_put_creates_the_missing_profile() {
    let app = TestApp::new().await;
    let token = app.editor_token().await;
    let body = json!({"name": {"en": "Org"}, "acronym": "ORG", "founded_year": 2000, "un_system_member": false,
                      "member_states": 1, "observer_states": 0, "countries_with_offices": 1});
    assert_problem(
        app.send(
            Method::PATCH,
            "/api/v1/organization",
            &token,
            Some(json!({"acronym": "X"})),
            &[],
        )
        .await,
        404,
    )
    .await;
    let created = app
        .send(
            Method::PUT,
            "/api/v1/organization",
            &token,
            Some(body.clone()),
            &[],
        )
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["location"], "/api/v1/organization");
    assert_eq!(app.get_json("/api/v1/organization").await["acronym"], "ORG");
    let again = app
        .send(Method::PUT, "/api/v1/organization", &token, Some(body), &[])
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<Value>().await.unwrap()["version"],
        1,
        "an unchanged PUT is no new version"
    );
}

#[tokio::test]
async fn objectives_crud_keeps_order() {
    let app = TestApp::seeded().await;
    let token = app.editor_token().await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/objectives",
            &token,
            Some(json!({"title": {"en": "A Fourth Objective"}})),
            &[],
        )
        .await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["slug"], "a-fourth-objective");
    assert_eq!(body["position"], 4, "new objectives go last");
    assert_eq!(
        slugs(&app.get_json("/api/v1/objectives").await)
            .last()
            .unwrap(),
        "a-fourth-objective"
    );

    let moved = app
        .send(
            Method::PATCH,
            &location,
            &token,
            Some(json!({"position": 0})),
            &[],
        )
        .await;
    assert_eq!(moved.status(), 200);
    assert_eq!(
        slugs(&app.get_json("/api/v1/objectives").await)[0],
        "a-fourth-objective"
    );
    let editor_list: Value = app
        .send(Method::GET, "/api/v1/objectives", &token, None, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        editor_list["data"][0]["title"],
        json!({"en": "A Fourth Objective"})
    );

    assert_problem(
        app.send(
            Method::POST,
            "/api/v1/objectives",
            &token,
            Some(json!({"title": {"en": "x"}, "position": -5})),
            &[],
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.send(
            Method::PUT,
            "/api/v1/objectives/no-such",
            &token,
            Some(json!({"title": {"en": "x"}})),
            &[],
        )
        .await,
        404,
    )
    .await;
    assert_eq!(
        app.send(Method::DELETE, &location, &token, None, &[])
            .await
            .status(),
        204
    );
    assert_eq!(slugs(&app.get_json("/api/v1/objectives").await).len(), 3);
}

fn mission_body() -> Value {
    json!({
        "country_code": "MD",
        "name": {"en": "IOM Mission in Moldova"},
        "office_city": {"en": "Chisinau"},
        "started_year": 2001,
        "milestones": [{"kind": "office_opened", "year": 2001, "date": "2001-03-01", "title": {"en": "Opened"}}],
        "focus_areas": [{"title": {"en": "Counter-trafficking"}}],
        "key_figures": [{"label": {"en": "People reached"}, "value": 1500.5, "unit": "people", "approximate": true}],
        "assistance_types": [{"name": {"en": "Cash"}}]
    })
}

#[tokio::test]
async fn missions_are_written_with_their_parts() {
    let app = TestApp::seeded().await;
    let token = app.editor_token().await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/missions",
            &token,
            Some(mission_body()),
            &[],
        )
        .await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["slug"], "iom-mission-in-moldova");
    let public = app
        .get_json("/api/v1/missions/iom-mission-in-moldova")
        .await;
    assert_eq!(public["key_figures"][0]["value"], 1500.5);
    assert_eq!(public["milestones"][0]["date"], "2001-03-01");

    // Changing only a part is a new version.
    let patched = app
        .send(Method::PATCH, &location, &token, Some(json!({"assistance_types": [{"name": {"en": "Cash"}}, {"name": {"en": "Shelter"}}]})), &[("If-Match", &etag)])
        .await;
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["version"], 2);
    assert_eq!(patched["assistance_types"].as_array().unwrap().len(), 2);
    assert_eq!(
        patched["milestones"].as_array().unwrap().len(),
        1,
        "other parts stay"
    );

    let cases = [
        (json!({"country_code": "XX"}), "country_code"),
        (json!({"country_code": "md"}), "country_code"),
        (json!({"started_year": 1900}), "started_year"),
        (
            json!({"milestones": [{"kind": "founded", "year": 2001, "title": {"en": "x"}}]}),
            "milestones[0].kind",
        ),
        (
            json!({"milestones": [{"kind": "other", "year": 2001, "date": "2002-01-01", "title": {"en": "x"}}]}),
            "milestones[0].date",
        ),
        (
            json!({"key_figures": [{"label": {"en": "x"}, "value": "many"}]}),
            "key_figures[0].value",
        ),
        (
            json!({"focus_areas": [{"title": {"uk": "лише"}}]}),
            "focus_areas[0].title.en",
        ),
    ];
    for (patch, field) in cases {
        let response = app
            .send(Method::PATCH, &location, &token, Some(patch.clone()), &[])
            .await;
        let problem = assert_problem(response, 422).await;
        assert_eq!(error_fields(&problem), [field], "{patch}");
    }
    let taken = app
        .send(
            Method::PATCH,
            &location,
            &token,
            Some(json!({"slug": "ukraine"})),
            &[],
        )
        .await;
    assert_problem(taken, 409).await;

    assert_eq!(
        app.send(Method::DELETE, &location, &token, None, &[])
            .await
            .status(),
        204
    );
    assert_problem(
        app.get("/api/v1/missions/iom-mission-in-moldova").await,
        404,
    )
    .await;
}

#[tokio::test]
async fn deleting_a_mission_keeps_its_news() {
    let app = TestApp::seeded().await;
    let token = app.editor_token().await;
    assert_eq!(
        app.send(
            Method::DELETE,
            "/api/v1/missions/ukraine",
            &token,
            None,
            &[]
        )
        .await
        .status(),
        204
    );
    let news = app.get_json("/api/v1/news?total=true").await;
    assert_eq!(news["meta"]["total"], 1);
    assert!(news["data"][0]["mission"].is_null());
}

#[tokio::test]
async fn the_audit_trail_is_for_administrators_and_filters() {
    let app = TestApp::seeded().await;
    let editor = app.editor_token().await;
    let admin = app.token_for("admin").await;
    app.send(
        Method::POST,
        "/api/v1/objectives",
        &editor,
        Some(json!({"title": {"en": "Audited objective"}})),
        &[],
    )
    .await;
    app.send(
        Method::PATCH,
        "/api/v1/missions/ukraine",
        &editor,
        Some(json!({"office_city": {"uk": "Київ"}})),
        &[],
    )
    .await;
    app.send(Method::POST, "/api/v1/users", &admin, Some(json!({"email": "n@example.org", "display_name": "N", "role": "editor", "password": "a long enough password"})), &[]).await;

    assert_problem(
        app.send(Method::GET, "/api/v1/audit", &editor, None, &[])
            .await,
        403,
    )
    .await;
    assert_problem(app.get("/api/v1/audit").await, 401).await;
    let all: Value = app
        .send(Method::GET, "/api/v1/audit?total=true", &admin, None, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["meta"]["total"], 3);
    assert_eq!(all["data"][0]["resource"], "users", "newest first");
    assert!(
        !all.to_string().contains("argon2"),
        "no password hashes in the trail"
    );
    let missions: Value = app
        .send(
            Method::GET,
            "/api/v1/audit?total=true&resource=missions",
            &admin,
            None,
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(missions["meta"]["total"], 1);
    assert_eq!(
        missions["data"][0]["changes"]["office_city"]["to"],
        json!({"en": "Kyiv", "uk": "Київ"})
    );
    let user_id = missions["data"][0]["user_id"].as_str().unwrap().to_owned();
    let by_user: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/audit?total=true&user={user_id}"),
            &admin,
            None,
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_user["meta"]["total"], 2);
    let future: Value = app
        .send(
            Method::GET,
            "/api/v1/audit?total=true&since=2999-01-01",
            &admin,
            None,
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(future["meta"]["total"], 0);
    let past: Value = app
        .send(
            Method::GET,
            "/api/v1/audit?total=true&until=2000-01-01",
            &admin,
            None,
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(past["meta"]["total"], 0);
    assert_problem(
        app.send(
            Method::GET,
            "/api/v1/audit?resource=secrets",
            &admin,
            None,
            &[],
        )
        .await,
        400,
    )
    .await;
}

#[tokio::test]
async fn a_mission_update_that_drops_the_year_clears_it() {
    let app = TestApp::seeded().await;
    let token = app.editor_token().await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/missions",
            &token,
            Some(mission_body()),
            &[],
        )
        .await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let cleared = app
        .send(
            Method::PATCH,
            &location,
            &token,
            Some(json!({"started_year": null})),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(cleared.status(), 200);
    let body: Value = cleared.json().await.unwrap();
    assert!(body["started_year"].is_null(), "{body}");
}
