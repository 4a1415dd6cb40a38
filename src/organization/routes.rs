use actix_web::{get, web, HttpRequest, HttpResponse};

use super::{dto::Organization, queries};
use crate::caching::{Audience, CachePolicy};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::locale::RequestLocale;
use crate::params::{LocaleParams, Query};
use crate::responses::item_response;

/// The organization profile
///
/// Name, founding year, membership figures (as numbers) and the texts that describe the
/// organization, in the reader's locale with fallback to the default locale.
#[utoipa::path(
    tag = "organization",
    operation_id = "get_organization",
    params(LocaleParams),
    responses((status = 200, description = "The profile", body = Organization)),
)]
#[get("/organization")]
pub async fn get_organization(
    req: HttpRequest,
    _query: Query<LocaleParams>,
    locale: RequestLocale,
    pool: web::Data<DbPool>,
    policy: web::Data<CachePolicy>,
) -> Result<HttpResponse, ApiError> {
    let row = db::run(&pool, |conn| Ok(queries::find(conn)?)).await?;
    let row =
        row.ok_or_else(|| ApiError::not_found("the organization profile is not set up yet"))?;
    let body = Organization::new(row, &locale);
    item_response(&req, Audience::Public(**policy), &body, &body.locale)
}
