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
//!
//! Lowering consumes the file's JSON: each entity's value is taken out of
//! the document as it is lowered, and the large values a spec keeps as
//! written (inline schemas, test documents: [`Lowered`]) are moved into it
//! rather than deserialized into copies, so a large file's document JSON
//! turns into its entities instead of being held beside them (issue #7);
//! an inline schema is then kept as its compact text (`InlineSchema::new`).

use foldhash::HashMap;
use model::{
    Collection, CollectionSpec, Diagnostic, MaterializationTargetSpec, NodeDependency, Scope,
    Target, Test, TestStepSpec,
};
use std::sync::Arc;

use model::spec::{InlineSchema, SchemaSpec};
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

/// Lowers one catalog source, consuming its JSON. `unexpected` holds the
/// pointers of properties C1b reported as unexpected: an entity holding one
/// is lowered without it.
pub(crate) fn lower_catalog(
    root: &Scope,
    mut json: Value,
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
    match json.get_mut("collections").map(std::mem::take) {
        Some(Value::Array(list)) => {
            for (index, value) in list.into_iter().enumerate() {
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
                loader
                    .events
                    .push(Event::Collection(Arc::new(Collection::new(
                        scope, name, true, spec,
                    ))));
            }
        }
        Some(Value::Object(map)) => {
            // In name order (keys are unique, so the order is total).
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, value) in entries {
                let scope = root.push("collections").push(&name);
                let Some(spec) = entity::<CollectionSpec>(loader, &scope, value, unexpected) else {
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
                        scope, name, false, spec,
                    ))));
            }
        }
        _ => {}
    }
    if let Some(Value::Object(targets)) = json.get_mut("materializationTargets").map(std::mem::take)
    {
        for (name, value) in targets {
            let scope = root.push("materializationTargets").push(&name);
            let Some(spec) = entity::<MaterializationTargetSpec>(loader, &scope, value, unexpected)
            else {
                continue;
            };
            loader
                .events
                .push(Event::Target(Target { scope, name, spec }));
        }
    }
    if let Some(Value::Object(tests)) = json.get_mut("tests").map(std::mem::take) {
        for (name, value) in tests {
            let scope = root.push("tests").push(&name);
            let Some(steps) = entity::<Vec<TestStepSpec>>(loader, &scope, value, unexpected) else {
                continue;
            };
            for (index, step) in steps.iter().enumerate() {
                let documents = scope.push(index).push(step.kind()).push("documents");
                non_string_document_keys(loader, &documents);
            }
            loader
                .events
                .push(Event::Test(Arc::new(Test { scope, name, steps })));
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

/// A spec lowered from an entity's JSON, with the large values it keeps as
/// written (its slots): those are taken out of the JSON before the rest is
/// deserialized (leaving a placeholder of the same kind, which deserializes
/// alike and appears in no error) and moved into the spec after, so they
/// are never copied. The values moved are the document JSON's own, built
/// at their exact size by the syntax tree's conversion.
trait Lowered: DeserializeOwned {
    type Slot;
    /// Takes every slot's value out of `value`, leaving its placeholder.
    fn take(value: &mut Value) -> Vec<(Self::Slot, Value)>;
    /// Where `slot` is in the entity's JSON.
    fn slot_mut<'v>(value: &'v mut Value, slot: &Self::Slot) -> Option<&'v mut Value>;
    /// Moves a taken value into the spec deserialized with its placeholder.
    fn put(&mut self, slot: Self::Slot, taken: Value);
}

/// Replaces the value of `slot` with `placeholder` when `keep` says it is
/// one to move, and returns it.
fn take_slot(
    slot: Option<&mut Value>,
    keep: fn(&Value) -> bool,
    placeholder: Value,
) -> Option<Value> {
    let slot = slot.filter(|slot| keep(slot))?;
    Some(std::mem::replace(slot, placeholder))
}

/// Where a collection keeps an inline schema: its own, its register's, a
/// transform source's (by transform name).
enum SchemaSlot {
    Own,
    Register,
    Source(String),
}

fn register_schema(value: &mut Value) -> Option<&mut Value> {
    value
        .get_mut("derivation")?
        .get_mut("register")?
        .get_mut("schema")
}

fn source_schema<'v>(value: &'v mut Value, transform: &str) -> Option<&'v mut Value> {
    value
        .get_mut("derivation")?
        .get_mut("transform")?
        .get_mut(transform)?
        .get_mut("source")?
        .get_mut("schema")
}

impl Lowered for CollectionSpec {
    type Slot = SchemaSlot;

    fn take(value: &mut Value) -> Vec<(SchemaSlot, Value)> {
        // Only object schemas are worth moving; `true` deserializes as an
        // inline schema as an object does.
        fn take(slot: Option<&mut Value>) -> Option<Value> {
            take_slot(slot, Value::is_object, Value::Bool(true))
        }
        let mut taken = Vec::new();
        taken.extend(take(value.get_mut("schema")).map(|schema| (SchemaSlot::Own, schema)));
        taken.extend(take(register_schema(value)).map(|schema| (SchemaSlot::Register, schema)));
        let transforms: Vec<String> = value
            .pointer("/derivation/transform")
            .and_then(Value::as_object)
            .map(|transforms| transforms.keys().cloned().collect())
            .unwrap_or_default();
        for name in transforms {
            if let Some(schema) = take(source_schema(value, &name)) {
                taken.push((SchemaSlot::Source(name), schema));
            }
        }
        taken
    }

    fn slot_mut<'v>(value: &'v mut Value, slot: &SchemaSlot) -> Option<&'v mut Value> {
        match slot {
            SchemaSlot::Own => value.get_mut("schema"),
            SchemaSlot::Register => register_schema(value),
            SchemaSlot::Source(name) => source_schema(value, name),
        }
    }

    fn put(&mut self, slot: SchemaSlot, taken: Value) {
        let derivation = self.derivation.as_mut();
        let spec = match slot {
            SchemaSlot::Own => Some(&mut self.schema),
            SchemaSlot::Register => derivation
                .and_then(|derivation| derivation.register.as_mut())
                .and_then(|register| register.schema.as_mut()),
            SchemaSlot::Source(name) => derivation
                .and_then(|derivation| derivation.transform.get_mut(&name))
                .and_then(|transform| transform.source.schema.as_mut()),
        };
        // The placeholder deserialized at the slot, so the slot is there.
        if let Some(spec) = spec {
            *spec = SchemaSpec::Inline(InlineSchema::new(taken));
        }
    }
}

/// Where a test keeps documents: a step (by index and kind).
type StepSlot = (usize, &'static str);

impl Lowered for Vec<TestStepSpec> {
    type Slot = StepSlot;

    fn take(value: &mut Value) -> Vec<(StepSlot, Value)> {
        let steps = value.as_array().map_or(0, Vec::len);
        let mut taken = Vec::new();
        for index in 0..steps {
            for kind in ["ingest", "verify"] {
                let slot = Self::slot_mut(value, &(index, kind));
                if let Some(documents) = take_slot(slot, Value::is_array, Value::Array(Vec::new()))
                {
                    taken.push(((index, kind), documents));
                }
            }
        }
        taken
    }

    fn slot_mut<'v>(value: &'v mut Value, (index, kind): &StepSlot) -> Option<&'v mut Value> {
        value.get_mut(index)?.get_mut(kind)?.get_mut("documents")
    }

    fn put(&mut self, (index, kind): StepSlot, taken: Value) {
        let Value::Array(taken) = taken else {
            return;
        };
        match (self.get_mut(index), kind) {
            (Some(TestStepSpec::Ingest(ingest)), "ingest") => ingest.documents = taken,
            (Some(TestStepSpec::Verify(verify)), "verify") => verify.documents = taken,
            _ => {}
        }
    }
}

impl Lowered for MaterializationTargetSpec {
    type Slot = ();

    fn take(_: &mut Value) -> Vec<((), Value)> {
        Vec::new()
    }

    fn slot_mut<'v>(_: &'v mut Value, _: &()) -> Option<&'v mut Value> {
        None
    }

    fn put(&mut self, _: (), _: Value) {}
}

/// Deserializes one entity from its JSON (taken out of the document). When
/// its structure is broken only by unexpected properties (already reported
/// as C1b), it is lowered without them; when it is broken otherwise,
/// reports it (unless a C1b inside it was already reported) and skips it.
fn entity<T: Lowered>(
    loader: &mut Lowering<'_>,
    scope: &Scope,
    mut value: Value,
    unexpected: &[String],
) -> Option<T> {
    let taken = T::take(&mut value);
    let moved = |mut entity: T, taken: Vec<(T::Slot, Value)>| {
        for (slot, value) in taken {
            entity.put(slot, value);
        }
        Some(entity)
    };
    let error = match T::deserialize(&value) {
        Ok(entity) => return moved(entity, taken),
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
        return moved(entity, taken);
    }
    // The entity as written again, for what is said about it.
    for (slot, taken) in taken {
        if let Some(slot) = T::slot_mut(&mut value, &slot) {
            *slot = taken;
        }
    }
    let reported = loader.reported().any(|diagnostic| {
        diagnostic.code == "C1b"
            && diagnostic.scope.resource == scope.resource
            && inside(&diagnostic.scope.pointer)
    });
    // A non-string `nodeJS` body is C28a, reported by the checks.
    if !reported && !has_non_string_lambda(&value) {
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
