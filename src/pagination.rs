//! Page-number paging for every list: the `{data, meta}` envelope and RFC 8288 `Link` headers.

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// Deeper than this, page numbers stop making sense (and OFFSET gets slow).
const MAX_PAGE: u32 = 100_000;

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<Self, ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(ApiError::invalid_parameter(
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::invalid_parameter(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        Ok(Self { page, per_page })
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn meta(&self, total: i64) -> PageMeta {
        let total = total.max(0);
        let per_page = i64::from(self.per_page);
        PageMeta {
            page: self.page,
            per_page: self.per_page,
            total,
            total_pages: (total + per_page - 1) / per_page,
        }
    }
}

/// Where a page sits in the whole list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"page": 1, "per_page": 20, "total": 1, "total_pages": 1}))]
pub struct PageMeta {
    /// This page's number, from 1.
    pub page: u32,
    /// Items per page (1 to 100, default 20).
    pub per_page: u32,
    /// Items in the whole list, with the same filters.
    pub total: i64,
    /// Pages in the whole list; a page beyond it is empty.
    pub total_pages: i64,
}

/// The envelope of every list response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    /// The items of this page.
    pub data: Vec<T>,
    pub meta: PageMeta,
}

impl PageMeta {
    /// `Link` header value with `first`, `prev`, `next` and `last` relations, keeping every
    /// other query parameter of the request as it was.
    pub fn link_header(&self, path: &str, query_string: &str) -> String {
        let others: Vec<(String, String)> =
            serde_urlencoded::from_str::<Vec<(String, String)>>(query_string)
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .collect();
        let url = |page: i64| {
            let mut pairs = others.clone();
            pairs.push(("page".into(), page.to_string()));
            pairs.push(("per_page".into(), self.per_page.to_string()));
            let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            format!("<{path}?{query}>")
        };
        let page = i64::from(self.page);
        let last = self.total_pages.max(1);
        let mut links = vec![format!("{}; rel=\"first\"", url(1))];
        if page > 1 {
            links.push(format!("{}; rel=\"prev\"", url((page - 1).min(last))));
        }
        if page < self.total_pages {
            links.push(format!("{}; rel=\"next\"", url(page + 1)));
        }
        links.push(format!("{}; rel=\"last\"", url(last)));
        links.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_defaults() {
        assert_eq!(
            Paging::new(None, None).unwrap(),
            Paging {
                page: 1,
                per_page: 20
            }
        );
        assert!(Paging::new(Some(0), None).is_err());
        assert!(Paging::new(None, Some(0)).is_err());
        assert!(Paging::new(None, Some(101)).is_err());
        assert_eq!(Paging::new(Some(3), Some(10)).unwrap().offset(), 20);
    }

    #[test]
    fn counts_pages() {
        let p = Paging::new(Some(1), Some(20)).unwrap();
        assert_eq!(p.meta(0).total_pages, 0);
        assert_eq!(p.meta(20).total_pages, 1);
        assert_eq!(p.meta(21).total_pages, 2);
    }

    #[test]
    fn links_keep_filters_and_stop_at_the_ends() {
        let meta = Paging::new(Some(2), Some(10)).unwrap().meta(35);
        let link = meta.link_header("/api/v1/news", "tag=health&page=2&per_page=10");
        assert!(link.contains("</api/v1/news?tag=health&page=1&per_page=10>; rel=\"first\""));
        assert!(link.contains("page=1&per_page=10>; rel=\"prev\""));
        assert!(link.contains("page=3&per_page=10>; rel=\"next\""));
        assert!(link.contains("page=4&per_page=10>; rel=\"last\""));
        let last = Paging::new(Some(4), Some(10)).unwrap().meta(35);
        assert!(!last.link_header("/x", "").contains("rel=\"next\""));
        let first = Paging::new(Some(1), Some(10)).unwrap().meta(35);
        assert!(!first.link_header("/x", "").contains("rel=\"prev\""));
    }
}
