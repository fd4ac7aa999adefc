//! The state one run of the checks shares: the loaded catalog, the
//! diagnostics found so far, collection lookup by name, import visibility
//! (catalog.md §4) and the per-schema caches of [`crate::schemas`].
//!
//! Everything expensive is computed once per build and cached here, so that a
//! schema used by a thousand collections is compiled and inferred once.
//!
//! Inside a unit ([`Context::unit`], see [`crate::units`]) every read of
//! anything outside the unit's entity goes through an accessor here that
//! records it (and its answer) for replay; a unit's body reads neither
//! `catalog` nor `loaded` directly.

// Keyed by names, URLs and scopes, looked up per entity: a fast hash.
use foldhash::HashMap;
use std::sync::Arc;

use load::Loaded;
use model::{Catalog, Collection, Diagnostic, Scope};
use runtime::lambda::LambdaKind;
use schema::Validator;
use url::Url;

use crate::memo::{Inferred, Memo, Pin};
use crate::schemas::SchemaCache;
use crate::units::{ENTRIES_PER_UNIT, Entity, Op, UnitEntry, UnitKind, UnitTable};

pub(crate) struct Context<'l> {
    /// Read by units only through the recorded accessors below; the global
    /// passes use [`Context::loaded`] and [`Context::catalog`].
    loaded: &'l Loaded,
    catalog: &'l Catalog,
    /// Schema work kept across builds.
    pub memo: &'l Memo,
    pub diagnostics: Vec<Diagnostic>,
    /// Exact collection name → index of its first definition.
    by_name: HashMap<&'l str, usize>,
    /// The import graph, built on first use.
    graph: Option<Graph<'l>>,
    /// The memo's number of this build's import graph: equal numbers are
    /// equal graphs, so a visibility answer recorded under it still holds.
    graph_generation: u64,
    /// Per file number: the files visible from it (itself and everything it
    /// imports, transitively) as a bit set, computed on first use.
    visible: HashMap<usize, Vec<u64>>,
    pub schemas: SchemaCache<'l>,
    /// The units' entries, taken from the memo for this run.
    units: UnitTable,
    /// The unit running now, recording its reads.
    recording: Option<Recording>,
    /// The index of the running unit's collection (for C14's order), or 0.
    unit_index: usize,
    /// Per schema document that a replayed [`Op::Schema`] named: the
    /// documents it reaches in this build (asked once per document).
    schemas_now: HashMap<&'l str, Vec<(&'l Url, &'l Arc<model::compact::Json>)>>,
    /// [`crate::units::fingerprint`] of every collection name, on first use.
    names: Option<u64>,
    /// Whether units record their reads and results (not when nothing is
    /// kept past the run).
    record_units: bool,
    /// Units run and replayed in this run.
    pub units_run: usize,
    pub units_replayed: usize,
}

/// Every file that imports or is imported, numbered, with its edges.
struct Graph<'l> {
    files: HashMap<&'l Url, usize>,
    /// Import edges by file number: importing file → imported files.
    imports: Vec<Vec<usize>>,
}

impl<'l> Graph<'l> {
    fn new(catalog: &'l Catalog) -> Graph<'l> {
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
        Graph { files, imports }
    }
}

/// What the running unit has read so far.
struct Recording {
    ops: Vec<Op>,
    pins: Vec<Pin>,
}

/// A write of a replayed unit to the build's schema state, undone when a
/// later read of its log does not hold.
enum Undo<'l> {
    Checked(&'l str),
    Reach(&'l str),
    Inspected(Url),
    Reported(&'static str, Scope),
}

/// Why a collection name could not be resolved from some file.
pub(crate) enum Unresolved {
    /// C12, with the message already written.
    Missing(Diagnostic),
    /// C13, with the collection that exists but is not visible.
    NotVisible(Diagnostic),
}

/// The index of the first collection of each name in catalog order: the
/// one a name resolves to (a later one of the same name is a C5 duplicate).
pub(crate) fn first_of_each_name(catalog: &Catalog) -> HashMap<&str, usize> {
    let mut by_name: HashMap<&str, usize> = HashMap::default();
    by_name.reserve(catalog.collections.len());
    for (index, collection) in catalog.collections.iter().enumerate() {
        by_name.entry(collection.name.as_str()).or_insert(index);
    }
    by_name
}

impl<'l> Context<'l> {
    /// A run over `loaded`; `record_units` when `memo` outlives it (else no
    /// unit records what it reads).
    pub fn new(loaded: &'l Loaded, memo: &'l Memo, record_units: bool) -> Context<'l> {
        let catalog = &loaded.catalog;
        let by_name = first_of_each_name(catalog);
        // Numbered only for recorded visibility answers.
        let graph_generation = if record_units {
            memo.import_generation(&loaded.root, &catalog.imports)
        } else {
            0
        };
        let mut schemas_now: HashMap<&str, _> = HashMap::default();
        if record_units {
            // Asked per replayed unit only.
            schemas_now.reserve(catalog.collections.len());
        }
        Context {
            loaded,
            catalog,
            memo,
            diagnostics: Vec::new(),
            by_name,
            graph: None,
            graph_generation,
            visible: HashMap::default(),
            schemas: SchemaCache::default(),
            units: memo.take_units(),
            recording: None,
            unit_index: 0,
            schemas_now,
            names: None,
            record_units,
            units_run: 0,
            units_replayed: 0,
        }
    }

    /// Hands the units' entries back to the memo.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        let units = std::mem::take(&mut self.units);
        self.memo
            .return_units(units, self.units_run, self.units_replayed);
        self.diagnostics
    }

    /// Runs `body`, the checks of one entity, as a unit: replays a stored
    /// result whose every read still holds, else runs it and stores what it
    /// read and reported. `index` is the position of the entity's collection
    /// in catalog order (0 for a test). Returns the unit's edges (C16).
    pub fn unit(
        &mut self,
        kind: UnitKind,
        entity: Entity,
        index: usize,
        body: impl FnOnce(&mut Context<'l>) -> Vec<(Scope, Box<str>)>,
    ) -> Vec<(Scope, Box<str>)> {
        debug_assert!(self.recording.is_none(), "units do not nest");
        self.unit_index = index;
        if !self.record_units {
            return body(self);
        }
        let key = (kind, entity.address());
        if let Some(slot) = self.units.get_mut(&key) {
            let entries = std::mem::take(slot);
            let replayed = entries.iter().position(|entry| self.replay(entry, index));
            let slot = self.units.get_mut(&key).expect("taken above");
            *slot = entries;
            if let Some(position) = replayed {
                let entry = &mut slot[position];
                entry.used = true;
                let edges = entry.edges.clone();
                self.diagnostics.extend(entry.diagnostics.iter().cloned());
                self.units_replayed += 1;
                return edges;
            }
        }
        self.units_run += 1;
        let start = self.diagnostics.len();
        self.recording = Some(Recording {
            ops: Vec::new(),
            pins: Vec::new(),
        });
        let edges = body(self);
        let mut recording = self.recording.take().expect("set above");
        for op in &recording.ops {
            if let Op::Schema { url, documents, .. } = op {
                self.memo.schema_pins(url, documents, &mut recording.pins);
            }
        }
        let entry = UnitEntry {
            entity,
            ops: recording.ops,
            diagnostics: self.diagnostics[start..].to_vec(),
            edges: edges.clone(),
            pins: recording.pins,
            used: true,
        };
        let entries = self.units.entry(key).or_default();
        if entries.len() >= ENTRIES_PER_UNIT {
            entries.remove(0);
        }
        entries.push(entry);
        edges
    }

    /// Runs a stored unit's log against this build: true when every read
    /// gives the recorded answer (its writes then stay applied).
    fn replay(&mut self, entry: &UnitEntry, index: usize) -> bool {
        let mut undo = Vec::new();
        for op in &entry.ops {
            if !self.holds(op, index, &mut undo) {
                for write in undo {
                    match write {
                        Undo::Checked(document) => {
                            self.schemas.checked_documents.remove(document);
                        }
                        Undo::Reach(document) => {
                            self.schemas.reach_is_clean.remove(document);
                        }
                        Undo::Inspected(url) => {
                            self.schemas.inspected.remove(&url);
                        }
                        Undo::Reported(code, scope) => {
                            self.schemas.reported.remove(&(code, scope));
                        }
                    }
                }
                return false;
            }
        }
        true
    }

    /// Whether one recorded op holds in this build (applying it when it is
    /// a write).
    fn holds(&mut self, op: &Op, index: usize, undo: &mut Vec<Undo<'l>>) -> bool {
        let loaded = self.loaded;
        match op {
            Op::Collection { name, found } => {
                let now = self
                    .by_name
                    .get(&**name)
                    .map(|&index| &self.catalog.collections[index]);
                match (now, found) {
                    (None, None) => true,
                    (Some(now), Some(found)) => Arc::ptr_eq(now, found),
                    _ => false,
                }
            }
            Op::DefinedAfter { name, answer } => {
                (self.collection_index(name).unwrap_or(0) > index) == *answer
            }
            Op::CanSee {
                from,
                to,
                answer,
                generation,
            } => *generation == self.graph_generation || self.visible(from, to) == *answer,
            Op::Names(fingerprint) => self.names_fingerprint() == *fingerprint,
            Op::Schema {
                url,
                documents,
                resolves,
            } => {
                // Keyed by the index's own document URL: no key is built.
                let document = &url[..url::Position::AfterQuery];
                let now = match self.schemas_now.get(document) {
                    Some(known) => known.as_slice(),
                    None => {
                        let now = loaded.schemas.reached_shared(url);
                        match now.first() {
                            Some((first, _)) if first.as_str() == document => {
                                self.schemas_now.entry(first.as_str()).or_insert(now)
                            }
                            _ => {
                                return now.is_empty() && documents.is_empty() && {
                                    loaded.schemas.resolves(url) == *resolves
                                };
                            }
                        }
                    }
                };
                // The first document is the one named by `url` (its URL
                // is the key); the others are compared by URL too.
                let same = now.len() == documents.len()
                    && now.iter().zip(documents).enumerate().all(
                        |(position, ((url, value), (was_url, was)))| {
                            Arc::ptr_eq(value, was) && (position == 0 || *url == was_url)
                        },
                    );
                // With the same documents, a URL naming its document or a
                // JSON Pointer into it resolves as before (a document's URL
                // is always its own resource); an anchor may be registered
                // by another document.
                let by_pointer = url
                    .fragment()
                    .is_none_or(|fragment| fragment.is_empty() || fragment.starts_with('/'));
                same && ((by_pointer && !documents.is_empty())
                    || loaded.schemas.resolves(url) == *resolves)
            }
            Op::DocumentLoaded { url, answer } => loaded.schemas.has_document(url) == *answer,
            Op::SameSchema { a, b, answer } => crate::schemas::same_schema(loaded, a, b) == *answer,
            Op::Tree { url, tree } => {
                match (loaded.resource(url).map(|resource| &resource.tree), tree) {
                    (None, None) => true,
                    (Some(now), Some(was)) => Arc::ptr_eq(now, was),
                    _ => false,
                }
            }
            Op::Checked { document, clean } => {
                self.schemas
                    .checked_documents
                    .get(document.as_str())
                    .copied()
                    == *clean
            }
            Op::SetChecked { document, clean } => {
                // The unit's schema reads held: the document is loaded.
                let Some(document) = self.document_key(document.as_str()) else {
                    return false;
                };
                self.schemas.checked_documents.insert(document, *clean);
                undo.push(Undo::Checked(document));
                true
            }
            Op::Reach { document, clean } => {
                self.schemas.reach_is_clean.get(&**document).copied() == *clean
            }
            Op::SetReach { document, clean } => {
                let Some(document) = self.document_key(document) else {
                    return false;
                };
                self.schemas.reach_is_clean.insert(document, *clean);
                undo.push(Undo::Reach(document));
                true
            }
            Op::Inspected { url, first } => {
                if !*first {
                    return self.schemas.inspected.contains(url);
                }
                if !self.schemas.inspected.insert(url.clone()) {
                    return false;
                }
                undo.push(Undo::Inspected(url.clone()));
                true
            }
            Op::Reported { code, scope, first } => {
                let key = (*code, scope.clone());
                if !*first {
                    return self.schemas.reported.contains(&key);
                }
                if !self.schemas.reported.insert(key) {
                    return false;
                }
                undo.push(Undo::Reported(code, scope.clone()));
                true
            }
        }
    }

    /// The loaded catalog, for the global passes (a unit reads it through
    /// the recorded accessors; debug builds check that none reads it here).
    pub fn loaded(&self) -> &'l Loaded {
        debug_assert!(
            self.recording.is_none(),
            "a unit reads the build through recorded accessors"
        );
        self.loaded
    }

    /// The catalog, for the global passes (as [`Context::loaded`]).
    pub fn catalog(&self) -> &'l Catalog {
        debug_assert!(
            self.recording.is_none(),
            "a unit reads the catalog through recorded accessors"
        );
        self.catalog
    }

    fn record(&mut self, op: impl FnOnce() -> Op) {
        if let Some(recording) = &mut self.recording {
            recording.ops.push(op());
        }
    }

    fn names_fingerprint(&mut self) -> u64 {
        let catalog = self.catalog;
        *self.names.get_or_insert_with(|| {
            crate::units::fingerprint(
                catalog
                    .collections
                    .iter()
                    .map(|collection| collection.name.as_str()),
            )
        })
    }

    /// Records that the unit reads the schema at `url` (once per unit), and
    /// returns the index to read it from: whatever is computed from the
    /// documents `url` reaches (their presence, values, resolution, shape,
    /// problems) is a function of what this records.
    pub fn read_schema(&mut self, url: &Url) -> &'l schema::SchemaIndex {
        let loaded = self.loaded;
        let Some(recording) = &mut self.recording else {
            return &loaded.schemas;
        };
        let known = recording
            .ops
            .iter()
            .any(|op| matches!(op, Op::Schema { url: read, .. } if read == url));
        if known {
            return &loaded.schemas;
        }
        let documents = loaded
            .schemas
            .reached_shared(url)
            .into_iter()
            .map(|(url, value)| (url.clone(), Arc::clone(value)))
            .collect();
        recording.ops.push(Op::Schema {
            url: url.clone(),
            documents,
            resolves: loaded.schemas.resolves(url),
        });
        &loaded.schemas
    }

    /// The inferred shape of the schema at `url`; `None` when it does not
    /// resolve, or when its documents have C7/C9 problems (checks against
    /// a broken schema would only echo those).
    pub fn shape(&mut self, url: &Url) -> Option<Arc<Inferred>> {
        self.inferred(url)
    }

    /// The shape with what is derived from it (inspections, canonical
    /// projections), under the same conditions as [`Context::shape`].
    pub fn inferred(&mut self, url: &Url) -> Option<Arc<Inferred>> {
        if !self.is_usable(url) {
            return None;
        }
        self.read_schema(url);
        self.schemas.inferred(self.loaded, self.memo, url)
    }

    /// The compiled schema at `url`; `None` when it cannot be compiled or
    /// its documents have C7/C9 problems.
    pub fn validator(&mut self, url: &Url) -> Option<Validator> {
        if !self.is_usable(url) {
            return None;
        }
        self.read_schema(url);
        self.memo.validator(&self.loaded.schemas, url).ok()
    }

    /// False when the schema's documents are known to have problems.
    fn is_usable(&mut self, url: &Url) -> bool {
        let document = &url[..url::Position::AfterQuery];
        self.reach_is_clean(document).unwrap_or(true)
    }

    /// Whether every document reached from `document` is free of C7/C9
    /// problems, when a unit established it in this build.
    ///
    /// What is known about clean documents is not recorded: with them,
    /// every path gives the same result whether or not an earlier unit
    /// examined them (`Some(true)` and `None` read alike, and examining
    /// them reports nothing), and their cleanliness is a function of the
    /// documents the unit's [`Op::Schema`] reads hold. So a unit's log
    /// depends on the order of units only through documents with problems.
    pub fn reach_is_clean(&mut self, document: &str) -> Option<bool> {
        let clean = self.schemas.reach_is_clean.get(document).copied();
        if clean != Some(true) {
            self.record(|| Op::Reach {
                document: document.into(),
                clean,
            });
        }
        clean
    }

    /// The index's own text of the URL of the loaded document `document`
    /// (a key for the build's caches that copies nothing).
    fn document_key(&self, document: &str) -> Option<&'l str> {
        let loaded = self.loaded;
        loaded.schemas.document_url(document).map(Url::as_str)
    }

    /// `document` is loaded (its problems were just examined).
    pub fn set_reach_is_clean(&mut self, document: &str, clean: bool) {
        if let Some(key) = self.document_key(document) {
            self.schemas.reach_is_clean.insert(key, clean);
        }
        if clean {
            self.forget(
                |op| matches!(op, Op::Reach { document: read, clean: None } if **read == *document),
            );
        } else {
            self.record(|| Op::SetReach {
                document: document.into(),
                clean,
            });
        }
    }

    /// Whether `document`'s C7/C9 problems were examined in this build, and
    /// whether it had none (recorded as [`Context::reach_is_clean`] is).
    pub fn document_checked(&mut self, document: &Url) -> Option<bool> {
        let clean = self
            .schemas
            .checked_documents
            .get(document.as_str())
            .copied();
        if clean != Some(true) {
            self.record(|| Op::Checked {
                document: document.clone(),
                clean,
            });
        }
        clean
    }

    /// `document` is loaded (its problems were just examined).
    pub fn set_document_checked(&mut self, document: &Url, clean: bool) {
        if let Some(key) = self.document_key(document.as_str()) {
            self.schemas.checked_documents.insert(key, clean);
        }
        if clean {
            self.forget(
                |op| matches!(op, Op::Checked { document: read, clean: None } if read == document),
            );
        } else {
            self.record(|| Op::SetChecked {
                document: document.clone(),
                clean,
            });
        }
    }

    /// Drops the last recorded op that `matches` (a read about a document
    /// that turned out clean).
    fn forget(&mut self, matches: impl Fn(&Op) -> bool) {
        if let Some(recording) = &mut self.recording
            && let Some(at) = recording.ops.iter().rposition(matches)
        {
            recording.ops.remove(at);
        }
    }

    /// True for the first caller per schema URL and build: it reports the
    /// schema's C8 inspections (asked only for a schema that has some).
    pub fn first_inspection(&mut self, url: &Url) -> bool {
        let first = self.schemas.inspected.insert(url.clone());
        self.record(|| Op::Inspected {
            url: url.clone(),
            first,
        });
        first
    }

    /// True for the first report of a schema problem per build.
    pub fn first_report(&mut self, code: &'static str, scope: &Scope) -> bool {
        let first = self.schemas.reported.insert((code, scope.clone()));
        self.record(|| Op::Reported {
            code,
            scope: scope.clone(),
            first,
        });
        first
    }

    /// Whether the schema document `url` is loaded.
    pub fn document_loaded(&mut self, url: &Url) -> bool {
        let answer = self.loaded.schemas.has_document(url);
        self.record(|| Op::DocumentLoaded {
            url: url.clone(),
            answer,
        });
        answer
    }

    /// [`crate::schemas::same_schema`], recorded.
    pub fn same_schema(&mut self, a: &Url, b: &Url) -> bool {
        let answer = crate::schemas::same_schema(self.loaded, a, b);
        self.record(|| Op::SameSchema {
            a: a.clone(),
            b: b.clone(),
            answer,
        });
        answer
    }

    /// The mapper of positions inside the string scalar at `scope`.
    pub fn scalar_map(&mut self, scope: &Scope) -> Option<load::ScalarMap<'l>> {
        let loaded = self.loaded;
        if self.recording.is_some() {
            let url = loaded.file_scope(scope).resource;
            let tree = loaded
                .resource(&url)
                .map(|resource| Arc::clone(&resource.tree));
            self.record(|| Op::Tree { url, tree });
        }
        loaded.scalar_map(scope)
    }

    /// The C29 syntax errors of a lambda body (kept by the memo).
    pub fn lambda_errors(
        &mut self,
        kind: LambdaKind,
        body: &str,
        check: impl FnOnce() -> Vec<typescript::SyntaxError>,
    ) -> Arc<Vec<typescript::SyntaxError>> {
        let (errors, pin) = self.memo.lambda_errors(kind, body, check);
        if let Some(recording) = &mut self.recording {
            recording.pins.push(pin);
        }
        errors
    }

    /// The URL of `collection`'s schema (computed by the lowering).
    pub fn schema_url(&self, collection: &'l Collection) -> Option<&'l Url> {
        collection.schema_url_ref()
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The index (in processing order) of the collection named exactly
    /// `name`. Not recorded: for the global passes.
    pub fn collection_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Whether the collection named `name` comes after the running unit's
    /// collection in catalog order (C14).
    pub fn defined_after(&mut self, name: &str) -> bool {
        let answer = self.collection_index(name).unwrap_or(0) > self.unit_index;
        self.record(|| Op::DefinedAfter {
            name: name.into(),
            answer,
        });
        answer
    }

    pub fn collection(&mut self, name: &str) -> Option<&'l Collection> {
        let catalog = self.catalog;
        let found = self
            .collection_index(name)
            .map(|index| &catalog.collections[index]);
        self.record(|| Op::Collection {
            name: name.into(),
            found: found.cloned(),
        });
        found.map(|collection| &**collection)
    }

    /// Whether the file `from` can see the file `to` (catalog.md §4).
    pub fn can_see(&mut self, from: &Url, to: &Url) -> bool {
        if from == to {
            return true;
        }
        let answer = self.visible(from, to);
        let generation = self.graph_generation;
        self.record(|| Op::CanSee {
            from: from.clone(),
            to: to.clone(),
            answer,
            generation,
        });
        answer
    }

    fn visible(&mut self, from: &Url, to: &Url) -> bool {
        if from == to {
            return true;
        }
        let catalog = self.catalog;
        let graph = self.graph.get_or_insert_with(|| Graph::new(catalog));
        let (Some(&from), Some(&to)) = (graph.files.get(from), graph.files.get(to)) else {
            // A file without imports sees only itself.
            return false;
        };
        let imports = &graph.imports;
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
            if self.recording.is_some() {
                let fingerprint = self.names_fingerprint();
                self.record(|| Op::Names(fingerprint));
            }
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
                collection.name_scope(),
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
