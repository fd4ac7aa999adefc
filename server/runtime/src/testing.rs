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

mod matching;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use model::{Catalog, Scope, Test, TestStepSpec};
use serde_json::Value;

use crate::engine::{Engine, Lambdas, Plan, RuntimeError, render};
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
                    match mismatch {
                        DocumentMismatch::Mismatched { index, differences } => {
                            write!(f, "\nmismatched document at index {index}:")?;
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
                        }
                        DocumentMismatch::Missing { index, expected } => {
                            write!(
                                f,
                                "\nmissing expected document at index {index}: {}",
                                render(expected)
                            )?;
                        }
                        DocumentMismatch::Unexpected { index, actual } => {
                            write!(
                                f,
                                "\nunexpected actual document at index {index}: {}",
                                render(actual)
                            )?;
                        }
                    }
                }
                Ok(())
            }
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
}

impl Default for RunOptions {
    /// One worker, default limits.
    fn default() -> RunOptions {
        RunOptions {
            jobs: 1,
            lambda: QuickJsConfig::default(),
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
    mut on_result: impl FnMut(&TestResult),
) -> TestReport {
    let jobs = options.jobs.clamp(1, tests.len().max(1));
    if jobs == 1 {
        let mut lambdas = Lambdas::quickjs(options.lambda.clone());
        let results = tests
            .iter()
            .map(|test| {
                let result = run_with(plan, lambdas.as_mut(), test);
                on_result(&result);
                result
            })
            .collect();
        return TestReport { results };
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
                    let result = run_with(plan, lambdas.as_mut(), test);
                    if sender.send((index, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(sender);
        // Hand results on in test order as they complete.
        let mut waiting: BTreeMap<usize, TestResult> = BTreeMap::new();
        for (index, result) in receiver {
            waiting.insert(index, result);
            while let Some(result) = waiting.remove(&results.len()) {
                on_result(&result);
                results.push(result);
            }
        }
    });
    TestReport { results }
}

/// Runs one test with a worker's lambdas, or fails it when the worker's lambda
/// host could not start.
fn run_with(
    plan: &Plan,
    lambdas: Result<&mut Lambdas, &mut RuntimeError>,
    test: &Test,
) -> TestResult {
    match lambdas {
        Ok(lambdas) => run_test(plan, lambdas, test),
        Err(error) => TestResult {
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
        },
    }
}

/// Runs one test from empty logs and registers and fresh lambda globals
/// (runtime.md §7.2–§7.4).
pub fn run_test(plan: &Plan, lambdas: &mut Lambdas, test: &Test) -> TestResult {
    let started = Instant::now();
    lambdas.reset();
    let mut engine = Engine::new(plan, lambdas);
    let mut verifies = Vec::new();
    let failure = run_steps(&mut engine, test, &mut verifies).err();
    TestResult {
        name: test.name.clone(),
        scope: test.scope.clone(),
        failure,
        verifies,
        console: engine.take_console(),
        duration: started.elapsed(),
    }
}

fn run_steps(
    engine: &mut Engine<'_>,
    test: &Test,
    verifies: &mut Vec<VerifyResult>,
) -> Result<(), TestFailure> {
    for (index, step) in test.steps.iter().enumerate() {
        let scope = test.scope.push(index);
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
                let actual = engine
                    .reduced_documents(&verify.collection, 0, verify.partitions.as_ref())
                    .map_err(error)?;
                let mismatches = compare_documents(&verify.documents, &actual);
                verifies.push(VerifyResult {
                    step: index,
                    scope: scope.clone(),
                    collection: verify.collection.clone(),
                    actual,
                });
                if !mismatches.is_empty() {
                    return Err(TestFailure {
                        step: Some(index),
                        scope,
                        problem: Problem::Mismatch(mismatches),
                    });
                }
            }
        }
    }
    engine.advance_all().map_err(|error| TestFailure {
        step: None,
        scope: test.scope.clone(),
        problem: Problem::Error(error),
    })
}

#[cfg(test)]
mod tests;
