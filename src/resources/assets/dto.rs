//! What editors write and read of an asset, and what readers get of one: the links a frontend
//! needs for `<img srcset>` or a download.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::AssetRow;
use crate::content::locale::{Localized, RequestLocale};
use crate::media::links::{ImageLinks, MediaLinks};

/// The point of an image that crops keep in view (Payload's focal point): fractions of the
/// width and height from the top left corner.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"x": 0.5, "y": 0.3}))]
pub struct FocalPoint {
    #[schema(minimum = 0, maximum = 1)]
    pub x: f64,
    #[schema(minimum = 0, maximum = 1)]
    pub y: f64,
}

/// What editors say about an asset (the file itself never changes: a new file is a new asset).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Shelter in Kharkiv",
    "alt": {"en": "The entrance of the shelter", "uk": "Вхід до прихистку"},
    "credit": "IOM Ukraine",
    "copyright": "© IOM 2026",
    "focal_point": {"x": 0.5, "y": 0.4}
}))]
pub struct AssetInput {
    /// At most 300 characters.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub title: String,
    /// Text that describes the image, per locale, for readers who cannot see it. Required for
    /// images, in the default locale at least; at most 500 characters per locale.
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_500)]
    pub alt: Localized,
    /// Who made it; at most 300 characters.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub credit: Option<String>,
    /// At most 300 characters.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub copyright: Option<String>,
    /// Images only.
    #[serde(default)]
    pub focal_point: Option<FocalPoint>,
}

/// A place where content uses an asset.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"resource": "news", "id": "6d7e8f90-1a2b-5c3d-8e4f-5a6b7c8d9e01", "field": "cover_asset_id"}))]
pub struct AssetUse {
    /// `news` or `mission`.
    pub resource: String,
    pub id: Uuid,
    /// `cover_asset_id`, or `body.<locale>` for an image embedded in a body.
    pub field: String,
}

/// An asset as editors read it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11",
    "file_name": "shelter.jpg", "kind": "image", "media_type": "image/jpeg", "byte_size": 482113,
    "width": 4000, "height": 3000,
    "sha256": "9f2c4a0d3b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8",
    "title": "Shelter in Kharkiv", "alt": {"en": "The entrance of the shelter"},
    "credit": "IOM Ukraine", "copyright": "© IOM 2026", "focal_point": {"x": 0.5, "y": 0.4},
    "links": {
        "url": "https://api.example.org/api/v1/assets/1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11/file/9f2c4a0d3b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8",
        "width": 4000, "height": 3000,
        "variants": [{"preset": "thumb", "url": "https://api.example.org/api/v1/assets/1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11/file/9f2c4a0d3b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8?preset=thumb&format=auto", "width": 320, "height": 240}],
        "srcset": "https://api.example.org/api/v1/assets/1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11/file/9f2c4a0d3b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8?preset=thumb&format=auto 320w"
    },
    "created_at": "2026-11-29T08:00:00Z", "updated_at": "2026-11-29T08:00:00Z", "version": 1
}))]
pub struct AssetEditor {
    pub id: Uuid,
    /// The uploaded file's name, cleaned of any path.
    #[schema(example = "shelter.jpg")]
    pub file_name: String,
    /// `image` (JPEG, PNG, WebP, GIF, AVIF), `document` (PDF) or `vector` (SVG).
    #[schema(example = "image")]
    pub kind: String,
    /// As the bytes say, whatever the upload declared.
    #[schema(example = "image/jpeg")]
    pub media_type: String,
    /// Of the file as stored (metadata removed).
    #[schema(example = 482113)]
    pub byte_size: i64,
    #[schema(example = 4000)]
    pub width: Option<i32>,
    #[schema(example = 3000)]
    pub height: Option<i32>,
    /// SHA-256 of the stored bytes, hex: the file's URLs carry it.
    #[schema(example = "9f2c4a0d3b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8")]
    pub sha256: String,
    #[serde(flatten)]
    pub fields: AssetInput,
    /// The file and its variants.
    pub links: ImageLinks,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases by one with every change.
    pub version: i32,
}

impl AssetEditor {
    pub fn new(row: AssetRow, links: &MediaLinks) -> Self {
        Self {
            links: links.of(&row.link_facts()),
            id: row.id,
            fields: row.input(),
            file_name: row.file_name,
            kind: row.kind,
            media_type: row.media_type,
            byte_size: row.byte_size,
            width: row.width,
            height: row.height,
            sha256: row.sha256,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// An asset that public content shows, in the reader's locale.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11", "locale": "en", "kind": "image",
    "media_type": "image/jpeg", "file_name": "shelter.jpg", "byte_size": 482113,
    "title": "Shelter in Kharkiv", "alt": "The entrance of the shelter", "credit": "IOM Ukraine",
    "copyright": "© IOM 2026",
    "url": "https://api.example.org/api/v1/assets/1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11/file/9f2c4a0d3b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8",
    "width": 4000, "height": 3000, "variants": [], "srcset": null,
    "updated_at": "2026-11-29T08:00:00Z"
}))]
pub struct Asset {
    pub id: Uuid,
    /// The locale of `alt` (the reader's, or the default one it fell back to).
    pub locale: String,
    #[schema(example = "image")]
    pub kind: String,
    #[schema(example = "image/jpeg")]
    pub media_type: String,
    #[schema(example = "shelter.jpg")]
    pub file_name: String,
    pub byte_size: i64,
    pub title: Option<String>,
    pub alt: Option<String>,
    pub credit: Option<String>,
    pub copyright: Option<String>,
    #[serde(flatten)]
    pub links: ImageLinks,
    pub updated_at: DateTime<Utc>,
}

impl crate::http::viewer::Shown for Asset {
    fn shown_locale(&self) -> &str {
        &self.locale
    }
}

impl Asset {
    pub fn new(row: &AssetRow, locale: &RequestLocale, links: &MediaLinks) -> Self {
        let shown = row
            .alt
            .resolve(locale)
            .map(|(shown, _)| shown.to_owned())
            .unwrap_or_else(|| locale.default.clone());
        Self {
            id: row.id,
            locale: shown,
            kind: row.kind.clone(),
            media_type: row.media_type.clone(),
            file_name: row.file_name.clone(),
            byte_size: row.byte_size,
            title: Some(row.title.clone()).filter(|t| !t.is_empty()),
            alt: row.alt.text(locale),
            credit: row.credit.clone(),
            copyright: row.copyright.clone(),
            links: links.of(&row.link_facts()),
            updated_at: row.updated_at,
        }
    }
}

/// An asset: the public view for readers (only while public content uses it), the editor view
/// for a valid token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AssetView {
    Public(Asset),
    Editor(AssetEditor),
}
