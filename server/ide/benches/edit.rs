//! Editor rebuild benchmarks on the generated 1,000-collection catalog
//! (`test_utils::corpus::generated`): `cold_build_1000` builds it with fresh
//! caches; `warm_rebuild_after_edit_1000` builds it once, then each
//! iteration changes a description in the largest source file (alternating
//! two texts, as an editor buffer) and rebuilds through the shared caches.
//! Target (release, 2-core machine): warm rebuild under ~12 ms, so that edit
//! → diagnostics stays under 20 ms at p95.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ide::{AnalysisHost, Cancellation, build};
use url::Url;

fn main() {
    divan::main();
}

/// Every catalog source of a directory tree, as the server lists them.
fn catalog_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            catalog_files(&path, out);
        } else if ide::workspace::is_catalog_name(&Url::from_file_path(&path).unwrap()) {
            out.push(path);
        }
    }
}

/// A host over the generated catalog, and the largest source file with two
/// versions of its text that differ in one description.
fn workspace() -> (AnalysisHost, Url, [Arc<str>; 2]) {
    workspace_edited(|text| {
        let at = text
            .find("description: \"")
            .expect("the generated file has a description");
        format!("{}description: \"Edited. {}", &text[..at], &text[at + 14..])
    })
}

/// A host over the generated catalog, and the largest source file with its
/// text and the text `edit` makes of it.
fn workspace_edited(edit: impl Fn(&str) -> String) -> (AnalysisHost, Url, [Arc<str>; 2]) {
    let dir = test_utils::corpus::generated(1000, 200);
    let mut files = Vec::new();
    catalog_files(&dir, &mut files);
    let largest = files
        .iter()
        .max_by_key(|path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
        .unwrap()
        .clone();
    let mut host = AnalysisHost::default();
    host.set_catalog_files(
        files
            .iter()
            .map(|path| Url::from_file_path(path).unwrap())
            .collect(),
    );
    let text = std::fs::read_to_string(&largest).unwrap();
    let edited = edit(&text);
    (
        host,
        Url::from_file_path(&largest).unwrap(),
        [Arc::from(text), Arc::from(edited)],
    )
}

#[divan::bench(sample_count = 5)]
fn cold_build_1000(bencher: divan::Bencher) {
    let (host, _, _) = workspace();
    bencher.bench(|| {
        let fresh = AnalysisHost::default();
        let mut inputs = host.inputs();
        inputs.caches = fresh.inputs().caches;
        build(&inputs, &Cancellation::never()).unwrap()
    });
}

#[divan::bench(sample_count = 30)]
fn warm_rebuild_after_edit_1000(bencher: divan::Bencher) {
    warm_rebuild(bencher, workspace());
}

/// The edit of the lspbench harness on this catalog: one more character at
/// the end of the last collection name of the largest file, which every
/// cross-file check sees (its sources and test steps no longer resolve).
#[divan::bench(sample_count = 30)]
fn warm_rebuild_after_rename_1000(bencher: divan::Bencher) {
    warm_rebuild(
        bencher,
        workspace_edited(|text| {
            let at = text
                .rfind("\n  - name: ")
                .expect("the generated file defines collections");
            let at = at + text[at..].find('\n').unwrap();
            format!("{}x{}", &text[..at], &text[at..])
        }),
    );
}

fn warm_rebuild(
    bencher: divan::Bencher,
    (mut host, file, texts): (AnalysisHost, Url, [Arc<str>; 2]),
) {
    host.set_open_text(&file, Some(Arc::clone(&texts[0])));
    let first = build(&host.inputs(), &Cancellation::never()).unwrap();
    assert!(!first.roots().is_empty());
    let mut turn = 0;
    bencher.bench_local(|| {
        turn += 1;
        host.set_open_text(&file, Some(Arc::clone(&texts[turn % 2])));
        build(&host.inputs(), &Cancellation::never()).unwrap()
    });
}
