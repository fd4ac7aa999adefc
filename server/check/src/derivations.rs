//! Derivations (catalog.md §5.6, §5.7): registers (C26, C27), transform names
//! (C17a, C17b), sources (C12–C15, alternate source schemas C21, C22,
//! partition selectors C25), shuffles (C6b, C10, C19, C20, C23), read delays
//! (C1c, C24), lambdas (C18, and C28/C29 through [`crate::lambdas`]) and
//! derivation cycles (C16).

use std::collections::HashMap;
use std::sync::Arc;

use model::{Collection, DerivationSpec, Diagnostic, Scope, TransformSpec};
use schema::shape::Types;
use url::Url;

use crate::context::Context;
use crate::lambdas;
use crate::projections;
use crate::schemas::{self, KeyRole, SchemaRole};
use crate::units::{Entity, UnitKind};

/// What one transform resolved to, for the checks across transforms.
struct Resolved<'l> {
    scope: Scope,
    name: &'l str,
    transform: &'l TransformSpec,
    source: &'l Collection,
    /// The schema source documents are read with: the alternate source
    /// schema, else the source collection's schema.
    source_schema: Option<Url>,
    /// The shuffle pointers (explicit, else the source key), when all are
    /// valid key locations of the source schema.
    shuffle: Option<Vec<String>>,
}

pub(crate) fn check(cx: &mut Context<'_>) {
    let catalog = cx.catalog();
    // Derivation → (transform scope, source) edges for cycle detection.
    let mut edges: HashMap<usize, Vec<(Scope, usize)>> = HashMap::new();
    for (index, collection) in catalog.collections.iter().enumerate() {
        let Some(derivation) = &collection.spec.derivation else {
            continue;
        };
        let entity = Entity::Collection(Arc::clone(collection));
        let sources = cx.unit(UnitKind::Derivation, entity, index, |cx| {
            derivation_checks(cx, collection, derivation)
        });
        for (scope, source) in sources {
            if let Some(source_index) = cx.collection_index(&source) {
                edges.entry(index).or_default().push((scope, source_index));
            }
        }
    }
    cycles(cx, &edges);
}

/// The checks of one derivation. Returns each resolved transform's
/// `source.name` scope and source collection name (the edges of C16).
fn derivation_checks<'l>(
    cx: &mut Context<'l>,
    collection: &'l Collection,
    derivation: &'l DerivationSpec,
) -> Vec<(Scope, Box<str>)> {
    register(cx, collection, derivation);
    transform_names(cx, collection);
    let mut resolved = Vec::new();
    let mut sources = Vec::new();
    for (scope, name, transform) in collection.transforms() {
        if let Some(one) = transform_checks(cx, collection, &scope, name, transform) {
            sources.push((
                scope.push("source").push("name"),
                one.source.name.as_str().into(),
            ));
            resolved.push(one);
        }
    }
    source_schemas_agree(cx, collection, &resolved);
    shuffle_types_agree(cx, &resolved);
    for (position, lambda) in derivation.bootstrap.iter().enumerate() {
        let scope = collection
            .scope
            .push("derivation")
            .push("bootstrap")
            .push(position);
        lambdas::check_lambda(
            cx,
            &format!("{} bootstrap {position}", collection.name),
            lambda,
            &scope,
        );
    }
    sources
}

/// C27 (register schema problems) and C26 (`initial` must validate).
fn register(cx: &mut Context<'_>, collection: &Collection, derivation: &DerivationSpec) {
    // Its schema's problems, shape and validator read one build of its
    // documents' values.
    model::compact::holding(|| register_holding(cx, collection, derivation));
}

fn register_holding(cx: &mut Context<'_>, collection: &Collection, derivation: &DerivationSpec) {
    let Some(register) = &derivation.register else {
        return;
    };
    let register_scope = collection.scope.push("derivation").push("register");
    let Some(url) = collection.register_schema_url() else {
        return;
    };
    if !schemas::check_schema_use(
        cx,
        &url,
        &register_scope.push("schema"),
        collection,
        SchemaRole::Register,
    ) {
        return;
    }
    let Some(validator) = cx.validator(&url) else {
        return;
    };
    if let Err(errors) = validator.validate(&register.initial) {
        let detail: Vec<String> = errors.iter().take(5).map(ToString::to_string).collect();
        let message = format!("initial register value is invalid: {}", detail.join("; "));
        cx.report(Diagnostic::error(
            "C26",
            register_scope.push("initial"),
            message,
        ));
    }
}

/// C17a (characters) and C17b (names differing only by case; the later in
/// name order is reported).
fn transform_names(cx: &mut Context<'_>, collection: &Collection) {
    let mut first: HashMap<String, (Scope, &str)> = HashMap::new();
    for (scope, name, _) in collection.transforms() {
        if !model::names::is_valid_token_name(name) {
            let message = format!(
                "transform name \"{name}\" may contain only letters, digits, \"-\", \"_\", \".\""
            );
            cx.report(Diagnostic::error("C17a", scope.clone(), message).at_key());
        }
        match first.get(&name.to_lowercase()) {
            Some((earlier_scope, earlier)) => {
                let message = format!(
                    "transform \"{name}\" duplicates \"{earlier}\" in derivation \"{}\"",
                    collection.name
                );
                cx.report(
                    Diagnostic::error("C17b", scope.clone(), message)
                        .at_key()
                        .with_related(
                            earlier_scope.clone(),
                            format!("\"{earlier}\" is defined here"),
                        ),
                );
            }
            None => {
                first.insert(name.to_lowercase(), (scope.clone(), name));
            }
        }
    }
}

/// The checks of one transform. Returns what it resolved to when its source
/// is a usable collection.
fn transform_checks<'l>(
    cx: &mut Context<'l>,
    collection: &'l Collection,
    scope: &Scope,
    name: &'l str,
    transform: &'l TransformSpec,
) -> Option<Resolved<'l>> {
    if transform.update.is_none() && transform.publish.is_none() {
        let message =
            format!("transform \"{name}\" must have an update lambda, a publish lambda, or both");
        cx.report(Diagnostic::error("C18", scope.clone(), message).at_key());
    }
    for (kind, lambda) in [
        ("update", &transform.update),
        ("publish", &transform.publish),
    ] {
        if let Some(lambda) = lambda {
            lambdas::check_lambda(
                cx,
                &format!("{}/{name} {kind}", collection.name),
                lambda,
                &scope.push(kind),
            );
        }
    }
    read_delay(cx, transform, scope);

    let source = source(cx, collection, scope, name, transform)?;
    let source_scope = scope.push("source");
    let source_schema = match &transform.source.schema {
        Some(_) => {
            let written = source_scope.push("schema");
            let url = collection.source_schema_url(name)?.clone();
            if !schemas::check_schema_use(cx, &url, &written, collection, SchemaRole::Source) {
                None
            } else {
                if let Some(collection_schema) = cx.schema_url(source)
                    && cx.same_schema(&url, collection_schema)
                {
                    let message = format!(
                        "transform \"{name}\" source schema is already the schema of \"{}\"; omit it",
                        source.name
                    );
                    cx.report(Diagnostic::error("C21", written.clone(), message));
                }
                Some(url)
            }
        }
        None => cx.schema_url(source).cloned(),
    };
    if let Some(selector) = &transform.source.partitions {
        projections::check_selector(cx, source, selector, &source_scope.push("partitions"));
    }
    let shuffle = shuffle(cx, scope, name, transform, source, source_schema.as_ref());
    Some(Resolved {
        scope: scope.clone(),
        name,
        transform,
        source,
        source_schema,
        shuffle,
    })
}

/// C12–C15 for `source.name`.
fn source<'l>(
    cx: &mut Context<'l>,
    collection: &'l Collection,
    scope: &Scope,
    name: &str,
    transform: &TransformSpec,
) -> Option<&'l Collection> {
    let name_scope = scope.push("source").push("name");
    let source_name = &transform.source.name;
    if *source_name == collection.name {
        let message = format!(
            "derivation \"{}\" cannot read from itself (transform \"{name}\")",
            collection.name
        );
        cx.report(Diagnostic::error("C15", name_scope, message));
        return None;
    }
    let source = match cx.resolve_collection(source_name, &name_scope) {
        Ok(source) => source,
        Err(unresolved) => {
            cx.report_unresolved(unresolved);
            return None;
        }
    };
    let same_file = source.scope.resource == collection.scope.resource;
    if collection.list_form && same_file && cx.defined_after(source_name) {
        let message =
            format!("collection \"{source_name}\" must be defined before it is used as a source");
        cx.report(Diagnostic::error("C14", name_scope, message).with_related(
            source.name_scope(),
            format!("\"{source_name}\" is defined here"),
        ));
        return None;
    }
    Some(source)
}

/// C1c and C24 for `readDelay`.
fn read_delay(cx: &mut Context<'_>, transform: &TransformSpec, scope: &Scope) {
    let Some(delay) = &transform.read_delay else {
        return;
    };
    let delay_scope = scope.push("readDelay");
    match humantime::parse_duration(delay.trim()) {
        Err(_) => {
            let message = format!(
                "readDelay \"{delay}\" is not a duration such as \"90s\", \"5m\" or \"48h\""
            );
            cx.report(Diagnostic::error("C1c", delay_scope, message));
        }
        Ok(duration) if duration.as_secs() < 1 => {
            cx.report(Diagnostic::error(
                "C24",
                delay_scope,
                "readDelay must be at least one second",
            ));
        }
        Ok(_) => {}
    }
}

/// C19, C6b, C20 and C10 for the shuffle. Returns the shuffle pointers when
/// they are all valid key locations of the source schema.
fn shuffle(
    cx: &mut Context<'_>,
    scope: &Scope,
    name: &str,
    transform: &TransformSpec,
    source: &Collection,
    source_schema: Option<&Url>,
) -> Option<Vec<String>> {
    let shuffle_scope = scope.push("shuffle");
    let Some(shuffle) = &transform.shuffle else {
        // The source key, checked against the source collection's schema
        // where the source is defined; an alternate source schema must also
        // describe it (reported at that schema).
        let key = &source.spec.key;
        if key.is_empty() || !key.iter().all(|pointer| schemas::is_valid_pointer(pointer)) {
            return None;
        }
        if transform.source.schema.is_none() {
            return Some(key.clone());
        }
        let url = source_schema?;
        let shape = cx.shape(url)?;
        let role = KeyRole::Shuffle { transform: name };
        let written = scope.push("source").push("schema");
        let mut valid = true;
        for pointer in key {
            valid &= schemas::check_key_location(cx, &shape, url, pointer, &role, &written);
        }
        return valid.then(|| key.clone());
    };
    if shuffle.is_empty() {
        let message = format!(
            "transform \"{name}\" has an empty shuffle; omit it to shuffle on the source key"
        );
        cx.report(Diagnostic::error("C19", shuffle_scope, message));
        return None;
    }
    let mut valid = true;
    for (position, pointer) in shuffle.iter().enumerate() {
        valid &= schemas::report_invalid_pointer(cx, pointer, &shuffle_scope.push(position));
    }
    if !valid {
        return None;
    }
    if *shuffle == source.spec.key {
        let message = format!(
            "transform \"{name}\" shuffle equals the key of \"{}\"; omit it",
            source.name
        );
        cx.report(Diagnostic::error("C20", shuffle_scope, message));
        return Some(shuffle.clone());
    }
    let url = source_schema?;
    let shape = cx.shape(url)?;
    let role = KeyRole::Shuffle { transform: name };
    for (position, pointer) in shuffle.iter().enumerate() {
        valid &= schemas::check_key_location(
            cx,
            &shape,
            url,
            pointer,
            &role,
            &shuffle_scope.push(position),
        );
    }
    valid.then(|| shuffle.clone())
}

/// C22: transforms reading one collection must read it with one schema.
fn source_schemas_agree(cx: &mut Context<'_>, collection: &Collection, resolved: &[Resolved<'_>]) {
    let mut first: HashMap<&str, &Resolved<'_>> = HashMap::new();
    for one in resolved {
        let Some(earlier) = first.get(one.source.name.as_str()) else {
            first.insert(&one.source.name, one);
            continue;
        };
        let same = match (&earlier.source_schema, &one.source_schema) {
            (Some(a), Some(b)) => cx.same_schema(a, b),
            // A schema that did not resolve was reported already.
            _ => true,
        };
        if !same {
            let message = format!(
                "transforms of \"{}\" that read \"{}\" must all use the same source schema",
                collection.name, one.source.name
            );
            cx.report(
                Diagnostic::error("C22", source_schema_scope(one), message).with_related(
                    source_schema_scope(earlier),
                    format!("transform \"{}\" reads it like this", earlier.name),
                ),
            );
        }
    }
}

/// Where a transform's choice of source schema is written.
fn source_schema_scope(resolved: &Resolved<'_>) -> Scope {
    let source = resolved.scope.push("source");
    match resolved.transform.source.schema {
        Some(_) => source.push("schema"),
        None => source.push("name"),
    }
}

/// C23: every transform's shuffle key must have the same types, pointer by
/// pointer (nullability included).
fn shuffle_types_agree(cx: &mut Context<'_>, resolved: &[Resolved<'_>]) {
    let mut first: Option<(&Resolved<'_>, Vec<Types>)> = None;
    for one in resolved {
        let (Some(shuffle), Some(url)) = (&one.shuffle, &one.source_schema) else {
            continue;
        };
        let Some(shape) = cx.shape(url) else {
            continue;
        };
        let types: Vec<Types> = shuffle
            .iter()
            .map(|pointer| shape.locate(pointer).shape.types)
            .collect();
        let Some((earlier, earlier_types)) = &first else {
            first = Some((one, types));
            continue;
        };
        if *earlier_types != types {
            let message = format!(
                "shuffle key types differ between transforms: {} {} vs {} {}",
                earlier.name,
                describe_types(earlier_types),
                one.name,
                describe_types(&types)
            );
            cx.report(
                Diagnostic::error("C23", shuffle_scope(one), message).with_related(
                    shuffle_scope(earlier),
                    format!("transform \"{}\" shuffles here", earlier.name),
                ),
            );
        }
    }
}

fn shuffle_scope(resolved: &Resolved<'_>) -> Scope {
    match resolved.transform.shuffle {
        Some(_) => resolved.scope.push("shuffle"),
        None => resolved.scope.push("source").push("name"),
    }
}

/// `[integer]`, `[string, null | integer]`.
fn describe_types(types: &[Types]) -> String {
    let each: Vec<String> = types
        .iter()
        .map(|types| types.names().join(" | "))
        .collect();
    format!("[{}]", each.join(", "))
}

/// C16: derivations that read each other in a cycle. Each cycle is
/// reported once, at the transform whose source closes it.
fn cycles(cx: &mut Context<'_>, edges: &HashMap<usize, Vec<(Scope, usize)>>) {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let count = cx.catalog().collections.len();
    let mut state = vec![State::New; count];
    let mut found: Vec<(Scope, Vec<usize>)> = Vec::new();
    for start in 0..count {
        if state[start] != State::New {
            continue;
        }
        // Depth-first, iteratively: (node, next edge to follow).
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = State::Open;
        while let Some((node, next)) = path.last_mut() {
            let node = *node;
            let outgoing = edges.get(&node).map(Vec::as_slice).unwrap_or_default();
            let Some((scope, target)) = outgoing.get(*next) else {
                state[node] = State::Done;
                path.pop();
                continue;
            };
            *next += 1;
            match state[*target] {
                State::New => {
                    state[*target] = State::Open;
                    path.push((*target, 0));
                }
                State::Open => {
                    let from = path
                        .iter()
                        .position(|(open, _)| open == target)
                        .unwrap_or(0);
                    let mut cycle: Vec<usize> =
                        path[from..].iter().map(|(open, _)| *open).collect();
                    cycle.push(*target);
                    found.push((scope.clone(), cycle));
                }
                State::Done => {}
            }
        }
    }
    let collections = &cx.catalog().collections;
    let mut diagnostics = Vec::new();
    for (scope, cycle) in found {
        let names: Vec<&str> = cycle
            .iter()
            .map(|index| collections[*index].name.as_str())
            .collect();
        let message = format!("derivations form a cycle: {}", names.join(" -> "));
        diagnostics.push(Diagnostic::error("C16", scope, message));
    }
    for diagnostic in diagnostics {
        cx.report(diagnostic);
    }
}

#[cfg(test)]
mod unit;
