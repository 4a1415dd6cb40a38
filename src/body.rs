//! Request bodies: JSON only, bounded in size, parsed strictly. Malformed JSON is a 400, a wrong
//! content type 415, an oversize body 413, and a body that does not fit the resource 422 with one
//! entry per problem.

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// The largest body accepted, in bytes (`ORGCMS_MAX_BODY_BYTES`).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// How long a client has to send a whole request body (`ORGCMS_CLIENT_BODY_TIMEOUT_SECS`);
/// actix-web bounds the request head only, so a body trickled or never finished would hold the
/// connection for ever.
#[derive(Clone, Copy, Debug)]
pub struct BodyTimeout(pub std::time::Duration);

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
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map_or(1 << 20, |l| l.0);
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
        let timeout = req
            .app_data::<web::Data<BodyTimeout>>()
            .map_or(std::time::Duration::from_secs(10), |t| t.0);
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
            let value = serde_json::from_slice::<Value>(&body).map_err(|e| {
                ApiError::bad_request("malformed-json", format!("the body is not valid JSON: {e}"))
            })?;
            Ok(JsonValue(value))
        })
    }
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
