//! `orgcms export` and `orgcms import` (and `GET /api/v1/export`): a round trip into a fresh
//! database exports the same bytes; a second import changes nothing; a document the import
//! cannot take is refused whole, with a message that says why.

use std::path::PathBuf;
use std::process::Output;

use diesel::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

use super::cli::{orgcms, walk_files};
use crate::helpers::{Client, TestApp};
use crate::media::path_of;

/// Runs `orgcms <args>` against the database and the media folder of `app`, with its public URL
/// (which the links rendered into news bodies are made of).
fn run(app: &TestApp, args: &[&str]) -> Output {
    orgcms()
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("ORGCMS_MEDIA_DIR", &app.media.location)
        .env("ORGCMS_PUBLIC_URL", app.settings.public_urls.base())
        .output()
        .unwrap()
}

/// Asserts success; what the command said on standard error.
fn succeeded(output: &Output) -> String {
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{said}");
    said
}

/// Asserts failure; what the command said on standard error.
fn failed(output: &Output) -> String {
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "should have failed: {said}");
    said
}

fn export(app: &TestApp, options: &[&str]) -> Vec<u8> {
    let output = run(app, &[&["export"], options].concat());
    succeeded(&output);
    output.stdout
}

/// A file of the test's own, removed with it.
struct TempFile(PathBuf);

impl TempFile {
    fn new(bytes: &[u8]) -> Self {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("exports");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.json", Uuid::new_v4().simple()));
        std::fs::write(&path, bytes).unwrap();
        Self(path)
    }

    fn of(document: &Value) -> Self {
        Self::new(document.to_string().as_bytes())
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn import(app: &TestApp, file: &TempFile) -> Output {
    run(app, &["import", file.path()])
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(app: &TestApp, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT count(*)::bigint AS n FROM {table}"))
        .get_result::<Count>(&mut app.conn())
        .unwrap()
        .n
}

/// What `make_content` made.
struct Content {
    mission_slug: String,
    news_slug: String,
    asset: Value,
}

/// Content of every kind, through the API: the profile, two objectives (one changed since), an
/// image with alt text, a mission with parts and that image as its cover, a published news item
/// of the mission with the cover, tags and markdown, and a draft.
async fn make_content(app: &TestApp) -> Content {
    let editor = app.as_editor().await;
    editor
        .put(
            "/api/v1/organization",
            json!({"name": {"en": "International Organization for Migration", "uk": "МОМ"},
                   "acronym": "IOM", "founded_year": 1951, "un_system_member": true,
                   "member_states": 175, "observer_states": 8, "countries_with_offices": 171}),
        )
        .success()
        .await;
    let objective = editor
        .post(
            "/api/v1/objectives",
            json!({"title": {"en": "Protection"}, "summary": {"en": "Safe and dignified"}}),
        )
        .success()
        .await;
    editor
        .post("/api/v1/objectives", json!({"title": {"en": "Mobility"}}))
        .success()
        .await;
    editor
        .patch(
            &format!("/api/v1/objectives/{}", objective["id"].as_str().unwrap()),
            json!({"body": {"en": "Changed *since*"}}),
        )
        .success()
        .await;
    let asset = crate::media::upload_photo(&editor).await;
    let mission = editor
        .post(
            "/api/v1/missions",
            json!({
                "country_code": "MD",
                "name": {"en": "IOM Mission in Moldova"},
                "office_city": {"en": "Chisinau"},
                "started_year": 2001,
                "cover_asset_id": asset["id"],
                "milestones": [{"kind": "office_opened", "year": 2001, "date": "2001-03-01", "title": {"en": "Opened"}}],
                "focus_areas": [{"title": {"en": "Counter-trafficking"}}],
                "key_figures": [{"label": {"en": "People reached"}, "value": 1500.5, "unit": "people", "approximate": true}],
                "assistance_types": [{"name": {"en": "Cash"}}]
            }),
        )
        .success()
        .await;
    let news = editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "A shelter opens", "uk": "Відкрито прихисток"},
                   "summary": {"en": "In Chisinau"},
                   "body": {"en": "Some **markdown** with a [link](https://example.org)."},
                   "status": "published", "published_at": "2026-11-01T10:00:00Z",
                   "mission_id": mission["id"], "cover_asset_id": asset["id"],
                   "tags": ["shelter", "moldova"]}),
        )
        .success()
        .await;
    editor
        .post(
            "/api/v1/news",
            json!({"title": {"en": "Not yet"}, "status": "draft"}),
        )
        .success()
        .await;
    Content {
        mission_slug: mission["slug"].as_str().unwrap().to_owned(),
        news_slug: news["slug"].as_str().unwrap().to_owned(),
        asset,
    }
}

/// What readers see of the content.
async fn public_reads(app: &TestApp, content: &Content) -> Vec<Value> {
    let paths = [
        "/api/v1/organization".to_owned(),
        "/api/v1/objectives".to_owned(),
        "/api/v1/missions".to_owned(),
        format!("/api/v1/missions/{}", content.mission_slug),
        "/api/v1/news".to_owned(),
        format!("/api/v1/news/{}", content.news_slug),
        format!("/api/v1/assets/{}", content.asset["id"].as_str().unwrap()),
        "/api/v1/tags".to_owned(),
    ];
    let mut reads = Vec::new();
    for path in paths {
        reads.push(app.get(&path).good().await);
    }
    reads
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn a_round_trip_into_a_fresh_database_exports_the_same_bytes() {
    let original = TestApp::new().await;
    let content = make_content(&original).await;
    let first = export(&original, &[]);
    let document: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(document["format"], "orgcms-export");
    assert_eq!(document["format_version"], 1);
    assert!(document.get("revisions").is_none() && document.get("files").is_none());
    let ids: Vec<&str> = document["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1], "sorted by id");
    assert_eq!(
        first,
        export(&original, &[]),
        "two exports are the same bytes"
    );

    let file = TempFile::new(&first);
    let fresh = TestApp::new().await;
    let said = succeeded(&import(&fresh, &file));
    assert!(said.contains("7 created, 0 updated, 0 unchanged"), "{said}");
    assert_eq!(text(&export(&fresh, &[])), text(&first));
    assert_eq!(
        public_reads(&fresh, &content).await,
        public_reads(&original, &content).await
    );

    // Into the database it came from: nothing to do.
    let said = succeeded(&import(&original, &file));
    assert!(said.contains("0 created, 0 updated, 7 unchanged"), "{said}");
}

#[tokio::test]
async fn a_second_import_changes_nothing_and_a_changed_item_is_put_back() {
    let original = TestApp::new().await;
    make_content(&original).await;
    // The revisions the writes stored, one of them pinned.
    diesel::sql_query("UPDATE revisions SET pinned = true WHERE resource = 'objectives'")
        .execute(&mut original.conn())
        .unwrap();
    let stored = count(&original, "revisions");
    assert!(stored >= 7, "every write stored a revision ({stored})");
    let first = export(&original, &["--revisions"]);
    let document: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(
        document["revisions"].as_array().unwrap().len() as i64,
        stored
    );
    let file = TempFile::new(&first);

    let fresh = TestApp::new().await;
    let said = succeeded(&import(&fresh, &file));
    assert!(said.contains("7 created"), "{said}");
    assert!(
        said.contains(&format!("{stored} revision(s) added")),
        "{said}"
    );
    let changes = count(&fresh, "content_changes");
    assert_eq!(count(&fresh, "audit_log"), 7, "one entry per item created");
    assert_eq!(
        count(
            &fresh,
            "audit_log WHERE user_id IS NULL AND user_email = 'orgcms import' AND action = 'create'"
        ),
        7
    );

    let said = succeeded(&import(&fresh, &file));
    assert!(said.contains("0 created, 0 updated, 7 unchanged"), "{said}");
    assert!(said.contains("0 revision(s) added"), "{said}");
    assert_eq!(count(&fresh, "content_changes"), changes);
    assert_eq!(count(&fresh, "audit_log"), 7);
    assert_eq!(text(&export(&fresh, &["--revisions"])), text(&first));

    // An item changed since is written back as the document has it, as a new version with its
    // revision: history is never rewound.
    let editor = fresh.as_editor().await;
    let objective = &document["objectives"][0];
    let path = format!("/api/v1/objectives/{}", objective["id"].as_str().unwrap());
    let changed = editor
        .patch(&path, json!({"title": {"en": "Changed here"}}))
        .success()
        .await;
    assert_eq!(
        changed["version"],
        objective["version"].as_i64().unwrap() + 1
    );
    let said = succeeded(&import(&fresh, &file));
    assert!(said.contains("0 created, 1 updated, 6 unchanged"), "{said}");
    let back = editor.get(&path).good().await;
    assert_eq!(back["title"], objective["input"]["title"]);
    assert_eq!(back["version"], changed["version"].as_i64().unwrap() + 1);
    let revisions = editor
        .get(&format!(
            "/api/v1/revisions/objectives/{}",
            objective["id"].as_str().unwrap()
        ))
        .good()
        .await;
    assert_eq!(revisions["data"][0]["version"], back["version"]);
    assert_eq!(revisions["data"][0]["author_email"], "orgcms import");
    assert_eq!(revisions["data"][1]["version"], changed["version"]);
    let said = succeeded(&import(&fresh, &file));
    assert!(said.contains("0 created, 0 updated, 7 unchanged"), "{said}");
    assert_eq!(
        count(
            &fresh,
            "audit_log WHERE user_email = 'orgcms import' AND action = 'update'"
        ),
        1
    );
}

fn item(id: Uuid, input: Value) -> Value {
    json!({"id": id, "version": 3, "created_at": "2026-11-01T08:00:00Z",
           "updated_at": "2026-11-02T09:30:00.123456Z", "input": input})
}

/// Two objectives and a news item, by hand.
fn small_document() -> Value {
    json!({
        "format": "orgcms-export", "format_version": 1, "organization": null,
        "objectives": [item(Uuid::new_v4(), json!({"slug": "first", "title": {"en": "First"}})),
                       item(Uuid::new_v4(), json!({"slug": "second", "title": {"en": "Second"}}))],
        "missions": [],
        "news": [item(Uuid::new_v4(), json!({"slug": "hello", "title": {"en": "Hello"}, "status": "draft"}))],
        "assets": []
    })
}

fn assert_nothing_written(app: &TestApp) {
    for table in [
        "organization",
        "objectives",
        "missions",
        "news",
        "assets",
        "revisions",
        "audit_log",
        "content_changes",
    ] {
        assert_eq!(count(app, table), 0, "{table}");
    }
}

#[tokio::test]
async fn a_document_the_import_cannot_take_is_refused_whole() {
    let app = TestApp::new().await;
    let refused = |document: &Value| failed(&import(&app, &TempFile::of(document)));

    let mut later = small_document();
    later["format_version"] = json!(2);
    let said = refused(&later);
    assert!(said.contains("format_version 2"), "{said}");
    assert!(said.contains("reads format_version 1 only"), "{said}");

    let mut other = small_document();
    other["format"] = json!("something-else");
    assert!(refused(&other).contains("not an orgcms export"));

    let said = failed(&import(
        &app,
        &TempFile::new(b"{\"format\": \"orgcms-export\", "),
    ));
    assert!(said.contains("not JSON"), "{said}");

    let mut unknown = small_document();
    unknown["users"] = json!([]);
    let said = refused(&unknown);
    assert!(
        said.contains("malformed") && said.contains("users"),
        "{said}"
    );

    let mut unknown_input = small_document();
    unknown_input["news"][0]["input"]["author"] = json!("someone");
    let id = unknown_input["news"][0]["id"].as_str().unwrap().to_owned();
    let said = refused(&unknown_input);
    assert!(
        said.contains(&format!("news {id}")) && said.contains("author"),
        "{said}"
    );

    // What the API would refuse: no title in the default locale.
    let mut invalid = small_document();
    invalid["objectives"][1]["input"]["title"] = json!({"uk": "Друге"});
    let id = invalid["objectives"][1]["id"].as_str().unwrap().to_owned();
    let said = refused(&invalid);
    assert!(said.contains(&format!("objectives {id}: title")), "{said}");

    // Refused inside the transaction (a mission that is not there): the objectives written
    // before it are rolled back.
    let mut dangling = small_document();
    dangling["news"][0]["input"]["mission_id"] = json!(Uuid::new_v4());
    let id = dangling["news"][0]["id"].as_str().unwrap().to_owned();
    let said = refused(&dangling);
    assert!(said.contains(&format!("news {id}: mission_id")), "{said}");
    assert_nothing_written(&app);

    let file = TempFile::of(&small_document());
    let said = succeeded(&import(&app, &file));
    assert!(said.contains("3 created"), "{said}");
    let objective = app.get("/api/v1/objectives/first").good().await;
    assert_eq!(objective["slug"], "first");
    let editor = app.as_editor().await;
    let editor_view = editor.get("/api/v1/objectives/first").good().await;
    assert_eq!(editor_view["version"], 3);
    assert_eq!(editor_view["updated_at"], "2026-11-02T09:30:00.123456Z");
}

async fn file_of(client: &Client, asset: &Value) -> (u16, Vec<u8>) {
    let path = path_of(asset["links"]["url"].as_str().unwrap());
    let response = client.get(&path).send().await;
    (response.status().as_u16(), response.bytes().await)
}

#[tokio::test]
async fn with_files_the_assets_come_with_their_originals() {
    let original = TestApp::new().await;
    let content = make_content(&original).await;
    let exported = export(&original, &["--files"]);
    let document: Value = serde_json::from_slice(&exported).unwrap();
    let files = document["files"].as_object().unwrap();
    let sha256 = content.asset["sha256"].as_str().unwrap();
    assert_eq!(files.keys().collect::<Vec<_>>(), [sha256]);

    let fresh = TestApp::new().await;
    // A file whose bytes are not those of its key is refused, before anything is stored.
    let mut tampered = document.clone();
    let encoded = tampered["files"][sha256].as_str().unwrap().to_owned();
    let flipped = if encoded.starts_with('A') { "B" } else { "A" };
    tampered["files"][sha256] = json!(format!("{flipped}{}", &encoded[1..]));
    let said = failed(&import(&fresh, &TempFile::of(&tampered)));
    assert!(
        said.contains(&format!("file {sha256}")) && said.contains("hash"),
        "{said}"
    );
    assert_eq!(walk_files(std::path::Path::new(&fresh.media.location)), 0);
    assert_nothing_written(&fresh);

    let said = succeeded(&import(&fresh, &TempFile::new(&exported)));
    assert!(said.contains("1 file(s) stored"), "{said}");
    assert_eq!(text(&export(&fresh, &["--files"])), text(&exported));
    let before = file_of(&original.anon(), &content.asset).await;
    let after = file_of(&fresh.anon(), &content.asset).await;
    assert_eq!(after.0, 200);
    assert_eq!(after, before);
}

#[tokio::test]
async fn administrators_get_the_export_over_http() {
    let app = TestApp::seeded().await;
    make_content(&app).await;
    let anonymous = app.anon().get("/api/v1/export").send().await;
    assert_eq!(anonymous.status(), 401);
    let editor = app.as_editor().await;
    editor.get("/api/v1/export").problem(403).await;
    let admin = app.as_admin().await;
    admin
        .get("/api/v1/export?everything=true")
        .problem(400)
        .await;
    let response = admin.get("/api/v1/export").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("cache-control"), "no-store");
    let bytes = response.bytes().await;
    assert_eq!(text(&bytes), text(&export(&app, &[])));
    let full = admin
        .get("/api/v1/export?revisions=true&files=true")
        .good()
        .await;
    assert!(full["revisions"].is_array());
    assert_eq!(full["files"].as_object().unwrap().len(), 1);

    // The seed content makes the round trip too.
    let fresh = TestApp::new().await;
    succeeded(&import(&fresh, &TempFile::new(&bytes)));
    assert_eq!(text(&export(&fresh, &[])), text(&bytes));
}

#[tokio::test]
async fn an_item_the_trash_holds_comes_back_live_from_an_import() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let objective = editor
        .post(
            "/api/v1/objectives",
            json!({"slug": "kept", "title": {"en": "Kept"}}),
        )
        .success()
        .await;
    let id = objective["id"].as_str().unwrap();
    let file = TempFile::new(&export(&app, &[]));
    editor.delete("/api/v1/objectives/kept").success().await;
    let said = succeeded(&import(&app, &file));
    assert!(said.contains("1 created"), "{said}");
    assert_eq!(count(&app, "trash"), 0, "live, not also in the trash");
    assert_eq!(app.get("/api/v1/objectives/kept").good().await["id"], id);
    // Its revisions stayed, and a delete moves it to the trash again.
    let revisions = editor
        .get(&format!("/api/v1/revisions/objectives/{id}"))
        .good()
        .await;
    assert_eq!(
        revisions["meta"]["total"], 1,
        "the version it had, written once"
    );
    assert_eq!(revisions["data"][0]["version"], 1);
    editor.delete("/api/v1/objectives/kept").success().await;
    assert_eq!(count(&app, "trash"), 1);
}
