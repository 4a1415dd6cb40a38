//! Passes over the whole collected document: the links from a created item to the operations on
//! it, and dropping the schemas nothing refers to.

use utoipa::openapi::{OpenApi as OpenApiDocument, RefOr};

/// Links every 201 of a collection's POST to the operations on the created item
/// (`/x` -> `/x/{id}`), so clients and tools can follow create -> read -> update -> delete.
pub(super) fn link_created_items(doc: &mut OpenApiDocument) {
    use utoipa::openapi::link::LinkBuilder;
    let mut plans = Vec::new();
    for (path, item) in &doc.paths.paths {
        if item.post.is_none() {
            continue;
        }
        let prefix = format!("{path}/{{");
        let Some((item_path, item_ops)) = doc.paths.paths.iter().find(|(p, _)| {
            p.starts_with(&prefix) && p.ends_with('}') && !p[prefix.len()..].contains('/')
        }) else {
            continue;
        };
        let parameter = item_path[prefix.len()..item_path.len() - 1].to_owned();
        let targets: Vec<String> = [
            &item_ops.get,
            &item_ops.put,
            &item_ops.patch,
            &item_ops.delete,
        ]
        .into_iter()
        .flatten()
        .filter_map(|op| op.operation_id.clone())
        .collect();
        plans.push((path.clone(), parameter, targets));
    }
    for (path, parameter, targets) in plans {
        let Some(RefOr::T(created)) = doc
            .paths
            .paths
            .get_mut(&path)
            .and_then(|item| item.post.as_mut())
            .and_then(|op| op.responses.responses.get_mut("201"))
        else {
            continue;
        };
        for operation_id in targets {
            let link = LinkBuilder::new()
                .operation_id(operation_id.clone())
                .parameter(parameter.clone(), "$response.body#/id")
                .description(format!("`{operation_id}` on the created item"))
                .build();
            created.links.insert(operation_id, RefOr::T(link));
        }
    }
}

/// Drops component schemas that nothing refers to (utoipa registers the item types of generic
/// lists, which it inlines).
pub(super) fn remove_unused_schemas(doc: &mut OpenApiDocument) {
    fn collect_refs(value: &serde_json::Value, found: &mut std::collections::BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    if let Some(name) = r.strip_prefix("#/components/schemas/") {
                        found.insert(name.to_owned());
                    }
                }
                map.values().for_each(|v| collect_refs(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
            _ => {}
        }
    }
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let schemas = std::mem::take(&mut components.schemas);
    let mut roots = std::collections::BTreeSet::new();
    let mut outside = serde_json::to_value(&doc.paths).unwrap_or_default();
    collect_refs(&outside, &mut roots);
    outside = serde_json::to_value(&components.responses).unwrap_or_default();
    collect_refs(&outside, &mut roots);
    // Follow references between schemas until nothing new turns up.
    let mut used = roots.clone();
    let mut frontier: Vec<String> = roots.into_iter().collect();
    while let Some(name) = frontier.pop() {
        if let Some(schema) = schemas.get(&name) {
            let mut found = std::collections::BTreeSet::new();
            collect_refs(
                &serde_json::to_value(schema).unwrap_or_default(),
                &mut found,
            );
            for f in found {
                if used.insert(f.clone()) {
                    frontier.push(f);
                }
            }
        }
    }
    components.schemas = schemas
        .into_iter()
        .filter(|(name, _)| used.contains(name))
        .collect();
}
