//! TypeScript types generated from inferred schema shapes (runtime.md §8.2):
//! the one schema → TypeScript mapping, used by the editor's hover on
//! `source`/`register`/`previous` and meant for `flowctl typegen`.
//!
//! * [`type_name`]: a collection or derivation name as a type name
//!   (`examples/citi-bike/rides` → `ExamplesCitiBikeRides`).
//! * [`alternate_type_name`]: the type of an alternate source schema.
//! * [`render`]: a [`Shape`] as a TypeScript type expression, objects
//!   written one property per line.
//!
//! Decisions where §8.2 is silent: an object shape that declares no
//! properties and says nothing of additional ones is `{ [k: string]: any }`
//! (the documents may hold anything); nesting deeper than [`MAX_DEPTH`] is
//! `any`, so a hostile schema cannot make the output unbounded in depth.

use schema::Shape;
use schema::Types;
use serde_json::Value;

/// Deepest object/array nesting written out; deeper locations are `any`.
pub const MAX_DEPTH: usize = 12;

/// The type name of a collection or derivation: every run of ASCII letters
/// and digits with its first letter upper-cased, everything else dropped.
/// A name with no letters or digits is `Unnamed`; one starting with a digit
/// gets a leading `_` (a type name cannot start with a digit).
pub fn type_name(name: &str) -> String {
    let mut out = String::new();
    for run in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = run.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() {
        return "Unnamed".to_string();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The type name of a transform's alternate source schema (§8.2: the
/// source collection's type name with a `_<hex hash>` suffix). The hash is
/// FNV-1a (32 bits) of the schema's URL, so the name is stable across runs
/// (§8.2 does not say which hash).
pub fn alternate_type_name(collection: &str, schema_url: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in schema_url.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{}_{hash:08x}", type_name(collection))
}

/// The TypeScript type of every value a shape admits. Multi-line for
/// objects; `indent` is the indentation (in spaces) of the line the type
/// starts on, so nested lines line up.
pub fn render(shape: &Shape, indent: usize) -> String {
    let mut out = String::new();
    write_type(&mut out, shape, indent, 0);
    out
}

/// The `/* title: description */` comment §8.2 puts before a type, if the
/// shape has either.
pub fn doc_comment(shape: &Shape) -> Option<String> {
    let text = match (shape.title(), shape.description()) {
        (Some(title), Some(description)) => format!("{title}: {description}"),
        (Some(only), None) | (None, Some(only)) => only.to_string(),
        (None, None) => return None,
    };
    // A `*/` inside would end the comment early.
    Some(format!("/* {} */", text.replace("*/", "* /")))
}

fn write_type(out: &mut String, shape: &Shape, indent: usize, depth: usize) {
    if let Some(values) = shape.enum_values() {
        if values.is_empty() {
            out.push_str("never");
            return;
        }
        let literals: Vec<String> = values.iter().map(literal).collect();
        out.push_str(&literals.join(" | "));
        return;
    }
    if shape.types.is_empty() {
        out.push_str("never");
        return;
    }
    if depth >= MAX_DEPTH || is_unconstrained(shape) {
        out.push_str("any");
        return;
    }
    let mut first = true;
    let mut alternative = |out: &mut String| {
        if !first {
            out.push_str(" | ");
        }
        first = false;
    };
    if shape.types.overlaps(Types::OBJECT) {
        alternative(out);
        write_object(out, shape, indent, depth);
    }
    if shape.types.overlaps(Types::ARRAY) {
        alternative(out);
        write_array(out, shape, indent, depth);
    }
    for (types, name) in [
        (Types::BOOLEAN, "boolean"),
        (Types::NUMBER, "number"),
        (Types::STRING, "string"),
        (Types::NULL, "null"),
    ] {
        if shape.types.overlaps(types) {
            alternative(out);
            out.push_str(name);
        }
    }
}

/// No constraint at all: every type and nothing known of objects or arrays.
fn is_unconstrained(shape: &Shape) -> bool {
    shape.types == Types::ALL
        && shape.object.properties.is_empty()
        && shape.object.patterns.is_empty()
        && shape.object.additional.is_none()
        && shape.array.tuple.is_empty()
        && shape.array.additional.is_none()
}

fn write_object(out: &mut String, shape: &Shape, indent: usize, depth: usize) {
    let object = &shape.object;
    let open = object.additional.is_none() && object.patterns.is_empty();
    if object.properties.is_empty() && open {
        out.push_str("{ [k: string]: any }");
        return;
    }
    let inner = " ".repeat(indent + 4);
    out.push_str("{\n");
    for property in &object.properties {
        if let Some(comment) = doc_comment(&property.shape) {
            out.push_str(&inner);
            out.push_str(&comment);
            out.push('\n');
        }
        out.push_str(&inner);
        out.push_str(&property_name(&property.name));
        if !property.is_required {
            out.push('?');
        }
        out.push_str(": ");
        write_type(out, &property.shape, indent + 4, depth + 1);
        out.push_str(";\n");
    }
    let extra: Vec<&Shape> = object
        .patterns
        .iter()
        .map(|pattern| &pattern.shape)
        .chain(object.additional.as_deref())
        .filter(|shape| !shape.types.is_empty())
        .collect();
    if !extra.is_empty() {
        // The index signature covers the named properties too.
        let mut members: Vec<String> = Vec::new();
        let mut push = |text: String| {
            if !members.contains(&text) {
                members.push(text);
            }
        };
        for shape in object
            .properties
            .iter()
            .map(|p| &p.shape)
            .chain(extra.iter().copied())
        {
            push(render_nested(shape, indent + 4, depth + 1));
        }
        if object.properties.iter().any(|p| !p.is_required) {
            push("undefined".to_string());
        }
        out.push_str(&inner);
        out.push_str("[k: string]: ");
        out.push_str(&members.join(" | "));
        out.push_str(";\n");
    }
    out.push_str(&" ".repeat(indent));
    out.push('}');
}

fn write_array(out: &mut String, shape: &Shape, indent: usize, depth: usize) {
    let array = &shape.array;
    if array.tuple.is_empty() {
        let item = match &array.additional {
            Some(item) => render_nested(item, indent, depth + 1),
            None => "any".to_string(),
        };
        if item.contains(' ') || item.starts_with('"') {
            out.push_str(&format!("({item})[]"));
        } else {
            out.push_str(&format!("{item}[]"));
        }
        return;
    }
    let required = array.min_items.unwrap_or(0);
    let mut items: Vec<String> = Vec::new();
    for (index, item) in array.tuple.iter().enumerate() {
        let mut text = render_nested(item, indent, depth + 1);
        if (index as u64) >= required {
            text.push('?');
        }
        items.push(text);
    }
    match &array.additional {
        Some(rest) if rest.types.is_empty() => {}
        Some(rest) => items.push(format!("...({})[]", render_nested(rest, indent, depth + 1))),
        None => items.push("...any[]".to_string()),
    }
    out.push_str(&format!("[{}]", items.join(", ")));
}

fn render_nested(shape: &Shape, indent: usize, depth: usize) -> String {
    let mut out = String::new();
    write_type(&mut out, shape, indent, depth);
    out
}

fn literal(value: &Value) -> String {
    match value {
        Value::Object(_) | Value::Array(_) => "any".to_string(),
        // JSON strings, numbers, booleans and null are TypeScript literals.
        other => other.to_string(),
    }
}

/// A property name as written in a type: plain identifiers bare, others quoted.
fn property_name(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        Value::String(name.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema::SchemaIndex;
    use url::Url;

    fn shape_of(schema: Value) -> Shape {
        let url = Url::parse("file:///s.json").unwrap();
        let mut index = SchemaIndex::new();
        index.add_document(url.clone(), schema);
        schema::shape::infer(&index, &url).unwrap()
    }

    #[test]
    fn type_names_follow_the_collection_name() {
        assert_eq!(
            type_name("examples/citi-bike/rides"),
            "ExamplesCitiBikeRides"
        );
        assert_eq!(
            type_name("examples/re-key/anonymous_events"),
            "ExamplesReKeyAnonymousEvents"
        );
        assert_eq!(type_name("9lives/x"), "_9livesX");
        assert_eq!(type_name("//"), "Unnamed");
        assert_eq!(
            alternate_type_name("a/b", "file:///x.schema.yaml"),
            alternate_type_name("a/b", "file:///x.schema.yaml")
        );
        assert!(alternate_type_name("a/b", "file:///x.schema.yaml").starts_with("AB_"));
    }

    #[test]
    fn objects_arrays_unions_and_literals() {
        let shape = shape_of(serde_json::json!({
            "type": "object",
            "properties": {
                "id": { "type": "string", "title": "Order id" },
                "total-cents": { "type": "integer" },
                "lines": { "type": "array", "items": { "type": ["string", "null"] } },
                "mode": { "enum": ["reset", "sum"] },
                "pair": { "type": "array", "items": [{ "type": "string" }, { "type": "number" }], "minItems": 1, "additionalItems": false },
                "any": {}
            },
            "required": ["id"]
        }));
        assert_eq!(
            render(&shape, 0),
            r#"{
    /* Order id */
    id: string;
    "total-cents"?: number;
    lines?: (string | null)[];
    mode?: "reset" | "sum";
    pair?: [string, number?];
    any?: any;
}"#
        );
    }

    #[test]
    fn additional_properties_make_an_index_signature() {
        let shape = shape_of(serde_json::json!({
            "type": "object",
            "properties": { "n": { "type": "integer" } },
            "required": ["n"],
            "additionalProperties": { "type": "array", "items": { "type": "string" } }
        }));
        assert_eq!(
            render(&shape, 0),
            "{\n    n: number;\n    [k: string]: number | string[];\n}"
        );
        assert_eq!(render(&shape_of(serde_json::json!(false)), 0), "never");
        assert_eq!(render(&shape_of(serde_json::json!(true)), 0), "any");
        assert_eq!(
            render(
                &shape_of(serde_json::json!({"type": ["object", "null"]})),
                0
            ),
            "{ [k: string]: any } | null"
        );
    }
}
