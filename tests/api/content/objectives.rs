use crate::helpers::{slugs, TestApp};

const SEED_SLUGS: [&str; 3] = [
    "saving-lives-and-protecting-people-on-the-move",
    "driving-solutions-to-displacement",
    "facilitating-pathways-for-regular-migration",
];

#[tokio::test]
async fn lists_the_three_objectives_in_order() {
    let app = TestApp::seeded().await;
    let body = app.get("/api/v1/objectives").good().await;
    assert_eq!(slugs(&body), SEED_SLUGS);
    assert_eq!(body["data"][0]["position"], 1);
    assert_eq!(
        body["data"][0]["title"],
        "Saving lives and protecting people on the move"
    );
    assert!(body["data"][1]["summary"]
        .as_str()
        .unwrap()
        .contains("climate change"));
    assert_eq!(body["meta"]["total"], 3);
}

#[tokio::test]
async fn pages_through_objectives() {
    let app = TestApp::seeded().await;
    let page2 = app.get("/api/v1/objectives?page=2&per_page=2").good().await;
    assert_eq!(slugs(&page2), [SEED_SLUGS[2]]);
    assert_eq!(page2["meta"]["total_pages"], 2);
    let beyond = app.get("/api/v1/objectives?page=3&per_page=2").good().await;
    assert_eq!(slugs(&beyond).len(), 0);
    assert_eq!(beyond["meta"]["total"], 3);
}

#[tokio::test]
async fn gets_one_by_slug_or_id() {
    let app = TestApp::seeded().await;
    let by_slug = app
        .get(&format!("/api/v1/objectives/{}", SEED_SLUGS[1]))
        .good()
        .await;
    assert_eq!(by_slug["title"], "Driving solutions to displacement");
    let id = by_slug["id"].as_str().unwrap();
    let by_id = app.get(&format!("/api/v1/objectives/{id}")).good().await;
    assert_eq!(by_id, by_slug);
}

#[tokio::test]
async fn unknown_objective_is_404() {
    let app = TestApp::seeded().await;
    app.get("/api/v1/objectives/no-such-objective")
        .problem(404)
        .await;
    app.get("/api/v1/objectives/00000000-0000-0000-0000-000000000000")
        .problem(404)
        .await;
    app.get("/api/v1/objectives/Not%20A%20Slug")
        .problem(404)
        .await;
}
