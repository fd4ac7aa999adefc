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

/// A generated catalog of `collections` collections and `tests` tests whose
/// schemas share a `$ref` to another document, loaded without a mistake.
fn load_note_catalog(collections: usize, tests: usize) -> load::Loaded {
    let note = r#"{ $ref: "shared.schema.yaml#/$defs/note" }"#;
    let text = test_utils::big::catalog_with_note_schema(collections, tests, note);
    let mut fetch = load::MemoryFetch::new();
    fetch.insert(url("flow.yaml"), text);
    fetch.insert(
        url("shared.schema.yaml"),
        "$defs:\n  note: { type: [string, \"null\"], maxLength: 200 }\n",
    );
    let loaded = load::load(&url("flow.yaml"), &fetch);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded
}

/// Inline schemas are kept as text: after a check, the only ones whose
/// value is alive are those a compiled validator's registry holds (the
/// tests' ingested collections), not every one the checks read (issue #7).
#[test]
fn a_checked_catalog_keeps_inline_schemas_as_text() {
    let loaded = load_note_catalog(400, 10);
    let inline =
        || {
            loaded.catalog.collections.iter().filter_map(|collection| {
                match &collection.spec.schema {
                    model::SchemaSpec::Inline(inline) => Some(&inline.0),
                    model::SchemaSpec::Url(_) => None,
                }
            })
        };
    assert_eq!(inline().count(), 400);
    assert!(inline().all(|json| json.text_len().is_some()));
    assert_eq!(inline().filter(|json| json.holds_value()).count(), 0);
    let diagnostics = crate::check(&loaded);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let held = inline().filter(|json| json.holds_value()).count();
    let stats = loaded.schemas.stats();
    assert!(
        held <= stats.registry_documents && held < 40,
        "{held} inline schemas held as values after the check; {stats:?}"
    );
}

/// Compilation work per schema does not grow with the catalog: the checks of
/// 8,000 collections compile at most 4× (plus slack) what 2,000 compile, in
/// validators, registries and registry documents seen per validator build.
/// Counted, not timed (`SchemaIndex::stats`).
#[test]
fn compile_work_grows_linearly_with_the_catalog() {
    let stats = |collections: usize| {
        // One test per 20 collections: compilations scale with the catalog.
        let loaded = load_note_catalog(collections, collections / 20);
        let diagnostics = crate::check(&loaded);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        let schemas = loaded.schemas.document_count();
        (schemas, loaded.schemas.stats())
    };
    let (small_schemas, small) = stats(2_000);
    let (large_schemas, large) = stats(8_000);
    assert!(
        small.compilations > 0 && small.validator_builds > 0,
        "{small:?}"
    );
    let factor = large_schemas as f64 / small_schemas as f64;
    let grows_linearly = |what: &str, small: usize, large: usize| {
        assert!(
            large as f64 <= small as f64 * factor * 1.1 + 10.0,
            "{what}: {small} for {small_schemas} schemas, {large} for {large_schemas}"
        );
    };
    grows_linearly("compilations", small.compilations, large.compilations);
    grows_linearly(
        "validator builds",
        small.validator_builds,
        large.validator_builds,
    );
    grows_linearly(
        "registry builds",
        small.registry_builds,
        large.registry_builds,
    );
    grows_linearly(
        "registry documents",
        small.registry_documents,
        large.registry_documents,
    );
    grows_linearly(
        "registry documents per validator build",
        small.validator_registry_documents,
        large.validator_registry_documents,
    );
}
