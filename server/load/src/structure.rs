//! C1b: the structure of a catalog source, checked against the JSON Schema that
//! `model` generates (the same schema `flowctl json-schema` prints, so the build
//! and editors agree on what a catalog looks like). Every structural mistake of a
//! file is reported at once, each at the exact value.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use model::{Diagnostic, Scope};
use serde_json::Value;

struct CatalogSchema {
    json: Value,
    validator: Option<Validator>,
}

fn catalog_schema() -> &'static CatalogSchema {
    static SCHEMA: OnceLock<CatalogSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let json = model::spec::catalog_json_schema();
        let validator = jsonschema::draft201909::options().build(&json).ok();
        CatalogSchema { json, validator }
    })
}

/// What [`check`] found in one catalog source.
#[derive(Debug, Default)]
pub struct Structure {
    /// The C1b diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// The pointers of the unexpected properties among them: lowering drops
    /// these and keeps the rest of their entity (a typo in one property must
    /// not make the entity vanish and every use of it a false error).
    pub unexpected: Vec<String>,
}

/// Structural (C1b) diagnostics of one catalog source's JSON.
pub fn check(resource: &Scope, document: &Value) -> Structure {
    let schema = catalog_schema();
    let Some(validator) = &schema.validator else {
        return Structure::default();
    };
    // Most files are valid: the quick verdict first, the errors (a slower
    // walk) only when there are some.
    if validator.is_valid(document) {
        return Structure::default();
    }
    let mut out = Vec::new();
    for error in validator.iter_errors(document) {
        report(&schema.json, resource, &error, &mut out);
    }
    out.sort_by(|a, b| a.scope.pointer.cmp(&b.scope.pointer));
    out.dedup_by(|a, b| a.scope == b.scope && a.message == b.message);
    let unexpected = out
        .iter()
        .filter(|diagnostic| diagnostic.message.starts_with(UNEXPECTED))
        .map(|diagnostic| diagnostic.scope.pointer.clone())
        .collect();
    Structure {
        diagnostics: out,
        unexpected,
    }
}

/// How the message of an unexpected property starts.
const UNEXPECTED: &str = "unexpected property";

fn report(
    schema: &Value,
    resource: &Scope,
    error: &ValidationError<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let at = Scope::new(
        resource.resource.clone(),
        error.instance_path().as_str().to_string(),
    );
    let found = describe(error.instance());
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let expected = expected_properties(schema, error.schema_path().as_str());
            for property in unexpected {
                let message = if expected.is_empty() {
                    format!("{UNEXPECTED} \"{property}\"")
                } else {
                    format!(
                        "{UNEXPECTED} \"{property}\" (expected one of {})",
                        expected.join(", ")
                    )
                };
                out.push(Diagnostic::error("C1b", at.push(property), message).at_key());
            }
        }
        ValidationErrorKind::Required { property } => {
            let property = property
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| property.to_string());
            out.push(
                Diagnostic::error(
                    "C1b",
                    at,
                    format!("missing required property \"{property}\""),
                )
                .at_key(),
            );
        }
        // A `nodeJS` body that is not a string is C28a, reported by the checks.
        ValidationErrorKind::Type { .. } if at.pointer.ends_with("/nodeJS") => {}
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(ty) => type_name(&ty.to_string()).to_string(),
                TypeKind::Multiple(types) => {
                    let names: Vec<String> = types
                        .iter()
                        .map(|ty| type_name(&ty.to_string()).to_string())
                        .collect();
                    names.join(" or ")
                }
            };
            out.push(Diagnostic::error(
                "C1b",
                at,
                format!("expected {expected}, found {found}"),
            ));
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            // Report the alternative that got furthest: the one whose errors are
            // deepest (it matched the value's shape and failed inside).
            let best = context.iter().max_by_key(|errors| {
                let depth = errors
                    .iter()
                    .map(|error| error.instance_path().as_str().matches('/').count())
                    .max();
                let wrong_type_here = errors.iter().any(|error| {
                    matches!(error.kind(), ValidationErrorKind::Type { .. })
                        && error.instance_path().as_str() == at.pointer
                });
                (
                    !wrong_type_here,
                    depth.unwrap_or(0),
                    usize::MAX - errors.len(),
                )
            });
            let all_wrong_type = context.iter().all(|errors| {
                errors.iter().any(|error| {
                    matches!(
                        error.kind(),
                        ValidationErrorKind::Type { .. } | ValidationErrorKind::Required { .. }
                    ) && error.instance_path().as_str() == at.pointer
                })
            });
            match best {
                Some(errors) if !all_wrong_type || context.len() == 1 => {
                    for error in errors {
                        report(schema, resource, error, out);
                    }
                }
                _ => {
                    let expected = describe_alternatives(schema, error.schema_path().as_str());
                    out.push(Diagnostic::error(
                        "C1b",
                        at,
                        format!("expected {expected}, found {found}"),
                    ));
                }
            }
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            // Alternatives told apart by their one required property (a
            // SQLite target's `uri` or `path`): the value has several.
            let expected = describe_alternatives(schema, error.schema_path().as_str());
            out.push(Diagnostic::error(
                "C1b",
                at,
                format!("expected {expected}, only one of them"),
            ));
        }
        ValidationErrorKind::MinItems { limit } => {
            out.push(Diagnostic::error(
                "C1b",
                at,
                format!("expected at least {limit} item(s)"),
            ));
        }
        _ => {
            let message = model::diagnostic::excerpt(&error.to_string()).into_owned();
            out.push(Diagnostic::error("C1b", at, message));
        }
    }
}

/// A value's JSON type, as the messages name it.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(_) => "a boolean".to_string(),
        Value::Number(_) => "a number".to_string(),
        Value::String(s) if s.chars().count() <= 40 => format!("the string \"{s}\""),
        Value::String(_) => "a string".to_string(),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
    }
}

fn type_name(json_type: &str) -> &str {
    match json_type {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        "null" => "null",
        other => other,
    }
}

/// Resolves a keyword location (`/$defs/X/anyOf`) inside the catalog schema.
fn schema_at<'s>(schema: &'s Value, pointer: &str) -> Option<&'s Value> {
    schema.pointer(pointer)
}

/// The property names allowed where an `additionalProperties` error came from.
fn expected_properties(schema: &Value, keyword_location: &str) -> Vec<String> {
    let parent = keyword_location
        .rsplit_once('/')
        .map_or("", |(parent, _)| parent);
    schema_at(schema, parent)
        .and_then(|node| node.get("properties"))
        .and_then(Value::as_object)
        .map(|properties| properties.keys().map(|key| format!("\"{key}\"")).collect())
        .unwrap_or_default()
}

/// "a string or a mapping", from the alternatives of an anyOf/oneOf keyword.
fn describe_alternatives(schema: &Value, keyword_location: &str) -> String {
    let Some(alternatives) = schema_at(schema, keyword_location).and_then(Value::as_array) else {
        return "a different value".to_string();
    };
    let mut names: Vec<String> = Vec::new();
    for alternative in alternatives {
        let alternative = match alternative.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                schema_at(schema, reference.trim_start_matches('#')).unwrap_or(alternative)
            }
            None => alternative,
        };
        if let Some(required) = alternative
            .get("required")
            .and_then(Value::as_array)
            .filter(|r| r.len() == 1)
        {
            names.push(format!(
                "a mapping with \"{}\"",
                required[0].as_str().unwrap_or_default()
            ));
            continue;
        }
        match alternative.get("type") {
            Some(Value::String(ty)) => names.push(type_name(ty).to_string()),
            Some(Value::Array(types)) => names.extend(
                types
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|ty| type_name(ty).to_string()),
            ),
            _ => {}
        }
    }
    names.dedup();
    if names.is_empty() {
        "a different value".to_string()
    } else {
        names.join(" or ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(document: Value) -> Vec<(String, String)> {
        let resource = Scope::root(url::Url::parse("file:///p/flow.yaml").unwrap());
        check(&resource, &document)
            .diagnostics
            .into_iter()
            .map(|d| (d.scope.pointer, d.message))
            .collect()
    }

    #[test]
    fn unknown_missing_and_wrong_types() {
        let found = messages(json!({
            "collections": [
                {"name": "a/b", "schema": "s.yaml", "key": ["/id"], "derivaton": {}},
                {"name": "a/c", "schema": "s.yaml"},
                {"name": 5, "schema": "s.yaml", "key": "/id"}
            ],
            "bogus": 1
        }));
        let text = format!("{found:#?}");
        assert!(
            text.contains("unexpected property \\\"derivaton\\\""),
            "{text}"
        );
        assert!(text.contains("\"/collections/0/derivaton\""), "{text}");
        assert!(
            text.contains("missing required property \\\"key\\\""),
            "{text}"
        );
        assert!(text.contains("\"/collections/2/name\""), "{text}");
        assert!(text.contains("expected a string, found a number"), "{text}");
        assert!(text.contains("\"/collections/2/key\""), "{text}");
        assert!(text.contains("unexpected property \\\"bogus\\\""), "{text}");
    }

    #[test]
    fn lambdas_and_steps() {
        let found = messages(json!({
            "tests": {"t": [{"ingest": {"collection": "a/b"}}, {"frobnicate": {}}]},
            "collections": {"a/d": {"schema": true, "key": ["/k"], "derivation": {"transform": {"x": {
                "source": {"name": "a/b"}, "publish": {"nodeJs": "return [];"}}}}}}
        }));
        let text = format!("{found:#?}");
        assert!(
            text.contains("missing required property \\\"documents\\\""),
            "{text}"
        );
        assert!(text.contains("/tests/t/1"), "{text}");
        assert!(text.contains("/publish"), "{text}");
        assert!(text.contains("nodeJS"), "{text}");
    }

    /// C1b looks at an inline schema's type only (its keywords are the
    /// checks' business): a number is one C1b at the value; a schema object
    /// with wrong keywords, next to an error elsewhere, adds none.
    #[test]
    fn inline_schemas_are_checked_as_a_whole() {
        let found = messages(json!({"collections": [
            {"name": "a", "schema": 42, "key": ["/k"]},
            {"name": "b", "schema": {"type": 12, "properties": [], "reduce": "x"}, "key": "/k"}
        ]}));
        let pointers: Vec<&str> = found.iter().map(|(pointer, _)| pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/collections/0/schema", "/collections/1/key"],
            "{found:#?}"
        );
        assert!(found[0].1.ends_with("found a number"), "{found:#?}");
    }

    #[test]
    fn valid_catalog_has_no_errors() {
        assert!(messages(json!({"import": ["x.yaml"], "collections": [{"name": "a", "schema": {"type": "object"}, "key": ["/k"]}]})).is_empty());
        assert!(messages(json!({})).is_empty());
    }
}
