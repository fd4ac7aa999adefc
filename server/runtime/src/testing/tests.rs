//! Runner unit tests: verify matching rules, the failure report with its
//! per-document diff, test order and isolation, and that a failing lambda
//! fails only its own test.

use serde_json::json;

use super::*;
use crate::engine::RuntimeErrorKind;
use crate::lambda::{LambdaErrorKind, LambdaKind};

fn catalog(yaml: &str) -> (Catalog, Plan) {
    crate::engine::tests::plan(yaml)
}

#[test]
fn objects_match_as_subsets_and_arrays_as_prefixes() {
    assert!(matches(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    assert!(!matches(&json!({"a": 1, "b": 2}), &json!({"a": 1})));
    assert!(matches(
        &json!({"xs": [{"id": 1}]}),
        &json!({"xs": [{"id": 1, "n": 2}, {"id": 3}]})
    ));
    assert!(matches(&json!([]), &json!([1, 2, 3])));
    assert!(!matches(&json!([1, 2]), &json!([1])));
    assert!(!matches(&json!([2, 1]), &json!([1, 2])));
}

#[test]
fn numbers_match_by_value_and_within_tolerance() {
    assert!(matches(&json!(1), &json!(1.0)));
    assert!(matches(&json!(0.0), &json!(0)));
    assert!(matches(&json!(-0.0), &json!(0)));
    // Sums that differ in the last bit still match...
    assert_ne!(0.3_f64, 0.1 + 0.2);
    assert!(matches(&json!(0.3), &json!(0.1 + 0.2)));
    assert!(matches(&json!(0.1 + 0.2), &json!(0.3)));
    // ...but not values that really differ.
    assert!(!matches(&json!(3.8), &json!(3.800_000_000_001)));
    assert!(!matches(&json!(1), &json!(2)));
    // Integers beyond 2^53 compare as doubles under the tolerance rule.
    assert!(matches(
        &json!(9007199254740993_u64),
        &json!(9007199254740992_u64)
    ));
    assert!(!matches(
        &json!(9007199254740996_u64),
        &json!(9007199254740992_u64)
    ));
}

#[test]
fn missing_never_matches_and_types_must_agree() {
    assert!(matches(&json!({"a": null}), &json!({"a": null})));
    assert!(!matches(&json!({"a": null}), &json!({})));
    assert!(!matches(&json!({"a": null}), &json!({"a": 0})));
    assert!(!matches(&json!("1"), &json!(1)));
    assert!(!matches(&json!(true), &json!(1)));
    assert!(!matches(&json!({}), &json!([])));
}

#[test]
fn differences_name_pointer_expected_and_actual() {
    let found = differences(
        &json!({"a": {"b/c": 1}, "xs": [1, 2, 3], "m": null, "s": "x"}),
        &json!({"a": {"b/c": 2}, "xs": [1, 5], "s": "x"}),
    );
    assert_eq!(
        found,
        vec![
            Difference {
                pointer: "/a/b~1c".into(),
                expected: json!(1),
                actual: Some(json!(2))
            },
            Difference {
                pointer: "/xs/1".into(),
                expected: json!(2),
                actual: Some(json!(5))
            },
            Difference {
                pointer: "/xs/2".into(),
                expected: json!(3),
                actual: None
            },
            Difference {
                pointer: "/m".into(),
                expected: json!(null),
                actual: None
            },
        ]
    );
}

const CATALOG: &str = r#"
collections:
  - name: ints
    schema: {type: object, properties: {k: {type: string}, n: {type: integer}}, required: [k, n]}
    key: [/k]
  - name: sums
    schema:
      type: object
      properties: {k: {type: string}, total: {type: integer, reduce: {strategy: sum}}, count: {type: integer, reduce: {strategy: sum}}}
      required: [k]
      reduce: {strategy: merge}
    key: [/k]
    derivation:
      register: {schema: {type: integer, reduce: {strategy: sum}}, initial: 0}
      transform:
        fromInts:
          source: {name: ints}
          update: {nodeJS: "return [source.n];"}
          publish:
            nodeJS: |
              if (source.n === 13) { throw new Error('unlucky ' + register); }
              if (source.n === 14) { return 'nope'; }
              return [{k: source.k, total: register, count: 1}];
tests:
  "b: a failing lambda":
    - ingest: {collection: ints, documents: [{k: a, n: 13}]}
    - verify: {collection: sums, documents: []}
  "a: registers start from initial":
    - ingest: {collection: ints, documents: [{k: a, n: 13}, {k: a, n: 2}]}
    - verify: {collection: sums, documents: [{k: a, total: 2, count: 1}]}
  "c: a mismatch":
    - ingest: {collection: ints, documents: [{k: a, n: 2}, {k: b, n: 3}]}
    - ingest: {collection: ints, documents: [{k: b, n: 4}]}
    - verify:
        collection: sums
        documents:
          - {k: a, total: 2.0}
          - {k: b, total: 8, extra: null}
          - {k: c}
  "d: a non-array":
    - ingest: {collection: ints, documents: [{k: a, n: 14}]}
  "e: after the failures":
    - ingest: {collection: ints, documents: [{k: a, n: 2}, {k: a, n: 5}]}
    - verify: {collection: sums, documents: [{k: a, total: 5, count: 1}]}
"#;

#[test]
fn a_failing_lambda_fails_only_its_own_test() {
    let (catalog, plan) = catalog(CATALOG);
    let report = run_all(&plan, &catalog);
    let names: Vec<(&str, bool)> = report
        .results
        .iter()
        .map(|r| (r.name.as_str(), r.passed()))
        .collect();
    assert_eq!(
        names,
        [
            ("a: registers start from initial", true),
            ("b: a failing lambda", false),
            ("c: a mismatch", false),
            ("d: a non-array", false),
            ("e: after the failures", true),
        ]
    );
    assert_eq!((report.passed(), report.failed()), (2, 3));

    let failed = &report.results[1];
    assert_eq!(failed.scope.pointer, "/tests/b: a failing lambda");
    let failure = failed.failure.as_ref().expect("failed");
    assert_eq!(failure.step, Some(0));
    assert_eq!(failure.scope.pointer, "/tests/b: a failing lambda/0");
    let Problem::Error(error) = &failure.problem else {
        panic!("expected a runtime error: {failure}")
    };
    assert_eq!(
        error.kind,
        RuntimeErrorKind::Lambda(LambdaErrorKind::Thrown)
    );
    assert_eq!(error.lambda, Some(LambdaKind::Publish));
    assert_eq!(
        error.scope.as_ref().map(|scope| scope.pointer.as_str()),
        Some("/collections/1/derivation/transform/fromInts/publish/nodeJS")
    );
    assert_eq!(error.body_position.map(|p| p.line), Some(0));
    assert_eq!(
        error.to_string(),
        format!(
            "transform sums/fromInts publish lambda failed: Error: unlucky 13 (at line 1, column {} of the lambda body)\n  \
             source document: {{\"k\":\"a\",\"n\":13}}",
            error.body_position.map_or(0, |p| p.column + 1)
        )
    );
    assert_eq!(error.document, Some(json!({"k": "a", "n": 13})));

    let Some(Problem::Error(error)) = report.results[3].failure.as_ref().map(|f| &f.problem) else {
        panic!("expected a runtime error")
    };
    assert_eq!(
        error.kind,
        RuntimeErrorKind::Lambda(LambdaErrorKind::NotAnArray)
    );
    assert!(
        error.message.starts_with(
            "transform sums/fromInts publish lambda must return an array, got \"nope\""
        ),
        "{error}"
    );
}

#[test]
fn a_failing_verify_reports_a_per_document_diff() {
    let (catalog, plan) = catalog(CATALOG);
    let report = run_matching(
        &plan,
        &catalog,
        |test| test.name.starts_with("c:"),
        &RunOptions::default(),
    );
    assert_eq!(report.results.len(), 1);
    let result = &report.results[0];
    let failure = result.failure.as_ref().expect("failed");
    assert_eq!(failure.step, Some(2));
    assert_eq!(
        failure.document_scope(1).pointer,
        "/tests/c: a mismatch/2/verify/documents/1"
    );
    assert_eq!(
        failure.to_string(),
        "actual and expected documents did not match:\n\
         mismatched document at index 1:\n  \
         /total: expected 8, actual 10\n  \
         /extra: expected null, actual missing\n\
         missing expected document at index 2: {\"k\":\"c\"}"
    );
    // The verify's actual documents are kept for callers (inline results).
    assert_eq!(result.verifies.len(), 1);
    assert_eq!(
        result.verifies[0].actual,
        vec![
            json!({"k": "a", "total": 2, "count": 1}),
            json!({"k": "b", "total": 10, "count": 2})
        ]
    );
}

#[test]
fn tests_run_in_file_then_name_order() {
    let (catalog, _) = catalog(CATALOG);
    let names: Vec<&str> = ordered_tests(&catalog)
        .iter()
        .map(|test| test.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "a: registers start from initial",
            "b: a failing lambda",
            "c: a mismatch",
            "d: a non-array",
            "e: after the failures"
        ]
    );
}

#[test]
fn unexpected_documents_are_reported() {
    let mismatches = compare_documents(&[json!({"k": 1})], &[json!({"k": 1}), json!({"k": 2})]);
    assert_eq!(
        mismatches,
        vec![DocumentMismatch::Unexpected {
            index: 1,
            actual: json!({"k": 2})
        }]
    );
    let failure = TestFailure {
        step: Some(0),
        scope: model::Scope::new(
            url::Url::parse("file:///f.yaml").expect("url"),
            "/tests/t/0",
        ),
        problem: Problem::Mismatch(mismatches),
    };
    assert_eq!(
        failure.to_string(),
        "actual and expected documents did not match:\nunexpected actual document at index 1: {\"k\":2}"
    );
}

#[test]
fn parallel_workers_give_the_same_results_in_test_order() {
    let (catalog, plan) = catalog(CATALOG);
    let sequential = run_all(&plan, &catalog);
    let tests = ordered_tests(&catalog);
    let mut seen = Vec::new();
    let parallel = run_tests(
        &plan,
        &tests,
        &RunOptions {
            jobs: 3,
            ..RunOptions::default()
        },
        |result| seen.push(result.name.clone()),
    );
    let outcome = |report: &TestReport| -> Vec<(String, Option<String>)> {
        report
            .results
            .iter()
            .map(|r| (r.name.clone(), r.failure.as_ref().map(ToString::to_string)))
            .collect()
    };
    assert_eq!(outcome(&parallel), outcome(&sequential));
    let names: Vec<String> = tests.iter().map(|test| test.name.clone()).collect();
    assert_eq!(seen, names);
}

const GLOBALS: &str = r#"
collections:
  - name: ints
    schema: {type: object, properties: {k: {type: string}}, required: [k]}
    key: [/k]
  - name: counted
    schema: {type: object, properties: {k: {type: string}, count: {type: integer}}, required: [k]}
    key: [/k]
    derivation:
      transform:
        fromInts:
          source: {name: ints}
          publish:
            nodeJS: |
              globalThis.count = (globalThis.count || 0) + 1;
              console.log('count', globalThis.count);
              return [{k: source.k, count: globalThis.count}];
tests:
  "first":
    - ingest: {collection: ints, documents: [{k: a}]}
    - verify: {collection: counted, documents: [{k: a, count: 1}]}
  "second":
    - ingest: {collection: ints, documents: [{k: a}]}
    - verify: {collection: counted, documents: [{k: a, count: 1}]}
"#;

#[test]
fn each_test_starts_from_fresh_lambda_globals_and_keeps_its_console() {
    let (catalog, plan) = catalog(GLOBALS);
    let report = run_all(&plan, &catalog);
    for result in &report.results {
        assert!(result.passed(), "{}: {:?}", result.name, result.failure);
        assert_eq!(result.console.len(), 1, "{:?}", result.console);
        let line = &result.console[0];
        assert_eq!(line.text, "count 1");
        assert_eq!(line.lambda, "counted/fromInts");
        assert_eq!(line.kind, LambdaKind::Publish);
        assert_eq!(
            line.scope.pointer,
            "/collections/1/derivation/transform/fromInts/publish/nodeJS"
        );
    }
}

/// `(step, clock, [(transform, document id, register before, after, published)], [(collection, documents)])`.
fn summary(trace: &[StepTrace]) -> Vec<Value> {
    trace
        .iter()
        .map(|step| {
            let reads: Vec<Value> = step
                .reads
                .iter()
                .map(|read| {
                    json!([
                        format!("{}/{}", read.derivation, read.transform),
                        read.document["id"],
                        read.register_before,
                        read.register_after,
                        read.published,
                        read.failed
                    ])
                })
                .collect();
            let states: Vec<Value> = step
                .states
                .iter()
                .map(|state| {
                    json!([
                        state.collection,
                        state.documents.clone().unwrap_or_default()
                    ])
                })
                .collect();
            json!([step.step, step.clock, reads, states])
        })
        .collect()
}

#[test]
fn a_traced_run_records_reads_registers_and_states_per_step() {
    let (catalog, plan) = catalog(crate::preview::tests::BAKERY);
    let tests = ordered_tests(&catalog);
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let report = run_tests(&plan, &tests, &options, |_| {});
    let [huge, rolls] = &report.results[..] else {
        panic!("two results: {report:?}");
    };
    assert!(rolls.passed());
    assert_eq!(
        summary(&rolls.trace),
        vec![
            json!([0, 0,
                [
                    ["bakery/loaves/fromOrders", 1, 0, 2, [{"loaf": "rye", "sold": 2}], false],
                    ["bakery/loaves/fromOrders", 2, 2, 5, [{"loaf": "rye", "sold": 3}], false],
                ],
                [
                    ["bakery/orders", [{"id": 1, "loaf": "rye", "qty": 2}, {"id": 2, "loaf": "rye", "qty": 3}]],
                    ["bakery/loaves", [{"loaf": "rye", "sold": 5}]],
                ]
            ]),
            // A verify reads nothing here, and shows the verified collection.
            json!([1, 0, [], [["bakery/loaves", [{"loaf": "rye", "sold": 5}]]]]),
        ]
    );
    // A failure's trace ends with the failing step, its failed read last.
    assert_eq!(huge.failure.as_ref().and_then(|f| f.step), Some(1));
    assert_eq!(
        summary(&huge.trace),
        vec![
            json!([0, 0,
                [["bakery/loaves/fromOrders", 1, 0, 1, [{"loaf": "spelt", "sold": 1}], false]],
                [
                    ["bakery/orders", [{"id": 1, "loaf": "spelt", "qty": 1}]],
                    ["bakery/loaves", [{"loaf": "spelt", "sold": 1}]],
                ]
            ]),
            json!([1, 0,
                [["bakery/loaves/fromOrders", 2, 1, 61, [], true]],
                [["bakery/orders", [{"id": 1, "loaf": "spelt", "qty": 1}, {"id": 2, "loaf": "spelt", "qty": 60}]]]
            ]),
        ]
    );

    // Untraced runs record nothing.
    let report = run_tests(&plan, &tests, &RunOptions::default(), |_| {});
    assert!(report.results.iter().all(|result| result.trace.is_empty()));
}

#[test]
fn a_cancelled_run_keeps_the_results_before_the_cancel_on_one_or_many_workers() {
    let (catalog, plan) = catalog(crate::preview::tests::BAKERY);
    let tests = ordered_tests(&catalog);
    assert_eq!(tests.len(), 2);
    for jobs in [1, 2] {
        let options = RunOptions {
            jobs,
            ..RunOptions::default()
        };
        // Cancelled once the first result is in: the second test either
        // never starts or stops at its next step, and gives no result.
        let stop = std::sync::atomic::AtomicBool::new(false);
        let mut seen = 0;
        let (report, cancelled) = run_tests_until(
            &plan,
            &tests,
            &options,
            &|| stop.load(Ordering::Acquire),
            |_| {
                seen += 1;
                stop.store(true, Ordering::Release);
            },
        );
        assert_eq!(seen, report.results.len());
        assert_eq!(cancelled, report.results.len() < tests.len());
        if jobs == 1 {
            assert_eq!(report.results.len(), 1, "{report:?}");
        }
        // (With two workers both tests may finish before the first result
        // is handed on; then nothing was cancelled.)
        // Cancelled before anything: no result at all.
        let (report, cancelled) = run_tests_until(&plan, &tests, &options, &|| true, |_| {});
        assert!(report.results.is_empty() && cancelled, "jobs {jobs}");
    }
}

#[test]
fn a_stop_flag_ends_a_looping_lambda_long_before_its_time_limit() {
    let (catalog, plan) = catalog(
        r#"
collections:
  - name: spin/in
    schema: { type: object, properties: { id: { type: string } }, required: [id] }
    key: [/id]
  - name: spin/out
    schema: { type: object, properties: { id: { type: string } }, required: [id] }
    key: [/id]
    derivation:
      transform:
        spin:
          source: { name: spin/in }
          publish: { nodeJS: "while (true) {}" }
tests:
  spin/forever:
    - ingest: { collection: spin/in, documents: [{ id: "1" }] }
"#,
    );
    let tests = ordered_tests(&catalog);
    let stop = crate::lambda::StopFlag::default();
    stop.0.store(true, Ordering::Release);
    let options = RunOptions {
        // An hour: only the stop flag can end the call.
        lambda: QuickJsConfig {
            time_limit: Duration::from_secs(3600),
            stop: stop.clone(),
            ..QuickJsConfig::default()
        },
        ..RunOptions::default()
    };
    let (report, cancelled) = run_tests_until(&plan, &tests, &options, &|| stop.is_set(), |_| {});
    assert!(cancelled && report.results.is_empty());
    // Without the cancel asked, the stopped call is the test's failure.
    let report = run_tests(&plan, &tests, &options, |_| {});
    assert!(!report.results[0].passed());
}
