//! The `orgcms` binary itself.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::{TestApp, TestDatabase};

pub(super) fn orgcms() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgcms"));
    command
        .env_remove("ORGCMS_ENV")
        .env_remove("ORGCMS_JWT_SECRET")
        .env_remove("ORGCMS_PUBLIC_URL")
        .env_remove("ORGCMS_NEWS_URL_TEMPLATE")
        .env("RUST_LOG", "error");
    command
}

#[tokio::test]
async fn create_user_reads_the_password_from_stdin() {
    let app = TestApp::new().await;
    let mut child = orgcms()
        .args([
            "create-user",
            "--email",
            "CLI@Example.org",
            "--role",
            "editor",
        ])
        .env("DATABASE_URL", &app.db.url)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a password from stdin\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        app.login("cli@example.org", "a password from stdin")
            .await
            .status(),
        200
    );

    let weak = orgcms()
        .args([
            "create-user",
            "--email",
            "weak@example.org",
            "--role",
            "editor",
        ])
        .env("DATABASE_URL", &app.db.url)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let output = {
        let mut weak = weak;
        weak.stdin.take().unwrap().write_all(b"short\n").unwrap();
        weak.wait_with_output().unwrap()
    };
    assert!(!output.status.success());
    let no_password_argument = orgcms()
        .args([
            "create-user",
            "--email",
            "x@example.org",
            "--role",
            "editor",
            "--password",
            "secret-secret",
        ])
        .output()
        .unwrap();
    assert!(
        !no_password_argument.status.success(),
        "there is no --password option"
    );
}

#[test]
fn production_refuses_to_start_with_a_weak_or_missing_jwt_secret() {
    let db = TestDatabase::new();
    for secret in [None, Some("too-short")] {
        let mut command = orgcms();
        command
            .arg("serve")
            .env("DATABASE_URL", &db.url)
            .env("ORGCMS_ENV", "production")
            .env("ORGCMS_PUBLIC_URL", "https://api.example.org")
            .env("ORGCMS_BIND", "127.0.0.1:0");
        if let Some(secret) = secret {
            command.env("ORGCMS_JWT_SECRET", secret);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success(), "{secret:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("ORGCMS_JWT_SECRET"));
    }
}

#[test]
fn production_refuses_to_start_without_a_public_url() {
    let db = TestDatabase::new();
    let output = orgcms()
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("ORGCMS_ENV", "production")
        .env("ORGCMS_JWT_SECRET", "0123456789abcdef0123456789abcdef")
        .env("ORGCMS_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("ORGCMS_PUBLIC_URL"));
}

#[tokio::test]
async fn assets_gc_removes_the_files_no_asset_has() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let asset = crate::media::upload_photo(&editor).await;
    let location = format!("/api/v1/assets/{}", asset["id"].as_str().unwrap());
    assert_eq!(editor.delete(&location).await.status(), 204);
    let stored = || walk_files(std::path::Path::new(&app.media.location));
    assert_eq!(stored(), 1, "the file stays until gc");
    let run = |grace: &str| {
        orgcms()
            .args(["assets", "gc", "--grace-minutes", grace])
            .env("DATABASE_URL", &app.db.url)
            .env("ORGCMS_MEDIA_DIR", &app.media.location)
            .output()
            .unwrap()
    };
    let kept = run("60");
    assert!(
        kept.status.success(),
        "{}",
        String::from_utf8_lossy(&kept.stderr)
    );
    assert_eq!(stored(), 1, "younger than the grace period");
    let removed = run("0");
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    assert!(String::from_utf8_lossy(&removed.stderr).contains("removed 1 file"));
    assert_eq!(stored(), 0);
}

#[tokio::test]
async fn retention_sweep_prunes_revisions_and_purges_old_trash_as_configured() {
    use diesel::RunQueryDsl;
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let draft = editor
        .post(
            "/api/v1/news",
            serde_json::json!({"title": {"en": "Draft 1"}}),
        )
        .success()
        .await;
    let path = format!("/api/v1/news/{}", draft["id"].as_str().unwrap());
    for n in 2..=6 {
        editor
            .patch(
                &path,
                serde_json::json!({"title": {"en": format!("Draft {n}")}}),
            )
            .success()
            .await;
    }
    let old = editor
        .post("/api/v1/news", serde_json::json!({"title": {"en": "Old"}}))
        .success()
        .await;
    editor
        .delete(&format!("/api/v1/news/{}", old["id"].as_str().unwrap()))
        .success()
        .await;
    diesel::sql_query("UPDATE trash SET deleted_at = now() - interval '8 days'")
        .execute(&mut app.conn())
        .unwrap();
    let run = || {
        orgcms()
            .arg("retention-sweep")
            .env("DATABASE_URL", &app.db.url)
            .env("ORGCMS_REVISIONS_KEEP", "2")
            .env("ORGCMS_TRASH_RETENTION_DAYS", "7")
            .output()
            .unwrap()
    };
    let swept = run();
    let said = String::from_utf8_lossy(&swept.stderr);
    assert!(swept.status.success(), "{said}");
    // 6 drafts and the trashed item's one revision: 4 drafts pruned, the item purged with its.
    assert!(
        said.contains("pruned 4 revision(s), purged 1 item(s)"),
        "{said}"
    );
    let again = run();
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("pruned 0 revision(s), purged 0 item(s)")
    );
    editor.get("/api/v1/trash").good().await["data"]
        .as_array()
        .unwrap()
        .is_empty()
        .then_some(())
        .expect("the trash is empty");
}

pub(super) fn walk_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk_files(&path)
            } else {
                1
            }
        })
        .sum()
}
