//! Lowering one catalog source's JSON into model entities, section by section in
//! the order of catalog.md §3, each entity with its scope. An entity whose
//! only structural mistakes are unexpected properties (a typo such as
//! `projection:`) is lowered without them, so nothing that names it gets a
//! false error; an entity broken otherwise (already reported as C1b) is
//! skipped, and the others still load.
//!
//! Lowering is a function of the file alone (its URL, JSON, tree and C1b
//! diagnostics): [`lower_catalog`] records what it found as a list of
//! [`Event`]s, which a `load::Memo` keeps with the file's parse, and
//! [`apply`] replays them into a load (registering entities, loading the
//! schemas each collection names, in the order lowering met them).

use foldhash::HashMap;
use model::{
    Collection, CollectionSpec, Diagnostic, MaterializationTargetSpec, NodeDependency, Scope,
    Target, Test, TestStepSpec,
};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Loader;

/// What lowering one catalog source found, in order.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    Error(Diagnostic),
    NodeDependency(NodeDependency),
    Collection(Arc<Collection>),
    Target(Target),
    Test(Arc<Test>),
}

/// Replays a file's lowering into a load.
pub(crate) fn apply(loader: &mut Loader<'_>, events: &[Event]) {
    for event in events {
        match event {
            Event::Error(diagnostic) => loader.error(diagnostic.clone()),
            Event::NodeDependency(dependency) => loader
                .loaded
                .catalog
                .node_dependencies
                .push(dependency.clone()),
            Event::Collection(collection) => add_collection(loader, Arc::clone(collection)),
            Event::Target(target) => loader.loaded.catalog.targets.push(target.clone()),
            Event::Test(test) => loader.loaded.catalog.tests.push(Arc::clone(test)),
        }
    }
}

/// The state of lowering one file.
struct Lowering<'a> {
    tree: &'a syntax::Tree,
    /// The file's C1b diagnostics from the structure check.
    structure: &'a [Diagnostic],
    events: Vec<Event>,
}

impl Lowering<'_> {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.events.push(Event::Error(diagnostic));
    }

    /// The diagnostics reported on the file so far.
    fn reported(&self) -> impl Iterator<Item = &Diagnostic> {
        let lowering = self.events.iter().filter_map(|event| match event {
            Event::Error(diagnostic) => Some(diagnostic),
            _ => None,
        });
        self.structure.iter().chain(lowering)
    }
}

/// Lowers one catalog source. `unexpected` holds the pointers of properties
/// C1b reported as unexpected: an entity holding one is lowered without it.
pub(crate) fn lower_catalog(
    root: &Scope,
    json: &Value,
    unexpected: &[String],
    structure: &[Diagnostic],
    tree: &syntax::Tree,
) -> Vec<Event> {
    let mut lowering = Lowering {
        tree,
        structure,
        events: Vec::new(),
    };
    let loader = &mut lowering;
    if let Some(dependencies) = json.get("nodeDependencies").and_then(Value::as_object) {
        for (package, version) in dependencies {
            let Some(version) = version.as_str() else {
                continue;
            };
            loader.events.push(Event::NodeDependency(NodeDependency {
                scope: root.push("nodeDependencies").push(package),
                package: package.clone(),
                version: version.to_string(),
            }));
        }
    }
    match json.get("collections") {
        Some(Value::Array(list)) => {
            for (index, value) in list.iter().enumerate() {
                let scope = root.push("collections").push(index);
                let Some(spec) = entity::<CollectionSpec>(loader, &scope, value, unexpected) else {
                    continue;
                };
                let Some(name) = spec.name.clone() else {
                    loader.error(
                        Diagnostic::error(
                            "C1b",
                            scope.clone(),
                            "missing required property \"name\"",
                        )
                        .at_key(),
                    );
                    continue;
                };
                let name_scope = scope.push("name");
                loader
                    .events
                    .push(Event::Collection(Arc::new(Collection::new(
                        scope, name, name_scope, true, spec,
                    ))));
            }
        }
        Some(Value::Object(map)) => {
            let mut names: Vec<&String> = map.keys().collect();
            names.sort();
            for name in names {
                let scope = root.push("collections").push(name);
                let Some(spec) = entity::<CollectionSpec>(loader, &scope, &map[name], unexpected)
                else {
                    continue;
                };
                if spec.name.is_some() {
                    let message =
                        "a collection in map form takes its name from its key; remove \"name\"";
                    loader.error(Diagnostic::error("C1b", scope.push("name"), message).at_key());
                }
                loader
                    .events
                    .push(Event::Collection(Arc::new(Collection::new(
                        scope.clone(),
                        name.clone(),
                        scope,
                        false,
                        spec,
                    ))));
            }
        }
        _ => {}
    }
    if let Some(targets) = json
        .get("materializationTargets")
        .and_then(Value::as_object)
    {
        for (name, value) in targets {
            let scope = root.push("materializationTargets").push(name);
            let Some(spec) = entity::<MaterializationTargetSpec>(loader, &scope, value, unexpected)
            else {
                continue;
            };
            loader.events.push(Event::Target(Target {
                scope,
                name: name.clone(),
                spec,
            }));
        }
    }
    if let Some(tests) = json.get("tests").and_then(Value::as_object) {
        for (name, value) in tests {
            let scope = root.push("tests").push(name);
            let Some(steps) = entity::<Vec<TestStepSpec>>(loader, &scope, value, unexpected) else {
                continue;
            };
            for (index, step) in steps.iter().enumerate() {
                let documents = scope.push(index).push(step.kind()).push("documents");
                non_string_document_keys(loader, &documents);
            }
            loader.events.push(Event::Test(Arc::new(Test {
                scope,
                name: name.clone(),
                steps,
            })));
        }
    }
    lowering.events
}

/// Gives every collection and test of `events` that is the same as the one
/// at its scope in `previous` (an earlier lowering of the same URL) that
/// earlier `Arc`, so what is keyed by an entity's address (the check units,
/// the schema memo's inline values) is found again after an edit elsewhere
/// in the file. "The same" is exact: equal in every field (`==`, which
/// includes a collection's schema places) and, as `Value`'s `==` ignores
/// property order, serialized to the same bytes (property order and number
/// representation count, as they do for a cold lowering's reports).
pub(crate) fn reuse_unchanged(previous: &[Event], events: &mut [Event]) {
    let mut collections: HashMap<&str, &Arc<Collection>> = HashMap::default();
    let mut tests: HashMap<&str, &Arc<Test>> = HashMap::default();
    for event in previous {
        match event {
            Event::Collection(collection) => {
                collections.insert(&collection.scope.pointer, collection);
            }
            Event::Test(test) => {
                tests.insert(&test.scope.pointer, test);
            }
            _ => {}
        }
    }
    for event in events {
        match event {
            Event::Collection(collection) => {
                if let Some(&earlier) = collections.get(collection.scope.pointer.as_str())
                    && **earlier == **collection
                    && same_as_written(&earlier.spec, &collection.spec)
                {
                    *collection = Arc::clone(earlier);
                }
            }
            Event::Test(test) => {
                if let Some(&earlier) = tests.get(test.scope.pointer.as_str())
                    && **earlier == **test
                    && same_as_written(&earlier.steps, &test.steps)
                {
                    *test = Arc::clone(earlier);
                }
            }
            _ => {}
        }
    }
}

/// Whether two values `==` each other serialize to the same JSON text.
fn same_as_written<T: serde::Serialize>(a: &T, b: &T) -> bool {
    match (serde_json::to_vec(a), serde_json::to_vec(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Registers a collection and loads every schema it names.
fn add_collection(loader: &mut Loader<'_>, collection: Arc<Collection>) {
    for (place, schema) in collection.schemas() {
        loader.load_schema(place, schema);
    }
    loader.loaded.catalog.collections.push(collection);
}

/// Deserializes one entity. When its structure is broken only by unexpected
/// properties (already reported as C1b), it is lowered without them; when it
/// is broken otherwise, reports it (unless a C1b inside it was already
/// reported) and skips it.
fn entity<T: DeserializeOwned>(
    loader: &mut Lowering<'_>,
    scope: &Scope,
    value: &Value,
    unexpected: &[String],
) -> Option<T> {
    let error = match T::deserialize(value) {
        Ok(entity) => return Some(entity),
        Err(error) => error,
    };
    let prefix = &scope.pointer;
    let inside = |pointer: &str| {
        pointer == prefix
            || pointer
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let mut pruned: Option<Value> = None;
    for pointer in unexpected.iter().filter(|pointer| inside(pointer)) {
        let copy = pruned.get_or_insert_with(|| value.clone());
        remove_at(copy, &pointer[prefix.len()..]);
    }
    if let Some(pruned) = pruned
        && let Ok(entity) = T::deserialize(&pruned)
    {
        return Some(entity);
    }
    let reported = loader.reported().any(|diagnostic| {
        diagnostic.code == "C1b"
            && diagnostic.scope.resource == scope.resource
            && inside(&diagnostic.scope.pointer)
    });
    // A non-string `nodeJS` body is C28a, reported by the checks.
    if !reported && !has_non_string_lambda(value) {
        loader.error(
            Diagnostic::error("C1b", scope.clone(), format!("invalid structure: {error}")).at_key(),
        );
    }
    None
}

/// Removes the mapping entry that `pointer` (relative to `value`) names.
fn remove_at(value: &mut Value, pointer: &str) {
    let Some(mut tokens) = schema::pointer::tokens(pointer) else {
        return;
    };
    let Some(key) = tokens.pop() else {
        return;
    };
    let mut parent = Some(value);
    for token in &tokens {
        parent = match parent {
            Some(Value::Object(map)) => map.get_mut(token),
            Some(Value::Array(items)) => {
                schema::pointer::parse_index(token).and_then(|index| items.get_mut(index))
            }
            _ => None,
        };
    }
    if let Some(Value::Object(map)) = parent {
        map.shift_remove(&key);
    }
}

/// True when a `nodeJS` lambda body somewhere in `value` is not a string.
fn has_non_string_lambda(value: &Value) -> bool {
    match value {
        Value::Object(object) => object.iter().any(|(key, child)| {
            (key == "nodeJS" && !child.is_string()) || has_non_string_lambda(child)
        }),
        Value::Array(items) => items.iter().any(has_non_string_lambda),
        _ => false,
    }
}

/// Test documents are JSON: every mapping key in them must be a string
/// (catalog.md §2). A plain `1:` or `true:` key is a C1b at the key, with a
/// hint to quote it. Aliased nodes are visited once.
fn non_string_document_keys(loader: &mut Lowering<'_>, documents: &Scope) {
    let tree = loader.tree;
    let Some(located) = tree.locate(&documents.pointer) else {
        return;
    };
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut work = vec![located.node];
    while let Some(node) = work.pop() {
        let node = tree.resolve(node);
        if !seen.insert(node) {
            continue;
        }
        for entry in tree.entries(node) {
            if let Some(key) = tree.scalar(entry.key)
                && !matches!(key.value, syntax::ScalarValue::String)
            {
                found.push((tree.node(entry.key).range, key.text));
            }
            work.push(entry.value);
        }
        work.extend_from_slice(tree.items(node));
    }
    for (range, text) in found {
        let message = format!("document keys must be strings; write \"{text}\" in quotes");
        loader.error(Diagnostic::error("C1b", documents.clone(), message).with_range(range));
    }
}
