//! Where the bytes of media live: a local folder by default, any S3-compatible object store in
//! production, both behind `object_store`'s one interface so that the code that stores
//! originals and variants never knows which.
//!
//! Why these choices:
//! - **Atomic writes.** A reader never sees half an object: S3 makes an object visible only once
//!   its upload is complete, and `object_store`'s local store writes a staged file beside the
//!   target and renames it into place (with `fsync`, so a crash leaves the old object or the new
//!   one, never a torn one). Two writers of one key both write whole objects; the last one wins,
//!   which is harmless because keys name content (hashes) or the variant rendered from it.
//! - **Keys are checked here too.** The callers build keys from hex hashes; a key with anything but
//!   `[a-z0-9/._-]`, with `..`, an empty segment or a leading or trailing `/` is refused before it
//!   reaches a store, as a second line of defence against path traversal in the local folder.
//! - **Absent is not an error.** `get`, `get_range` and `size` answer `None` for a key that does
//!   not exist; `delete` of an absent key succeeds.
//! - **Bounded waits.** The S3 client retries a failed request three times within 10 seconds (not
//!   `object_store`'s default of ten times within three minutes) and gives up on a connection
//!   after 5 seconds, so that a store that is down turns into a quick [`StorageError::Unavailable`]
//!   (503) rather than a request that hangs.
//! - **Errors name no secret**: the S3 credentials are never part of a message; the messages do
//!   name keys, the bucket and the endpoint, and are meant for the log, not for a response body.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

use crate::app::settings::ExposeSecret;
pub use crate::app::settings::StorageSettings;

/// The longest key accepted (S3 allows 1024 bytes; the keys of this application are far shorter).
pub const MAX_KEY_BYTES: usize = 512;

/// The media store: cheap to clone, shared by every worker.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    description: Arc<str>,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Storage").field(&self.description).finish()
    }
}

/// One object of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredObject {
    /// The key, as given to [`Storage::put`] (without the store's prefix).
    pub key: String,
    pub size: u64,
    pub last_modified: DateTime<Utc>,
}

/// Why a storage operation failed. The messages are for the log: they may name keys, the local
/// folder, the bucket or the endpoint, never a credential.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key (or listing prefix) is not one this application makes; nothing was asked of the
    /// store.
    #[error("storage key `{0}` is refused: only a-z, 0-9, `/`, `.`, `_` and `-`, no `..`, no empty segment, no leading or trailing `/`")]
    InvalidKey(String),
    /// The range asked of [`Storage::get_range`] is empty, reversed, or starts at or past the end
    /// of the object (`size` when known).
    #[error("range {start}..{end} of `{key}` is not satisfiable{}", size.map(|s| format!(" (the object has {s} bytes)")).unwrap_or_default())]
    Range {
        key: String,
        start: u64,
        end: u64,
        size: Option<u64>,
    },
    /// The store could not be reached, or kept failing after the retries (a network failure, a
    /// time-out, a server error): worth trying again later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a store that cannot be opened, refused credentials, a missing bucket, a
    /// local I/O failure.
    #[error("storage: {0}")]
    Other(String),
}

impl Storage {
    /// Opens the store the settings describe; a local folder is created when missing. Nothing is
    /// sent to an S3 store yet (see [`Storage::check`]).
    pub fn open(settings: &StorageSettings) -> Result<Storage, StorageError> {
        match settings {
            StorageSettings::Local { root } => {
                std::fs::create_dir_all(root).map_err(|e| {
                    StorageError::Other(format!(
                        "cannot create the media folder {}: {e}",
                        root.display()
                    ))
                })?;
                let local = LocalFileSystem::new_with_prefix(root)
                    .map_err(|e| StorageError::Other(format!("media folder: {e}")))?
                    .with_automatic_cleanup(true)
                    .with_fsync(true);
                let absolute = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
                Ok(Storage {
                    store: Arc::new(local),
                    description: format!("local folder {}", absolute.display()).into(),
                })
            }
            StorageSettings::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
                allow_http,
            } => {
                let client = ClientOptions::new()
                    .with_allow_http(*allow_http)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60));
                let retry = RetryConfig {
                    max_retries: 3,
                    retry_timeout: Duration::from_secs(10),
                    ..RetryConfig::default()
                };
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_allow_http(*allow_http)
                    .with_client_options(client)
                    .with_retry(retry);
                if let Some(endpoint) = endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let (Some(id), Some(secret)) = (access_key_id, secret_access_key) {
                    builder = builder
                        .with_access_key_id(id)
                        .with_secret_access_key(secret.expose_secret());
                }
                // The builder's errors name options, never their values.
                let s3 = builder
                    .build()
                    .map_err(|e| StorageError::Other(format!("S3 store: {e}")))?;
                let mut description = format!("s3 bucket {bucket}");
                match endpoint {
                    Some(endpoint) => description.push_str(&format!(" at {endpoint}")),
                    None => description.push_str(&format!(" in region {region}")),
                }
                let store: Arc<dyn ObjectStore> = match prefix {
                    Some(prefix) => {
                        description.push_str(&format!(", under {prefix}/"));
                        Arc::new(PrefixStore::new(s3, object_path(prefix)?))
                    }
                    None => Arc::new(s3),
                };
                Ok(Storage {
                    store,
                    description: description.into(),
                })
            }
        }
    }

    /// What the store is, for the start-up log: `local folder /srv/media`, `s3 bucket media at
    /// https://s3.example.org, under cms/`. No credentials.
    pub fn describe(&self) -> String {
        self.description.to_string()
    }

    /// Asks the store something cheap (a listing under a prefix no key uses): an S3 store that
    /// cannot be reached, refuses the credentials or has no such bucket fails here.
    pub async fn check(&self) -> Result<(), StorageError> {
        self.list(".check").await.map(|_| ())
    }

    /// Stores `bytes` under `key`, replacing what was there. Readers see the old object or the
    /// new one, never part of one.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let path = key_path(key)?;
        self.store
            .put(&path, PutPayload::from_bytes(bytes))
            .await
            .map_err(|e| failure(key, e))?;
        Ok(())
    }

    /// The whole object; `None` when there is none under `key`.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        let path = key_path(key)?;
        let result = match self.store.get(&path).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(failure(key, e)),
        };
        match result.bytes().await {
            Ok(bytes) => Ok(Some(bytes)),
            // Deleted between the answer and its body.
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failure(key, e)),
        }
    }

    /// The bytes `range` of the object (an end past the object's end is cut to it); `None` when
    /// there is no object under `key`. An empty or reversed range, or one that starts at or past
    /// the end of the object, is [`StorageError::Range`] (HTTP's 416: the caller knows the size
    /// from [`Storage::size`]).
    pub async fn get_range(
        &self,
        key: &str,
        range: Range<u64>,
    ) -> Result<Option<Bytes>, StorageError> {
        let path = key_path(key)?;
        let refused = |size| StorageError::Range {
            key: key.to_owned(),
            start: range.start,
            end: range.end,
            size,
        };
        if range.start >= range.end {
            return Err(refused(None));
        }
        match self.store.get_range(&path, range.clone()).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            // The stores word an unsatisfiable range differently (the local one as an invalid
            // range, S3 as a 416 answer): the object's size tells.
            Err(e) => match self.size(key).await {
                Ok(Some(size)) if range.start >= size => Err(refused(Some(size))),
                Ok(None) => Ok(None),
                _ => Err(failure(key, e)),
            },
        }
    }

    /// The size in bytes of the object under `key`; `None` when there is none.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, StorageError> {
        let path = key_path(key)?;
        match self.store.head(&path).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failure(key, e)),
        }
    }

    /// Removes the object under `key`; there being none is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = key_path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failure(key, e)),
        }
    }

    /// Every object whose key is under `prefix`, sorted by key. The prefix is matched segment by
    /// segment: `variants/ab` lists `variants/ab/...`, not `variants/abc/...`; a trailing `/` is
    /// allowed and the empty prefix lists everything.
    pub async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, StorageError> {
        let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
        let path = if trimmed.is_empty() {
            None
        } else {
            Some(key_path(trimmed).map_err(|_| StorageError::InvalidKey(shorten(prefix)))?)
        };
        let mut objects: Vec<StoredObject> = self
            .store
            .list(path.as_ref())
            .map_ok(|meta| StoredObject {
                key: meta.location.to_string(),
                size: meta.size,
                last_modified: meta.last_modified,
            })
            .try_collect()
            .await
            .map_err(|e| match e {
                // A listing finds nothing rather than nothing found, unless the bucket is missing.
                object_store::Error::NotFound { .. } => {
                    StorageError::Other(format!("listing `{prefix}`: the bucket does not exist"))
                }
                e => failure(prefix, e),
            })?;
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }
}

/// Whether `key` is one this application could have made: 1 to [`MAX_KEY_BYTES`] bytes of
/// `[a-z0-9/._-]`, segments separated by single `/`, none empty, none `.`, and no `..` anywhere.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_BYTES
        && key
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'/' | b'.' | b'_' | b'-'))
        && !key.contains("..")
        && key
            .split('/')
            .all(|segment| !segment.is_empty() && segment != ".")
}

fn key_path(key: &str) -> Result<Path, StorageError> {
    if !is_valid_key(key) {
        return Err(StorageError::InvalidKey(shorten(key)));
    }
    object_path(key)
}

/// The store's path of a checked key (or prefix); `object_store` checks it again.
fn object_path(key: &str) -> Result<Path, StorageError> {
    Path::parse(key).map_err(|_| StorageError::InvalidKey(shorten(key)))
}

/// A refused key as its message shows it: at most 80 characters, control characters escaped.
fn shorten(key: &str) -> String {
    let shown: String = key.chars().take(80).flat_map(char::escape_debug).collect();
    if key.chars().count() > 80 {
        format!("{shown}...")
    } else {
        shown
    }
}

/// An `object_store` error as a [`StorageError`]: [`StorageError::Unavailable`] when the store
/// could not be reached or said it is down or overloaded (see [`store_unavailable`]);
/// [`StorageError::Other`] for the rest (refused credentials, a missing bucket, a request the
/// store refused, local I/O errors).
fn failure(key: &str, error: object_store::Error) -> StorageError {
    match error {
        object_store::Error::InvalidPath { .. } => StorageError::InvalidKey(shorten(key)),
        error if store_unavailable(&error) => {
            StorageError::Unavailable(format!("`{key}`: {error}"))
        }
        error => StorageError::Other(format!("`{key}`: {error}")),
    }
}

/// Whether a failed request (after `object_store`'s retries) means that the store is not there
/// or not well: a connection or transport failure or a time-out (`HttpError` among the causes),
/// or an answer 5xx or 429, or a "200 with an error" (S3's `InternalError`, `SlowDown`). The
/// status of an answer is in `object_store`'s private `RequestError` only, whose message
/// (`Server returned non-2xx status code: 503 ...`) is therefore read; a test against a server
/// that answers 503 holds this to the pinned version.
fn store_unavailable(error: &object_store::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        if error.is::<object_store::client::HttpError>() {
            return true;
        }
        let message = error.to_string();
        if let Some(status) = message.strip_prefix("Server returned non-2xx status code: ") {
            return status.starts_with('5') || status.starts_with("429");
        }
        if message.starts_with("Server returned error response: ") {
            return true;
        }
        cause = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_ones_this_application_makes() {
        for good in [
            "originals/ab/abcdef0123",
            "variants/ab/abcdef/w640-h0-inside-q75-fx0.50-fy0.50.webp",
            "a",
            "a_b-c.d",
            ".check",
        ] {
            assert!(is_valid_key(good), "{good}");
        }
        let long = "a".repeat(MAX_KEY_BYTES + 1);
        for bad in [
            "",
            "/originals/ab",
            "originals/ab/",
            "originals//ab",
            "../etc/passwd",
            "originals/../secret",
            "a..b",
            "./a",
            "a/./b",
            ".",
            "Originals/AB",
            "a b",
            "a\\b",
            "a%2fb",
            "a#1",
            "ключ",
            "a\0b",
            long.as_str(),
        ] {
            assert!(!is_valid_key(bad), "{bad:?}");
        }
    }

    #[test]
    fn refused_keys_are_shown_short_and_escaped() {
        let message =
            StorageError::InvalidKey(shorten(&format!("a\n{}", "b".repeat(200)))).to_string();
        assert!(message.contains("a\\nbbb"), "{message}");
        assert!(message.contains("..."), "{message}");
        assert!(message.len() < 300, "{message}");
    }

    #[test]
    fn describe_names_the_store_without_secrets() {
        let root = std::env::temp_dir().join(format!("orgcms-storage-{}", std::process::id()));
        let local = Storage::open(&StorageSettings::Local { root: root.clone() }).unwrap();
        assert!(
            local.describe().starts_with("local folder /"),
            "{}",
            local.describe()
        );
        assert!(root.is_dir(), "the folder is created");
        std::fs::remove_dir_all(&root).unwrap();

        let s3 = Storage::open(&StorageSettings::S3 {
            bucket: "media".into(),
            prefix: Some("cms/test".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
            region: "us-east-1".into(),
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some("very-secret-key".into()),
            allow_http: true,
        })
        .unwrap();
        assert_eq!(
            s3.describe(),
            "s3 bucket media at http://127.0.0.1:9, under cms/test/"
        );
        assert!(!format!("{s3:?}").contains("very-secret"));
    }
}
