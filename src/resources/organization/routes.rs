use actix_web::{get, patch, put, web, HttpRequest, HttpResponse};

use super::document::OrganizationDocument;
use super::dto::{Organization, OrganizationEditor, OrganizationInput, OrganizationView};
use super::queries;
use crate::accounts::auth::extractor::MaybeEditor;
use crate::content::locale::{Locales, RequestLocale};
use crate::content::writes::{self, run_write, WriteRequest};
use crate::db::{self, DbPool};
use crate::http::caching::{Audience, CachePolicy};
use crate::http::error::ApiError;
use crate::http::params::{ItemKey, LocaleParams, Query};
use crate::http::responses::{editor_item_response, item_response};

/// The singleton has no key; the write mechanism is given this one.
fn singleton() -> ItemKey {
    ItemKey::Slug("organization".into())
}

/// The organization profile
///
/// Name, founding year, membership figures (as numbers) and the texts that describe the
/// organization, in the reader's locale with fallback to the default locale; the editor view
/// with a valid token.
#[utoipa::path(
    tag = "organization",
    operation_id = "get_organization",
    extensions(("x-orgcms-content" = json!("organization"))),
    params(LocaleParams),
    responses((status = 200, description = "The profile", body = OrganizationView), (status = 404, description = "The profile is not set up yet", body = crate::http::error::Problem, content_type = "application/problem+json")),
)]
#[get("/organization")]
pub async fn get_organization(
    req: HttpRequest,
    editor: MaybeEditor,
    _query: Query<LocaleParams>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let row = db::run(&pool, |conn| Ok(queries::find(conn)?)).await?;
    let row =
        row.ok_or_else(|| ApiError::not_found("the organization profile is not set up yet"))?;
    if editor.0.is_some() {
        return editor_item_response(
            &req,
            &OrganizationView::Editor(OrganizationEditor::new(row)),
        );
    }
    let body = Organization::new(row, &locale);
    let shown = body.locale.clone();
    item_response(
        &req,
        Audience::Public(**policy),
        &OrganizationView::Public(body),
        &shown,
    )
}

/// Replace the organization profile
///
/// Creates it (201) when it does not exist yet.
#[utoipa::path(
    tag = "organization",
    operation_id = "replace_organization",
    extensions(("x-orgcms-content" = json!("organization"))),
    request_body = OrganizationInput,
    responses(
        (status = 200, description = "The profile as written", body = OrganizationEditor),
        (status = 201, description = "The profile was created", body = OrganizationEditor),
        (status = 412, description = "`If-Match` does not match the profile's current `ETag`", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[put("/organization")]
pub async fn replace_organization(
    write: WriteRequest,
    pool: web::Data<DbPool>,
    locales: web::Data<Locales>,
) -> Result<HttpResponse, ApiError> {
    run_write(
        &pool,
        write.editor,
        write.headers,
        &locales,
        move |conn, ctx| {
            writes::replace::<OrganizationDocument>(conn, ctx, &singleton(), write.body, true)
        },
    )
    .await
}

/// Change the organization profile
///
/// A JSON merge patch (RFC 7396) of `OrganizationInput`.
#[utoipa::path(
    tag = "organization",
    operation_id = "update_organization",
    extensions(("x-orgcms-content" = json!("organization"))),
    request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
        description = "Fields of `OrganizationInput` to change", example = json!({"member_states": 176})),
    responses(
        (status = 200, description = "The profile as written", body = OrganizationEditor),
        (status = 404, description = "The profile is not set up yet", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not match the profile's current `ETag`", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[patch("/organization")]
pub async fn update_organization(
    write: WriteRequest,
    pool: web::Data<DbPool>,
    locales: web::Data<Locales>,
) -> Result<HttpResponse, ApiError> {
    run_write(
        &pool,
        write.editor,
        write.headers,
        &locales,
        move |conn, ctx| writes::patch::<OrganizationDocument>(conn, ctx, &singleton(), write.body),
    )
    .await
}
