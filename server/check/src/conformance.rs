//! The checks over whole catalogs: the conformance corpus must have no error
//! and no warning, and a large generated catalog must check quickly.

use load::{DiskFetch, UrlMapping};
use url::Url;

use crate::test_support::*;

#[test]
fn the_corpus_checks_cleanly() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/estuary-docs/");
    let corpus = corpus.canonicalize().expect("the corpus is present");
    let fetch = DiskFetch::new(
        vec![UrlMapping {
            prefix: "https://raw.githubusercontent.com/estuary/docs/developer-docs/".to_string(),
            dir: corpus.clone(),
        }],
        true,
    );
    let root = Url::from_file_path(corpus.join("flow.yaml")).expect("corpus root URL");
    let loaded = load::load(&root, &fetch);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let diagnostics = crate::check(&loaded);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}

#[test]
fn a_thousand_collections_check_quickly() {
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
    let started = std::time::Instant::now();
    let diagnostics = crate::check(&loaded);
    let elapsed = started.elapsed();
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    eprintln!("checked 1000 collections in {elapsed:?}");
    // Well under a second in release builds; generous for test builds.
    assert!(elapsed.as_secs_f64() < 2.0, "took {elapsed:?}");
}
