//! Passes over the component schemas (and the parameters that use them), on the typed document:
//! `allOf` compositions flattened into one object, and an example for everything.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use utoipa::openapi::path::{Operation, ParameterBuilder};
use utoipa::openapi::schema::{
    AdditionalProperties, AllOf, ArrayItems, Object, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{OpenApi as OpenApiDocument, RefOr};
use utoipa::{Modify, Number};

type Schemas = BTreeMap<String, RefOr<Schema>>;

/// How deep flattening follows nested `allOf`s, and examples follow references and parts.
const FLATTEN_DEPTH: usize = 8;
const EXAMPLE_DEPTH: usize = 6;

/// Replaces `allOf` compositions (what `#[serde(flatten)]` becomes) by one object with all the
/// properties: code generators handle it better, and a part's `additionalProperties: false`
/// would otherwise refuse the other parts' properties.
pub(super) struct FlatAllOf;

impl Modify for FlatAllOf {
    fn modify(&self, doc: &mut OpenApiDocument) {
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        let originals = components.schemas.clone();
        for schema in components.schemas.values_mut() {
            flatten_within(schema, &originals, 0);
        }
    }
}

/// Flattens `schema` if it is an `allOf`, and the `allOf`s inside its properties and array
/// items (a generic list's items are inlined: `ListResponse<AssetEditor>`).
fn flatten_within(schema: &mut RefOr<Schema>, originals: &Schemas, depth: usize) {
    if depth > FLATTEN_DEPTH {
        return;
    }
    if let RefOr::T(Schema::AllOf(all_of)) = schema {
        *schema = RefOr::T(Schema::Object(flattened(all_of, originals, 0)));
    }
    match schema {
        RefOr::T(Schema::Object(object)) => {
            for property in object.properties.values_mut() {
                flatten_within(property, originals, depth + 1);
            }
        }
        RefOr::T(Schema::Array(array)) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                flatten_within(items, originals, depth + 1);
            }
        }
        _ => {}
    }
}

/// One object with the properties and required fields of all of `all_of`'s parts (which are
/// flattened first), closed when one of them is.
fn flattened(all_of: &AllOf, schemas: &Schemas, depth: usize) -> Object {
    let mut object = Object::default();
    object.description = all_of.description.clone();
    object.example = all_of.example.clone();
    let mut closed = false;
    for part in &all_of.items {
        let inner;
        let part = match resolve(part, schemas) {
            Some(Schema::AllOf(nested)) if depth < FLATTEN_DEPTH => {
                inner = flattened(nested, schemas, depth + 1);
                &inner
            }
            Some(Schema::Object(part)) => part,
            _ => continue,
        };
        object.properties.extend(part.properties.clone());
        for name in &part.required {
            if !object.required.contains(name) {
                object.required.push(name.clone());
            }
        }
        closed |= matches!(
            part.additional_properties.as_deref(),
            Some(AdditionalProperties::FreeForm(false))
        );
    }
    if closed {
        object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    }
    object
}

/// The schema itself, or the component it refers to.
fn resolve<'a>(schema: &'a RefOr<Schema>, schemas: &'a Schemas) -> Option<&'a Schema> {
    match schema {
        RefOr::T(schema) => Some(schema),
        RefOr::Ref(r) => match schemas.get(component_name(&r.ref_location))? {
            RefOr::T(schema) => Some(schema),
            RefOr::Ref(_) => None,
        },
    }
}

fn component_name(ref_location: &str) -> &str {
    ref_location.trim_start_matches("#/components/schemas/")
}

/// Gives every component schema an example (composed from the examples of its parts, or from
/// its type) and every parameter the description of its schema when it has none of its own, so
/// that the document shows a sample of everything.
pub(super) struct SchemaExamples;

impl Modify for SchemaExamples {
    fn modify(&self, doc: &mut OpenApiDocument) {
        let schemas = doc
            .components
            .as_ref()
            .map(|c| c.schemas.clone())
            .unwrap_or_default();
        if let Some(components) = doc.components.as_mut() {
            for schema in components.schemas.values_mut() {
                if let RefOr::T(schema) = schema {
                    if own_example(schema).is_none() {
                        let sample = example(schema, &schemas, 0);
                        if let Some(slot) = example_slot(schema) {
                            *slot = Some(sample);
                        }
                    }
                }
            }
        }
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                complete_parameters(operation, &schemas);
            }
        }
    }
}

/// Each parameter without a description or an example takes those of its schema.
fn complete_parameters(operation: &mut Operation, schemas: &Schemas) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if parameter.description.is_none() {
            parameter.description = parameter.schema.as_ref().and_then(description);
        }
        // `Parameter::example` is private in utoipa 5.5 and has no getter: whether a parameter
        // has one shows only in its serialised form (it is set through the builder).
        let has_example =
            serde_json::to_value(&*parameter).is_ok_and(|p| p.get("example").is_some());
        if !has_example {
            let sample = parameter
                .schema
                .as_ref()
                .map_or(Value::Null, |s| example_of(s, schemas, 0));
            *parameter = ParameterBuilder::from(parameter.clone())
                .example(Some(sample))
                .build();
        }
    }
}

fn description(schema: &RefOr<Schema>) -> Option<String> {
    match schema {
        RefOr::Ref(r) => (!r.description.is_empty()).then(|| r.description.clone()),
        RefOr::T(Schema::Object(s)) => s.description.clone(),
        RefOr::T(Schema::Array(s)) => s.description.clone(),
        RefOr::T(Schema::OneOf(s)) => s.description.clone(),
        RefOr::T(Schema::AllOf(s)) => s.description.clone(),
        RefOr::T(Schema::AnyOf(s)) => s.description.clone(),
        RefOr::T(_) => None,
    }
}

/// The schema's own example: `example`, else the first of `examples`.
fn own_example(schema: &Schema) -> Option<&Value> {
    let (example, examples) = match schema {
        Schema::Object(s) => (&s.example, &s.examples),
        Schema::Array(s) => (&s.example, &s.examples),
        Schema::OneOf(s) => (&s.example, &s.examples),
        Schema::AllOf(s) => (&s.example, &s.examples),
        Schema::AnyOf(s) => (&s.example, &s.examples),
        _ => return None,
    };
    example.as_ref().or(examples.first())
}

fn example_slot(schema: &mut Schema) -> Option<&mut Option<Value>> {
    match schema {
        Schema::Object(s) => Some(&mut s.example),
        Schema::Array(s) => Some(&mut s.example),
        Schema::OneOf(s) => Some(&mut s.example),
        Schema::AllOf(s) => Some(&mut s.example),
        Schema::AnyOf(s) => Some(&mut s.example),
        _ => None,
    }
}

/// An example of `schema` or of the component it refers to.
fn example_of(schema: &RefOr<Schema>, schemas: &Schemas, depth: usize) -> Value {
    match schema {
        RefOr::T(schema) => example(schema, schemas, depth),
        RefOr::Ref(_) if depth > EXAMPLE_DEPTH => Value::Null,
        RefOr::Ref(r) => schemas
            .get(component_name(&r.ref_location))
            .map_or(Value::Null, |s| example_of(s, schemas, depth + 1)),
    }
}

/// The schema's own example, else the first part's, the first enum value, or one made from its
/// type.
fn example(schema: &Schema, schemas: &Schemas, depth: usize) -> Value {
    if let Some(example) = own_example(schema) {
        return example.clone();
    }
    if depth > EXAMPLE_DEPTH {
        return Value::Null;
    }
    let first_part = match schema {
        Schema::OneOf(s) => s.items.first(),
        Schema::AnyOf(s) => s.items.first(),
        Schema::AllOf(s) => s.items.first(),
        _ => None,
    };
    if let Some(part) = first_part {
        return example_of(part, schemas, depth + 1);
    }
    if let Schema::Object(Object {
        enum_values: Some(values),
        ..
    }) = schema
    {
        if let Some(first) = values.first() {
            return first.clone();
        }
    }
    match first_type(schema) {
        Some(Type::Object) => object_example(schema, schemas, depth),
        Some(Type::Array) => array_example(schema, schemas, depth),
        Some(Type::String) => string_example(schema),
        Some(t @ (Type::Integer | Type::Number)) => number_example(schema, t == Type::Integer),
        Some(Type::Boolean) => json!(true),
        Some(Type::Null) | None => Value::Null,
    }
}

/// The first type of the schema that is not `null`.
fn first_type(schema: &Schema) -> Option<Type> {
    let schema_type = match schema {
        Schema::Object(s) => &s.schema_type,
        Schema::Array(s) => &s.schema_type,
        Schema::OneOf(s) => &s.schema_type,
        Schema::AllOf(s) => &s.schema_type,
        Schema::AnyOf(s) => &s.schema_type,
        _ => return None,
    };
    match schema_type {
        SchemaType::Type(t) => Some(t.clone()),
        SchemaType::Array(types) => types.iter().find(|t| **t != Type::Null).cloned(),
        SchemaType::AnyValue => None,
    }
}

fn object_example(schema: &Schema, schemas: &Schemas, depth: usize) -> Value {
    let mut out = Map::new();
    if let Schema::Object(object) = schema {
        for (name, property) in &object.properties {
            out.insert(name.clone(), example_of(property, schemas, depth + 1));
        }
    }
    Value::Object(out)
}

fn array_example(schema: &Schema, schemas: &Schemas, depth: usize) -> Value {
    let item = match schema {
        Schema::Array(array) => match &array.items {
            ArrayItems::RefOrSchema(items) => example_of(items, schemas, depth + 1),
            ArrayItems::False => Value::Null,
        },
        _ => Value::Null,
    };
    if item.is_null() {
        json!([])
    } else {
        json!([item])
    }
}

fn string_example(schema: &Schema) -> Value {
    let Schema::Object(Object {
        format: Some(format),
        ..
    }) = schema
    else {
        return json!("text");
    };
    match format_name(format).as_deref() {
        Some("date-time") => json!("2026-11-29T08:00:00Z"),
        Some("date") => json!("2026-11-29"),
        Some("uuid") => json!("757665bd-864d-5dd9-a184-7cad4de31e21"),
        Some("uri") => json!("https://example.org/images/example.jpg"),
        _ => json!("text"),
    }
}

/// The name a format is published under, whether utoipa knows it (which of them it knows
/// depends on its features) or it is custom.
fn format_name(format: &SchemaFormat) -> Option<String> {
    match format {
        SchemaFormat::Custom(name) => Some(name.clone()),
        known => serde_json::to_value(known)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned)),
    }
}

/// 1, or the schema's bound when 1 is out of it.
fn number_example(schema: &Schema, integer: bool) -> Value {
    let (minimum, maximum) = match schema {
        Schema::Object(s) => (s.minimum.as_ref(), s.maximum.as_ref()),
        _ => (None, None),
    };
    let value = match (minimum.map(as_f64), maximum.map(as_f64)) {
        (Some(min), _) if min > 1.0 => min,
        (_, Some(max)) if max < 1.0 => max,
        _ => 1.0,
    };
    if integer {
        json!(value as i64)
    } else {
        json!(value)
    }
}

fn as_f64(number: &Number) -> f64 {
    match number {
        Number::Int(n) => *n as f64,
        Number::UInt(n) => *n as f64,
        Number::Float(n) => *n,
    }
}
