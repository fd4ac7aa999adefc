//! The conformance corpus, for tests and benchmarks: where it is
//! (`../shared/corpus/estuary-docs`, beside the project) and how to load it
//! (offline, with its one remote URL mapped to the local copy; see
//! shared/corpus/README.md); and the generated catalogs of
//! `shared/tools/lsp-bench/gen_catalog.py` the benchmarks build.

use std::path::{Path, PathBuf};

use load::{DiskFetch, Loaded, UrlMapping};
use url::Url;

/// The URL prefix the corpus names one schema under.
pub const REMOTE_PREFIX: &str = "https://raw.githubusercontent.com/estuary/docs/developer-docs/";

/// `../shared`, beside the project.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .canonicalize()
        .expect("../shared beside the project")
}

/// The corpus directory.
pub fn corpus_dir() -> PathBuf {
    shared_dir().join("corpus/estuary-docs")
}

/// The corpus root's URL, and a fetcher that is offline and maps the remote prefix.
pub fn corpus_fetch() -> (Url, DiskFetch) {
    let dir = corpus_dir();
    let fetch = DiskFetch::new(
        vec![UrlMapping {
            prefix: REMOTE_PREFIX.to_string(),
            dir: dir.clone(),
        }],
        true,
    );
    (
        Url::from_file_path(dir.join("flow.yaml")).expect("absolute path"),
        fetch,
    )
}

/// Loads the corpus; panics when loading reports anything.
pub fn load_corpus() -> Loaded {
    let (root, fetch) = corpus_fetch();
    let loaded = load::load(&root, &fetch);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded
}

/// The directory of the catalog `gen_catalog.py` writes for these options
/// (seed 1), generated once into `target/bench-gen-<collections>`. Its root
/// is `flow.yaml`.
pub fn generated(collections: usize, files: usize) -> PathBuf {
    let out =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/bench-gen-{collections}"));
    if !out.join("flow.yaml").exists() {
        let status = std::process::Command::new("python3")
            .arg(shared_dir().join("tools/lsp-bench/gen_catalog.py"))
            .args(["--collections", &collections.to_string()])
            .args(["--files", &files.to_string()])
            .args(["--seed", "1", "--out"])
            .arg(&out)
            .status()
            .expect("python3 runs the catalog generator");
        assert!(status.success(), "gen_catalog.py failed");
    }
    out.canonicalize().expect("the generated catalog exists")
}

/// Every `.yaml` / `.yml` file under `root`, sorted (an unreadable directory is
/// skipped).
pub fn yaml_files(root: &Path) -> Vec<PathBuf> {
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
