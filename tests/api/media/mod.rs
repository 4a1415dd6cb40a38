//! The media library through HTTP: uploads (both forms, every refusal), metadata, the files
//! and variants served, their privacy and caching, their use by content; storage-dependent
//! stories run on both backends, a local folder and a real S3-compatible server.

mod assets;
mod content_uses;
mod files;
mod hostile;
mod memory;
mod storage;

use serde_json::Value;

use crate::helpers::media::jpeg;
use crate::helpers::{Client, TestApp};

/// Runs each test body twice: on a local folder and on the S3 server (`helpers::Backend`).
macro_rules! on_both_backends {
    ($( $(#[$meta:meta])* async fn $name:ident($app:ident: TestApp) $body:block )*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn story($app: crate::helpers::TestApp) $body

                #[tokio::test]
                async fn local() {
                    story(crate::helpers::TestApp::builder().storage(crate::helpers::Backend::Local).spawn().await).await
                }

                #[tokio::test]
                async fn s3() {
                    story(crate::helpers::TestApp::builder().storage(crate::helpers::Backend::S3).spawn().await).await
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;

/// Uploads `bytes` as a raw body of `content_type`, named `name`, with English alt text; the
/// editor view of the new asset.
pub async fn upload(editor: &Client, bytes: Vec<u8>, content_type: &str, name: &str) -> Value {
    let path = format!(
        "/api/v1/assets?file_name={}&alt.en=An%20image",
        urlencode(name)
    );
    let response = editor.post_raw(&path, content_type, bytes).await;
    let status = response.status();
    let body = response.json().await;
    assert_eq!(status, 201, "upload of {name}: {body}");
    body
}

/// A 640 x 480 JPEG, uploaded.
pub async fn upload_photo(editor: &Client) -> Value {
    upload(editor, jpeg(640, 480), "image/jpeg", "photo.jpg").await
}

pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The path of a URL the API gave (absolute, from ORGCMS_PUBLIC_URL), to request it from the
/// test server.
pub fn path_of(url: &str) -> String {
    let start = url.find("/api/v1/").expect("an API URL");
    url[start..].to_owned()
}

/// A published news item with this cover; its slug.
pub async fn publish_with_cover(app: &TestApp, editor: &Client, asset: &Value) -> String {
    let slug = format!(
        "covered-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    editor
        .post(
            "/api/v1/news",
            serde_json::json!({
                "slug": slug, "title": {"en": "Covered"}, "status": "published",
                "cover_asset_id": asset["id"],
            }),
        )
        .success()
        .await;
    let _ = app;
    slug
}
