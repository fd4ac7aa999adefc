//! Build benchmarks: load + check of (a) the conformance corpus and (b) a
//! generated catalog of 1,000 collections with derivations and tests
//! (`../shared/tools/lsp-bench/gen_catalog.py`, run once into `target/`).
//! Targets on the 2-core machine: corpus < 50 ms, 1,000 collections < 1 s.

use std::path::Path;

use load::DiskFetch;
use url::Url;

fn main() {
    divan::main();
}

fn build(root: &Url, fetch: &DiskFetch) -> usize {
    let loaded = load::load(root, fetch);
    let diagnostics = check::check(&loaded);
    loaded.diagnostics.len() + diagnostics.len()
}

#[divan::bench(sample_count = 20)]
fn corpus(bencher: divan::Bencher) {
    let (root, fetch) = test_utils::corpus::corpus_fetch();
    assert_eq!(build(&root, &fetch), 0);
    bencher.bench(|| build(&root, &fetch));
}

#[divan::bench(sample_count = 10)]
fn generated_1000_collections(bencher: divan::Bencher) {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-gen-1000");
    if !out.join("flow.yaml").exists() {
        let status = std::process::Command::new("python3")
            .arg(test_utils::corpus::shared_dir().join("tools/lsp-bench/gen_catalog.py"))
            .args([
                "--collections",
                "1000",
                "--files",
                "200",
                "--seed",
                "1",
                "--out",
            ])
            .arg(&out)
            .status()
            .expect("python3 runs the catalog generator");
        assert!(status.success());
    }
    let root = Url::from_file_path(out.canonicalize().unwrap().join("flow.yaml")).unwrap();
    let fetch = DiskFetch::new(Vec::new(), true);
    bencher.bench(|| build(&root, &fetch));
}
