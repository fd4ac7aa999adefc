//! A second thread for a cold check ([`crate::check_parallel`]): while the
//! checks run in catalog order on the calling thread, a helper fills the
//! [`Memo`] with the schema and lambda work they will ask for, starting
//! from the last collection, so the two meet in the middle. The memo's
//! entries are functions of the documents and bodies they read (a memoised
//! build reports exactly what a cold one does), so what the helper
//! computes is what the check would have; a result both happen to compute
//! is computed twice, never differently. The helper stops as soon as the
//! check is done. Once past the first collection it goes on with the
//! tests, last first: the validators of the collections their ingest steps
//! name (C32d, the last checks to run; without this the check thread
//! compiled them alone while the helper had finished).

use std::sync::atomic::{AtomicBool, Ordering};

use load::Loaded;
use model::{Collection, LambdaSpec, TestStepSpec};
use runtime::lambda::LambdaKind;
use url::Url;

use crate::Memo;
use crate::lambdas;

/// Computes, last collection first, the C7/C9 problems of the documents each
/// collection's schemas reach, their shapes with inspections, its register
/// schema's validator, and its lambdas' C29 verdicts; then, last test first,
/// the validators of the collections that ingest steps name; until `done`.
pub(crate) fn warm(loaded: &Loaded, memo: &Memo, done: &AtomicBool) {
    for collection in loaded.catalog.collections.iter().rev() {
        if done.load(Ordering::Relaxed) {
            return;
        }
        warm_collection(loaded, memo, collection, done);
    }
    warm_tests(loaded, memo, done);
}

/// The validators of the collections named by ingest steps, last test first.
fn warm_tests(loaded: &Loaded, memo: &Memo, done: &AtomicBool) {
    let catalog = &loaded.catalog;
    if catalog.tests.is_empty() {
        return;
    }
    // As the checks resolve names.
    let by_name = crate::context::first_of_each_name(catalog);
    for test in catalog.tests.iter().rev() {
        for step in &test.steps {
            if done.load(Ordering::Relaxed) {
                return;
            }
            let TestStepSpec::Ingest(ingest) = step else {
                continue;
            };
            let url = by_name
                .get(ingest.collection.as_str())
                .and_then(|&index| catalog.collections[index].schema_url());
            // Past the checks (they released it), or not usable by them.
            if let Some(url) = url
                && !memo.was_released(&url)
            {
                // Its problems (if not known yet) and its validator read
                // one build of its documents.
                model::compact::holding(|| {
                    if usable(loaded, memo, &url) {
                        let _ = memo.validator(&loaded.schemas, &url);
                    }
                });
            }
        }
    }
}

/// Whether the checks would use the schema at `url`: it resolves and every
/// document it reaches is free of C7/C9 problems (computing those).
fn usable(loaded: &Loaded, memo: &Memo, url: &Url) -> bool {
    let schemas = &loaded.schemas;
    let clean = schemas
        .reached_documents(url)
        .into_iter()
        .all(|document| memo.problems(schemas, document).is_empty());
    clean && schemas.resolves(url)
}

fn warm_collection(loaded: &Loaded, memo: &Memo, collection: &Collection, done: &AtomicBool) {
    let schemas = &loaded.schemas;
    let register = collection.register_schema_url();
    for (_, _, transform) in collection.transforms() {
        for (kind, lambda) in [
            (LambdaKind::Update, &transform.update),
            (LambdaKind::Publish, &transform.publish),
        ] {
            if let Some(LambdaSpec::NodeJs(body)) = lambda {
                if done.load(Ordering::Relaxed) {
                    return;
                }
                memo.lambda_errors(kind, body, || lambdas::syntax_errors(body, kind));
            }
        }
    }
    // Its own schema, its register's and its transforms' sources', as the
    // lowering placed them.
    let urls = collection
        .schemas()
        .filter_map(|(place, _)| place.url.as_ref().ok());
    for url in urls {
        if done.load(Ordering::Relaxed) {
            return;
        }
        // Its documents' values, if built, held across its problems, shape
        // and validator: built at most once (and not at all when the
        // checks already computed these).
        model::compact::holding(|| {
            if !usable(loaded, memo, url) {
                return;
            }
            if let Some(inferred) = memo.shape(schemas, url) {
                inferred.inspections(schemas, url);
            }
            if register.as_ref() == Some(url) {
                let _ = memo.validator(schemas, url);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::run_allowing_load_errors;

    /// A memo the helper filled completely gives the checks what they would
    /// have computed: the same diagnostics, in the same order, and no schema
    /// or lambda work left for them (the ingest step's validator included).
    #[test]
    fn a_fully_warmed_check_is_exactly_a_cold_one() {
        let run = run_allowing_load_errors(&[
            (
                "flow.yaml",
                "collections:\n  a/src:\n    schema: s.yaml\n    key: [/k]\n  a/bad:\n    schema: {type: object, properties: {k: {type: strin}}, reduce: {strategy: nope}}\n    key: [/k]\n  a/derived:\n    schema: s.yaml#/$defs/out\n    key: [/k]\n    derivation:\n      register:\n        schema: {type: integer}\n        initial: \"zero\"\n      transform:\n        fromSrc:\n          source: {name: a/src, schema: {type: object, properties: {k: {$ref: 'missing.yaml'}}}}\n          update: {nodeJS: \"return [source.k];\"}\n          publish: {nodeJS: \"return [{k: }];\"}\ntests:\n  t:\n    - ingest: {collection: a/src, documents: [{k: x}, {k: 1}]}\n",
            ),
            (
                "s.yaml",
                "type: object\nproperties: {k: {type: string}}\nrequired: [k]\n$defs:\n  out: {type: object, properties: {k: {type: string, reduce: {strategy: sum}}}}\n",
            ),
        ]);
        assert!(run.diagnostics.len() >= 3, "{:#?}", run.diagnostics);
        let memo = Memo::new();
        warm(&run.loaded, &memo, &AtomicBool::new(false));
        let warmed = memo.stats();
        assert!(warmed.shapes > 0 && warmed.validators > 0, "{warmed:?}");
        assert!(warmed.documents > 0 && warmed.lambdas == 2, "{warmed:?}");
        // The register's validator and the ingested collection's.
        assert_eq!(warmed.validators, 2, "{warmed:?}");
        assert_eq!(crate::check_with(&run.loaded, &memo), run.diagnostics);
        let after = memo.stats();
        assert_eq!(
            (
                after.shapes,
                after.validators,
                after.documents,
                after.lambdas
            ),
            (
                warmed.shapes,
                warmed.validators,
                warmed.documents,
                warmed.lambdas
            ),
            "the checks found everything computed"
        );
        // Stopped at once, the helper computes nothing.
        let memo = Memo::new();
        warm(&run.loaded, &memo, &AtomicBool::new(true));
        assert_eq!(memo.stats().shapes + memo.stats().lambdas, 0);
    }

    /// A cold check builds each inline schema's value once for its
    /// problems, shape and (a register's) validator, and once more for
    /// the validator of an ingest step (C32d, in another unit); after the
    /// helper warmed the memo, the checks build none. (A fresh load each
    /// time: the index's compiled validators hold their documents' values.)
    #[test]
    fn each_document_value_is_built_once_per_use() {
        use model::compact::parses_on_this_thread;
        let load = || {
            let mut fetch = load::MemoryFetch::new();
            fetch.insert(
                crate::test_support::url("flow.yaml"),
                "collections:\n  a/src:\n    schema: {type: object, properties: {k: {type: string}}, required: [k]}\n    key: [/k]\n  a/derived:\n    schema: {type: object, properties: {k: {type: string}}, required: [k]}\n    key: [/k]\n    derivation:\n      register:\n        schema: {type: integer}\n        initial: 0\n      transform:\n        fromSrc:\n          source: {name: a/src, schema: {type: object, properties: {k: {type: string}}}}\n          publish: {nodeJS: \"return [source];\"}\ntests:\n  t:\n    - ingest: {collection: a/src, documents: [{k: x}]}\n",
            );
            load::load(&crate::test_support::url("flow.yaml"), &fetch)
        };
        let loaded = load();
        assert_eq!(loaded.schemas.document_count(), 4);
        let before = parses_on_this_thread();
        let cold = crate::check(&loaded);
        assert_eq!(cold.len(), 1, "{cold:#?}");
        assert_eq!(parses_on_this_thread() - before, 4 + 1);
        let loaded = load();
        let memo = Memo::for_one_build();
        let before = parses_on_this_thread();
        warm(&loaded, &memo, &AtomicBool::new(false));
        assert_eq!(parses_on_this_thread() - before, 4 + 1);
        let before = parses_on_this_thread();
        let diagnostics = crate::run(crate::context::Context::new(&loaded, &memo, false));
        assert_eq!(diagnostics, cold);
        assert_eq!(
            parses_on_this_thread(),
            before,
            "all computed by the helper"
        );
    }

    /// In a build that keeps nothing, an ingested collection's validator is
    /// compiled once and released after the last step that ingests into it
    /// (here and in the index: asking again compiles it again), and the
    /// helper does not compute a released one again; what is reported is
    /// what a memo kept across builds reports.
    #[test]
    fn ingest_validators_are_released_after_their_last_step() {
        let schema = "{type: object, properties: {k: {type: string}}, required: [k]}";
        let yaml = format!(
            "collections:\n  a/one: {{schema: {schema}, key: [/k]}}\n  a/two: {{schema: {schema}, key: [/k]}}\ntests:\n  t1:\n    - ingest: {{collection: a/one, documents: [{{k: x}}]}}\n  t2:\n    - ingest: {{collection: a/one, documents: [{{k: 1}}]}}\n    - ingest: {{collection: a/two, documents: [{{k: y}}]}}\n"
        );
        let run = run_allowing_load_errors(&[("flow.yaml", &yaml)]);
        assert_eq!(run.codes(), ["C32d"]);
        let schemas = &run.loaded.schemas;
        let urls: Vec<Url> = run
            .loaded
            .catalog
            .collections
            .iter()
            .filter_map(|collection| collection.schema_url())
            .collect();
        let before = schemas.stats().compilations;
        let memo = Memo::for_one_build();
        let diagnostics = crate::run(crate::context::Context::new(&run.loaded, &memo, false));
        assert_eq!(diagnostics, run.diagnostics);
        // a/one's twice-used validator was compiled once.
        assert_eq!(memo.stats().validators, 2);
        assert_eq!(schemas.stats().compilations - before, 2);
        for url in &urls {
            assert!(memo.was_released(url), "{url}");
        }
        let before = schemas.stats().compilations;
        warm(&run.loaded, &memo, &AtomicBool::new(false));
        assert_eq!(memo.stats().validators, 2, "the helper skips released ones");
        assert!(memo.validator(schemas, &urls[0]).is_ok());
        assert_eq!(memo.stats().validators, 3, "released from the memo");
        assert_eq!(
            schemas.stats().compilations - before,
            1,
            "and from the index"
        );
        assert_eq!(
            crate::check_with(&run.loaded, &Memo::new()),
            run.diagnostics
        );
    }
}
