use crate::helpers::factories::insert_mission;
use crate::helpers::{error_fields, slugs, TestApp};

#[tokio::test]
async fn ukraine_mission_has_its_history_work_and_figures() {
    let app = TestApp::seeded().await;
    let m = app.get("/api/v1/missions/ukraine").good().await;
    assert_eq!(m["country_code"], "UA");
    assert_eq!(m["office_city"], "Kyiv");
    assert_eq!(m["started_year"], 1996);
    let milestones: Vec<(String, i64)> = m["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["kind"].as_str().unwrap().to_owned(),
                x["year"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        milestones,
        [
            ("office_opened".to_owned(), 1996),
            ("observer".to_owned(), 1996),
            ("membership_application".to_owned(), 2001),
            ("membership".to_owned(), 2002),
        ]
    );
    assert!(m["milestones"][3]["title"]
        .as_str()
        .unwrap()
        .contains("ratified"));
    assert_eq!(m["focus_areas"].as_array().unwrap().len(), 4);
    assert_eq!(m["focus_areas"][1]["title"], "Combating human trafficking");
    let figure = &m["key_figures"][0];
    assert_eq!(figure["value"], serde_json::json!(6_000_000));
    assert!(
        figure["value"].is_u64(),
        "whole numbers are sent as integers"
    );
    assert_eq!(figure["approximate"], true);
    assert_eq!(figure["unit"], "people");
    let assistance: Vec<&str> = m["assistance_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(assistance.len(), 7);
    assert_eq!(assistance[2], "Multi-purpose cash assistance");
    assert_eq!(assistance[6], "Other types of support");
}

#[tokio::test]
async fn mission_by_id_equals_mission_by_slug() {
    let app = TestApp::seeded().await;
    let by_slug = app.get("/api/v1/missions/ukraine").good().await;
    let by_id = app
        .get(&format!(
            "/api/v1/missions/{}",
            by_slug["id"].as_str().unwrap()
        ))
        .good()
        .await;
    assert_eq!(by_id, by_slug);
}

#[tokio::test]
async fn lists_filters_and_sorts_missions() {
    let app = TestApp::seeded().await;
    let mut conn = app.conn();
    insert_mission(&mut conn, "moldova", "MD", Some(2001));
    insert_mission(&mut conn, "armenia", "AM", None);

    let all = app.get("/api/v1/missions").good().await;
    assert_eq!(slugs(&all), ["armenia", "moldova", "ukraine"]);
    assert!(
        all["data"][0].get("milestones").is_none(),
        "lists carry summaries"
    );
    assert_eq!(all["meta"]["total"], 3);

    let desc = app.get("/api/v1/missions?sort=-slug").good().await;
    assert_eq!(slugs(&desc), ["ukraine", "moldova", "armenia"]);
    let by_year = app.get("/api/v1/missions?sort=started_year").good().await;
    assert_eq!(
        slugs(&by_year),
        ["ukraine", "moldova", "armenia"],
        "no year sorts last"
    );
    let by_country = app.get("/api/v1/missions?sort=-country_code").good().await;
    assert_eq!(slugs(&by_country), ["ukraine", "moldova", "armenia"]);

    assert_eq!(
        slugs(&app.get("/api/v1/missions?country=UA").good().await),
        ["ukraine"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/missions?country=md").good().await),
        ["moldova"]
    );
    let none = app.get("/api/v1/missions?country=FR").good().await;
    assert_eq!(slugs(&none).len(), 0);
    assert_eq!(none["meta"]["total"], 0);
}

#[tokio::test]
async fn bad_mission_parameters_are_400() {
    let app = TestApp::seeded().await;
    for (query, field) in [
        ("country=UKR", "country"),
        ("country=U1", "country"),
        ("sort=name", "sort"),
        ("sort=-id", "sort"),
        ("status=draft", "status"),
        ("per_page=101", "per_page"),
    ] {
        let problem = app
            .get(&format!("/api/v1/missions?{query}"))
            .problem(400)
            .await;
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
}

#[tokio::test]
async fn unknown_mission_is_404() {
    let app = TestApp::seeded().await;
    app.get("/api/v1/missions/atlantis").problem(404).await;
}
