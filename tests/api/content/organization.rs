use crate::helpers::TestApp;

#[tokio::test]
async fn profile_has_the_seed_figures_as_numbers() {
    let app = TestApp::seeded().await;
    let response = app.get("/api/v1/organization").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("content-type"), "application/json");
    let body: serde_json::Value = response.json().await;
    assert_eq!(body["name"], "International Organization for Migration");
    assert_eq!(body["acronym"], "IOM");
    assert_eq!(body["founded_year"], 1951);
    assert_eq!(body["un_system_member"], true);
    assert_eq!(body["member_states"], 175);
    assert_eq!(body["observer_states"], 8);
    assert_eq!(body["countries_with_offices"], 171);
    assert_eq!(body["version"], 1);
    assert!(body["mission_statement"]
        .as_str()
        .unwrap()
        .contains("humane and orderly migration"));
    assert!(body["constitution_note"]
        .as_str()
        .unwrap()
        .contains("freedom of movement"));
    assert!(body["id"].as_str().unwrap().len() == 36);
}

#[tokio::test]
async fn missing_profile_is_a_404_problem() {
    let app = TestApp::new().await;
    app.get("/api/v1/organization").problem(404).await;
}

#[tokio::test]
async fn profile_takes_only_the_locale_parameter() {
    let app = TestApp::seeded().await;
    let problem = app.get("/api/v1/organization?page=1").problem(400).await;
    assert_eq!(problem["errors"][0]["field"], "page");
    assert_eq!(
        app.get("/api/v1/organization?locale=uk").await.status(),
        200
    );
}
