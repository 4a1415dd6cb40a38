//! Assets as a resource: upload (raw and multipart), read, list, change, delete.

use serde_json::json;

use super::{on_both_backends, upload, upload_photo};
use crate::helpers::media::{form, jpeg, pdf, png};
use crate::helpers::{error_fields, TestApp};

on_both_backends! {
    async fn upload_read_change_delete(app: TestApp) {
        let editor = app.as_editor().await;
        let response = editor
            .post_raw(
                "/api/v1/assets?file_name=kyiv.jpg&title=Kyiv&alt.en=A%20street&alt.uk=%D0%92%D1%83%D0%BB%D0%B8%D1%86%D1%8F&credit=IOM&focal_point=0.25,0.75",
                "image/jpeg",
                jpeg(800, 600),
            )
            .await;
        assert_eq!(response.status(), 201);
        let location = response.location();
        let etag = response.etag();
        let created = response.json().await;
        let id = created["id"].as_str().unwrap();
        assert_eq!(location, format!("/api/v1/assets/{id}"));
        assert_eq!(created["file_name"], "kyiv.jpg");
        assert_eq!(created["kind"], "image");
        assert_eq!(created["media_type"], "image/jpeg");
        assert_eq!(created["width"], 800);
        assert_eq!(created["height"], 600);
        assert_eq!(created["title"], "Kyiv");
        assert_eq!(created["alt"]["uk"], "Вулиця");
        assert_eq!(created["credit"], "IOM");
        assert_eq!(created["focal_point"], json!({"x": 0.25, "y": 0.75}));
        assert_eq!(created["version"], 1);
        let sha = created["sha256"].as_str().unwrap();
        assert_eq!(sha.len(), 64);
        assert!(created["byte_size"].as_i64().unwrap() > 0);
        assert!(created["links"]["url"].as_str().unwrap().ends_with(&format!("/assets/{id}/file/{sha}")));
        assert_eq!(created["links"]["variants"].as_array().unwrap().len(), 3);

        let read = editor.get(&location).await;
        assert_eq!(read.header("cache-control"), "private, no-store");
        assert_eq!(read.etag(), etag);
        assert_eq!(read.json().await["sha256"], sha);

        let changed = editor
            .patch(&location, json!({"alt": {"uk": null}, "copyright": "© IOM"}))
            .if_match(&etag)
            .good()
            .await;
        assert_eq!(changed["version"], 2);
        assert!(changed["alt"].get("uk").is_none());
        assert_eq!(changed["copyright"], "© IOM");
        // The file is not metadata: the same hash.
        assert_eq!(changed["sha256"], sha);
        editor.patch(&location, json!({"title": "x"})).if_match(&etag).problem(412).await;

        let audit = app.as_admin().await.get("/api/v1/audit?resource=assets").good().await;
        assert_eq!(audit["data"].as_array().unwrap().len(), 2, "{audit}");

        assert_eq!(editor.delete(&location).await.status(), 204);
        editor.get(&location).problem(404).await;
        editor.get(&format!("/api/v1/assets/{id}/file/{sha}")).problem(404).await;
    }

    async fn a_form_carries_the_file_and_its_fields(app: TestApp) {
        let editor = app.as_editor().await;
        let photo = png(300, 200);
        let (content_type, body) = form(&[
            ("title", None, b"Shelter".as_slice()),
            ("alt.en", None, b"The entrance".as_slice()),
            ("file", Some(("shelter.png", "image/png")), photo.as_slice()),
        ]);
        let created = editor.post_raw("/api/v1/assets", &content_type, body).success().await;
        assert_eq!(created["file_name"], "shelter.png");
        assert_eq!(created["media_type"], "image/png");
        assert_eq!(created["title"], "Shelter");
        assert_eq!(created["alt"]["en"], "The entrance");

        // The metadata as one JSON field instead.
        let doc = pdf();
        let (content_type, body) = form(&[
            ("metadata", None, br#"{"title": "Annual report", "copyright": "IOM"}"#.as_slice()),
            ("file", Some(("report.pdf", "application/octet-stream")), doc.as_slice()),
        ]);
        let created = editor.post_raw("/api/v1/assets", &content_type, body).success().await;
        assert_eq!(created["kind"], "document");
        assert_eq!(created["media_type"], "application/pdf");
        assert_eq!(created["title"], "Annual report");
        assert!(created["links"]["variants"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn an_image_needs_alt_text_in_the_default_locale() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let refused = editor
        .post_raw(
            "/api/v1/assets?file_name=a.jpg&alt.uk=%D0%A4%D0%BE%D1%82%D0%BE",
            "image/jpeg",
            jpeg(40, 30),
        )
        .problem(422)
        .await;
    assert_eq!(error_fields(&refused), ["alt.en"]);
    // A document needs none.
    editor
        .post_raw("/api/v1/assets?file_name=r.pdf", "application/pdf", pdf())
        .success()
        .await;
    // Nor can an edit take it away.
    let photo = upload_photo(&editor).await;
    let location = format!("/api/v1/assets/{}", photo["id"].as_str().unwrap());
    let refused = editor
        .patch(&location, json!({"alt": {"en": null}}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&refused), ["alt.en"]);
    let refused = editor
        .put(
            &location,
            json!({"alt": {"en": "x"}, "focal_point": {"x": 2, "y": 0}}),
        )
        .problem(422)
        .await;
    assert_eq!(error_fields(&refused), ["focal_point.x"]);
}

#[tokio::test]
async fn writes_need_an_editor_and_reads_of_unused_assets_too() {
    let app = TestApp::new().await;
    app.anon()
        .post_raw(
            "/api/v1/assets?file_name=a.jpg&alt.en=x",
            "image/jpeg",
            jpeg(10, 10),
        )
        .problem(401)
        .await;
    app.with_token("forged.token.value")
        .post_raw(
            "/api/v1/assets?file_name=a.jpg&alt.en=x",
            "image/jpeg",
            jpeg(10, 10),
        )
        .problem(401)
        .await;
    app.anon().get("/api/v1/assets").problem(401).await;
    let editor = app.as_editor().await;
    let photo = upload_photo(&editor).await;
    let id = photo["id"].as_str().unwrap();
    // Not used by public content: not public.
    app.anon()
        .get(&format!("/api/v1/assets/{id}"))
        .problem(404)
        .await;
    app.anon()
        .get(&format!(
            "/api/v1/assets/{id}/file/{}",
            photo["sha256"].as_str().unwrap()
        ))
        .problem(404)
        .await;
    app.anon()
        .delete(&format!("/api/v1/assets/{id}"))
        .problem(401)
        .await;
    // No route creates an asset from JSON.
    editor
        .put(
            "/api/v1/assets/4b9f5a52-2d4c-4f3e-8a6b-1c2d3e4f5a6b",
            json!({"alt": {"en": "x"}}),
        )
        .problem(404)
        .await;
    editor
        .post("/api/v1/assets", json!({"alt": {"en": "x"}}))
        .problem(415)
        .await;
}

#[tokio::test]
async fn the_list_filters_searches_and_pages() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    upload(&editor, jpeg(20, 20), "image/jpeg", "kharkiv-shelter.jpg").await;
    upload(&editor, png(20, 20), "image/png", "odesa-port.png").await;
    editor
        .post_raw(
            "/api/v1/assets?file_name=shelter-report.pdf&title=Shelter%20report",
            "application/pdf",
            pdf(),
        )
        .success()
        .await;
    let all = editor.get("/api/v1/assets").good().await;
    let names = |list: &serde_json::Value| -> Vec<String> {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["file_name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&all),
        [
            "shelter-report.pdf",
            "odesa-port.png",
            "kharkiv-shelter.jpg"
        ]
    );
    assert_eq!(all["meta"]["total"], 3);
    let images = editor.get("/api/v1/assets?kind=image").good().await;
    assert_eq!(names(&images), ["odesa-port.png", "kharkiv-shelter.jpg"]);
    let found = editor.get("/api/v1/assets?q=SHELTER").good().await;
    assert_eq!(names(&found), ["shelter-report.pdf", "kharkiv-shelter.jpg"]);
    let found = editor.get("/api/v1/assets?q=shelter%20report").good().await;
    assert_eq!(names(&found), ["shelter-report.pdf"]);
    // Pattern characters are text.
    assert!(names(&editor.get("/api/v1/assets?q=%25").good().await).is_empty());
    let first = editor.get("/api/v1/assets?per_page=2").good().await;
    assert_eq!(names(&first).len(), 2);
    let cursor = first["meta"]["next_cursor"].as_str().expect("a next page");
    let second = editor
        .get(&format!("/api/v1/assets?per_page=2&cursor={cursor}"))
        .good()
        .await;
    assert_eq!(names(&second), ["kharkiv-shelter.jpg"]);
    // Control characters are searched as text; a search of nothing but them is refused.
    assert!(names(&editor.get("/api/v1/assets?q=kharkiv%01").good().await).is_empty());
    for blank in ["", "%20", "%0C", "%00", "%C2%85%EF%BB%BF"] {
        let problem = editor
            .get(&format!("/api/v1/assets?q={blank}"))
            .problem(400)
            .await;
        assert_eq!(error_fields(&problem), ["q"], "q={blank}");
    }
    editor.get("/api/v1/assets?kind=video").problem(400).await;
    editor.get("/api/v1/assets?colour=red").problem(400).await;
}

#[tokio::test]
async fn an_idempotency_key_makes_an_upload_safe_to_retry() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let photo = jpeg(64, 48);
    let send = |bytes: Vec<u8>| {
        editor
            .post_raw(
                "/api/v1/assets?file_name=retry.jpg&alt.en=x",
                "image/jpeg",
                bytes,
            )
            .idempotency_key("upload-1")
    };
    let first = send(photo.clone()).await;
    assert_eq!(first.status(), 201);
    let first = first.json().await;
    let again = send(photo.clone()).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.json().await["id"], first["id"]);
    let list = editor.get("/api/v1/assets").good().await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    // The same key for another file is another request.
    let other = send(jpeg(65, 48)).await;
    assert!(
        other.status() == 409 || other.status() == 422,
        "{}",
        other.status()
    );
}

#[tokio::test]
async fn a_delete_needs_a_current_etag_when_one_is_sent() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let photo = upload_photo(&editor).await;
    let location = format!("/api/v1/assets/{}", photo["id"].as_str().unwrap());
    editor
        .delete(&location)
        .if_match("\"stale\"")
        .problem(412)
        .await;
    assert_eq!(editor.delete(&location).await.status(), 204);
    editor.delete(&location).problem(404).await;
    editor
        .delete("/api/v1/assets/not-a-uuid")
        .problem(404)
        .await;
}
