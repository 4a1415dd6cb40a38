//! `media::storage` against both backends: every test body runs once on a local folder and once
//! on the S3-compatible test server (moto, started by scripts/test), each time in a store of its
//! own (a new folder, a new prefix), so that the two stores are held to one contract.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use orgcms::app::settings::StorageSettings;
use orgcms::media::storage::{Storage, StorageError};

use crate::helpers::{test_storage, Backend};

/// Each test body, as a test for each backend: `media::storage::local::NAME` and
/// `media::storage::s3::NAME`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Local).await
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::S3).await
                }
            )*
        }
    };
}

on_both_backends!(
    put_get_size_range_list_delete,
    absent_keys_are_none_and_deleting_them_succeeds,
    keys_this_application_would_not_make_are_refused,
    ranges_past_the_end_are_cut_or_refused,
    listing_goes_by_whole_segments_and_forgets_deleted_objects,
    readers_never_see_part_of_an_object,
);

fn open(backend: Backend) -> Storage {
    Storage::open(&test_storage(backend)).unwrap()
}

const ORIGINAL: &str = "originals/ab/abcdef0123456789";
const VARIANT: &str = "variants/ab/abcdef0123456789/w640-h0-inside-q75-fx0.50-fy0.50.webp";

async fn put_get_size_range_list_delete(backend: Backend) {
    let storage = open(backend);
    let body = Bytes::from_static(b"0123456789 an original's bytes");
    storage.put(ORIGINAL, body.clone()).await.unwrap();
    storage
        .put(VARIANT, Bytes::from_static(b"a variant"))
        .await
        .unwrap();

    assert_eq!(storage.get(ORIGINAL).await.unwrap(), Some(body.clone()));
    assert_eq!(
        storage.size(ORIGINAL).await.unwrap(),
        Some(body.len() as u64)
    );
    assert_eq!(
        storage.get_range(ORIGINAL, 2..6).await.unwrap().as_deref(),
        Some(&b"2345"[..])
    );

    let listed = storage.list("").await.unwrap();
    assert_eq!(
        listed.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        [ORIGINAL, VARIANT],
        "keys without the store's prefix, sorted"
    );
    assert_eq!(listed[0].size, body.len() as u64);
    let age = chrono::Utc::now() - listed[0].last_modified;
    assert!(age.num_seconds().abs() < 120, "last modified {age}");
    assert_eq!(storage.list("originals").await.unwrap().len(), 1);
    assert_eq!(storage.list("originals/").await.unwrap().len(), 1);

    // Putting again replaces.
    storage
        .put(ORIGINAL, Bytes::from_static(b"replaced"))
        .await
        .unwrap();
    assert_eq!(
        storage.get(ORIGINAL).await.unwrap().as_deref(),
        Some(&b"replaced"[..])
    );
    assert_eq!(storage.size(ORIGINAL).await.unwrap(), Some(8));

    storage.delete(ORIGINAL).await.unwrap();
    assert_eq!(storage.get(ORIGINAL).await.unwrap(), None);
    assert_eq!(storage.size(ORIGINAL).await.unwrap(), None);
    assert!(
        storage.get(VARIANT).await.unwrap().is_some(),
        "the other stays"
    );
    storage.delete(VARIANT).await.unwrap();
    assert!(storage.list("").await.unwrap().is_empty());
    storage.check().await.unwrap();
    remove(backend, storage);
}

async fn absent_keys_are_none_and_deleting_them_succeeds(backend: Backend) {
    let storage = open(backend);
    assert_eq!(storage.get(ORIGINAL).await.unwrap(), None);
    assert_eq!(storage.get_range(ORIGINAL, 0..10).await.unwrap(), None);
    assert_eq!(storage.size(ORIGINAL).await.unwrap(), None);
    storage.delete(ORIGINAL).await.unwrap();
    assert!(storage.list("originals/ab").await.unwrap().is_empty());
    assert!(storage.list("").await.unwrap().is_empty());
    remove(backend, storage);
}

async fn keys_this_application_would_not_make_are_refused(backend: Backend) {
    let storage = open(backend);
    let bytes = Bytes::from_static(b"x");
    for bad in [
        "",
        "/etc/passwd",
        "../outside",
        "originals/../../outside",
        "originals//ab",
        "originals/ab/",
        "Originals/AB",
        "originals/a b",
        "originals\\ab",
        "originals/ab#1",
        "originals/%2e%2e",
    ] {
        let refused = |result: Result<(), StorageError>| match result {
            Err(StorageError::InvalidKey(_)) => {}
            other => panic!("{bad:?}: {other:?}"),
        };
        refused(storage.put(bad, bytes.clone()).await);
        refused(storage.get(bad).await.map(|_| ()));
        refused(storage.get_range(bad, 0..1).await.map(|_| ()));
        refused(storage.size(bad).await.map(|_| ()));
        refused(storage.delete(bad).await);
        if !bad.is_empty() && bad != "originals/ab/" {
            refused(storage.list(bad).await.map(|_| ()));
        }
    }
    assert!(
        storage.list("").await.unwrap().is_empty(),
        "nothing written"
    );
    if let StorageSettings::Local { root } = local_root(backend, &storage) {
        let outside = root.parent().unwrap().join("outside");
        assert!(!outside.exists(), "nothing written outside the folder");
    }
    remove(backend, storage);
}

async fn ranges_past_the_end_are_cut_or_refused(backend: Backend) {
    let storage = open(backend);
    storage
        .put(ORIGINAL, Bytes::from_static(b"0123456789"))
        .await
        .unwrap();
    assert_eq!(
        storage
            .get_range(ORIGINAL, 7..100)
            .await
            .unwrap()
            .as_deref(),
        Some(&b"789"[..]),
        "the end is cut to the object's"
    );
    assert_eq!(
        storage.get_range(ORIGINAL, 0..10).await.unwrap().as_deref(),
        Some(&b"0123456789"[..])
    );
    for (start, end, size) in [(10, 12, Some(10)), (50, 60, Some(10)), (3, 3, None)] {
        match storage.get_range(ORIGINAL, start..end).await {
            Err(StorageError::Range {
                start: s,
                end: e,
                size: n,
                ..
            }) => assert_eq!((s, e, n), (start, end, size)),
            other => panic!("{start}..{end}: {other:?}"),
        }
    }
    remove(backend, storage);
}

async fn listing_goes_by_whole_segments_and_forgets_deleted_objects(backend: Backend) {
    let storage = open(backend);
    for key in [
        "variants/ab/abc/w320.webp",
        "variants/ab/abc/w640.webp",
        "variants/ab/abcd/w320.webp",
        "variants/cd/cdef/w320.webp",
    ] {
        storage.put(key, Bytes::from(key.to_owned())).await.unwrap();
    }
    let keys = |objects: Vec<orgcms::media::storage::StoredObject>| {
        objects.into_iter().map(|o| o.key).collect::<Vec<_>>()
    };
    assert_eq!(
        keys(storage.list("variants/ab/abc").await.unwrap()),
        ["variants/ab/abc/w320.webp", "variants/ab/abc/w640.webp"],
        "not variants/ab/abcd"
    );
    assert_eq!(keys(storage.list("variants/ab").await.unwrap()).len(), 3);
    assert!(storage.list("variants/a").await.unwrap().is_empty());
    storage.delete("variants/ab/abc/w320.webp").await.unwrap();
    assert_eq!(
        keys(storage.list("variants/ab/abc").await.unwrap()),
        ["variants/ab/abc/w640.webp"]
    );
    storage.delete("variants/ab/abc/w640.webp").await.unwrap();
    assert!(storage.list("variants/ab/abc").await.unwrap().is_empty());
    assert_eq!(
        keys(storage.list("").await.unwrap()),
        ["variants/ab/abcd/w320.webp", "variants/cd/cdef/w320.webp"]
    );
    remove(backend, storage);
}

/// A writer replaces an object over and over with objects of other sizes while readers read it:
/// every read is one whole object, never a mixture or a prefix.
async fn readers_never_see_part_of_an_object(backend: Backend) {
    let storage = open(backend);
    let versions: Arc<Vec<Bytes>> = Arc::new(
        [(b'a', 300_000), (b'b', 700_000), (b'c', 1_000)]
            .into_iter()
            .map(|(byte, len)| Bytes::from(vec![byte; len]))
            .collect(),
    );
    storage.put(ORIGINAL, versions[0].clone()).await.unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (storage, versions, done) = (storage.clone(), versions.clone(), done.clone());
            tokio::spawn(async move {
                let mut reads = 0;
                while !done.load(Ordering::Relaxed) || reads == 0 {
                    let bytes = storage.get(ORIGINAL).await.unwrap().expect("never absent");
                    assert!(
                        versions.contains(&bytes),
                        "read {} bytes that are no version",
                        bytes.len()
                    );
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for round in 0..30 {
        let version = versions[round % versions.len()].clone();
        storage.put(ORIGINAL, version).await.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.await.unwrap() > 0);
    }
    if let StorageSettings::Local { root } = local_root(backend, &storage) {
        let mut files = Vec::new();
        walk(&root, &mut files);
        assert_eq!(files.len(), 1, "no staged file is left behind: {files:?}");
    }
    remove(backend, storage);
}

#[tokio::test]
async fn an_s3_store_that_is_not_there_is_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let StorageSettings::S3 {
        access_key_id,
        secret_access_key,
        ..
    } = test_storage(Backend::S3)
    else {
        unreachable!()
    };
    let storage = Storage::open(&StorageSettings::S3 {
        bucket: "orgcms-test".into(),
        prefix: None,
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        access_key_id,
        secret_access_key,
        allow_http: true,
    })
    .unwrap();
    let started = std::time::Instant::now();
    match storage.get(ORIGINAL).await {
        Err(error @ StorageError::Unavailable(_)) => {
            assert!(!error.to_string().contains("orgcms-test-secret"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
}

/// A store that answers but is down (503 to everything, as a proxy in front of a stopped store
/// does) is unavailable too, not "absent" and not a 500.
#[tokio::test]
async fn an_s3_store_that_answers_503_is_unavailable() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\
                          connection: close\r\n\r\n",
                    )
                    .await;
            });
        }
    });
    let StorageSettings::S3 {
        access_key_id,
        secret_access_key,
        ..
    } = test_storage(Backend::S3)
    else {
        unreachable!()
    };
    let storage = Storage::open(&StorageSettings::S3 {
        bucket: "orgcms-test".into(),
        prefix: None,
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        access_key_id,
        secret_access_key,
        allow_http: true,
    })
    .unwrap();
    let started = std::time::Instant::now();
    for result in [
        storage.get(ORIGINAL).await.map(|_| ()),
        storage.size(ORIGINAL).await.map(|_| ()),
        storage.put(ORIGINAL, Bytes::from_static(b"x")).await,
        storage.check().await,
    ] {
        assert!(
            matches!(result, Err(StorageError::Unavailable(_))),
            "{result:?}"
        );
    }
    assert!(started.elapsed().as_secs() < 45, "{:?}", started.elapsed());
}

#[tokio::test]
async fn an_s3_bucket_that_does_not_exist_fails_the_check() {
    let StorageSettings::S3 {
        endpoint,
        region,
        access_key_id,
        secret_access_key,
        ..
    } = test_storage(Backend::S3)
    else {
        unreachable!()
    };
    let storage = Storage::open(&StorageSettings::S3 {
        bucket: "orgcms-no-such-bucket".into(),
        prefix: None,
        endpoint,
        region,
        access_key_id,
        secret_access_key,
        allow_http: true,
    })
    .unwrap();
    let error = storage.check().await.unwrap_err();
    assert!(matches!(error, StorageError::Other(_)), "{error:?}");
}

/// The settings of a local store, to look at its folder.
fn local_root(backend: Backend, storage: &Storage) -> StorageSettings {
    match backend {
        Backend::Local => {
            let description = storage.describe();
            let root = description.strip_prefix("local folder ").unwrap();
            StorageSettings::Local { root: root.into() }
        }
        Backend::S3 => test_storage(Backend::S3),
    }
}

fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// Removes a local test folder (an S3 prefix is left to the test server, which forgets
/// everything when it stops).
fn remove(backend: Backend, storage: Storage) {
    if let StorageSettings::Local { root } = local_root(backend, &storage) {
        std::fs::remove_dir_all(root).unwrap();
    }
}
