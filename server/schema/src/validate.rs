//! Validation of documents against an indexed schema, yielding the `reduce`
//! annotation of each instance location (reductions.md §2.1, §2.2).
//!
//! Validity itself is decided by a `jsonschema` 2019-09 validator compiled over
//! a registry holding the documents the schema's document reaches
//! ([`crate::compiled`]: so cross-document `$ref`s and anchors work; `format`
//! is an annotation; `reduce` is an unknown keyword and so ignored). Annotations are computed by our own walk of a small
//! "annotation program" built from the schema at compile time:
//!
//! * only sub-schemas from which some `reduce` is reachable are kept, so a
//!   schema without any `reduce` costs nothing beyond validation;
//! * a branch (`anyOf`/`oneOf` member, `if`) is taken only if a validator
//!   compiled for that sub-schema accepts the instance;
//! * annotations are inserted "first wins" in the precedence order of §2.2
//!   ([`crate::precedence`], shared with shape inference): the schema's own
//!   `reduce`, then `$ref`, `allOf` in order, valid `anyOf` members, the
//!   valid `oneOf` member, `if`/`then`/`else`, `dependentSchemas`, and only
//!   then the schema's own `properties`/`items` for child locations.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use url::Url;

use crate::compiled::{self, SizedRegistry};
use crate::index::{Pinned, Place, SchemaIndex};
use crate::keywords;
use crate::pointer;
use crate::precedence::{IN_PLACE, InPlace};
use crate::reduce::{Annotations, Strategy, parse_strategy};

/// Deepest instance nesting accepted by [`Validator::validate`].
pub const MAX_INSTANCE_DEPTH: usize = 256;

/// Bound on the annotation walk's recursion (instance levels plus in-place
/// hops), which also stops `$ref` cycles that never consume the instance.
const MAX_WALK_DEPTH: usize = 1024;

/// One reason a document is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Pointer of the offending location in the document.
    pub instance_pointer: String,
    /// Pointer of the failing keyword, relative to the schema resource that
    /// holds it. (No absolute location: documents of the same text share
    /// one validator, see [`crate::compiled::self_contained`].)
    pub schema_pointer: String,
    /// What is wrong, for a person (`1 is not of type "string"`).
    pub message: String,
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.instance_pointer.is_empty() {
            "(root)"
        } else {
            &self.instance_pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// A compiled schema: validates documents and reports their annotations.
/// Cheap to clone and safe to share between threads.
#[derive(Clone)]
pub struct Validator {
    root: Arc<jsonschema::Validator>,
    program: Option<Arc<Program>>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("annotates", &self.program.is_some())
            .finish_non_exhaustive()
    }
}

impl SchemaIndex {
    /// Compiles the schema at `uri` (a document URL, or one with a pointer or
    /// anchor fragment). Errors are for schemas that cannot be compiled at all
    /// (unresolvable references, invalid keywords, nesting too deep); the
    /// build reports those as C7/C9 through `check_document`.
    ///
    /// Each schema place is compiled once per index (clones of the index
    /// share the result), against a registry of only the documents its
    /// document's `$ref`s reach.
    pub fn compile(&self, uri: &Url) -> Result<Validator, String> {
        let Some(root_place) = self.place_of(uri).filter(|p| self.place_is_schema(p)) else {
            return Err(format!("schema reference {uri} cannot be resolved"));
        };
        self.cached_validator(&root_place.clone(), || {
            let document = self.doc(root_place.document);
            if let Some(deep) = &document.indexed.too_deep {
                return Err(format!(
                    "invalid schema at {}#{deep}: nesting is deeper than {} levels",
                    document.url,
                    keywords::MAX_DEPTH
                ));
            }
            let at_root = root_place.pointer.is_empty();
            let build = || {
                let registry = self.registry_for(root_place.document)?;
                let root = self.build_validator(&registry, &self.canonical_uri(&root_place))?;
                let pinned = self.pinned();
                let program = ProgramBuilder::new(self, &pinned, &registry).build(root_place)?;
                Ok(Validator {
                    root: Arc::new(root),
                    program: program.map(Arc::new),
                })
            };
            match document.json.text() {
                Some(text) if at_root && compiled::self_contained(text) => {
                    self.validator_by_text(text, build)
                }
                _ => build(),
            }
        })
    }

    fn build_validator(
        &self,
        registry: &SizedRegistry,
        uri: &Url,
    ) -> Result<jsonschema::Validator, String> {
        self.count_validator_build(registry);
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft201909)
            .should_validate_formats(false)
            .with_registry(&registry.registry)
            .build(&serde_json::json!({ "$ref": uri.as_str() }))
            .map_err(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{e} (at {at})")
                }
            })
    }
}

impl Validator {
    /// Validates `doc`. A valid document yields the `reduce` strategy of each
    /// of its locations that has one; an invalid one yields every error.
    pub fn validate(&self, doc: &Value) -> Result<Annotations, Vec<ValidationError>> {
        if json::nesting::depth_exceeding(doc, MAX_INSTANCE_DEPTH).is_some() {
            return Err(vec![ValidationError {
                instance_pointer: String::new(),
                schema_pointer: String::new(),
                message: format!("document is nested deeper than {MAX_INSTANCE_DEPTH} levels"),
            }]);
        }
        if !self.root.is_valid(doc) {
            return Err(self
                .root
                .iter_errors(doc)
                .map(|e| ValidationError {
                    instance_pointer: e.instance_path().to_string(),
                    schema_pointer: e.schema_path().to_string(),
                    message: e.to_string(),
                })
                .collect());
        }
        let mut annotations = Annotations::default();
        if let Some(program) = &self.program {
            let mut cursor = Cursor {
                location: String::new(),
                out: &mut annotations.by_location,
                seen: Vec::new(),
            };
            program.walk(program.root, doc, &mut cursor, 0, 0);
        }
        Ok(annotations)
    }

    /// Whether `doc` is valid, without computing annotations or errors.
    pub fn is_valid(&self, doc: &Value) -> bool {
        json::nesting::depth_exceeding(doc, MAX_INSTANCE_DEPTH).is_none() && self.root.is_valid(doc)
    }

    /// Whether any `reduce` annotation can be produced by this schema.
    pub fn has_annotations(&self) -> bool {
        self.program.is_some()
    }
}

type NodeId = usize;

/// The annotation-relevant skeleton of a schema graph.
struct Program {
    nodes: Vec<Node>,
    root: NodeId,
    /// Validators of branch sub-schemas (`anyOf`/`oneOf` members, `if`).
    branches: Vec<jsonschema::Validator>,
    /// `patternProperties` regexes, as validators of `{pattern: …}`.
    patterns: Vec<Option<jsonschema::Validator>>,
}

#[derive(Default)]
struct Node {
    relevant: bool,
    reduce: Option<Strategy>,
    refs: Vec<NodeId>,
    all_of: Vec<NodeId>,
    any_of: Vec<(NodeId, usize)>,
    one_of: Vec<(NodeId, usize)>,
    condition: Option<(NodeId, usize)>,
    then_: Option<NodeId>,
    else_: Option<NodeId>,
    dependent: Vec<(String, NodeId)>,
    properties: Vec<(String, NodeId)>,
    pattern_properties: Vec<(usize, NodeId)>,
    additional_properties: Option<NodeId>,
    items: Option<NodeId>,
    tuple: Vec<NodeId>,
    additional_items: Option<NodeId>,
}

impl Node {
    fn children(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.refs
            .iter()
            .chain(&self.all_of)
            .copied()
            .chain(self.any_of.iter().map(|m| m.0))
            .chain(self.one_of.iter().map(|m| m.0))
            .chain(self.condition.iter().map(|m| m.0))
            .chain(self.then_)
            .chain(self.else_)
            .chain(self.dependent.iter().map(|m| m.1))
            .chain(self.properties.iter().map(|m| m.1))
            .chain(self.pattern_properties.iter().map(|m| m.1))
            .chain(self.additional_properties)
            .chain(self.items)
            .chain(self.tuple.iter().copied())
            .chain(self.additional_items)
    }
}

struct ProgramBuilder<'a> {
    index: &'a SchemaIndex,
    /// The documents read so far, held while the program is built.
    pinned: &'a Pinned<'a>,
    registry: &'a SizedRegistry,
    ids: foldhash::HashMap<(usize, String), NodeId>,
    places: Vec<Place>,
    /// The value at each node's place (found once, handed down to children).
    values: Vec<Option<&'a Value>>,
    nodes: Vec<Node>,
    branches: Vec<jsonschema::Validator>,
    patterns: Vec<Option<jsonschema::Validator>>,
    pattern_ids: foldhash::HashMap<String, usize>,
}

/// More distinct sub-schemas than any real catalog has; a bound for hostile input.
const MAX_PROGRAM_NODES: usize = 200_000;

impl<'a> ProgramBuilder<'a> {
    fn new(index: &'a SchemaIndex, pinned: &'a Pinned<'a>, registry: &'a SizedRegistry) -> Self {
        Self {
            index,
            pinned,
            registry,
            ids: Default::default(),
            places: Vec::new(),
            values: Vec::new(),
            nodes: Vec::new(),
            branches: Vec::new(),
            patterns: Vec::new(),
            pattern_ids: Default::default(),
        }
    }

    /// The node of `place`, whose value is `value`.
    fn node_for(&mut self, place: Place, value: Option<&'a Value>) -> NodeId {
        let key = (place.document, place.pointer.clone());
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.nodes.len();
        self.ids.insert(key, id);
        self.places.push(place);
        self.values.push(value);
        self.nodes.push(Node::default());
        id
    }

    /// The node of `value`, found at `suffix` below `parent`.
    fn child(&mut self, parent: &Place, suffix: &str, value: &'a Value) -> NodeId {
        let place = Place {
            document: parent.document,
            pointer: format!("{}{suffix}", parent.pointer),
        };
        self.node_for(place, Some(value))
    }

    fn build(mut self, root: Place) -> Result<Option<Program>, String> {
        let pinned: &'a Pinned<'a> = self.pinned;
        let value = pinned.schema_at(&root);
        let root = self.node_for(root, value);
        // Pass 1: the graph of every reachable sub-schema (each place once).
        let mut next = 0;
        while next < self.nodes.len() {
            if self.nodes.len() > MAX_PROGRAM_NODES {
                return Err(format!(
                    "schema has more than {MAX_PROGRAM_NODES} sub-schemas"
                ));
            }
            let place = self.places[next].clone();
            self.fill(next, &place);
            next += 1;
        }
        // Pass 2: relevance, propagated from nodes with a `reduce` to every
        // node that reaches them.
        let mut parents: Vec<Vec<NodeId>> = vec![Vec::new(); self.nodes.len()];
        for (id, node) in self.nodes.iter().enumerate() {
            for child in node.children() {
                parents[child].push(id);
            }
        }
        let mut work: Vec<NodeId> = (0..self.nodes.len())
            .filter(|&id| self.nodes[id].reduce.is_some())
            .collect();
        for &id in &work {
            self.nodes[id].relevant = true;
        }
        while let Some(id) = work.pop() {
            for &parent in &parents[id] {
                if !self.nodes[parent].relevant {
                    self.nodes[parent].relevant = true;
                    work.push(parent);
                }
            }
        }
        if !self.nodes[root].relevant {
            return Ok(None);
        }
        // Pass 3: validators for the branches that matter.
        for id in 0..self.nodes.len() {
            if !self.nodes[id].relevant {
                continue;
            }
            let mut any_of = std::mem::take(&mut self.nodes[id].any_of);
            let mut one_of = std::mem::take(&mut self.nodes[id].one_of);
            for member in any_of.iter_mut().chain(one_of.iter_mut()) {
                if self.nodes[member.0].relevant {
                    member.1 = self.branch_validator(member.0)?;
                }
            }
            any_of.retain(|m| self.nodes[m.0].relevant);
            one_of.retain(|m| self.nodes[m.0].relevant);
            self.nodes[id].any_of = any_of;
            self.nodes[id].one_of = one_of;
            if let Some((condition, _)) = self.nodes[id].condition {
                let node = &self.nodes[id];
                let matters = [Some(condition), node.then_, node.else_]
                    .into_iter()
                    .flatten()
                    .any(|n| self.nodes[n].relevant);
                if matters {
                    let validator = self.branch_validator(condition)?;
                    self.nodes[id].condition = Some((condition, validator));
                } else {
                    let node = &mut self.nodes[id];
                    (node.condition, node.then_, node.else_) = (None, None, None);
                }
            }
        }
        Ok(Some(Program {
            nodes: self.nodes,
            root,
            branches: self.branches,
            patterns: self.patterns,
        }))
    }

    fn branch_validator(&mut self, node: NodeId) -> Result<usize, String> {
        let uri = self.index.canonical_uri(&self.places[node]);
        self.branches
            .push(self.index.build_validator(self.registry, &uri)?);
        Ok(self.branches.len() - 1)
    }

    fn pattern(&mut self, pattern: &str) -> usize {
        if let Some(&id) = self.pattern_ids.get(pattern) {
            return id;
        }
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft201909)
            .build(&serde_json::json!({ "pattern": pattern }))
            .ok();
        self.patterns.push(validator);
        self.pattern_ids
            .insert(pattern.to_string(), self.patterns.len() - 1);
        self.patterns.len() - 1
    }

    fn fill(&mut self, id: NodeId, place: &Place) {
        let Some(Value::Object(schema)) = self.values[id] else {
            return; // Boolean schemas carry no annotations.
        };
        let mut node = Node {
            reduce: keywords::get(schema, "reduce").and_then(|r| parse_strategy(r).ok()),
            ..Node::default()
        };
        if let Some(Value::String(reference)) = keywords::get(schema, "$ref") {
            let index: &'a SchemaIndex = self.index;
            let pinned: &'a Pinned<'a> = self.pinned;
            if let Ok(target) = index.base_at(place).join(reference)
                && let Some(target) = index.place_of(&target)
                && let Some(value) = pinned.schema_at(&target)
            {
                node.refs.push(self.node_for(target, Some(value)));
            }
        }
        let schema_at = |key| keywords::get(schema, key).filter(|v| keywords::is_schema(v));
        for (keyword, value) in schema {
            let prefix = pointer::join("", keyword);
            match (keyword.as_str(), value) {
                ("allOf" | "anyOf" | "oneOf", Value::Array(members)) => {
                    for (i, member) in members.iter().enumerate() {
                        if !keywords::is_schema(member) {
                            continue;
                        }
                        let child = self.child(place, &format!("{prefix}/{i}"), member);
                        match keyword.as_str() {
                            "allOf" => node.all_of.push(child),
                            "anyOf" => node.any_of.push((child, 0)),
                            _ => node.one_of.push((child, 0)),
                        }
                    }
                }
                ("if", v) if keywords::is_schema(v) => {
                    node.condition = Some((self.child(place, &prefix, v), 0));
                    if let Some(then_) = schema_at("then") {
                        node.then_ = Some(self.child(place, "/then", then_));
                    }
                    if let Some(else_) = schema_at("else") {
                        node.else_ = Some(self.child(place, "/else", else_));
                    }
                }
                ("dependentSchemas", Value::Object(map)) => {
                    for (name, sub) in map {
                        if keywords::is_schema(sub) {
                            let child = self.child(place, &pointer::join(&prefix, name), sub);
                            node.dependent.push((name.clone(), child));
                        }
                    }
                }
                ("properties", Value::Object(map)) => {
                    for (name, sub) in map {
                        if keywords::is_schema(sub) {
                            let child = self.child(place, &pointer::join(&prefix, name), sub);
                            node.properties.push((name.clone(), child));
                        }
                    }
                }
                ("patternProperties", Value::Object(map)) => {
                    for (pattern, sub) in map {
                        if keywords::is_schema(sub) {
                            let child = self.child(place, &pointer::join(&prefix, pattern), sub);
                            let regex = self.pattern(pattern);
                            node.pattern_properties.push((regex, child));
                        }
                    }
                }
                ("additionalProperties", v) if keywords::is_schema(v) => {
                    node.additional_properties = Some(self.child(place, &prefix, v));
                }
                ("items", Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        if keywords::is_schema(item) {
                            node.tuple
                                .push(self.child(place, &format!("/items/{i}"), item));
                        } else {
                            break;
                        }
                    }
                    if let Some(additional) = schema_at("additionalItems") {
                        node.additional_items =
                            Some(self.child(place, "/additionalItems", additional));
                    }
                }
                ("items", v) if keywords::is_schema(v) => {
                    node.items = Some(self.child(place, &prefix, v));
                }
                _ => {}
            }
        }
        self.nodes[id] = node;
    }
}

impl Program {
    fn branch_valid(&self, validator: usize, instance: &Value) -> bool {
        self.branches[validator].is_valid(instance)
    }

    /// Annotates `instance` (at `location`) with node `id` and everything it
    /// applies. `seen[here..]` lists the nodes already applied at this
    /// location: applying one twice adds nothing (first annotation wins), so
    /// it is skipped, which also ends in-place `$ref` cycles and keeps
    /// repeated `allOf` members from multiplying the work.
    fn walk(&self, id: NodeId, instance: &Value, at: &mut Cursor<'_>, here: usize, depth: usize) {
        let node = &self.nodes[id];
        if !node.relevant || depth > MAX_WALK_DEPTH || at.seen[here..].contains(&id) {
            return;
        }
        at.seen.push(id);
        if let Some(strategy) = &node.reduce
            && !at.out.contains_key(at.location.as_str())
        {
            at.out.insert(at.location.clone(), strategy.clone());
        }
        for applicator in IN_PLACE {
            match applicator {
                InPlace::Ref => {
                    for &child in &node.refs {
                        self.walk(child, instance, at, here, depth + 1);
                    }
                }
                InPlace::AllOf => {
                    for &child in &node.all_of {
                        self.walk(child, instance, at, here, depth + 1);
                    }
                }
                InPlace::AnyOf => {
                    for &(member, validator) in &node.any_of {
                        if self.branch_valid(validator, instance) {
                            self.walk(member, instance, at, here, depth + 1);
                        }
                    }
                }
                InPlace::OneOf => {
                    for &(member, validator) in &node.one_of {
                        if self.branch_valid(validator, instance) {
                            self.walk(member, instance, at, here, depth + 1);
                            break;
                        }
                    }
                }
                InPlace::IfThenElse => {
                    if let Some((condition, validator)) = node.condition {
                        if self.branch_valid(validator, instance) {
                            self.walk(condition, instance, at, here, depth + 1);
                            if let Some(then_) = node.then_ {
                                self.walk(then_, instance, at, here, depth + 1);
                            }
                        } else if let Some(else_) = node.else_ {
                            self.walk(else_, instance, at, here, depth + 1);
                        }
                    }
                }
            }
        }
        match instance {
            Value::Object(map) => {
                for (name, member) in &node.dependent {
                    if map.contains_key(name) {
                        self.walk(*member, instance, at, here, depth + 1);
                    }
                }
                let scans_all =
                    !node.pattern_properties.is_empty() || node.additional_properties.is_some();
                if !scans_all {
                    for (name, child) in &node.properties {
                        if let Some(value) = map.get(name) {
                            self.walk_child(*child, value, name, at, depth);
                        }
                    }
                    return;
                }
                for (name, value) in map {
                    let mut matched = false;
                    for (property, child) in &node.properties {
                        if property == name {
                            matched = true;
                            self.walk_child(*child, value, name, at, depth);
                        }
                    }
                    for &(pattern, child) in &node.pattern_properties {
                        let is_match = self.patterns[pattern]
                            .as_ref()
                            .is_some_and(|p| p.is_valid(&Value::String(name.clone())));
                        if is_match {
                            matched = true;
                            self.walk_child(child, value, name, at, depth);
                        }
                    }
                    if let (false, Some(child)) = (matched, node.additional_properties) {
                        self.walk_child(child, value, name, at, depth);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let child = match node.tuple.get(i) {
                        Some(&child) => Some(child),
                        None if node.tuple.is_empty() => node.items,
                        None => node.additional_items,
                    };
                    if let Some(child) = child {
                        self.walk_child(child, item, &i.to_string(), at, depth);
                    }
                }
            }
            _ => {}
        }
    }

    fn walk_child(
        &self,
        id: NodeId,
        value: &Value,
        token: &str,
        at: &mut Cursor<'_>,
        depth: usize,
    ) {
        if !self.nodes[id].relevant {
            return;
        }
        let (length, here) = (at.location.len(), at.seen.len());
        pointer::push_token(&mut at.location, token);
        self.walk(id, value, at, here, depth + 1);
        at.location.truncate(length);
        at.seen.truncate(here);
    }
}

/// The annotation walk's position and output.
struct Cursor<'a> {
    location: String,
    out: &'a mut BTreeMap<String, Strategy>,
    /// Nodes applied at each location of the current path (see `walk`).
    seen: Vec<NodeId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    const INLINE: &str = "file:///p/x.flow.yaml?ptr=/collections/0/schema";

    fn compile_inline(schema: Value) -> Validator {
        let mut index = SchemaIndex::new();
        index.add_document(url(INLINE), schema);
        index.compile(&url(INLINE)).unwrap()
    }

    /// Inline documents of the same self-contained text share one compiled
    /// validator (a catalog's registers of `{type: integer}`); one that
    /// refers or names something, or differs, does not; forgetting one
    /// place's validator forgets the shared one too.
    #[test]
    fn documents_of_the_same_self_contained_text_share_a_validator() {
        use model::compact::Json;
        let register = json!({"type": "integer", "reduce": {"strategy": "sum"}});
        let with_ref = json!({"$defs": {"n": {"type": "integer"}}, "$ref": "#/$defs/n"});
        let documents = [
            ("a", register.clone()),
            ("b", register.clone()),
            ("c", json!({"type": "integer"})),
            ("d", with_ref.clone()),
            ("e", with_ref),
        ];
        let mut index = SchemaIndex::new();
        let urls: Vec<Url> = documents
            .iter()
            .map(|(name, value)| {
                let url = url(&format!(
                    "file:///p/flow.yaml?ptr=/collections/{name}/schema"
                ));
                let json = Arc::new(Json::compact(value.clone()));
                index.add_prepared(Arc::new(crate::index::Document::new(&url, json)));
                url
            })
            .collect();
        let mut builds = Vec::new();
        for url in &urls {
            let validator = index.compile(url).unwrap();
            assert!(validator.validate(&json!(2)).is_ok(), "{url}");
            assert_eq!(
                validator.validate(&json!("x")).unwrap_err()[0].instance_pointer,
                ""
            );
            builds.push(index.stats().validator_builds);
        }
        // a, then b shares a's; c; d; e does not share d's (it has a `$ref`).
        assert_eq!(builds, [1, 1, 2, 3, 4]);
        assert_eq!(index.stats().compilations, 5, "each place asked once");
        let sum = index.compile(&urls[1]).unwrap();
        assert_eq!(strategies(&sum, json!(2)), pairs(&[("", "sum")]));
        index.forget_validator(&urls[0]);
        index.compile(&urls[1]).unwrap();
        assert_eq!(
            index.stats().validator_builds,
            4,
            "b's place is still cached"
        );
        index.forget_validator(&urls[1]);
        index.compile(&urls[0]).unwrap();
        assert_eq!(index.stats().validator_builds, 5, "compiled again");
        for (text, shared) in [
            (r##"{"type":"integer"}"##, true),
            (r##"{"$ref":"x.yaml"}"##, false),
            (r##"{"items":{"$dynamicRef":"#n"}}"##, false),
            (r##"{"$anchor":"n"}"##, false),
            (r##"{"$id":"x.yaml"}"##, false),
            (
                r##"{"$schema":"https://json-schema.org/draft/2019-09/schema"}"##,
                false,
            ),
            (r##"{"description":"see \"$ref\""}"##, false),
        ] {
            assert_eq!(compiled::self_contained(text), shared, "{text}");
        }
    }

    fn strategies(validator: &Validator, doc: Value) -> Vec<(String, String)> {
        let annotations = validator.validate(&doc).unwrap();
        annotations
            .by_location
            .iter()
            .map(|(k, v)| (k.clone(), v.name().to_string()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    /// reductions/reset_counter.flow.yaml
    fn reset_counter() -> Value {
        json!({
            "type": "object",
            "properties": {"key": {"type": "string"}, "value": {"type": "number"}},
            "required": ["key"],
            "oneOf": [
                {"properties": {"action": {"const": "reset"}}, "reduce": {"strategy": "lastWriteWins"}},
                {
                    "properties": {
                        "action": {"const": "sum", "reduce": {"strategy": "firstWriteWins"}},
                        "value": {"reduce": {"strategy": "sum"}}
                    },
                    "reduce": {"strategy": "merge"}
                }
            ]
        })
    }

    #[test]
    fn reset_counter_picks_the_valid_one_of_branch() {
        let v = compile_inline(reset_counter());
        assert!(v.has_annotations());
        assert_eq!(
            strategies(&v, json!({"key": "k", "action": "sum", "value": 5})),
            pairs(&[
                ("", "merge"),
                ("/action", "firstWriteWins"),
                ("/value", "sum")
            ])
        );
        assert_eq!(
            strategies(&v, json!({"key": "k", "action": "reset", "value": 0})),
            pairs(&[("", "lastWriteWins")])
        );
        let errors = v
            .validate(&json!({"key": "k", "action": "other"}))
            .unwrap_err();
        assert!(!errors.is_empty());
    }

    #[test]
    fn min_max_key_own_reduce_beats_ref() {
        let v = compile_inline(json!({
            "type": "object",
            "reduce": {"strategy": "merge"},
            "properties": {
                "key": {"type": "string"},
                "min": {
                    "$anchor": "min-max-value",
                    "type": "array",
                    "items": [{"type": "string"}, {"type": "number", "reduce": {"strategy": "sum"}}],
                    "reduce": {"strategy": "minimize", "key": ["/0"]}
                },
                "max": {"$ref": "#min-max-value", "reduce": {"strategy": "maximize", "key": ["/0"]}}
            },
            "required": ["key"]
        }));
        assert_eq!(
            strategies(&v, json!({"key": "key", "min": ["a", 1], "max": ["a", 1]})),
            pairs(&[
                ("", "merge"),
                ("/max", "maximize"),
                ("/max/1", "sum"),
                ("/min", "minimize"),
                ("/min/1", "sum"),
            ])
        );
        let annotations = v.validate(&json!({"key": "k", "max": ["a", 1]})).unwrap();
        assert_eq!(
            annotations.strategy_at("/max"),
            Some(&Strategy::Maximize {
                key: vec!["/0".into()]
            })
        );
    }

    #[test]
    fn re_key_one_of_toggles_append_across_documents() {
        let mut index = SchemaIndex::new();
        index.add_document(
            url("file:///p/re-key/schema.yaml"),
            json!({
                "$schema": "https://json-schema.org/draft/2019-09/schema",
                "$defs": {
                    "anonymous_event": {
                        "type": "object",
                        "properties": {"anonymous_id": {"type": "string"}, "event_id": {"type": "string"}},
                        "required": ["anonymous_id", "event_id"]
                    },
                    "join_register": {
                        "type": "object",
                        "reduce": {"strategy": "merge"},
                        "oneOf": [
                            {
                                "properties": {
                                    "stable_id": false,
                                    "events": {
                                        "type": "array",
                                        "items": {"$ref": "schema.yaml#/$defs/anonymous_event"},
                                        "reduce": {"strategy": "append"}
                                    }
                                },
                                "required": ["events"]
                            },
                            {
                                "properties": {"stable_id": {"type": "string"}, "events": {"const": null}},
                                "required": ["events", "stable_id"]
                            }
                        ]
                    }
                }
            }),
        );
        let v = index
            .compile(&url("file:///p/re-key/schema.yaml#/$defs/join_register"))
            .unwrap();
        let event = json!({"anonymous_id": "a", "event_id": "e"});
        assert_eq!(
            strategies(&v, json!({"events": [event]})),
            pairs(&[("", "merge"), ("/events", "append")])
        );
        assert_eq!(
            strategies(&v, json!({"events": null, "stable_id": "s"})),
            pairs(&[("", "merge")])
        );
        assert!(
            v.validate(&json!({"events": [{"anonymous_id": 1}]}))
                .is_err()
        );
    }

    #[test]
    fn precedence_in_place_before_direct_properties() {
        let v = compile_inline(json!({
            "reduce": {"strategy": "merge"},
            "properties": {"a": {"reduce": {"strategy": "sum"}}},
            "allOf": [
                {"properties": {"a": {"reduce": {"strategy": "maximize"}}}},
                {"properties": {"a": {"reduce": {"strategy": "minimize"}}}, "reduce": {"strategy": "append"}}
            ],
            "anyOf": [{"required": ["zzz"], "properties": {"b": {"reduce": {"strategy": "sum"}}}}, true],
            "if": {"required": ["c"]},
            "then": {"properties": {"c": {"reduce": {"strategy": "append"}}}},
            "else": {"properties": {"d": {"reduce": {"strategy": "append"}}}},
            "not": {"required": ["zz"], "properties": {"e": {"reduce": {"strategy": "append"}}}}
        }));
        assert_eq!(
            strategies(&v, json!({"a": 1, "b": 2, "c": [], "e": 1})),
            pairs(&[("", "merge"), ("/a", "maximize"), ("/c", "append")])
        );
        assert_eq!(
            strategies(&v, json!({"a": 1, "d": [], "zzz": 1, "b": 2})),
            pairs(&[
                ("", "merge"),
                ("/a", "maximize"),
                ("/b", "sum"),
                ("/d", "append")
            ])
        );
    }

    #[test]
    fn pattern_and_additional_properties_and_items() {
        let v = compile_inline(json!({
            "reduce": {"strategy": "merge"},
            "properties": {"n": {"reduce": {"strategy": "sum"}}},
            "patternProperties": {"^p": {"reduce": {"strategy": "append"}}},
            "additionalProperties": {"reduce": {"strategy": "firstWriteWins"}, "items": {"reduce": {"strategy": "sum"}}}
        }));
        assert_eq!(
            strategies(&v, json!({"n": 1, "px": [], "other/x": [1, 2]})),
            pairs(&[
                ("", "merge"),
                ("/n", "sum"),
                ("/other~1x", "firstWriteWins"),
                ("/other~1x/0", "sum"),
                ("/other~1x/1", "sum"),
                ("/px", "append"),
            ])
        );
    }

    #[test]
    fn cross_document_refs_anchors_and_no_format_validation() {
        let mut index = SchemaIndex::new();
        index.add_document(
            url("file:///p/schema.yaml"),
            json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "$defs": {
                    "int": {"$anchor": "Int", "type": "integer", "reduce": {"strategy": "sum"}},
                    "spaced name": {"type": "string"}
                }
            }),
        );
        index.add_document(
            url(INLINE),
            json!({
                "type": "object",
                "reduce": {"strategy": "merge"},
                "properties": {
                    "i": {"$ref": "schema.yaml#Int"},
                    "s": {"$ref": "schema.yaml#/$defs/spaced%20name"},
                    "t": {"type": "string", "format": "date-time"}
                }
            }),
        );
        let v = index.compile(&url(INLINE)).unwrap();
        assert_eq!(
            strategies(&v, json!({"i": 1, "s": "x", "t": "2020-01-04 15:22:01"})),
            pairs(&[("", "merge"), ("/i", "sum")])
        );
        let errors = v.validate(&json!({"i": 1.5, "s": 2})).unwrap_err();
        let at: Vec<&str> = errors.iter().map(|e| e.instance_pointer.as_str()).collect();
        assert_eq!(at, vec!["/i", "/s"]);
        assert!(
            errors[0].message.contains("integer"),
            "{}",
            errors[0].message
        );
        // Relative to the document that holds the keyword (schema.yaml).
        assert_eq!(errors[0].schema_pointer, "/$defs/int/type");
        // `1.0` is an integer (catalog.md §6.1).
        assert!(v.is_valid(&json!({"i": 1.0})));
    }

    #[test]
    fn schemas_without_reduce_have_no_program() {
        let v = compile_inline(
            json!({"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}}),
        );
        assert!(!v.has_annotations());
        assert!(
            v.validate(&json!({"a": "x"}))
                .unwrap()
                .by_location
                .is_empty()
        );
    }

    #[test]
    fn compile_errors() {
        let mut index = SchemaIndex::new();
        index.add_document(url(INLINE), json!({"$ref": "missing.yaml"}));
        assert!(index.compile(&url(INLINE)).is_err());
        assert!(
            index
                .compile(&url("file:///p/nope.yaml"))
                .unwrap_err()
                .contains("cannot be resolved")
        );
    }

    #[test]
    fn ref_cycles_validate_and_annotate() {
        let v = compile_inline(json!({
            "$defs": {"tree": {
                "type": "object",
                "reduce": {"strategy": "merge"},
                "properties": {"n": {"reduce": {"strategy": "sum"}}, "kids": {"additionalProperties": {"$ref": "#/$defs/tree"}}}
            }},
            "$ref": "#/$defs/tree"
        }));
        assert_eq!(
            strategies(&v, json!({"n": 1, "kids": {"a": {"n": 2, "kids": {}}}})),
            pairs(&[
                ("", "merge"),
                ("/kids/a", "merge"),
                ("/kids/a/n", "sum"),
                ("/n", "sum")
            ])
        );
    }

    #[test]
    fn in_place_ref_cycles_terminate() {
        let v = compile_inline(json!({
            "$defs": {
                "a": {"$ref": "#/$defs/b", "reduce": {"strategy": "merge"}},
                "b": {"$ref": "#/$defs/a", "properties": {"n": {"reduce": {"strategy": "sum"}}}}
            },
            "$ref": "#/$defs/a"
        }));
        assert_eq!(
            strategies(&v, json!({"n": 1})),
            pairs(&[("", "merge"), ("/n", "sum")])
        );
    }

    #[test]
    fn repeated_members_do_not_multiply_work() {
        let mut defs = serde_json::Map::new();
        defs.insert(
            "d0".into(),
            json!({"reduce": {"strategy": "merge"}, "allOf": [{"$ref": "#"}, {"$ref": "#"}]}),
        );
        // (The validator library itself takes time exponential in this depth.)
        for i in 1..16 {
            let prev = format!("#/$defs/d{}", i - 1);
            defs.insert(
                format!("d{i}"),
                json!({"allOf": [{"$ref": prev}, {"$ref": prev}]}),
            );
        }
        let v = compile_inline(json!({"$defs": defs, "$ref": "#/$defs/d11"}));
        assert_eq!(strategies(&v, json!({})), pairs(&[("", "merge")]));
    }

    #[test]
    fn unknown_meta_schemas_are_ignored_and_odd_names_work() {
        let v = compile_inline(json!({
            "$schema": "http://example.com/my-meta-schema",
            "reduce": {"strategy": "merge"},
            "properties": {
                "a b/c~d%": {"oneOf": [
                    {"type": "string", "reduce": {"strategy": "lastWriteWins"}},
                    {"type": "integer", "reduce": {"strategy": "sum"}}
                ]}
            }
        }));
        assert_eq!(
            strategies(&v, json!({"a b/c~d%": 1})),
            pairs(&[("", "merge"), ("/a b~1c~0d%", "sum")])
        );
        assert_eq!(
            strategies(&v, json!({"a b/c~d%": "x"})),
            pairs(&[("", "merge"), ("/a b~1c~0d%", "lastWriteWins")])
        );
    }

    #[test]
    fn dollar_schema_does_not_change_the_dialect() {
        let v = compile_inline(json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$defs": {"o": {"type": "object"}},
            "$ref": "#/$defs/o",
            "required": ["sibling"],
            "dependentRequired": {"a": ["b"]}
        }));
        assert!(v.is_valid(&json!({"sibling": 1})));
        assert!(!v.is_valid(&json!({})), "siblings of $ref apply (2019-09)");
        assert!(
            !v.is_valid(&json!({"sibling": 1, "a": 1})),
            "dependentRequired is asserted"
        );
    }
}
