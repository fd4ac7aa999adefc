//! A fast, one-sided check of a schema document against the 2019-09
//! meta-schema (the one `check::check_document` asks jsonschema about):
//! [`node_surely_valid`] answers "certainly valid" or "don't know" for one
//! schema node, checking the type and shape of each keyword's value and that
//! every sub-schema position holds a schema, but not the sub-schemas
//! themselves: a walk over every sub-schema ([`crate::keywords::walk`]) that
//! finds every node surely valid has a document the meta-schema accepts.
//!
//! Validity against the meta-schema decomposes over the document's
//! sub-schemas because every meta-schema keyword constrains the value of one
//! keyword of one schema node, and its sub-schema positions recurse
//! (`$recursiveRef: "#"`); every position it recurses into is one that
//! `keywords::walk` visits, except `contentSchema` (only a boolean one is
//! taken here). The formats the meta-schema asserts (`uri`, `uri-reference`,
//! `regex`) are asked of jsonschema itself, value by value, with the same
//! options. Anything unusual (a float where an integer is expected, an
//! unknown shape) is "don't know": the caller then asks jsonschema about the
//! whole document, so the answers (and the C9 diagnostics) never change.

use std::sync::LazyLock;

use serde_json::Value;

use crate::keywords::is_schema;

/// A validator of one format as the meta-schema asserts it.
fn format_validator(format: &str) -> Option<jsonschema::Validator> {
    crate::check::meta_schema_options()
        .build(&serde_json::json!({ "type": "string", "format": format }))
        .ok()
}

static URI: LazyLock<Option<jsonschema::Validator>> = LazyLock::new(|| format_validator("uri"));
static URI_REFERENCE: LazyLock<Option<jsonschema::Validator>> =
    LazyLock::new(|| format_validator("uri-reference"));
static REGEX: LazyLock<Option<jsonschema::Validator>> = LazyLock::new(|| format_validator("regex"));

/// Whether `text` is surely of the format `validator` checks.
fn has_format(validator: &LazyLock<Option<jsonschema::Validator>>, text: &str) -> bool {
    validator
        .as_ref()
        .is_some_and(|v| v.is_valid(&Value::String(text.to_owned())))
}

/// A `uri-reference`; the common references (`#/$defs/a`,
/// `other.schema.yaml#/$defs/a`) are answered without a validator.
fn uri_reference(text: &str) -> bool {
    is_plain_reference(text) || has_format(&URI_REFERENCE, text)
}

/// A non-empty text of letters, digits and `/$_-.~` with at most one `#`:
/// an RFC 3986 relative reference (unreserved characters and the `$`
/// sub-delimiter in its path, authority and fragment; no `:`, so no
/// scheme), which every URI-reference grammar accepts.
fn is_plain_reference(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().filter(|&b| b == b'#').count() <= 1
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/$_-.~#".contains(&b))
}

/// A non-empty array of schemas.
fn schema_array(value: &Value) -> bool {
    matches!(value, Value::Array(items) if !items.is_empty() && items.iter().all(is_schema))
}

/// An object whose every value is a schema.
fn schema_map(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.values().all(is_schema))
}

/// An integer >= 0 as the parser stored it (a float such as `1.0` is
/// "don't know").
fn non_negative_integer(value: &Value) -> bool {
    value.as_u64().is_some()
}

/// An array of distinct strings.
fn string_array(value: &Value) -> bool {
    let Value::Array(items) = value else {
        return false;
    };
    let mut strings: Vec<&str> = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(s) = item else {
            return false;
        };
        strings.push(s);
    }
    distinct(&mut strings)
}

/// Whether the strings are pairwise different (sorts them).
fn distinct(strings: &mut [&str]) -> bool {
    strings.sort_unstable();
    strings.windows(2).all(|pair| pair[0] != pair[1])
}

const SIMPLE_TYPES: [&str; 7] = [
    "array", "boolean", "integer", "null", "number", "object", "string",
];

/// A `type` value: a simple type name, or a non-empty array of distinct ones.
fn type_value(value: &Value) -> bool {
    let simple = |v: &Value| v.as_str().is_some_and(|s| SIMPLE_TYPES.contains(&s));
    match value {
        Value::String(_) => simple(value),
        Value::Array(items) => {
            !items.is_empty()
                && items.iter().all(simple)
                && distinct(&mut items.iter().filter_map(Value::as_str).collect::<Vec<_>>())
        }
        _ => false,
    }
}

/// `^[A-Za-z][-A-Za-z0-9.:_]*$`, the meta-schema's pattern of `$anchor`.
fn anchor(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"-.:_".contains(&b))
}

/// `$id`: a URI reference with no fragment but an empty one (`^[^#]*#?$`).
fn id(text: &str) -> bool {
    text.find('#').is_none_or(|at| at + 1 == text.len()) && uri_reference(text)
}

fn string(value: &Value) -> bool {
    value.is_string()
}

fn string_with(value: &Value, check: impl Fn(&str) -> bool) -> bool {
    value.as_str().is_some_and(check)
}

/// Whether the meta-schema surely accepts `value` as one schema node, its
/// sub-schemas (which the walk visits) aside. `false` means "don't know".
pub fn node_surely_valid(value: &Value) -> bool {
    match value {
        Value::Bool(_) => true,
        Value::Object(map) => map.iter().all(|(k, v)| keyword_surely_valid(k, v)),
        _ => false,
    }
}

fn keyword_surely_valid(keyword: &str, value: &Value) -> bool {
    match keyword {
        "$id" => string_with(value, id),
        "$schema" => string_with(value, |s| has_format(&URI, s)),
        "$anchor" => string_with(value, anchor),
        "$ref" | "$recursiveRef" => string_with(value, uri_reference),
        "$recursiveAnchor" | "uniqueItems" | "deprecated" | "readOnly" | "writeOnly" => {
            value.is_boolean()
        }
        "$vocabulary" => matches!(value, Value::Object(map) if map
            .iter()
            .all(|(k, v)| v.is_boolean() && has_format(&URI, k))),
        "$comment" | "title" | "description" | "format" | "contentMediaType"
        | "contentEncoding" => string(value),
        "$defs" | "definitions" | "properties" | "dependentSchemas" => schema_map(value),
        "patternProperties" => matches!(value, Value::Object(map) if map
            .iter()
            .all(|(k, v)| is_schema(v) && has_format(&REGEX, k))),
        "additionalItems"
        | "unevaluatedItems"
        | "contains"
        | "additionalProperties"
        | "unevaluatedProperties"
        | "propertyNames"
        | "if"
        | "then"
        | "else"
        | "not" => is_schema(value),
        // Not visited by the walk: only a boolean needs no further look.
        "contentSchema" => value.is_boolean(),
        "items" => is_schema(value) || schema_array(value),
        "allOf" | "anyOf" | "oneOf" => schema_array(value),
        "multipleOf" => match value {
            Value::Number(n) => {
                n.as_u64().is_some_and(|n| n > 0)
                    || (n.is_f64() && n.as_f64().is_some_and(|n| n > 0.0))
            }
            _ => false,
        },
        "maximum" | "exclusiveMaximum" | "minimum" | "exclusiveMinimum" => value.is_number(),
        "maxLength" | "minLength" | "maxItems" | "minItems" | "maxContains" | "minContains"
        | "maxProperties" | "minProperties" => non_negative_integer(value),
        "pattern" => string_with(value, |s| has_format(&REGEX, s)),
        "required" => string_array(value),
        "dependentRequired" => {
            matches!(value, Value::Object(map) if map.values().all(string_array))
        }
        "enum" | "examples" => value.is_array(),
        "type" => type_value(value),
        "dependencies" => {
            matches!(value, Value::Object(map) if map.values().all(|v| is_schema(v) || string_array(v)))
        }
        // `const`, `default` and every keyword the meta-schema does not name
        // take any value.
        _ => true,
    }
}

/// Whether the meta-schema surely accepts the whole document `value`
/// (`false`: don't know), by [`node_surely_valid`] over the walk. The
/// caller must know the document is not nested deeper than the walk goes.
pub fn document_surely_valid(value: &Value) -> bool {
    let mut valid = true;
    crate::keywords::walk(value, "", (), |_, node, _| {
        valid &= node_surely_valid(node);
    });
    valid
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The references answered without a validator are ones jsonschema's
    /// `uri-reference` accepts.
    #[test]
    fn plain_references_are_uri_references() {
        let plain = [
            "#",
            "#/$defs/a",
            "#/properties/a~1b",
            "other.schema.yaml#/$defs/a",
            "../x/y.yaml",
            "a.yaml#",
            "//host/p",
            "///",
            "a//b#/c",
            "~",
            "$",
            ".#/a",
            "-",
            "#Anchor",
        ];
        for text in plain {
            assert!(is_plain_reference(text), "{text}");
            assert!(has_format(&URI_REFERENCE, text), "{text}");
        }
        for text in ["", "##", "a b", "a:b", "#%41", "é", "a#b#c"] {
            assert!(!is_plain_reference(text), "{text}");
        }
    }
}
