//! Locales: the configured list, per-locale text with fallback, and choosing the reader's locale
//! from `?locale=` or `Accept-Language`.

use std::collections::BTreeMap;
use std::future::{ready, Ready};

use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::Jsonb;
use serde::{Deserialize, Serialize};

use crate::http::error::ApiError;

/// The configured locales; the first one is the default that every text falls back to.
#[derive(Clone, Debug)]
pub struct Locales(Vec<String>);

impl Locales {
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut locales = Vec::new();
        for tag in list.split(',').map(str::trim) {
            if !is_locale_tag(tag) {
                return Err(format!(
                    "`{tag}` is not a lower-case language code such as `en`"
                ));
            }
            if !locales.iter().any(|l| l == tag) {
                locales.push(tag.to_owned());
            }
        }
        if locales.is_empty() {
            return Err("at least one locale is needed".into());
        }
        Ok(Self(locales))
    }

    pub fn default(&self) -> &str {
        &self.0[0]
    }

    pub fn all(&self) -> &[String] {
        &self.0
    }

    pub fn find(&self, tag: &str) -> Option<&str> {
        self.0
            .iter()
            .map(String::as_str)
            .find(|l| l.eq_ignore_ascii_case(tag))
    }

    /// The best configured locale for an `Accept-Language` value (RFC 9110 weights; a regional
    /// tag such as `uk-UA` matches `uk`), or None when nothing acceptable is configured.
    pub fn negotiate(&self, accept_language: &str) -> Option<&str> {
        let mut best: Option<(f32, usize, &str)> = None;
        for (index, item) in accept_language.split(',').take(32).enumerate() {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or("").trim();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if !(weight > 0.0 && weight <= 1.0) {
                continue;
            }
            let primary = range.split('-').next().unwrap_or("");
            let candidate = if range == "*" {
                Some(self.default())
            } else {
                self.find(primary)
            };
            if let Some(locale) = candidate {
                // Higher weight wins; on a tie, the earlier item.
                if best.is_none_or(|(w, _, _)| weight > w) {
                    best = Some((weight, index, locale));
                }
            }
        }
        best.map(|(_, _, locale)| locale)
    }
}

fn is_locale_tag(tag: &str) -> bool {
    (2..=3).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_lowercase())
}

/// A human-readable text in several locales, stored as a JSON object `{"en": "...", "uk": "..."}`.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    AsExpression,
    FromSqlRow,
    utoipa::ToSchema,
)]
#[diesel(sql_type = Jsonb)]
#[schema(example = json!({"en": "Hello", "uk": "Привіт"}))]
pub struct Localized(pub BTreeMap<String, String>);

impl Localized {
    pub fn en(text: &str) -> Self {
        Self(BTreeMap::from([("en".to_owned(), text.to_owned())]))
    }

    /// The text in the reader's locale, else in the default locale, else in the first configured
    /// locale that has it (better than nothing); None when it exists in none of them.
    pub fn resolve<'a>(&'a self, locale: &RequestLocale) -> Option<(&'a str, &'a str)> {
        [locale.locale.as_str(), locale.default.as_str()]
            .into_iter()
            .chain(locale.locales.all().iter().map(String::as_str))
            .find_map(|l| self.0.get_key_value(l).filter(|(_, text)| !text.is_empty()))
            .map(|(l, text)| (l.as_str(), text.as_str()))
    }

    /// The text as the reader sees it, with fallback; None when it has none.
    pub fn text(&self, locale: &RequestLocale) -> Option<String> {
        self.resolve(locale).map(|(_, text)| text.to_owned())
    }

    /// The configured locales this text exists in, in configuration order.
    pub fn available(&self, locales: &Locales) -> Vec<String> {
        locales
            .all()
            .iter()
            .filter(|l| self.0.get(*l).is_some_and(|t| !t.is_empty()))
            .cloned()
            .collect()
    }
}

// jsonb's binary form is a version byte (1) and the JSON text. The map is read from and written
// to that text directly, not through a `serde_json::Value` (half the allocations of a row).
impl FromSql<Jsonb, Pg> for Localized {
    fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        match bytes.as_bytes() {
            [1, json @ ..] => Ok(serde_json::from_slice(json)?),
            _ => Err("unsupported jsonb encoding version".into()),
        }
    }
}

impl ToSql<Jsonb, Pg> for Localized {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
        use std::io::Write;
        out.write_all(&[1])?;
        serde_json::to_writer(out, self)?;
        Ok(diesel::serialize::IsNull::No)
    }
}

/// Which locale an item is shown in (that of its main text after fallback) and which of the
/// configured locales its main text exists in.
pub fn item_locale(main_text: &Localized, locale: &RequestLocale) -> (String, Vec<String>) {
    let shown = main_text
        .resolve(locale)
        .map_or(locale.default.as_str(), |(l, _)| l);
    (shown.to_owned(), main_text.available(&locale.locales))
}

/// The `Content-Language` of a list: the locales its items are shown in, or the reader's locale
/// when the list is empty.
pub fn content_language<'a>(
    item_locales: impl Iterator<Item = &'a str>,
    locale: &RequestLocale,
) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for l in item_locales {
        if !seen.contains(&l) {
            seen.push(l);
        }
    }
    if seen.is_empty() {
        locale.locale.clone()
    } else {
        seen.join(", ")
    }
}

/// OpenAPI schemas of per-locale texts, with the limits that validation applies. The committed
/// document describes the default configuration (`en`, `uk`, default `en`).
pub mod schemas {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, Type};
    use utoipa::openapi::RefOr;

    pub const DOCUMENTED_LOCALES: [&str; 2] = ["en", "uk"];
    /// Text without NUL characters (PostgreSQL cannot store them).
    pub const NO_NUL: &str = "^[^\\u0000]*$";

    fn localized(max_chars: usize, required: bool) -> RefOr<Schema> {
        let text = || {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(max_chars))
                .pattern(Some(NO_NUL))
        };
        let mut object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(format!(
                "The text per locale (`{{\"en\": ..., \"uk\": ...}}`), at most {max_chars} characters each{}",
                if required { "; required in the default locale `en`" } else { "" }
            )))
            .property_names(Some(
                ObjectBuilder::new().schema_type(Type::String).enum_values(Some(DOCUMENTED_LOCALES)),
            ))
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::Object(
                text().build(),
            )))))
            .examples([serde_json::json!({"en": "Text", "uk": "Текст"})]);
        if required {
            object = object
                .required("en")
                .property("en", text().min_length(Some(1)));
        }
        RefOr::T(Schema::Object(object.build()))
    }

    pub fn required_300() -> RefOr<Schema> {
        localized(300, true)
    }
    pub fn optional_200() -> RefOr<Schema> {
        localized(200, false)
    }
    pub fn optional_500() -> RefOr<Schema> {
        localized(500, false)
    }
    pub fn optional_2000() -> RefOr<Schema> {
        localized(2000, false)
    }
    pub fn optional_20000() -> RefOr<Schema> {
        localized(20_000, false)
    }
    pub fn optional_200000() -> RefOr<Schema> {
        localized(200_000, false)
    }
}

/// The locale a reader asked for (already one of the configured ones) and the default locale.
#[derive(Clone, Debug)]
pub struct RequestLocale {
    pub locale: String,
    pub default: String,
    pub locales: Locales,
}

impl RequestLocale {
    /// `?locale=` wins over `Accept-Language`; an unknown `?locale=` is a bad request, an
    /// unsatisfiable `Accept-Language` just means the default locale.
    pub fn choose(
        locales: &Locales,
        query_locale: Option<&str>,
        accept_language: Option<&str>,
    ) -> Result<Self, ApiError> {
        let locale = match query_locale {
            // Exactly as configured (the documented enum); Accept-Language is case-insensitive.
            Some(tag) => locales
                .all()
                .iter()
                .map(String::as_str)
                .find(|l| *l == tag)
                .ok_or_else(|| {
                    ApiError::invalid_parameter(
                        "locale",
                        format!(
                            "unknown locale `{tag}`; available: {}",
                            locales.all().join(", ")
                        ),
                    )
                })?,
            None => accept_language
                .and_then(|h| locales.negotiate(h))
                .unwrap_or(locales.default()),
        };
        Ok(Self {
            locale: locale.to_owned(),
            default: locales.default().to_owned(),
            locales: locales.clone(),
        })
    }
}

impl FromRequest for RequestLocale {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let locales = match crate::app::state::AppState::of(req) {
            Ok(state) => &state.locales,
            Err(e) => return ready(Err(e)),
        };
        let query_locale = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .unwrap_or_default()
            .into_iter()
            .find(|(k, _)| k == "locale")
            .map(|(_, v)| v);
        let accept_language = req
            .headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|h| h.to_str().ok());
        ready(RequestLocale::choose(
            locales,
            query_locale.as_deref(),
            accept_language,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales() -> Locales {
        Locales::parse("en,uk").unwrap()
    }

    #[test]
    fn parses_the_locale_list() {
        assert_eq!(Locales::parse(" en , uk,en").unwrap().all(), ["en", "uk"]);
        assert!(Locales::parse("").is_err());
        assert!(Locales::parse("EN").is_err());
        assert!(Locales::parse("english").is_err());
    }

    #[test]
    fn negotiates_accept_language() {
        let l = locales();
        assert_eq!(l.negotiate("uk"), Some("uk"));
        assert_eq!(l.negotiate("uk-UA,uk;q=0.9,en;q=0.8"), Some("uk"));
        assert_eq!(l.negotiate("de-DE,en;q=0.5,uk;q=0.7"), Some("uk"));
        assert_eq!(l.negotiate("fr"), None);
        assert_eq!(l.negotiate("*"), Some("en"));
        assert_eq!(l.negotiate("uk;q=0,en"), Some("en"));
        assert_eq!(l.negotiate("uk;q=abc"), Some("uk"));
        assert_eq!(l.negotiate("EN"), Some("en"));
        assert_eq!(l.negotiate(";;;,,,q=;"), None);
    }

    #[test]
    fn query_locale_wins_and_unknown_is_rejected() {
        let l = locales();
        let chosen = RequestLocale::choose(&l, Some("uk"), Some("en")).unwrap();
        assert_eq!(chosen.locale, "uk");
        assert!(RequestLocale::choose(&l, Some("de"), None).is_err());
        assert_eq!(
            RequestLocale::choose(&l, None, Some("de")).unwrap().locale,
            "en"
        );
    }

    #[test]
    fn falls_back_to_the_default_locale() {
        let l = locales();
        let uk = RequestLocale::choose(&l, Some("uk"), None).unwrap();
        let mut text = Localized::en("Hello");
        assert_eq!(text.resolve(&uk), Some(("en", "Hello")));
        text.0.insert("uk".into(), "Привіт".into());
        assert_eq!(text.resolve(&uk), Some(("uk", "Привіт")));
        text.0.insert("uk".into(), String::new());
        assert_eq!(text.resolve(&uk), Some(("en", "Hello")));
        assert_eq!(text.available(&l), ["en"]);
        assert_eq!(Localized::default().resolve(&uk), None);
        let only_uk = Localized(BTreeMap::from([("uk".to_owned(), "Привіт".to_owned())]));
        let en = RequestLocale::choose(&l, Some("en"), None).unwrap();
        assert_eq!(
            only_uk.resolve(&en),
            Some(("uk", "Привіт")),
            "better than nothing"
        );
        let unknown = Localized(BTreeMap::from([("de".to_owned(), "Hallo".to_owned())]));
        assert_eq!(
            unknown.resolve(&en),
            None,
            "unconfigured locales are never shown"
        );
    }
}

/// Locale negotiation under any `Accept-Language` and `?locale=`.
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text};
    use proptest::prelude::*;

    fn locale_lists() -> impl Strategy<Value = Locales> {
        prop::collection::vec("[a-z]{2,3}", 1..4)
            .prop_map(|tags| Locales::parse(&tags.join(",")).unwrap())
    }

    /// Header values made of language ranges, weights and junk.
    fn accept_language() -> impl Strategy<Value = String> {
        let item = (
            prop_oneof![
                "[a-zA-Z]{1,3}(-[a-zA-Z0-9]{1,8}){0,2}",
                Just("*".to_owned()),
                hostile_text(3)
            ],
            prop::option::of(prop_oneof![
                "q=[01](\\.[0-9]{0,3})?",
                "q=[^,;]{0,6}",
                hostile_text(2),
            ]),
        )
            .prop_map(|(range, q)| match q {
                Some(q) => format!("{range};{q}"),
                None => range,
            });
        prop_oneof![
            prop::collection::vec(item, 0..40).prop_map(|items| items.join(",")),
            hostile_text(30),
        ]
    }

    proptest! {
        #![proptest_config(config(1000))]

        /// Any header yields a configured locale (the default when nothing fits); never a panic.
        #[test]
        fn any_accept_language_yields_a_configured_locale(
            locales in locale_lists(),
            header in accept_language(),
        ) {
            if let Some(l) = locales.negotiate(&header) {
                prop_assert!(locales.all().iter().any(|c| c == l));
            }
            let chosen = RequestLocale::choose(&locales, None, Some(&header)).unwrap();
            prop_assert!(locales.all().contains(&chosen.locale));
            prop_assert_eq!(chosen.default.as_str(), locales.default());
        }

        /// A configured locale named alone (with any weight above 0) is chosen.
        #[test]
        fn a_single_configured_locale_is_chosen(
            locales in locale_lists(),
            pick in any::<prop::sample::Index>(),
            q in prop::option::of(1u32..=1000),
        ) {
            let wanted = pick.get(locales.all()).clone();
            let header = match q {
                Some(q) => format!("{wanted};q={}", f64::from(q) / 1000.0),
                None => wanted.clone(),
            };
            prop_assert_eq!(locales.negotiate(&header), Some(wanted.as_str()));
        }

        /// `?locale=` is a configured locale or a 400 naming `locale`.
        #[test]
        fn query_locale_is_configured_or_a_400(
            locales in locale_lists(),
            query in hostile_text(4),
        ) {
            match RequestLocale::choose(&locales, Some(&query), None) {
                Ok(chosen) => prop_assert_eq!(chosen.locale, query),
                Err(e) => {
                    let problem = e.problem();
                    prop_assert_eq!(problem.status, 400);
                    prop_assert_eq!(problem.errors[0].field.as_str(), "locale");
                }
            }
        }
    }
}
