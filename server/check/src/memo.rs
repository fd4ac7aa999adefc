//! Schema work remembered across builds (the language server rebuilds on
//! every edit; [`crate::check_with`]): inferred shapes, compiled validators
//! and each document's C7/C9 problems; and the C29 syntax errors of each
//! lambda body (a function of its kind and text; many bodies are identical,
//! and a build on another thread than the last need not ask QuickJS again);
//! and the C28a places of each catalog file (a function of its syntax tree,
//! which the load memo shares across builds of the same text).
//!
//! Each result is stored under the schema's URL together with what it read:
//! the URL and JSON of every document the schema's `$ref`s reach
//! (`SchemaIndex::reached_shared`, the document itself first). It is reused
//! only when a later build's index holds the same documents under the same
//! URLs: JSON compared by pointer (a file whose text did not change keeps
//! its JSON through `load::Memo`), else as written (`Json::same_as`:
//! inline schemas are re-lowered each build).
//! Inline schema URLs are positional (`?ptr=/collections/3/schema`), so a
//! URL alone never identifies a schema; with its content it does. These
//! are pure computations, so a build with a memo reports exactly what a
//! build without one does.
//!
//! It also holds each entity's check results ([`crate::units`]), replayed
//! while every read they recorded gives the same answer.
//!
//! [`Memo::sweep`] drops the entries a build did not use (a schema result
//! or lambda verdict that a replayed unit read counts as used).

use foldhash::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use model::compact::Json;
use runtime::lambda::LambdaKind;
use schema::shape::{self, Inspection, Shape};
use schema::{SchemaIndex, SchemaProblem, Validator};
use url::Url;

use crate::units::{ENTRIES_PER_UNIT, UnitTable};

/// The documents a result read: URL and value of each, in closure order.
#[derive(Debug)]
struct Reads(Box<[(Box<str>, Arc<Json>)]>);

impl Reads {
    fn of(schemas: &SchemaIndex, url: &Url) -> Reads {
        Reads(
            schemas
                .reached_shared(url)
                .into_iter()
                .map(|(url, value)| (url.as_str().into(), Arc::clone(value)))
                .collect(),
        )
    }

    /// Whether `schemas` still holds the same documents for `url`.
    fn still_hold(&self, schemas: &SchemaIndex, url: &Url) -> bool {
        let now = schemas.reached_shared(url);
        now.len() == self.0.len()
            && now
                .iter()
                .zip(&self.0)
                .all(|((url, value), (was_url, was))| {
                    url.as_str() == &**was_url && (Arc::ptr_eq(value, was) || value.same_as(was))
                })
    }
}

/// An inferred shape (what it dereferences to) and what is derived from
/// it alone, on first use.
/// The shape has no origins (most locations never report a problem); the
/// inspections come with theirs.
#[derive(Debug)]
pub(crate) struct Inferred {
    pub shape: Shape,
    inspections: OnceLock<Vec<Inspection>>,
    /// The canonical projections' pointers, sorted by field.
    canonical: OnceLock<Box<[Box<str>]>>,
}

impl Inferred {
    /// Its C8 inspections; `schemas` and `url` are those it was inferred
    /// from (its origins are inferred again when there are any to report).
    pub fn inspections(&self, schemas: &SchemaIndex, url: &Url) -> &[Inspection] {
        self.inspections.get_or_init(|| {
            let found = shape::inspect(&self.shape);
            if found.is_empty() {
                return found;
            }
            match shape::infer(schemas, url) {
                Some(shape) => shape::inspect(&shape),
                None => found,
            }
        })
    }

    /// The pointer of the canonical projection named `field`, if there is
    /// one (a field is its pointer without the leading `/`, so that is all
    /// that is kept).
    pub fn canonical_projection(&self, field: &str) -> Option<&str> {
        let pointers = self.canonical.get_or_init(|| {
            let mut pointers: Vec<Box<str>> = shape::canonical_projections(&self.shape)
                .into_iter()
                .map(|projection| projection.pointer.into())
                .collect();
            pointers.sort_unstable();
            pointers.dedup();
            pointers.into()
        });
        // Sorted by pointer is sorted by field: every pointer starts with `/`.
        let at = pointers
            .binary_search_by(|pointer| pointer[1..].cmp(field))
            .ok()?;
        Some(&pointers[at])
    }
}

impl std::ops::Deref for Inferred {
    type Target = Shape;
    fn deref(&self) -> &Shape {
        &self.shape
    }
}

#[derive(Debug)]
struct Entry<T> {
    /// `None` in a memo of one build (see [`Memo::for_one_build`]).
    reads: Option<Reads>,
    value: T,
    used: AtomicBool,
    /// Held also by the unit results that read this entry
    /// ([`crate::units`]): kept while they are. Made when first asked for.
    pin: OnceLock<Pin>,
}

/// Shared by a memo entry and the unit results that read it: an entry
/// whose pin is held elsewhere is kept by [`Memo::sweep`] (a replayed unit
/// does not look its entries up, and its next run needs them).
pub(crate) type Pin = Arc<()>;

/// Results by schema URL (its text), each with what it read.
#[derive(Debug)]
struct Table<T> {
    entries: Mutex<HashMap<Box<str>, Entry<T>>>,
    computed: AtomicUsize,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            entries: Mutex::default(),
            computed: AtomicUsize::new(0),
        }
    }
}

impl<T: Clone> Table<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Entry<T>>> {
        // Entries are replaced whole: a panic elsewhere leaves no half-made one.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The result for `url`, computed unless a held one still holds.
    /// `across_builds`: whether `schemas` may differ from the index the
    /// held results were computed with (else no reads are kept).
    fn get(
        &self,
        schemas: &SchemaIndex,
        url: &Url,
        across_builds: bool,
        compute: impl FnOnce() -> T,
    ) -> T {
        if let Some(entry) = self.lock().get(url.as_str())
            && entry
                .reads
                .as_ref()
                .is_none_or(|reads| reads.still_hold(schemas, url))
        {
            entry.used.store(true, Ordering::Relaxed);
            return entry.value.clone();
        }
        // Computed without the lock held.
        let value = compute();
        self.computed.fetch_add(1, Ordering::Relaxed);
        let entry = Entry {
            reads: across_builds.then(|| Reads::of(schemas, url)),
            value: value.clone(),
            used: AtomicBool::new(true),
            pin: OnceLock::new(),
        };
        self.lock().insert(url.as_str().into(), entry);
        value
    }

    fn sweep(&self) {
        self.lock().retain(|_, entry| {
            entry.used.swap(false, Ordering::Relaxed)
                || entry
                    .pin
                    .get()
                    .is_some_and(|pin| Arc::strong_count(pin) > 1)
        });
    }

    /// The pin of the entry for `url`, if any.
    fn pin(&self, url: &Url, pins: &mut Vec<Pin>) {
        if let Some(entry) = self.lock().get(url.as_str()) {
            pins.push(Arc::clone(entry.pin.get_or_init(Pin::default)));
        }
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// The table of a lambda kind's verdicts.
fn lambda_table(kind: LambdaKind) -> usize {
    match kind {
        LambdaKind::Update => 0,
        LambdaKind::Publish => 1,
    }
}

/// A lambda body's syntax errors, whether it was used since the last
/// sweep, and its pin.
type LambdaEntry = (Arc<Vec<typescript::SyntaxError>>, AtomicBool, Pin);

/// Shapes, validators and document problems kept across builds.
/// `Send + Sync`: builds on any thread share one.
#[derive(Debug, Default)]
pub struct Memo {
    shapes: Table<Option<Arc<Inferred>>>,
    validators: Table<Result<Validator, String>>,
    problems: Table<Arc<Vec<SchemaProblem>>>,
    no_problems: Arc<Vec<SchemaProblem>>,
    /// Validators released in a memo of one build ([`Memo::release_validator`]).
    released: Mutex<foldhash::HashSet<Box<str>>>,
    /// A memo of one build ([`Memo::for_one_build`]).
    one_build: bool,
    /// By kind (update, publish) then body: looked up by the body's text,
    /// with no key built per lambda and build.
    lambdas: Mutex<[HashMap<String, LambdaEntry>; 2]>,
    lambdas_checked: AtomicUsize,
    /// Per catalog file: the tree read (kept, so its address is never
    /// reused while compared) and the C28a places found in it.
    trees: Mutex<HashMap<Url, TreeEntry>>,
    /// Each entity's check results; taken by a run of the checks and
    /// handed back at its end.
    units: Mutex<UnitTable>,
    units_run: AtomicUsize,
    units_replayed: AtomicUsize,
    /// Per root: the import edges of its last build and their number.
    imports: Mutex<HashMap<Option<Url>, ImportsEntry>>,
    import_generations: AtomicU64,
    /// Per root: the collections whose names were checked (C5), and the
    /// diagnostics.
    names: Mutex<HashMap<Option<Url>, NamesEntry>>,
}

/// One root's import graph, numbered.
#[derive(Debug)]
struct ImportsEntry {
    /// The edges, shared with the load memo (an unchanged file hands out
    /// the same `Arc`s), so most compare by address.
    edges: Vec<Arc<model::Import>>,
    generation: u64,
    used: bool,
}

/// C5's result for one list of collections.
#[derive(Debug)]
struct NamesEntry {
    collections: Vec<Arc<model::Collection>>,
    diagnostics: Arc<Vec<model::Diagnostic>>,
    used: bool,
}

/// A result computed from one file's syntax tree alone.
#[derive(Debug)]
struct TreeEntry {
    tree: Arc<syntax::Tree>,
    found: Arc<Vec<model::Scope>>,
    used: AtomicBool,
}

/// How much work a [`Memo`] has done (computations, not reuses) and holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoStats {
    /// Shapes inferred.
    pub shapes: usize,
    /// Validators compiled.
    pub validators: usize,
    /// Documents checked for C7/C9 problems.
    pub documents: usize,
    /// Lambda bodies checked for syntax errors.
    pub lambdas: usize,
    /// Entries held over all of them (units not counted).
    pub entries: usize,
    /// Units of checks run (not replayed), and replayed ([`crate::units`]).
    pub units_run: usize,
    pub units_replayed: usize,
    /// Unit results held.
    pub units: usize,
}

impl Memo {
    pub fn new() -> Memo {
        Memo::default()
    }

    /// A memo that serves one build only (one `SchemaIndex`): its schema
    /// results keep no record of the documents they read, which cannot
    /// change, and the run's per-build cache of shapes is skipped.
    pub(crate) fn for_one_build() -> Memo {
        Memo {
            one_build: true,
            ..Memo::default()
        }
    }

    /// Whether this is a memo of one build.
    pub(crate) fn is_one_build(&self) -> bool {
        self.one_build
    }

    /// The inferred shape of the schema at `url` (`None` when it does not
    /// resolve).
    pub(crate) fn shape(&self, schemas: &SchemaIndex, url: &Url) -> Option<Arc<Inferred>> {
        self.shapes.get(schemas, url, !self.one_build, || {
            shape::infer_without_origins(schemas, url).map(|shape| {
                Arc::new(Inferred {
                    shape,
                    inspections: OnceLock::new(),
                    canonical: OnceLock::new(),
                })
            })
        })
    }

    /// The schema at `url`, compiled.
    pub(crate) fn validator(&self, schemas: &SchemaIndex, url: &Url) -> Result<Validator, String> {
        self.validators
            .get(schemas, url, !self.one_build, || schemas.compile(url))
    }

    /// In a memo of one build, forgets the validator of `url`, here and in
    /// the index (see [`SchemaIndex::forget_validator`]): the caller knows no
    /// check asks for it again. A large catalog's ingested collections'
    /// validators were otherwise all held to the end of its build (issue
    /// #7's memory). A memo kept across builds keeps them.
    pub(crate) fn release_validator(&self, schemas: &SchemaIndex, url: &Url) {
        if !self.one_build {
            return;
        }
        self.validators.lock().remove(url.as_str());
        schemas.forget_validator(url);
        self.released
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(url.as_str().into());
    }

    /// Whether the validator of `url` was released: the checks are done
    /// with it, so computing it ahead of them is waste ([`crate::warm`]).
    pub(crate) fn was_released(&self, url: &Url) -> bool {
        self.released
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains(url.as_str())
    }

    /// The C7/C9 problems of the document at `url`.
    pub(crate) fn problems(&self, schemas: &SchemaIndex, url: &Url) -> Arc<Vec<SchemaProblem>> {
        self.problems.get(schemas, url, !self.one_build, || {
            let problems = schema::check_document(schemas, url);
            if problems.is_empty() {
                // Most documents have none: one shared empty list.
                return Arc::clone(&self.no_problems);
            }
            Arc::new(problems)
        })
    }

    /// The C29 syntax errors of a lambda body, by its kind and text, and
    /// the pin of the verdict.
    pub(crate) fn lambda_errors(
        &self,
        kind: LambdaKind,
        body: &str,
        check: impl FnOnce() -> Vec<typescript::SyntaxError>,
    ) -> (Arc<Vec<typescript::SyntaxError>>, Pin) {
        let table = lambda_table(kind);
        if let Some((errors, used, pin)) = self.lock_lambdas()[table].get(body) {
            used.store(true, Ordering::Relaxed);
            return (Arc::clone(errors), Arc::clone(pin));
        }
        let errors = Arc::new(check());
        let pin = Pin::default();
        self.lambdas_checked.fetch_add(1, Ordering::Relaxed);
        self.lock_lambdas()[table].insert(
            body.to_owned(),
            (Arc::clone(&errors), AtomicBool::new(true), Arc::clone(&pin)),
        );
        (errors, pin)
    }

    /// The number of `root`'s import graph: the previous build's when its
    /// edges are the same (in order), else a new one.
    pub(crate) fn import_generation(
        &self,
        root: &Option<Url>,
        imports: &[Arc<model::Import>],
    ) -> u64 {
        let mut held = self
            .imports
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = held.get_mut(root)
            && entry.edges.len() == imports.len()
            && entry.edges.iter().zip(imports).all(|(was, import)| {
                Arc::ptr_eq(was, import) || (was.from == import.from && was.to == import.to)
            })
        {
            entry.used = true;
            return entry.generation;
        }
        // Numbers start at 1 and are never reused.
        let generation = self.import_generations.fetch_add(1, Ordering::Relaxed) + 1;
        let edges = imports.to_vec();
        held.insert(
            root.clone(),
            ImportsEntry {
                edges,
                generation,
                used: true,
            },
        );
        generation
    }

    /// The C5 diagnostics of a root's collections: the remembered ones when
    /// every collection has the name and name scope it had, else `find`'s.
    pub(crate) fn names(
        &self,
        root: &Option<Url>,
        collections: &[Arc<model::Collection>],
        find: impl FnOnce() -> Vec<model::Diagnostic>,
    ) -> Arc<Vec<model::Diagnostic>> {
        let lock = || {
            self.names
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(entry) = lock().get_mut(root)
            && entry.collections.len() == collections.len()
            && entry.collections.iter().zip(collections).all(|(was, now)| {
                Arc::ptr_eq(was, now)
                    || (was.name == now.name
                        && was.scope == now.scope
                        && was.list_form == now.list_form)
            })
        {
            entry.used = true;
            return Arc::clone(&entry.diagnostics);
        }
        let diagnostics = Arc::new(find());
        lock().insert(
            root.clone(),
            NamesEntry {
                collections: collections.to_vec(),
                diagnostics: Arc::clone(&diagnostics),
                used: true,
            },
        );
        diagnostics
    }

    /// The pins of the schema results a unit that read the schema at `url`
    /// (reaching `documents`) may need when it runs again.
    pub(crate) fn schema_pins(
        &self,
        url: &Url,
        documents: &[(Url, Arc<Json>)],
        pins: &mut Vec<Pin>,
    ) {
        self.shapes.pin(url, pins);
        self.validators.pin(url, pins);
        for (document, _) in documents {
            self.problems.pin(document, pins);
        }
    }

    /// The C28a places of the catalog file `url` whose tree is `tree`: the
    /// remembered ones when the tree is the one they were found in (the
    /// load memo hands out one tree per text), else found now.
    pub(crate) fn non_string_bodies(
        &self,
        url: &Url,
        tree: &Arc<syntax::Tree>,
        find: impl FnOnce() -> Vec<model::Scope>,
    ) -> Arc<Vec<model::Scope>> {
        let lock = || {
            self.trees
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(entry) = lock().get(url)
            && Arc::ptr_eq(&entry.tree, tree)
        {
            entry.used.store(true, Ordering::Relaxed);
            return Arc::clone(&entry.found);
        }
        let found = Arc::new(find());
        lock().insert(
            url.clone(),
            TreeEntry {
                tree: Arc::clone(tree),
                found: Arc::clone(&found),
                used: AtomicBool::new(true),
            },
        );
        found
    }

    fn lock_lambdas(&self) -> std::sync::MutexGuard<'_, [HashMap<String, LambdaEntry>; 2]> {
        self.lambdas
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_units(&self) -> std::sync::MutexGuard<'_, UnitTable> {
        self.units
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The units' entries, for one run of the checks (a run on another
    /// thread meanwhile finds none and runs its units).
    pub(crate) fn take_units(&self) -> UnitTable {
        std::mem::take(&mut *self.lock_units())
    }

    /// Hands back a run's units, with how many it ran and replayed.
    pub(crate) fn return_units(&self, units: UnitTable, run: usize, replayed: usize) {
        self.units_run.fetch_add(run, Ordering::Relaxed);
        self.units_replayed.fetch_add(replayed, Ordering::Relaxed);
        let mut held = self.lock_units();
        if held.is_empty() {
            *held = units;
            return;
        }
        for (key, entries) in units {
            let slot = held.entry(key).or_default();
            slot.extend(entries);
            let excess = slot.len().saturating_sub(ENTRIES_PER_UNIT);
            slot.drain(..excess);
        }
    }

    /// Drops every entry not used since the previous sweep, and every unit
    /// result no run replayed or stored since; keeps the schema results and
    /// lambda verdicts that the kept units read (by their pins).
    pub fn sweep(&self) {
        {
            let mut units = self.lock_units();
            for entries in units.values_mut() {
                entries.retain_mut(|entry| std::mem::replace(&mut entry.used, false));
            }
            units.retain(|_, entries| !entries.is_empty());
        }
        self.names
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|_, entry| std::mem::replace(&mut entry.used, false));
        self.imports
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|_, entry| std::mem::replace(&mut entry.used, false));
        self.shapes.sweep();
        self.validators.sweep();
        self.problems.sweep();
        for table in self.lock_lambdas().iter_mut() {
            table.retain(|_, (_, used, pin)| {
                used.swap(false, Ordering::Relaxed) || Arc::strong_count(pin) > 1
            });
        }
        self.trees
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|_, entry| entry.used.swap(false, Ordering::Relaxed));
    }

    pub fn stats(&self) -> MemoStats {
        MemoStats {
            shapes: self.shapes.computed.load(Ordering::Relaxed),
            validators: self.validators.computed.load(Ordering::Relaxed),
            documents: self.problems.computed.load(Ordering::Relaxed),
            lambdas: self.lambdas_checked.load(Ordering::Relaxed),
            entries: self.shapes.len()
                + self.validators.len()
                + self.problems.len()
                + self.lock_lambdas().iter().map(HashMap::len).sum::<usize>(),
            units_run: self.units_run.load(Ordering::Relaxed),
            units_replayed: self.units_replayed.load(Ordering::Relaxed),
            units: self.lock_units().values().map(Vec::len).sum(),
        }
    }
}
