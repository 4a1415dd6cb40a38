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

/// The document as utoipa-actix-web collects it, before `SharedBehaviour`.
fn collected() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    use utoipa_actix_web::AppExt;
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(super::ApiDoc::openapi())
        .configure(crate::app::startup::routes)
        .split_for_parts();
    doc
}

#[test]
fn the_content_operations_are_marked_with_their_resource() {
    let mut marked = Vec::new();
    for (path, item) in &collected().paths.paths {
        let operations = [&item.get, &item.put, &item.post, &item.patch, &item.delete];
        for operation in operations.into_iter().flatten() {
            let mut operation = operation.clone();
            let Some(resource) = super::operations::take_content_marker(&mut operation) else {
                continue;
            };
            let tags = operation.tags.clone().unwrap_or_default();
            assert_eq!(tags, [resource.as_str().unwrap()], "{path}");
            assert!(operation.extensions.is_none(), "{path}");
            marked.push(operation.operation_id.unwrap());
        }
    }
    marked.sort();
    let mut expected = [
        "get_organization",
        "replace_organization",
        "update_organization",
        "list_objectives",
        "get_objective",
        "create_objective",
        "replace_objective",
        "update_objective",
        "delete_objective",
        "list_missions",
        "get_mission",
        "create_mission",
        "replace_mission",
        "update_mission",
        "delete_mission",
        "list_news",
        "get_news",
        "create_news",
        "replace_news",
        "update_news",
        "delete_news",
        "get_asset",
        "replace_asset",
        "update_asset",
        "delete_asset",
        "restore_revision",
    ];
    expected.sort();
    assert_eq!(marked, expected);
}

#[test]
fn created_items_link_to_their_operations_by_operation_id() {
    let doc = published();
    let links = &doc["paths"]["/api/v1/news"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["get_news"]["operationId"], "get_news");
    assert!(links["get_news"].get("operation_id").is_none());
    assert_eq!(
        links["get_news"]["parameters"]["id_or_slug"],
        "$response.body#/id"
    );
}

#[test]
fn no_all_of_is_left_and_every_schema_has_an_example() {
    let doc = published();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        assert!(schema.get("allOf").is_none(), "{name}");
        assert!(!schema["example"].is_null(), "{name}");
    }
}
