//! Passes over the serialised document, after utoipa has written it.

/// Replaces `allOf` compositions (what `#[serde(flatten)]` becomes) by one object with all the
/// properties: code generators handle it better, and a part's `additionalProperties: false`
/// would otherwise refuse the other parts' properties.
pub fn flatten_all_of(value: &mut serde_json::Value) {
    use serde_json::{Map, Value};
    let Some(schemas) = value
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    fn merged(schema: &Value, schemas: &Map<String, Value>, depth: usize) -> Value {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
            return schema.clone();
        };
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        let mut closed = false;
        for part in parts {
            let resolved = match part.get("$ref").and_then(Value::as_str) {
                Some(r) => r
                    .strip_prefix("#/components/schemas/")
                    .and_then(|name| schemas.get(name))
                    .cloned()
                    .unwrap_or(Value::Null),
                None => part.clone(),
            };
            let resolved = if depth < 8 {
                merged(&resolved, schemas, depth + 1)
            } else {
                resolved
            };
            if let Some(p) = resolved.get("properties").and_then(Value::as_object) {
                properties.extend(p.clone());
            }
            for r in resolved
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !required.contains(r) {
                    required.push(r.clone());
                }
            }
            closed |= resolved.get("additionalProperties") == Some(&Value::Bool(false));
        }
        let mut object = Map::new();
        object.insert("type".into(), Value::String("object".into()));
        if let Some(description) = schema.get("description") {
            object.insert("description".into(), description.clone());
        }
        object.insert("required".into(), Value::Array(required));
        object.insert("properties".into(), Value::Object(properties));
        if closed {
            object.insert("additionalProperties".into(), Value::Bool(false));
        }
        if let Some(example) = schema.get("example") {
            object.insert("example".into(), example.clone());
        }
        Value::Object(object)
    }
    let flattened: Map<String, Value> = schemas
        .iter()
        .map(|(name, schema)| (name.clone(), merged(schema, &schemas, 0)))
        .collect();
    if let Some(target) = value.pointer_mut("/components/schemas") {
        *target = Value::Object(flattened);
    }
}

/// Gives every component schema an example (composed from the examples of its parts, or from
/// its type) and every parameter the description of its schema when it has none of its own, so
/// that the document shows a sample of everything.
pub fn complete_examples(value: &mut serde_json::Value) {
    use serde_json::{json, Map, Value};
    let schemas = value
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    fn example(schema: &Value, schemas: &Map<String, Value>, depth: usize) -> Value {
        if let Some(e) = schema.get("example") {
            return e.clone();
        }
        if let Some(e) = schema
            .get("examples")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return e.clone();
        }
        if depth > 6 {
            return Value::Null;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/components/schemas/");
            return schemas
                .get(name)
                .map_or(Value::Null, |s| example(s, schemas, depth + 1));
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(first) = schema
                .get(key)
                .and_then(Value::as_array)
                .and_then(|a| a.first())
            {
                return example(first, schemas, depth + 1);
            }
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return first.clone();
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let first = types
            .iter()
            .copied()
            .find(|t| *t != "null")
            .unwrap_or("null");
        match first {
            "object" => {
                let mut out = Map::new();
                for (name, property) in schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    out.insert(name.clone(), example(property, schemas, depth + 1));
                }
                Value::Object(out)
            }
            "array" => {
                let item = schema
                    .get("items")
                    .map_or(Value::Null, |i| example(i, schemas, depth + 1));
                if item.is_null() {
                    json!([])
                } else {
                    json!([item])
                }
            }
            "string" => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2026-11-29T08:00:00Z"),
                Some("date") => json!("2026-11-29"),
                Some("uuid") => json!("757665bd-864d-5dd9-a184-7cad4de31e21"),
                Some("uri") => json!("https://example.org/images/example.jpg"),
                _ => json!("text"),
            },
            // Inside the schema's bounds.
            "integer" | "number" => {
                let bound = |k: &str| schema.get(k).and_then(Value::as_f64);
                let value = match (bound("minimum"), bound("maximum")) {
                    (Some(min), _) if min > 1.0 => min,
                    (_, Some(max)) if max < 1.0 => max,
                    _ => 1.0,
                };
                if first == "integer" {
                    json!(value as i64)
                } else {
                    json!(value)
                }
            }
            "boolean" => json!(true),
            _ => Value::Null,
        }
    }
    let examples: Vec<(String, Value)> = schemas
        .iter()
        .filter(|(_, s)| s.get("example").is_none() && s.get("examples").is_none())
        .map(|(name, s)| (name.clone(), example(s, &schemas, 0)))
        .collect();
    if let Some(target) = value
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, e) in examples {
            if let Some(schema) = target.get_mut(&name).and_then(Value::as_object_mut) {
                schema.insert("example".into(), e);
            }
        }
    }
    let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for parameter in parameters.iter_mut().filter_map(Value::as_object_mut) {
                if parameter.get("description").is_none() {
                    if let Some(d) = parameter
                        .get("schema")
                        .and_then(|s| s.get("description"))
                        .cloned()
                    {
                        parameter.insert("description".into(), d);
                    }
                }
                if parameter.get("example").is_none() && parameter.get("examples").is_none() {
                    let e = parameter
                        .get("schema")
                        .map_or(Value::Null, |s| example(s, &schemas, 0));
                    parameter.insert("example".into(), e);
                }
            }
        }
    }
}

/// utoipa 5 writes a link's `operationId` as `operation_id`; OpenAPI spells it in camel case.
pub fn fix_link_keys(value: &mut serde_json::Value) {
    use serde_json::Value;
    let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for response in responses.values_mut() {
                let Some(links) = response.get_mut("links").and_then(Value::as_object_mut) else {
                    continue;
                };
                for link in links.values_mut().filter_map(Value::as_object_mut) {
                    for (snake, camel) in [
                        ("operation_id", "operationId"),
                        ("operation_ref", "operationRef"),
                    ] {
                        if let Some(v) = link.remove(snake) {
                            if !v.as_str().is_some_and(str::is_empty) {
                                link.insert(camel.to_owned(), v);
                            }
                        }
                    }
                }
            }
        }
    }
}
