//! Serving an asset's file and its variants. The URL carries the file's SHA-256 (and a crop's
//! focal point), so what it names never changes: a year of `Cache-Control`, `immutable`, a
//! strong `ETag`. Readers get the files of assets that public content shows; editors any.
//! Every file is served inert: `nosniff`, and the API's policy with `sandbox` (see
//! `http::middleware::security`); an SVG also as an attachment, never as a page.

use actix_web::http::header::{
    self, ByteRangeSpec, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
    Header, Range,
};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};

use super::queries::{self, AssetRow};
use crate::accounts::auth::extractor::MaybeEditor;
use crate::app::state::State;
use crate::db;
use crate::http::caching::is_not_modified;
use crate::http::error::ApiError;
use crate::media::kind::MediaKind;
use crate::media::library::hex_sha256;
use crate::media::links::{focal_parameter, renders};
use crate::media::spec::FocalPoint;
use crate::media::variant::{self, FormatChoice};

/// A year: what a content-addressed URL may be kept for.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// A file of an asset that no public content shows yet: only its editor may keep it.
const PRIVATE: &str = "private, no-store";

impl From<variant::VariantError> for ApiError {
    fn from(error: variant::VariantError) -> Self {
        ApiError::invalid_parameter(error.parameter(), error.to_string())
    }
}

/// The parameters of a variant (`media::variant::parse` reads them; documented here).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct VariantParams {
    /// A configured preset (`ORGCMS_MEDIA_PRESETS`; by default `thumb` 320, `card` 640, `hero`
    /// 1600 wide); excludes `w`, `h` and `fit`.
    #[param(example = "card", max_length = 40)]
    preset: Option<String>,
    /// Width: one of `ORGCMS_MEDIA_WIDTHS` (by default 160, 320, 480, 640, 960, 1280, 1600,
    /// 1920, 2560) or a preset's. The image is never enlarged.
    #[param(example = 640, minimum = 1)]
    w: Option<u32>,
    /// Height, from the same list.
    #[param(example = 480, minimum = 1)]
    h: Option<u32>,
    /// How the image fills `w` x `h`: `inside` (default), `cover` (cropped around the focal
    /// point), `contain` (padded), `fill` (stretched).
    #[param(example = "cover", pattern = "^(inside|cover|contain|fill)$")]
    fit: Option<String>,
    /// `auto` (AVIF or WebP as `Accept` allows, else the original's format), `jpeg`, `png`,
    /// `webp` or `avif`.
    #[param(example = "auto", pattern = "^(auto|jpeg|png|webp|avif)$")]
    format: Option<String>,
    /// Quality, one of `ORGCMS_MEDIA_QUALITIES` (by default 50, 60, 70, 75, 80, 90).
    #[param(example = 75, minimum = 1, maximum = 100)]
    q: Option<u8>,
    /// The focal point a crop's link was made for (the asset's links carry it).
    #[param(example = "0.50,0.40", pattern = "^[01]\\.[0-9]{2},[01]\\.[0-9]{2}$")]
    fp: Option<String>,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FilePath {
    /// The asset's UUID.
    #[param(example = "1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11")]
    id: String,
    /// The SHA-256 of the stored file, as the asset's `links.url` gives it.
    #[param(
        pattern = "^[0-9a-f]{64}$",
        example = "9f2c4a0d3b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
    )]
    sha256: String,
}

/// Get an asset's file or a variant of it
///
/// Without parameters, the stored file (metadata removed), with byte ranges (`Range`). With
/// `preset`, or `w`/`h`/`fit`/`q` from the configured allow-lists, and `format`, a variant of a
/// JPEG, PNG, WebP or GIF image, rendered once and then served from storage; `format=auto`
/// answers AVIF or WebP as `Accept` allows (with `Vary: Accept`). `fp` is the focal point that
/// the links of crops carry: a link made for another focal point is a 404.
#[utoipa::path(
    tag = "assets",
    operation_id = "get_asset_file",
    params(FilePath, VariantParams),
    responses(
        (status = 200, description = "The file or the variant", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"),
            (Vec<u8> = "image/gif"), (Vec<u8> = "image/avif"), (Vec<u8> = "application/pdf"),
            (Vec<u8> = "image/svg+xml"),
        ), headers(
            ("ETag" = String, description = "Strong; the same for the same bytes"),
            ("Cache-Control" = String, description = "`public, max-age=31536000, immutable` for the file of a public asset"),
        )),
        (status = 206, description = "The byte range asked for (the stored file only)", content((Vec<u8> = "application/octet-stream"))),
        (status = 304, description = "The client's copy is current"),
        (status = 404, description = "No such asset, not this file, or not public", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is outside the file", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = [])),
)]
#[get("/assets/{id}/file/{sha256}")]
pub async fn get_asset_file(
    req: HttpRequest,
    path: web::Path<FilePath>,
    viewer: MaybeEditor,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let FilePath { id, sha256 } = path.into_inner();
    let missing = || ApiError::not_found("no such file");
    let id = uuid::Uuid::parse_str(&id).map_err(|_| missing())?;
    let is_editor = viewer.0.is_some();
    let (row, public) = db::run(&state.pool, move |conn| {
        let Some(row) = queries::find(conn, id)? else {
            return Ok(None);
        };
        let public = queries::is_public(conn, id, chrono::Utc::now())?;
        Ok(Some((row, public)))
    })
    .await?
    .ok_or_else(missing)?;
    if row.sha256 != sha256 || !(public || is_editor) {
        return Err(missing());
    }
    let cache_control = if public { IMMUTABLE } else { PRIVATE };
    let (pairs, focal) = split_focal(req.query_string());
    if pairs.is_empty() && focal.is_none() {
        return original(&req, &state, &row, cache_control).await;
    }
    let kind = row.media_kind();
    if !renders(kind) {
        return Err(ApiError::invalid_parameter(
            "preset",
            format!(
                "variants are made of JPEG, PNG, WebP and GIF images; this file is {}",
                kind.media_type()
            ),
        ));
    }
    let query = variant::parse(&pairs, &state.media.settings)?;
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let format = variant::negotiate(
        query.format(),
        accept,
        kind,
        crate::media::render::AVIF_OUTPUT,
    );
    let current_focal = row.focal_point().map(|f| FocalPoint { x: f.x, y: f.y });
    let (spec, params) = variant::resolve(&query, format, current_focal, &state.media.settings);
    // A crop's link names the focal point it was made for; another one would render (and let
    // caches keep) what the current metadata no longer says.
    let crops =
        spec.fit == crate::media::spec::Fit::Cover && spec.width.is_some() && spec.height.is_some();
    if let Some(asked) = &focal {
        let current = current_focal.map(focal_parameter);
        if !crops || current.as_deref() != Some(asked.as_str()) {
            return Err(ApiError::not_found(
                "this link was made for another focal point; the asset's links give the current one",
            ));
        }
    }
    let etag = format!(
        "\"{}\"",
        &hex_sha256(format!("{sha256}/{params}").as_bytes())[..32]
    );
    let vary = query.format() == FormatChoice::Auto;
    if is_not_modified(req.headers(), &etag, None) {
        return Ok(not_modified(&etag, cache_control, vary));
    }
    let stored = state
        .media
        .variant(
            &state.pool,
            (&row.sha256, &row.storage_key, kind),
            spec,
            &params,
        )
        .await?;
    let mut response = HttpResponse::Ok();
    response
        .content_type(stored.media_type)
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header(disposition(&row, Some(format.extension())));
    if vary {
        response.insert_header((header::VARY, "Accept"));
    }
    Ok(response.body(stored.bytes))
}

/// The query without `fp`, and `fp`'s value.
fn split_focal(query: &str) -> (String, Option<String>) {
    let mut focal = None;
    let mut rest = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name == "fp" && focal.is_none() {
            focal = Some(value.into_owned());
        } else {
            rest.append_pair(&name, &value);
            any = true;
        }
    }
    (if any { rest.finish() } else { String::new() }, focal)
}

fn not_modified(etag: &str, cache_control: &str, vary: bool) -> HttpResponse {
    let mut response = HttpResponse::NotModified();
    response
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CACHE_CONTROL, cache_control.to_owned()));
    if vary {
        response.insert_header((header::VARY, "Accept"));
    }
    response.finish()
}

/// `inline` with the file's name (under the variant's extension), or `attachment` for an SVG:
/// opened from the API, it is a download, never a page.
fn disposition(row: &AssetRow, extension: Option<&str>) -> ContentDisposition {
    let name = match extension {
        Some(ext) => {
            let stem = row
                .file_name
                .rsplit_once('.')
                .map_or(row.file_name.as_str(), |(stem, _)| stem);
            format!("{stem}.{ext}")
        }
        None => row.file_name.clone(),
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: if row.media_kind() == MediaKind::Svg {
            DispositionType::Attachment
        } else {
            DispositionType::Inline
        },
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: name.into_bytes(),
            }),
        ],
    }
}

/// The stored file, whole or the one byte range asked for.
async fn original(
    req: &HttpRequest,
    state: &State,
    row: &AssetRow,
    cache_control: &str,
) -> Result<HttpResponse, ApiError> {
    let etag = format!("\"{}\"", row.sha256);
    if is_not_modified(req.headers(), &etag, None) {
        return Ok(not_modified(&etag, cache_control, false));
    }
    let size = u64::try_from(row.byte_size).unwrap_or_default();
    let range = requested_range(req, &etag, size)?;
    let mut response = match range {
        Some((start, end)) => {
            let bytes = state
                .media
                .storage
                .get_range(&row.storage_key, start..end + 1)
                .await?
                .ok_or_else(|| lost(row))?;
            let mut response = HttpResponse::build(StatusCode::PARTIAL_CONTENT);
            response.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
            (response, bytes)
        }
        None => {
            let bytes: Bytes = state
                .media
                .storage
                .get(&row.storage_key)
                .await?
                .ok_or_else(|| lost(row))?;
            (HttpResponse::Ok(), bytes)
        }
    };
    let (builder, bytes) = &mut response;
    builder
        .content_type(row.media_kind().media_type())
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control.to_owned()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header(disposition(row, None));
    Ok(builder.body(std::mem::take(bytes)))
}

fn lost(row: &AssetRow) -> ApiError {
    ApiError::Internal(format!(
        "the file {} of asset {} is missing",
        row.storage_key, row.id
    ))
}

/// The one satisfiable range of `Range` (RFC 9110 14.2), if any and if `If-Range` (when sent)
/// names this file; several ranges are answered with the whole file.
fn requested_range(
    req: &HttpRequest,
    etag: &str,
    size: u64,
) -> Result<Option<(u64, u64)>, ApiError> {
    if !req.headers().contains_key(header::RANGE) {
        return Ok(None);
    }
    if let Some(if_range) = req.headers().get(header::IF_RANGE) {
        if if_range.to_str().map(str::trim).ok() != Some(etag) {
            return Ok(None);
        }
    }
    let Ok(Range::Bytes(specs)) = Range::parse(req) else {
        // Another unit, or a malformed value: ignored, as RFC 9110 allows.
        return Ok(None);
    };
    let [spec] = specs.as_slice() else {
        return Ok(None);
    };
    let satisfiable: Option<(u64, u64)> = ByteRangeSpec::to_satisfiable_range(spec, size);
    match satisfiable {
        Some(range) => Ok(Some(range)),
        None => Err(ApiError::Other {
            status: StatusCode::RANGE_NOT_SATISFIABLE,
            kind: "range-not-satisfiable",
            detail: format!("the file has {size} bytes"),
        }),
    }
}
