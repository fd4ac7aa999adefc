//! The checks over whole catalogs: the conformance corpus must have no error
//! and no warning, and a large chained catalog must check cleanly.

use crate::test_support::*;

#[test]
fn the_corpus_checks_cleanly() {
    let loaded = test_utils::corpus::load_corpus();
    let diagnostics = crate::check(&loaded);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}

#[test]
fn a_thousand_chained_collections_check_cleanly() {
    let mut text = String::from("collections:\n");
    for index in 0..1000 {
        text.push_str(&format!(
            "  - name: acme/c{index}\n    schema:\n      type: object\n      properties:\n        id: {{ type: string }}\n        n: {{ type: integer }}\n      required: [id]\n    key: [/id]\n    projections:\n      n: /n\n"
        ));
        if index > 0 {
            text.push_str(&format!(
                "    derivation:\n      transform:\n        fromPrevious:\n          source: {{ name: acme/c{} }}\n          publish: {{ nodeJS: \"return [source];\" }}\n",
                index - 1
            ));
        }
    }
    text.push_str("tests:\n  t:\n    - ingest:\n        collection: acme/c0\n        documents: [{ id: a }, { id: b }]\n");
    let mut fetch = load::MemoryFetch::new();
    fetch.insert(url("flow.yaml"), text);
    let loaded = load::load(&url("flow.yaml"), &fetch);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    // Speed is measured by `cargo bench -p check --bench build`, not here.
    let diagnostics = crate::check(&loaded);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}
