//! Sanity checks of the `fixtures/invalid/` corpus itself (not of the compiler):
//! every annotation parses and points inside its source line, every check of
//! catalog.md §12 is exercised, and enough cases put the mistake in an imported file.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use test_utils::{case_dirs, fixture_expectations, fixtures_dir};

/// Every check id of catalog.md §12, plus the key-reduce warning `W1`.
const KNOWN_CODES: &[&str] = &[
    "C1a", "C1b", "C1c", "C2", "C3", "C4", "C5a", "C5b", "C5c", "C5d", "C6a", "C6b", "C7", "C8a",
    "C8b", "C8c", "C8d", "C8e", "C8f", "C8g", "C9", "C10a", "C10b", "C10c", "C10d", "C10e", "C11a",
    "C11b", "C11c", "C12", "C13", "C14", "C15", "C16", "C17a", "C17b", "C18", "C19", "C20", "C21",
    "C22", "C23", "C24", "C25a", "C25b", "C25c", "C25d", "C26", "C27", "C28a", "C28b", "C28c",
    "C29", "C30", "C31a", "C31b", "C32a", "C32b", "C32c", "C32d", "C32e", "W1",
];

/// Checks that must each have at least one fixture (C25d is a later-Flow check).
fn required_codes() -> impl Iterator<Item = &'static str> {
    KNOWN_CODES.iter().copied().filter(|c| *c != "C25d")
}

fn invalid_root() -> std::path::PathBuf {
    fixtures_dir().join("invalid")
}

#[test]
fn every_case_has_wellformed_expectations_inside_its_lines() {
    let cases = case_dirs(&invalid_root());
    assert!(
        !cases.is_empty(),
        "no cases under {}",
        invalid_root().display()
    );
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let found = fixture_expectations(dir);
        assert!(!found.is_empty(), "{name}: no expectations");
        for (file, e) in &found {
            assert!(
                KNOWN_CODES.contains(&e.code.as_str()),
                "{name}/{}: unknown code {}",
                file.display(),
                e.code
            );
            assert!(
                !e.message.is_empty(),
                "{name}/{}: {} has no message",
                file.display(),
                e.code
            );
            assert!(
                e.start_character < e.end_character,
                "{name}/{}: empty range",
                file.display()
            );
            let text = fs::read_to_string(dir.join(file)).unwrap();
            let line = text.split('\n').nth(e.line as usize).unwrap();
            let len = line.trim_end_matches('\r').chars().count() as u32;
            assert!(
                e.end_character <= len,
                "{name}/{}:{}: range {}..{} runs past the end of the line ({len} chars)",
                file.display(),
                e.line + 1,
                e.start_character,
                e.end_character
            );
        }
        // A case named after a code must expect that code.
        if !name.starts_with("multi-") {
            let code = name.split('-').next().unwrap();
            assert!(
                found.iter().any(|(_, e)| e.code == code),
                "{name}: no expectation with code {code}"
            );
        } else {
            let files: BTreeSet<_> = found.iter().map(|(f, _)| f.clone()).collect();
            assert!(
                found.len() >= 3 && files.len() >= 2,
                "{name}: a multi case needs 3+ errors in 2+ files"
            );
        }
    }
}

#[test]
fn no_unconverted_markers_or_stray_files() {
    for dir in case_dirs(&invalid_root()) {
        for entry in walk(&dir) {
            let text = fs::read_to_string(&entry).unwrap();
            assert!(
                !text.contains("\n#@"),
                "{}: unconverted marker",
                entry.display()
            );
            let ext_ok =
                entry.to_string_lossy().ends_with(".yaml") || entry.ends_with("expect.json");
            assert!(ext_ok, "{}: unexpected file in a fixture", entry.display());
        }
    }
}

#[test]
fn every_check_is_covered() {
    let mut seen = BTreeSet::new();
    for dir in case_dirs(&invalid_root()) {
        for (_, e) in fixture_expectations(&dir) {
            seen.insert(e.code);
        }
    }
    let missing: Vec<_> = required_codes().filter(|c| !seen.contains(*c)).collect();
    assert!(missing.is_empty(), "checks without a fixture: {missing:?}");
}

#[test]
fn a_third_of_the_cases_err_in_an_imported_catalog() {
    let cases = case_dirs(&invalid_root());
    let imported = cases
        .iter()
        .filter(|dir| {
            fixture_expectations(dir).iter().any(|(file, _)| {
                file != Path::new("flow.yaml") && file.to_string_lossy().ends_with(".flow.yaml")
            })
        })
        .count();
    assert!(
        imported * 3 >= cases.len(),
        "only {imported} of {} cases have a mistake in an imported catalog",
        cases.len()
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
