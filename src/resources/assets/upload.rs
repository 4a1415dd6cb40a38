//! Receiving an upload: `multipart/form-data` (one `file` part plus metadata fields) or a raw
//! body with its `Content-Type` (metadata in the query string). Both end as one [`Received`]:
//! the file's name (cleaned of any path), the type the client declared, the bytes, and the
//! metadata, which the same rules check whichever way it came.
//!
//! The body is read under the upload byte limit (`ORGCMS_MEDIA_MAX_UPLOAD_BYTES`, separate from
//! the JSON body limit) and refused with 413 as soon as it passes it, before it is all read.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::error::PayloadError;
use actix_web::http::header::{self, ContentDisposition, HeaderMap};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use futures_util::{Stream, StreamExt};

use super::dto::{AssetInput, FocalPoint};
use crate::accounts::auth::extractor::Editor;
use crate::content::locale::Localized;
use crate::content::request::WriteHeaders;
use crate::http::error::ApiError;

/// Room for the metadata fields and the multipart framing, beyond the file's own limit.
const FORM_OVERHEAD: u64 = 64 * 1024;
/// The longest metadata field value, in bytes.
const MAX_FIELD_BYTES: usize = 16 * 1024;
/// The most parts a form may have.
const MAX_PARTS: usize = 32;
/// The longest file name kept, in bytes (longer names are cut at a character boundary).
const MAX_FILE_NAME_BYTES: usize = 255;

/// An authenticated upload, its body not read yet: the editor is checked first, so that a bad
/// token is a 401 before a byte of the file is read.
pub struct UploadRequest {
    pub editor: Editor,
    pub headers: WriteHeaders,
    request: HttpRequest,
    payload: Payload,
}

impl FromRequest for UploadRequest {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let editor = Editor::from_request(req, payload);
        let headers = WriteHeaders::parse(req);
        let request = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            Ok(Self {
                editor: editor.await?,
                headers: headers?,
                request,
                payload,
            })
        })
    }
}

/// What an upload brought.
#[derive(Debug)]
pub struct Received {
    pub file_name: String,
    /// The essence of the type the client declared, if any.
    pub declared_type: Option<String>,
    pub bytes: Bytes,
    pub metadata: AssetInput,
}

impl UploadRequest {
    /// Reads the body: a form or a raw file, at most `max_file_bytes` of file.
    pub async fn receive(self, max_file_bytes: u64) -> Result<Received, ApiError> {
        let declared = self
            .request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
            .unwrap_or_default();
        let content_type = Some(essence(&declared))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::UnsupportedMediaType(
                    "an upload needs a Content-Type: multipart/form-data, or the file's type"
                        .into(),
                )
            })?;
        if content_type == "multipart/form-data" {
            let limited = Limited::new(self.payload, max_file_bytes + FORM_OVERHEAD);
            receive_form(self.request.headers(), limited, max_file_bytes).await
        } else {
            let declares_file = content_type == "application/octet-stream"
                || crate::media::kind::MediaKind::from_media_type(&content_type).is_some();
            if !declares_file {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "{content_type} is not accepted: send multipart/form-data, or the file itself \
                     with its type ({})",
                    crate::media::kind::MediaKind::ALL
                        .map(|k| k.media_type())
                        .join(", ")
                )));
            }
            let fields = query_pairs(self.request.query_string())?;
            let file_name = raw_file_name(self.request.headers(), &fields)?;
            let metadata = metadata_from_fields(
                fields
                    .into_iter()
                    .filter(|(name, _)| name != "file_name")
                    .collect(),
            )?;
            let limited = Limited::new(self.payload, max_file_bytes);
            let bytes = read_all(limited, max_file_bytes).await?;
            Ok(Received {
                file_name,
                declared_type: Some(declared),
                bytes,
                metadata,
            })
        }
    }
}

/// The media type without parameters, lower case.
fn essence(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn too_large(max_file_bytes: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the file is larger than the {max_file_bytes} bytes an upload may have"
    ))
}

fn payload_error(error: PayloadError, max_file_bytes: u64) -> ApiError {
    match error {
        PayloadError::Overflow => too_large(max_file_bytes),
        other => ApiError::bad_request(
            "malformed-body",
            format!("the body could not be read: {other}"),
        ),
    }
}

async fn read_all(mut body: Limited, max_file_bytes: u64) -> Result<Bytes, ApiError> {
    let mut bytes = BytesMut::new();
    while let Some(chunk) = body.next().await {
        bytes.extend_from_slice(&chunk.map_err(|e| payload_error(e, max_file_bytes))?);
    }
    Ok(bytes.freeze())
}

fn multipart_error(error: actix_multipart::MultipartError, max_file_bytes: u64) -> ApiError {
    match error {
        actix_multipart::MultipartError::Payload(e) => payload_error(e, max_file_bytes),
        other => ApiError::bad_request("malformed-multipart", format!("malformed form: {other}")),
    }
}

async fn receive_form(
    headers: &HeaderMap,
    body: Limited,
    max_file_bytes: u64,
) -> Result<Received, ApiError> {
    let mut form = actix_multipart::Multipart::new(headers, body);
    let mut file: Option<(String, Option<String>, Bytes)> = None;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut parts = 0;
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|e| multipart_error(e, max_file_bytes))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::bad_request(
                "malformed-multipart",
                format!("a form has at most {MAX_PARTS} parts"),
            ));
        }
        let name = part.name().unwrap_or_default().to_owned();
        if name == "file" {
            if file.is_some() {
                return Err(ApiError::invalid_parameter(
                    "file",
                    "an upload carries one file",
                ));
            }
            let file_name = part
                .content_disposition()
                .and_then(ContentDisposition::get_filename)
                .map(str::to_owned);
            let declared = part
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
                // Browsers send this for any file they do not know: it declares nothing.
                .filter(|t| essence(t) != "application/octet-stream");
            let mut bytes = BytesMut::new();
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|e| multipart_error(e, max_file_bytes))?;
                if (bytes.len() + chunk.len()) as u64 > max_file_bytes {
                    return Err(too_large(max_file_bytes));
                }
                bytes.extend_from_slice(&chunk);
            }
            let file_name = clean_file_name(file_name.as_deref().unwrap_or_default())?;
            file = Some((file_name, declared, bytes.freeze()));
        } else {
            let mut value = BytesMut::new();
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|e| multipart_error(e, max_file_bytes))?;
                if value.len() + chunk.len() > MAX_FIELD_BYTES {
                    return Err(ApiError::validation(
                        &name,
                        format!("longer than {MAX_FIELD_BYTES} bytes"),
                    ));
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(value.to_vec())
                .map_err(|_| ApiError::validation(&name, "is not UTF-8 text"))?;
            fields.push((name, value));
        }
    }
    let (file_name, declared_type, bytes) = file.ok_or_else(|| {
        ApiError::invalid_parameter("file", "the form has no `file` part with the file")
    })?;
    Ok(Received {
        file_name,
        declared_type,
        bytes,
        metadata: metadata_from_fields(fields)?,
    })
}

fn query_pairs(query: &str) -> Result<Vec<(String, String)>, ApiError> {
    Ok(form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// A raw upload's file name: `?file_name=`, or the `filename` of a `Content-Disposition`.
fn raw_file_name(headers: &HeaderMap, fields: &[(String, String)]) -> Result<String, ApiError> {
    let from_query = fields
        .iter()
        .find(|(name, _)| name == "file_name")
        .map(|(_, v)| v.clone());
    let from_header = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| ContentDisposition::from_raw(v).ok())
        .and_then(|d| {
            d.get_filename_ext()
                .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                .or_else(|| d.get_filename().map(str::to_owned))
        });
    // Either of two places names it: a rule across the request's parts (422), not a bad one.
    let name = from_query.or(from_header).ok_or_else(|| {
        ApiError::validation(
            "file_name",
            "a raw upload names its file: `?file_name=` or Content-Disposition's filename",
        )
    })?;
    clean_file_name(&name)
}

/// The last segment of the name a client gave (no folder survives, whichever separator it
/// used), trimmed and at most [`MAX_FILE_NAME_BYTES`] bytes. Control characters (NUL among
/// them) and names that are only dots are refused: they name no file a reader could save.
pub fn clean_file_name(name: &str) -> Result<String, ApiError> {
    let field = "file_name";
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(ApiError::validation(
            field,
            format!(
                "contains the control character U+{:04X}; a file name is text",
                u32::from(c)
            ),
        ));
    }
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if last.is_empty() || last.chars().all(|c| c == '.') {
        return Err(ApiError::validation(field, "the upload has no file name"));
    }
    let mut cut = last.len().min(MAX_FILE_NAME_BYTES);
    while !last.is_char_boundary(cut) {
        cut -= 1;
    }
    Ok(last[..cut].trim_end().to_owned())
}

/// The metadata from form fields or query parameters: `title`, `alt.<locale>`, `credit`,
/// `copyright`, `focal_point` (`x,y`), or all of it at once as `metadata`, a JSON object of
/// `AssetInput`. Each name once; any other name is refused.
pub fn metadata_from_fields(fields: Vec<(String, String)>) -> Result<AssetInput, ApiError> {
    let mut seen = std::collections::HashSet::new();
    for (name, _) in &fields {
        if !seen.insert(name.as_str()) {
            return Err(ApiError::invalid_parameter(name, "is given more than once"));
        }
    }
    // `metadata` (a JSON `AssetInput`) first; the fields given one by one go over it.
    let mut input = match fields.iter().find(|(name, _)| name == "metadata") {
        Some((_, json)) => {
            // The form itself is well formed: a field whose text is no JSON is unprocessable.
            let value: serde_json::Value = serde_json::from_str(json)
                .map_err(|e| ApiError::validation("metadata", format!("is not JSON: {e}")))?;
            crate::http::body::parse_input::<AssetInput>(value)?
        }
        None => AssetInput::default(),
    };
    let mut alt = std::mem::take(&mut input.alt.0);
    for (name, value) in fields {
        match name.as_str() {
            "metadata" => {}
            "title" => input.title = value,
            "credit" => input.credit = Some(value),
            "copyright" => input.copyright = Some(value),
            "focal_point" => input.focal_point = Some(focal_point(&value)?),
            other => match other.strip_prefix("alt.") {
                Some(locale) if !locale.is_empty() => {
                    alt.insert(locale.to_owned(), value);
                }
                _ => {
                    return Err(ApiError::invalid_parameter(
                        other,
                        "unknown field; known: file, file_name, title, alt.<locale>, credit, \
                         copyright, focal_point, metadata",
                    ))
                }
            },
        }
    }
    input.alt = Localized(alt);
    Ok(input)
}

/// `x,y`, a space allowed after the comma (the documented pattern `^[0-9.]+, ?[0-9.]+$`):
/// text of another shape is a 400, numbers of that shape but not from 0 to 1 a 422.
fn focal_point(value: &str) -> Result<FocalPoint, ApiError> {
    let message = "two numbers from 0 to 1, `x,y` (e.g. `0.5,0.3`)";
    let number_like = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let (x, y) = value
        .split_once(',')
        .map(|(x, y)| (x, y.strip_prefix(' ').unwrap_or(y)))
        .filter(|(x, y)| number_like(x) && number_like(y))
        .ok_or_else(|| ApiError::invalid_parameter("focal_point", message))?;
    let parse = |s: &str| s.parse::<f64>().ok().filter(|v| (0.0..=1.0).contains(v));
    match (parse(x), parse(y)) {
        (Some(x), Some(y)) => Ok(FocalPoint { x, y }),
        _ => Err(ApiError::validation("focal_point", message)),
    }
}

/// The request body, cut off with `PayloadError::Overflow` once more than `limit` bytes came.
struct Limited {
    inner: Payload,
    remaining: u64,
}

impl Limited {
    fn new(inner: Payload, limit: u64) -> Self {
        Self {
            inner,
            remaining: limit,
        }
    }
}

impl Stream for Limited {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let len = chunk.len() as u64;
                if len > self.remaining {
                    self.remaining = 0;
                    return Poll::Ready(Some(Err(PayloadError::Overflow)));
                }
                self.remaining -= len;
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_file_name_loses_every_folder() {
        assert_eq!(clean_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_file_name("C:\\photos\\kyiv.jpg").unwrap(), "kyiv.jpg");
        assert_eq!(clean_file_name("  shelter.jpg ").unwrap(), "shelter.jpg");
        assert_eq!(clean_file_name("звіт 2026.pdf").unwrap(), "звіт 2026.pdf");
    }

    #[test]
    fn names_that_name_no_file_are_refused() {
        for name in [
            "",
            "..",
            "../",
            "a/..",
            "   ",
            "x\0.jpg",
            "a\nb.png",
            "\u{7f}.gif",
        ] {
            assert!(clean_file_name(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn a_long_name_is_cut_at_a_character_boundary() {
        let name = "є".repeat(200);
        let cleaned = clean_file_name(&name).unwrap();
        assert!(cleaned.len() <= MAX_FILE_NAME_BYTES);
        assert!(cleaned.chars().all(|c| c == 'є'));
    }

    #[test]
    fn metadata_comes_field_by_field_or_as_json() {
        let fields = vec![
            ("title".to_owned(), "Kyiv".to_owned()),
            ("alt.en".to_owned(), "A street".to_owned()),
            ("focal_point".to_owned(), "0.25, 0.75".to_owned()),
        ];
        let input = metadata_from_fields(fields).unwrap();
        assert_eq!(input.title, "Kyiv");
        assert_eq!(input.alt.0.get("en").map(String::as_str), Some("A street"));
        assert_eq!(input.focal_point, Some(FocalPoint { x: 0.25, y: 0.75 }));
        let json = vec![(
            "metadata".to_owned(),
            r#"{"title": "Kyiv", "alt": {"uk": "Вулиця"}}"#.to_owned(),
        )];
        assert_eq!(metadata_from_fields(json).unwrap().title, "Kyiv");
        let both = vec![
            (
                "metadata".to_owned(),
                r#"{"title": "Kyiv", "alt": {"uk": "Вулиця"}}"#.to_owned(),
            ),
            ("alt.en".to_owned(), "A street".to_owned()),
            ("title".to_owned(), "Kharkiv".to_owned()),
        ];
        let input = metadata_from_fields(both).unwrap();
        assert_eq!(input.title, "Kharkiv", "a field goes over the JSON");
        assert_eq!(input.alt.0.len(), 2);
    }

    #[test]
    fn unknown_repeated_and_malformed_fields_are_refused() {
        // A field of a name or shape that the form's schema rejects is a 400; a field of the
        // documented shape whose content cannot be used is a 422.
        let cases: Vec<(Vec<(&str, &str)>, u16)> = vec![
            (vec![("colour", "red")], 400),
            (vec![("title", "a"), ("title", "b")], 400),
            (vec![("alt.", "x")], 400),
            (vec![("focal_point", "0.5")], 400),
            (vec![("focal_point", "0.5,0.4,0.3")], 400),
            (vec![("focal_point", "0.5,  0.4")], 400),
            (vec![("focal_point", "null")], 400),
            (vec![("focal_point", "-0.5,0.4")], 400),
            (vec![("focal_point", "2,0")], 422),
            (vec![("focal_point", "0.5.1,0")], 422),
            (vec![("focal_point", ".,0")], 422),
            (vec![("metadata", "{not json")], 422),
            (vec![("metadata", "null")], 422),
            (vec![("metadata", r#"{"unknown": 1}"#)], 422),
        ];
        for (case, status) in cases {
            let fields = case
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let error = metadata_from_fields(fields).unwrap_err();
            assert_eq!(error.problem().status, status, "{case:?}");
        }
        let point = |text: &str| metadata_from_fields(vec![("focal_point".into(), text.into())]);
        assert_eq!(
            point("1,0.").unwrap().focal_point,
            Some(FocalPoint { x: 1.0, y: 0.0 })
        );
        assert_eq!(
            point(".5, 0").unwrap().focal_point,
            Some(FocalPoint { x: 0.5, y: 0.0 })
        );
    }

    proptest! {
        #[test]
        fn any_name_is_cleaned_or_refused_never_kept_with_a_separator(name in "\\PC{0,300}|[./\\\\a\0]{0,20}") {
            if let Ok(cleaned) = clean_file_name(&name) {
                prop_assert!(!cleaned.contains('/') && !cleaned.contains('\\'));
                prop_assert!(!cleaned.chars().any(char::is_control));
                prop_assert!(!cleaned.is_empty() && cleaned != "." && cleaned != "..");
                prop_assert!(cleaned.len() <= MAX_FILE_NAME_BYTES);
            }
        }

        #[test]
        fn any_fields_give_metadata_or_an_error(fields in proptest::collection::vec(("[a-z._]{0,12}", "\\PC{0,40}"), 0..6)) {
            let _ = metadata_from_fields(fields);
        }
    }
}
