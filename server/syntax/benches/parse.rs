//! Parse benchmarks: every YAML file of a `gen_catalog.py` catalog of
//! 10,000 collections (generated once into
//! `target/`) through `syntax::parse` (the fast path, saphyr when it
//! declines) and through saphyr alone, the parse before the fast path; and
//! `Tree::document_json` of the parsed trees.
//! Issue #7 asked for parsing at least 2.5x faster than saphyr's.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use syntax::{Limits, differential};

fn main() {
    divan::main();
}

fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn texts() -> Vec<Arc<str>> {
    let dir = test_utils::corpus::generated(10_000, 1_000);
    yaml_files(&dir)
        .iter()
        .map(|path| Arc::from(std::fs::read_to_string(path).unwrap()))
        .collect()
}

#[divan::bench(sample_count = 10)]
fn generated_10000_parse(bencher: divan::Bencher) {
    let texts = texts();
    bencher.bench(|| {
        texts
            .iter()
            .map(|text| syntax::parse(text).tree.len())
            .sum::<usize>()
    });
}

#[divan::bench(sample_count = 10)]
fn generated_10000_parse_saphyr(bencher: divan::Bencher) {
    let texts = texts();
    bencher.bench(|| {
        texts
            .iter()
            .map(|text| differential::reference(text, Limits::default()).tree.len())
            .sum::<usize>()
    });
}

#[divan::bench(sample_count = 10)]
fn generated_10000_document_json(bencher: divan::Bencher) {
    let trees: Vec<_> = texts()
        .iter()
        .map(|text| syntax::parse(text).tree)
        .collect();
    bencher.bench(|| {
        trees
            .iter()
            .map(|tree| tree.document_json().is_ok() as usize)
            .sum::<usize>()
    });
}
