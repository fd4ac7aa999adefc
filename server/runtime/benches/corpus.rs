//! Wall time of the conformance corpus: building it (load + check), planning
//! it (compiling every schema and lambda), running its 29 tests, and all of
//! that end to end, as `flowctl test` does, and the tests traced (`--trace`).
//! Target: end to end under 300 ms.
//!
//! Run with `cargo bench -p runtime --bench corpus`.

use divan::Bencher;
use load::Loaded;
use runtime::engine::Plan;
use runtime::testing;

fn main() {
    divan::main();
}

/// Loads and checks the corpus; panics if it no longer builds without diagnostics.
fn build() -> Loaded {
    let loaded = test_utils::corpus::load_corpus();
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
    let plan = plan(&loaded);
    bencher.bench_local(|| {
        let report = testing::run_all(&plan, &loaded.catalog);
        assert_eq!(report.passed(), 29);
        report
    });
}

/// The same 29 tests with `--trace`'s recording (reads, registers, reduced
/// states per step): what tracing costs over `run_29_tests`.
#[divan::bench(sample_count = 20)]
fn run_29_tests_traced(bencher: Bencher) {
    let loaded = build();
    let plan = plan(&loaded);
    let tests = testing::ordered_tests(&loaded.catalog);
    let options = testing::RunOptions {
        trace: true,
        ..testing::RunOptions::default()
    };
    bencher.bench_local(|| {
        let report = testing::run_tests(&plan, &tests, &options, |_| {});
        assert_eq!(report.passed(), 29);
        report
    });
}

#[divan::bench(sample_count = 20)]
fn end_to_end(bencher: Bencher) {
    bencher.bench_local(|| {
        let loaded = build();
        let plan = plan(&loaded);
        let report = testing::run_all(&plan, &loaded.catalog);
        assert_eq!(report.passed(), 29);
        report
    });
}
