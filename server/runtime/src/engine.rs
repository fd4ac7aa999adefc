//! The in-process engine (runtime.md §1–§6): collection logs with clocks,
//! derivation registers, transforms with cursors, read delays on a simulated
//! clock, ingestion through a combiner, and derivation runs.
//!
//! A [`Plan`] is built once per catalog (validators compiled on first use,
//! lambda sources collected) and shared by every thread; [`Lambdas`] is one
//! thread's lambda host, compiling the plan's lambdas on first use. An
//! [`Engine`] is the mutable state of one run over a plan: empty logs, empty
//! registers, clock 0. The test runner starts a fresh engine (and fresh lambda
//! globals) for every test case, which is the isolation runtime.md §7.2
//! allows; previews can keep one engine and feed it documents. What lambdas
//! print with `console.*` is collected per engine ([`ConsoleEntry`]).
//!
//! Every operation either completes or returns a [`RuntimeError`]; a failed
//! derivation run writes nothing and leaves registers and cursors as they were.
//!
//! Tracing is off unless asked ([`Engine::trace`]): a traced engine records
//! every document a derivation read ([`TraceRead`]: register before and
//! after, what the publish lambda returned) and which collections were
//! written, for `flowctl test --trace` and previews. An untraced engine
//! allocates nothing for it.

mod duration;
mod error;
mod lambdas;
mod plan;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use model::{PartitionSelectorSpec, Scope};
use schema::Annotations;
use serde_json::Value;

use crate::combiner::Combiner;
use crate::lambda::{ConsoleLevel, LambdaKind};
use crate::reduce::{Mode, reduce};
use json::order::{OwnedKey, compare};
use json::pointer::resolve;

pub use duration::parse_seconds;
pub use error::{BodyPosition, RuntimeError, RuntimeErrorKind, render};
pub use lambdas::Lambdas;
pub use plan::{CollectionPlan, DerivationPlan, LambdaPlan, Plan, SchemaPlan, TransformPlan};

use error::render_validation_errors;

/// Derivation runs one settle may perform before it gives up (a guard against
/// derivations that feed each other forever, which a checked catalog cannot
/// contain).
const MAX_RUNS_PER_SETTLE: usize = 100_000;

/// Console lines one engine (one test) keeps; later ones are counted.
const MAX_CONSOLE_LINES: usize = 1_000;

/// One line a lambda printed with `console.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleEntry {
    /// `derivation/transform`.
    pub lambda: String,
    pub kind: LambdaKind,
    /// The lambda body (`…/transform/<t>/<kind>/nodeJS`), for an editor to
    /// show the line at.
    pub scope: Scope,
    pub level: ConsoleLevel,
    pub text: String,
}

/// A document written to a collection log, with its clock (runtime.md §1).
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Test time (seconds) when the document was written.
    pub time: u64,
    /// Global write counter: strictly increasing in write order.
    pub seq: u64,
    pub document: Value,
}

/// One source document a derivation read (recorded by a traced engine).
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRead {
    pub derivation: String,
    pub transform: String,
    /// The transform (`…/derivation/transform/<t>`).
    pub scope: Scope,
    /// The collection the document was read from.
    pub source: String,
    /// The test clock (seconds) when it was read.
    pub time: u64,
    pub document: Value,
    /// The register of the document's shuffle key before the read (`previous`).
    pub register_before: Value,
    /// The register after the update lambda (equal to before without one).
    pub register_after: Value,
    /// What the publish lambda returned, before combining.
    pub published: Vec<Value>,
    /// The read failed (the lambda threw, a document was invalid…): the run
    /// it belonged to wrote nothing, and `register_after` and `published`
    /// hold what was known when it failed.
    pub failed: bool,
}

/// What a traced engine records.
#[derive(Debug, Default)]
struct Tracer {
    reads: Vec<TraceRead>,
    /// Collections written since the last [`Engine::take_trace`], in order.
    written: Vec<usize>,
}

/// Every derivation's registers, carried from one engine to the next
/// (`flowctl develop` runs each transaction in a fresh engine, so its logs
/// never grow, and persists the registers a transaction changed).
#[derive(Debug, Default)]
pub struct Registers {
    by_derivation: HashMap<usize, BTreeMap<OwnedKey, Value>>,
}

impl Registers {
    /// Sets the register of `derivation` at `key` (restoring stored state).
    /// `false` when `derivation` is not a derived collection of `plan`.
    pub fn set(&mut self, plan: &Plan, derivation: &str, key: OwnedKey, value: Value) -> bool {
        match plan.collection_index(derivation) {
            Some(index) if plan.is_derived(index) => {
                self.by_derivation
                    .entry(index)
                    .or_default()
                    .insert(key, value);
                true
            }
            _ => false,
        }
    }
}

/// The state of one run over a [`Plan`].
pub struct Engine<'p> {
    plan: &'p Plan,
    lambdas: &'p mut Lambdas,
    /// What the lambdas printed, in call order (at most [`MAX_CONSOLE_LINES`]).
    console: Vec<ConsoleEntry>,
    /// Console lines not kept.
    console_dropped: usize,
    /// Per collection written so far: its append-only log. (The state is
    /// kept only for what a run touches, so a fresh engine costs nothing per
    /// collection of the catalog.)
    logs: HashMap<usize, Vec<LogEntry>>,
    /// Per derivation that ran, per transform: the read position in the
    /// source log (all 0 for one that never ran).
    cursors: HashMap<usize, Vec<usize>>,
    /// Per derivation that ran: its registers by register key.
    registers: HashMap<usize, BTreeMap<OwnedKey, Value>>,
    /// Per (derivation, register key) changed by a successful run: the
    /// value before the engine's first change (see [`Engine::into_registers`]).
    changed: BTreeMap<(usize, OwnedKey), Option<Value>>,
    /// Derivations that may have unread source documents (see `settle`).
    pending: BTreeSet<usize>,
    /// When set, only these derivations run (see [`Engine::only`]).
    allowed: Option<BTreeSet<usize>>,
    /// `None` unless [`Engine::trace`] was called.
    tracer: Option<Box<Tracer>>,
    clock: u64,
    next_seq: u64,
}

impl<'p> Engine<'p> {
    /// A fresh engine: empty logs and registers, clock 0, running lambdas in
    /// `lambdas` (reset them first for fresh lambda globals).
    pub fn new(plan: &'p Plan, lambdas: &'p mut Lambdas) -> Engine<'p> {
        Engine {
            plan,
            lambdas,
            console: Vec::new(),
            console_dropped: 0,
            logs: HashMap::new(),
            cursors: HashMap::new(),
            registers: HashMap::new(),
            changed: BTreeMap::new(),
            pending: BTreeSet::new(),
            allowed: None,
            tracer: None,
            clock: 0,
            next_seq: 0,
        }
    }

    /// A fresh engine (empty logs, clock 0) starting from `registers`.
    pub fn with_registers(
        plan: &'p Plan,
        lambdas: &'p mut Lambdas,
        registers: Registers,
    ) -> Engine<'p> {
        let mut engine = Engine::new(plan, lambdas);
        engine.registers = registers.by_derivation;
        engine
    }

    /// The registers successful runs changed: (derivation, key, value now).
    pub fn register_changes(&self) -> Vec<(&'p str, &OwnedKey, &Value)> {
        let plan: &'p Plan = self.plan;
        self.changed
            .keys()
            .filter_map(|(derivation, key)| {
                let value = self.registers.get(derivation)?.get(key)?;
                Some((plan.name_at(*derivation), key, value))
            })
            .collect()
    }

    /// The registers, to start the next engine from: as the runs left them
    /// (`keep`), or as they were before this engine changed any (a
    /// transaction that failed after some derivations ran).
    pub fn into_registers(mut self, keep: bool) -> Registers {
        if !keep {
            for ((derivation, key), original) in std::mem::take(&mut self.changed) {
                let registers = self.registers.entry(derivation).or_default();
                match original {
                    Some(value) => registers.insert(key, value),
                    None => registers.remove(&key),
                };
            }
        }
        Registers {
            by_derivation: self.registers,
        }
    }

    /// Records from now on what derivations read and which collections are
    /// written (see [`Engine::take_trace`]).
    pub fn trace(&mut self) {
        self.tracer.get_or_insert_with(Box::default);
    }

    /// What was read since the last call, and the names of the collections
    /// written since then (each once, in first-write order). Empty when
    /// the engine is not traced.
    pub fn take_trace(&mut self) -> (Vec<TraceRead>, Vec<&'p str>) {
        let Some(tracer) = self.tracer.as_deref_mut() else {
            return (Vec::new(), Vec::new());
        };
        let plan: &'p Plan = self.plan;
        let written = std::mem::take(&mut tracer.written)
            .into_iter()
            .map(|index| plan.name_at(index))
            .collect();
        (std::mem::take(&mut tracer.reads), written)
    }

    /// Runs only `derivation` and the derivations feeding it from now on
    /// (a preview: a failing derivation elsewhere cannot stop it). `false`
    /// when `derivation` is not a derived collection.
    pub fn only(&mut self, derivation: &str) -> bool {
        let Some(index) = self.plan.collection_index(derivation) else {
            return false;
        };
        if !self.plan.is_derived(index) {
            return false;
        }
        let upstream: BTreeSet<usize> = self.plan.upstream(index).into_iter().collect();
        self.pending.retain(|d| upstream.contains(d));
        self.allowed = Some(upstream);
        true
    }

    /// The test clock, in seconds.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// What the lambdas printed so far, in call order; when more than
    /// [`MAX_CONSOLE_LINES`] were printed, the last entry says how many were
    /// dropped.
    pub fn take_console(&mut self) -> Vec<ConsoleEntry> {
        let mut console = std::mem::take(&mut self.console);
        if self.console_dropped > 0
            && let Some(last) = console.last()
        {
            let mut note = last.clone();
            note.level = ConsoleLevel::Warn;
            note.text = format!(
                "… {} more console line(s) were dropped (at most {MAX_CONSOLE_LINES} are kept per test)",
                self.console_dropped
            );
            console.push(note);
        }
        self.console_dropped = 0;
        console
    }

    /// The log of a collection, in write order.
    pub fn log(&self, collection: &str) -> Option<&[LogEntry]> {
        self.plan
            .collection_index(collection)
            .map(|index| self.log_of(index))
    }

    /// The register of `derivation` at `key` (the shuffle key values), or its
    /// `initial` value when never updated. `None` for a non-derivation.
    pub fn register(&self, derivation: &str, key: &[Value]) -> Option<Value> {
        let index = self.plan.collection_index(derivation)?;
        let plan = self.plan.derivation_at(index)?;
        let key = OwnedKey(key.iter().cloned().map(Some).collect());
        Some(
            self.registers
                .get(&index)
                .and_then(|registers| registers.get(&key))
                .cloned()
                .unwrap_or_else(|| plan.initial.clone()),
        )
    }

    /// Ingests documents into a captured collection (runtime.md §3): all are
    /// validated (nothing is written if one fails), combined per key, and the
    /// combined documents appended in key order. Returns how many were written.
    /// Does not settle.
    pub fn ingest(&mut self, collection: &str, documents: &[Value]) -> Result<usize, RuntimeError> {
        let index = self.plan.collection_index(collection).ok_or_else(|| {
            RuntimeError::new(
                RuntimeErrorKind::Unsupported,
                format!("cannot ingest into unknown collection \"{collection}\""),
            )
        })?;
        let plan = self.plan.collection_at(index);
        if plan.derivation.is_some() {
            return Err(RuntimeError::new(
                RuntimeErrorKind::Unsupported,
                format!("cannot ingest into \"{collection}\": it is a derived collection"),
            )
            .at(&plan.scope));
        }
        let validator = plan.schema.validator()?;
        let mut combiner = Combiner::new(plan.key.clone());
        for (position, document) in documents.iter().enumerate() {
            let annotations = validator.validate(document).map_err(|errors| {
                RuntimeError::new(
                    RuntimeErrorKind::Invalid,
                    format!(
                        "document {position} of ingest into \"{collection}\" is invalid: {}",
                        render_validation_errors(&errors)
                    ),
                )
                .with_document("document", document)
            })?;
            combiner
                .add(document.clone(), &annotations)
                .map_err(|error| {
                    RuntimeError::reduction(
                        &format!("combining document {position} of ingest into \"{collection}\""),
                        &error,
                    )
                    .with_document("document", document)
                })?;
        }
        let drained = drain_validated(
            &mut combiner,
            &plan.schema,
            &format!("ingest into \"{collection}\""),
        )?;
        let written = drained.len();
        self.append(index, drained);
        Ok(written)
    }

    /// Runs derivations with ready documents until none has any (runtime.md §6.1).
    ///
    /// Each pass visits derivations in catalog order, as if it tried every
    /// one, but only those with unread source documents (`pending`) can run,
    /// so a pass costs what is pending, not the size of the catalog.
    pub fn settle(&mut self) -> Result<(), RuntimeError> {
        let mut runs = 0;
        loop {
            let mut progressed = false;
            let mut next = self.pending.first().copied();
            while let Some(derivation) = next {
                if self.run_derivation(derivation)? {
                    progressed = true;
                    runs += 1;
                }
                if !self.has_unread(derivation) {
                    self.pending.remove(&derivation);
                }
                next = self.pending.range(derivation + 1..).next().copied();
            }
            if !progressed {
                return Ok(());
            }
            if runs > MAX_RUNS_PER_SETTLE {
                return Err(RuntimeError::new(
                    RuntimeErrorKind::Unsupported,
                    "derivations did not settle: they keep producing documents for each other",
                ));
            }
        }
    }

    /// Settles, then advances the clock for the derivations feeding
    /// `collection` (itself included when derived) until none of them has
    /// pending documents (runtime.md §6.2, §7.3). Other derivations run too
    /// when time passes, but never make the clock move.
    pub fn advance_for(&mut self, collection: &str) -> Result<(), RuntimeError> {
        let derivations = match self.plan.collection_index(collection) {
            Some(index) => self.plan.upstream(index),
            None => Vec::new(),
        };
        self.advance(&derivations)
    }

    /// Settles, then advances the clock until no derivation has pending documents.
    pub fn advance_all(&mut self) -> Result<(), RuntimeError> {
        let derivations = self.plan.derivations.clone();
        self.advance(&derivations)
    }

    fn advance(&mut self, derivations: &[usize]) -> Result<(), RuntimeError> {
        loop {
            self.settle()?;
            let next = derivations
                .iter()
                .filter(|d| {
                    self.allowed
                        .as_ref()
                        .is_none_or(|allowed| allowed.contains(d))
                })
                .filter_map(|&d| self.next_pending_time(d))
                .min();
            match next {
                Some(time) => self.clock = self.clock.max(time),
                None => return Ok(()),
            }
        }
    }

    /// The smallest effective time among the unread documents of a derivation.
    fn next_pending_time(&self, derivation: usize) -> Option<u64> {
        let plan = self.plan.derivation_at(derivation)?;
        plan.transforms
            .iter()
            .zip(self.cursors_of(derivation, plan.transforms.len()))
            .filter_map(|(transform, cursor)| {
                let source = *transform.source.as_ref().ok()?;
                let entry = self.log_of(source).get(cursor)?;
                Some(entry.time.saturating_add(transform.delay()))
            })
            .min()
    }

    /// Every document appended to `collection` at or after log position
    /// `since`, restricted by `selector`, combined per key and drained in key
    /// order (runtime.md §7.4 steps 1–2).
    pub fn reduced_documents(
        &self,
        collection: &str,
        since: usize,
        selector: Option<&PartitionSelectorSpec>,
    ) -> Result<Vec<Value>, RuntimeError> {
        let index = self.plan.collection_index(collection).ok_or_else(|| {
            RuntimeError::new(
                RuntimeErrorKind::Unsupported,
                format!("cannot verify unknown collection \"{collection}\""),
            )
        })?;
        let plan = self.plan.collection_at(index);
        let validator = plan.schema.validator()?;
        let mut combiner = Combiner::new(plan.key.clone());
        for entry in self.log_of(index).iter().skip(since) {
            if !selected(selector, plan, &entry.document) {
                continue;
            }
            let annotations = validator.validate(&entry.document).map_err(|errors| {
                RuntimeError::new(
                    RuntimeErrorKind::Invalid,
                    format!(
                        "document {} of \"{collection}\" is invalid: {}",
                        entry.seq,
                        render_validation_errors(&errors)
                    ),
                )
                .with_document("document", &entry.document)
            })?;
            combiner
                .add(entry.document.clone(), &annotations)
                .map_err(|error| {
                    RuntimeError::reduction(
                        &format!("combining the documents of \"{collection}\""),
                        &error,
                    )
                    .with_document("document", &entry.document)
                })?;
        }
        drain_validated(
            &mut combiner,
            &plan.schema,
            &format!("the documents of \"{collection}\""),
        )
    }

    /// Whether a derivation has source documents it has not read yet.
    fn has_unread(&self, derivation: usize) -> bool {
        let Some(plan) = self.plan.derivation_at(derivation) else {
            return false;
        };
        plan.transforms
            .iter()
            .zip(self.cursors_of(derivation, plan.transforms.len()))
            .any(|(transform, cursor)| {
                transform
                    .source
                    .as_ref()
                    .is_ok_and(|&source| cursor < self.log_of(source).len())
            })
    }

    /// The log of collection `index` (empty when nothing was written).
    fn log_of(&self, index: usize) -> &[LogEntry] {
        log_in(&self.logs, index)
    }

    /// The read positions of a derivation's `transforms` transforms.
    fn cursors_of(&self, derivation: usize, transforms: usize) -> Vec<usize> {
        cursors_in(&self.cursors, derivation, transforms)
    }

    fn append(&mut self, collection: usize, documents: Vec<Value>) {
        if !documents.is_empty() {
            let readers = self.plan.readers[collection].iter().copied();
            match &self.allowed {
                None => self.pending.extend(readers),
                Some(allowed) => self
                    .pending
                    .extend(readers.filter(|reader| allowed.contains(reader))),
            }
            if let Some(tracer) = self.tracer.as_deref_mut()
                && !tracer.written.contains(&collection)
            {
                tracer.written.push(collection);
            }
        }
        let log = self.logs.entry(collection).or_default();
        for document in documents {
            log.push(LogEntry {
                time: self.clock,
                seq: self.next_seq,
                document,
            });
            self.next_seq += 1;
        }
    }

    /// One transaction of a derivation (runtime.md §4.1). Returns whether any
    /// document was read (and so whether the run happened).
    fn run_derivation(&mut self, derivation: usize) -> Result<bool, RuntimeError> {
        let plan_ref: &Plan = self.plan;
        let collection = plan_ref.collection_at(derivation);
        let Some(plan) = &collection.derivation else {
            return Ok(false);
        };

        // 1–3: collect ready documents, drop unselected ones, order by clock.
        let mut batch: Vec<Pending> = Vec::new();
        let before = cursors_in(&self.cursors, derivation, plan.transforms.len());
        let mut cursors = before.clone();
        for (transform_index, transform) in plan.transforms.iter().enumerate() {
            let Ok(source) = transform.source else {
                continue;
            };
            let log = log_in(&self.logs, source);
            let delay = transform.delay();
            let mut cursor = cursors[transform_index];
            while let Some(entry) = log.get(cursor) {
                let effective = entry.time.saturating_add(delay);
                if effective > self.clock {
                    break;
                }
                if selected(
                    transform.selector.as_ref(),
                    plan_ref.collection_at(source),
                    &entry.document,
                ) {
                    batch.push(Pending {
                        priority: transform.priority,
                        effective,
                        seq: entry.seq,
                        transform: transform_index,
                        source,
                        position: cursor,
                    });
                }
                cursor += 1;
            }
            cursors[transform_index] = cursor;
        }
        if cursors == before {
            return Ok(false);
        }
        if let Some(problem) = plan.transforms.iter().find_map(TransformPlan::problem) {
            return Err(
                RuntimeError::new(RuntimeErrorKind::Unsupported, problem).at(&collection.scope)
            );
        }
        batch.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.effective.cmp(&b.effective))
                .then(a.seq.cmp(&b.seq))
                .then(a.transform.cmp(&b.transform))
        });

        // 4: process one document at a time, publishing into one combiner.
        let mut run = Run {
            collection,
            plan,
            lambdas: &mut *self.lambdas,
            console: &mut self.console,
            console_dropped: &mut self.console_dropped,
            registers: self.registers.entry(derivation).or_default(),
            trace: self.tracer.as_deref_mut().map(|tracer| &mut tracer.reads),
            clock: self.clock,
            undo: BTreeMap::new(),
            combiner: Combiner::new(collection.key.clone()),
        };
        let mut outcome = Ok(());
        for pending in &batch {
            let document = &log_in(&self.logs, pending.source)[pending.position].document;
            let transform = &plan.transforms[pending.transform];
            if let Some(reads) = run.trace.as_deref_mut() {
                reads.push(TraceRead {
                    derivation: collection.name.clone(),
                    transform: transform.name.clone(),
                    scope: transform.scope.clone(),
                    source: plan_ref.name_at(pending.source).to_owned(),
                    time: run.clock,
                    document: document.clone(),
                    register_before: Value::Null,
                    register_after: Value::Null,
                    published: Vec::new(),
                    failed: true,
                });
            }
            outcome = run.process(transform, document);
            if outcome.is_err() {
                break;
            }
        }
        // 5: drain in key order.
        let drained = outcome.and_then(|()| {
            drain_validated(
                &mut run.combiner,
                &collection.schema,
                &format!("the documents published into \"{}\"", collection.name),
            )
        });
        match drained {
            Ok(documents) => {
                for (key, original) in std::mem::take(&mut run.undo) {
                    self.changed.entry((derivation, key)).or_insert(original);
                }
                self.cursors.insert(derivation, cursors);
                self.append(derivation, documents);
                Ok(true)
            }
            Err(error) => {
                // Nothing from a failed run is written: restore the registers.
                for (key, original) in std::mem::take(&mut run.undo) {
                    match original {
                        Some(value) => run.registers.insert(key, value),
                        None => run.registers.remove(&key),
                    };
                }
                Err(error)
            }
        }
    }
}

/// A ready (transform, document) pair of a derivation run.
struct Pending {
    priority: u32,
    effective: u64,
    seq: u64,
    transform: usize,
    source: usize,
    position: usize,
}

/// The state of one derivation run.
struct Run<'a> {
    collection: &'a CollectionPlan,
    plan: &'a DerivationPlan,
    lambdas: &'a mut Lambdas,
    console: &'a mut Vec<ConsoleEntry>,
    console_dropped: &'a mut usize,
    registers: &'a mut BTreeMap<OwnedKey, Value>,
    /// A traced engine's reads: the last one is the document being processed.
    trace: Option<&'a mut Vec<TraceRead>>,
    clock: u64,
    /// Register values before this run, for every key it changed.
    undo: BTreeMap<OwnedKey, Option<Value>>,
    combiner: Combiner,
}

impl Run<'_> {
    /// Processes one source document (runtime.md §4.2).
    fn process(&mut self, transform: &TransformPlan, source: &Value) -> Result<(), RuntimeError> {
        let derivation = self.collection.name.as_str();
        let name = transform.name.as_str();
        let failed = |error: RuntimeError| {
            let error = if error.derivation.is_none() {
                error.in_transform(derivation, name)
            } else {
                error
            };
            let error = if error.scope.is_none() {
                error.at(&transform.scope)
            } else {
                error
            };
            error.with_document("source document", source)
        };

        // 1. Validate against the source schema.
        let validator = transform.source_schema.validator().map_err(failed)?;
        if let Err(errors) = validator.validate(source) {
            return Err(failed(RuntimeError::new(
                RuntimeErrorKind::Invalid,
                format!(
                    "transform {derivation}/{name}: source document is invalid against {}: {}",
                    transform.source_schema.uri(),
                    render_validation_errors(&errors)
                ),
            )));
        }

        // 2–3. Register key and `previous`.
        let key = OwnedKey::extract(source, &transform.shuffle);
        let previous = self
            .registers
            .get(&key)
            .cloned()
            .unwrap_or_else(|| self.plan.initial.clone());
        if let Some(read) = self.traced() {
            read.register_before = previous.clone();
            read.register_after = previous.clone();
        }

        // 4–5. Update lambda, reduced in full mode into the register.
        let mut updated: Option<Value> = None;
        if let Some(lambda) = &transform.update {
            let updates = self
                .call(lambda, LambdaKind::Update, &[source], derivation, name)
                .map_err(failed)?;
            if !updates.is_empty() {
                let mut current = previous.clone();
                for (j, update) in updates.into_iter().enumerate() {
                    let annotations = validate_register(self.plan, &update).map_err(|errors| {
                        failed(
                            RuntimeError::new(
                                RuntimeErrorKind::Invalid,
                                format!("transform {derivation}/{name}: register update {j} is invalid: {errors}"),
                            )
                            .with_document("register update", &update),
                        )
                    })?;
                    current =
                        reduce(current, update, &annotations, Mode::Full).map_err(|error| {
                            failed(RuntimeError::reduction(
                                &format!(
                                    "transform {derivation}/{name}: reducing register update {j}"
                                ),
                                &error,
                            ))
                        })?;
                    validate_register(self.plan, &current).map_err(|errors| {
                        failed(
                            RuntimeError::new(
                                RuntimeErrorKind::Invalid,
                                format!("transform {derivation}/{name}: register became invalid after update {j}: {errors}"),
                            )
                            .with_document("register", &current),
                        )
                    })?;
                }
                let original = self.registers.insert(key.clone(), current.clone());
                self.undo.entry(key).or_insert(original);
                if let Some(read) = self.traced() {
                    read.register_after = current.clone();
                }
                updated = Some(current);
            }
        }
        let register = updated.as_ref().unwrap_or(&previous);

        // 6. Publish lambda, into the derivation's combiner.
        if let Some(lambda) = &transform.publish {
            let published = self
                .call(
                    lambda,
                    LambdaKind::Publish,
                    &[source, register, &previous],
                    derivation,
                    name,
                )
                .map_err(failed)?;
            if let Some(read) = self.traced() {
                read.published = published.clone();
            }
            let validator = self.collection.schema.validator().map_err(failed)?;
            for (j, document) in published.into_iter().enumerate() {
                let annotations = validator.validate(&document).map_err(|errors| {
                    failed(
                        RuntimeError::new(
                            RuntimeErrorKind::Invalid,
                            format!(
                                "transform {derivation}/{name}: published document {j} is invalid against \"{derivation}\": {}",
                                render_validation_errors(&errors)
                            ),
                        )
                        .with_document("published document", &document),
                    )
                })?;
                self.combiner.add(document, &annotations).map_err(|error| {
                    failed(RuntimeError::reduction(
                        &format!("transform {derivation}/{name}: combining published document {j}"),
                        &error,
                    ))
                })?;
            }
        }
        if let Some(read) = self.traced() {
            read.failed = false;
        }
        Ok(())
    }

    /// The read being processed, when the engine is traced.
    fn traced(&mut self) -> Option<&mut TraceRead> {
        self.trace.as_deref_mut().and_then(|reads| reads.last_mut())
    }
}

impl Run<'_> {
    /// Calls a lambda, keeping what it printed and turning its failure into a
    /// runtime error at the lambda's scope.
    fn call(
        &mut self,
        lambda: &LambdaPlan,
        kind: LambdaKind,
        args: &[&Value],
        derivation: &str,
        transform: &str,
    ) -> Result<Vec<Value>, RuntimeError> {
        let (index, source) = lambda.lambda.as_ref().map_err(Clone::clone)?;
        let outcome = self.lambdas.call(*index, source, args);
        for line in self.lambdas.take_console() {
            if self.console.len() >= MAX_CONSOLE_LINES {
                *self.console_dropped += 1;
                continue;
            }
            self.console.push(ConsoleEntry {
                lambda: format!("{derivation}/{transform}"),
                kind,
                scope: lambda.scope.clone(),
                level: line.level,
                text: line.text,
            });
        }
        outcome.map_err(|mut error| {
            error.lambda_kind = kind;
            RuntimeError::lambda(&error, derivation, transform, &lambda.scope)
        })
    }
}

/// The log of collection `index` in an engine's logs (empty when absent).
fn log_in(logs: &HashMap<usize, Vec<LogEntry>>, index: usize) -> &[LogEntry] {
    logs.get(&index).map_or(&[], Vec::as_slice)
}

/// A derivation's read positions in an engine's cursors (all 0 when absent).
fn cursors_in(
    cursors: &HashMap<usize, Vec<usize>>,
    derivation: usize,
    transforms: usize,
) -> Vec<usize> {
    cursors
        .get(&derivation)
        .cloned()
        .unwrap_or_else(|| vec![0; transforms])
}

/// Validates a register value or update: any value when there is no register schema.
fn validate_register(plan: &DerivationPlan, value: &Value) -> Result<Annotations, String> {
    let Some(schema) = &plan.register_schema else {
        return Ok(Annotations::default());
    };
    let validator = schema.validator().map_err(|error| error.message)?;
    validator
        .validate(value)
        .map_err(|errors| render_validation_errors(&errors))
}

/// Drains a combiner, validating every drained document again (runtime.md §2.3).
fn drain_validated(
    combiner: &mut Combiner,
    schema: &SchemaPlan,
    what: &str,
) -> Result<Vec<Value>, RuntimeError> {
    let documents = combiner.drain();
    let validator = schema.validator()?;
    for document in &documents {
        if let Err(errors) = validator.validate(document) {
            return Err(RuntimeError::new(
                RuntimeErrorKind::Invalid,
                format!(
                    "combining {what} produced a document that is invalid against {}: {}",
                    schema.uri(),
                    render_validation_errors(&errors)
                ),
            )
            .with_document("combined document", document));
        }
    }
    Ok(documents)
}

/// Whether a document passes a partition selector (runtime.md §4.6). A field
/// that is not a projection of the collection is looked up as the canonical
/// field `/field`; a missing value equals no listed value.
pub(crate) fn selected_by(
    selector: Option<&PartitionSelectorSpec>,
    fields: &BTreeMap<String, String>,
    document: &Value,
) -> bool {
    let Some(selector) = selector else {
        return true;
    };
    let value_of = |field: &String| -> Option<&Value> {
        match fields.get(field) {
            Some(location) => resolve(document, location),
            None => resolve(document, &format!("/{field}")),
        }
    };
    let equals_any = |value: Option<&Value>, values: &[Value]| {
        value.is_some_and(|value| {
            values
                .iter()
                .any(|listed| compare(value, listed) == Ordering::Equal)
        })
    };
    selector
        .include
        .iter()
        .all(|(field, values)| equals_any(value_of(field), values))
        && selector
            .exclude
            .iter()
            .all(|(field, values)| !equals_any(value_of(field), values))
}

fn selected(
    selector: Option<&PartitionSelectorSpec>,
    collection: &CollectionPlan,
    document: &Value,
) -> bool {
    selected_by(selector, &collection.fields, document)
}

#[cfg(test)]
pub(crate) mod tests;
