//! The `fixtures/invalid` suite: every case directory is built, and the
//! diagnostics must be exactly the ones its files annotate inline
//! (`# ^^^ CODE: message`): same file, line, columns, code, and a message
//! containing the annotated text. Also checks that the suite covers every
//! catalog.md §12 check (the one list, `model::codes`), a third of them in
//! imported files, and that the fixtures themselves are well formed.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use load::{DiskFetch, Loaded};
use test_utils::Expectation;
use text::ColumnUnit;
use url::Url;

/// One produced diagnostic, in the terms of an expectation.
fn actual(dir: &Path) -> (Vec<(PathBuf, Expectation)>, Loaded) {
    let root = Url::from_file_path(dir.join("flow.yaml")).unwrap();
    let loaded = load::load(&root, &DiskFetch::new(Vec::new(), true));
    let diagnostics = check::all_diagnostics(&loaded);
    let mut out = Vec::new();
    for diagnostic in &diagnostics {
        // A diagnostic that cannot be placed is a failure, not a skip: it
        // would reach users without a file or a line.
        let location = loaded
            .locate(&diagnostic.scope, diagnostic.at_key)
            .unwrap_or_else(|| panic!("{}: cannot locate {diagnostic:?}", dir.display()));
        let range = diagnostic.range.unwrap_or(location.range);
        let resource = loaded.resource(&location.resource).unwrap();
        let start = resource
            .line_index
            .position(&resource.text, range.start, ColumnUnit::Char);
        let end = resource
            .line_index
            .position(&resource.text, range.end, ColumnUnit::Char);
        let path = location
            .resource
            .to_file_path()
            .map(|p| p.strip_prefix(dir).unwrap_or(&p).to_path_buf())
            .unwrap_or_default();
        let end_character = if end.line == start.line {
            end.character
        } else {
            u32::MAX
        };
        out.push((
            path,
            Expectation {
                line: start.line,
                start_character: start.character,
                end_character,
                code: diagnostic.code.to_string(),
                message: diagnostic.message.clone(),
            },
        ));
    }
    out.sort();
    (out, loaded)
}

fn matches(expected: &Expectation, actual: &Expectation) -> bool {
    expected.code == actual.code
        && expected.line == actual.line
        && expected.start_character == actual.start_character
        && (expected.end_character == actual.end_character || actual.end_character == u32::MAX)
        && actual.message.contains(&expected.message)
}

#[test]
fn invalid_fixtures_report_exactly_their_annotations() {
    let root = test_utils::fixtures_dir().join("invalid");
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    let mut covered_in_imports = BTreeSet::new();
    for dir in test_utils::case_dirs(&root) {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected = test_utils::fixture_expectations(&dir);
        let (mut actual, _) = actual(&dir);
        for (path, expectation) in &expected {
            covered.insert(expectation.code.clone());
            if path != Path::new("flow.yaml") {
                covered_in_imports.insert(expectation.code.clone());
            }
            match actual
                .iter()
                .position(|(actual_path, item)| actual_path == path && matches(expectation, item))
            {
                Some(index) => {
                    actual.remove(index);
                }
                None => failures.push(format!(
                    "{name}: missing {} at {}:{}:{}-{} \"{}\"",
                    expectation.code,
                    path.display(),
                    expectation.line + 1,
                    expectation.start_character,
                    expectation.end_character,
                    expectation.message
                )),
            }
        }
        for (path, item) in actual {
            failures.push(format!(
                "{name}: unexpected {} at {}:{}:{}-{} \"{}\"",
                item.code,
                path.display(),
                item.line + 1,
                item.start_character,
                item.end_character,
                item.message
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let uncovered: Vec<&str> = model::codes::CODES
        .iter()
        .map(|(code, _)| *code)
        // `T` codes come from test runs in the editor, not from builds
        // (server/lsp/tests/lsp/tests_in_editor.rs covers them).
        .filter(|code| !covered.contains(*code) && !code.starts_with('T'))
        .collect();
    assert!(
        uncovered.is_empty(),
        "checks without a fixture: {uncovered:?}"
    );
    assert!(
        covered_in_imports.len() * 3 >= model::codes::CODES.len(),
        "only {} of {} checks have a fixture with the mistake in an imported file",
        covered_in_imports.len(),
        model::codes::CODES.len()
    );
}

/// The fixtures themselves (not the compiler): every annotation names a
/// known code with a message and a range inside its line; a case named after
/// a code expects it; a `multi-` case has 3+ errors in 2+ files; only YAML
/// files and `expect.json`.
#[test]
fn invalid_fixtures_are_well_formed() {
    let root = test_utils::fixtures_dir().join("invalid");
    let cases = test_utils::case_dirs(&root);
    assert!(!cases.is_empty(), "no cases under {}", root.display());
    let known = |code: &str| model::codes::CODES.iter().any(|(known, _)| *known == code);
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let found = test_utils::fixture_expectations(dir);
        assert!(!found.is_empty(), "{name}: no expectations");
        for (file, e) in &found {
            let at = format!("{name}/{}:{}", file.display(), e.line + 1);
            assert!(known(&e.code), "{at}: unknown code {}", e.code);
            assert!(!e.message.is_empty(), "{at}: {} has no message", e.code);
            assert!(e.start_character < e.end_character, "{at}: empty range");
            let text = fs::read_to_string(dir.join(file)).unwrap();
            let line = text.split('\n').nth(e.line as usize).unwrap();
            let len = line.trim_end_matches('\r').chars().count() as u32;
            assert!(
                e.end_character <= len,
                "{at}: range {}..{} runs past the end of the line ({len} chars)",
                e.start_character,
                e.end_character
            );
        }
        if let Some(code) = name
            .split('-')
            .next()
            .filter(|_| !name.starts_with("multi-"))
        {
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
        let mut work = vec![dir.clone()];
        while let Some(next) = work.pop() {
            for entry in fs::read_dir(&next).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    work.push(path);
                    continue;
                }
                let text = fs::read_to_string(&path).unwrap();
                assert!(
                    !text.contains("\n#@"),
                    "{}: unconverted marker",
                    path.display()
                );
                assert!(
                    path.to_string_lossy().ends_with(".yaml") || path.ends_with("expect.json"),
                    "{}: unexpected file in a fixture",
                    path.display()
                );
            }
        }
    }
}
