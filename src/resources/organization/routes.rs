use actix_web::HttpResponse;

use super::document::OrganizationDocument;
use super::dto::{Organization, OrganizationEditor, OrganizationInput, OrganizationView};
use super::queries;
use crate::app::state::State;
use crate::content::routes::document_routes;
use crate::http::error::ApiError;
use crate::http::params::{LocaleParams, Query};
use crate::http::viewer::Viewer;

/// The organization profile
///
/// Name, founding year, membership figures (as numbers) and the texts that describe the
/// organization, in the reader's locale with fallback to the default locale; the editor view
/// with a valid token.
#[utoipa::path(
    tag = "organization",
    extensions(("x-orgcms-content" = json!("organization"))),
    params(LocaleParams),
    responses((status = 200, description = "The profile", body = OrganizationView), (status = 404, description = "The profile is not set up yet", body = crate::http::error::Problem, content_type = "application/problem+json")),
)]
#[get("/organization")]
pub async fn get_organization(
    viewer: Viewer,
    _query: Query<LocaleParams>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let row = viewer.read(&state, |conn| Ok(queries::find(conn)?)).await?;
    let row =
        row.ok_or_else(|| ApiError::not_found("the organization profile is not set up yet"))?;
    viewer.item(row, Organization::new, OrganizationEditor::new)
}

document_routes! {
    document: OrganizationDocument, input: OrganizationInput, tag: "organization",
    collection: "/organization", item: "/organization";

    /// Replace the organization profile
    ///
    /// Creates it (201) when it does not exist yet.
    replace_singleton replace_organization {
        responses(
            (status = 200, description = "The profile as written", body = OrganizationEditor),
            (status = 201, description = "The profile was created", body = OrganizationEditor),
            (status = 412, description = "`If-Match` does not match the profile's current `ETag`", body = crate::http::error::Problem, content_type = "application/problem+json"),
        )
    }

    /// Change the organization profile
    ///
    /// A JSON merge patch (RFC 7396) of `OrganizationInput`.
    update_singleton update_organization {
        request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
            description = "Fields of `OrganizationInput` to change", example = json!({"member_states": 176})),
        responses(
            (status = 200, description = "The profile as written", body = OrganizationEditor),
            (status = 404, description = "The profile is not set up yet", body = crate::http::error::Problem, content_type = "application/problem+json"),
            (status = 412, description = "`If-Match` does not match the profile's current `ETag`", body = crate::http::error::Problem, content_type = "application/problem+json"),
        )
    }
}
