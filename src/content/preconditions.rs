//! `If-Match`: what a write is conditional on, and the ETag it is compared with.

use serde::Serialize;

use crate::http::caching::strong_etag;
use crate::http::error::ApiError;

/// `If-Match`: `*` or a list of strong entity tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    /// `*`, or entity tags (`"x"` or `W/"x"`) separated by commas and spaces; a comma may stand
    /// inside a tag.
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let bad = || {
            ApiError::bad_request(
                "invalid-header",
                "If-Match must be `*` or a list of quoted entity tags",
            )
        };
        let value = value.trim_matches(' ');
        if value == "*" {
            return Ok(Self::Any);
        }
        let mut tags = Vec::new();
        let mut rest = value;
        loop {
            let weak = rest.starts_with("W/");
            let quoted = if weak { &rest[2..] } else { rest };
            let body = quoted.strip_prefix('"').ok_or_else(bad)?;
            let end = body.find('"').ok_or_else(bad)?;
            let tag = &body[..end];
            if !tag.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b)) {
                return Err(bad());
            }
            tags.push(format!("{}\"{tag}\"", if weak { "W/" } else { "" }));
            rest = body[end + 1..].trim_start_matches(' ');
            if rest.is_empty() {
                break;
            }
            rest = rest
                .strip_prefix(',')
                .ok_or_else(bad)?
                .trim_start_matches(' ');
        }
        Ok(Self::Tags(tags))
    }

    /// Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
    pub fn matches(&self, etag: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|t| t == etag),
        }
    }
}

/// The ETag editors see for an item; `If-Match` is compared with it.
pub fn editor_etag<T: Serialize>(editor: &T) -> Result<String, ApiError> {
    let body =
        serde_json::to_vec(editor).map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    Ok(strong_etag(&body))
}

/// 412 unless `If-Match` (when sent) matches the current item's ETag.
pub fn check<T: Serialize>(if_match: Option<&IfMatch>, current: &T) -> Result<(), ApiError> {
    if let Some(if_match) = if_match {
        if !if_match.matches(&editor_etag(current)?) {
            return Err(ApiError::PreconditionFailed(
                "the item changed since you read it (If-Match does not match its ETag); read it again".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_parsing_and_strong_comparison() {
        assert_eq!(IfMatch::parse("*").unwrap(), IfMatch::Any);
        let m = IfMatch::parse("\"a\", \"b\"").unwrap();
        assert!(m.matches("\"b\""));
        assert!(!m.matches("\"c\""));
        assert!(
            !IfMatch::parse("W/\"a\"").unwrap().matches("\"a\""),
            "weak never matches"
        );
        let commas = IfMatch::parse("\"a,b\" ,W/\"c\"").unwrap();
        assert!(commas.matches("\"a,b\""));
        for bad in ["a", "\"a", "", "\"a\"b\"", "\"a\",", "\"a\"\t,\"b\""] {
            assert!(IfMatch::parse(bad).is_err(), "{bad}");
        }
    }
}

/// `If-Match` under any header value.
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text};
    use proptest::prelude::*;

    /// An entity tag as RFC 9110 writes it (`etagc` characters, a comma included), maybe weak.
    fn entity_tag() -> impl Strategy<Value = String> {
        (any::<bool>(), "[!#-~]{0,20}")
            .prop_map(|(weak, tag)| format!("{}\"{tag}\"", if weak { "W/" } else { "" }))
    }

    proptest! {
        #![proptest_config(config(1000))]

        /// A list of quoted tags, however it is spaced, parses back into exactly those tags.
        #[test]
        fn lists_of_tags_round_trip(
            tags in prop::collection::vec(entity_tag(), 1..8),
            spaces in prop::collection::vec((0usize..3, 0usize..3), 8),
            outer in (0usize..3, 0usize..3),
        ) {
            let mut value = " ".repeat(outer.0);
            for (i, tag) in tags.iter().enumerate() {
                if i > 0 {
                    value.push_str(&" ".repeat(spaces[i].0));
                    value.push(',');
                    value.push_str(&" ".repeat(spaces[i].1));
                }
                value.push_str(tag);
            }
            value.push_str(&" ".repeat(outer.1));
            prop_assert_eq!(IfMatch::parse(&value).ok(), Some(IfMatch::Tags(tags.clone())));
            // The strong ETag of an item matches when the list holds it as a strong tag.
            for tag in &tags {
                let strong = tag.trim_start_matches("W/");
                prop_assert_eq!(
                    IfMatch::Tags(tags.clone()).matches(strong),
                    tags.iter().any(|t| t == strong)
                );
            }
        }

        /// Any value: `*`, a list of tags, or a 400; never a panic.
        #[test]
        fn any_value_parses_or_is_a_400(value in prop_oneof![
            hostile_text(20),
            prop::collection::vec(prop_oneof![entity_tag(), hostile_text(2)], 0..6)
                .prop_map(|parts| parts.join(",")),
        ]) {
            match IfMatch::parse(&value) {
                Ok(IfMatch::Any) => prop_assert_eq!(value.trim_matches(' '), "*"),
                Ok(IfMatch::Tags(tags)) => {
                    prop_assert!(!tags.is_empty());
                    // What was understood is what the value says.
                    prop_assert_eq!(IfMatch::parse(&tags.join(", ")).ok(), Some(IfMatch::Tags(tags)));
                }
                Err(e) => prop_assert_eq!(e.problem().status, 400),
            }
        }
    }
}
