//! Collections (catalog.md §5.1–§5.4): names (C5a–C5d), keys (C6a, C6b, C10,
//! and the W1 warning for a key with a `reduce` strategy), and the collection
//! schema (C7, C8, C9 through [`crate::schemas`]).

use std::collections::HashMap;

use model::{Collection, Diagnostic};

use crate::context::Context;
use crate::schemas::{self, KeyRole, SchemaRole};

pub(crate) fn check(cx: &mut Context<'_>) {
    names(cx);
    let catalog = cx.catalog;
    for collection in &catalog.collections {
        let schema_scope = collection.scope.push("schema");
        if let Some(url) = collection.schema_url() {
            schemas::check_schema_use(cx, &url, &schema_scope, collection, SchemaRole::Collection);
        }
        key(cx, collection);
    }
}

/// C5a–C5d over every collection name.
fn names(cx: &mut Context<'_>) {
    let catalog = cx.catalog;
    let collections = &catalog.collections;
    // Lower-cased name → index of the first collection with it.
    let mut first: HashMap<String, usize> = HashMap::new();
    for (index, collection) in collections.iter().enumerate() {
        let name = &collection.name;
        if !model::names::is_valid_collection_name(name) {
            let message =
                format!("collection name \"{name}\" may contain only letters, digits, \"-\", \"_\", \".\", \"/\"");
            cx.report(Diagnostic::error("C5a", collection.name_scope.clone(), message));
        }
        if name.ends_with('/') {
            let message = format!("collection name \"{name}\" must not end with \"/\"");
            cx.report(Diagnostic::error("C5b", collection.name_scope.clone(), message));
        }
        match first.get(&name.to_lowercase()) {
            Some(&earlier) => {
                let earlier = &collections[earlier];
                let message = format!("collection \"{name}\" is already defined at {}", earlier.name_scope);
                cx.report(
                    Diagnostic::error("C5c", collection.name_scope.clone(), message)
                        .with_related(earlier.name_scope.clone(), format!("\"{}\" is defined here", earlier.name)),
                );
            }
            None => {
                first.insert(name.to_lowercase(), index);
            }
        }
    }
    // C5d: a name followed by `/` and more is another name. Each pair is
    // reported once, at whichever of the two was processed later.
    for (index, collection) in collections.iter().enumerate() {
        let folded = collection.name.to_lowercase();
        for (at, _) in folded.match_indices('/') {
            if at + 1 == folded.len() {
                continue;
            }
            let Some(&prefix_index) = first.get(&folded[..at]) else { continue };
            let prefix = &collections[prefix_index];
            let (later, earlier) = if prefix_index < index { (collection, prefix) } else { (prefix, collection) };
            let message =
                format!("collection \"{}\" cannot be a prefix of collection \"{}\"", prefix.name, collection.name);
            cx.report(
                Diagnostic::error("C5d", later.name_scope.clone(), message)
                    .with_related(earlier.name_scope.clone(), format!("\"{}\" is defined here", earlier.name)),
            );
        }
    }
}

/// C6a, C6b and the key-like location checks of §7.5 for the collection key.
fn key(cx: &mut Context<'_>, collection: &Collection) {
    let key_scope = collection.scope.push("key");
    if collection.spec.key.is_empty() {
        let message = format!("collection \"{}\" must have at least one key pointer", collection.name);
        cx.report(Diagnostic::error("C6a", key_scope, message));
        return;
    }
    let shape = collection.schema_url().and_then(|url| cx.schemas.shape(cx.loaded, &url).map(|shape| (url, shape)));
    for (index, pointer) in collection.spec.key.iter().enumerate() {
        let scope = key_scope.push(index);
        if !schemas::report_invalid_pointer(cx, pointer, &scope) {
            continue;
        }
        let Some((url, shape)) = &shape else { continue };
        let role = KeyRole::Key { collection: &collection.name };
        if schemas::check_key_location(cx, shape, url, pointer, &role, &scope) {
            if let Some(message) = schema::shape::key_reduction_warning(shape, pointer) {
                cx.report(Diagnostic::warning("W1", scope, message));
            }
        }
    }
}
