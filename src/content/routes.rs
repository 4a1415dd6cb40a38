//! The routes of a content resource, declared once (`document_routes!`): its get, create,
//! replace, update and delete operations, each a thin handler over the generic ones below,
//! with the OpenAPI text the declaration gives. Lists have filters of their own and are
//! written beside the declaration, answering through the same `Viewer`.

use actix_web::HttpResponse;
use serde::Serialize;

use crate::accounts::keys::Owner;
use crate::app::state::State;
use crate::content::document::Document;
use crate::content::locale::RequestLocale;
use crate::http::error::ApiError;
use crate::http::item_path::{ItemPath, NamedByPath};
use crate::http::params::{ItemKey, LocaleParams, Query};
use crate::http::viewer::{Presented, Shown, Viewer};
use crate::media::links::MediaLinks;

/// A document readers get one at a time (`GET /{collection}/{id_or_slug}`).
pub trait Readable: Document + NamedByPath {
    /// What readers see of an item.
    type Public: Serialize + Shown + Send + 'static;
    /// The detail of the 404 for an item that does not exist (or is not public).
    const MISSING: &'static str;

    /// The public item `key` names, in `locale`; None when it does not exist or is not public.
    fn find_public(
        conn: &mut diesel::PgConnection,
        key: &ItemKey,
        locale: &RequestLocale,
        links: &MediaLinks,
    ) -> Result<Option<Self::Public>, ApiError>;

    /// Whose the item is, for an API key restricted to one mission.
    fn owner(_item: &Self::Public) -> Owner {
        Owner::Everyone
    }

    fn editor_owner(_item: &Self::Editor) -> Owner {
        Owner::Everyone
    }

    /// The editor view of the item `key` names.
    fn find_editor(
        conn: &mut diesel::PgConnection,
        key: &ItemKey,
        links: &MediaLinks,
    ) -> Result<Option<Self::Editor>, ApiError> {
        match Self::id_of(conn, key)? {
            Some(id) => Self::load(conn, id, links),
            None => Ok(None),
        }
    }
}

/// GET of one item, in the viewer's view.
pub async fn get<D: Readable>(
    viewer: Viewer,
    _query: Query<LocaleParams>,
    path: ItemPath<D>,
    state: State,
) -> Result<HttpResponse, ApiError> {
    let key = path.key()?;
    let locale = (!viewer.is_editor()).then(|| viewer.locale.clone());
    let links = state.media.links.clone();
    let found = viewer
        .read(&state, move |conn| {
            Ok(match &locale {
                Some(locale) => D::find_public(conn, &key, locale, &links)?.map(Presented::Public),
                None => D::find_editor(conn, &key, &links)?.map(Presented::Editor),
            })
        })
        .await?
        .filter(|item| {
            viewer.reaches(match item {
                Presented::Public(item) => D::owner(item),
                Presented::Editor(item) => D::editor_owner(item),
            })
        });
    viewer.answer(found.ok_or_else(|| ApiError::not_found(D::MISSING))?)
}

/// The handlers of a content resource, from one declaration:
///
/// ```ignore
/// document_routes! {
///     document: ObjectiveDocument, input: ObjectiveInput, tag: "objectives",
///     collection: "/objectives", item: "/objectives/{id_or_slug}",
///     path_parameter: "The objective's UUID or slug", example "saving-lives-...";
///     /// Get one objective
///     get get_objective { responses(...) }
///     /// Create an objective
///     create create_objective { responses(...) }
///     ...
/// }
/// ```
///
/// Each operation names its handler and gives its doc comment (summary and description) and
/// the rest of its `utoipa::path` (responses; the merge-patch body of `update`); the macro
/// adds the tag, the path parameter (described once, by `path_parameter`), the request body, the security, the route, and the
/// `x-orgcms-content` mark by which the OpenAPI layer knows a content operation (a list
/// written beside the declaration carries the mark itself). A
/// singleton (the organization) declares `replace_singleton` and `update_singleton`, which
/// live at the collection's path.
macro_rules! document_routes {
    (
        document: $doc:ident, input: $input:ident, tag: $tag:literal,
        collection: $collection:literal, item: $item:literal
        $(, path_parameter: $path_description:literal, example $path_example:literal
            $(, named $path_name:literal)?)?;
        $($operations:tt)*
    ) => {
        $(
            impl $crate::http::item_path::NamedByPath for $doc {
                const PATH_DESCRIPTION: &'static str = $path_description;
                const PATH_EXAMPLE: &'static str = $path_example;
                $(const PATH_NAME: &'static str = $path_name;)?
            }
        )?
        // utoipa reads the route from actix-web's attribute only when it is named bare
        // (`#[get(..)]`), so the declaring module gets these names (its list handler uses them
        // too).
        #[allow(unused_imports)]
        use actix_web::{delete, get, patch, post, put};
        $crate::content::routes::document_routes!(
            @operations [$doc, $input, $tag, $collection, $item] $($operations)*
        );
    };
    (@operations $common:tt) => {};
    (@operations [$doc:ident, $input:ident, $tag:literal, $collection:literal, $item:literal]
        $(#[$doc_line:meta])* get $name:ident { $($path:tt)* } $($rest:tt)*
    ) => {
        $(#[$doc_line])*
        #[utoipa::path(tag = $tag, extensions(("x-orgcms-content" = json!($tag))),
            params(crate::http::item_path::ItemPath<$doc>, crate::http::params::LocaleParams),
            $($path)*)]
        #[get($item)]
        pub async fn $name(
            viewer: crate::http::viewer::Viewer,
            query: crate::http::params::Query<crate::http::params::LocaleParams>,
            path: crate::http::item_path::ItemPath<$doc>,
            state: crate::app::state::State,
        ) -> Result<actix_web::HttpResponse, crate::http::error::ApiError> {
            crate::content::routes::get::<$doc>(viewer, query, path, state).await
        }
        $crate::content::routes::document_routes!(
            @operations [$doc, $input, $tag, $collection, $item] $($rest)*
        );
    };
    (@operations [$doc:ident, $input:ident, $tag:literal, $collection:literal, $item:literal]
        $(#[$doc_line:meta])* create $name:ident { $($path:tt)* } $($rest:tt)*
    ) => {
        $(#[$doc_line])*
        #[utoipa::path(tag = $tag, extensions(("x-orgcms-content" = json!($tag))), request_body = $input, $($path)*, security(("bearer" = [])))]
        #[post($collection)]
        pub async fn $name(
            write: crate::content::request::WriteRequest,
            state: crate::app::state::State,
        ) -> Result<actix_web::HttpResponse, crate::http::error::ApiError> {
            write.create::<$doc>(&state).await
        }
        $crate::content::routes::document_routes!(
            @operations [$doc, $input, $tag, $collection, $item] $($rest)*
        );
    };
    (@operations [$doc:ident, $input:ident, $tag:literal, $collection:literal, $item:literal]
        $(#[$doc_line:meta])* replace $name:ident { $($path:tt)* } $($rest:tt)*
    ) => {
        $(#[$doc_line])*
        #[utoipa::path(tag = $tag, extensions(("x-orgcms-content" = json!($tag))), params(crate::http::item_path::ItemPath<$doc>),
            request_body = $input, $($path)*, security(("bearer" = [])))]
        #[put($item)]
        pub async fn $name(
            write: crate::content::request::WriteRequest,
            path: crate::http::item_path::ItemPath<$doc>,
            state: crate::app::state::State,
        ) -> Result<actix_web::HttpResponse, crate::http::error::ApiError> {
            write.replace::<$doc>(&state, path.key()?, false).await
        }
        $crate::content::routes::document_routes!(
            @operations [$doc, $input, $tag, $collection, $item] $($rest)*
        );
    };
    (@operations [$doc:ident, $input:ident, $tag:literal, $collection:literal, $item:literal]
        $(#[$doc_line:meta])* update $name:ident { $($path:tt)* } $($rest:tt)*
    ) => {
        $(#[$doc_line])*
        #[utoipa::path(tag = $tag, extensions(("x-orgcms-content" = json!($tag))), params(crate::http::item_path::ItemPath<$doc>),
            $($path)*, security(("bearer" = [])))]
        #[patch($item)]
        pub async fn $name(
            write: crate::content::request::WriteRequest,
            path: crate::http::item_path::ItemPath<$doc>,
            state: crate::app::state::State,
        ) -> Result<actix_web::HttpResponse, crate::http::error::ApiError> {
            write.patch::<$doc>(&state, path.key()?).await
        }
        $crate::content::routes::document_routes!(
            @operations [$doc, $input, $tag, $collection, $item] $($rest)*
        );
    };
    (@operations [$doc:ident, $input:ident, $tag:literal, $collection:literal, $item:literal]
        $(#[$doc_line:meta])* delete $name:ident {} $($rest:tt)*
    ) => {
        $(#[$doc_line])*
        #[utoipa::path(tag = $tag, extensions(("x-orgcms-content" = json!($tag))), params(crate::http::item_path::ItemPath<$doc>),
            responses((status = 204, description = "Deleted")), security(("bearer" = [])))]
        #[delete($item)]
        pub async fn $name(
            write: crate::content::request::BodilessWriteRequest,
            path: crate::http::item_path::ItemPath<$doc>,
            state: crate::app::state::State,
        ) -> Result<actix_web::HttpResponse, crate::http::error::ApiError> {
            write.delete::<$doc>(&state, path.key()?).await
        }
        $crate::content::routes::document_routes!(
            @operations [$doc, $input, $tag, $collection, $item] $($rest)*
        );
    };
    (@operations [$doc:ident, $input:ident, $tag:literal, $collection:literal, $item:literal]
        $(#[$doc_line:meta])* replace_singleton $name:ident { $($path:tt)* } $($rest:tt)*
    ) => {
        $(#[$doc_line])*
        #[utoipa::path(tag = $tag, extensions(("x-orgcms-content" = json!($tag))), request_body = $input, $($path)*, security(("bearer" = [])))]
        #[put($collection)]
        pub async fn $name(
            write: crate::content::request::WriteRequest,
            state: crate::app::state::State,
        ) -> Result<actix_web::HttpResponse, crate::http::error::ApiError> {
            // PUT of a singleton that does not exist yet creates it.
            write.replace::<$doc>(&state, $doc::key(), true).await
        }
        $crate::content::routes::document_routes!(
            @operations [$doc, $input, $tag, $collection, $item] $($rest)*
        );
    };
    (@operations [$doc:ident, $input:ident, $tag:literal, $collection:literal, $item:literal]
        $(#[$doc_line:meta])* update_singleton $name:ident { $($path:tt)* } $($rest:tt)*
    ) => {
        $(#[$doc_line])*
        #[utoipa::path(tag = $tag, extensions(("x-orgcms-content" = json!($tag))), $($path)*, security(("bearer" = [])))]
        #[patch($collection)]
        pub async fn $name(
            write: crate::content::request::WriteRequest,
            state: crate::app::state::State,
        ) -> Result<actix_web::HttpResponse, crate::http::error::ApiError> {
            write.patch::<$doc>(&state, $doc::key()).await
        }
        $crate::content::routes::document_routes!(
            @operations [$doc, $input, $tag, $collection, $item] $($rest)*
        );
    };
}
pub(crate) use document_routes;
