//! Tests of test discovery, lenses, `T1` diagnostics and the "accept
//! actual" rendering (block and flow styles, comments around it).

use serde_json::json;

use super::*;
use crate::apply_edits;
use crate::fixture::{analysis, url};

/// `text` after accepting `actual` for the sequence at `pointer`, which
/// must read back as `actual`.
fn accept(text: &str, pointer: &str, actual: Value) -> String {
    let parse = syntax::parse(text);
    let documents = actual.as_array().unwrap().clone();
    let edit = render_documents(text, &parse.tree, pointer, &documents).expect("an edit");
    let out = apply_edits(text, &[edit]);
    let reparsed = syntax::parse(&out);
    assert!(reparsed.errors.is_empty(), "{out}\n{:?}", reparsed.errors);
    let value = reparsed.tree.document_json().unwrap();
    let at = value.pointer(pointer).unwrap();
    assert_eq!(at, &actual, "{out}");
    out
}

#[test]
fn block_sequence_of_flow_mappings_keeps_its_style_and_key_order() {
    let text = r#"tests:
  "t":
    - verify:
        collection: a/b
        # In key order.
        documents:
          - { sensor: s-01, ts: "2024-03-01", celsius: 15 }
          - { sensor: s-02, ts: "2024-03-01", celsius: 14 }
        # after
    - ingest: { collection: a/b, documents: [] }
"#;
    let out = accept(
        text,
        "/tests/t/0/verify/documents",
        json!([
            {"celsius": 15.5, "sensor": "s-01", "ts": "2024-03-01", "zone": "north"},
            {"celsius": 14, "sensor": "s-02", "ts": "2024-03-01"},
            {"celsius": 1, "sensor": "s-03", "ts": "2024-03-02"},
        ]),
    );
    assert_eq!(
        out,
        r#"tests:
  "t":
    - verify:
        collection: a/b
        # In key order.
        documents:
          - { sensor: s-01, ts: "2024-03-01", celsius: 15.5, zone: north }
          - { sensor: s-02, ts: "2024-03-01", celsius: 14 }
          - { sensor: s-03, ts: "2024-03-02", celsius: 1 }
        # after
    - ingest: { collection: a/b, documents: [] }
"#
    );
}

#[test]
fn block_mappings_stay_block_at_their_indentation() {
    let text = "tests:
  t:
    - verify:
        collection: a/b
        documents:
            - id: 'one'
              total: 3
              nested:
                deep: 1
            - id: 'two'
              total: 4
              nested:
                deep: 2
    # trailing comment
";
    let out = accept(
        text,
        "/tests/t/0/verify/documents",
        json!([
            {"total": 5, "id": "one", "nested": {"deep": 1, "more": [1, 2]}},
            {"id": "it's", "total": 4, "nested": {"deep": 2}},
        ]),
    );
    assert_eq!(
        out,
        "tests:
  t:
    - verify:
        collection: a/b
        documents:
            - id: 'one'
              total: 5
              nested:
                deep: 1
                more: [1, 2]
            - id: 'it''s'
              total: 4
              nested:
                deep: 2
    # trailing comment
"
    );
}

#[test]
fn flow_sequences_stay_flow_on_one_line_or_several() {
    let text = "documents: [{id: 1, name: a}, {id: 2, name: b}] # kept\n";
    let out = accept(
        text,
        "/documents",
        json!([{"name": "true", "id": 1}, {"id": 2, "name": "x: y"}]),
    );
    assert_eq!(
        out,
        "documents: [{id: 1, name: \"true\"}, {id: 2, name: \"x: y\"}] # kept\n"
    );
    let text = "documents: [\n    { id: 1 },\n    { id: 2 }\n  ]\n";
    let out = accept(text, "/documents", json!([{"id": 1}, {"id": 3}, {"id": 4}]));
    assert_eq!(
        out,
        "documents: [\n    { id: 1 },\n    { id: 3 },\n    { id: 4 }\n  ]\n"
    );
    let out = accept(
        "documents: []\n",
        "/documents",
        json!([{"id": "2024-01-01"}]),
    );
    assert_eq!(out, "documents: [{ id: \"2024-01-01\" }]\n");
}

#[test]
fn an_absent_or_aliased_sequence_gets_no_edit() {
    let text = "a: &docs [{ id: 1 }]\ndocuments: *docs\nother: 3\n";
    let tree = syntax::parse(text).tree;
    assert!(render_documents(text, &tree, "/documents", &[json!({"id": 2})]).is_none());
    assert!(render_documents(text, &tree, "/other", &[json!({"id": 2})]).is_none());
    assert!(render_documents(text, &tree, "/missing", &[json!({"id": 2})]).is_none());
}

const SHOP: &str = r#"
#- /flow.yaml
collections:
  shop/orders:
    schema:
      type: object
      properties: { id: { type: string }, total: { type: integer, reduce: { strategy: sum } } }
      required: [id]
      reduce: { strategy: merge }
    key: [/id]
  shop/totals:
    schema:
      type: object
      properties: { id: { type: string }, total: { type: integer } }
      required: [id]
    key: [/id]
    derivation:
      transform:
        fromOrders:
          source: { name: shop/orders }
          publish: { nodeJS: "return [source];" }
tests:
  shop/b-sums:
    - ingest:
        collection: shop/orders
        documents: [{ id: "1", total: 2 }, { id: "1", total: 3 }]
    - verify:
        collection: shop/orders
        documents: [{ id: "1", total: 4 }]
  shop/a-first:
    - ingest: { collection: shop/orders, documents: [{ id: "2", total: 1 }] }
"#;

#[test]
fn discovery_lists_tests_in_run_order_with_their_steps() {
    let (analysis, _) = analysis(SHOP);
    let file = url("/flow.yaml");
    let tests = discover(&analysis, None);
    let names: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["shop/a-first", "shop/b-sums"]);
    let view = analysis.file(&file).unwrap();
    let sums = &tests[1];
    assert_eq!(
        &view.text[sums.selection.start as usize..sums.selection.end as usize],
        "shop/b-sums"
    );
    assert!(view.text[sums.range.start as usize..sums.range.end as usize].ends_with("total: 4 }]"));
    let steps: Vec<(usize, &str, &str)> = sums
        .steps
        .iter()
        .map(|s| (s.index, s.kind, s.collection.as_str()))
        .collect();
    assert_eq!(
        steps,
        [(0, "ingest", "shop/orders"), (1, "verify", "shop/orders")]
    );
    assert!(view.text[sums.steps[1].range.start as usize..].starts_with("verify:"));
    assert!(discover(&analysis, Some(&url("/other.flow.yaml"))).is_empty());

    let kinds: Vec<LensKind> = lenses(&analysis, &file)
        .into_iter()
        .map(|l| l.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            LensKind::RunAll,
            LensKind::Preview("shop/totals".to_string()),
            LensKind::RunTest("shop/b-sums".to_string()),
            LensKind::RunTest("shop/a-first".to_string()),
        ]
    );
    let run: Vec<&str> = tests_to_run(&analysis, Some(&file), Some(&["shop/b-sums".to_string()]))
        .iter()
        .map(|(_, test)| test.name.as_str())
        .collect();
    assert_eq!(run, ["shop/b-sums"]);
}

#[test]
fn a_failed_verify_is_a_t1_on_its_document_and_accepting_makes_it_pass() {
    let (analysis, _) = analysis(SHOP);
    let build = &analysis.roots()[0];
    let plan = runtime::engine::Plan::build(&build.loaded.catalog, &build.loaded.schemas).unwrap();
    let report = testing::run_all(&plan, &build.loaded.catalog);
    let failed = report.results.iter().find(|r| !r.passed()).unwrap();
    let diagnostics = verify_diagnostics(&build.loaded, failed);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let text = analysis.file(&url("/flow.yaml")).unwrap().text.to_string();
    let diagnostic = &diagnostics[0];
    assert_eq!(
        &text[diagnostic.range.start as usize..diagnostic.range.end as usize],
        "{ id: \"1\", total: 4 }"
    );
    assert!(
        diagnostic.message.contains("/total: expected 4, actual 5"),
        "{}",
        diagnostic.message
    );
    let accept = diagnostic.accept.as_ref().unwrap();
    assert_eq!(accept.pointer, "/tests/shop~1b-sums/1/verify/documents");
    let edit = accept_actual(
        &analysis,
        &url("/flow.yaml"),
        &accept.pointer,
        &accept.actual,
    )
    .unwrap();
    let fixed = apply_edits(&text, &[edit]);
    assert!(
        fixed.contains("documents: [{ id: \"1\", total: 5 }]"),
        "{fixed}"
    );
    let (analysis, _) = crate::fixture::analysis(&format!("#- /flow.yaml\n{fixed}"));
    let build = &analysis.roots()[0];
    let plan = runtime::engine::Plan::build(&build.loaded.catalog, &build.loaded.schemas).unwrap();
    assert!(testing::run_all(&plan, &build.loaded.catalog).all_passed());
}
