//! Passes over the whole collected document: the links from a created item to the operations on
//! it, and dropping the schemas nothing refers to.

use std::collections::BTreeSet;

use serde_json::Value;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::PathItem;
use utoipa::openapi::{OpenApi as OpenApiDocument, RefOr};
use utoipa::Modify;

/// Links every 201 of a collection's POST to the operations on the created item
/// (`/x` -> `/x/{id}`), so clients and tools can follow create -> read -> update -> delete.
pub(super) struct CreatedItemLinks;

/// The links of one collection's 201: its path, the item path's parameter, the target ids.
struct LinkPlan {
    collection: String,
    parameter: String,
    operation_ids: Vec<String>,
}

impl Modify for CreatedItemLinks {
    fn modify(&self, doc: &mut OpenApiDocument) {
        let plans: Vec<LinkPlan> = doc
            .paths
            .paths
            .iter()
            .filter(|(_, item)| item.post.is_some())
            .filter_map(|(path, _)| link_plan(doc, path))
            .collect();
        for plan in plans {
            let Some(RefOr::T(created)) = doc
                .paths
                .paths
                .get_mut(&plan.collection)
                .and_then(|item| item.post.as_mut())
                .and_then(|op| op.responses.responses.get_mut("201"))
            else {
                continue;
            };
            for operation_id in plan.operation_ids {
                // utoipa 5.5 writes `Link::operation_id` as `operation_id` (no camel-case
                // rename); the id goes in under its OpenAPI name through the flattened
                // extensions instead.
                let link = LinkBuilder::new()
                    .extensions(Some(Extensions::from_iter([(
                        "operationId",
                        operation_id.clone(),
                    )])))
                    .parameter(plan.parameter.clone(), "$response.body#/id")
                    .description(format!("`{operation_id}` on the created item"))
                    .build();
                created.links.insert(operation_id, RefOr::T(link));
            }
        }
    }
}

/// The links from `collection`'s 201 to the operations of its item path (`{collection}/{id}`).
fn link_plan(doc: &OpenApiDocument, collection: &str) -> Option<LinkPlan> {
    let prefix = format!("{collection}/{{");
    let (item_path, item): (_, &PathItem) = doc.paths.paths.iter().find(|(p, _)| {
        p.starts_with(&prefix) && p.ends_with('}') && !p[prefix.len()..].contains('/')
    })?;
    let operation_ids = [&item.get, &item.put, &item.patch, &item.delete]
        .into_iter()
        .flatten()
        .filter_map(|op| op.operation_id.clone())
        .collect();
    Some(LinkPlan {
        collection: collection.to_owned(),
        parameter: item_path[prefix.len()..item_path.len() - 1].to_owned(),
        operation_ids,
    })
}

/// Drops component schemas that nothing refers to (utoipa registers the item types of generic
/// lists, which it inlines).
pub(super) struct UnusedSchemas;

impl Modify for UnusedSchemas {
    fn modify(&self, doc: &mut OpenApiDocument) {
        // References sit anywhere in the typed document (utoipa has no visitor over it); its
        // serialised form is the one place to find them all.
        let mut roots = BTreeSet::new();
        collect_refs(
            &serde_json::to_value(&doc.paths).unwrap_or_default(),
            &mut roots,
        );
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        collect_refs(
            &serde_json::to_value(&components.responses).unwrap_or_default(),
            &mut roots,
        );
        let used = reachable(roots, |name| {
            let mut found = BTreeSet::new();
            if let Some(schema) = components.schemas.get(name) {
                collect_refs(
                    &serde_json::to_value(schema).unwrap_or_default(),
                    &mut found,
                );
            }
            found
        });
        components.schemas.retain(|name, _| used.contains(name));
    }
}

/// `roots` and every schema they refer to, directly or not.
fn reachable(
    roots: BTreeSet<String>,
    refs_of: impl Fn(&str) -> BTreeSet<String>,
) -> BTreeSet<String> {
    let mut used = roots.clone();
    let mut frontier: Vec<String> = roots.into_iter().collect();
    while let Some(name) = frontier.pop() {
        for found in refs_of(&name) {
            if used.insert(found.clone()) {
                frontier.push(found);
            }
        }
    }
    used
}

/// The names of the component schemas that `value` refers to.
fn collect_refs(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                if let Some(name) = r.strip_prefix("#/components/schemas/") {
                    found.insert(name.to_owned());
                }
            }
            map.values().for_each(|v| collect_refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
        _ => {}
    }
}
