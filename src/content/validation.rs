//! Checks of write inputs that types alone cannot express. Each check adds one `{field, message}`
//! per problem, so a client learns about every problem of a body at once.

use crate::content::locale::{Locales, Localized};
use crate::http::body::{is_unrepresentable, unrepresentable_message};
use crate::http::error::{ApiError, FieldError};
use crate::http::params::is_slug;

/// Whether `value` holds only the characters of RFC 3986 (unreserved, reserved and
/// percent-escapes of two hex digits).
fn is_uri(value: &str) -> bool {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                if !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
                {
                    return false;
                }
                i += 3;
                continue;
            }
            b if b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b) => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

/// Collects the problems of one input.
pub struct Checker<'a> {
    pub locales: &'a Locales,
    errors: Vec<FieldError>,
}

impl<'a> Checker<'a> {
    pub fn new(locales: &'a Locales) -> Self {
        Self {
            locales,
            errors: Vec::new(),
        }
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Ok when nothing failed, else every problem as one 422.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }

    /// A text per locale: only configured locales, each at most `max_chars` characters; with
    /// `required`, the default locale must have a non-blank text.
    pub fn localized(&mut self, field: &str, text: &Localized, max_chars: usize, required: bool) {
        for (locale, value) in &text.0 {
            if self.locales.find(locale) != Some(locale.as_str()) {
                self.fail(
                    &format!("{field}.{locale}"),
                    format!(
                        "unknown locale; configured: {}",
                        self.locales.all().join(", ")
                    ),
                );
            } else if value.chars().count() > max_chars {
                self.fail(
                    &format!("{field}.{locale}"),
                    format!("longer than {max_chars} characters"),
                );
            } else if let Some(c) = value.chars().find(|c| is_unrepresentable(*c)) {
                self.fail(&format!("{field}.{locale}"), unrepresentable_message(c));
            }
        }
        let default = self.locales.default();
        if required && text.0.get(default).is_none_or(String::is_empty) {
            self.fail(
                &format!("{field}.{default}"),
                "is required in the default locale",
            );
        }
    }

    /// A Markdown text per locale that the renderer can turn into HTML in linear time (see
    /// `markdown::MAX_NESTING`).
    pub fn markdown(&mut self, field: &str, text: &Localized) {
        for (locale, value) in &text.0 {
            let depth = crate::content::markdown::nesting_depth(value);
            if depth > crate::content::markdown::MAX_NESTING {
                self.fail(
                    &format!("{field}.{locale}"),
                    format!(
                        "nests quotes, lists, emphasis, links and HTML elements {depth} levels \
                         deep; at most {} are allowed",
                        crate::content::markdown::MAX_NESTING
                    ),
                );
            }
        }
    }

    pub fn plain_text(&mut self, field: &str, value: &str, min_chars: usize, max_chars: usize) {
        let n = value.chars().count();
        if n < min_chars || n > max_chars {
            self.fail(
                field,
                format!("must be {min_chars} to {max_chars} characters long"),
            );
        } else if let Some(c) = value.chars().find(|c| is_unrepresentable(*c)) {
            self.fail(field, unrepresentable_message(c));
        }
    }

    pub fn slug(&mut self, field: &str, value: &str) {
        if !is_slug(value) {
            self.fail(
                field,
                "must be lower-case letters and digits in groups joined by single hyphens, at most 120 characters",
            );
        }
    }

    pub fn range<T: PartialOrd + std::fmt::Display>(
        &mut self,
        field: &str,
        value: T,
        min: T,
        max: T,
    ) {
        if value < min || value > max {
            self.fail(field, format!("must be between {min} and {max}"));
        }
    }

    /// An absolute http(s) URL.
    /// An absolute http(s) URL as RFC 3986 writes it: only the characters a URI may hold (so
    /// no quotes, angle brackets, spaces or backslashes, and anything else percent-encoded), each
    /// `%` starting an escape, and a host.
    pub fn url(&mut self, field: &str, value: &str) {
        let ok = value.len() <= 2000
            && is_uri(value)
            && url::Url::parse(value)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            self.fail(
                field,
                "must be an absolute http or https URL of at most 2000 characters, \
                 with anything but letters, digits and -._~:/?#[]@!$&'()*+,;= percent-encoded",
            );
        }
    }

    /// A date or time with a four-digit year, as RFC 3339 writes them.
    pub fn year_range(&mut self, field: &str, year: i32) {
        if !(0..=9999).contains(&year) {
            self.fail(field, "must be in the years 0000 to 9999");
        }
    }

    /// An ISO 3166-1 alpha-2 code of a country that exists, upper case.
    pub fn country_code(&mut self, field: &str, value: &str) {
        let upper = value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase());
        if !upper || celes::Country::from_alpha2(value).is_err() {
            self.fail(
                field,
                "must be an ISO 3166-1 alpha-2 country code such as `UA`",
            );
        }
    }
}

/// A slug made from a title: ASCII (transliterated), at most 80 characters, cut at a hyphen.
pub fn slug_from_title(title: &str) -> String {
    let slug = slug::slugify(title);
    if slug.len() <= 80 {
        return if slug.is_empty() {
            "item".to_owned()
        } else {
            slug
        };
    }
    let cut = slug[..80].rfind('-').unwrap_or(80);
    slug[..cut].to_owned()
}

/// The slug base of a new item: made from the first non-blank text of its title (in locale
/// order), or from `fallback` when there is none.
pub fn slug_base(title: &Localized, fallback: &str) -> String {
    let text = title.0.values().find(|t| !t.trim().is_empty());
    slug_from_title(text.map_or(fallback, String::as_str))
}

/// The first of `base`, `base-2`, `base-3`... that is not `taken`.
pub fn first_free_slug(base: &str, taken: &[String]) -> String {
    // A set, not `taken.contains`: with n slugs `base-2`..`base-n` taken, the search tries n
    // candidates, and a scan of the list for each would cost n² (found looking for super-linear
    // paths, issue 10).
    let taken: std::collections::HashSet<&str> = taken.iter().map(String::as_str).collect();
    std::iter::once(base.to_owned())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|s| !taken.contains(s.as_str()))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn locales() -> Locales {
        Locales::parse("en,uk").unwrap()
    }

    fn text(pairs: &[(&str, &str)]) -> Localized {
        Localized(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn problems(check: impl FnOnce(&mut Checker)) -> Vec<String> {
        let l = locales();
        let mut c = Checker::new(&l);
        check(&mut c);
        match c.finish() {
            Ok(()) => vec![],
            Err(e) => e.problem().errors.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn localized_texts() {
        assert!(problems(|c| c.localized(
            "title",
            &text(&[("en", "Hi"), ("uk", "Привіт")]),
            10,
            true
        ))
        .is_empty());
        assert_eq!(
            problems(|c| c.localized("title", &text(&[("uk", "Привіт")]), 10, true)),
            ["title.en"]
        );
        assert_eq!(
            problems(|c| c.localized("title", &text(&[("en", "")]), 10, true)),
            ["title.en"]
        );
        assert_eq!(
            problems(|c| c.localized("title", &text(&[("de", "x")]), 10, false)),
            ["title.de"]
        );
        assert_eq!(
            problems(|c| c.localized("title", &text(&[("en", "abcdefghijk")]), 10, false)),
            ["title.en"]
        );
        assert_eq!(
            problems(|c| c.localized("title", &text(&[("en", "Привіт")]), 6, false)).len(),
            0,
            "characters, not bytes"
        );
    }

    #[test]
    fn formats() {
        assert!(problems(|c| c.url("u", "https://example.org/a.jpg")).is_empty());
        for bad in [
            "javascript:alert(1)",
            "/relative.jpg",
            "ftp://x/y",
            "https://",
            "not a url",
        ] {
            assert_eq!(problems(|c| c.url("u", bad)), ["u"], "{bad}");
        }
        assert!(problems(|c| c.country_code("c", "UA")).is_empty());
        for bad in ["ua", "XX", "UKR", "", "U1"] {
            assert_eq!(problems(|c| c.country_code("c", bad)), ["c"], "{bad}");
        }
        assert_eq!(problems(|c| c.range("y", 1800, 1900, 2100)), ["y"]);
    }

    #[test]
    fn free_slugs() {
        assert_eq!(first_free_slug("a", &[]), "a");
        assert_eq!(first_free_slug("a", &["a".into(), "a-2".into()]), "a-3");
    }

    #[test]
    fn slugs_from_titles() {
        assert_eq!(slug_from_title("Hello, World!"), "hello-world");
        assert_eq!(slug_from_title("Привіт, Київ"), "privit-kiyiv");
        assert_eq!(slug_from_title("!!!"), "item");
        let long = slug_from_title(&"word ".repeat(40));
        assert!(long.len() <= 80 && !long.ends_with('-') && is_slug(&long));
    }
}

/// Slug generation and text checks under any input.
#[cfg(test)]
mod url_tests {
    use super::*;

    fn url_ok(value: &str) -> bool {
        let locales = Locales::parse("en").unwrap();
        let mut checker = Checker::new(&locales);
        checker.url("u", value);
        checker.finish().is_ok()
    }

    #[test]
    fn urls_are_absolute_http_and_written_as_rfc_3986_says() {
        for good in [
            "https://example.org/photo.jpg",
            "http://a.b/x?y=1&z=%20#f",
            "https://example.org/%D1%84%D0%BE%D1%82%D0%BE.jpg",
            "https://[::1]:8080/a(b)",
        ] {
            assert!(url_ok(good), "{good}");
        }
        for bad in [
            "http://a.b/\"><script>",
            "http://a.b/<x>",
            "https://example.org/a b.jpg",
            "https://example.org/фото.jpg",
            "https://example.org/a\\b",
            "https://example.org/%zz",
            "https://example.org/%2",
            "https://example.org/`x`",
            "javascript:alert(1)",
            "//example.org/a.jpg",
            "ftp://example.org/a.jpg",
        ] {
            assert!(!url_ok(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        #![proptest_config(config(1000))]

        /// Any title (any script, control characters, emoji) gives a valid slug of at most 80
        /// characters, made only from the title's letters and digits.
        #[test]
        fn any_title_gives_a_valid_slug(title in prop_oneof![
            hostile_text(40),
            any::<String>(),
            "(word ){10,40}",
            "[a-z0-9]{70,200}",
        ]) {
            let slug = slug_from_title(&title);
            prop_assert!(is_slug(&slug), "{title:?} -> {slug:?}");
            prop_assert!(slug.len() <= 80);
            prop_assert_eq!(slug_from_title(&slug), slug.clone(), "a slug is its own slug");
        }

        /// Free slugs are valid and free whatever is taken.
        #[test]
        fn free_slugs_are_free(title in hostile_text(10), taken in prop::collection::vec("[a-z]{1,3}(-[0-9])?", 0..10)) {
            let base = slug_from_title(&title);
            let mut taken = taken;
            taken.push(base.clone());
            let free = first_free_slug(&base, &taken);
            prop_assert!(!taken.contains(&free));
            prop_assert!(free.starts_with(&base));
        }

        /// A text that some output cannot carry (NUL, other controls, noncharacters) or that is
        /// too long is refused, naming the field and locale; any other text of a configured
        /// locale passes.
        #[test]
        fn localized_texts_with_unrepresentable_characters_are_refused(text in hostile_text(20)) {
            let locales = Locales::parse("en,uk").unwrap();
            let mut checker = Checker::new(&locales);
            let value = Localized(BTreeMap::from([("uk".to_owned(), text.clone())]));
            checker.localized("title", &value, 100, false);
            checker.plain_text("name", &text, 0, 100);
            let fields: Vec<String> = match checker.finish() {
                Ok(()) => vec![],
                Err(e) => e.problem().errors.into_iter().map(|e| e.field).collect(),
            };
            let bad = text.contains(crate::http::body::is_unrepresentable) || text.chars().count() > 100;
            let expected: Vec<String> = if bad { vec!["title.uk".into(), "name".into()] } else { vec![] };
            prop_assert_eq!(fields, expected);
        }
    }
}
