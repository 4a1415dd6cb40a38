//! The `{id_or_slug}` segment of an item's path: the extractor, and its OpenAPI parameter,
//! documented once per resource (like crates.io's `CratePath`).

use std::marker::PhantomData;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::{ready, Ready};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::Required;
use utoipa::{IntoParams, PartialSchema};

use crate::http::error::ApiError;
use crate::http::params::ItemKey;

/// What the path parameter says of a resource's items.
pub trait NamedByPath {
    /// The parameter's description, e.g. "The objective's UUID or slug".
    const PATH_DESCRIPTION: &'static str;
    /// A slug of the seed content.
    const PATH_EXAMPLE: &'static str;
    /// The parameter's name in the route.
    const PATH_NAME: &'static str = "id_or_slug";
}

/// The item a path names, by UUID or slug. A segment that names nothing is a 404 only when the
/// request is otherwise good: authentication, parameters and body are checked first, so the
/// key is parsed when the handler asks for it (`key`), not when the request is extracted.
pub struct ItemPath<R> {
    segment: String,
    resource: PhantomData<R>,
}

impl<R> ItemPath<R> {
    pub fn key(&self) -> Result<ItemKey, ApiError> {
        ItemKey::parse(&self.segment)
    }
}

impl<R> FromRequest for ItemPath<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Percent-decoded as `web::Path` decodes it.
        let segment = web::Path::<String>::extract(req)
            .into_inner()
            .map(web::Path::into_inner)
            .map_err(|_| ApiError::not_found("no item has this id or slug"));
        ready(segment.map(|segment| Self {
            segment,
            resource: PhantomData,
        }))
    }
}

impl<R: NamedByPath> IntoParams for ItemPath<R> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        #[allow(deprecated)] // `example` is what the committed document carries
        let parameter = ParameterBuilder::new()
            .name(R::PATH_NAME)
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some(R::PATH_DESCRIPTION))
            .schema(Some(String::schema()))
            .example(Some(serde_json::Value::from(R::PATH_EXAMPLE)))
            .build();
        vec![parameter]
    }
}
