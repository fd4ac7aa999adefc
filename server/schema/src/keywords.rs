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

/// Where a direct sub-schema sits under its parent: the keyword, and the
/// entry of that keyword's array or object if it has one.
#[derive(Clone, Copy)]
enum Entry<'v> {
    None,
    Index(usize),
    Key(&'v str),
}

/// Calls `visit(keyword, entry, sub_schema)` for every direct sub-schema of
/// `schema`, in document order.
fn for_each_subschema<'v>(schema: &'v Value, mut visit: impl FnMut(&'v str, Entry<'v>, &'v Value)) {
    let Value::Object(map) = schema else {
        return;
    };
    for (keyword, value) in map {
        let keyword = keyword.as_str();
        if SINGLE.contains(&keyword) {
            if is_schema(value) {
                visit(keyword, Entry::None, value);
            }
        } else if ARRAY.contains(&keyword) || keyword == "items" {
            match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if is_schema(item) {
                            visit(keyword, Entry::Index(i), item);
                        }
                    }
                }
                v if keyword == "items" && is_schema(v) => visit(keyword, Entry::None, v),
                _ => {}
            }
        } else if (MAP.contains(&keyword) || keyword == "dependencies")
            && let Value::Object(children) = value
        {
            for (name, child) in children {
                if is_schema(child) {
                    visit(keyword, Entry::Key(name), child);
                }
            }
        }
    }
}

/// Walks `root` and its sub-schemas pre-order, in document order, without
/// recursion and no deeper than [`MAX_DEPTH`] schema levels. `visit` gets the
/// pointer of each schema, the schema, and the state its parent returned; it
/// returns the state for the schema's children.
///
/// One pointer buffer serves the whole walk (cut back to the parent's
/// pointer before each sibling), and each schema's state is kept once while
/// its descendants are walked: no string, vector or state clone per node.
pub fn walk<'v, S>(
    root: &'v Value,
    root_pointer: &str,
    initial: S,
    mut visit: impl FnMut(&str, &'v Value, &S) -> S,
) {
    // Sub-schemas still to visit, with their depth; the top is the next.
    let mut pending: Vec<(&'v Value, usize, &'v str, Entry<'v>)> = Vec::new();
    let mut ptr = root_pointer.to_string();
    // The pointer length and the state of the schema at each depth of the
    // path to the current one.
    let mut lengths: Vec<usize> = vec![ptr.len()];
    let mut states: Vec<S> = vec![visit(&ptr, root, &initial)];
    let push_children = |value: &'v Value, depth: usize, pending: &mut Vec<_>| {
        if depth <= MAX_DEPTH {
            let first = pending.len();
            for_each_subschema(value, |keyword, entry, child| {
                pending.push((child, depth, keyword, entry));
            });
            pending[first..].reverse();
        }
    };
    push_children(root, 1, &mut pending);
    while let Some((value, depth, keyword, entry)) = pending.pop() {
        // The parent is the schema at `depth - 1` of the current path.
        ptr.truncate(lengths[depth - 1]);
        lengths.truncate(depth);
        states.truncate(depth);
        pointer::push_token(&mut ptr, keyword);
        match entry {
            Entry::None => {}
            Entry::Index(i) => json::pointer::push_index(&mut ptr, i),
            Entry::Key(name) => pointer::push_token(&mut ptr, name),
        }
        let state = visit(&ptr, value, &states[depth - 1]);
        lengths.push(ptr.len());
        states.push(state);
        push_children(value, depth + 1, &mut pending);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk as it was before it kept one pointer buffer (a pointer
    /// `String` and a children `Vec` per node): the reference the walk is
    /// compared with.
    fn reference_walk(root: &Value, root_pointer: &str) -> Vec<(String, *const Value, usize)> {
        fn subschemas<'v>(schema: &'v Value, visit: &mut dyn FnMut(String, &'v Value)) {
            let Value::Object(map) = schema else { return };
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
        let mut out = Vec::new();
        let mut stack = vec![(root_pointer.to_string(), root, 0usize, 0usize)];
        while let Some((ptr, value, parent, depth)) = stack.pop() {
            out.push((ptr.clone(), value as *const Value, parent));
            let me = out.len() - 1;
            if depth >= MAX_DEPTH {
                continue;
            }
            let mut children = Vec::new();
            subschemas(value, &mut |suffix, child| children.push((suffix, child)));
            for (suffix, child) in children.into_iter().rev() {
                stack.push((format!("{ptr}{suffix}"), child, me, depth + 1));
            }
        }
        out
    }

    /// `depth_exceeding` as it was before it built pointers only when found.
    fn reference_depth(value: &Value, limit: usize) -> Option<String> {
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

    /// A random schema-like value: sub-schema keywords holding schemas and
    /// non-schemas, odd names (`~`, `/`, empty), data keywords with nested
    /// values, up to `depth` levels.
    fn random_value(rng: &mut u64, depth: usize) -> Value {
        fn next_of(rng: &mut u64, n: u64) -> u64 {
            *rng ^= *rng << 13;
            *rng ^= *rng >> 7;
            *rng ^= *rng << 17;
            *rng % n
        }
        if depth == 0 {
            return match next_of(rng, 4) {
                0 => Value::Bool(true),
                1 => Value::from(7),
                2 => Value::from("s"),
                _ => serde_json::json!({}),
            };
        }
        let keys = [
            "properties",
            "items",
            "allOf",
            "not",
            "$defs",
            "dependencies",
            "enum",
            "x/y~z",
            "",
            "additionalProperties",
            "patternProperties",
            "then",
            "type",
        ];
        let names = ["a", "a/b", "~0", "", "é"];
        let mut map = serde_json::Map::new();
        for _ in 0..next_of(rng, 4) {
            let key = keys[next_of(rng, keys.len() as u64) as usize];
            let value = match next_of(rng, 3) {
                0 => {
                    let mut inner = serde_json::Map::new();
                    for _ in 0..next_of(rng, 3) {
                        let name = names[next_of(rng, names.len() as u64) as usize];
                        inner.insert(name.to_string(), random_value(rng, depth - 1));
                    }
                    Value::Object(inner)
                }
                1 => Value::Array(
                    (0..next_of(rng, 3))
                        .map(|_| random_value(rng, depth - 1))
                        .collect(),
                ),
                _ => random_value(rng, depth - 1),
            };
            map.insert(key.to_string(), value);
        }
        Value::Object(map)
    }

    /// `n` levels of `properties/a`, then `leaf`.
    fn chain(n: usize, leaf: Value) -> Value {
        let mut value = leaf;
        for _ in 0..n {
            value = serde_json::json!({"properties": {"a/~": value}, "enum": [[{"x": 1}]]});
        }
        value
    }

    /// The walk visits the same schemas with the same pointers, parents and
    /// order as the reference walk, and `depth_exceeding` finds the same
    /// pointer, on random documents, odd names and documents deeper than
    /// the walk goes.
    #[test]
    fn walk_and_depth_match_their_references() {
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut documents: Vec<Value> = (0..400).map(|_| random_value(&mut rng, 6)).collect();
        documents.push(chain(MAX_DEPTH + 5, serde_json::json!({"$ref": "#"})));
        documents.push(chain(
            MAX_DEPTH / 2 - 1,
            serde_json::json!({"items": [true]}),
        ));
        documents.push(Value::from(3));
        documents.push(Value::Bool(false));
        for document in &documents {
            for root in ["", "/x~1y"] {
                let mut got: Vec<(String, *const Value, usize)> = Vec::new();
                walk(document, root, usize::MAX, |ptr, value, parent| {
                    got.push((ptr.to_string(), value as *const Value, *parent));
                    got.len() - 1
                });
                // The root's parent is the initial state.
                got[0].2 = 0;
                assert_eq!(got, reference_walk(document, root), "{document}");
            }
            for limit in [0, 1, 2, 3, 5, 8, MAX_DEPTH] {
                assert_eq!(
                    json::nesting::depth_exceeding(document, limit),
                    reference_depth(document, limit),
                    "{limit} {document}"
                );
            }
        }
    }

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
