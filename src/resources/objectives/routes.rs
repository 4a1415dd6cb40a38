use actix_web::HttpResponse;

use super::document::ObjectiveDocument;
use super::dto::{Objective, ObjectiveEditor, ObjectiveInput, ObjectiveView};
use super::queries;
use crate::app::state::State;
use crate::content::routes::document_routes;
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams};
use crate::http::params::{ListQuery, LocaleParams};
use crate::http::viewer::Viewer;
use crate::resources::changes::queries::public_last_modified;

/// List the objectives
///
/// The organization's strategic objectives in their order (`position`); the editor view with a
/// valid token.
#[utoipa::path(
    tag = "objectives",
    extensions(("x-orgcms-content" = json!("objectives"))),
    params(LocaleParams, PageParams),
    responses((status = 200, description = "A page of objectives", body = ListResponse<ObjectiveView>)),
)]
#[get("/objectives")]
pub async fn list_objectives(
    viewer: Viewer,
    query: ListQuery<LocaleParams>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let paging = query.paging(viewer.request(), true)?;
    let page = paging.clone();
    let clock = state.clock.clone();
    let ((rows, total), modified) = viewer
        .read(&state, move |conn| {
            Ok((
                queries::list(conn, &page)?,
                public_last_modified(&clock, conn, chrono::Utc::now())?,
            ))
        })
        .await?;
    let (rows, meta) = paging.finish(rows, total, queries::key_of);
    viewer.list(
        viewer.present(rows, Objective::new, ObjectiveEditor::new),
        meta,
        modified,
    )
}

document_routes! {
    document: ObjectiveDocument, input: ObjectiveInput, tag: "objectives",
    collection: "/objectives", item: "/objectives/{id_or_slug}",
    path_parameter: "The objective's UUID or slug", example "saving-lives-and-protecting-people-on-the-move";

    /// Get one objective
    ///
    /// By id or slug; the editor view with a valid token.
    get get_objective {
        responses((status = 200, description = "The objective", body = ObjectiveView))
    }

    /// Create an objective
    create create_objective {
        responses((status = 201, description = "Created; `Location` names the new objective", body = ObjectiveEditor))
    }

    /// Replace an objective
    replace replace_objective {
        responses((status = 200, description = "The objective as written", body = ObjectiveEditor))
    }

    /// Change an objective
    ///
    /// A JSON merge patch (RFC 7396) of `ObjectiveInput`.
    update update_objective {
        request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
            description = "Fields of `ObjectiveInput` to change", example = json!({"position": 2})),
        responses((status = 200, description = "The objective as written", body = ObjectiveEditor))
    }

    /// Delete an objective
    delete delete_objective {}
}
