//! What a [`SchemaIndex`] compiles, compiled once and shared: a `jsonschema`
//! registry per document (holding only the documents its `$ref`s reach, so
//! building one costs what that closure costs, never the whole catalog) and a
//! [`Validator`] per schema place. The cache is `Send + Sync` (per-entry
//! `OnceLock`s behind a short-held mutex), so the checks, the runtime plan
//! and parallel test workers all share one copy of each validator.
//!
//! [`CompileStats`] counts the expensive operations, so that tests can assert
//! that their number grows with the number of schemas and not faster.

use foldhash::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use url::Url;

use crate::index::{Place, SchemaIndex};
use crate::validate::Validator;

type Registry = jsonschema::Registry<'static>;

/// A registry and how many documents it holds.
#[derive(Debug)]
pub(crate) struct SizedRegistry {
    pub(crate) registry: Registry,
    documents: usize,
}
type Cell<T> = Arc<OnceLock<Result<T, String>>>;

/// Registries by root document, validators by place, and counters.
#[derive(Debug, Default)]
pub(crate) struct Compiled {
    registries: Mutex<HashMap<usize, Cell<Arc<SizedRegistry>>>>,
    validators: Mutex<HashMap<(usize, String), Cell<Validator>>>,
    /// Validators of self-contained documents' roots by the document's
    /// compact text ([`self_contained`]): a catalog's many copies of one
    /// small schema (registers of `{type: integer}`) compile once.
    by_text: Mutex<HashMap<Box<str>, Cell<Validator>>>,
    registry_builds: AtomicUsize,
    registry_documents: AtomicUsize,
    validator_builds: AtomicUsize,
    validator_registry_documents: AtomicUsize,
    compilations: AtomicUsize,
}

/// How much compiling an index has done so far (see [`SchemaIndex::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompileStats {
    /// Schemas compiled into a [`Validator`] (each place at most once).
    pub compilations: usize,
    /// `jsonschema` validators built (a schema's root plus its branch validators).
    pub validator_builds: usize,
    /// `jsonschema` registries built (at most one per document).
    pub registry_builds: usize,
    /// Documents added to those registries, summed over all of them.
    pub registry_documents: usize,
    /// Per validator build, the documents of the registry it was built
    /// against, summed: what building validators costs in registry work.
    pub validator_registry_documents: usize,
}

impl Compiled {
    /// Whether nothing was compiled (or asked for) yet.
    pub(crate) fn is_unused(&self) -> bool {
        fn empty<K, T>(map: &Mutex<HashMap<K, Cell<T>>>) -> bool {
            lock(map).is_empty()
        }
        empty(&self.registries) && empty(&self.validators) && empty(&self.by_text)
    }
}

/// Whether a document written as `text` validates the same wherever it is:
/// it refers to nothing and names nothing (no `$ref`, `$id`, anchor or
/// `$schema` anywhere, checked on the text, so a description that merely
/// mentions one only costs the sharing). Its validator then depends on its
/// text alone (the index's options are the same for every document), and
/// so does its annotation program.
pub(crate) fn self_contained(text: &str) -> bool {
    const NAMES: [&str; 4] = ["\"$ref", "\"$id", "nchor\"", "\"$schema"];
    // `$recursiveRef`, `$dynamicRef`, `$anchor`, `$dynamicAnchor` and
    // `$recursiveAnchor` contain `Ref"`/`nchor"`.
    !NAMES.iter().any(|name| text.contains(name)) && !text.contains("Ref\"")
}

/// Gets the cell for `key`, creating it; the lock is held only for the lookup.
fn cell<K: std::hash::Hash + Eq, T>(map: &Mutex<HashMap<K, Cell<T>>>, key: K) -> Cell<T> {
    lock(map).entry(key).or_default().clone()
}

/// A cache map, locked (entries are whole cells: a panic elsewhere leaves no
/// half-made one).
fn lock<K, T>(map: &Mutex<HashMap<K, Cell<T>>>) -> std::sync::MutexGuard<'_, HashMap<K, Cell<T>>> {
    map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SchemaIndex {
    /// What compiling has cost so far on this index (shared by its clones).
    pub fn stats(&self) -> CompileStats {
        let c = &self.compiled;
        CompileStats {
            compilations: c.compilations.load(Ordering::Relaxed),
            validator_builds: c.validator_builds.load(Ordering::Relaxed),
            registry_builds: c.registry_builds.load(Ordering::Relaxed),
            registry_documents: c.registry_documents.load(Ordering::Relaxed),
            validator_registry_documents: c.validator_registry_documents.load(Ordering::Relaxed),
        }
    }

    /// The validator of the schema at `place`, compiled on first use.
    pub(crate) fn cached_validator(
        &self,
        place: &Place,
        compile: impl FnOnce() -> Result<Validator, String>,
    ) -> Result<Validator, String> {
        let cell = cell(
            &self.compiled.validators,
            (place.document, place.pointer.clone()),
        );
        cell.get_or_init(|| {
            self.compiled.compilations.fetch_add(1, Ordering::Relaxed);
            compile()
        })
        .clone()
    }

    /// The validator of the root of a self-contained document written as
    /// `text`, compiled by `compile` unless a document of the same text was.
    pub(crate) fn validator_by_text(
        &self,
        text: &str,
        compile: impl FnOnce() -> Result<Validator, String>,
    ) -> Result<Validator, String> {
        let cell = {
            let mut map = lock(&self.compiled.by_text);
            match map.get(text) {
                Some(cell) => cell.clone(),
                None => map.entry(text.into()).or_default().clone(),
            }
        };
        cell.get_or_init(compile).clone()
    }

    /// Drops what compiling the schema at `uri` cached: its validator, and
    /// the registry of its document when that document is an inline schema
    /// (`?ptr=…`: no other schema place shares it). A later
    /// [`SchemaIndex::compile`] builds them again. For a caller that knows
    /// nothing will ask for them again (a build's checks, issue #7).
    pub fn forget_validator(&self, uri: &Url) {
        let Some(place) = self.place_of(uri) else {
            return;
        };
        if let Some(text) = self.doc(place.document).json.text()
            && place.pointer.is_empty()
        {
            lock(&self.compiled.by_text).remove(text);
        }
        lock(&self.compiled.validators).remove(&(place.document, place.pointer));
        if uri.query().is_some_and(|query| query.starts_with("ptr=")) {
            lock(&self.compiled.registries).remove(&place.document);
        }
    }

    /// Counts one `jsonschema` validator build against `registry`.
    pub(crate) fn count_validator_build(&self, registry: &SizedRegistry) {
        let c = &self.compiled;
        c.validator_builds.fetch_add(1, Ordering::Relaxed);
        c.validator_registry_documents
            .fetch_add(registry.documents, Ordering::Relaxed);
    }

    /// The registry for schemas of document `root`: `root` and every document
    /// its references reach (documents too deep to compile left out; a
    /// reference into one fails to compile, which the build reports as C9).
    pub(crate) fn registry_for(&self, root: usize) -> Result<Arc<SizedRegistry>, String> {
        let cell = cell(&self.compiled.registries, root);
        cell.get_or_init(|| {
            let closure = self.reference_closure(root);
            let mut builder = jsonschema::Registry::new()
                .draft(jsonschema::Draft::Draft201909)
                .retrieve_known_draft_meta_schemas(false);
            let mut added = 0;
            for number in closure {
                let document = self.doc(number);
                if document.indexed.too_deep.is_some() {
                    continue;
                }
                builder = builder
                    .add(document.url.as_str(), document.value())
                    .map_err(|e| format!("{}: {e}", document.url))?;
                added += 1;
            }
            let c = &self.compiled;
            c.registry_builds.fetch_add(1, Ordering::Relaxed);
            c.registry_documents.fetch_add(added, Ordering::Relaxed);
            let registry = builder.prepare().map_err(|e| e.to_string())?;
            Ok(Arc::new(SizedRegistry {
                registry,
                documents: added,
            }))
        })
        .clone()
    }
}
