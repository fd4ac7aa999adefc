//! The state one run of the checks shares: the loaded catalog, the
//! diagnostics found so far, collection lookup by name, import visibility
//! (catalog.md §4) and the per-schema caches of [`crate::schemas`].
//!
//! Everything expensive is computed once per build and cached here, so that a
//! schema used by a thousand collections is compiled and inferred once.

// Keyed by names, URLs and scopes, looked up per entity: a fast hash.
use foldhash::HashMap;

use load::Loaded;
use model::{Catalog, Collection, Diagnostic, Scope};
use url::Url;

use crate::memo::Memo;
use crate::schemas::SchemaCache;

pub(crate) struct Context<'l> {
    pub loaded: &'l Loaded,
    pub catalog: &'l Catalog,
    /// Schema work kept across builds.
    pub memo: &'l Memo,
    pub diagnostics: Vec<Diagnostic>,
    /// Exact collection name → index of its first definition.
    by_name: HashMap<&'l str, usize>,
    /// Every file that imports or is imported, numbered.
    files: HashMap<&'l Url, usize>,
    /// Import edges by file number: importing file → imported files.
    imports: Vec<Vec<usize>>,
    /// Per file number: the files visible from it (itself and everything it
    /// imports, transitively) as a bit set, computed on first use.
    visible: HashMap<usize, Vec<u64>>,
    pub schemas: SchemaCache,
    /// Each collection's schema URL, by the collection's address (the
    /// catalog outlives the run; building an inline schema's URL parses
    /// one, and every module asks for it).
    schema_urls: HashMap<*const Collection, Option<Url>>,
}

/// Why a collection name could not be resolved from some file.
pub(crate) enum Unresolved {
    /// C12, with the message already written.
    Missing(Diagnostic),
    /// C13, with the collection that exists but is not visible.
    NotVisible(Diagnostic),
}

impl<'l> Context<'l> {
    pub fn new(loaded: &'l Loaded, memo: &'l Memo) -> Context<'l> {
        let catalog = &loaded.catalog;
        let mut by_name = HashMap::default();
        for (index, collection) in catalog.collections.iter().enumerate() {
            by_name.entry(collection.name.as_str()).or_insert(index);
        }
        let mut files: HashMap<&Url, usize> = HashMap::default();
        let mut imports: Vec<Vec<usize>> = Vec::new();
        let mut number = |url: &'l Url, imports: &mut Vec<Vec<usize>>| {
            let next = files.len();
            let n = *files.entry(url).or_insert(next);
            if n == next {
                imports.push(Vec::new());
            }
            n
        };
        for import in &catalog.imports {
            let from = number(&import.from, &mut imports);
            let to = number(&import.to, &mut imports);
            imports[from].push(to);
        }
        Context {
            loaded,
            catalog,
            memo,
            diagnostics: Vec::new(),
            by_name,
            files,
            imports,
            visible: HashMap::default(),
            schemas: SchemaCache::default(),
            schema_urls: HashMap::default(),
        }
    }

    /// `collection.schema_url()`, computed once per collection and run.
    pub fn schema_url(&mut self, collection: &'l Collection) -> Option<Url> {
        let key: *const Collection = collection;
        if let Some(url) = self.schema_urls.get(&key) {
            return url.clone();
        }
        let url = collection.schema_url();
        self.schema_urls.insert(key, url.clone());
        url
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The index (in processing order) of the collection named exactly `name`.
    pub fn collection_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn collection(&self, name: &str) -> Option<&'l Collection> {
        let catalog = self.catalog;
        self.collection_index(name)
            .map(|index| &*catalog.collections[index])
    }

    /// Whether the file `from` can see the file `to` (catalog.md §4).
    pub fn can_see(&mut self, from: &Url, to: &Url) -> bool {
        if from == to {
            return true;
        }
        let (Some(&from), Some(&to)) = (self.files.get(from), self.files.get(to)) else {
            // A file without imports sees only itself.
            return false;
        };
        let imports = &self.imports;
        let seen = self.visible.entry(from).or_insert_with(|| {
            let mut seen = vec![0u64; imports.len().div_ceil(64)];
            let mut work = vec![from];
            while let Some(next) = work.pop() {
                let (word, bit) = (next / 64, 1u64 << (next % 64));
                if seen[word] & bit != 0 {
                    continue;
                }
                seen[word] |= bit;
                work.extend(imports[next].iter().copied());
            }
            seen
        });
        seen[to / 64] & (1 << (to % 64)) != 0
    }

    /// Resolves a collection named at `scope` (a `source.name`, a test step's
    /// `collection`): it must exist (C12) and be visible from the file holding
    /// `scope` (C13).
    #[allow(clippy::result_large_err)] // `Unresolved` holds the diagnostic to report.
    pub fn resolve_collection(
        &mut self,
        name: &str,
        scope: &Scope,
    ) -> Result<&'l Collection, Unresolved> {
        let Some(collection) = self.collection(name) else {
            let mut message = format!("no collection named \"{name}\"");
            let candidates = self
                .catalog
                .collections
                .iter()
                .map(|collection| collection.name.as_str());
            if let Some(suggestion) = model::names::suggest(name, candidates) {
                message.push_str(&format!("; did you mean \"{suggestion}\"?"));
            }
            return Err(Unresolved::Missing(Diagnostic::error(
                "C12",
                scope.clone(),
                message,
            )));
        };
        let here = &scope.resource;
        let there = &collection.scope.resource;
        if !self.can_see(here, there) {
            let message = format!(
                "\"{name}\" is defined in {there}, which {here} does not import (directly or indirectly)"
            );
            let diagnostic = Diagnostic::error("C13", scope.clone(), message).with_related(
                collection.name_scope.clone(),
                format!("\"{name}\" is defined here"),
            );
            return Err(Unresolved::NotVisible(diagnostic));
        }
        Ok(collection)
    }

    /// Reports an unresolved reference.
    pub fn report_unresolved(&mut self, unresolved: Unresolved) {
        match unresolved {
            Unresolved::Missing(diagnostic) | Unresolved::NotVisible(diagnostic) => {
                self.report(diagnostic)
            }
        }
    }
}
