//! What the server answers for a path that has no handler for the request's method: 405 with an
//! `Allow` header when the path exists with other methods, else 404. The table comes from the
//! OpenAPI document, which utoipa-actix-web collects from the mounted handlers.

use actix_web::http::{header, Method};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::app::state::State;
use crate::http::error::ApiError;

/// Path templates (`/api/v1/news/{id_or_slug}`) and the methods each one answers.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<Method>)>,
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                // HEAD is GET without the body (`crate::http::middleware::semantics`).
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::HEAD, item.get.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments(path), methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods of the route `path` matches, if any does.
    pub fn methods_for(&self, path: &str) -> Option<&[Method]> {
        let wanted = segments(path);
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == wanted.len()
                    && template.iter().zip(&wanted).all(|(t, w)| {
                        (t.starts_with('{') && t.ends_with('}') && !w.is_empty()) || t == w
                    })
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

/// The default service: 405 with `Allow` for a known path, 404 otherwise.
pub async fn fallback(req: HttpRequest, state: State) -> HttpResponse {
    // Only the exact path counts: `/news/` or `/NEWS` is another path, and so a 404.
    match state
        .route_table
        .methods_for(req.path())
        .filter(|_| !req.path().ends_with('/') || req.path() == "/")
    {
        Some(methods) => {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut response = ApiError::MethodNotAllowed(format!(
                "{} is not supported here; allowed: {allow}",
                req.method()
            ))
            .error_response();
            if let Ok(value) = header::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        None => ApiError::not_found("no such resource; the API lives under /api/v1 (see /docs)")
            .error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_templates_segment_by_segment() {
        let table = RouteTable {
            routes: vec![
                (segments("/api/v1/news"), vec![Method::GET, Method::POST]),
                (
                    segments("/api/v1/news/{id}"),
                    vec![Method::GET, Method::DELETE],
                ),
            ],
        };
        assert_eq!(
            table.methods_for("/api/v1/news"),
            Some(&[Method::GET, Method::POST][..])
        );
        assert_eq!(
            table.methods_for("/api/v1/news/abc"),
            Some(&[Method::GET, Method::DELETE][..])
        );
        assert!(table.methods_for("/api/v1/news/abc/def").is_none());
        assert!(table.methods_for("/api/v1/missions").is_none());
        assert!(table.methods_for("/API/V1/NEWS").is_none());
    }
}
