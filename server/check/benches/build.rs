//! Build benchmarks: load + check of (a) the conformance corpus, (b) catalogs
//! of 1,000 and 10,000 collections with derivations and tests
//! (`../shared/tools/lsp-bench/gen_catalog.py`, run once into `target/`) and
//! (c) one ~20 MB single-file catalog (`test_utils::big`); and (d) the checks
//! alone of a warm rebuild (`check_with` through a memo of earlier builds)
//! after lspbench's edit of a collection name.
//! Targets on the 2-core machine: corpus < 50 ms, 1,000 collections < 1 s,
//! the warm checks of 1,000 collections ≤ 3 ms (issue #8).
//! The `*_parallel` benches build as the CLI does, on two threads
//! (`load::load_parallel`, `check::check_parallel`): they show the gain
//! only when a second core is free.

use std::path::Path;

use load::{DiskFetch, MemoryFetch, Overlay};
use url::Url;

fn main() {
    divan::main();
}

fn build(root: &Url, fetch: &DiskFetch) -> usize {
    let loaded = load::load(root, fetch);
    let diagnostics = check::check(&loaded);
    loaded.diagnostics.len() + diagnostics.len()
}

/// The CLI's build: load and check on two threads.
fn build_parallel(root: &Url, fetch: &DiskFetch) -> usize {
    let loaded = load::load_parallel(root, fetch, 2);
    let diagnostics = check::check_parallel(&loaded, 2);
    diagnostics.len()
}

#[divan::bench(sample_count = 20)]
fn corpus(bencher: divan::Bencher) {
    let (root, fetch) = test_utils::corpus::corpus_fetch();
    assert_eq!(build(&root, &fetch), 0);
    bencher.bench(|| build(&root, &fetch));
}

#[divan::bench(sample_count = 20)]
fn corpus_parallel(bencher: divan::Bencher) {
    let (root, fetch) = test_utils::corpus::corpus_fetch();
    assert_eq!(build_parallel(&root, &fetch), 0);
    bencher.bench(|| build_parallel(&root, &fetch));
}

/// The root of the catalog `gen_catalog.py` writes for these options.
fn generated(collections: usize, files: usize) -> Url {
    let dir = test_utils::corpus::generated(collections, files);
    Url::from_file_path(dir.join("flow.yaml")).unwrap()
}

#[divan::bench(sample_count = 10)]
fn generated_1000_collections(bencher: divan::Bencher) {
    let root = generated(1000, 200);
    let fetch = DiskFetch::new(Vec::new(), true);
    bencher.bench(|| build(&root, &fetch));
}

/// Target: well under 2 s (the whole cold `flowctl lint` of it).
#[divan::bench(sample_count = 3)]
fn generated_10000_collections(bencher: divan::Bencher) {
    let root = generated(10_000, 1_000);
    let fetch = DiskFetch::new(Vec::new(), true);
    bencher.bench(|| build(&root, &fetch));
}

#[divan::bench(sample_count = 3)]
fn generated_10000_collections_parallel(bencher: divan::Bencher) {
    let root = generated(10_000, 1_000);
    let fetch = DiskFetch::new(Vec::new(), true);
    bencher.bench(|| build_parallel(&root, &fetch));
}

/// One ~20 MB file: 34,000 collections, every 100th derived, 60 tests
/// (`test_utils::big`). Target: well under 5 s.
#[divan::bench(sample_count = 3)]
fn single_file_20_mb(bencher: divan::Bencher) {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-single-20mb");
    let file = out.join("flow.yaml");
    if !file.exists() {
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(&file, test_utils::big::single_file_catalog(34_000, 60)).unwrap();
    }
    let root = Url::from_file_path(file.canonicalize().unwrap()).unwrap();
    let fetch = DiskFetch::new(Vec::new(), true);
    bencher.bench(|| build(&root, &fetch));
}

/// `check_with` alone, alternating between gen-1000 and the same catalog
/// with one character typed at the end of the last collection name of its
/// largest file (both loaded through one `load::Memo`, so unchanged files
/// share their entities as in the editor).
#[divan::bench(sample_count = 100)]
fn warm_check_after_rename_1000(bencher: divan::Bencher) {
    let dir = test_utils::corpus::generated(1000, 200);
    let root = generated(1000, 200);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("catalog-manifest.json")).unwrap())
            .unwrap();
    let largest = dir.join(manifest["lines"]["largest_file"].as_str().unwrap());
    let text = std::fs::read_to_string(&largest).unwrap();
    let at = text.rfind("\n  - name: ").unwrap();
    let at = at + text[at..].find('\n').unwrap();
    let typed = format!("{}x{}", &text[..at], &text[at..]);
    let url = Url::from_file_path(largest.canonicalize().unwrap()).unwrap();
    let base = DiskFetch::new(Vec::new(), true);
    let memo = load::Memo::default();
    let loads: Vec<load::Loaded> = [text, typed]
        .into_iter()
        .map(|text| {
            let mut overlay = MemoryFetch::new();
            overlay.insert(url.clone(), text);
            let fetch = Overlay {
                overlay: &overlay,
                base: &base,
            };
            load::load_with(&root, &fetch, &memo)
        })
        .collect();
    let checks = check::Memo::new();
    check::check_with(&loads[0], &checks);
    checks.sweep();
    let mut turn = 0;
    bencher.bench_local(|| {
        turn += 1;
        let diagnostics = check::check_with(&loads[turn % 2], &checks);
        checks.sweep();
        diagnostics.len()
    });
}
