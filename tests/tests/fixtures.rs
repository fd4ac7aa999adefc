//! The `fixtures/invalid` suite: every case directory is built, and the
//! diagnostics must be exactly the ones its files annotate inline
//! (`# ^^^ CODE: message`): same file, line, columns, code, and a message
//! containing the annotated text. Also checks that the suite covers every
//! catalog.md §12 check, a third of them in imported files.

use std::collections::BTreeSet;
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
        let Some(location) = loaded.locate(&diagnostic.scope, diagnostic.at_key) else {
            continue;
        };
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
        .filter(|code| !covered.contains(*code))
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
