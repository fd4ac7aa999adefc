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
use test_utils::rng::Rng;

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
    println!("the fast path took {taken} of {} files", files.len());
    (files.len(), taken)
}

#[test]
fn fixtures_parse_alike() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let (files, taken) = compare(&test_utils::corpus::yaml_files(&root));
    assert!(files > 100, "{files} fixture files");
    // Many fixtures are broken YAML or use anchors on purpose.
    assert!(taken * 10 >= files * 7, "fast path took {taken} of {files}");
}

#[test]
fn corpus_parses_alike() {
    let (files, taken) = compare(&test_utils::corpus::yaml_files(
        &test_utils::corpus::corpus_dir(),
    ));
    assert!(files > 20, "{files} corpus files");
    assert!(taken * 10 >= files * 9, "fast path took {taken} of {files}");
}

#[test]
fn generated_catalog_parses_alike_and_takes_the_fast_path() {
    let files = test_utils::corpus::yaml_files(&test_utils::corpus::generated(200, 20));
    let (count, taken) = compare(&files);
    assert!(count > 20, "{count} generated files");
    assert_eq!(taken, count, "every generated file takes the fast path");
}

/// Pieces of YAML syntax the mutations insert.
const PIECES: &[&str] = &[
    " ", "  ", "\n", "\n  ", "- ", ": ", ":", "#", " #", "'", "''", "\"", "\\", "\\n", "\\u00e9",
    "[", "]", "{", "}", ",", "|", "|-", "|+", ">", "&a ", "*a", "!!str ", "? ", "\t", "é", "---",
    "...", "\r\n", "x", "1", "~", "<<: ", "%",
];

/// Mutates a text: inserts, deletes or replaces a piece, duplicates or
/// drops a line, reindents a line, or cuts the text short.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut text = text.to_string();
    for _ in 0..1 + rng.below(3) {
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let at = boundaries[rng.below(boundaries.len())];
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let line = rng.below(lines.len());
        let choice = if lines.is_empty() { 0 } else { rng.below(6) };
        match choice {
            0 | 1 => text.insert_str(at, PIECES[rng.below(PIECES.len())]),
            2 => {
                let end = boundaries.iter().copied().find(|&i| i > at).unwrap_or(at);
                text.replace_range(at..end, PIECES[rng.below(PIECES.len())]);
            }
            3 => {
                let mut lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                if rng.below(2) == 0 {
                    let copy = lines[line].clone();
                    lines.insert(line, copy);
                } else {
                    lines.remove(line);
                }
                text = lines.concat();
            }
            4 => {
                let mut lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                let shift = rng.below(4);
                if rng.below(2) == 0 {
                    lines[line].insert_str(0, &" ".repeat(shift));
                } else {
                    let spaces = lines[line].len() - lines[line].trim_start_matches(' ').len();
                    lines[line].replace_range(..spaces.min(shift), "");
                }
                text = lines.concat();
            }
            _ => text.truncate(at),
        }
    }
    text
}

/// Mutants of every small YAML file of `fixtures/` and the corpus: where
/// the fast path takes one, saphyr must build the same. 3,000 mutants by
/// default; `FLOWCTL_YAML_FUZZ_MUTANTS` sets how many (and
/// `FLOWCTL_YAML_FUZZ_SEED` the seed).
#[test]
fn mutants_parse_alike() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut texts: Vec<String> = test_utils::corpus::yaml_files(&fixtures)
        .into_iter()
        .chain(test_utils::corpus::yaml_files(
            &test_utils::corpus::corpus_dir(),
        ))
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .filter(|text| text.len() < 20_000)
        .collect();
    texts.sort();
    let count: usize = std::env::var("FLOWCTL_YAML_FUZZ_MUTANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3_000);
    let seed: u64 = std::env::var("FLOWCTL_YAML_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(7);
    let mut rng = Rng::new(seed);
    let mut taken = 0;
    for index in 0..count {
        let original = &texts[rng.below(texts.len())];
        let text = mutate(&mut rng, original);
        if let Some(fast) = differential::fast(&text, Limits::default()) {
            let reference = differential::reference(&text, Limits::default());
            if fast != reference {
                let path =
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/yaml-fuzz-failure.yaml");
                let _ = std::fs::write(&path, &text);
            }
            assert!(
                fast == reference,
                "mutant {index} (seed {seed}): the fast path differs from saphyr on\n{text}"
            );
            taken += 1;
        }
    }
    assert!(
        taken * 4 >= count,
        "the fast path took only {taken} of {count} mutants"
    );
}
