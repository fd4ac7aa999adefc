//! The test runner (runtime.md §7): runs a catalog's tests, each in isolation
//! (empty logs and registers, fresh lambda globals), on one or several worker
//! threads (each with its own lambda host), and reports per test, in test
//! order, whether it passed, and if not, at which step and why — a
//! per-document diff for a failed `verify`, or the runtime error — with what
//! its lambdas printed.
//!
//! Results are plain data carrying [`model::Scope`]s (the test's, the failing
//! step's, the fixture document's) so that the CLI and the editor can map them
//! to text ranges; nothing here prints.
//!
//! With [`RunOptions::trace`], each result also holds a [`StepTrace`] per step
//! that ran (up to and including a failing one): what each derivation read,
//! its register before and after, what it published, and the reduced state
//! of every collection the step wrote. Untraced runs record nothing.

mod matching;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use model::{Catalog, Scope, Test, TestStepSpec};
use serde_json::Value;

use crate::engine::{Engine, Lambdas, Plan, RuntimeError, render};

pub use crate::engine::TraceRead;
use crate::lambda::QuickJsConfig;

pub use crate::engine::ConsoleEntry;

pub use matching::{
    Difference, DocumentMismatch, compare_documents, differences, matches, numbers_match,
};

/// What one test produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub name: String,
    /// `…#/tests/<name>`.
    pub scope: Scope,
    /// `None` when the test passed.
    pub failure: Option<TestFailure>,
    /// The verify steps that ran, with the documents they saw.
    pub verifies: Vec<VerifyResult>,
    /// What the test's lambdas printed with `console.*`, in call order (bounded).
    pub console: Vec<ConsoleEntry>,
    pub duration: Duration,
    /// One entry per step that ran, when the run was traced (else empty).
    pub trace: Vec<StepTrace>,
}

/// What happened during one test step (a traced run).
#[derive(Debug, Clone, PartialEq)]
pub struct StepTrace {
    /// Index of the step; `None` for the time advanced after the last step
    /// (present only when a derivation ran then).
    pub step: Option<usize>,
    /// The step (`…#/tests/<name>/<index>`), or the test's scope.
    pub scope: Scope,
    /// The test clock (seconds) after the step.
    pub clock: u64,
    /// Every document a derivation read during the step, in read order.
    pub reads: Vec<TraceRead>,
    /// The fully reduced documents of each collection written during the
    /// step (and of a verified collection), after the step.
    pub states: Vec<CollectionState>,
}

/// A collection's fully reduced documents, one per key, in key order.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionState {
    pub collection: String,
    /// `Err` when the documents could not be reduced (the message).
    pub documents: Result<Vec<Value>, String>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// A `verify` step that ran: the fully reduced documents it compared.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyResult {
    /// Index of the step in the test.
    pub step: usize,
    pub scope: Scope,
    pub collection: String,
    /// Fully reduced documents, one per key, in key order (runtime.md §7.4).
    pub actual: Vec<Value>,
}

/// Why a test failed.
#[derive(Debug, Clone, PartialEq)]
pub struct TestFailure {
    /// Index of the failing step; `None` when the failure happened after the
    /// last step (while advancing time for every derivation).
    pub step: Option<usize>,
    /// The failing step (`…#/tests/<name>/<index>`), or the test's scope.
    pub scope: Scope,
    pub problem: Problem,
}

/// What went wrong at the failing step.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A verify found documents that do not match its fixtures.
    Mismatch(Vec<DocumentMismatch>),
    /// An ingest or a derivation run failed.
    Error(RuntimeError),
}

impl TestFailure {
    /// The scope of fixture document `index` of the failing verify step.
    pub fn document_scope(&self, index: usize) -> Scope {
        self.scope.push("verify").push("documents").push(index)
    }
}

/// The runtime.md §7.5 failure text (without the "<file> failure at step N:" line).
impl fmt::Display for TestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Error(error) => write!(f, "{error}"),
            Problem::Mismatch(mismatches) => {
                write!(f, "actual and expected documents did not match:")?;
                for mismatch in mismatches {
                    write!(f, "\n{mismatch}")?;
                }
                Ok(())
            }
        }
    }
}

/// One document's difference, as the failure text shows it
/// (`mismatched document at index 0:` and a line per location).
impl fmt::Display for DocumentMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentMismatch::Mismatched { index, differences } => {
                write!(f, "mismatched document at index {index}:")?;
                for difference in differences {
                    let at = if difference.pointer.is_empty() {
                        "(root)"
                    } else {
                        &difference.pointer
                    };
                    let actual = difference
                        .actual
                        .as_ref()
                        .map_or_else(|| "missing".to_owned(), render);
                    write!(
                        f,
                        "\n  {at}: expected {}, actual {actual}",
                        render(&difference.expected)
                    )?;
                }
                Ok(())
            }
            DocumentMismatch::Missing { index, expected } => write!(
                f,
                "missing expected document at index {index}: {}",
                render(expected)
            ),
            DocumentMismatch::Unexpected { index, actual } => write!(
                f,
                "unexpected actual document at index {index}: {}",
                render(actual)
            ),
        }
    }
}

/// The results of running several tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestReport {
    pub results: Vec<TestResult>,
}

impl TestReport {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|result| result.passed()).count()
    }

    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    pub fn all_passed(&self) -> bool {
        self.failed() == 0
    }
}

/// The catalog's tests in run order: by the URL of the defining file, then by
/// name (runtime.md §7.1).
pub fn ordered_tests(catalog: &Catalog) -> Vec<&Test> {
    let mut tests: Vec<&Test> = catalog.tests.iter().map(|test| &**test).collect();
    tests.sort_by(|a, b| {
        a.scope
            .resource
            .as_str()
            .cmp(b.scope.resource.as_str())
            .then_with(|| a.name.as_bytes().cmp(b.name.as_bytes()))
    });
    tests
}

/// How to run tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// Worker threads, each with its own lambda host (at least 1).
    pub jobs: usize,
    /// The lambda hosts' limits.
    pub lambda: QuickJsConfig,
    /// Record a [`StepTrace`] per step in each result.
    pub trace: bool,
}

impl Default for RunOptions {
    /// One worker, default limits.
    fn default() -> RunOptions {
        RunOptions {
            jobs: 1,
            lambda: QuickJsConfig::default(),
            trace: false,
        }
    }
}

/// Runs every test of `catalog` in order on one worker. A failing test never
/// stops the others.
pub fn run_all(plan: &Plan, catalog: &Catalog) -> TestReport {
    run_matching(plan, catalog, |_| true, &RunOptions::default())
}

/// Runs the tests of `catalog` that `filter` accepts; results in test order.
pub fn run_matching(
    plan: &Plan,
    catalog: &Catalog,
    filter: impl Fn(&Test) -> bool,
    options: &RunOptions,
) -> TestReport {
    let tests: Vec<&Test> = ordered_tests(catalog)
        .into_iter()
        .filter(|test| filter(test))
        .collect();
    run_tests(plan, &tests, options, |_| {})
}

/// Runs `tests` on `options.jobs` workers (never more than there are tests).
/// Each worker takes the next test not yet started, so a slow test holds up
/// only its own worker. `on_result` sees every result on the calling thread,
/// in the order of `tests`, as soon as it and all before it are done; the
/// report holds them in that order too.
pub fn run_tests(
    plan: &Plan,
    tests: &[&Test],
    options: &RunOptions,
    on_result: impl FnMut(&TestResult),
) -> TestReport {
    run_tests_until(plan, tests, options, &|| false, on_result).0
}

/// [`run_tests`], asking `cancelled` before each test and each of its steps
/// (a lambda call in progress ends by its time limit): once it answers
/// `true`, the tests under way stop, their results are dropped, and no other
/// test starts. Returns the results of the tests that completed before the
/// first cancelled one (in test order), and whether the run was cancelled.
pub fn run_tests_until(
    plan: &Plan,
    tests: &[&Test],
    options: &RunOptions,
    cancelled: &(dyn Fn() -> bool + Sync),
    mut on_result: impl FnMut(&TestResult),
) -> (TestReport, bool) {
    let jobs = options.jobs.clamp(1, tests.len().max(1));
    if jobs == 1 {
        let mut lambdas = Lambdas::quickjs(options.lambda.clone());
        let mut results = Vec::with_capacity(tests.len());
        for test in tests {
            let Some(result) = run_with(plan, lambdas.as_mut(), test, options.trace, cancelled)
            else {
                return (TestReport { results }, true);
            };
            on_result(&result);
            results.push(result);
        }
        return (TestReport { results }, false);
    }
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<(usize, TestResult)>();
    let mut results: Vec<TestResult> = Vec::with_capacity(tests.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || {
                let mut lambdas = Lambdas::quickjs(options.lambda.clone());
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(test) = tests.get(index) else {
                        return;
                    };
                    let Some(result) =
                        run_with(plan, lambdas.as_mut(), test, options.trace, cancelled)
                    else {
                        return;
                    };
                    if sender.send((index, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(sender);
        // Hand results on in test order as they complete (a cancelled
        // test's gap stops the hand-over).
        let mut waiting: BTreeMap<usize, TestResult> = BTreeMap::new();
        for (index, result) in receiver {
            waiting.insert(index, result);
            while let Some(result) = waiting.remove(&results.len()) {
                on_result(&result);
                results.push(result);
            }
        }
    });
    let stopped = results.len() < tests.len();
    (TestReport { results }, stopped)
}

/// Runs one test with a worker's lambdas, or fails it when the worker's lambda
/// host could not start. `None` when cancelled.
fn run_with(
    plan: &Plan,
    lambdas: Result<&mut Lambdas, &mut RuntimeError>,
    test: &Test,
    trace: bool,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<TestResult> {
    if cancelled() {
        return None;
    }
    match lambdas {
        Ok(lambdas) => run_test_inner(plan, lambdas, test, trace, Some(cancelled)),
        Err(error) => Some(TestResult {
            name: test.name.clone(),
            scope: test.scope.clone(),
            failure: Some(TestFailure {
                step: None,
                scope: test.scope.clone(),
                problem: Problem::Error(error.clone()),
            }),
            verifies: Vec::new(),
            console: Vec::new(),
            duration: Duration::ZERO,
            trace: Vec::new(),
        }),
    }
}

/// Runs one test from empty logs and registers and fresh lambda globals
/// (runtime.md §7.2–§7.4).
pub fn run_test(plan: &Plan, lambdas: &mut Lambdas, test: &Test) -> TestResult {
    run_test_traced(plan, lambdas, test, false)
}

/// [`run_test`], recording a [`StepTrace`] per step when `trace` is set.
pub fn run_test_traced(plan: &Plan, lambdas: &mut Lambdas, test: &Test, trace: bool) -> TestResult {
    run_test_inner(plan, lambdas, test, trace, None)
        .expect("a run that cannot be cancelled completes")
}

/// One test; `None` when `cancelled` stopped it before a step.
fn run_test_inner(
    plan: &Plan,
    lambdas: &mut Lambdas,
    test: &Test,
    trace: bool,
    cancelled: Option<&(dyn Fn() -> bool + Sync)>,
) -> Option<TestResult> {
    let started = Instant::now();
    lambdas.reset();
    let mut engine = Engine::new(plan, lambdas);
    let mut traces = Vec::new();
    if trace {
        engine.trace();
    }
    let mut verifies = Vec::new();
    let cancelled = cancelled.map(|cancelled| cancelled as &dyn Fn() -> bool);
    let mut steps = Steps {
        verify: true,
        verifies: &mut verifies,
        traces: trace.then_some(&mut traces),
        cancelled,
        stopped: false,
    };
    let failure = steps.run(&mut engine, test).err();
    if steps.was_cancelled() {
        return None;
    }
    Some(TestResult {
        name: test.name.clone(),
        scope: test.scope.clone(),
        failure,
        verifies,
        console: engine.take_console(),
        duration: started.elapsed(),
        trace: traces,
    })
}

/// How the steps of a test are run: by the test runner (verifying) or by a
/// preview (ingests and the time verifies advance, no comparison).
pub(crate) struct Steps<'a> {
    /// Compare verify steps' documents (else only advance time as they would).
    pub verify: bool,
    pub verifies: &'a mut Vec<VerifyResult>,
    /// Where to record a [`StepTrace`] per step (the engine must be traced).
    pub traces: Option<&'a mut Vec<StepTrace>>,
    /// Asked before each step: `true` stops the run (see [`Steps::was_cancelled`]).
    pub cancelled: Option<&'a dyn Fn() -> bool>,
    /// Set when `cancelled` stopped the run.
    pub stopped: bool,
}

impl Steps<'_> {
    /// Runs the steps, then advances time for every derivation. Stops with
    /// `Ok` when cancelled.
    pub(crate) fn run(&mut self, engine: &mut Engine<'_>, test: &Test) -> Result<(), TestFailure> {
        for (index, step) in test.steps.iter().enumerate() {
            if self.cancelled.is_some_and(|cancelled| cancelled()) {
                self.stopped = true;
                return Ok(());
            }
            let scope = test.scope.push(index);
            let outcome = self.step(engine, index, step, &scope);
            let verified = match step {
                TestStepSpec::Verify(verify) => Some(verify.collection.as_str()),
                TestStepSpec::Ingest(_) => None,
            };
            self.record(engine, Some(index), &scope, verified);
            outcome?;
        }
        let outcome = engine.advance_all().map_err(|error| TestFailure {
            step: None,
            scope: test.scope.clone(),
            problem: Problem::Error(error),
        });
        self.record(engine, None, &test.scope, None);
        outcome
    }

    /// Whether the run stopped because the caller asked.
    pub(crate) fn was_cancelled(&self) -> bool {
        self.stopped
    }

    fn step(
        &mut self,
        engine: &mut Engine<'_>,
        index: usize,
        step: &TestStepSpec,
        scope: &Scope,
    ) -> Result<(), TestFailure> {
        let error = |error: RuntimeError| TestFailure {
            step: Some(index),
            scope: scope.clone(),
            problem: Problem::Error(error),
        };
        match step {
            TestStepSpec::Ingest(ingest) => {
                engine
                    .ingest(&ingest.collection, &ingest.documents)
                    .map_err(error)?;
                engine.settle().map_err(error)?;
            }
            TestStepSpec::Verify(verify) => {
                engine.advance_for(&verify.collection).map_err(error)?;
                if !self.verify {
                    return Ok(());
                }
                let actual = engine
                    .reduced_documents(&verify.collection, 0, verify.partitions.as_ref())
                    .map_err(error)?;
                let mismatches = compare_documents(&verify.documents, &actual);
                self.verifies.push(VerifyResult {
                    step: index,
                    scope: scope.clone(),
                    collection: verify.collection.clone(),
                    actual,
                });
                if !mismatches.is_empty() {
                    return Err(TestFailure {
                        step: Some(index),
                        scope: scope.clone(),
                        problem: Problem::Mismatch(mismatches),
                    });
                }
            }
        }
        Ok(())
    }

    /// Records the trace of the step that just ran (nothing when untraced;
    /// the time advanced after the last step only when a derivation ran).
    fn record(
        &mut self,
        engine: &mut Engine<'_>,
        step: Option<usize>,
        scope: &Scope,
        verified: Option<&str>,
    ) {
        let Some(traces) = self.traces.as_deref_mut() else {
            return;
        };
        let (reads, mut written) = engine.take_trace();
        if step.is_none() && reads.is_empty() {
            return;
        }
        if let Some(verified) = verified
            && !written.contains(&verified)
        {
            written.push(verified);
        }
        let states = written
            .into_iter()
            .map(|collection| CollectionState {
                collection: collection.to_owned(),
                documents: engine
                    .reduced_documents(collection, 0, None)
                    .map_err(|error| error.message),
            })
            .collect();
        traces.push(StepTrace {
            step,
            scope: scope.clone(),
            clock: engine.clock(),
            reads,
            states,
        });
    }
}

#[cfg(test)]
mod tests;
