use serde_json::Value;

fn published() -> Value {
    serde_json::from_str(&crate::app::startup::openapi_json().unwrap()).unwrap()
}

fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                found.push(r);
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let doc = published();
    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r.strip_prefix('#').unwrap_or(r);
        assert!(doc.pointer(pointer).is_some(), "{r} leads nowhere");
    }
}

#[test]
fn every_shared_response_is_a_problem_with_the_security_headers() {
    let doc = published();
    for shared in &super::shared::SHARED_RESPONSES {
        let response = &doc["components"]["responses"][shared.name];
        assert_eq!(
            response["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem",
            "{}",
            shared.name
        );
        for (header, _) in super::shared::SECURITY_HEADERS {
            assert!(response["headers"][header].is_object(), "{}", shared.name);
        }
    }
}

#[test]
fn the_content_marker_is_not_published() {
    let doc = crate::app::startup::openapi_json().unwrap();
    assert!(!doc.contains(super::operations::CONTENT_MARKER));
}
