//! Problems of one schema document that a build reports (catalog.md §12):
//! `$ref`s that do not resolve (**C7**) and invalid keyword values (**C9**),
//! each at the pointer of the offending value inside that document.

use std::rc::Rc;
use std::sync::LazyLock;

use serde_json::Value;
use url::Url;

use crate::index::SchemaIndex;
use crate::keywords;
use crate::meta;
use crate::reduce::parse_strategy;
use crate::refs::{child_base, keyword};

/// One problem found in a schema document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    /// The document (or inline schema's synthetic URL) holding the problem.
    pub document: Url,
    /// Pointer inside that document: the `$ref` string, or the bad keyword value.
    pub pointer: String,
    /// `"C7"` (unresolvable reference) or `"C9"` (invalid schema).
    pub code: &'static str,
    pub message: String,
}

/// The 2019-09 meta-schema, with formats asserted so that `pattern` and
/// `patternProperties` names must be valid regular expressions.
static META_SCHEMA: LazyLock<Result<jsonschema::Validator, String>> = LazyLock::new(|| {
    meta_schema_options()
        .build(&serde_json::json!({ "$ref": "https://json-schema.org/draft/2019-09/schema" }))
        .map_err(|e| e.to_string())
});

/// How the meta-schema pass validates: draft 2019-09, formats asserted. The
/// fast check ([`meta`]) asks the formats it cannot decide with the same.
pub(crate) fn meta_schema_options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft201909)
        .should_validate_formats(true)
}

const TYPE_NAMES: &str = "array, boolean, integer, null, number, object, string";

/// Every C7 and C9 problem of the document added to `index` under `url`.
/// A URL that is not indexed has no problems here (the loader reports it).
pub fn check_document(index: &SchemaIndex, url: &Url) -> Vec<SchemaProblem> {
    let Some(number) = index.document_number(url) else {
        return Vec::new();
    };
    let document = index.doc(number);
    // Built once for the walk and the meta-schema (held while `resolves`
    // reads it again for a pointer into itself).
    let document_value = document.value();
    let doc_url = &document.url;
    let mut problems = Vec::new();
    let invalid = |pointer: String, detail: String| SchemaProblem {
        document: doc_url.clone(),
        message: format!(
            "invalid schema at {doc_url}#{pointer}: {}",
            model::diagnostic::excerpt(&detail)
        ),
        pointer,
        code: "C9",
    };

    if let Some(deep) = &document.indexed.too_deep {
        problems.push(invalid(
            deep.clone(),
            format!("nesting is deeper than {} levels", keywords::MAX_DEPTH),
        ));
    }

    // Whether every node so far is one the meta-schema surely accepts
    // (`meta`): then jsonschema need not be asked about the document.
    let mut surely_valid = true;
    // The base URL is shared down the walk and replaced only under an `$id`
    // (rare): a `Url` per sub-schema was a tenth of this pass.
    keywords::walk(
        &document_value,
        "",
        Rc::new(doc_url.clone()),
        |ptr, schema, parent_base: &Rc<Url>| {
            surely_valid = surely_valid && meta::node_surely_valid(schema);
            let get = |key: &str| keyword(schema, key);
            let base = child_base(parent_base, schema);
            match get("$ref") {
                Some(Value::String(reference)) => {
                    let resolved = match base.join(reference) {
                        Ok(target) if index.resolves(&target) => Ok(()),
                        Ok(target) => Err(target.to_string()),
                        Err(_) => Err(reference.clone()),
                    };
                    if let Err(uri) = resolved {
                        problems.push(SchemaProblem {
                            document: doc_url.clone(),
                            pointer: format!("{ptr}/$ref"),
                            code: "C7",
                            message: format!("schema reference {uri} cannot be resolved"),
                        });
                    }
                }
                Some(other) => problems.push(invalid(
                    format!("{ptr}/$ref"),
                    format!("$ref must be a string, found {other}"),
                )),
                None => {}
            }
            if let Some(reduce) = get("reduce")
                && let Err(detail) = parse_strategy(reduce)
            {
                problems.push(invalid(format!("{ptr}/reduce"), detail));
            }
            base
        },
    );

    // Most documents are valid: the fast check answers for most of them,
    // `is_valid` stops early and builds no error, and only an invalid
    // document pays for collecting every error. (No document nested deeper
    // than the walk goes reaches here.)
    if document.indexed.too_deep.is_none()
        && !surely_valid
        && let Ok(meta) = &*META_SCHEMA
        && !meta.is_valid(&document_value)
    {
        for error in meta.iter_errors(&document_value) {
            let pointer = error.instance_path().to_string();
            if problems.iter().any(|p| p.pointer == pointer) {
                continue;
            }
            let (pointer, detail) = describe(pointer, error.instance(), &error.to_string());
            problems.push(invalid(pointer, detail));
        }
    }
    // One problem per location: the first (most specific) one.
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.pointer.clone()));
    problems
}

/// Whether jsonschema finds `value` valid against the meta-schema the
/// check uses (`None` if it did not compile): what the fast check
/// ([`meta`]) is compared with in tests.
#[doc(hidden)]
pub fn meta_schema_accepts(value: &Value) -> Option<bool> {
    META_SCHEMA.as_ref().ok().map(|meta| meta.is_valid(value))
}

/// A message for a meta-schema error, clearer than the generic one where
/// the keyword is known, and the pointer narrowed to the bad list entry.
fn describe(pointer: String, instance: &Value, generic: &str) -> (String, String) {
    const TYPES: [&str; 7] = [
        "array", "boolean", "integer", "null", "number", "object", "string",
    ];
    let bad_type = |name: &str| {
        format!("type \"{name}\" is not a JSON Schema type (expected one of {TYPE_NAMES})")
    };
    let keyword = pointer.rsplit('/').next().unwrap_or("").to_string();
    match (keyword.as_str(), instance) {
        ("type", Value::String(name)) => (pointer, bad_type(name)),
        ("type", Value::Array(names)) => {
            let bad = names
                .iter()
                .enumerate()
                .find(|(_, n)| !n.as_str().is_some_and(|n| TYPES.contains(&n)));
            match bad {
                Some((i, Value::String(name))) => (format!("{pointer}/{i}"), bad_type(name)),
                Some((i, other)) => (
                    format!("{pointer}/{i}"),
                    format!("type entries must be strings, found {other}"),
                ),
                None => (pointer, format!("type: {generic}")),
            }
        }
        ("pattern", Value::String(p)) => (
            pointer,
            format!("pattern \"{p}\" is not a valid regular expression"),
        ),
        ("pattern", other) => (pointer, format!("pattern must be a string, found {other}")),
        _ => (pointer, format!("{keyword}: {generic}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn problems(index: &SchemaIndex, at: &str) -> Vec<(String, &'static str, String)> {
        check_document(index, &url(at))
            .into_iter()
            .map(|p| (p.pointer, p.code, p.message))
            .collect()
    }

    #[test]
    fn unresolvable_references_are_c7() {
        let mut index = SchemaIndex::new();
        index.add_document(
            url("file:///p/schema.yaml"),
            json!({"$defs": {"a": {"$anchor": "A"}}}),
        );
        index.add_document(
            url("file:///p/x.flow.yaml?ptr=/collections/0/schema"),
            json!({
                "properties": {
                    "ok1": {"$ref": "schema.yaml#A"},
                    "ok2": {"$ref": "schema.yaml#/$defs/a"},
                    "bad1": {"$ref": "schema.yaml#B"},
                    "bad2": {"$ref": "schema.yaml#/$defs/b"},
                    "bad3": {"$ref": "missing.yaml"},
                    "bad4": {"$ref": "#/properties/ok1/$ref"}
                }
            }),
        );
        let got = problems(&index, "file:///p/x.flow.yaml?ptr=/collections/0/schema");
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0].0, "/properties/bad1/$ref");
        assert_eq!(got[0].1, "C7");
        assert_eq!(
            got[0].2,
            "schema reference file:///p/schema.yaml#B cannot be resolved"
        );
        assert_eq!(got[1].0, "/properties/bad2/$ref");
        assert_eq!(
            got[2].2,
            "schema reference file:///p/missing.yaml cannot be resolved"
        );
        assert_eq!(got[3].0, "/properties/bad4/$ref");
        assert!(problems(&index, "file:///p/schema.yaml").is_empty());
    }

    /// The meta-schema pass asks `is_valid` first and collects errors only
    /// for an invalid document: the two agree on documents that are valid,
    /// invalid at one place, invalid only through a format (a bad regular
    /// expression) or only deep inside, so none of their C9s is lost.
    #[test]
    fn meta_schema_validity_agrees_with_its_errors() {
        let Ok(meta) = &*META_SCHEMA else {
            panic!("the meta-schema compiles");
        };
        let documents = [
            json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "^a+$"}}}),
            json!(true),
            json!({"$defs": {"x": {"allOf": [{"minimum": 1}, {"not": {"const": 3}}]}}}),
            json!({"type": "strnig"}),
            json!({"properties": {"a": {"pattern": "(("}}}),
            json!({"patternProperties": {"((": {}}}),
            json!({"items": [{"type": "string"}, {"minItems": -1}]}),
            json!({"$defs": {"deep": {"properties": {"b": {"anyOf": [{"required": "b"}]}}}}}),
        ];
        for document in &documents {
            assert_eq!(
                meta.is_valid(document),
                meta.iter_errors(document).next().is_none(),
                "{document}"
            );
        }
        let mut index = SchemaIndex::new();
        let deep = url("file:///p/deep.schema.yaml");
        index.add_document(deep.clone(), documents[7].clone());
        let got = problems(&index, deep.as_str());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "/$defs/deep/properties/b/anyOf/0/required");
        assert!(problems(&index, "file:///p/none.yaml").is_empty());
    }

    /// A `$ref` resolves against the nearest enclosing `$id`, and only below it.
    #[test]
    fn references_resolve_against_the_nearest_id() {
        let mut index = SchemaIndex::new();
        index.add_document(url("file:///p/sub/other.yaml"), json!({"type": "string"}));
        let doc = url("file:///p/main.yaml");
        index.add_document(
            doc.clone(),
            json!({
                "properties": {
                    "in": {"$id": "sub/", "properties": {"a": {"$ref": "other.yaml"}}},
                    "out": {"$ref": "other.yaml"},
                    "same": {"$id": "#", "$ref": "sub/other.yaml"}
                }
            }),
        );
        let got = problems(&index, doc.as_str());
        assert_eq!(
            got,
            vec![(
                "/properties/out/$ref".to_owned(),
                "C7",
                "schema reference file:///p/other.yaml cannot be resolved".to_owned()
            )]
        );
    }

    #[test]
    fn invalid_keywords_are_c9() {
        let mut index = SchemaIndex::new();
        let doc = url("file:///p/bad.schema.yaml");
        index.add_document(
            doc.clone(),
            json!({
                "$schema": "https://json-schema.org/draft/2019-09/schema",
                "type": "object",
                "properties": {
                    "a": {"type": "strnig"},
                    "b": {"type": "string", "pattern": 3},
                    "c": {"type": "string", "pattern": "(("},
                    "d": {"reduce": {"strategy": "summ"}},
                    "e": {"reduce": {"strategy": "sum", "key": ["/x"]}},
                    "f": {"type": ["string", "nul"]},
                    "g": {"minimum": "x", "format": "whatever", "x-extension": {"type": 1}}
                }
            }),
        );
        let got = problems(&index, doc.as_str());
        let at: Vec<(&str, &str)> = got.iter().map(|p| (p.0.as_str(), p.1)).collect();
        assert_eq!(
            at,
            vec![
                ("/properties/d/reduce", "C9"),
                ("/properties/e/reduce", "C9"),
                ("/properties/a/type", "C9"),
                ("/properties/b/pattern", "C9"),
                ("/properties/c/pattern", "C9"),
                ("/properties/f/type/1", "C9"),
                ("/properties/g/minimum", "C9"),
            ],
            "{got:#?}"
        );
        assert!(got[0].2.starts_with("invalid schema at file:///p/bad.schema.yaml#/properties/d/reduce: unknown reduce strategy \"summ\""));
        assert!(
            got[2].2.contains("\"strnig\" is not a JSON Schema type"),
            "{}",
            got[2].2
        );
        assert!(
            got[4].2.contains("not a valid regular expression"),
            "{}",
            got[4].2
        );
    }
}
