//! The fuzzer's seeds: every YAML and JSON file of `fixtures/` and of the
//! conformance corpus, in memory under `file:///fuzz/fixtures/…` and
//! `file:///fuzz/corpus/…` (the corpus's one remote prefix is served from the
//! same texts, as `--map-url` does), with the catalog root each file belongs to.

use std::fs;
use std::path::{Path, PathBuf};

use load::MemoryFetch;
use url::Url;

/// One seed file.
pub struct Seed {
    pub url: Url,
    pub text: String,
    /// The `flow.yaml` of the nearest directory above (or beside) the file,
    /// else the file itself.
    pub root: Url,
    /// Whether the file holds a lambda body (`nodeJS:`).
    pub has_lambda: bool,
    /// Whether the file names other resources (`$ref`, `schema:`, `import:`).
    pub has_reference: bool,
    /// Whether its root builds without errors, so that its tests run.
    pub builds: bool,
    /// The file's value, when it parses (for structural mutations).
    pub json: Option<serde_json::Value>,
}

/// Every seed, and a fetcher holding all of them unmutated.
pub struct Seeds {
    pub files: Vec<Seed>,
    pub base: MemoryFetch,
}

const BASE: &str = "file:///fuzz/";

impl Seeds {
    pub fn collect() -> Seeds {
        let mut files = Vec::new();
        let mut base = MemoryFetch::new();
        let trees = [
            ("fixtures", test_utils::fixtures_dir()),
            ("corpus", test_utils::corpus::corpus_dir()),
        ];
        for (name, dir) in trees {
            let dir = dir.canonicalize().expect("seed directory");
            let mut paths = Vec::new();
            walk(&dir, &mut paths);
            paths.sort();
            for path in paths {
                // Invalid UTF-8 cannot live in a `MemoryFetch`; the hostile suite covers it.
                let Ok(text) = fs::read_to_string(&path) else {
                    continue;
                };
                let relative = relative_url(&dir, &path);
                let url = Url::parse(&format!("{BASE}{name}/{relative}")).expect("seed URL");
                if name == "corpus" {
                    let remote =
                        Url::parse(&format!("{}{relative}", test_utils::corpus::REMOTE_PREFIX))
                            .expect("remote URL");
                    base.insert(remote, text.clone());
                }
                base.insert(url.clone(), text.clone());
                let root = root_of(&dir, &path)
                    .map(|root| {
                        Url::parse(&format!("{BASE}{name}/{}", relative_url(&dir, &root)))
                            .expect("root URL")
                    })
                    .unwrap_or_else(|| url.clone());
                files.push(Seed {
                    has_lambda: text.contains("nodeJS:"),
                    has_reference: ["$ref", "schema:", "import:"]
                        .iter()
                        .any(|word| text.contains(word)),
                    url,
                    text,
                    root,
                    builds: false,
                    json: None,
                });
            }
        }
        assert!(files.len() > 100, "found only {} seed files", files.len());
        let mut verdicts = std::collections::HashMap::new();
        for seed in &mut files {
            seed.builds = *verdicts.entry(seed.root.clone()).or_insert_with(|| {
                let loaded = load::load(&seed.root, &base);
                !check::all_diagnostics(&loaded)
                    .iter()
                    .any(model::Diagnostic::is_error)
            });
        }
        for seed in &mut files {
            let loaded = load::load(&seed.url, &base);
            seed.json = loaded
                .resource(&seed.url)
                .and_then(|resource| resource.tree.document_json().ok())
                .filter(|json| json.is_object());
        }
        Seeds { files, base }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml" || ext == "json")
        {
            out.push(path);
        }
    }
}

fn relative_url(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .expect("inside the seed directory")
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The nearest `flow.yaml` at or above `path`'s directory, inside `top`.
fn root_of(top: &Path, path: &Path) -> Option<PathBuf> {
    let mut dir = path.parent()?;
    loop {
        let candidate = dir.join("flow.yaml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir == top {
            return None;
        }
        dir = dir.parent()?;
    }
}
