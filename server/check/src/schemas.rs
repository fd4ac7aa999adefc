//! Schemas where catalog entities use them (catalog.md §5.3, §6, §7): the
//! per-build cache of inferred shapes and compiled validators, the problems of
//! a schema and every document it reaches (C7, C9 from
//! `schema::check_document`; C8 from the shape inspections; all reported as
//! C27 when met through a register schema), key-like locations (C10, §7.5)
//! and JSON Pointer syntax (C6b).
//!
//! A problem inside a schema is reported once, in the file that holds the
//! schema, with the first collection that uses it as related information.

// Keyed by URLs and scopes, looked up per entity per build: a fast hash.
use foldhash::{HashMap, HashSet};
use std::sync::Arc;

use load::Loaded;
use model::{Collection, Diagnostic, Scope};
use serde_json::Value;
use url::Url;

use crate::context::Context;
use crate::memo::{Inferred, Memo};
use schema::SchemaIndex;
use schema::shape::{self, Shape};

/// Shapes, each inferred once per schema URL, and which documents are
/// usable. Read and written only through [`Context`]'s recorded accessors
/// (the sets decide which unit reports a shared schema's problems).
/// Documents are keyed by the index's own URL text (`'l`: no copy).
#[derive(Default)]
pub(crate) struct SchemaCache<'l> {
    /// By schema URL text; not used with a memo of one build (whose
    /// lookups are as cheap).
    shapes: HashMap<Box<str>, Option<Arc<Inferred>>>,
    /// Documents whose C7/C9 problems were examined, and whether they had any.
    pub checked_documents: HashMap<&'l str, bool>,
    /// Whether every document reached from a document (itself included) is
    /// free of C7/C9 problems, by document URL (looked up per use with a
    /// schema URL's text up to its fragment, without building a URL).
    pub reach_is_clean: HashMap<&'l str, bool>,
    /// Schema URLs whose shapes were inspected (C8).
    pub inspected: HashSet<Url>,
    /// Schema problems already reported, by code and place.
    pub reported: HashSet<(&'static str, Scope)>,
}

impl SchemaCache<'_> {
    /// The inferred shape of the schema at `url`, once per build (the
    /// caller decides whether the schema is usable).
    pub fn inferred(&mut self, loaded: &Loaded, memo: &Memo, url: &Url) -> Option<Arc<Inferred>> {
        if memo.is_one_build() {
            return memo.shape(&loaded.schemas, url);
        }
        if let Some(inferred) = self.shapes.get(url.as_str()) {
            return inferred.clone();
        }
        let inferred = memo.shape(&loaded.schemas, url);
        self.shapes.insert(url.as_str().into(), inferred.clone());
        inferred
    }
}

/// What a schema is used as, which decides the code of its problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaRole {
    Collection,
    Register,
    Source,
}

impl SchemaRole {
    fn code(self, code: &'static str) -> &'static str {
        match self {
            SchemaRole::Register => "C27",
            _ => code,
        }
    }

    fn describe(self, collection: &Collection) -> String {
        match self {
            SchemaRole::Collection => format!("schema of collection \"{}\"", collection.name),
            SchemaRole::Register => {
                format!("register schema of derivation \"{}\"", collection.name)
            }
            SchemaRole::Source => {
                format!("source schema of a transform of \"{}\"", collection.name)
            }
        }
    }
}

/// Checks a schema written at `written` (a `schema:` value) that resolves to
/// `url`: the reference itself (C7), every problem of the documents it
/// reaches (C7, C9), and the inspections of its shape (C8). Returns whether
/// the schema resolves.
pub(crate) fn check_schema_use(
    cx: &mut Context<'_>,
    url: &Url,
    written: &Scope,
    collection: &Collection,
    role: SchemaRole,
) -> bool {
    // The documents' values its problems and shape read (when they are
    // not known yet) are built once for both.
    model::compact::holding(|| check_schema_use_holding(cx, url, written, collection, role))
}

fn check_schema_use_holding(
    cx: &mut Context<'_>,
    url: &Url,
    written: &Scope,
    collection: &Collection,
    role: SchemaRole,
) -> bool {
    let mut document_url = url.clone();
    document_url.set_fragment(None);
    // Everything below reads the documents this records (their presence,
    // values and resolution).
    let schemas = cx.read_schema(url);
    if !schemas.has_document(&document_url) {
        // Not loaded: the loader reported why (C2, C3 or C7).
        return false;
    }
    // Written only into diagnostics (most uses have none).
    let related = || {
        (
            collection.name_scope(),
            format!("used as the {}", role.describe(collection)),
        )
    };
    if !schemas.resolves(url) {
        let message = format!("schema reference {url} cannot be resolved");
        let (scope, note) = related();
        cx.report(
            Diagnostic::error(role.code("C7"), written.clone(), message).with_related(scope, note),
        );
        return false;
    }
    let clean = check_documents(cx, schemas, &document_url, role, &related);
    // The shape of a schema with invalid keywords or dangling references is
    // unreliable: its inspections would only echo those problems.
    if clean
        && let Some(inferred) = cx.inferred(url)
        && !inferred.inspections(schemas, url).is_empty()
        && cx.first_inspection(url)
    {
        for inspection in inferred.inspections(schemas, url).iter().cloned() {
            // The root location is reported at the `schema` key that
            // uses the schema; any other at its sub-schema's key.
            let scope = match &inspection.origin {
                Some(origin) if !inspection.location_pointer.is_empty() => {
                    Scope::new(origin.document().clone(), origin.pointer())
                }
                _ => written.clone(),
            };
            let code = role.code(inspection.code);
            if cx.first_report(code, &scope) {
                let (related_scope, note) = related();
                cx.report(
                    Diagnostic::error(code, scope, inspection.message)
                        .at_key()
                        .with_related(related_scope, note),
                );
            }
        }
    }
    true
}

/// Reports the C7/C9 problems of `document` and of every document it
/// reaches through `$ref`s, each document once per build. Returns whether
/// all of them are free of problems.
fn check_documents(
    cx: &mut Context<'_>,
    schemas: &SchemaIndex,
    document: &Url,
    role: SchemaRole,
    related: &dyn Fn() -> (Scope, String),
) -> bool {
    if let Some(clean) = cx.reach_is_clean(document.as_str()) {
        return clean;
    }
    let mut clean = true;
    // The index recorded which documents each one references: no re-walk.
    for url in schemas.reached_documents(document) {
        if !schemas.has_document(url) {
            continue;
        }
        if let Some(document_clean) = cx.document_checked(url) {
            clean &= document_clean;
            continue;
        }
        let problems = cx.memo.problems(schemas, url);
        cx.set_document_checked(url, problems.is_empty());
        clean &= problems.is_empty();
        if problems.is_empty() {
            continue;
        }
        // Built only for a document with problems to report.
        let Some(value) = schemas.document(url) else {
            continue;
        };
        let references = schema::collect_refs(url, &value);
        for problem in problems.iter().cloned() {
            if problem.code == "C7" {
                // A reference into a document that could not be loaded was
                // reported by the loader (C2/C3).
                let target = references
                    .iter()
                    .find(|reference| reference.pointer == problem.pointer);
                if let Some(reference) = target {
                    let mut target_document = reference.target.clone();
                    target_document.set_fragment(None);
                    if !cx.document_loaded(&target_document) {
                        continue;
                    }
                }
            }
            let (pointer, at_key) = refine_reduce_pointer(&value, &problem.pointer);
            let scope = Scope::new(problem.document.clone(), pointer);
            let code = role.code(problem.code);
            if !cx.first_report(code, &scope) {
                continue;
            }
            let (related_scope, note) = related();
            let mut diagnostic =
                Diagnostic::error(code, scope, problem.message).with_related(related_scope, note);
            if at_key {
                diagnostic = diagnostic.at_key();
            }
            cx.report(diagnostic);
        }
    }
    cx.set_reach_is_clean(document.as_str(), clean);
    clean
}

/// Narrows a problem reported at a whole `reduce` value to the part that is
/// wrong: an unknown property (its key), the strategy name, or the key list.
fn refine_reduce_pointer(document: &Value, pointer: &str) -> (String, bool) {
    if !pointer.ends_with("/reduce") {
        return (pointer.to_string(), false);
    }
    let Some(Value::Object(reduce)) = schema::pointer::resolve(document, pointer) else {
        return (pointer.to_string(), false);
    };
    if let Some(unknown) = reduce
        .keys()
        .find(|name| *name != "strategy" && *name != "key")
    {
        return (schema::pointer::join(pointer, unknown), true);
    }
    let Some(strategy) = reduce.get("strategy") else {
        return (pointer.to_string(), false);
    };
    if !strategy
        .as_str()
        .is_some_and(|name| schema::Strategy::NAMES.contains(&name))
    {
        return (format!("{pointer}/strategy"), false);
    }
    if reduce.contains_key("key") {
        return (format!("{pointer}/key"), false);
    }
    (pointer.to_string(), false)
}

/// C6b: whether `pointer` is a valid JSON Pointer for a key, shuffle,
/// projection or selector: `""`, or `/`-separated non-empty tokens with
/// only `~0`/`~1` escapes. Reports it when not.
pub(crate) fn report_invalid_pointer(cx: &mut Context<'_>, pointer: &str, scope: &Scope) -> bool {
    if is_valid_pointer(pointer) {
        return true;
    }
    cx.report(Diagnostic::error(
        "C6b",
        scope.clone(),
        format!("\"{pointer}\" is not a valid JSON Pointer"),
    ));
    false
}

pub(crate) fn is_valid_pointer(pointer: &str) -> bool {
    if pointer.is_empty() {
        return true;
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return false;
    };
    rest.split('/').all(|token| {
        !token.is_empty() && {
            let mut chars = token.chars();
            let mut valid = true;
            while let Some(c) = chars.next() {
                if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                    valid = false;
                    break;
                }
            }
            valid
        }
    })
}

/// Who a key-like location belongs to, for C10 messages (§7.5 `{role}`).
pub(crate) enum KeyRole<'a> {
    Key { collection: &'a str },
    Partition { field: &'a str, collection: &'a str },
    Shuffle { transform: &'a str },
}

impl std::fmt::Display for KeyRole<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyRole::Key { collection } => write!(f, "key of collection \"{collection}\""),
            KeyRole::Partition { field, collection } => {
                write!(
                    f,
                    "partition field \"{field}\" of collection \"{collection}\""
                )
            }
            KeyRole::Shuffle { transform } => write!(f, "shuffle key of transform \"{transform}\""),
        }
    }
}

/// C10a–C10e for a key-like location (§7.5), reporting the first that fails
/// at `scope`. Returns whether the location is a valid key.
pub(crate) fn check_key_location(
    cx: &mut Context<'_>,
    shape: &Shape,
    schema_url: &Url,
    pointer: &str,
    role: &KeyRole<'_>,
    scope: &Scope,
) -> bool {
    // The role is formatted only into a message, not for every location.
    match shape::check_key_location(shape, pointer, role, schema_url.as_str()) {
        None => true,
        Some((code, message)) => {
            cx.report(Diagnostic::error(code, scope.clone(), message));
            false
        }
    }
}

/// Whether two schema URLs name the same sub-schema (after resolving
/// anchors and pointers), or are equal as written when they do not resolve.
pub(crate) fn same_schema(loaded: &Loaded, a: &Url, b: &Url) -> bool {
    match (
        loaded.schemas.resolved_place(a),
        loaded.schemas.resolved_place(b),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::test_support::*;

    #[test]
    fn pointer_syntax() {
        for valid in ["", "/a", "/a/0", "/a~0b/c~1d", "/正岡"] {
            assert!(is_valid_pointer(valid), "{valid}");
        }
        for invalid in ["a", "/a//b", "/", "/a/", "/~2", "/a~"] {
            assert!(!is_valid_pointer(invalid), "{invalid}");
        }
    }

    #[test]
    fn c7_unknown_anchor_at_the_schema_url() {
        let run = run(&[
            (
                "flow.yaml",
                "collections:\n  - name: acme/orders\n    schema: order.schema.yaml#Order\n    key: [/id]\n",
            ),
            (
                "order.schema.yaml",
                "$defs:\n  order:\n    $anchor: PurchaseOrder\n    type: object\n",
            ),
        ]);
        let found = run.only("C7");
        assert_eq!(run.text_at(found), "order.schema.yaml#Order");
        assert_eq!(
            found.message,
            "schema reference file:///p/order.schema.yaml#Order cannot be resolved"
        );
    }

    #[test]
    fn c7_missing_definition_inside_the_schema_file() {
        let run = run(&[
            (
                "flow.yaml",
                "collections:\n  - name: acme/orders\n    schema: order.schema.yaml\n    key: [/id]\n",
            ),
            (
                "order.schema.yaml",
                "$defs:\n  amount: { type: integer }\ntype: object\nproperties:\n  id: { type: string }\n  total: { $ref: \"#/$defs/money\" }\nrequired: [id]\n",
            ),
        ]);
        let found = run.only("C7");
        assert_eq!(run.file_of(found), "order.schema.yaml");
        assert_eq!(run.text_at(found), "\"#/$defs/money\"");
        assert!(
            found
                .message
                .contains("order.schema.yaml#/$defs/money cannot be resolved")
        );
        assert_eq!(run.related_text(found, 0), "acme/orders");
    }

    #[test]
    fn c9_invalid_keywords_once_per_document() {
        let collection = |name: &str| {
            format!("  - name: {name}\n    schema: member.schema.yaml\n    key: [/id]\n")
        };
        let run = run(&[
            (
                "flow.yaml",
                &format!("collections:\n{}{}", collection("a"), collection("b")),
            ),
            (
                "member.schema.yaml",
                "type: object\nproperties:\n  id: { type: integer }\n  name: { type: strnig }\nrequired: [id]\n",
            ),
        ]);
        let found = run.only("C9");
        assert_eq!(run.text_at(found), "strnig");
        assert!(
            found.message.starts_with(
                "invalid schema at file:///p/member.schema.yaml#/properties/name/type"
            )
        );
    }

    #[test]
    fn c9_unknown_strategy_points_at_the_strategy() {
        let run = run(&[(
            "flow.yaml",
            "collections:\n  - name: seeing\n    schema:\n      type: object\n      reduce: { strategy: average }\n      properties:\n        night: { type: string }\n      required: [night]\n    key: [/night]\n",
        )]);
        let found = run.only("C9");
        assert_eq!(run.text_at(found), "average");
        assert!(found.message.contains("invalid schema at"));
    }

    #[test]
    fn c9_bad_pattern() {
        let run = run(&[(
            "flow.yaml",
            "collections:\n  - name: vessels\n    schema:\n      type: object\n      properties:\n        imo: { type: string, pattern: \"^IMO([0-9]{7}$\" }\n      required: [imo]\n    key: [/imo]\n",
        )]);
        let found = run.only("C9");
        assert_eq!(run.text_at(found), "\"^IMO([0-9]{7}$\"");
    }

    #[test]
    fn a_broken_schema_does_not_cascade_into_key_checks() {
        let run = run(&[(
            "flow.yaml",
            "collections:\n  - name: members\n    schema:\n      type: object\n      reduce: { strategy: sum }\n      properties:\n        id: { type: strnig }\n      required: [id]\n    key: [/id]\ntests:\n  t:\n    - ingest:\n        collection: members\n        documents: [{ id: 1 }]\n",
        )]);
        let found = run.only("C9");
        assert_eq!(run.text_at(found), "strnig");
    }
}
