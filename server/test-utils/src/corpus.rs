//! The conformance corpus, for tests and benchmarks: where it is
//! (`../shared/corpus/estuary-docs`, beside the project) and how to load it
//! (offline, with its one remote URL mapped to the local copy; see
//! shared/corpus/README.md).

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
