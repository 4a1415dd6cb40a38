//! The export document: what `orgcms export` writes and `orgcms import` reads. One JSON object,
//! versioned by `format_version`; every list sorted by id (revisions by resource, item and
//! version), no time of export, so that two exports of the same content are the same bytes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// The value of `format`.
pub const FORMAT: &str = "orgcms-export";
/// The one version of the format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// All the content of one orgcms database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"format": "orgcms-export", "format_version": 1, "organization": null,
    "objectives": [{"id": "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "version": 2,
    "created_at": "2026-11-02T09:00:00Z", "updated_at": "2026-11-03T10:30:00Z",
    "input": {"slug": "protection", "position": 0, "title": {"en": "Protection"}, "summary": {}, "body": {}}}], "missions": [], "news": [], "assets": []}))]
pub struct ExportDocument {
    /// Always `orgcms-export`.
    #[schema(example = "orgcms-export")]
    pub format: String,
    /// The version of this format; an import refuses any other than the one it knows (1).
    #[schema(example = 1)]
    pub format_version: u32,
    /// The organization's profile, if there is one.
    pub organization: Option<ContentItem>,
    pub objectives: Vec<ContentItem>,
    pub missions: Vec<ContentItem>,
    pub news: Vec<ContentItem>,
    pub assets: Vec<AssetItem>,
    /// Every version of every item (only when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revisions: Option<Vec<RevisionItem>>,
    /// The stored original of each asset, base64, by its SHA-256 (only when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, String>>,
}

/// One item of content: its identity, version and times, and the input that writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "version": 2,
    "created_at": "2026-11-02T09:00:00Z", "updated_at": "2026-11-03T10:30:00Z",
    "input": {"slug": "protection", "position": 0, "title": {"en": "Protection"}, "summary": {}, "body": {}}}))]
pub struct ContentItem {
    pub id: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The body a PUT of the resource takes (the resource's input, as the API writes it).
    #[schema(value_type = Object)]
    pub input: Value,
}

/// An asset: its file as the upload stored it, and its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "6d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e01", "version": 1,
    "created_at": "2026-11-02T09:00:00Z", "updated_at": "2026-11-02T09:00:00Z",
    "file": {"file_name": "shelter.jpg", "kind": "image", "media_type": "image/jpeg",
    "byte_size": 48211, "width": 1600, "height": 1067,
    "sha256": "9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de",
    "storage_key": "originals/9b/9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de.jpg"},
    "input": {"title": "Shelter", "alt": {"en": "The entrance of the shelter"}, "credit": null, "copyright": null, "focal_point": null}}))]
pub struct AssetItem {
    pub id: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub file: AssetFile,
    /// The metadata, as `PUT /assets/{id}` takes it.
    #[schema(value_type = Object)]
    pub input: Value,
}

/// The file columns of an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file_name": "shelter.jpg", "kind": "image", "media_type": "image/jpeg",
    "byte_size": 48211, "width": 1600, "height": 1067,
    "sha256": "9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de",
    "storage_key": "originals/9b/9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de.jpg"}))]
pub struct AssetFile {
    pub file_name: String,
    /// `image`, `document` or `vector`.
    pub kind: String,
    pub media_type: String,
    pub byte_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Lower-case hex of the stored original's SHA-256.
    pub sha256: String,
    /// Where the original is stored (`originals/<aa>/<sha256>.<ext>`).
    pub storage_key: String,
}

/// One row of the revisions table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"resource": "objectives", "item_id": "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "version": 1,
    "document": {"id": "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "slug": "protection", "version": 1},
    "input": {"slug": "protection", "title": {"en": "Protection"}},
    "author_id": null, "author_email": "editor@example.org", "created_at": "2026-11-02T09:00:00Z",
    "was_public": true, "pinned": false}))]
pub struct RevisionItem {
    pub resource: String,
    pub item_id: Uuid,
    pub version: i32,
    #[schema(value_type = Object)]
    pub document: Value,
    #[schema(value_type = Object)]
    pub input: Value,
    pub author_id: Option<Uuid>,
    pub author_email: String,
    pub created_at: DateTime<Utc>,
    pub was_public: bool,
    pub pinned: bool,
}

/// Why a document cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("the document is not JSON: {0}")]
    NotJson(String),
    #[error("the document is not an orgcms export (its `format` is {found}, not \"{FORMAT}\")")]
    NotAnExport { found: String },
    #[error(
        "the document has format_version {found}; this orgcms reads format_version {FORMAT_VERSION} only"
    )]
    UnsupportedVersion { found: String },
    #[error("the document is malformed at {path}: {message}")]
    Malformed { path: String, message: String },
}

/// Reads a document: first its format and version (so that a document of another version is
/// told so, whatever else it holds), then all of it, strictly (no unknown field anywhere outside
/// the inputs, which the import parses as the API does).
pub fn parse(bytes: &[u8]) -> Result<ExportDocument, FormatError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| FormatError::NotJson(e.to_string()))?;
    check_version(&value)?;
    serde_path_to_error::deserialize(value).map_err(|e| FormatError::Malformed {
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

/// `format` and `format_version` of a parsed document, checked.
pub fn check_version(value: &Value) -> Result<(), FormatError> {
    let shown = |v: Option<&Value>| v.map_or_else(|| "missing".to_owned(), Value::to_string);
    let format = value.get("format");
    if format.and_then(Value::as_str) != Some(FORMAT) {
        return Err(FormatError::NotAnExport {
            found: shown(format),
        });
    }
    let version = value.get("format_version");
    if version.and_then(Value::as_u64) != Some(u64::from(FORMAT_VERSION)) {
        return Err(FormatError::UnsupportedVersion {
            found: shown(version),
        });
    }
    Ok(())
}

/// The document's bytes: pretty-printed JSON and a final newline.
pub fn to_bytes(document: &ExportDocument) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec_pretty(document)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn empty() -> Value {
        json!({"format": FORMAT, "format_version": 1, "organization": null,
               "objectives": [], "missions": [], "news": [], "assets": []})
    }

    #[test]
    fn an_empty_document_round_trips() {
        let document = parse(empty().to_string().as_bytes()).unwrap();
        assert_eq!(document.revisions, None);
        assert_eq!(document.files, None);
        let bytes = to_bytes(&document).unwrap();
        assert_eq!(parse(&bytes).unwrap(), document);
        assert!(!String::from_utf8(bytes).unwrap().contains("revisions"));
    }

    #[test]
    fn other_versions_are_refused_by_number() {
        let mut document = empty();
        document["format_version"] = json!(2);
        // Whatever else a later version holds, the version is what is told.
        document["something_new"] = json!(true);
        let error = parse(document.to_string().as_bytes()).unwrap_err();
        assert_eq!(error, FormatError::UnsupportedVersion { found: "2".into() });
        let message = error.to_string();
        assert!(message.contains("format_version 2"), "{message}");
        assert!(message.contains("format_version 1 only"), "{message}");
        document["format_version"] = json!("1");
        assert!(matches!(
            parse(document.to_string().as_bytes()),
            Err(FormatError::UnsupportedVersion { .. })
        ));
        document.as_object_mut().unwrap().remove("format_version");
        assert_eq!(
            parse(document.to_string().as_bytes()).unwrap_err(),
            FormatError::UnsupportedVersion {
                found: "missing".into()
            }
        );
    }

    #[test]
    fn other_formats_and_unknown_fields_are_refused() {
        let mut document = empty();
        document["format"] = json!("wordpress");
        assert!(parse(document.to_string().as_bytes())
            .unwrap_err()
            .to_string()
            .contains("\"wordpress\""));
        let mut document = empty();
        document["users"] = json!([]);
        let error = parse(document.to_string().as_bytes()).unwrap_err();
        assert!(error.to_string().contains("users"), "{error}");
        let mut document = empty();
        document["objectives"] = json!([{"id": Uuid::nil(), "version": 1,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "input": {}, "extra": 1}]);
        let error = parse(document.to_string().as_bytes()).unwrap_err();
        assert!(error.to_string().contains("objectives[0]"), "{error}");
        assert!(matches!(
            parse(b"{\"format\": "),
            Err(FormatError::NotJson(_))
        ));
    }
}
