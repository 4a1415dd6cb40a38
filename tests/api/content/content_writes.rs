//! Writes of the profile, objectives and missions, and the audit trail.

use serde_json::{json, Value};

use crate::helpers::{error_fields, slugs, TestApp};

#[tokio::test]
async fn organization_put_and_patch() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let editor_view = editor.get("/api/v1/organization").await;
    assert_eq!(editor_view.header("cache-control"), "private, no-store");
    let etag = editor_view.etag();
    let current = editor_view.json().await;
    assert_eq!(
        current["name"]["en"], "International Organization for Migration",
        "all locales"
    );

    let patched = editor
        .patch(
            "/api/v1/organization",
            json!({"member_states": 176, "name": {"uk": "Міжнародна організація з міграції"}}),
        )
        .if_match(&etag)
        .await;
    assert_eq!(patched.status(), 200);
    let patched = patched.json().await;
    assert_eq!(patched["member_states"], 176);
    assert_eq!(patched["version"], 2);
    let uk = app.get("/api/v1/organization?locale=uk").good().await;
    assert_eq!(uk["name"], "Міжнародна організація з міграції");
    assert_eq!(uk["member_states"], 176);

    editor
        .patch("/api/v1/organization", json!({"member_states": 1}))
        .if_match(&etag)
        .problem(412)
        .await;
    let bad = editor
        .patch(
            "/api/v1/organization",
            json!({"member_states": -1, "founded_year": "1951"}),
        )
        .await;
    let problem = bad.problem(422).await;
    assert_eq!(error_fields(&problem), ["founded_year"], "types first");
    let bad = editor
        .patch(
            "/api/v1/organization",
            json!({"member_states": -1, "acronym": ""}),
        )
        .await;
    let mut fields = error_fields(&bad.problem(422).await);
    fields.sort();
    assert_eq!(fields, ["acronym", "member_states"]);
    let delete = editor.delete("/api/v1/organization").await;
    assert_eq!(delete.header("allow"), "GET, HEAD, PUT, PATCH");
    delete.problem(405).await;

    let mut whole = patched.clone();
    for key in ["id", "created_at", "updated_at", "version"] {
        whole.as_object_mut().unwrap().remove(key);
    }
    whole["acronym"] = json!("IOM-UN");
    let put = editor.put("/api/v1/organization", whole).await;
    assert_eq!(put.status(), 200);
}

#[tokio::test]
async fn organization_put_creates_the_missing_profile() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let body = json!({"name": {"en": "Org"}, "acronym": "ORG", "founded_year": 2000, "un_system_member": false,
                      "member_states": 1, "observer_states": 0, "countries_with_offices": 1});
    editor
        .patch("/api/v1/organization", json!({"acronym": "X"}))
        .problem(404)
        .await;
    let created = editor.put("/api/v1/organization", body.clone()).await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.header("location"), "/api/v1/organization");
    assert_eq!(
        app.get("/api/v1/organization").good().await["acronym"],
        "ORG"
    );
    let again = editor.put("/api/v1/organization", body).await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json().await["version"],
        1,
        "an unchanged PUT is no new version"
    );
}

#[tokio::test]
async fn objectives_crud_keeps_order() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let created = editor
        .post(
            "/api/v1/objectives",
            json!({"title": {"en": "A Fourth Objective"}}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let location = created.location();
    let body = created.json().await;
    assert_eq!(body["slug"], "a-fourth-objective");
    assert_eq!(body["position"], 4, "new objectives go last");
    assert_eq!(
        slugs(&app.get("/api/v1/objectives").good().await)
            .last()
            .unwrap(),
        "a-fourth-objective"
    );

    let moved = editor.patch(&location, json!({"position": 0})).await;
    assert_eq!(moved.status(), 200);
    assert_eq!(
        slugs(&app.get("/api/v1/objectives").good().await)[0],
        "a-fourth-objective"
    );
    let editor_list = editor.get("/api/v1/objectives").good().await;
    assert_eq!(
        editor_list["data"][0]["title"],
        json!({"en": "A Fourth Objective"})
    );

    editor
        .post(
            "/api/v1/objectives",
            json!({"title": {"en": "x"}, "position": -5}),
        )
        .problem(422)
        .await;
    editor
        .put("/api/v1/objectives/no-such", json!({"title": {"en": "x"}}))
        .problem(404)
        .await;
    assert_eq!(editor.delete(&location).await.status(), 204);
    assert_eq!(slugs(&app.get("/api/v1/objectives").good().await).len(), 3);
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
    let editor = app.as_editor().await;
    let created = editor.post("/api/v1/missions", mission_body()).await;
    assert_eq!(created.status(), 201);
    let location = created.location();
    let etag = created.etag();
    let body = created.json().await;
    assert_eq!(body["slug"], "iom-mission-in-moldova");
    let public = app
        .get("/api/v1/missions/iom-mission-in-moldova")
        .good()
        .await;
    assert_eq!(public["key_figures"][0]["value"], 1500.5);
    assert_eq!(public["milestones"][0]["date"], "2001-03-01");

    // Changing only a part is a new version.
    let patched = editor
        .patch(
            &location,
            json!({"assistance_types": [{"name": {"en": "Cash"}}, {"name": {"en": "Shelter"}}]}),
        )
        .if_match(&etag)
        .await;
    assert_eq!(patched.status(), 200);
    let patched = patched.json().await;
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
        let response = editor.patch(&location, patch.clone()).await;
        let problem = response.problem(422).await;
        assert_eq!(error_fields(&problem), [field], "{patch}");
    }
    let taken = editor.patch(&location, json!({"slug": "ukraine"})).await;
    taken.problem(409).await;

    assert_eq!(editor.delete(&location).await.status(), 204);
    app.get("/api/v1/missions/iom-mission-in-moldova")
        .problem(404)
        .await;
}

#[tokio::test]
async fn deleting_a_mission_keeps_its_news() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    assert_eq!(
        editor.delete("/api/v1/missions/ukraine").await.status(),
        204
    );
    let news = app.get("/api/v1/news?total=true").good().await;
    assert_eq!(news["meta"]["total"], 1);
    assert!(news["data"][0]["mission"].is_null());
}

#[tokio::test]
async fn the_audit_trail_is_for_administrators_and_filters() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let admin = app.as_admin().await;
    editor
        .post(
            "/api/v1/objectives",
            json!({"title": {"en": "Audited objective"}}),
        )
        .await;
    editor
        .patch(
            "/api/v1/missions/ukraine",
            json!({"office_city": {"uk": "Київ"}}),
        )
        .await;
    admin.post("/api/v1/users", json!({"email": "n@example.org", "display_name": "N", "role": "editor", "password": "a long enough password"})).await;

    editor.get("/api/v1/audit").problem(403).await;
    app.get("/api/v1/audit").problem(401).await;
    let all = admin.get("/api/v1/audit?total=true").good().await;
    assert_eq!(all["meta"]["total"], 3);
    assert_eq!(all["data"][0]["resource"], "users", "newest first");
    assert!(
        !all.to_string().contains("argon2"),
        "no password hashes in the trail"
    );
    let missions = admin
        .get("/api/v1/audit?total=true&resource=missions")
        .good()
        .await;
    assert_eq!(missions["meta"]["total"], 1);
    assert_eq!(
        missions["data"][0]["changes"]["office_city"]["to"],
        json!({"en": "Kyiv", "uk": "Київ"})
    );
    let user_id = missions["data"][0]["user_id"].as_str().unwrap().to_owned();
    let by_user = admin
        .get(&format!("/api/v1/audit?total=true&user={user_id}"))
        .good()
        .await;
    assert_eq!(by_user["meta"]["total"], 2);
    let future = admin
        .get("/api/v1/audit?total=true&since=2999-01-01")
        .good()
        .await;
    assert_eq!(future["meta"]["total"], 0);
    let past = admin
        .get("/api/v1/audit?total=true&until=2000-01-01")
        .good()
        .await;
    assert_eq!(past["meta"]["total"], 0);
    admin
        .get("/api/v1/audit?resource=secrets")
        .problem(400)
        .await;
}

#[tokio::test]
async fn a_mission_update_that_drops_the_year_clears_it() {
    let app = TestApp::seeded().await;
    let editor = app.as_editor().await;
    let created = editor.post("/api/v1/missions", mission_body()).await;
    assert_eq!(created.status(), 201);
    let location = created.location();
    let cleared = editor
        .patch(&location, json!({"started_year": null}))
        .if_match("*")
        .await;
    assert_eq!(cleared.status(), 200);
    let body = cleared.json().await;
    assert!(body["started_year"].is_null(), "{body}");
}
