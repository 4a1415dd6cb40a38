//! The content resources by name, as paths and tables spell them (`news`, `missions`...), and
//! the dispatch from a name to the resource's `Document`: the routes that serve every resource
//! alike (revisions, trash) are written once, generic over `Document`, and dispatched here.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::error::ApiError;

/// A resource whose writes keep revisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContentResource {
    Organization,
    Objectives,
    Missions,
    News,
    Assets,
}

impl ContentResource {
    pub const ALL: [Self; 5] = [
        Self::Organization,
        Self::Objectives,
        Self::Missions,
        Self::News,
        Self::Assets,
    ];

    /// The name of the resource in paths, the audit log, revisions and the trash (also its
    /// table's name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Objectives => "objectives",
            Self::Missions => "missions",
            Self::News => "news",
            Self::Assets => "assets",
        }
    }

    /// The resource a path segment names; anything else names nothing (404).
    pub fn parse(segment: &str) -> Result<Self, ApiError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == segment)
            .ok_or_else(|| ApiError::not_found("no such resource"))
    }
}

/// Runs `$body` with `$doc` standing for the `Document` of `$resource`.
macro_rules! with_document {
    ($resource:expr, $doc:ident => $body:expr) => {{
        use $crate::content::resource::ContentResource as R;
        match $resource {
            R::Organization => {
                type $doc = $crate::resources::organization::document::OrganizationDocument;
                $body
            }
            R::Objectives => {
                type $doc = $crate::resources::objectives::document::ObjectiveDocument;
                $body
            }
            R::Missions => {
                type $doc = $crate::resources::missions::document::MissionDocument;
                $body
            }
            R::News => {
                type $doc = $crate::resources::news::document::NewsDocument;
                $body
            }
            R::Assets => {
                type $doc = $crate::resources::assets::document::AssetDocument;
                $body
            }
        }
    }};
}
pub(crate) use with_document;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_is_named_as_its_document_names_itself() {
        use crate::content::document::Document;
        for resource in ContentResource::ALL {
            assert_eq!(ContentResource::parse(resource.as_str()).unwrap(), resource);
            let name = with_document!(resource, D => D::RESOURCE);
            assert_eq!(name, resource.as_str());
        }
        assert!(ContentResource::parse("users").is_err());
        assert!(ContentResource::parse("News").is_err());
    }
}
