//! Where sub-schemas live inside a schema (the applicator keywords of draft
//! 2019-09, plus `definitions` and draft-7 `dependencies`), and a bounded,
//! non-recursive walk over every sub-schema of a document.
//!
//! Only values in sub-schema positions are schemas: an `$anchor` inside an
//! `enum` value or an `examples` entry is data and must not be indexed.

use serde_json::Value;

use crate::pointer;

/// Deepest value nesting accepted in a schema document. Deeper documents are
/// reported (C9) and never handed to the validator library, whose compiler
/// recurses.
pub const MAX_DEPTH: usize = 256;

/// Keywords whose value is a single sub-schema.
const SINGLE: &[&str] = &[
    "additionalItems",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "not",
];
/// Keywords whose value is an array of sub-schemas.
const ARRAY: &[&str] = &["allOf", "anyOf", "oneOf"];
/// Keywords whose value is an object of sub-schemas.
const MAP: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Whether `value` can be a schema (an object or a boolean).
pub fn is_schema(value: &Value) -> bool {
    matches!(value, Value::Object(_) | Value::Bool(_))
}

/// Largest object searched by a scan rather than by its hash in [`get`].
const SCAN_LEN: usize = 8;

/// `map.get(key)`, without hashing when `map` is small: most sub-schemas
/// hold a few keywords, and a pass that asks each for twenty keywords spent
/// more time in SipHash than in the comparisons a scan needs. Keys of a map
/// are unique, so both find the same entry.
pub fn get<'v>(map: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v Value> {
    if map.len() <= SCAN_LEN {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// Calls `visit(suffix, sub_schema)` for every direct sub-schema of `schema`,
/// in document order; `suffix` is the pointer of the sub-schema relative to
/// `schema` (for example `/properties/a` or `/allOf/0`).
pub fn for_each_subschema<'v>(schema: &'v Value, mut visit: impl FnMut(String, &'v Value)) {
    let Value::Object(map) = schema else {
        return;
    };
    for (keyword, value) in map {
        let keyword = keyword.as_str();
        let prefix = pointer::join("", keyword);
        if SINGLE.contains(&keyword) {
            if is_schema(value) {
                visit(prefix, value);
            }
        } else if ARRAY.contains(&keyword) || keyword == "items" {
            match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if is_schema(item) {
                            visit(format!("{prefix}/{i}"), item);
                        }
                    }
                }
                v if keyword == "items" && is_schema(v) => visit(prefix, v),
                _ => {}
            }
        } else if (MAP.contains(&keyword) || keyword == "dependencies")
            && let Value::Object(children) = value
        {
            for (name, child) in children {
                if is_schema(child) {
                    visit(pointer::join(&prefix, name), child);
                }
            }
        }
    }
}

/// Walks `root` and its sub-schemas pre-order, in document order, without
/// recursion and no deeper than [`MAX_DEPTH`] schema levels. `visit` gets the
/// pointer of each schema, the schema, and the state its parent returned; it
/// returns the state for the schema's children.
pub fn walk<'v, S: Clone>(
    root: &'v Value,
    root_pointer: &str,
    initial: S,
    mut visit: impl FnMut(&str, &'v Value, &S) -> S,
) {
    let mut stack: Vec<(String, &'v Value, S, usize)> =
        vec![(root_pointer.to_string(), root, initial, 0)];
    while let Some((ptr, value, parent_state, depth)) = stack.pop() {
        let state = visit(&ptr, value, &parent_state);
        if depth >= MAX_DEPTH {
            continue;
        }
        let mut children = Vec::new();
        for_each_subschema(value, |suffix, child| children.push((suffix, child)));
        for (suffix, child) in children.into_iter().rev() {
            stack.push((format!("{ptr}{suffix}"), child, state.clone(), depth + 1));
        }
    }
}

/// The nesting depth of `value`, counting every object and array level, or
/// the pointer of the first value found deeper than `limit`.
pub fn depth_exceeding(value: &Value, limit: usize) -> Option<String> {
    let mut stack: Vec<(&Value, usize, String)> = vec![(value, 0, String::new())];
    while let Some((value, depth, ptr)) = stack.pop() {
        if depth > limit {
            return Some(ptr);
        }
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if matches!(v, Value::Object(_) | Value::Array(_)) {
                        stack.push((v, depth + 1, pointer::join(&ptr, k)));
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    if matches!(v, Value::Object(_) | Value::Array(_)) {
                        stack.push((v, depth + 1, format!("{ptr}/{i}")));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scan of a small object and a hash lookup in a large one find what
    /// `Map::get` finds, and nothing it does not.
    #[test]
    fn get_finds_what_the_map_finds() {
        for size in [0, 1, SCAN_LEN, SCAN_LEN + 1, 40] {
            let map: serde_json::Map<String, Value> = (0..size)
                .map(|i| (format!("k{i}"), Value::from(i)))
                .collect();
            for key in ["k0", "k7", "k8", "k39", "k", "k00", ""] {
                assert_eq!(get(&map, key), map.get(key), "{size} {key}");
            }
        }
    }
}
