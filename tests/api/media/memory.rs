//! What uploads cost in memory: ten concurrent uploads of a photo at the upload limit, to a
//! server process of its own, whose peak resident memory (`VmHWM`) must stay under the bound
//! README states: the process's idle size (itself under `IDLE_BOUND_KIB`) plus three times the
//! bytes of the uploads in flight (each upload's body is held once, and at most
//! `ORGCMS_MEDIA_RENDER_CONCURRENCY` of them are being cleaned, which copies them once more).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::media::{encode, noise};
use crate::helpers::{TestDatabase, TEST_JWT_SECRET, TEST_PASSWORD};

/// The idle server (this debug build, two workers, twelve connections) is about 77 MiB resident.
const IDLE_BOUND_KIB: u64 = 96 * 1024;

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kib(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/<pid>/status"))
}

async fn start(db: &TestDatabase, media: &std::path::Path, limit: usize) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_orgcms"))
        .arg("serve")
        .env_remove("ORGCMS_ENV")
        .env("DATABASE_URL", &db.url)
        .env("ORGCMS_BIND", format!("127.0.0.1:{port}"))
        .env("ORGCMS_JWT_SECRET", TEST_JWT_SECRET)
        .env("ORGCMS_WORKERS", "2")
        .env("ORGCMS_DB_POOL_SIZE", "12")
        .env("ORGCMS_RATE_LIMIT_PER_MINUTE", "0")
        .env("ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE", "0")
        .env("ORGCMS_MEDIA_DIR", media)
        .env("ORGCMS_MEDIA_MAX_UPLOAD_BYTES", limit.to_string())
        .env("ORGCMS_MEDIA_RENDER_CONCURRENCY", "2")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{address}/readyz"))
        .await
        .map(|r| r.status().as_u16())
        .ok()
        != Some(200)
    {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server { child, address }
}

#[tokio::test]
async fn ten_concurrent_uploads_of_the_largest_photo_stay_within_the_memory_bound() {
    // A photo of noise: it cannot be compressed, so it is as heavy as its pixels allow.
    let photo = encode(&noise(2600, 2000), image::ImageFormat::Jpeg);
    let limit = photo.len() + 1024;
    assert!(photo.len() > 4 << 20, "{} bytes", photo.len());
    let db = TestDatabase::new();
    let media = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("media")
        .join(uuid::Uuid::new_v4().simple().to_string());
    let hash = orgcms::accounts::auth::password::hash(TEST_PASSWORD).unwrap();
    let role = serde_json::from_value(serde_json::json!("editor")).unwrap();
    orgcms::db::run_migrations(&mut db.connect()).unwrap();
    orgcms::accounts::users::queries::insert(
        &mut db.connect(),
        "memory@example.org",
        "M",
        role,
        &hash,
    )
    .unwrap();
    let server = start(&db, &media, limit).await;
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{}/api/v1/auth/login", server.address))
        .json(&serde_json::json!({"email": "memory@example.org", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let upload = |bytes: Vec<u8>, n: usize| {
        client
            .post(format!(
                "{}/api/v1/assets?file_name=p{n}.jpg&alt.en=x",
                server.address
            ))
            .bearer_auth(&token)
            .header("Content-Type", "image/jpeg")
            .body(bytes)
            .send()
    };
    assert_eq!(
        upload(encode(&noise(64, 64), image::ImageFormat::Jpeg), 0)
            .await
            .unwrap()
            .status(),
        201
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let before = kib(&status, "VmRSS:");
    let answers = futures_util::future::join_all((1..=10).map(|n| upload(photo.clone(), n))).await;
    for answer in answers {
        assert_eq!(answer.unwrap().status(), 201);
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let peak = kib(&status, "VmHWM:");
    let in_flight = (10 * photo.len() / 1024) as u64;
    assert!(
        before <= IDLE_BOUND_KIB,
        "idle {before} KiB > {IDLE_BOUND_KIB} KiB"
    );
    // Above the measured idle size: a fixed allowance for the process made the bound depend on
    // what else the build holds (a 78 MiB idle server failed a 64 MiB allowance by 2 MiB).
    let bound = before + 3 * in_flight;
    eprintln!(
        "memory: {} KiB before, peak {} KiB; 10 uploads of {} KiB; bound {} KiB",
        before,
        peak,
        photo.len() / 1024,
        bound
    );
    assert!(
        peak <= bound,
        "peak {peak} KiB > bound {bound} KiB ({before} KiB before)"
    );
    let _ = std::fs::remove_dir_all(&media);
}
