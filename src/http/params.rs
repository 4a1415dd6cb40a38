//! Query parameters: typed, allow-listed, and rejected with a problem when unknown or bad.
//!
//! The allow-list of an endpoint is exactly the parameters its type documents in the OpenAPI
//! document (`IntoParams`), so the documentation and the check cannot drift apart.

use std::collections::HashSet;
use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use utoipa::openapi::path::ParameterIn;
use utoipa::IntoParams;

use crate::http::error::ApiError;
use crate::http::pagination::PageParams;

/// Longest query string accepted; beyond it no parameter can be meaningful.
const MAX_QUERY_LENGTH: usize = 8192;

/// The query string of a request, parsed into `T`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + IntoParams + 'static> Query<T> {
    pub fn parse(query_string: &str) -> Result<T, ApiError> {
        check_names(query_string, allowed_names::<T>(names_of::<T>))?;
        deserialize(query_string)
    }
}

impl<T: DeserializeOwned + IntoParams + 'static> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(req.query_string()).map(Query))
    }
}

/// The query string of a list request: the list's own parameters `T` plus the shared paging
/// parameters (documented as `params(T, PageParams)`).
#[derive(Debug)]
pub struct ListQuery<T> {
    pub filter: T,
    pub paging: PageParams,
}

impl<T> ListQuery<T> {
    /// The page this list request asks for (see `Paging::new`).
    pub fn paging<K: serde::Serialize + serde::de::DeserializeOwned>(
        &self,
        req: &HttpRequest,
        cheap_total: bool,
    ) -> Result<crate::http::pagination::Paging<K>, ApiError> {
        crate::http::pagination::Paging::new(
            &self.paging,
            req.path(),
            req.query_string(),
            cheap_total,
        )
    }
}

impl<T: DeserializeOwned + IntoParams + 'static> ListQuery<T> {
    pub fn parse(query_string: &str) -> Result<Self, ApiError> {
        let allowed = allowed_names::<Self>(|| {
            let mut names = names_of::<T>();
            names.extend(names_of::<PageParams>());
            names
        });
        check_names(query_string, allowed)?;
        Ok(Self {
            filter: deserialize(query_string)?,
            paging: deserialize(query_string)?,
        })
    }
}

impl<T: DeserializeOwned + IntoParams + 'static> FromRequest for ListQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(req.query_string()))
    }
}

/// The allow-list of the extractor `E`, made by `names` once per process: building a type's
/// OpenAPI parameters (schemas, patterns, examples) on every request was 2% of an item read.
fn allowed_names<E: 'static>(names: impl FnOnce() -> Vec<String>) -> &'static [String] {
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::{OnceLock, PoisonError, RwLock};
    // One entry per extractor type in the program, leaked on purpose: a few dozen short lists.
    static LISTS: OnceLock<RwLock<HashMap<TypeId, &'static [String]>>> = OnceLock::new();
    let lists = LISTS.get_or_init(Default::default);
    let known = lists
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&TypeId::of::<E>())
        .copied();
    known.unwrap_or_else(|| {
        let list: &'static [String] = Box::leak(names().into_boxed_slice());
        *lists
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(TypeId::of::<E>())
            .or_insert(list)
    })
}

fn names_of<T: IntoParams>() -> Vec<String> {
    T::into_params(|| Some(ParameterIn::Query))
        .into_iter()
        .map(|p| p.name)
        .collect()
}

/// Unknown and repeated parameters are errors, named in the problem.
fn check_names(query_string: &str, allowed: &[String]) -> Result<(), ApiError> {
    if query_string.len() > MAX_QUERY_LENGTH {
        return Err(ApiError::bad_request(
            "query-too-long",
            format!("the query string is longer than {MAX_QUERY_LENGTH} bytes"),
        ));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string).map_err(|e| {
        ApiError::bad_request("invalid-query", format!("malformed query string: {e}"))
    })?;
    let mut seen = HashSet::new();
    for (name, _) in &pairs {
        if !allowed.contains(name) {
            let list = if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            };
            return Err(ApiError::invalid_parameter(
                name,
                format!("unknown query parameter; allowed here: {list}"),
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(ApiError::invalid_parameter(name, "given more than once"));
        }
    }
    Ok(())
}

/// Parameters not in `T` are ignored here: `check_names` has already judged them.
fn deserialize<T: DeserializeOwned>(query_string: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query_string.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let message = e.into_inner().to_string();
        ApiError::invalid_parameter(if field == "." { "query" } else { &field }, message)
    })
}

/// The locales the committed OpenAPI document describes (the default configuration).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DocumentedLocale {
    En,
    Uk,
}

/// A JSON merge patch (RFC 7396): an object with the fields to change; `null` removes.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"title": {"uk": "Новий заголовок"}, "summary": null}))]
pub struct MergePatch(pub serde_json::Map<String, serde_json::Value>);

/// Endpoints that take no query parameter at all.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoParams {}

/// Endpoints that take no parameter but `locale`.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocaleParams {
    /// The reader's locale (one of the configured ones, e.g. `en`, `uk`); texts missing in it fall
    /// back to the default locale. Overrides `Accept-Language`.
    #[param(inline, value_type = Option<crate::http::params::DocumentedLocale>, example = "uk")]
    pub locale: Option<String>,
}

/// The longest search text (`q`) accepted; longer text searches nothing better.
pub const MAX_SEARCH_LENGTH: usize = 200;

/// A search text (`q`): at most [`MAX_SEARCH_LENGTH`] characters, at least one of them neither
/// white space nor a control character. The documented pattern,
/// `[^\s\x00-\x1f\x7f-\x9f\ufeff]`, says the same in a class on which ECMAScript's, Python's
/// and Rust's ideas of white space agree (they differ on U+0085, U+001C-U+001F and U+FEFF).
pub fn search_text(q: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(q) = q else { return Ok(None) };
    let blank = |c: char| c.is_whitespace() || c.is_control() || c == '\u{feff}';
    if q.chars().all(blank) {
        return Err(ApiError::invalid_parameter(
            "q",
            "must contain a word, not only white space or control characters",
        ));
    }
    if q.chars().count() > MAX_SEARCH_LENGTH {
        return Err(ApiError::invalid_parameter(
            "q",
            format!("must be at most {MAX_SEARCH_LENGTH} characters"),
        ));
    }
    // NUL cannot reach PostgreSQL text; it separates words like any other control.
    Ok(Some(q.replace('\0', " ")))
}

/// A point in time given as an RFC 3339 timestamp or as a date (`YYYY-MM-DD`, meaning its start
/// in UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instant(pub chrono::DateTime<chrono::Utc>);

impl<'de> serde::Deserialize<'de> for Instant {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use chrono::Datelike;
        let text = String::deserialize(deserializer)?;
        let parsed = chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok()
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .ok()
                    .filter(|_| text.len() == 10)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc())
            })
            // Years PostgreSQL can compare with (and that mean something here).
            .filter(|t| (0..=9999).contains(&t.year()));
        parsed.map(Self).ok_or_else(|| {
            serde::de::Error::custom("expected a date (2024-05-29) or an RFC 3339 timestamp")
        })
    }
}

/// OpenAPI schemas of values that validation constrains beyond their type.
pub mod schemas {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
    use utoipa::openapi::RefOr;

    pub const SLUG_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

    /// A date (`2024-05-29`, its start in UTC) or an RFC 3339 timestamp.
    pub fn instant() -> RefOr<Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, SchemaFormat};
        let of = |format| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(format)))
        };
        RefOr::T(Schema::AnyOf(
            AnyOfBuilder::new()
                .item(of(KnownFormat::Date))
                .item(of(KnownFormat::DateTime))
                .description(Some("A date (its start in UTC) or an RFC 3339 timestamp"))
                .build(),
        ))
    }

    pub fn tags() -> RefOr<Schema> {
        let tag = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(SLUG_PATTERN))
            .max_length(Some(120));
        RefOr::T(Schema::Array(
            ArrayBuilder::new()
                .items(tag)
                .max_items(Some(20))
                .description(Some("Tag slugs, at most 20"))
                .build(),
        ))
    }

    /// Every ISO 3166-1 alpha-2 code.
    pub fn country_code() -> RefOr<Schema> {
        let codes: Vec<String> = celes::Country::get_countries()
            .iter()
            .map(|c| c.alpha2.to_string())
            .collect();
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(codes))
                .description(Some("ISO 3166-1 alpha-2 country code, upper case"))
                .build(),
        ))
    }
}

/// How a path names an item: by UUID or by slug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemKey {
    Id(uuid::Uuid),
    Slug(String),
}

impl ItemKey {
    /// A segment that is neither a UUID nor a well-formed slug cannot name anything: 404.
    pub fn parse(segment: &str) -> Result<Self, ApiError> {
        // Only the hyphenated form (as the API writes ids); braces, URNs and bare hex are no ids.
        if segment.len() == 36 {
            if let Ok(id) = uuid::Uuid::parse_str(segment) {
                return Ok(Self::Id(id));
            }
        }
        if is_slug(segment) {
            return Ok(Self::Slug(segment.to_owned()));
        }
        Err(ApiError::not_found("no item has this id or slug"))
    }
}

/// Lower-case letters and digits in groups joined by single hyphens, at most 120 characters
/// (the same rule as the database's `orgcms_is_slug`).
pub fn is_slug(s: &str) -> bool {
    s.len() <= 120
        && !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, IntoParams)]
    #[allow(dead_code)]
    struct OneParam {
        alpha: Option<String>,
    }

    #[derive(Deserialize, IntoParams)]
    #[allow(dead_code)]
    struct OtherParam {
        beta: Option<String>,
    }

    #[test]
    fn allow_lists_are_made_once_per_extractor_type() {
        let one = allowed_names::<Query<OneParam>>(names_of::<OneParam>);
        assert_eq!(one, ["alpha"]);
        // Kept: the second call does not make the list again.
        let again = allowed_names::<Query<OneParam>>(|| panic!("made twice"));
        assert!(std::ptr::eq(one, again));
        // Another type has its own list, and a list query adds the paging parameters.
        assert_eq!(
            allowed_names::<Query<OtherParam>>(names_of::<OtherParam>),
            ["beta"]
        );
        assert_eq!(
            ListQuery::<OtherParam>::parse("beta=x&per_page=5")
                .map(|q| q.paging.per_page)
                .ok(),
            Some(Some(5))
        );
        assert!(Query::<OneParam>::parse("beta=x").is_err());
        assert!(Query::<OtherParam>::parse("beta=x").is_ok());
    }

    #[test]
    fn instants() {
        #[derive(Debug, Deserialize, IntoParams)]
        struct When {
            #[param(value_type = Option<String>)]
            at: Option<Instant>,
        }
        let at = |q: &str| Query::<When>::parse(q).map(|w| w.at.map(|i| i.0.to_rfc3339()));
        assert_eq!(
            at("at=2024-05-29").unwrap().unwrap(),
            "2024-05-29T00:00:00+00:00"
        );
        assert_eq!(
            at("at=2024-05-29T10:00:00%2B02:00").unwrap().unwrap(),
            "2024-05-29T08:00:00+00:00"
        );
        assert!(at("at=2024-13-01").is_err());
        assert!(at("at=yesterday").is_err());
        assert!(at("at=2024-5-1").is_err());
        assert!(at("at=-5000-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn search_texts() {
        let search = |q: &str| search_text(Some(q)).map_err(|e| e.problem().status);
        for blank in [
            "",
            " ",
            "\u{c}",
            "\0",
            "\u{1c}",
            "\u{85}",
            "\u{a0}",
            "\u{feff}",
            "\u{3000}\t",
        ] {
            assert_eq!(search(blank), Err(400), "{blank:?}");
        }
        assert_eq!(search("a\0b").unwrap().as_deref(), Some("a b"));
        assert_eq!(search(" \u{1}x").unwrap().as_deref(), Some(" \u{1}x"));
        assert_eq!(search(&"é".repeat(200)).map(|_| ()), Ok(()));
        assert_eq!(search(&"é".repeat(201)), Err(400));
        assert_eq!(search_text(None).unwrap(), None);
    }

    /// The documented pattern's class, `[^\s\x00-\x1f\x7f-\x9f\ufeff]`, matches exactly the
    /// characters that `search_text` counts as a word's, whichever engine's `\s` a client uses.
    #[test]
    fn the_search_pattern_agrees_with_the_check() {
        const ECMASCRIPT_SPACE: &[char] = &[
            '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{a0}', '\u{1680}', '\u{2028}', '\u{2029}',
            '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}',
        ];
        const PYTHON_SPACE: &[char] = &[
            '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}', ' ',
            '\u{85}', '\u{a0}', '\u{1680}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}',
            '\u{3000}',
        ];
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let space = ECMASCRIPT_SPACE.contains(&c)
                || PYTHON_SPACE.contains(&c)
                || ('\u{2000}'..='\u{200a}').contains(&c);
            let class_matches = !(space
                || ('\0'..='\u{1f}').contains(&c)
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || c == '\u{feff}');
            assert_eq!(
                search_text(Some(&c.to_string())).is_ok(),
                class_matches,
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn item_keys() {
        let id = "0b6f8a52-9f38-5b7c-a0c5-6f1de0c1e001";
        assert!(matches!(ItemKey::parse(id), Ok(ItemKey::Id(_))));
        assert_eq!(
            ItemKey::parse("ukraine").unwrap(),
            ItemKey::Slug("ukraine".into())
        );
        assert!(ItemKey::parse("Ukraine").is_err());
        assert!(ItemKey::parse("a--b").is_err());
        assert!(ItemKey::parse("-a").is_err());
        assert!(ItemKey::parse("").is_err());
        assert!(ItemKey::parse(&"a".repeat(121)).is_err());
        assert!(ItemKey::parse("x' OR 1=1 --").is_err());
    }

    #[derive(Debug, Deserialize, IntoParams)]
    struct Example {
        page: Option<u32>,
        #[allow(dead_code)]
        locale: Option<String>,
    }

    #[test]
    fn accepts_documented_parameters() {
        let parsed = Query::<Example>::parse("page=2&locale=uk").unwrap();
        assert_eq!(parsed.page, Some(2));
        assert!(Query::<Example>::parse("").unwrap().page.is_none());
    }

    fn field_of(error: ApiError) -> String {
        error
            .problem()
            .errors
            .first()
            .map(|e| e.field.clone())
            .unwrap_or_default()
    }

    #[test]
    fn rejects_unknown_repeated_and_bad_parameters() {
        assert_eq!(
            field_of(Query::<Example>::parse("pgae=2").unwrap_err()),
            "pgae"
        );
        assert_eq!(
            field_of(Query::<Example>::parse("page=1&page=2").unwrap_err()),
            "page"
        );
        assert_eq!(
            field_of(Query::<Example>::parse("page=two").unwrap_err()),
            "page"
        );
        assert_eq!(
            field_of(Query::<Example>::parse("page=-1").unwrap_err()),
            "page"
        );
        assert!(Query::<Example>::parse(&"a".repeat(9000)).is_err());
    }
}

/// Query strings, instants and item keys under any input.
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text};
    use crate::resources::news::routes::NewsQuery;
    use proptest::prelude::*;

    /// Query strings made of real and unknown names, repeated keys, raw and percent-encoded
    /// hostile values (`%00`, broken escapes, invalid UTF-8), and now and then very long ones.
    fn query_strings() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            prop::sample::select(
                &[
                    "mission",
                    "tag",
                    "q",
                    "published_after",
                    "published_before",
                    "status",
                    "sort",
                    "locale",
                    "per_page",
                    "cursor",
                    "page",
                    "total",
                ][..]
            )
            .prop_map(str::to_owned),
            hostile_text(3),
        ];
        let value = prop_oneof![
            hostile_text(8),
            hostile_text(8).prop_map(|v| form_urlencoded::byte_serialize(v.as_bytes()).collect()),
            "(%[0-9A-Fa-f]{2}){1,6}",
            "[0-9]{1,25}",
            Just("a".repeat(9000)),
        ];
        prop_oneof![
            prop::collection::vec((name, value), 0..6).prop_map(|pairs| {
                pairs
                    .iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>()
                    .join("&")
            }),
            hostile_text(30),
        ]
    }

    fn is_4xx(error: &ApiError) -> bool {
        (400..500).contains(&error.problem().status)
    }

    proptest! {
        #![proptest_config(config(1000))]

        /// Any query string: the parameters or a 4xx problem naming what is wrong; never a
        /// panic, never a 5xx (paging included).
        #[test]
        fn any_query_string_parses_or_is_a_4xx(query in query_strings()) {
            match ListQuery::<NewsQuery>::parse(&query) {
                Ok(list) => {
                    if let Err(e) = crate::http::pagination::Paging::<(i64, String)>::new(&list.paging, "/x", &query, false) {
                        prop_assert!(is_4xx(&e));
                    }
                    for instant in [list.filter.published_after, list.filter.published_before].into_iter().flatten() {
                        use chrono::Datelike;
                        prop_assert!((0..=9999).contains(&instant.0.year()));
                    }
                }
                Err(e) => {
                    prop_assert!(is_4xx(&e));
                    prop_assert!(!e.problem().detail.is_empty());
                }
            }
            if let Err(e) = Query::<LocaleParams>::parse(&query) {
                prop_assert!(is_4xx(&e));
            }
            if let Err(e) = Query::<NoParams>::parse(&query) {
                prop_assert!(is_4xx(&e));
            }
        }

        /// A repeated parameter is refused, naming it.
        #[test]
        fn repeated_parameters_are_refused(value in "[a-z0-9]{0,5}", other in "[a-z0-9]{0,5}") {
            let query = format!("tag={value}&tag={other}");
            let error = ListQuery::<NewsQuery>::parse(&query).err();
            prop_assert_eq!(error.map(|e| e.problem().errors[0].field.clone()), Some("tag".to_owned()));
        }

        /// A path segment names an item by UUID or slug, or is a 404; a slug is always one that
        /// `is_slug` accepts.
        #[test]
        fn item_keys_are_ids_slugs_or_404(segment in prop_oneof![
            hostile_text(10),
            "[a-z0-9-]{0,130}",
            any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
        ]) {
            match ItemKey::parse(&segment) {
                Ok(ItemKey::Id(id)) => prop_assert_eq!(id.to_string(), segment.to_lowercase()),
                Ok(ItemKey::Slug(slug)) => {
                    prop_assert!(is_slug(&slug));
                    prop_assert_eq!(slug, segment);
                }
                Err(e) => prop_assert_eq!(e.problem().status, 404),
            }
        }

        /// Every timestamp in the years 0 to 9999 reads back as itself, in any offset.
        #[test]
        fn instants_round_trip(
            secs in -62_167_219_200i64..253_402_300_799,
            offset_minutes in -1439i32..=1439,
        ) {
            let t = chrono::DateTime::from_timestamp(secs, 0).unwrap();
            let offset = chrono::FixedOffset::east_opt(offset_minutes * 60).unwrap();
            let text = t.with_timezone(&offset).to_rfc3339();
            let parsed: Result<Instant, _> = serde_json::from_value(serde_json::json!(text));
            use chrono::Datelike;
            let in_range = (0..=9999).contains(&t.with_timezone(&offset).year());
            match parsed {
                Ok(instant) => prop_assert_eq!(instant.0, t),
                // A time near the ends may be written with a year outside 0..=9999 in its offset.
                Err(_) => prop_assert!(!in_range),
            }
        }
    }
}
