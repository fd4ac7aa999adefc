//! `flowctl lint` and the language server agree (issue #8 item 8): on every
//! `fixtures/invalid` case, the lint path (`load::load_parallel` from the
//! case's `flow.yaml`, `check::check_parallel`, `load::locate::locate_all`) and
//! the editor's analysis (`ide::build` over the case's catalog files read
//! from disk, and again with every file of the case open in the editor)
//! report the same set of (file, code, range). The lint path's parallel
//! load and check are exactly sequential ones on every case and on the
//! corpus.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ide::{AnalysisHost, Cancellation, Config};
use load::DiskFetch;
use text::TextRange;
use url::Url;

type Reported = BTreeSet<(Url, &'static str, TextRange)>;

/// What `flowctl lint` reports for a case.
fn lint(root: &Url) -> Reported {
    let loaded = load::load_parallel(root, &DiskFetch::new(Vec::new(), true), 2);
    let diagnostics = check::check_parallel(&loaded, 2);
    load::locate::locate_all(&loaded, &diagnostics)
        .into_iter()
        .map(|located| {
            let file = located.file.clone().unwrap_or_else(|| root.clone());
            (file, located.diagnostic.code, located.range)
        })
        .collect()
}

/// What the editor's analysis reports for a host's inputs.
fn editor(host: &AnalysisHost) -> Reported {
    let analysis = ide::build(&host.inputs(), &Cancellation::never()).expect("never cancelled");
    analysis
        .diagnostics()
        .iter()
        .flat_map(|(file, list)| list.iter().map(|d| (file.clone(), d.code, d.range)))
        .collect()
}

/// Every file under `dir`, recursively, in path order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(next) = work.pop() {
        for entry in fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                work.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn offline() -> Config {
    Config {
        offline: true,
        ..Config::default()
    }
}

fn describe(set: &Reported, dir: &Path) -> String {
    set.iter()
        .map(|(file, code, range)| {
            let path = file.to_file_path().unwrap_or_default();
            let path = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            format!("  {path} {code} {range}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn lint_and_the_editor_report_the_same_diagnostics_on_every_invalid_case() {
    let root_dir = test_utils::fixtures_dir()
        .join("invalid")
        .canonicalize()
        .unwrap();
    let mut failures = Vec::new();
    let cases = test_utils::case_dirs(&root_dir);
    assert!(cases.len() > 50, "the suite is there: {}", cases.len());
    for dir in cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let root = Url::from_file_path(dir.join("flow.yaml")).unwrap();
        let expected = lint(&root);
        assert!(
            !expected.is_empty(),
            "{name}: an invalid case reports something"
        );
        let urls: Vec<Url> = files(&dir)
            .iter()
            .map(|path| Url::from_file_path(path).unwrap())
            .collect();

        // The server's view of a workspace: its catalog files, read from disk.
        let mut on_disk = AnalysisHost::new(offline());
        on_disk.set_catalog_files(
            urls.iter()
                .filter(|url| ide::workspace::is_catalog_name(url))
                .cloned()
                .collect(),
        );
        let mut open = AnalysisHost::new(offline());
        open.set_catalog_files(vec![root.clone()]);
        for (url, path) in urls.iter().zip(files(&dir)) {
            // Invalid UTF-8 cannot be an editor buffer; leave it on disk.
            if let Ok(text) = fs::read_to_string(&path) {
                open.set_open_text(url, Some(Arc::from(text)));
            }
        }

        for (how, host) in [("on disk", &on_disk), ("open", &open)] {
            let actual = editor(host);
            if actual != expected {
                failures.push(format!(
                    "{name} ({how}):\n lint only:\n{}\n editor only:\n{}",
                    describe(&expected.difference(&actual).cloned().collect(), &dir),
                    describe(&actual.difference(&expected).cloned().collect(), &dir),
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_parallel_load_and_check_are_exactly_sequential_ones() {
    let root_dir = test_utils::fixtures_dir()
        .join("invalid")
        .canonicalize()
        .unwrap();
    let fetch = DiskFetch::new(Vec::new(), true);
    for dir in test_utils::case_dirs(&root_dir) {
        let root = Url::from_file_path(dir.join("flow.yaml")).unwrap();
        let sequential = load::load(&root, &fetch);
        let diagnostics = check::all_diagnostics(&sequential);
        for threads in [2, 3] {
            let parallel = load::load_parallel(&root, &fetch, threads);
            assert!(
                sequential.summary() == parallel.summary(),
                "{}: {threads} threads",
                dir.display()
            );
            assert_eq!(
                diagnostics,
                check::check_parallel(&parallel, threads),
                "{}",
                dir.display()
            );
        }
    }
    let (root, fetch) = test_utils::corpus::corpus_fetch();
    let sequential = load::load(&root, &fetch);
    assert!(
        sequential.diagnostics.is_empty(),
        "{:#?}",
        sequential.diagnostics
    );
    let parallel = load::load_parallel(&root, &fetch, 2);
    assert_eq!(sequential.summary(), parallel.summary());
    assert_eq!(
        check::all_diagnostics(&sequential),
        check::check_parallel(&parallel, 2)
    );
}
