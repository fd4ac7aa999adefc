//! Tests (catalog.md §10): names (C32a duplicate, C32e empty), each step's
//! collection (C12/C13, visible from the test's file), ingests into derived
//! collections (C32c), ingest fixtures against the collection schema (C32d),
//! verify fixtures in key order (C32b) and verify partition selectors (C25).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use model::{Collection, Diagnostic, Scope, Test, TestStepSpec};
use serde_json::Value;

use crate::context::Context;
use crate::projections;
use crate::units::{Entity, UnitKind};

/// At most this many validation errors are quoted per invalid document.
const MAX_QUOTED_ERRORS: usize = 5;

pub(crate) fn check(cx: &mut Context<'_>) {
    let catalog = cx.catalog();
    let mut ingests = IngestsLeft::of(cx);
    let mut first: HashMap<&str, &Test> = HashMap::new();
    for test in &catalog.tests {
        if test.name.is_empty() {
            cx.report(
                Diagnostic::error("C32e", test.scope.clone(), "test names cannot be empty")
                    .at_key(),
            );
        }
        match first.get(test.name.as_str()) {
            Some(earlier) => {
                let message = format!(
                    "test \"{}\" is already defined at {}",
                    test.name, earlier.scope
                );
                cx.report(
                    Diagnostic::error("C32a", test.scope.clone(), message)
                        .at_key()
                        .with_related(earlier.scope.clone(), "the first definition"),
                );
            }
            None => {
                first.insert(&test.name, test);
            }
        }
        let entity = Entity::Test(Arc::clone(test));
        cx.unit(UnitKind::Test, entity, 0, |cx| {
            steps(cx, test, &mut ingests);
            Vec::new()
        });
    }
}

/// In a build whose memo keeps nothing afterwards, the number of ingest
/// steps still to check per collection name: after its last, a collection's
/// validator is released ([`crate::Memo::release_validator`]), so a large
/// catalog's tests do not hold every ingested collection's validator to the
/// end of the build. A miscount costs only a compilation or some memory.
struct IngestsLeft<'l>(Option<HashMap<&'l str, usize>>);

impl<'l> IngestsLeft<'l> {
    fn of(cx: &Context<'l>) -> IngestsLeft<'l> {
        if !cx.memo.is_one_build() {
            return IngestsLeft(None);
        }
        let mut left: HashMap<&str, usize> = HashMap::new();
        for test in &cx.catalog().tests {
            for step in &test.steps {
                if let TestStepSpec::Ingest(ingest) = step {
                    *left.entry(ingest.collection.as_str()).or_default() += 1;
                }
            }
        }
        IngestsLeft(Some(left))
    }

    /// Counts one ingest step into `collection` as checked.
    fn checked(&mut self, cx: &Context<'l>, collection: &'l Collection) {
        let Some(left) = self
            .0
            .as_mut()
            .and_then(|left| left.get_mut(collection.name.as_str()))
        else {
            return;
        };
        *left = left.saturating_sub(1);
        if *left == 0
            && let Some(url) = cx.schema_url(collection)
        {
            cx.memo.release_validator(&cx.loaded().schemas, url);
        }
    }
}

/// Each step of one test: its collection (C12, C13), ingests (C32c, C32d),
/// verifies (C32b, C25).
fn steps<'l>(cx: &mut Context<'l>, test: &'l Test, ingests: &mut IngestsLeft<'l>) {
    for (index, step) in test.steps.iter().enumerate() {
        let step_scope = test.scope.push(index).push(step.kind());
        let collection_scope = step_scope.push("collection");
        let collection = match cx.resolve_collection(step.collection(), &collection_scope) {
            Ok(collection) => collection,
            Err(unresolved) => {
                cx.report_unresolved(unresolved);
                continue;
            }
        };
        match step {
            TestStepSpec::Ingest(ingest) => {
                if collection.is_derived() {
                    let message = format!(
                        "\"{}\" is a derived collection and cannot be ingested into",
                        collection.name
                    );
                    cx.report(
                        Diagnostic::error("C32c", collection_scope, message).with_related(
                            collection.name_scope(),
                            "defined here with a derivation",
                        ),
                    );
                    continue;
                }
                ingest_documents(
                    cx,
                    collection,
                    &ingest.documents,
                    &step_scope.push("documents"),
                );
                ingests.checked(cx, collection);
            }
            TestStepSpec::Verify(verify) => {
                verify_order(
                    cx,
                    collection,
                    &verify.documents,
                    &step_scope.push("documents"),
                );
                if let Some(selector) = &verify.partitions {
                    projections::check_selector(
                        cx,
                        collection,
                        selector,
                        &step_scope.push("partitions"),
                    );
                }
            }
        }
    }
}

/// C32d: every ingested document must validate against the collection schema.
fn ingest_documents<'l>(
    cx: &mut Context<'l>,
    collection: &'l Collection,
    documents: &[Value],
    scope: &Scope,
) {
    let Some(url) = cx.schema_url(collection) else {
        return;
    };
    let Some(validator) = cx.validator(url) else {
        return;
    };
    for (index, document) in documents.iter().enumerate() {
        let Err(errors) = validator.validate(document) else {
            continue;
        };
        let quoted: Vec<String> = errors
            .iter()
            .take(MAX_QUOTED_ERRORS)
            .map(ToString::to_string)
            .collect();
        let mut detail = quoted.join("; ");
        if errors.len() > MAX_QUOTED_ERRORS {
            detail.push_str(&format!("; and {} more", errors.len() - MAX_QUOTED_ERRORS));
        }
        let message = format!(
            "ingest document {index} is invalid against the schema of \"{}\": {detail}",
            collection.name
        );
        cx.report(Diagnostic::error("C32d", scope.push(index), message));
    }
}

/// C32b: verify documents must be sorted by the collection key (runtime.md
/// §2.2); equal keys are allowed. The message carries the fixture re-sorted
/// with a stable sort, ready to paste.
fn verify_order(cx: &mut Context<'_>, collection: &Collection, documents: &[Value], scope: &Scope) {
    let key = &collection.spec.key;
    if key.is_empty()
        || key
            .iter()
            .any(|pointer| schema::pointer::tokens(pointer).is_none())
    {
        return;
    }
    let ordered = documents
        .windows(2)
        .all(|pair| json::order::compare_by_key(&pair[0], &pair[1], key) != Ordering::Greater);
    if ordered {
        return;
    }
    let mut sorted: Vec<&Value> = documents.iter().collect();
    sorted.sort_by(|a, b| json::order::compare_by_key(a, b, key));
    let rendered: Vec<String> = sorted.iter().map(|document| document.to_string()).collect();
    let message = format!(
        "verify documents must be ordered by the key [{}] of \"{}\"; expected order: [{}]",
        key.join(", "),
        collection.name,
        rendered.join(", ")
    );
    cx.report(Diagnostic::error("C32b", scope.clone(), message).at_key());
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::test_support::*;
    use serde_json::json;

    const ORDERS: &str =
        "collections:\n  - name: acme/orders\n    schema: order.schema.yaml\n    key: [/id]\n";
    const ORDER_SCHEMA: &str = "type: object\nproperties:\n  id: { type: string }\n  qty: { type: integer }\nrequired: [id, qty]\n";

    #[test]
    fn c32a_duplicate_test_names_across_files() {
        let test = "tests:\n  \"keeps qty\":\n    - verify:\n        collection: acme/orders\n        documents: []\n";
        let run = run(&[
            ("flow.yaml", "import: [orders.yaml, more.yaml]\n"),
            ("orders.yaml", &format!("{ORDERS}{test}")),
            ("more.yaml", &format!("import: [orders.yaml]\n{test}")),
            ("order.schema.yaml", ORDER_SCHEMA),
        ]);
        let found = run.only("C32a");
        assert_eq!(run.file_of(found), "more.yaml");
        assert_eq!(run.text_at(found), "\"keeps qty\"");
        assert!(found.message.contains(
            "test \"keeps qty\" is already defined at file:///p/orders.yaml#/tests/keeps qty"
        ));
        assert_eq!(run.related_text(found, 0), "\"keeps qty\"");
    }

    #[test]
    fn c32e_empty_test_name() {
        let run = run(&[
            (
                "flow.yaml",
                &format!(
                    "{ORDERS}tests:\n  \"\":\n    - ingest:\n        collection: acme/orders\n        documents: []\n"
                ),
            ),
            ("order.schema.yaml", ORDER_SCHEMA),
        ]);
        let found = run.only("C32e");
        assert_eq!(found.message, "test names cannot be empty");
        assert_eq!(run.text_at(found), "\"\"");
    }

    #[test]
    fn c32b_verify_order_with_resorted_fixture() {
        let run = run(&[
            (
                "flow.yaml",
                &format!(
                    "{ORDERS}tests:\n  t:\n    - verify:\n        collection: acme/orders\n        documents:\n          - {{ id: o-2, qty: 1 }}\n          - {{ qty: 5 }}\n          - {{ id: o-1, qty: 3 }}\n"
                ),
            ),
            ("order.schema.yaml", ORDER_SCHEMA),
        ]);
        let found = run.only("C32b");
        assert_eq!(run.text_at(found), "documents");
        assert!(
            found.message.starts_with(
                "verify documents must be ordered by the key [/id] of \"acme/orders\""
            )
        );
        assert!(
            found.message.ends_with(
                r#"expected order: [{"qty":5}, {"id":"o-1","qty":3}, {"id":"o-2","qty":1}]"#
            ),
            "{}",
            found.message
        );
    }

    #[test]
    fn c32b_equal_keys_and_sorted_fixtures_pass() {
        let run = run(&[
            (
                "flow.yaml",
                &format!(
                    "{ORDERS}tests:\n  t:\n    - verify:\n        collection: acme/orders\n        documents: [{{id: a, qty: 1}}, {{id: a, qty: 2}}, {{id: b, qty: 1}}]\n"
                ),
            ),
            ("order.schema.yaml", ORDER_SCHEMA),
        ]);
        run.assert_clean();
    }

    #[test]
    fn c32c_ingest_into_derived_collection() {
        let run = run(&[
            (
                "flow.yaml",
                &format!(
                    "{ORDERS}  - name: acme/copies\n    schema: order.schema.yaml\n    key: [/id]\n    derivation:\n      transform:\n        fromOrders:\n          source: {{ name: acme/orders }}\n          publish: {{ nodeJS: \"return [source];\" }}\ntests:\n  t:\n    - ingest:\n        collection: acme/copies\n        documents: [{{ id: a, qty: 1 }}]\n"
                ),
            ),
            ("order.schema.yaml", ORDER_SCHEMA),
        ]);
        let found = run.only("C32c");
        assert_eq!(run.text_at(found), "acme/copies");
        assert_eq!(
            found.message,
            "\"acme/copies\" is a derived collection and cannot be ingested into"
        );
    }

    #[test]
    fn c32d_invalid_ingest_document() {
        let run = run(&[
            (
                "flow.yaml",
                &format!(
                    "{ORDERS}tests:\n  t:\n    - ingest:\n        collection: acme/orders\n        documents:\n          - {{ id: o-1, qty: 1 }}\n          - {{ id: 7, qty: 2 }}\n"
                ),
            ),
            ("order.schema.yaml", ORDER_SCHEMA),
        ]);
        let found = run.only("C32d");
        assert_eq!(run.text_at(found), "{ id: 7, qty: 2 }");
        assert!(
            found.message.starts_with(
                "ingest document 1 is invalid against the schema of \"acme/orders\": /id:"
            ),
            "{}",
            found.message
        );
    }

    #[test]
    fn c12_and_c13_for_test_steps() {
        let run = run(&[
            ("flow.yaml", "import: [orders.yaml, tests.yaml]\n"),
            ("orders.yaml", ORDERS),
            ("order.schema.yaml", ORDER_SCHEMA),
            (
                "tests.yaml",
                "tests:\n  t:\n    - ingest:\n        collection: acme/orders\n        documents: []\n    - verify:\n        collection: billing/invoices\n        documents: []\n",
            ),
        ]);
        let c13 = run.all("C13");
        assert_eq!(c13.len(), 1);
        assert_eq!(run.text_at(c13[0]), "acme/orders");
        assert_eq!(
            c13[0].message,
            "\"acme/orders\" is defined in file:///p/orders.yaml, which file:///p/tests.yaml does not import (directly or indirectly)"
        );
        let c12 = run.all("C12");
        assert_eq!(c12.len(), 1);
        assert_eq!(run.text_at(c12[0]), "billing/invoices");
        assert_eq!(c12[0].message, "no collection named \"billing/invoices\"");
    }

    #[test]
    fn the_key_order_of_values() {
        let ordered = [
            json!(null),
            json!(false),
            json!(true),
            json!(-1),
            json!(1.5),
            json!(2),
            json!(u64::MAX),
            json!("a"),
            json!("b"),
            json!([1, 2]),
            json!([1, 2, 3]),
            json!([1, 3]),
            json!({"a": 1}),
            json!({"a": 1, "b": 0}),
            json!({"b": 0}),
        ];
        for pair in ordered.windows(2) {
            assert_eq!(
                json::order::compare(&pair[0], &pair[1]),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
        }
        assert_eq!(
            json::order::compare(&json!(20), &json!(20.0)),
            Ordering::Equal
        );
        let key = vec!["/k".to_string()];
        assert_eq!(
            json::order::compare_by_key(&json!({}), &json!({"k": null}), &key),
            Ordering::Less
        );
        assert_eq!(
            json::order::compare_by_key(&json!({}), &json!({}), &key),
            Ordering::Equal
        );
    }
}
