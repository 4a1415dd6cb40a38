//! Paging of every list: keyset cursors (`cursor`/`next_cursor`), page numbers for small lists and
//! page-number UIs, the `{data, meta}` envelope and RFC 8288 `Link` headers.
//!
//! A cursor is opaque to clients: base64url of `{"q": <seal>, "k": <sort key of the last
//! item shown>}`. The next page is "items after that key" in the list's total order (its sort key
//! plus `id`), so writes between two pages never make an item appear twice or go missing (except
//! items that were themselves inserted before, or deleted after, the position). The fingerprint
//! ties a cursor to the list and filters it came from, and `q` is that fingerprint hashed with the
//! key, so an edited cursor or one of another list is refused (422).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// Deeper than this, page numbers stop making sense (and OFFSET gets slow): use cursors.
const MAX_PAGE: u32 = 100_000;
/// Longer than any cursor this server writes.
const MAX_CURSOR_LENGTH: usize = 512;

/// The paging parameters every list takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
    /// Where the page starts: `meta.next_cursor` of the previous page of the same list (same
    /// filters and order). Opaque; stable while items are added or removed between pages.
    #[param(
        pattern = "^[A-Za-z0-9_-]+$",
        max_length = 512,
        example = "eyJxIjoiMDEyMzQ1Njc4OWFiY2RlZiIsImsiOlsiMjAyNC0wNS0yOVQwMDowMDowMFoiXX0"
    )]
    pub cursor: Option<String>,
    /// Page number, from 1: offset paging for small lists and page-number UIs. Implies `total`.
    /// Not together with `cursor`.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// `true` to count the whole list into `meta.total` (a count over every matching item, so
    /// only where it is needed). Small lists always count.
    #[param(example = true)]
    pub total: Option<bool>,
}

/// Parameters that never change which items a list holds or their order, so a cursor stays valid
/// across them.
const POSITION_PARAMS: [&str; 5] = ["per_page", "cursor", "page", "total", "locale"];

/// Where a requested page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position<K> {
    Start,
    /// 1-based page number (offset paging).
    Page(u32),
    /// After the item with this sort key.
    After(K),
}

/// A validated page request of a list whose total order is given by keys `K`.
#[derive(Clone, Debug)]
pub struct Paging<K> {
    pub per_page: u32,
    pub position: Position<K>,
    /// Whether to count the whole list.
    pub count_total: bool,
    fingerprint: String,
}

#[derive(Serialize, Deserialize)]
struct CursorPayload<K> {
    q: String,
    k: K,
}

impl<K: Serialize + DeserializeOwned> Paging<K> {
    /// `path` and `query_string` are the request's; `cheap_total` says whether this list always
    /// counts (small lists) or only when asked.
    pub fn new(
        params: &PageParams,
        path: &str,
        query_string: &str,
        cheap_total: bool,
    ) -> Result<Self, ApiError> {
        let per_page = params.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::invalid_parameter(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        let fingerprint = fingerprint(path, query_string);
        let position = match (params.page, &params.cursor) {
            // Both are well-formed; only their combination is wrong (422, as for any rule the
            // parameter schemas cannot state).
            (Some(_), Some(_)) => {
                return Err(ApiError::validation(
                    "cursor",
                    "give either `cursor` or `page`, not both",
                ))
            }
            (Some(page), None) if (1..=MAX_PAGE).contains(&page) => Position::Page(page),
            (Some(_), None) => {
                return Err(ApiError::invalid_parameter(
                    "page",
                    format!("must be between 1 and {MAX_PAGE}"),
                ))
            }
            (None, Some(cursor)) => Position::After(decode(cursor, &fingerprint)?),
            (None, None) => Position::Start,
        };
        let count_total =
            cheap_total || params.total == Some(true) || matches!(position, Position::Page(_));
        Ok(Self {
            per_page,
            position,
            count_total,
            fingerprint,
        })
    }

    /// Rows to fetch: one more than shown, to learn whether a next page exists.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page) + 1
    }

    pub fn offset(&self) -> i64 {
        match self.position {
            Position::Page(page) => i64::from(page - 1) * i64::from(self.per_page),
            _ => 0,
        }
    }

    /// The key to continue after, for keyset queries.
    pub fn after(&self) -> Option<&K> {
        match &self.position {
            Position::After(key) => Some(key),
            _ => None,
        }
    }

    /// Cuts the fetched rows (`limit()` of them at most) to the page and describes it.
    pub fn finish<T>(
        &self,
        mut rows: Vec<T>,
        total: Option<i64>,
        key_of: impl Fn(&T) -> K,
    ) -> (Vec<T>, PageMeta) {
        let more = rows.len() > self.per_page as usize;
        rows.truncate(self.per_page as usize);
        let next_cursor = if more {
            rows.last()
                .map(|row| encode(&self.fingerprint, key_of(row)))
        } else {
            None
        };
        let total = total.map(|t| t.max(0));
        let per_page = i64::from(self.per_page);
        let meta = PageMeta {
            per_page: self.per_page,
            next_cursor,
            page: match self.position {
                Position::Page(page) => Some(page),
                _ => None,
            },
            total,
            total_pages: total.map(|t| (t + per_page - 1) / per_page),
        };
        (rows, meta)
    }
}

/// Identifies a list and its filters: the path and every parameter except the position ones,
/// in a canonical order.
fn fingerprint(path: &str, query_string: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(query_string)
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| !POSITION_PARAMS.contains(&k.as_str()))
            .collect();
    pairs.sort();
    let mut hasher = Sha256::new();
    hasher.update(path.as_bytes());
    for (k, v) in pairs {
        hasher.update([0]);
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
    }
    short_hex(&hasher.finalize())
}

/// The first 8 bytes of a digest, in hex: enough to tell lists and keys apart.
fn short_hex(digest: &[u8]) -> String {
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// The `q` of a cursor: the list's fingerprint and the key, hashed together, so that a cursor
/// whose key was edited (or that belongs to another list) is refused. Neither secret nor signed:
/// every position in a list is harmless to ask for; this only catches mistakes and mangling.
fn seal(fingerprint: &str, key: &serde_json::Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(fingerprint.as_bytes());
    hasher.update([0]);
    // Serializing a JSON value into memory cannot fail.
    hasher.update(serde_json::to_vec(key).unwrap_or_default());
    short_hex(&hasher.finalize())
}

/// The cursor this server writes for the position after `key` in the list at `path` with
/// `query_string`: what a test (or a tool) needs to forge a well-sealed cursor with any key.
pub fn cursor_after<K: Serialize>(path: &str, query_string: &str, key: K) -> String {
    encode(&fingerprint(path, query_string), key)
}

fn encode<K: Serialize>(fingerprint: &str, key: K) -> String {
    // Serializing plain keys (strings, numbers, timestamps, UUIDs) cannot fail.
    let k = serde_json::to_value(key).unwrap_or_default();
    let payload = CursorPayload {
        q: seal(fingerprint, &k),
        k,
    };
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode<K: DeserializeOwned>(cursor: &str, fingerprint: &str) -> Result<K, ApiError> {
    // A cursor is opaque: whether it is garbage or one of another list, it is a value no schema
    // can tell from a good one, so 422 as for other such rules.
    let invalid = || {
        ApiError::validation(
            "cursor",
            "not a cursor of this list: pass `meta.next_cursor` of a page of the same list, with \
             the same filters and order",
        )
    };
    if cursor.len() > MAX_CURSOR_LENGTH {
        return Err(invalid());
    }
    let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let payload: CursorPayload<serde_json::Value> =
        serde_json::from_slice(&json).map_err(|_| invalid())?;
    if payload.q != seal(fingerprint, &payload.k) || !storable(&payload.k) {
        return Err(invalid());
    }
    serde_json::from_value(payload.k).map_err(|_| invalid())
}

/// Whether a key could be one of a row: the database holds no text with NUL and no time outside
/// the years 0 to 9999, so an edited cursor that carries such a value names no position (and the
/// query would fail on it).
fn storable(key: &serde_json::Value) -> bool {
    use chrono::Datelike;
    match key {
        serde_json::Value::String(text) => {
            !text.contains('\0')
                && text
                    .parse::<chrono::DateTime<chrono::FixedOffset>>()
                    .map_or(true, |t| {
                        (0..=9999).contains(&t.with_timezone(&chrono::Utc).year())
                    })
        }
        serde_json::Value::Array(items) => items.iter().all(storable),
        serde_json::Value::Object(map) => map.values().all(storable),
        _ => true,
    }
}

/// Where a page sits in the whole list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"per_page": 20, "next_cursor": null, "total": 1, "total_pages": 1}))]
pub struct PageMeta {
    /// Items per page (1 to 100, default 20).
    pub per_page: u32,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(
        max_length = 512,
        example = "eyJxIjoiMDEyMzQ1Njc4OWFiY2RlZiIsImsiOlsiMjAyNC0wNS0yOVQwMDowMDowMFoiXX0"
    )]
    pub next_cursor: Option<String>,
    /// This page's number, when it was asked for by `page`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items in the whole list, with the same filters: for small lists, with `page`, or with
    /// `total=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, example = 1)]
    pub total: Option<i64>,
    /// Pages in the whole list, when `total` is given; a page beyond it is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, example = 1)]
    pub total_pages: Option<i64>,
}

/// The envelope of every list response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    /// The items of this page.
    pub data: Vec<T>,
    pub meta: PageMeta,
}

impl PageMeta {
    /// `Link` header value: `first` and `next` always (where they exist), `prev` and `last` with
    /// page numbers; every other query parameter of the request is kept as it was.
    pub fn link_header(&self, path: &str, query_string: &str) -> String {
        let others: Vec<(String, String)> =
            serde_urlencoded::from_str::<Vec<(String, String)>>(query_string)
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| k != "page" && k != "per_page" && k != "cursor")
                .collect();
        let url = |position: Option<(&str, String)>| {
            let mut pairs = others.clone();
            if let Some((name, value)) = position {
                pairs.push((name.to_owned(), value));
            }
            pairs.push(("per_page".into(), self.per_page.to_string()));
            let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            format!("<{path}?{query}>")
        };
        let mut links = vec![format!("{}; rel=\"first\"", url(None))];
        match (self.page, self.total_pages) {
            (Some(page), Some(pages)) => {
                let page = i64::from(page);
                let last = pages.max(1);
                if page > 1 {
                    let prev = (page - 1).min(last).to_string();
                    links.push(format!("{}; rel=\"prev\"", url(Some(("page", prev)))));
                }
                if page < pages {
                    let next = (page + 1).to_string();
                    links.push(format!("{}; rel=\"next\"", url(Some(("page", next)))));
                }
                links.push(format!(
                    "{}; rel=\"last\"",
                    url(Some(("page", last.to_string())))
                ));
            }
            _ => {
                if let Some(cursor) = &self.next_cursor {
                    links.push(format!(
                        "{}; rel=\"next\"",
                        url(Some(("cursor", cursor.clone())))
                    ));
                }
            }
        }
        links.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> PageParams {
        serde_urlencoded::from_str(query).unwrap()
    }

    fn paging(query: &str) -> Result<Paging<(i64, String)>, ApiError> {
        Paging::new(&params(query), "/api/v1/x", query, false)
    }

    #[test]
    fn validates_and_defaults() {
        let p = paging("").unwrap();
        assert_eq!((p.per_page, p.limit(), p.offset()), (20, 21, 0));
        assert_eq!(p.position, Position::Start);
        assert!(!p.count_total);
        assert!(paging("page=0").is_err());
        assert!(paging("per_page=0").is_err());
        assert!(paging("per_page=101").is_err());
        let p = paging("page=3&per_page=10").unwrap();
        assert_eq!((p.offset(), p.count_total), (20, true));
        assert!(paging("total=true").unwrap().count_total);
        assert!(
            Paging::<i64>::new(&params(""), "/x", "", true)
                .unwrap()
                .count_total
        );
    }

    #[test]
    fn cursors_round_trip_and_continue_after_the_last_row() {
        let first = paging("tag=a&per_page=2").unwrap();
        let rows = vec![(3, "c".to_owned()), (2, "b".into()), (1, "a".into())];
        let (page, meta) = first.finish(rows, None, |r| r.clone());
        assert_eq!(page.len(), 2);
        let cursor = meta.next_cursor.unwrap();
        // Position parameters and their order do not matter; filters do.
        let query = format!("per_page=5&cursor={cursor}&tag=a&locale=uk");
        let next = paging(&query).unwrap();
        assert_eq!(next.after(), Some(&(2, "b".to_owned())));
        let other_filter = format!("cursor={cursor}&tag=b");
        assert!(paging(&other_filter).is_err());
        let other_list = Paging::<(i64, String)>::new(
            &params(&format!("cursor={cursor}&tag=a")),
            "/api/v1/y",
            &format!("cursor={cursor}&tag=a"),
            false,
        );
        assert!(other_list.is_err());
    }

    #[test]
    fn rejects_garbage_and_tampered_cursors() {
        for bad in ["", "!!!", "e30", &"A".repeat(600), "bnVsbA"] {
            assert!(paging(&format!("cursor={bad}")).is_err(), "{bad}");
        }
        // A key of the wrong shape for this list.
        let wrong = encode(&fingerprint("/api/v1/x", ""), "not a pair");
        assert!(paging(&format!("cursor={wrong}")).is_err());
        assert!(paging("cursor=abc&page=1").is_err());
    }

    #[test]
    fn last_page_has_no_cursor_and_counts_pages() {
        let p = paging("page=1&per_page=20").unwrap();
        let (_, meta) = p.finish(vec![(1, "a".to_owned())], Some(21), |r| r.clone());
        assert_eq!(meta.next_cursor, None);
        assert_eq!((meta.total, meta.total_pages), (Some(21), Some(2)));
        let (_, empty) = p.finish(Vec::<(i64, String)>::new(), Some(0), |r| r.clone());
        assert_eq!(empty.total_pages, Some(0));
    }

    #[test]
    fn links_keep_filters_and_stop_at_the_ends() {
        let meta = PageMeta {
            per_page: 10,
            next_cursor: Some("abc".into()),
            page: Some(2),
            total: Some(35),
            total_pages: Some(4),
        };
        let link = meta.link_header("/api/v1/news", "tag=health&page=2&per_page=10");
        assert!(link.contains("</api/v1/news?tag=health&per_page=10>; rel=\"first\""));
        assert!(link.contains("tag=health&page=1&per_page=10>; rel=\"prev\""));
        assert!(link.contains("page=3&per_page=10>; rel=\"next\""));
        assert!(link.contains("page=4&per_page=10>; rel=\"last\""));
        let cursor_meta = PageMeta {
            page: None,
            total: None,
            total_pages: None,
            ..meta.clone()
        };
        let link = cursor_meta.link_header("/x", "cursor=old&tag=a");
        assert_eq!(
            link,
            "</x?tag=a&per_page=10>; rel=\"first\", </x?tag=a&cursor=abc&per_page=10>; rel=\"next\""
        );
        let end = PageMeta {
            next_cursor: None,
            ..cursor_meta
        };
        assert!(!end.link_header("/x", "").contains("rel=\"next\""));
    }
}

/// Properties of the list cursor codec under any input (generators in `crate::fuzzing`).
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text, json_value};
    use proptest::prelude::*;
    use uuid::Uuid;

    type Key = (i64, String, Uuid);

    fn status(error: &ApiError) -> u16 {
        error.problem().status
    }

    proptest! {
        #![proptest_config(config(512))]

        /// `decode(encode(k)) == k` for any key a row can have, under any list and filters.
        #[test]
        fn cursors_round_trip(
            path in "/[a-z/]{0,20}",
            query in hostile_text(8),
            n in any::<i64>(),
            text in "[^\0]{0,60}",
            id in any::<u128>(),
        ) {
            let fp = fingerprint(&path, &query);
            let key: Key = (n, text, Uuid::from_u128(id));
            let cursor = encode(&fp, &key);
            prop_assert!(cursor.len() <= MAX_CURSOR_LENGTH);
            prop_assert_eq!(decode::<Key>(&cursor, &fp).ok(), Some(key));
        }

        /// Any string is either refused with a 422 or is exactly a cursor this server could have
        /// written for the list; never a panic.
        #[test]
        fn any_string_is_a_422_or_a_cursor_of_this_list(text in hostile_text(40)) {
            let fp = fingerprint("/api/v1/x", "");
            match decode::<(i64, String)>(&text, &fp) {
                Ok(key) => prop_assert_eq!(decode::<(i64, String)>(&encode(&fp, &key), &fp).ok(), Some(key)),
                Err(e) => prop_assert_eq!(status(&e), 422),
            }
        }

        /// Any JSON at all in a well-formed envelope of this list: refused with a 422 unless it is
        /// a key of the right shape whose values a row can hold.
        #[test]
        fn any_payload_is_a_422_or_a_storable_key(k in json_value()) {
            let fp = fingerprint("/api/v1/x", "");
            let q = seal(&fp, &k);
            let cursor = URL_SAFE_NO_PAD.encode(
                serde_json::to_vec(&serde_json::json!({"q": q, "k": k})).unwrap(),
            );
            match decode::<(i64, String)>(&cursor, &fp) {
                Ok((_, text)) => prop_assert!(!text.contains('\0')),
                Err(e) => prop_assert_eq!(status(&e), 422),
            }
        }

        /// A cursor of one list or set of filters is refused by any other.
        #[test]
        fn cursors_do_not_travel_between_lists(
            a in hostile_text(6),
            b in hostile_text(6),
            n in any::<i64>(),
        ) {
            let (fa, fb) = (fingerprint("/x", &a), fingerprint("/x", &b));
            prop_assume!(fa != fb);
            let cursor = encode(&fa, (n, "k".to_owned()));
            prop_assert!(decode::<(i64, String)>(&cursor, &fb).is_err());
        }

        /// Any edited byte of a cursor gets it refused with a 422.
        #[test]
        fn edited_cursors_are_refused(
            n in any::<i64>(),
            text in "[a-z]{0,12}",
            at in any::<prop::sample::Index>(),
            replacement in any::<u8>(),
        ) {
            let fp = fingerprint("/x", "");
            let cursor = encode(&fp, (n, text));
            let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
            let at = at.index(bytes.len());
            prop_assume!(bytes[at] != replacement);
            bytes[at] = replacement;
            let edited = URL_SAFE_NO_PAD.encode(&bytes);
            let result = decode::<(i64, String)>(&edited, &fp);
            prop_assert_eq!(result.map_err(|e| status(&e)), Err(422));
        }

        /// Any paging parameters and query string: a page request or a 4xx, never a panic.
        #[test]
        fn paging_accepts_or_refuses_any_query(query in hostile_text(12)) {
            if let Ok(params) = serde_urlencoded::from_str::<PageParams>(&query) {
                if let Err(e) = Paging::<(i64, String)>::new(&params, "/x", &query, false) {
                    prop_assert!((400..500).contains(&status(&e)));
                }
            }
            let meta = PageMeta { per_page: 1, next_cursor: Some("c".into()), page: None, total: None, total_pages: None };
            let link = meta.link_header("/x", &query);
            prop_assert!(!link.contains('\n') && !link.contains('\r'));
        }
    }

    /// Regression: an edited cursor whose key carried NUL or a year PostgreSQL cannot hold got
    /// through to the query, which failed with a 500.
    #[test]
    fn keys_the_database_cannot_hold_are_refused() {
        let fp = fingerprint("/x", "");
        // Sealed as the server would: only the values are wrong.
        let forge = |k: serde_json::Value| {
            let q = seal(&fp, &k);
            URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(&serde_json::json!({"q": q, "k": k})).unwrap())
        };
        assert!(decode::<(i64, String)>(&forge(serde_json::json!([1, "a\u{0}b"])), &fp).is_err());
        type TimeKey = (chrono::DateTime<chrono::Utc>, i64);
        for at in [
            "-5000-01-01T00:00:00Z",
            "+99999-01-01T00:00:00Z",
            "9999-12-31T23:00:00-05:00",
        ] {
            assert!(
                decode::<TimeKey>(&forge(serde_json::json!([at, 1])), &fp).is_err(),
                "{at}"
            );
        }
        assert!(
            decode::<TimeKey>(&forge(serde_json::json!(["9999-12-31T23:59:59Z", 1])), &fp).is_ok()
        );
    }
}
