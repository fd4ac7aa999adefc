//! Preview fixtures: a feeding test's run, given documents, and a lambda
//! that throws, placed in the body.

use serde_json::json;

use super::*;
use crate::fixture;

const BAKERY: &str = r#"
#- /flow.yaml
collections:
  bakery/loaves:
    schema:
      type: object
      properties: { oven: { type: string }, count: { type: integer } }
      required: [oven, count]
    key: [/oven]
  bakery/per-oven:
    schema:
      type: object
      properties: { oven: { type: string }, count: { type: integer, reduce: { strategy: sum } } }
      required: [oven]
      reduce: { strategy: merge }
    key: [/oven]
    derivation:
      transform:
        fromLoaves:
          source: { name: bakery/loaves }
          publish:
            nodeJS: |
              if (source.count < 0) { throw new Error("negative loaves"); }
              return [{ oven: source.oven, count: source.count }];
tests:
  bakery/morning:
    - ingest:
        collection: bakery/loaves
        documents: [{ oven: east, count: 3 }, { oven: west, count: 2 }]
"#;

/// The text of `/flow.yaml` (after its fixture header).
fn file_text() -> &'static str {
    &BAKERY[BAKERY.find("collections:").expect("the file")..]
}

fn run(request: PreviewRequest) -> Result<Preview, PreviewError> {
    let (analysis, _) = fixture::analysis(BAKERY);
    let mut lambdas = lambda_host(std::time::Duration::from_secs(1), Default::default()).expect("a host");
    preview(
        &analysis,
        Some(&fixture::url("/flow.yaml")),
        &request,
        &mut lambdas,
        &|| false,
    )
}

#[test]
fn a_feeding_test_runs_and_its_transform_is_placed() {
    let preview = run(PreviewRequest {
        collection: "bakery/per-oven".to_owned(),
        inputs: Vec::new(),
    })
    .expect("a preview");
    assert_eq!(preview.runs.len(), 1);
    let run = &preview.runs[0];
    assert_eq!(run.test.as_deref(), Some("bakery/morning"));
    assert_eq!(run.error, None);
    assert_eq!(
        run.reduced,
        [json!({"oven": "east", "count": 3}), json!({"oven": "west", "count": 2})]
    );
    let transform = &run.transforms[0];
    assert_eq!(transform.name, "fromLoaves");
    assert_eq!(transform.reads.len(), 2);
    let at = transform.location.as_ref().expect("placed");
    assert_eq!(&file_text()[at.range.start as usize..at.range.end as usize], "fromLoaves");
}

#[test]
fn a_throwing_lambda_is_placed_at_the_throw() {
    let preview = run(PreviewRequest {
        collection: "bakery/per-oven".to_owned(),
        inputs: vec![("bakery/loaves".to_owned(), vec![json!({"oven": "east", "count": -1})])],
    })
    .expect("a preview");
    let error = preview.runs[0].error.as_ref().expect("it failed");
    assert!(error.message.contains("negative loaves"), "{}", error.message);
    let at = error.location.as_ref().expect("placed");
    let text = file_text();
    let line_start = text[..at.range.start as usize].rfind('\n').map_or(0, |n| n + 1);
    assert!(text[line_start..].starts_with("              if (source.count < 0) { throw"));
}

#[test]
fn refusals_are_the_runtime_s() {
    let error = run(PreviewRequest {
        collection: "bakery/loaves".to_owned(),
        inputs: Vec::new(),
    })
    .expect_err("not derived");
    assert_eq!(error, PreviewError::NotDerived("bakery/loaves".to_owned()));
}
