use actix_web::HttpResponse;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::document::MissionDocument;
use super::dto::{MissionEditor, MissionInput, MissionListItem, MissionSummary, MissionView};
use super::queries::{self, MissionFilter, MissionOrder};
use crate::app::state::State;
use crate::content::routes::document_routes;
use crate::http::error::ApiError;
use crate::http::pagination::{ListResponse, PageParams};
use crate::http::params::{ItemKey, ListQuery};
use crate::http::viewer::{Presented, Viewer};
use crate::resources::changes::queries::public_last_modified;

/// Orders of the mission list; a leading `-` means descending.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
pub enum MissionSort {
    #[serde(rename = "slug")]
    Slug,
    #[serde(rename = "-slug")]
    SlugDesc,
    #[serde(rename = "country_code")]
    CountryCode,
    #[serde(rename = "-country_code")]
    CountryCodeDesc,
    #[serde(rename = "started_year")]
    StartedYear,
    #[serde(rename = "-started_year")]
    StartedYearDesc,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MissionsQuery {
    /// Only the mission in this country (ISO 3166-1 alpha-2 code, either case).
    #[param(pattern = "^[A-Za-z]{2}$", example = "UA")]
    pub country: Option<String>,
    /// Order of the list (default `slug`).
    #[param(inline, example = "slug")]
    pub sort: Option<MissionSort>,
    /// The reader's locale (e.g. `en`, `uk`); overrides `Accept-Language`.
    #[param(inline, value_type = Option<crate::http::params::DocumentedLocale>, example = "uk")]
    pub locale: Option<String>,
}

impl MissionsQuery {
    fn filter(&self) -> Result<MissionFilter, ApiError> {
        let country_code = match &self.country {
            Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
                Some(c.to_ascii_uppercase())
            }
            Some(_) => {
                return Err(ApiError::invalid_parameter(
                    "country",
                    "must be an ISO 3166-1 alpha-2 code such as `UA`",
                ))
            }
            None => None,
        };
        let (order, descending) = match self.sort.unwrap_or(MissionSort::Slug) {
            MissionSort::Slug => (MissionOrder::Slug, false),
            MissionSort::SlugDesc => (MissionOrder::Slug, true),
            MissionSort::CountryCode => (MissionOrder::CountryCode, false),
            MissionSort::CountryCodeDesc => (MissionOrder::CountryCode, true),
            MissionSort::StartedYear => (MissionOrder::StartedYear, false),
            MissionSort::StartedYearDesc => (MissionOrder::StartedYear, true),
        };
        Ok(MissionFilter {
            country_code,
            only: None,
            order,
            descending,
        })
    }
}

/// List the country missions
///
/// Summaries in the reader's locale; with a valid token, the editor view with all parts.
#[utoipa::path(
    tag = "missions",
    extensions(("x-orgcms-content" = json!("missions"))),
    params(MissionsQuery, PageParams),
    responses((status = 200, description = "A page of missions", body = ListResponse<MissionListItem>)),
)]
#[get("/missions")]
pub async fn list_missions(
    viewer: Viewer,
    query: ListQuery<MissionsQuery>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let mut filter = query.filter.filter()?;
    filter.only = viewer.only_mission();
    let order = filter.order;
    let paging = query.paging(viewer.request(), true)?;
    let is_editor = viewer.is_editor();
    let page = paging.clone();
    let clock = state.clock.clone();
    let (rows, documents, total, modified) = viewer
        .read(&state, move |conn| {
            let (rows, total) = queries::list(conn, &filter, &page)?;
            let mut documents = Vec::new();
            if is_editor {
                // Editors see every part. The extra row that tells whether a next page exists is
                // not shown.
                for row in rows.iter().take(page.per_page as usize) {
                    documents.extend(queries::find(conn, &ItemKey::Id(row.id))?);
                }
            }
            let modified = public_last_modified(&clock, conn, chrono::Utc::now())?;
            Ok((rows, documents, total, modified))
        })
        .await?;
    let (rows, meta) = paging.finish(rows, total, queries::key_of(order));
    // Editors' items are the documents loaded above, not the page's rows.
    let page = if is_editor {
        Presented::Editor(documents.into_iter().map(MissionEditor::new).collect())
    } else {
        let locale = &viewer.locale;
        Presented::Public(
            rows.iter()
                .map(|row| MissionSummary::new(row, locale))
                .collect(),
        )
    };
    viewer.list(page, meta, modified)
}

document_routes! {
    document: MissionDocument, input: MissionInput, tag: "missions",
    collection: "/missions", item: "/missions/{id_or_slug}",
    path_parameter: "The mission's UUID or slug", example "ukraine";

    /// Get one country mission
    ///
    /// By id or slug, with its milestones, focus areas, key figures and assistance types; the
    /// editor view with a valid token.
    get get_mission {
        responses((status = 200, description = "The mission", body = MissionView))
    }

    /// Create a country mission
    ///
    /// With all its parts, every locale at once.
    create create_mission {
        responses((status = 201, description = "Created; `Location` names the new mission", body = MissionEditor))
    }

    /// Replace a country mission
    ///
    /// The body replaces every field and all parts; a missing `slug` keeps the current one.
    replace replace_mission {
        responses((status = 200, description = "The mission as written", body = MissionEditor))
    }

    /// Change a country mission
    ///
    /// A JSON merge patch (RFC 7396) of `MissionInput`; a list of parts in the patch replaces that
    /// whole list.
    update update_mission {
        request_body(content = crate::http::params::MergePatch, content_type = "application/merge-patch+json",
            description = "Fields of `MissionInput` to change", example = json!({"office_city": {"uk": "Київ"}})),
        responses((status = 200, description = "The mission as written", body = MissionEditor))
    }

    /// Delete a country mission
    ///
    /// Its parts go with it; its news items stay, without a mission.
    delete delete_mission {}
}
