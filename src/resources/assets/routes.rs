use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::document::{check_for_kind, validate_metadata, AssetDocument};
use super::dto::{AssetEditor, AssetInput, AssetView};
use super::queries::{self, AssetFilter, NewFile};
use super::upload::UploadRequest;
use crate::app::state::State;
use crate::content::engine;
use crate::content::routes::document_routes;
use crate::content::validation::Checker;
use crate::db;
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams};
use crate::http::params::ListQuery;
use crate::http::responses::editor_list_response;
use crate::media::kind::AssetKind;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetQuery {
    /// Only assets of this kind: `image` (JPEG, PNG, WebP, GIF, AVIF), `document` (PDF) or
    /// `vector` (SVG).
    #[param(inline, example = "image")]
    pub kind: Option<AssetKindParam>,
    /// Words that the file name or the title contains, each (case-insensitive).
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = "[^\\s\\x00-\\x1f\\x7f-\\x9f\\ufeff]",
        example = "shelter"
    )]
    pub q: Option<String>,
}

/// The kinds of assets.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetKindParam {
    Image,
    Document,
    Vector,
}

impl AssetKindParam {
    fn kind(self) -> AssetKind {
        match self {
            Self::Image => AssetKind::Image,
            Self::Document => AssetKind::Document,
            Self::Vector => AssetKind::Vector,
        }
    }
}

/// List the assets
///
/// The media library, newest first. Editors, and partners whose API key has `assets:read`.
#[utoipa::path(
    tag = "assets",
    operation_id = "list_assets",
    params(AssetQuery, PageParams),
    responses(
        (status = 200, description = "A page of assets", body = ListResponse<AssetEditor>),
    ),
    security(("bearer" = [])),
)]
#[get("/assets")]
pub async fn list_assets(
    req: HttpRequest,
    _reader: crate::accounts::keys::AssetsReader,
    query: ListQuery<AssetQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let search = crate::http::params::search_text(query.filter.q.as_deref())?;
    let filter = AssetFilter {
        kind: query.filter.kind.map(|k| k.kind().as_str().to_owned()),
        search,
    };
    let paging = query.paging(&req, true)?;
    let page = paging.clone();
    let (rows, total) = db::run(&state.pool, move |conn| {
        Ok(queries::list(conn, &filter, &page)?)
    })
    .await?;
    let (rows, meta) = paging.finish(rows, total, queries::key_of);
    let links = &state.media.links;
    let data: Vec<AssetEditor> = rows
        .into_iter()
        .map(|row| AssetEditor::new(row, links))
        .collect();
    editor_list_response(&req, data, meta)
}

/// Upload an asset
///
/// Either `multipart/form-data` with one part `file` (the file, with its name) and the metadata
/// as fields (`title`, `alt.<locale>`, `credit`, `copyright`, `focal_point` as `x,y`; or all of
/// it as one field `metadata`, a JSON `AssetInput`), or the file itself as the body, with its
/// `Content-Type`, its name in `?file_name=` (or `Content-Disposition`) and the metadata in the
/// query string. The type is decided by the bytes: a declared type that contradicts them is a
/// 422 naming the file. EXIF, XMP and GPS metadata are removed (the colour profile is kept, the orientation
/// applied) before the file is stored. Images need alt text in the default locale. An
/// `Idempotency-Key` makes the upload safe to retry.
#[utoipa::path(
    tag = "assets",
    operation_id = "upload_asset",
    params(UploadParams),
    request_body(
        description = "The file: a form with a `file` part, or the file's own bytes",
        content(
            (UploadForm = "multipart/form-data"),
            (FileBytes = "image/jpeg"),
            (FileBytes = "image/png"),
            (FileBytes = "image/webp"),
            (FileBytes = "image/gif"),
            (FileBytes = "image/avif"),
            (FileBytes = "application/pdf"),
            (FileBytes = "image/svg+xml"),
        ),
    ),
    responses(
        (status = 201, description = "Stored; `Location` names the new asset", body = AssetEditor),
        (status = 413, description = "The file is larger than `ORGCMS_MEDIA_MAX_UPLOAD_BYTES`", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body's type is neither a form nor an accepted file type", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/assets")]
pub async fn upload_asset(upload: UploadRequest, state: State) -> Result<HttpResponse, ApiError> {
    let media = state.media.clone();
    let editor = upload.editor.clone();
    let headers = upload.headers.clone();
    let received = upload.receive(media.settings.max_upload_bytes).await?;
    let input: AssetInput = received.metadata;
    let mut checker = Checker::new(&state.locales);
    validate_metadata(&input, &mut checker);
    checker.finish()?;
    let prepared = media
        .prepare(&received.file_name, received.declared_type, received.bytes)
        .await?;
    let mut checker = Checker::new(&state.locales);
    check_for_kind(
        &input,
        prepared.kind.kind() == AssetKind::Image,
        &mut checker,
    );
    checker.finish()?;
    let file = NewFile {
        file_name: received.file_name,
        kind: prepared.kind.kind().as_str().to_owned(),
        media_type: prepared.kind.media_type().to_owned(),
        byte_size: prepared.bytes.len() as i64,
        width: prepared.header.map(|h| h.width as i32),
        height: prepared.header.map(|h| h.height as i32),
        sha256: prepared.sha256.clone(),
        storage_key: prepared.storage_key.clone(),
    };
    // Stored before the row commits: an acknowledged asset always has its file. A row that then
    // fails to commit leaves a file no row names, which `orgcms assets gc` removes.
    media
        .storage
        .put(&prepared.storage_key, prepared.bytes)
        .await?;
    // The key stands for this file with these fields.
    let fingerprint = serde_json::to_string(&(&file, &input))
        .map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    crate::content::request::run_write(&state, editor, headers, move |conn, ctx| {
        engine::create_by::<AssetDocument, _>(conn, ctx, &fingerprint, |conn| {
            Ok(queries::insert(conn, &file, &input)?)
        })
    })
    .await
}

/// The query string of a raw upload (a form upload ignores it: its metadata are form fields).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters that `upload::metadata_from_fields` reads
pub struct UploadParams {
    /// A raw upload's file name (or give `Content-Disposition: attachment; filename=...`).
    #[param(example = "shelter.jpg", max_length = 255)]
    file_name: Option<String>,
    /// A raw upload's title.
    #[param(example = "Shelter in Kharkiv", max_length = 300)]
    title: Option<String>,
    /// A raw upload's alt text in the default locale (`alt.<locale>` for each locale).
    #[param(
        rename = "alt.en",
        example = "The entrance of the shelter",
        max_length = 500
    )]
    alt_en: Option<String>,
    /// A raw upload's alt text in Ukrainian.
    #[param(rename = "alt.uk", example = "Вхід до притулку", max_length = 500)]
    alt_uk: Option<String>,
    /// A raw upload's credit.
    #[param(example = "IOM Ukraine", min_length = 1, max_length = 300)]
    credit: Option<String>,
    /// A raw upload's copyright.
    #[param(example = "© IOM 2026", min_length = 1, max_length = 300)]
    copyright: Option<String>,
    /// A raw upload's focal point, `x,y` from 0 to 1.
    #[param(example = "0.5,0.4", pattern = "^[0-9.]+, ?[0-9.]+$")]
    focal_point: Option<String>,
}

/// A file's bytes, as the body of a raw upload.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // documents the body that `upload::receive` reads
pub struct FileBytes(Vec<u8>);

/// A form upload: one part `file`, and the metadata as fields. No other field is accepted.
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documents the form that `upload::receive_form` reads
pub struct UploadForm {
    /// The file, with its name.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(required = false, max_length = 300, example = "Shelter in Kharkiv")]
    title: String,
    /// Alt text per locale: one field `alt.<locale>` each (`alt.en`, `alt.uk`).
    #[schema(
        rename = "alt.en",
        required = false,
        max_length = 500,
        example = "The entrance of the shelter"
    )]
    alt_en: String,
    #[schema(
        rename = "alt.uk",
        required = false,
        max_length = 500,
        example = "Вхід до притулку"
    )]
    alt_uk: String,
    #[schema(
        required = false,
        min_length = 1,
        max_length = 300,
        example = "IOM Ukraine"
    )]
    credit: String,
    #[schema(
        required = false,
        min_length = 1,
        max_length = 300,
        example = "© IOM 2026"
    )]
    copyright: String,
    /// `x,y`, each from 0 to 1.
    #[schema(required = false, pattern = "^[0-9.]+, ?[0-9.]+$", example = "0.5,0.4")]
    focal_point: String,
    /// All of the metadata as one JSON `AssetInput`; the fields above, when given too, go over
    /// it.
    #[schema(
        required = false,
        example = "{\"alt\": {\"en\": \"The entrance of the shelter\"}}"
    )]
    metadata: String,
}

document_routes! {
    document: AssetDocument, input: AssetInput, tag: "assets",
    collection: "/assets", item: "/assets/{id}",
    path_parameter: "The asset's UUID", example "1f7c3d52-3a51-4b8e-9a5e-2f0b6f1f9c11", named "id";

    /// Get one asset's metadata
    ///
    /// The editor view with a valid token; readers get an asset only while public content
    /// shows it (a published news item, a mission).
    get get_asset {
        responses((status = 200, description = "The asset", body = AssetView))
    }

    /// Replace an asset's metadata
    ///
    /// The file never changes: upload a new asset for a new file.
    replace replace_asset {
        responses((status = 200, description = "The asset as written", body = AssetEditor))
    }

    /// Change an asset's metadata
    ///
    /// A JSON merge patch (RFC 7396) of `AssetInput`.
    update update_asset {
        request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
            description = "Fields of `AssetInput` to change", example = json!({"alt": {"uk": "Вхід до прихистку"}})),
        responses((status = 200, description = "The asset as written", body = AssetEditor))
    }

    /// Delete an asset
    ///
    /// Refused with 409 while content uses it (the problem names where). Its file is removed
    /// by `orgcms assets gc` once no asset has it.
    delete delete_asset {}
}
