//! The YAML fast path (`syntax`'s hand-written parser for catalog YAML)
//! against saphyr, the reference, on every YAML file we have: `fixtures/`,
//! the conformance corpus and a catalog of `gen_catalog.py`. Where the fast
//! path accepts a file, its tree, ranges, texts, JSON and errors must equal
//! saphyr's; and it must accept what catalogs are made of (every generated
//! file, most of the corpus), or it would not pay. Hand-written corner cases
//! are in `server/syntax/src/yaml/fast/tests.rs`; the mutation fuzzer
//! (`tests/tests/fuzz`) compares both parsers on every mutant.

use std::path::{Path, PathBuf};

use syntax::{Limits, differential};

fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Compares both parsers on each file; returns (files, files the fast path took).
fn compare(files: &[PathBuf]) -> (usize, usize) {
    let mut taken = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue; // Not UTF-8 (a hostile fixture): the loader reports it before parsing.
        };
        let reference = differential::reference(&text, Limits::default());
        if let Some(fast) = differential::fast(&text, Limits::default()) {
            assert!(
                fast == reference,
                "{}: the fast path's parse differs from saphyr's",
                path.display()
            );
            assert_eq!(
                fast.tree.document_json(),
                reference.tree.document_json(),
                "{}",
                path.display()
            );
            taken += 1;
        }
    }
    (files.len(), taken)
}

#[test]
fn fixtures_parse_alike() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let (files, taken) = compare(&yaml_files(&root));
    assert!(files > 100, "{files} fixture files");
    // Many fixtures are broken YAML or use anchors on purpose.
    assert!(taken * 10 >= files * 7, "fast path took {taken} of {files}");
}

#[test]
fn corpus_parses_alike() {
    let (files, taken) = compare(&yaml_files(&test_utils::corpus::corpus_dir()));
    assert!(files > 20, "{files} corpus files");
    assert!(taken * 10 >= files * 9, "fast path took {taken} of {files}");
}

#[test]
fn generated_catalog_parses_alike_and_takes_the_fast_path() {
    let files = yaml_files(&test_utils::corpus::generated(200, 20));
    let (count, taken) = compare(&files);
    assert!(count > 20, "{count} generated files");
    assert_eq!(taken, count, "every generated file takes the fast path");
}
