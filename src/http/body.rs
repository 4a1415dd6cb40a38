//! Request bodies: JSON only, bounded in size and nesting depth, parsed strictly. Malformed JSON
//! (or JSON nested deeper than `MAX_JSON_DEPTH`) is a 400, a wrong content type 415, an oversize
//! body 413 (whether it declares its length or comes in chunks), and a body that does not fit the
//! resource 422 with one entry per problem.

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::app::state::AppState;
use crate::http::error::{ApiError, FieldError};

/// The deepest nesting of arrays and objects a body may have (the top-level object is 1). The
/// deepest input of the API (a mission's key figure label per locale) is 4; serde_json would stop
/// at 128 with an error that names nothing.
pub const MAX_JSON_DEPTH: usize = 32;

/// Whether `bytes` nest arrays and objects deeper than `max`, counted outside strings. A
/// linear scan before any parsing: invalid JSON is left to the parser.
pub fn nests_deeper_than(bytes: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Fields the server owns; a body that sets them is refused rather than silently ignored.
pub const READ_ONLY_FIELDS: [&str; 4] = ["id", "version", "created_at", "updated_at"];

/// A request body that is well-formed JSON (`application/json` or
/// `application/merge-patch+json`), within the size limit.
#[derive(Debug)]
pub struct JsonValue(pub Value);

fn acceptable_content_type(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "application/merge-patch+json"
}

impl FromRequest for JsonValue {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // `ORGCMS_MAX_BODY_BYTES`, and `ORGCMS_CLIENT_BODY_TIMEOUT_SECS` for the whole body:
        // actix-web bounds the request head only, so a body trickled or never finished would
        // hold the connection for ever.
        let state = AppState::of(req).ok();
        let limit = state.map_or(1 << 20, |s| s.body_limit);
        let too_large =
            move || ApiError::PayloadTooLarge(format!("the body is larger than {limit} bytes"));
        if !acceptable_content_type(req) {
            let error = ApiError::UnsupportedMediaType(
                "send the body as application/json (or application/merge-patch+json for PATCH)"
                    .into(),
            );
            return Box::pin(async move { Err(error) });
        }
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            let error = too_large();
            return Box::pin(async move { Err(error) });
        }
        let timeout = state.map_or(std::time::Duration::from_secs(10), |s| s.body_timeout);
        let mut payload = payload.take();
        Box::pin(async move {
            let mut body = web::BytesMut::new();
            let read = async {
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|e| {
                        ApiError::bad_request(
                            "invalid-body",
                            format!("could not read the body: {e}"),
                        )
                    })?;
                    if body.len() + chunk.len() > limit {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(())
            };
            actix_web::rt::time::timeout(timeout, read)
                .await
                .map_err(|_| {
                    ApiError::RequestTimeout(format!(
                        "the body did not arrive within {} s",
                        timeout.as_secs()
                    ))
                })??;
            if body.is_empty() {
                return Err(ApiError::bad_request(
                    "malformed-json",
                    "a JSON body is required",
                ));
            }
            if nests_deeper_than(&body, MAX_JSON_DEPTH) {
                return Err(ApiError::BadRequest {
                    kind: "json-too-deep",
                    detail: format!(
                        "the body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep"
                    ),
                    errors: vec![FieldError {
                        field: "body".into(),
                        message: format!("nested more than {MAX_JSON_DEPTH} levels deep"),
                    }],
                });
            }
            let value = parse_json(&body)?;
            let unrepresentable = unrepresentable_texts(&value);
            if !unrepresentable.is_empty() {
                return Err(ApiError::Validation(unrepresentable));
            }
            Ok(JsonValue(value))
        })
    }
}

/// A JSON text as a value, refusing a repeated name in any object: serde_json would keep the
/// last one silently, so `{"status": "draft", "status": "published"}` would mean whatever a
/// proxy or a client library in between takes it to mean.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice::<UniqueNames>(bytes)
        .map(|v| v.0)
        .map_err(|e| {
            if e.is_data() {
                ApiError::bad_request("duplicate-member", format!("the body repeats a name: {e}"))
            } else {
                ApiError::bad_request("malformed-json", format!("the body is not valid JSON: {e}"))
            }
        })
}

/// A JSON value whose objects name each member once.
struct UniqueNames(Value);

impl<'de> serde::Deserialize<'de> for UniqueNames {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(UniqueNamesVisitor)
            .map(UniqueNames)
    }
}

struct UniqueNamesVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueNamesVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueNames(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                return Err(serde::de::Error::custom(format_args!(
                    "`{name}` appears twice in one object"
                )));
            }
            let UniqueNames(value) = map.next_value()?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

/// Characters that some output cannot carry: C0 controls other than tab, line feed and carriage
/// return (XML 1.0 has no way to write them, so an RSS or Atom feed holding one is not XML), DEL
/// and the C1 controls, and the Unicode noncharacters (U+FDD0..U+FDEF, U+FFFE and U+FFFF of every
/// plane). NUL also cannot be stored in PostgreSQL text.
pub fn is_unrepresentable(c: char) -> bool {
    let code = c as u32;
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || (0xFDD0..=0xFDEF).contains(&code)
        || code & 0xFFFE == 0xFFFE
}

pub fn unrepresentable_message(c: char) -> String {
    format!(
        "contains U+{:04X}, a character that not every output (JSON, HTML, XML feeds) can carry",
        c as u32
    )
}

/// One `{field, message}` per text of a body (member names included) that holds a character
/// no output can carry; fields are named as the checks name them (`title.en`, `tags[2]`).
pub fn unrepresentable_texts(value: &Value) -> Vec<FieldError> {
    fn fail(errors: &mut Vec<FieldError>, path: &str, c: char) {
        errors.push(FieldError {
            field: if path.is_empty() {
                "body".into()
            } else {
                path.to_owned()
            },
            message: unrepresentable_message(c),
        });
    }
    fn walk(value: &Value, path: &mut String, errors: &mut Vec<FieldError>) {
        match value {
            Value::String(text) => {
                if let Some(c) = text.chars().find(|c| is_unrepresentable(*c)) {
                    fail(errors, path, c);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, errors);
                    path.truncate(len);
                }
            }
            Value::Object(members) => {
                for (name, member) in members {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                    if let Some(c) = name.chars().find(|c| is_unrepresentable(*c)) {
                        fail(errors, path, c);
                    } else {
                        walk(member, path, errors);
                    }
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut errors = Vec::new();
    walk(value, &mut String::new(), &mut errors);
    errors
}

/// Turns a JSON body into a resource's input type: an object, without read-only fields, with
/// no unknown fields and the right types.
pub fn parse_input<T: DeserializeOwned>(mut value: Value) -> Result<T, ApiError> {
    integral_floats_to_integers(&mut value);
    let Value::Object(map) = &value else {
        return Err(ApiError::validation("body", "must be a JSON object"));
    };
    let read_only: Vec<FieldError> = map
        .keys()
        .filter(|k| READ_ONLY_FIELDS.contains(&k.as_str()))
        .map(|k| FieldError {
            field: k.clone(),
            message: "is read-only".into(),
        })
        .collect();
    if !read_only.is_empty() {
        return Err(ApiError::Validation(read_only));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // For an unknown field the path already ends with its name; a missing field has the
        // parent's path (the body itself at the top).
        let field = match (path.as_str(), unknown_field_name(&message)) {
            (".", Some(name)) => name.to_owned(),
            (".", None) => "body".to_owned(),
            _ => path,
        };
        ApiError::validation(&field, message)
    })
}

/// JSON Schema counts `2001.0` as an integer; so does this API.
fn integral_floats_to_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

fn unknown_field_name(message: &str) -> Option<&str> {
    message.strip_prefix("unknown field `")?.split('`').next()
}

/// `current` with the merge patch `patch` applied, read again as an input (its rules and unknown
/// fields checked): what a PATCH of an administrators' resource writes.
pub fn patched<I: serde::Serialize + DeserializeOwned>(
    current: &I,
    patch: &Value,
) -> Result<I, ApiError> {
    if !patch.is_object() {
        return Err(ApiError::validation("body", "must be a JSON object"));
    }
    let mut value = serde_json::to_value(current).map_err(|e| ApiError::Internal(e.to_string()))?;
    merge_patch(&mut value, patch);
    parse_input(value)
}

/// RFC 7396 JSON merge patch: objects merge, `null` removes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(target_map) = target {
        for (key, value) in patch_map {
            if value.is_null() {
                target_map.remove(key);
            } else {
                merge_patch(target_map.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        title: String,
        #[serde(default)]
        count: u32,
        #[serde(default)]
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Nested {
        a: u8,
    }

    fn fields(error: ApiError) -> Vec<String> {
        error
            .problem()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn parses_and_names_the_bad_field() {
        assert!(parse_input::<Input>(json!({"title": "x"})).is_ok());
        assert_eq!(
            fields(parse_input::<Input>(json!([1])).unwrap_err()),
            ["body"]
        );
        assert_eq!(
            fields(parse_input::<Input>(json!({"title": 1})).unwrap_err()),
            ["title"]
        );
        assert_eq!(
            fields(parse_input::<Input>(json!({"title": "x", "extra": 1})).unwrap_err()),
            ["extra"]
        );
        assert_eq!(
            fields(parse_input::<Input>(json!({})).unwrap_err()),
            ["body"]
        );
        assert_eq!(
            fields(parse_input::<Input>(json!({"title": "x", "nested": {"b": 1}})).unwrap_err()),
            ["nested.b"]
        );
        assert_eq!(
            fields(parse_input::<Input>(json!({"title": "x", "count": -1})).unwrap_err()),
            ["count"]
        );
        assert!(
            parse_input::<Input>(json!({"title": "x", "count": 3.0})).is_ok(),
            "3.0 is an integer"
        );
        assert!(parse_input::<Input>(json!({"title": "x", "count": 3.5})).is_err());
    }

    #[test]
    fn nesting_depth_is_counted_outside_strings() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(!nests_deeper_than(nested(32).as_bytes(), 32));
        assert!(nests_deeper_than(nested(33).as_bytes(), 32));
        assert!(!nests_deeper_than(
            br#"{"a": {"b": [1, {"c": "[[[[{{{{"}]}}"#,
            4
        ));
        assert!(nests_deeper_than(br#"{"a": {"b": [1, {"c": "x"}]}}"#, 3));
        assert!(!nests_deeper_than(br#"{"a": "\\\"[[[[", "b": []}"#, 2));
        assert!(!nests_deeper_than(br#"{"a": "\\", "b": [[]]}"#, 3));
        assert!(nests_deeper_than(br#"{"a": "\\", "b": [[[]]]}"#, 3));
        // Unbalanced closers do not go below zero.
        assert!(nests_deeper_than(b"]]]]]][[[", 2));
        // The API's deepest real input fits with room to spare.
        let mission = br#"{"key_figures": [{"label": {"en": "People reached"}}]}"#;
        assert!(!nests_deeper_than(mission, 4));
        assert!(nests_deeper_than(mission, 3));
    }

    #[test]
    fn repeated_names_are_refused_at_any_depth() {
        assert!(parse_json(br#"{"a": 1, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]}"#).is_ok());
        for body in [
            &br#"{"a": 1, "a": 1}"#[..],
            br#"{"title": {"en": "x", "en": "y"}}"#,
            br#"[{"k": 1, "k": 2}]"#,
        ] {
            let problem = parse_json(body).unwrap_err().problem();
            assert_eq!(problem.status, 400);
            assert_eq!(problem.problem_type, "urn:orgcms:problem:duplicate-member");
        }
        let problem = parse_json(b"{\"a\": ").unwrap_err().problem();
        assert_eq!(problem.problem_type, "urn:orgcms:problem:malformed-json");
        // Numbers come out as serde_json's own parser makes them.
        assert_eq!(
            parse_json(b"[1, -1, 1.5, 18446744073709551615, 1e400]").ok(),
            None,
            "1e400 is out of range"
        );
        assert_eq!(
            parse_json(b"[1, -1, 1.5, 18446744073709551615]").unwrap(),
            serde_json::from_slice::<Value>(b"[1, -1, 1.5, 18446744073709551615]").unwrap()
        );
    }

    #[test]
    fn texts_no_output_can_carry_are_named() {
        for c in [
            '\0',
            '\u{b}',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{fdd0}',
            '\u{1fffe}',
            '\u{10ffff}',
        ] {
            assert!(is_unrepresentable(c), "{:X}", c as u32);
        }
        for c in [
            '\t',
            '\n',
            '\r',
            ' ',
            'a',
            'я',
            '\u{fdcf}',
            '\u{fffd}',
            '\u{1f600}',
            '\u{a0}',
        ] {
            assert!(!is_unrepresentable(c), "{:X}", c as u32);
        }
        let value = json!({"title": {"en": "ok", "uk": "bad\u{b}"}, "tags": ["a", "b\u{fffe}"], "x\u{1}": 1});
        let mut fields: Vec<String> = unrepresentable_texts(&value)
            .into_iter()
            .map(|e| e.field)
            .collect();
        fields.sort();
        assert_eq!(fields, ["tags[1]", "title.uk", "x\u{1}"]);
        assert!(unrepresentable_texts(&json!({"a": "line\nbreak\ttab"})).is_empty());
        assert_eq!(unrepresentable_texts(&json!("\u{1}"))[0].field, "body");
    }

    #[test]
    fn read_only_fields_are_refused_all_at_once() {
        let error =
            parse_input::<Input>(json!({"title": "x", "id": "a", "version": 3})).unwrap_err();
        let mut f = fields(error);
        f.sort();
        assert_eq!(f, ["id", "version"]);
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        // The examples of RFC 7396, appendix A.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (mut target, patch, expected) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, expected, "patch {patch}");
        }
    }
}

/// RFC 7396 laws of `merge_patch` and the robustness of `parse_input` under any JSON.
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, json_value};
    use proptest::prelude::*;
    use serde::Deserialize;
    use serde_json::{json, Map};

    /// The value without `null` members in its objects (arrays are kept as they are, as a merge
    /// patch copies them).
    fn without_null_members(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, without_null_members(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    fn has_null_members(value: &Value) -> bool {
        match value {
            Value::Object(map) => map.values().any(|v| v.is_null() || has_null_members(v)),
            _ => false,
        }
    }

    /// The merge patch that turns `from` into `to` (which has no null members).
    fn diff(from: &Value, to: &Value) -> Value {
        let (Value::Object(a), Value::Object(b)) = (from, to) else {
            return to.clone();
        };
        let mut patch = Map::new();
        for key in a.keys().filter(|k| !b.contains_key(*k)) {
            patch.insert(key.clone(), Value::Null);
        }
        for (key, value) in b {
            match a.get(key) {
                Some(old) if old == value => {}
                Some(old) => {
                    patch.insert(key.clone(), diff(old, value));
                }
                None => {
                    patch.insert(key.clone(), diff(&Value::Null, value));
                }
            }
        }
        Value::Object(patch)
    }

    fn patched(target: &Value, patch: &Value) -> Value {
        let mut result = target.clone();
        merge_patch(&mut result, patch);
        result
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        a: String,
        #[serde(default)]
        b: Option<Vec<u8>>,
        #[serde(default)]
        c: Option<std::collections::BTreeMap<String, String>>,
    }

    proptest! {
        #![proptest_config(config(1000))]

        /// `{}` changes no object (and turns anything else into `{}`).
        #[test]
        fn the_empty_patch_is_identity_on_objects(target in json_value()) {
            let result = patched(&target, &json!({}));
            if target.is_object() {
                prop_assert_eq!(result, target);
            } else {
                prop_assert_eq!(result, json!({}));
            }
        }

        /// The diff of two documents turns one into the other.
        #[test]
        fn patching_with_the_diff_gives_the_other(a in json_value(), b in json_value()) {
            let b = without_null_members(b);
            prop_assert_eq!(patched(&a, &diff(&a, &b)), b);
        }

        /// `null` removes; other members replace or merge; untouched members stay; the patch
        /// never leaves a null member; patching twice is patching once.
        #[test]
        fn members_are_removed_replaced_or_kept(target in json_value(), patch in json_value()) {
            let result = patched(&target, &patch);
            prop_assert_eq!(&patched(&result, &patch), &result, "idempotent");
            let Value::Object(p) = &patch else {
                prop_assert_eq!(result, patch);
                return Ok(());
            };
            let Value::Object(r) = &result else {
                return Err(TestCaseError::fail("an object patch gives an object"));
            };
            for (key, value) in p {
                match value {
                    Value::Null => prop_assert!(!r.contains_key(key)),
                    Value::Object(_) => prop_assert!(r[key].is_object()),
                    other => prop_assert_eq!(&r[key], other),
                }
            }
            if let Value::Object(t) = &target {
                for (key, value) in t.iter().filter(|(k, _)| !p.contains_key(*k)) {
                    prop_assert_eq!(&r[key], value);
                }
                if !has_null_members(&target) {
                    prop_assert!(!has_null_members(&result));
                }
            } else {
                prop_assert!(!has_null_members(&result));
            }
        }

        /// Any JSON becomes the input or a 422 naming a field; never a panic.
        #[test]
        fn parse_input_accepts_or_names_a_field(value in json_value()) {
            if let Err(e) = parse_input::<Input>(value) {
                let problem = e.problem();
                prop_assert_eq!(problem.status, 422);
                prop_assert!(!problem.errors.is_empty());
                prop_assert!(problem.errors.iter().all(|e| !e.field.is_empty()));
            }
        }
    }
}
