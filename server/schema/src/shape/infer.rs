//! Inference of the shape of a schema (catalog.md §7.1), following `$ref`s
//! across the documents of a [`SchemaIndex`]. A `$ref` to a schema that is
//! already being expanded (a cycle) is treated as unconstrained (§6.4);
//! nesting and total work are bounded so hostile schemas cannot exhaust the
//! stack or the clock.

// Shapes travel boxed along the recursion on purpose (small frames per
// level, see below), though a `Shape` is no longer large.
#![allow(clippy::boxed_local)]

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use url::Url;

use super::ops::{fallback, intersect, union};
use super::{
    Kind, Origin, Pattern, PatternProperty, Property, Reduction, Shape, StringShape, Types,
};
use crate::index::{Pinned, Place, SchemaIndex};
use crate::keywords;
use crate::pointer;
use crate::precedence::{IN_PLACE, InPlace};
use crate::reduce::parse_strategy;

/// Deepest nesting of sub-schemas expanded; deeper ones are unconstrained.
const MAX_DEPTH: usize = 64;
/// Most sub-schemas expanded for one inference; later ones are unconstrained.
const MAX_EXPANSIONS: usize = 100_000;

/// The shape of the schema at `uri`, or `None` if `uri` does not resolve.
pub fn infer(index: &SchemaIndex, uri: &Url) -> Option<Shape> {
    infer_shape(index, uri, true)
}

/// [`infer`] without [`Shape::origin`]s (every other fact is the same:
/// origins decide nothing else), for a shape kept long whose origins are
/// needed only to report a problem (see [`super::inspect`]).
pub fn infer_without_origins(index: &SchemaIndex, uri: &Url) -> Option<Shape> {
    infer_shape(index, uri, false)
}

fn infer_shape(index: &SchemaIndex, uri: &Url, origins: bool) -> Option<Shape> {
    let place = index.place_of(uri)?;
    let pinned = index.pinned();
    pinned.schema_at(&place)?;
    let mut inferrer = Inferrer {
        index,
        pinned: &pinned,
        path: Vec::new(),
        path_text: String::new(),
        expansions: 0,
        patterns: HashMap::new(),
        documents: HashMap::new(),
        origins,
    };
    let mut shape = *inferrer.infer(&place);
    compact(&mut shape);
    Some(shape)
}

/// Drops the slack of every list in a finished shape, and the facts that
/// inference allocated but left empty (the checks keep one shape per schema
/// for the whole build). An explicit work list: shapes nest as deep as
/// their schemas.
fn compact(shape: &mut Shape) {
    let mut work = vec![shape];
    while let Some(shape) = work.pop() {
        let Shape {
            annotations,
            string,
            object,
            array,
            ..
        } = shape;
        annotations.drop_if_empty();
        string.drop_if_empty();
        object.drop_if_empty();
        array.drop_if_empty();
        if let Some(values) = annotations
            .get_mut()
            .and_then(|annotations| annotations.enum_values.as_mut())
        {
            values.shrink_to_fit();
        }
        if let Some(object) = object.get_mut() {
            object.properties.shrink_to_fit();
            object.patterns.shrink_to_fit();
            work.extend(object.properties.iter_mut().map(|p| &mut p.shape));
            work.extend(object.patterns.iter_mut().map(|p| &mut p.shape));
            work.extend(object.additional.as_deref_mut());
        }
        if let Some(array) = array.get_mut() {
            array.tuple.shrink_to_fit();
            work.extend(array.tuple.iter_mut());
            work.extend(array.additional.as_deref_mut());
        }
    }
}

struct Inferrer<'a> {
    index: &'a SchemaIndex,
    /// The documents read so far, held while inference runs.
    pinned: &'a Pinned<'a>,
    /// Places being expanded, outermost first.
    /// Each one's document and where its pointer ends in `path_text` (the
    /// pointers side by side: no string per expanded sub-schema).
    path: Vec<(usize, usize)>,
    path_text: String,
    expansions: usize,
    patterns: HashMap<String, Pattern>,
    /// Each document's URL, shared by the origins of the shapes found in it.
    documents: HashMap<usize, Arc<Url>>,
    /// Whether shapes record their origins.
    origins: bool,
}

// Inference recurses once per nested sub-schema. To keep each level's stack
// frames small (even in debug builds, which do not share frame slots between
// temporaries), shapes travel boxed along the recursion and all by-value shape
// work happens in `#[inline(never)]` helpers that do not recurse.
impl<'a> Inferrer<'a> {
    fn pattern(&mut self, source: &str) -> Pattern {
        self.patterns
            .entry(source.to_string())
            .or_insert_with(|| Pattern::new(source))
            .clone()
    }

    /// Whether `place` is being expanded (is on the path).
    fn is_expanding(&self, place: &Place) -> bool {
        let mut start = 0;
        self.path.iter().any(|&(document, end)| {
            let pointer = &self.path_text[start..end];
            start = end;
            document == place.document && pointer == place.pointer
        })
    }

    /// The shape of `schema`, the value at `suffix` below `parent` (handed
    /// down rather than found again from the document's root).
    fn child(&mut self, parent: &Place, suffix: &str, schema: &'a Value) -> Box<Shape> {
        let place = Place {
            document: parent.document,
            pointer: format!("{}{suffix}", parent.pointer),
        };
        self.infer_at(&place, Some(schema))
    }

    fn infer(&mut self, place: &Place) -> Box<Shape> {
        let pinned: &'a Pinned<'a> = self.pinned;
        self.infer_at(place, pinned.schema_at(place))
    }

    /// The shape of the value `schema` found at `place` (not a schema:
    /// unconstrained).
    fn infer_at(&mut self, place: &Place, schema: Option<&'a Value>) -> Box<Shape> {
        self.expansions += 1;
        if self.path.len() >= MAX_DEPTH || self.expansions > MAX_EXPANSIONS {
            return Box::new(Shape::anything());
        }
        let index = self.index;
        let Some(schema) = schema.filter(|value| keywords::is_schema(value)) else {
            return Box::new(Shape::anything());
        };
        self.path_text.push_str(&place.pointer);
        self.path.push((place.document, self.path_text.len()));
        let origin = self.origins.then(|| {
            let document = self
                .documents
                .entry(place.document)
                .or_insert_with(|| Arc::new(index.doc(place.document).url.clone()));
            Box::new(Origin::new(Arc::clone(document), &place.pointer))
        });
        let shape = match schema {
            Value::Object(map) => {
                let mut shape = own_keywords(map, origin);
                self.sub_schemas(place, map, &mut shape);
                self.applicators(place, map, &mut shape);
                shape
            }
            Value::Bool(true) => with_origin(Shape::anything(), origin),
            _ => with_origin(Shape::never(), origin),
        };
        self.path.pop();
        self.path_text
            .truncate(self.path.last().map_or(0, |&(_, end)| end));
        shape
    }

    /// `patternProperties`, `additionalProperties`, `properties`, `required`,
    /// `items`, `additionalItems`.
    fn sub_schemas(
        &mut self,
        place: &Place,
        map: &'a serde_json::Map<String, Value>,
        shape: &mut Shape,
    ) {
        if let Some(Value::Object(patterns)) = keywords::get(map, "patternProperties") {
            for (source, sub) in patterns {
                if keywords::is_schema(sub) {
                    let pattern = self.pattern(source);
                    let sub = self.child(place, &pointer::join("/patternProperties", source), sub);
                    push_pattern(shape, pattern, sub);
                }
            }
        }
        if let Some(sub) =
            keywords::get(map, "additionalProperties").filter(|v| keywords::is_schema(v))
        {
            shape.object.additional = Some(self.child(place, "/additionalProperties", sub));
        }
        if let Some(Value::Object(properties)) = keywords::get(map, "properties") {
            // One allocation for the list (the facts exist once a property does).
            let count = properties
                .values()
                .filter(|v| keywords::is_schema(v))
                .count();
            if count > 0 {
                shape.object.properties.reserve_exact(count);
            }
            for (name, sub) in properties {
                if keywords::is_schema(sub) {
                    let sub = self.child(place, &pointer::join("/properties", name), sub);
                    push_property(shape, name, sub);
                }
            }
        }
        if let Some(Value::Array(required)) = keywords::get(map, "required") {
            for name in required.iter().filter_map(Value::as_str) {
                mark_required(shape, name);
            }
        }
        match keywords::get(map, "items") {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if !keywords::is_schema(item) {
                        break;
                    }
                    let item = self.child(place, &format!("/items/{i}"), item);
                    push_item(shape, item);
                }
                if let Some(sub) =
                    keywords::get(map, "additionalItems").filter(|v| keywords::is_schema(v))
                {
                    shape.array.additional = Some(self.child(place, "/additionalItems", sub));
                }
            }
            Some(item) if keywords::is_schema(item) => {
                shape.array.additional = Some(self.child(place, "/items", item));
            }
            _ => {}
        }
    }

    /// The shapes of the members of array applicator `keyword` (`allOf`,
    /// `anyOf`, `oneOf`) folded with `op`, or `None` when it is absent.
    fn members(
        &mut self,
        place: &Place,
        map: &'a serde_json::Map<String, Value>,
        keyword: &str,
        op: fn(Box<Shape>, Box<Shape>) -> Box<Shape>,
    ) -> Option<Box<Shape>> {
        let Some(Value::Array(members)) = keywords::get(map, keyword) else {
            return None;
        };
        let mut folded: Option<Box<Shape>> = None;
        for (i, member) in members.iter().enumerate() {
            let member = self.child(place, &format!("/{keyword}/{i}"), member);
            folded = Some(combine(folded, member, op));
        }
        folded
    }

    /// Steps 3–6 of §7.1: `$ref` and `allOf`, unions of `anyOf` and `oneOf`,
    /// `if`/`then`/`else`, `unevaluated*`. The in-place applicators are
    /// intersected with each other first, in the precedence order of
    /// [`crate::precedence`], and the result applied to the schema's own
    /// shape: the schema's own annotations win for itself, the applicators'
    /// win for its children (as at runtime).
    fn applicators(
        &mut self,
        place: &Place,
        map: &'a serde_json::Map<String, Value>,
        shape: &mut Shape,
    ) {
        let mut applied: Option<Box<Shape>> = None;
        for applicator in IN_PLACE {
            let part = match applicator {
                InPlace::Ref => self.reference(place, map),
                InPlace::AllOf => self.members(place, map, "allOf", intersect_boxed),
                InPlace::AnyOf => self.members(place, map, "anyOf", union_boxed),
                InPlace::OneOf => self.members(place, map, "oneOf", union_boxed),
                InPlace::IfThenElse => {
                    let schema = |key| keywords::get(map, key).filter(|v| keywords::is_schema(v));
                    match (keywords::get(map, "if"), schema("then"), schema("else")) {
                        (Some(_), Some(then_), Some(else_)) => {
                            let then_ = self.child(place, "/then", then_);
                            let else_ = self.child(place, "/else", else_);
                            Some(union_boxed(then_, else_))
                        }
                        _ => None,
                    }
                }
            };
            if let Some(part) = part {
                applied = Some(combine(applied, part, intersect_boxed));
            }
        }
        if let Some(applied) = applied {
            apply_in_place(shape, applied);
        }
        if shape.object.additional.is_none()
            && let Some(sub) =
                keywords::get(map, "unevaluatedProperties").filter(|v| keywords::is_schema(v))
        {
            shape.object.additional = Some(self.child(place, "/unevaluatedProperties", sub));
        }
        if shape.array.additional.is_none()
            && let Some(sub) =
                keywords::get(map, "unevaluatedItems").filter(|v| keywords::is_schema(v))
        {
            shape.array.additional = Some(self.child(place, "/unevaluatedItems", sub));
        }
    }

    /// The shape of the `$ref` target, unless it is being expanded (a cycle).
    fn reference(
        &mut self,
        place: &Place,
        map: &'a serde_json::Map<String, Value>,
    ) -> Option<Box<Shape>> {
        let Some(Value::String(reference)) = keywords::get(map, "$ref") else {
            return None;
        };
        let target = self.index.base_at(place).join(reference).ok()?;
        let target = self.index.place_of(&target)?;
        if self.is_expanding(&target) {
            return None;
        }
        Some(self.infer(&target))
    }
}

/// `next` combined into `so_far` (or `next` alone when it is the first).
fn combine(
    so_far: Option<Box<Shape>>,
    next: Box<Shape>,
    op: fn(Box<Shape>, Box<Shape>) -> Box<Shape>,
) -> Box<Shape> {
    match so_far {
        Some(so_far) => op(so_far, next),
        None => next,
    }
}

/// Intersects the in-place applicators' shape into a schema's own shape:
/// the own side is left (wins) for the location itself, the applied side is
/// left for children (properties, items), per [`crate::precedence`].
#[inline(never)]
fn apply_in_place(own: &mut Shape, applied: Box<Shape>) {
    let mut applied = applied;
    std::mem::swap(&mut own.object, &mut applied.object);
    std::mem::swap(&mut own.array, &mut applied.array);
    // Array bounds are symmetric; only the children's order mattered.
    intersect_into(own, applied);
}

#[inline(never)]
fn with_origin(shape: Shape, origin: Option<Box<Origin>>) -> Box<Shape> {
    Box::new(Shape { origin, ..shape })
}

/// Step 2 of §7.1 for the keywords that hold no sub-schema.
#[inline(never)]
fn own_keywords(map: &serde_json::Map<String, Value>, origin: Option<Box<Origin>>) -> Box<Shape> {
    let mut shape = Box::new(Shape {
        origin,
        ..Shape::anything()
    });
    let string = |key: &str| {
        keywords::get(map, key)
            .and_then(Value::as_str)
            .map(Box::<str>::from)
    };
    let count = |key: &str| keywords::get(map, key).and_then(Value::as_u64);
    match keywords::get(map, "type") {
        Some(Value::String(name)) => shape.types = Types::from_name(name).unwrap_or(Types::ALL),
        Some(Value::Array(names)) => {
            shape.types = names
                .iter()
                .filter_map(|n| n.as_str().and_then(Types::from_name))
                .fold(Types::NONE, Types::union);
        }
        _ => {}
    }
    let enum_values = match (keywords::get(map, "const"), keywords::get(map, "enum")) {
        (Some(value), _) => Some(vec![value.clone()]),
        (None, Some(Value::Array(values))) => Some(values.clone()),
        _ => None,
    };
    if let Some(values) = enum_values {
        let enum_types = values
            .iter()
            .map(Types::of_value)
            .fold(Types::NONE, Types::union);
        shape.types = shape.types & enum_types;
        shape.annotations.enum_values = Some(values);
    }
    let (title, description) = (string("title"), string("description"));
    if title.is_some() || description.is_some() {
        shape.annotations.title = title;
        shape.annotations.description = description;
    }
    // Facts are allocated only when the schema states one.
    let facts = StringShape {
        format: string("format"),
        content_type: string("contentMediaType"),
        content_encoding: string("contentEncoding"),
        min_length: count("minLength"),
        max_length: count("maxLength"),
    };
    if !facts.is_empty() {
        *shape.string = facts;
    }
    let (min_items, max_items) = (count("minItems"), count("maxItems"));
    if min_items.is_some() || max_items.is_some() {
        shape.array.min_items = min_items;
        shape.array.max_items = max_items;
    }
    if let Some(strategy) = keywords::get(map, "reduce").and_then(|r| parse_strategy(r).ok()) {
        shape.reduction = Reduction::Strategy(strategy);
    }
    shape
}

#[inline(never)]
fn push_pattern(shape: &mut Shape, pattern: Pattern, sub: Box<Shape>) {
    shape.object.patterns.push(PatternProperty {
        pattern,
        shape: *sub,
    });
}

/// Adds a named property; the pattern shapes it matches hold for it too.
#[inline(never)]
fn push_property(shape: &mut Shape, name: &str, sub: Box<Shape>) {
    let mut sub = *sub;
    for p in shape
        .object
        .patterns
        .iter()
        .filter(|p| p.pattern.is_match(name))
    {
        sub = intersect(sub, p.shape.clone());
    }
    shape.object.properties.push(Property {
        name: name.into(),
        is_required: false,
        shape: sub,
    });
}

/// `required`: marks the property, creating it (shaped by the matching
/// patterns or the additional shape) if it was not declared.
#[inline(never)]
fn mark_required(shape: &mut Shape, name: &str) {
    match shape
        .object
        .properties
        .iter_mut()
        .find(|p| *p.name == *name)
    {
        Some(property) => property.is_required = true,
        None => {
            let sub = fallback(&shape.object.patterns, &shape.object.additional, name)
                .unwrap_or_else(Shape::anything);
            shape.object.properties.push(Property {
                name: name.into(),
                is_required: true,
                shape: sub,
            });
        }
    }
}

#[inline(never)]
fn push_item(shape: &mut Shape, item: Box<Shape>) {
    shape.array.tuple.push(*item);
}

#[inline(never)]
fn intersect_into(shape: &mut Shape, other: Box<Shape>) {
    let lhs = std::mem::replace(shape, Shape::never());
    *shape = intersect(lhs, *other);
}

#[inline(never)]
fn union_boxed(lhs: Box<Shape>, rhs: Box<Shape>) -> Box<Shape> {
    Box::new(union(*lhs, *rhs))
}

#[inline(never)]
fn intersect_boxed(lhs: Box<Shape>, rhs: Box<Shape>) -> Box<Shape> {
    let mut lhs = lhs;
    intersect_into(&mut lhs, rhs);
    lhs
}
