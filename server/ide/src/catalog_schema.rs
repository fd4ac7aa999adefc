//! What the catalog's own JSON Schema (generated from `model::spec`, the one
//! owner of the structure) says about a place in a catalog file: the
//! properties a mapping may have, with their descriptions, and whether a
//! place holds a user JSON Schema (an inline `schema`), where JSON Schema
//! keywords apply instead (see [`keywords`]).
//!
//! The schema value is generated once per process; each walk follows
//! `$ref`s into `$defs` and flattens `anyOf`/`oneOf`/`allOf` into the list
//! of alternatives a place may be.

use std::sync::LazyLock;

use serde_json::Value;

use crate::cursor::Segment;

static CATALOG: LazyLock<Value> = LazyLock::new(model::spec::catalog_json_schema);

/// The `$defs` entry standing for a user JSON Schema.
const INLINE_SCHEMA: &str = "#/$defs/InlineSchema";
/// Deepest `$ref`/`anyOf` nesting followed (the catalog schema is shallow).
const MAX_EXPAND: usize = 16;

/// One property a mapping may have.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyDoc {
    pub name: String,
    pub description: Option<String>,
    /// The JSON types its value may have (`object`, `string`, …).
    pub types: Vec<&'static str>,
    pub required: bool,
}

/// A place of a catalog file, as the catalog schema sees it.
#[derive(Debug, Clone, Default)]
pub struct Place {
    /// The schema alternatives of the place (after `$ref`s and unions).
    alternatives: Vec<&'static Value>,
    /// The place (or one of its alternatives) is a user JSON Schema;
    /// `user_from` is the length of the path prefix that reaches it.
    pub user_from: Option<usize>,
}

impl Place {
    /// Whether nothing in the catalog schema describes the place.
    pub fn is_unknown(&self) -> bool {
        self.alternatives.is_empty()
    }

    /// The properties of every mapping alternative, in schema order, each
    /// once.
    pub fn properties(&self) -> Vec<PropertyDoc> {
        let mut out: Vec<PropertyDoc> = Vec::new();
        for alternative in &self.alternatives {
            let Some(Value::Object(properties)) = alternative.get("properties") else {
                continue;
            };
            let required = |name: &str| {
                alternative
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|names| names.iter().any(|n| n == name))
            };
            for (name, schema) in properties {
                if out.iter().any(|property| &property.name == name) {
                    continue;
                }
                out.push(PropertyDoc {
                    name: name.clone(),
                    description: describe(schema, alternative, properties.len()),
                    types: types_of(schema),
                    required: required(name),
                });
            }
        }
        out
    }

    /// The documentation of property `name` here.
    pub fn property(&self, name: &str) -> Option<PropertyDoc> {
        self.properties()
            .into_iter()
            .find(|property| property.name == name)
    }

    /// The description of the place itself (its first alternative that has
    /// one).
    pub fn description(&self) -> Option<String> {
        self.alternatives
            .iter()
            .find_map(|schema| schema.get("description").and_then(Value::as_str))
            .map(str::to_string)
    }
}

/// The place `path` leads to from a catalog file's root.
pub fn place(path: &[Segment]) -> Place {
    let mut place = Place::default();
    expand(&CATALOG, &mut place, 0, 0);
    for (depth, segment) in path.iter().enumerate() {
        if place.user_from.is_some() {
            break;
        }
        let mut next = Place::default();
        for schema in &place.alternatives {
            let child = match segment {
                Segment::Key(key) => schema
                    .get("properties")
                    .and_then(|properties| properties.get(key))
                    .or_else(|| schema.get("additionalProperties").filter(|v| v.is_object())),
                Segment::Item(_) => schema.get("items").filter(|v| v.is_object()),
            };
            if let Some(child) = child {
                expand(child, &mut next, depth + 1, 0);
            }
        }
        place = next;
    }
    place
}

fn expand(schema: &'static Value, place: &mut Place, depth: usize, nesting: usize) {
    if nesting > MAX_EXPAND {
        return;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if reference == INLINE_SCHEMA {
            place.user_from.get_or_insert(depth);
            place.alternatives.push(schema);
            return;
        }
        if let Some(target) = reference
            .strip_prefix('#')
            .and_then(|pointer| CATALOG.pointer(pointer))
        {
            expand(target, place, depth, nesting + 1);
        }
    }
    let mut union = false;
    for keyword in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(members)) = schema.get(keyword) {
            union = true;
            for member in members {
                expand(member, place, depth, nesting + 1);
            }
        }
    }
    if !union && schema.get("$ref").is_none() {
        place.alternatives.push(schema);
    }
}

/// A property's description: its own, else its alternative's when that
/// alternative is only this property (a `oneOf` variant such as
/// `{nodeJS: …}`), else its `$ref` target's.
fn describe(schema: &Value, alternative: &Value, siblings: usize) -> Option<String> {
    let own = schema.get("description").and_then(Value::as_str);
    let variant = (siblings == 1)
        .then(|| alternative.get("description").and_then(Value::as_str))
        .flatten();
    let target = || {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| CATALOG.pointer(pointer))
            .and_then(|target| target.get("description"))
            .and_then(Value::as_str)
    };
    own.or(variant).or_else(target).map(str::to_string)
}

fn types_of(schema: &'static Value) -> Vec<&'static str> {
    let mut place = Place::default();
    expand(schema, &mut place, 0, 0);
    let mut types = Vec::new();
    for alternative in &place.alternatives {
        let names: Vec<&'static str> = match alternative.get("type") {
            Some(Value::String(name)) => vec![name.as_str()],
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for name in names {
            if !types.contains(&name) {
                types.push(name);
            }
        }
    }
    types
}

/// JSON Schema keywords (draft 2019-09 and Flow's `reduce`) offered inside
/// user schemas, with a line of documentation each.
pub mod keywords {
    /// `(keyword, documentation, kind of value)`.
    pub const KEYWORDS: &[(&str, &str, Value)] = &[
        (
            "type",
            "The JSON type(s) of the value: `object`, `array`, `string`, `integer`, `number`, `boolean`, `null`.",
            Value::Scalar,
        ),
        (
            "properties",
            "Schemas of an object's named properties.",
            Value::Object,
        ),
        ("required", "Properties an object must have.", Value::List),
        (
            "additionalProperties",
            "Schema of properties not named in `properties` or matched by `patternProperties`.",
            Value::Object,
        ),
        (
            "patternProperties",
            "Schemas of properties whose names match a regular expression.",
            Value::Object,
        ),
        (
            "items",
            "Schema of array items (or a list of schemas, one per leading item).",
            Value::Object,
        ),
        (
            "additionalItems",
            "Schema of items after the ones `items` lists.",
            Value::Object,
        ),
        ("minItems", "Fewest items an array may have.", Value::Scalar),
        ("maxItems", "Most items an array may have.", Value::Scalar),
        ("enum", "The only values allowed.", Value::List),
        ("const", "The only value allowed.", Value::Scalar),
        (
            "title",
            "A short title, shown in documentation and generated types.",
            Value::Scalar,
        ),
        (
            "description",
            "What the value means, shown in documentation and generated types.",
            Value::Scalar,
        ),
        (
            "reduce",
            "Flow: how documents with the same key are combined at this location (`strategy`, and `key` for `merge`, `minimize`, `maximize`, `set`).",
            Value::Object,
        ),
        (
            "$ref",
            "Another schema this one must also match: `#/$defs/name`, `#anchor`, or a relative URL.",
            Value::Scalar,
        ),
        (
            "$defs",
            "Schemas defined for `$ref`s, by name.",
            Value::Object,
        ),
        (
            "$anchor",
            "A name by which `$ref: \"#name\"` refers to this schema.",
            Value::Scalar,
        ),
        ("$id", "The URL of this schema resource.", Value::Scalar),
        ("allOf", "Schemas the value must all match.", Value::List),
        (
            "anyOf",
            "Schemas the value must match at least one of.",
            Value::List,
        ),
        (
            "oneOf",
            "Schemas the value must match exactly one of.",
            Value::List,
        ),
        ("not", "A schema the value must not match.", Value::Object),
        (
            "if",
            "A condition: when it matches, `then` applies, else `else`.",
            Value::Object,
        ),
        ("then", "Applies when `if` matches.", Value::Object),
        ("else", "Applies when `if` does not match.", Value::Object),
        (
            "format",
            "A string format such as `date-time`, `email`, `uri`.",
            Value::Scalar,
        ),
        (
            "pattern",
            "A regular expression string values must match.",
            Value::Scalar,
        ),
        ("minLength", "Shortest string length.", Value::Scalar),
        ("maxLength", "Longest string length.", Value::Scalar),
        ("minimum", "Smallest number allowed.", Value::Scalar),
        ("maximum", "Largest number allowed.", Value::Scalar),
        (
            "default",
            "A default value (documentation only).",
            Value::Scalar,
        ),
        (
            "examples",
            "Example values (documentation only).",
            Value::List,
        ),
    ];

    /// The kind of value a keyword takes, for what completion inserts.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Value {
        Scalar,
        Object,
        List,
    }

    /// The documentation of a keyword.
    pub fn doc(keyword: &str) -> Option<&'static str> {
        KEYWORDS
            .iter()
            .find(|(name, _, _)| *name == keyword)
            .map(|(_, doc, _)| *doc)
    }

    /// The keys of a `reduce` object.
    pub const REDUCE: &[(&str, &str)] = &[
        (
            "strategy",
            "How to combine: `append`, `firstWriteWins`, `lastWriteWins` (the default), `maximize`, `merge`, `minimize`, `set`, `sum`.",
        ),
        (
            "key",
            "For `merge` of arrays, `minimize`, `maximize` and `set`: JSON Pointers (relative to each item) that identify items.",
        ),
    ];

    /// The JSON Schema type names.
    pub const TYPES: &[&str] = &[
        "array", "boolean", "integer", "null", "number", "object", "string",
    ];
}

/// Where a path inside a user JSON Schema is, keyword by keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaPlace {
    /// A (sub-)schema: its keys are keywords.
    Schema,
    /// A map of names to schemas (`properties`, `$defs`).
    SchemaMap,
    /// A list of schemas (`allOf`, `items` as a list).
    SchemaList,
    /// The `reduce` object.
    Reduce,
    /// The value of a keyword (`type`, `$ref`, `reduce`'s `strategy`): the
    /// keyword, with `reduce/` before `reduce`'s own keys.
    Value(String),
    /// Something the walk does not know (inside `enum`, `default`, …).
    Opaque,
}

/// Walks a path relative to a user schema's root.
pub fn schema_place(path: &[Segment]) -> SchemaPlace {
    let mut place = SchemaPlace::Schema;
    for segment in path {
        place = match (&place, segment) {
            (SchemaPlace::Schema, Segment::Key(key)) => match key.as_str() {
                "properties" | "$defs" | "definitions" | "patternProperties"
                | "dependentSchemas" => SchemaPlace::SchemaMap,
                "items"
                | "additionalProperties"
                | "additionalItems"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "unevaluatedProperties"
                | "unevaluatedItems" => SchemaPlace::Schema,
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => SchemaPlace::SchemaList,
                "reduce" => SchemaPlace::Reduce,
                other => SchemaPlace::Value(other.to_string()),
            },
            // `items: [ … ]`: each item is a schema.
            (SchemaPlace::Schema, Segment::Item(_)) => SchemaPlace::Schema,
            (SchemaPlace::SchemaMap, Segment::Key(_)) => SchemaPlace::Schema,
            (SchemaPlace::SchemaList, Segment::Item(_)) => SchemaPlace::Schema,
            (SchemaPlace::Reduce, Segment::Key(key)) => SchemaPlace::Value(format!("reduce/{key}")),
            (SchemaPlace::Value(keyword), Segment::Item(_)) if keyword == "type" => {
                SchemaPlace::Value("type".to_string())
            }
            (SchemaPlace::Value(keyword), Segment::Item(_)) if keyword == "required" => {
                SchemaPlace::Value("required".to_string())
            }
            _ => SchemaPlace::Opaque,
        };
    }
    place
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(path: &[&str]) -> Vec<Segment> {
        path.iter()
            .map(|key| match key.parse::<usize>() {
                Ok(index) => Segment::Item(index),
                Err(_) => Segment::Key(key.to_string()),
            })
            .collect()
    }

    #[test]
    fn properties_at_any_depth_with_docs() {
        let names = |path: &[&str]| -> Vec<String> {
            place(&keys(path))
                .properties()
                .into_iter()
                .map(|p| p.name)
                .collect()
        };
        assert!(names(&[]).contains(&"collections".to_string()));
        assert_eq!(
            names(&["collections", "acme/x"]),
            ["name", "schema", "key", "projections", "derivation"]
        );
        assert_eq!(
            names(&["collections", "0"]),
            names(&["collections", "acme/x"])
        );
        assert_eq!(names(&["tests", "t", "0"]), ["ingest", "verify"]);
        let node = place(&keys(&[
            "collections",
            "c",
            "derivation",
            "transform",
            "t",
            "update",
        ]))
        .property("nodeJS")
        .unwrap();
        assert!(
            node.description
                .unwrap()
                .starts_with("Body of a TypeScript function")
        );
        let key = place(&keys(&["collections", "c"])).property("key").unwrap();
        assert_eq!(key.types, ["array"]);
        assert!(key.required);
    }

    #[test]
    fn inline_schemas_are_user_schemas() {
        let at = place(&keys(&["collections", "c", "schema", "properties", "x"]));
        assert_eq!(at.user_from, Some(3));
        let at = place(&keys(&[
            "collections",
            "c",
            "derivation",
            "register",
            "schema",
        ]));
        assert_eq!(at.user_from, Some(5));
        assert_eq!(
            schema_place(&keys(&["properties", "x", "reduce", "strategy"])),
            SchemaPlace::Value("reduce/strategy".into())
        );
        assert_eq!(
            schema_place(&keys(&["items", "reduce"])),
            SchemaPlace::Reduce
        );
    }
}
