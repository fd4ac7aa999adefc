//! Previews (issue #9): runs one derivation and returns what it published,
//! as plain data for `flowctl preview` and the editor.
//!
//! The input is either the ingest steps of the catalog's tests that feed the
//! derivation (each test on its own, from empty state and fresh lambda
//! globals, with time advanced where its verify steps advance it, exactly as
//! `flowctl test` runs it, but comparing nothing) or documents given per
//! source collection. Only the derivation and those feeding it run, so a
//! broken derivation elsewhere cannot spoil a preview. A run is a traced
//! engine run: the per-transform outputs are the trace's reads.
//!
//! Failures come as the test runner reports them ([`TestFailure`]: the step,
//! or the lambda scope and body position that threw), so an editor shows a
//! preview's error exactly where `flowctl test` would.

use std::fmt;
use std::time::{Duration, Instant};

use model::{Catalog, Diagnostic, Scope, Test, TestStepSpec};
use serde_json::Value;

use crate::engine::{ConsoleEntry, Engine, Lambdas, Plan, RuntimeError};
use crate::testing::{Problem, Steps, TestFailure, TraceRead, ordered_tests};

/// What to preview.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreviewRequest {
    /// The derived collection.
    pub collection: String,
    /// Documents to ingest, per captured collection, in this order (each
    /// collection's documents one ingest). Empty: use the tests' ingests.
    pub inputs: Vec<(String, Vec<Value>)>,
}

/// What one run of the derivation published.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewRun {
    /// The test whose ingest steps were the input; `None` for given inputs.
    pub test: Option<String>,
    /// The test's scope (`…#/tests/<name>`); `None` for given inputs.
    pub scope: Option<Scope>,
    /// Per transform of the derivation that read anything, in catalog order:
    /// every document it read with what its lambdas made of it.
    pub transforms: Vec<TransformOutput>,
    /// The documents written to the derivation's collection (each
    /// transaction's publications combined per key), in write order.
    pub published: Vec<Value>,
    /// The collection's fully reduced documents at the end, in key order
    /// (empty when the run failed).
    pub reduced: Vec<Value>,
    /// Why the run stopped early; what was published before stays above.
    pub failure: Option<TestFailure>,
    /// What the lambdas printed.
    pub console: Vec<ConsoleEntry>,
    pub duration: Duration,
}

/// The reads of one transform during a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformOutput {
    pub transform: String,
    /// `…/derivation/transform/<name>`.
    pub scope: Scope,
    pub reads: Vec<TraceRead>,
}

/// The result of a preview: one run per feeding test (in test order), or one
/// for given inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub collection: String,
    pub runs: Vec<PreviewRun>,
}

/// Why no preview could run.
#[derive(Debug, Clone, PartialEq)]
pub enum PreviewError {
    /// The catalog has errors (`count`); `first` is the first of them.
    CatalogErrors { count: usize, first: Diagnostic },
    /// No collection has this name.
    UnknownCollection(String),
    /// The collection is not derived.
    NotDerived(String),
    /// No test ingests into a collection feeding the derivation, and no
    /// input was given: the captured collections that feed it.
    NoInput(Vec<String>),
    /// An input names a collection that does not feed the derivation.
    NotASource { input: String, collection: String },
    /// The caller cancelled the preview.
    Cancelled,
    /// The lambda host could not start.
    Host(RuntimeError),
}

impl fmt::Display for PreviewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreviewError::CatalogErrors { count, first } => write!(
                f,
                "the catalog has {count} error(s); the first, at {}: {}: {}",
                first.scope, first.code, first.message
            ),
            PreviewError::UnknownCollection(name) => write!(f, "no collection named \"{name}\""),
            PreviewError::NotDerived(name) => write!(
                f,
                "\"{name}\" is not a derived collection: only derivations can be previewed"
            ),
            PreviewError::NoInput(sources) => {
                let names: Vec<String> = sources.iter().map(|name| format!("\"{name}\"")).collect();
                write!(
                    f,
                    "no input documents for {} (no test ingests into {}; give some with --input COLLECTION=FILE)",
                    names.join(", "),
                    if sources.len() == 1 {
                        "it"
                    } else {
                        "any of them"
                    }
                )
            }
            PreviewError::NotASource { input, collection } => write!(
                f,
                "\"{input}\" does not feed \"{collection}\": input documents must go into a captured collection it reads, directly or through other derivations"
            ),
            PreviewError::Cancelled => write!(f, "the preview was cancelled"),
            PreviewError::Host(error) => write!(f, "the lambda host could not start: {error}"),
        }
    }
}

impl std::error::Error for PreviewError {}

/// Runs the preview `request` asks for. `diagnostics` are the catalog's (any
/// error refuses the run); `cancelled` is asked between steps and runs, and a
/// lambda call is bounded by `lambdas`' time limit.
pub fn preview(
    plan: &Plan,
    catalog: &Catalog,
    diagnostics: &[Diagnostic],
    lambdas: &mut Lambdas,
    request: &PreviewRequest,
    cancelled: &dyn Fn() -> bool,
) -> Result<Preview, PreviewError> {
    let mut errors = diagnostics.iter().filter(|d| d.is_error());
    if let Some(first) = errors.next() {
        return Err(PreviewError::CatalogErrors {
            count: 1 + errors.count(),
            first: first.clone(),
        });
    }
    let collection = request.collection.as_str();
    let index = plan
        .collection_index(collection)
        .ok_or_else(|| PreviewError::UnknownCollection(collection.to_owned()))?;
    if !plan.is_derived(index) {
        return Err(PreviewError::NotDerived(collection.to_owned()));
    }
    let feeding = plan.feeding(index);
    let mut runs = Vec::new();
    if request.inputs.is_empty() {
        let tests: Vec<&Test> = ordered_tests(catalog)
            .into_iter()
            .filter(|test| {
                test.steps.iter().any(|step| match step {
                    TestStepSpec::Ingest(ingest) => feeding.contains(&ingest.collection.as_str()),
                    TestStepSpec::Verify(_) => false,
                })
            })
            .collect();
        if tests.is_empty() {
            return Err(PreviewError::NoInput(
                feeding.iter().map(|name| (*name).to_owned()).collect(),
            ));
        }
        for test in tests {
            if cancelled() {
                return Err(PreviewError::Cancelled);
            }
            runs.push(run(plan, lambdas, index, Input::Test(test), cancelled)?);
        }
    } else {
        if let Some((input, _)) = request
            .inputs
            .iter()
            .find(|(input, _)| !feeding.contains(&input.as_str()))
        {
            return Err(PreviewError::NotASource {
                input: input.clone(),
                collection: collection.to_owned(),
            });
        }
        runs.push(run(
            plan,
            lambdas,
            index,
            Input::Documents(&request.inputs),
            cancelled,
        )?);
    }
    Ok(Preview {
        collection: collection.to_owned(),
        runs,
    })
}

enum Input<'a> {
    Test(&'a Test),
    Documents(&'a [(String, Vec<Value>)]),
}

/// One run of derivation `index` on `input`, from empty state.
fn run(
    plan: &Plan,
    lambdas: &mut Lambdas,
    index: usize,
    input: Input<'_>,
    cancelled: &dyn Fn() -> bool,
) -> Result<PreviewRun, PreviewError> {
    let started = Instant::now();
    let collection = plan.name_at(index);
    lambdas.reset();
    let mut engine = Engine::new(plan, lambdas);
    engine.trace();
    engine.only(collection);
    let (test, scope, outcome, reads) = match input {
        Input::Test(test) => {
            let mut verifies = Vec::new();
            let mut traces = Vec::new();
            let mut steps = Steps {
                verify: false,
                verifies: &mut verifies,
                traces: Some(&mut traces),
                cancelled: Some(cancelled),
                stopped: false,
            };
            let outcome = steps.run(&mut engine, test);
            if steps.was_cancelled() {
                return Err(PreviewError::Cancelled);
            }
            let reads: Vec<TraceRead> = traces.into_iter().flat_map(|trace| trace.reads).collect();
            (
                Some(test.name.clone()),
                Some(test.scope.clone()),
                outcome,
                reads,
            )
        }
        Input::Documents(inputs) => {
            let mut outcome = Ok(());
            for (input, documents) in inputs {
                if cancelled() {
                    return Err(PreviewError::Cancelled);
                }
                let step = engine
                    .ingest(input, documents)
                    .and_then(|_| engine.settle())
                    .and_then(|()| engine.advance_for(collection));
                if let Err(error) = step {
                    outcome = Err(TestFailure {
                        step: None,
                        scope: error
                            .scope
                            .clone()
                            .unwrap_or_else(|| plan.collection_at(index).scope.clone()),
                        problem: Problem::Error(error),
                    });
                    break;
                }
            }
            let (reads, _) = engine.take_trace();
            (None, None, outcome, reads)
        }
    };
    let failure = outcome.err();
    let mut transforms: Vec<TransformOutput> = Vec::new();
    for read in reads
        .into_iter()
        .filter(|read| read.derivation == collection)
    {
        match transforms
            .iter_mut()
            .find(|t| t.transform == read.transform)
        {
            Some(output) => output.reads.push(read),
            None => transforms.push(TransformOutput {
                transform: read.transform.clone(),
                scope: read.scope.clone(),
                reads: vec![read],
            }),
        }
    }
    // Catalog order of transforms is name order.
    transforms.sort_by(|a, b| a.transform.cmp(&b.transform));
    let published: Vec<Value> = engine
        .log(collection)
        .unwrap_or_default()
        .iter()
        .map(|entry| entry.document.clone())
        .collect();
    let reduced = match &failure {
        Some(_) => Vec::new(),
        None => engine
            .reduced_documents(collection, 0, None)
            .unwrap_or_default(),
    };
    Ok(PreviewRun {
        test,
        scope,
        transforms,
        published,
        reduced,
        failure,
        console: engine.take_console(),
        duration: started.elapsed(),
    })
}

#[cfg(test)]
pub(crate) mod tests;
