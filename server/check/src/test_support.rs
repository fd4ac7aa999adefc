//! Helpers for the unit tests of every check module: load a small in-memory
//! catalog (files under `file:///p/`), run the checks, and read back the exact
//! text each diagnostic's range covers.

use load::{Loaded, MemoryFetch};
use model::Diagnostic;
use url::Url;

pub(crate) struct Run {
    pub loaded: Loaded,
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) fn url(path: &str) -> Url {
    Url::parse(&format!("file:///p/{path}")).expect("test URL")
}

/// Loads `files` (the first is the root) and runs every check. The loader
/// must find nothing wrong: these catalogs exercise the checks.
pub(crate) fn run(files: &[(&str, &str)]) -> Run {
    let run = run_allowing_load_errors(files);
    assert!(
        run.loaded.diagnostics.is_empty(),
        "loader diagnostics: {:#?}",
        run.loaded.diagnostics
    );
    run
}

pub(crate) fn run_allowing_load_errors(files: &[(&str, &str)]) -> Run {
    let mut fetch = MemoryFetch::new();
    for (path, text) in files {
        fetch.insert(url(path), *text);
    }
    let loaded = load::load(&url(files[0].0), &fetch);
    let diagnostics = crate::check(&loaded);
    Run {
        loaded,
        diagnostics,
    }
}

impl Run {
    pub fn codes(&self) -> Vec<&'static str> {
        self.diagnostics
            .iter()
            .map(|diagnostic| diagnostic.code)
            .collect()
    }

    /// The one diagnostic with `code`; fails when there is not exactly one,
    /// or when any diagnostic with another code was reported.
    pub fn only(&self, code: &str) -> &Diagnostic {
        let found: Vec<&Diagnostic> = self
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.code == code)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one {code}, got {:#?}",
            self.diagnostics
        );
        assert_eq!(
            self.diagnostics.len(),
            1,
            "expected only {code}, got {:#?}",
            self.diagnostics
        );
        found[0]
    }

    /// Every diagnostic with `code`.
    pub fn all(&self, code: &str) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.code == code)
            .collect()
    }

    pub fn assert_clean(&self) {
        assert!(
            self.diagnostics.is_empty(),
            "expected no diagnostics, got {:#?}",
            self.diagnostics
        );
    }

    /// The text under a diagnostic's range, in the file that holds it.
    pub fn text_at(&self, diagnostic: &Diagnostic) -> &str {
        let location = self
            .loaded
            .locate(&diagnostic.scope, diagnostic.at_key)
            .expect("diagnostic scope locates");
        let range = diagnostic.range.unwrap_or(location.range);
        let resource = self
            .loaded
            .resource(&location.resource)
            .expect("located resource");
        &resource.text[range.start as usize..range.end as usize]
    }

    /// The text under the `index`th related location of a diagnostic.
    pub fn related_text(&self, diagnostic: &Diagnostic, index: usize) -> &str {
        let related = &diagnostic.related[index];
        let location = self
            .loaded
            .locate(&related.scope, false)
            .expect("related scope locates");
        let range = related.range.unwrap_or(location.range);
        let resource = self
            .loaded
            .resource(&location.resource)
            .expect("located resource");
        &resource.text[range.start as usize..range.end as usize]
    }

    /// The file (path under `file:///p/`) a diagnostic lands in.
    pub fn file_of(&self, diagnostic: &Diagnostic) -> String {
        let location = self
            .loaded
            .locate(&diagnostic.scope, diagnostic.at_key)
            .expect("diagnostic scope locates");
        location
            .resource
            .path()
            .trim_start_matches("/p/")
            .to_string()
    }
}
