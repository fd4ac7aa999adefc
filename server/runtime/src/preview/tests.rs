//! Preview tests on a small bakery catalog: runs per feeding test with the
//! per-transform reads, given inputs, lambda errors at their body position,
//! isolation from failing derivations elsewhere, and each refusal.

use serde_json::{Value, json};

use super::*;
use crate::engine::tests::{lambdas, plan};

pub(crate) const BAKERY: &str = r#"
collections:
  - name: bakery/orders
    schema:
      type: object
      properties: {id: {type: integer}, loaf: {type: string}, qty: {type: integer}}
      required: [id, loaf, qty]
    key: [/id]
  - name: bakery/flour
    schema: {type: object, properties: {sack: {type: string}}, required: [sack]}
    key: [/sack]
  - name: bakery/loaves
    schema:
      type: object
      reduce: {strategy: merge}
      properties:
        loaf: {type: string}
        sold: {type: integer, reduce: {strategy: sum}}
      required: [loaf, sold]
    key: [/loaf]
    derivation:
      register:
        schema: {type: integer, reduce: {strategy: sum}}
        initial: 0
      transform:
        fromOrders:
          source: {name: bakery/orders}
          shuffle: [/loaf]
          update: {nodeJS: "return [source.qty];"}
          publish:
            nodeJS: |
              if (source.qty > 50) {
                throw new Error("nobody bakes " + source.qty + " loaves");
              }
              return [{loaf: source.loaf, sold: source.qty}];
  - name: bakery/sacks
    schema: {type: object, properties: {sack: {type: string}}, required: [sack]}
    key: [/sack]
    derivation:
      transform:
        fromFlour:
          source: {name: bakery/flour}
          publish: {nodeJS: "return [source];"}
tests:
  "orders roll up per loaf":
    - ingest:
        collection: bakery/orders
        documents: [{id: 1, loaf: rye, qty: 2}, {id: 2, loaf: rye, qty: 3}]
    - verify:
        collection: bakery/loaves
        documents: [{loaf: rye, sold: 5}]
  "a huge order is refused":
    - ingest:
        collection: bakery/orders
        documents: [{id: 1, loaf: spelt, qty: 1}]
    - ingest:
        collection: bakery/orders
        documents: [{id: 2, loaf: spelt, qty: 60}]
"#;

fn never() -> bool {
    false
}

fn request(collection: &str) -> PreviewRequest {
    PreviewRequest {
        collection: collection.to_owned(),
        inputs: Vec::new(),
    }
}

fn run_preview(yaml: &str, request: &PreviewRequest) -> Result<Preview, PreviewError> {
    let (catalog, plan) = plan(yaml);
    preview(&plan, &catalog, &[], &mut lambdas(), request, &never)
}

/// (document, register before, register after, published) of each read.
fn reads(output: &TransformOutput) -> Vec<Value> {
    output
        .reads
        .iter()
        .map(|read| {
            json!([
                read.document,
                read.register_before,
                read.register_after,
                read.published,
                read.failed
            ])
        })
        .collect()
}

#[test]
fn each_feeding_test_runs_on_its_own_with_reads_per_transform() {
    let preview = run_preview(BAKERY, &request("bakery/loaves")).expect("a preview");
    assert_eq!(preview.runs.len(), 2);
    // Tests run in name order: "a huge…" first.
    let huge = &preview.runs[0];
    let rolls = &preview.runs[1];
    assert_eq!(rolls.test.as_deref(), Some("orders roll up per loaf"));
    assert!(rolls.failure.is_none());
    assert_eq!(rolls.transforms.len(), 1);
    assert_eq!(rolls.transforms[0].transform, "fromOrders");
    assert_eq!(
        reads(&rolls.transforms[0]),
        vec![
            json!([{"id": 1, "loaf": "rye", "qty": 2}, 0, 2, [{"loaf": "rye", "sold": 2}], false]),
            json!([{"id": 2, "loaf": "rye", "qty": 3}, 2, 5, [{"loaf": "rye", "sold": 3}], false]),
        ]
    );
    // One transaction: combined per key before it was written.
    assert_eq!(rolls.published, vec![json!({"loaf": "rye", "sold": 5})]);
    assert_eq!(rolls.reduced, vec![json!({"loaf": "rye", "sold": 5})]);

    // From empty state: the other test's rye is not here. Its second ingest
    // throws, at the line of the `throw` in the publish body.
    assert_eq!(huge.test.as_deref(), Some("a huge order is refused"));
    assert_eq!(huge.published, vec![json!({"loaf": "spelt", "sold": 1})]);
    let failure = huge.failure.as_ref().expect("the lambda threw");
    assert_eq!(failure.step, Some(1));
    let Problem::Error(error) = &failure.problem else {
        panic!("a runtime error, not {failure:?}");
    };
    assert!(error.message.contains("nobody bakes 60 loaves"), "{error}");
    assert!(
        error
            .scope
            .as_ref()
            .is_some_and(|scope| scope.pointer.ends_with("/fromOrders/publish/nodeJS")),
        "{error:?}"
    );
    assert_eq!(error.body_position.map(|p| p.line), Some(1));
    // The failing read is in the trace, marked, with the register its update made.
    let last = huge.transforms[0].reads.last().expect("reads");
    assert!(last.failed);
    assert_eq!(
        (&last.register_before, &last.register_after),
        (&json!(1), &json!(61))
    );
}

#[test]
fn given_inputs_replace_the_tests() {
    let mut request = request("bakery/loaves");
    request.inputs = vec![(
        "bakery/orders".to_owned(),
        vec![
            json!({"id": 7, "loaf": "rye", "qty": 1}),
            json!({"id": 8, "loaf": "barley", "qty": 4}),
        ],
    )];
    let preview = run_preview(BAKERY, &request).expect("a preview");
    assert_eq!(preview.runs.len(), 1);
    let run = &preview.runs[0];
    assert_eq!(run.test, None);
    assert!(run.failure.is_none());
    assert_eq!(
        run.reduced,
        vec![
            json!({"loaf": "barley", "sold": 4}),
            json!({"loaf": "rye", "sold": 1})
        ]
    );
}

#[test]
fn a_failing_derivation_elsewhere_does_not_stop_a_preview() {
    // Another reader of the orders that always throws: `flowctl test` fails,
    // the preview of the loaves does not run it.
    let broken = r#"
  - name: bakery/broken
    schema: {type: object, properties: {id: {type: integer}}, required: [id]}
    key: [/id]
    derivation:
      transform:
        fromOrders:
          source: {name: bakery/orders}
          publish: {nodeJS: "throw new Error('never works');"}
tests:"#;
    let yaml = BAKERY.replacen("\ntests:", broken, 1);
    let preview = run_preview(&yaml, &request("bakery/loaves")).expect("a preview");
    assert!(
        preview.runs[1].failure.is_none(),
        "{:?}",
        preview.runs[1].failure
    );
    assert_eq!(
        preview.runs[1].reduced,
        vec![json!({"loaf": "rye", "sold": 5})]
    );
}

#[test]
fn refusals_say_why() {
    let message = |result: Result<Preview, PreviewError>| match result {
        Ok(preview) => panic!("unexpected preview {preview:?}"),
        Err(error) => error.to_string(),
    };
    assert_eq!(
        message(run_preview(BAKERY, &request("bakery/sacks"))),
        "no input documents for \"bakery/flour\" (no test ingests into it; give some with --input COLLECTION=FILE)"
    );
    assert_eq!(
        message(run_preview(BAKERY, &request("bakery/orders"))),
        "\"bakery/orders\" is not a derived collection: only derivations can be previewed"
    );
    assert_eq!(
        message(run_preview(BAKERY, &request("bakery/loaf"))),
        "no collection named \"bakery/loaf\""
    );
    let mut wrong = request("bakery/loaves");
    wrong.inputs = vec![("bakery/flour".to_owned(), vec![json!({"sack": "a"})])];
    assert_eq!(
        run_preview(BAKERY, &wrong),
        Err(PreviewError::NotASource {
            input: "bakery/flour".to_owned(),
            collection: "bakery/loaves".to_owned()
        })
    );

    let (catalog, plan) = plan(BAKERY);
    let diagnostic = |message: &str| {
        Diagnostic::error(
            "C12",
            model::Scope::new(
                url::Url::parse("file:///p/flow.yaml").expect("URL"),
                "/collections/2",
            ),
            message,
        )
    };
    let diagnostics = [diagnostic("first"), diagnostic("second")];
    let refused = preview(
        &plan,
        &catalog,
        &diagnostics,
        &mut lambdas(),
        &request("bakery/loaves"),
        &never,
    );
    assert_eq!(
        message(refused),
        "the catalog has 2 error(s); the first, at file:///p/flow.yaml#/collections/2: C12: first"
    );

    // Cancelled before the first step of the first test.
    let cancelled = preview(
        &plan,
        &catalog,
        &[],
        &mut lambdas(),
        &request("bakery/loaves"),
        &|| true,
    );
    assert_eq!(cancelled, Err(PreviewError::Cancelled));
}

#[test]
fn a_run_cancelled_halfway_stops_between_steps() {
    let (catalog, plan) = plan(BAKERY);
    let asked = std::cell::Cell::new(0);
    // Yes on the third question: after the first test's first step and
    // between its steps.
    let cancel = || {
        asked.set(asked.get() + 1);
        asked.get() >= 3
    };
    let result = preview(
        &plan,
        &catalog,
        &[],
        &mut lambdas(),
        &request("bakery/loaves"),
        &cancel,
    );
    assert_eq!(result, Err(PreviewError::Cancelled));
    assert_eq!(asked.get(), 3);
}

#[test]
fn a_looping_lambda_fails_its_run_naming_the_time_limit() {
    let yaml = BAKERY.replace(
        "update: {nodeJS: \"return [source.qty];\"}",
        "update: {nodeJS: \"while (true) {}\"}",
    );
    let (catalog, plan) = plan(&yaml);
    let mut lambdas = Lambdas::quickjs(crate::lambda::QuickJsConfig {
        time_limit: Duration::from_millis(50),
        ..Default::default()
    })
    .expect("QuickJS starts");
    let preview = preview(
        &plan,
        &catalog,
        &[],
        &mut lambdas,
        &request("bakery/loaves"),
        &never,
    )
    .expect("a preview");
    for run in &preview.runs {
        let failure = run.failure.as_ref().expect("the update lambda loops");
        assert_eq!(failure.step, Some(0));
        let message = failure.to_string();
        assert!(message.contains("time limit"), "{message}");
    }
}
