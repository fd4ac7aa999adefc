//! Wall time of the conformance corpus: building it (load + check), planning
//! it (compiling every schema and lambda), running its 29 tests, and all of
//! that end to end, as `flowctl test` does. Target: end to end under 300 ms.
//!
//! Run with `cargo bench -p runtime --bench corpus`.

use std::path::Path;

use divan::Bencher;
use load::{DiskFetch, Loaded, UrlMapping};
use runtime::engine::Plan;
use runtime::testing;
use url::Url;

fn main() {
    divan::main();
}

/// Loads and checks the corpus; panics if it no longer builds without diagnostics.
fn build() -> Loaded {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/estuary-docs")
        .canonicalize()
        .expect("the corpus exists");
    let fetch = DiskFetch::new(
        vec![UrlMapping {
            prefix: "https://raw.githubusercontent.com/estuary/docs/developer-docs/".to_string(),
            dir: corpus.clone(),
        }],
        true,
    );
    let root = Url::from_file_path(corpus.join("flow.yaml")).expect("absolute path");
    let loaded = load::load(&root, &fetch);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let diagnostics = check::check(&loaded);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    loaded
}

fn plan(loaded: &Loaded) -> Plan {
    Plan::build(&loaded.catalog, &loaded.schemas).expect("QuickJS starts")
}

#[divan::bench(sample_count = 20)]
fn build_catalog() -> Loaded {
    build()
}

#[divan::bench(sample_count = 20)]
fn plan_catalog(bencher: Bencher) {
    let loaded = build();
    bencher.bench_local(|| plan(&loaded));
}

#[divan::bench(sample_count = 20)]
fn run_29_tests(bencher: Bencher) {
    let loaded = build();
    let mut plan = plan(&loaded);
    bencher.bench_local(|| {
        let report = testing::run_all(&mut plan, &loaded.catalog);
        assert_eq!(report.passed(), 29);
        report
    });
}

#[divan::bench(sample_count = 20)]
fn end_to_end(bencher: Bencher) {
    bencher.bench_local(|| {
        let loaded = build();
        let mut plan = plan(&loaded);
        let report = testing::run_all(&mut plan, &loaded.catalog);
        assert_eq!(report.passed(), 29);
        report
    });
}
