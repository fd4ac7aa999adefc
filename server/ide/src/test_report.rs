//! The one owner of a test run's JSON: `flowctl test --format json` prints
//! [`json_report`], and the language server's `flowctl.runTests` command
//! answers it (plus a status and a run id) and sends each result in
//! `flowctl/testResults`. Also where a failure is ([`failure_location`]),
//! its runtime.md §7.5 text ([`failure_message`]) and what a trace step was
//! ([`step_kind`]), which the CLI's other formats share.
//!
//! Ranges are in the caller's column unit (the CLI: UTF-16; the server: the
//! negotiated encoding); paths are shown by the caller's `display`.

use load::Loaded;
use model::{Scope, Test, TestStepSpec};
use runtime::shorten::{shorten, shorten_value};
use runtime::testing::{Problem, StepTrace, TestFailure, TestReport, TestResult};
use serde_json::{Value, json};
use text::{ColumnUnit, TextRange};
use url::Url;

/// Longest failure message shown, in bytes (each document in it is shortened
/// already; this bounds a long list of them).
const MAX_MESSAGE: usize = 20_000;

/// How paths and columns are written.
pub struct Style<'a> {
    /// The path shown for a file (relative to a working directory or folder).
    pub display: &'a dyn Fn(&Url) -> String,
    pub unit: ColumnUnit,
}

/// Where a test's failure is: the lambda position when a lambda failed,
/// else the failing step.
pub fn failure_location(loaded: &Loaded, result: &TestResult) -> Option<(Url, TextRange)> {
    failure_location_of(loaded, result.failure.as_ref()?)
}

/// Where a failure is (a test's or a preview's): the lambda body position
/// when a lambda failed, else the failure's scope.
pub fn failure_location_of(loaded: &Loaded, failure: &TestFailure) -> Option<(Url, TextRange)> {
    if let Problem::Error(error) = &failure.problem
        && let (Some(scope), Some(position)) = (&error.scope, &error.body_position)
        && let Some(location) = loaded.locate_in_scalar(scope, position.line, position.column)
    {
        return Some((location.resource, location.range));
    }
    let location = loaded.locate(&failure.scope, true)?;
    Some((location.resource, location.range))
}

/// Where a test is: its name key.
pub fn test_location(loaded: &Loaded, scope: &Scope) -> Option<(Url, TextRange)> {
    let location = loaded.locate(scope, true)?;
    Some((location.resource, location.range))
}

/// The runtime.md §7.5 failure text of a failed test, shortened (empty when
/// it passed).
pub fn failure_message(result: &TestResult) -> String {
    result
        .failure
        .as_ref()
        .map(|failure| shorten(failure.to_string(), MAX_MESSAGE))
        .unwrap_or_default()
}

/// What a trace step was: `("ingest", collection)`, `("verify", collection)`,
/// or `("advance", "")` for the time advanced after the last step.
pub fn step_kind(test: Option<&Test>, step: Option<usize>) -> (&'static str, &str) {
    match step.and_then(|step| test?.steps.get(step)) {
        Some(TestStepSpec::Ingest(ingest)) => ("ingest", ingest.collection.as_str()),
        Some(TestStepSpec::Verify(verify)) => ("verify", verify.collection.as_str()),
        None => ("advance", ""),
    }
}

/// An LSP-style range object.
pub fn range_json(start: text::Position, end: text::Position) -> Value {
    json!({
        "start": {"line": start.line, "character": start.character},
        "end": {"line": end.line, "character": end.character},
    })
}

fn range_of(loaded: &Loaded, location: Option<(Url, TextRange)>, unit: ColumnUnit) -> Value {
    match location {
        Some((file, range)) => {
            let (start, end) = load::locate::positions(loaded, &file, range, unit);
            range_json(start, end)
        }
        None => range_json(Default::default(), Default::default()),
    }
}

/// The `trace` of a test: one object per step (see the README).
pub fn json_trace(trace: &[StepTrace], test: Option<&Test>) -> Value {
    trace
        .iter()
        .map(|step| {
            let (kind, collection) = step_kind(test, step.step);
            let reads: Vec<Value> = step
                .reads
                .iter()
                .map(|read| {
                    json!({
                        "derivation": read.derivation,
                        "transform": read.transform,
                        "source": read.source,
                        "clock": read.time,
                        "document": shorten_value(&read.document),
                        "register_before": shorten_value(&read.register_before),
                        "register_after": shorten_value(&read.register_after),
                        "published": shorten_value(&Value::Array(read.published.clone())),
                        "failed": read.failed,
                    })
                })
                .collect();
            let states: Vec<Value> = step
                .states
                .iter()
                .map(|state| match &state.documents {
                    Ok(documents) => json!({
                        "collection": state.collection,
                        "documents": shorten_value(&Value::Array(documents.clone())),
                    }),
                    Err(error) => json!({"collection": state.collection, "error": error}),
                })
                .collect();
            let mut value = json!({
                "step": step.step,
                "kind": kind,
                "clock": step.clock,
                "reads": reads,
                "states": states,
            });
            if !collection.is_empty() {
                value["collection"] = json!(collection);
            }
            value
        })
        .collect()
}

/// The fixture documents of the failing step and the actual documents,
/// when a verify did not match (else both `null`).
pub fn expected_and_actual(loaded: &Loaded, result: &TestResult) -> (Value, Value) {
    let Some(failure) = &result.failure else {
        return (Value::Null, Value::Null);
    };
    match &failure.problem {
        Problem::Mismatch(_) => {
            let expected = failure
                .step
                .and_then(|step| {
                    loaded
                        .catalog
                        .tests
                        .iter()
                        .find(|t| t.scope == result.scope)?
                        .steps
                        .get(step)
                })
                .map(|step| Value::Array(step.documents().to_vec()))
                .unwrap_or(Value::Null);
            let actual = result
                .verifies
                .last()
                .map(|verify| Value::Array(verify.actual.clone()))
                .unwrap_or(Value::Null);
            (expected, actual)
        }
        Problem::Error(_) => (Value::Null, Value::Null),
    }
}

/// One test's object: name, path, range, status, duration, and its
/// failure, trace and console when it has them. `test` is the catalog test
/// the result is of (for the trace's step kinds).
pub fn json_result(
    loaded: &Loaded,
    result: &TestResult,
    test: Option<&Test>,
    style: &Style<'_>,
) -> Value {
    let mut value = json!({
        "name": result.name,
        "path": (style.display)(&result.scope.resource),
        "range": range_of(loaded, test_location(loaded, &result.scope), style.unit),
        "status": if result.passed() { "passed" } else { "failed" },
        "duration_ms": (result.duration.as_secs_f64() * 1e4).round() / 10.0,
    });
    if let Some(failure) = &result.failure {
        let (expected, actual) = expected_and_actual(loaded, result);
        let location = failure_location(loaded, result);
        value["failure"] = json!({
            "step": failure.step,
            "range": range_of(loaded, location.clone(), style.unit),
            "message": failure_message(result),
            "expected": shorten_value(&expected),
            "actual": shorten_value(&actual),
        });
        // In another file than the test (a lambda defined elsewhere).
        if let Some((file, _)) = location
            && file != result.scope.resource
        {
            value["failure"]["path"] = json!((style.display)(&file));
        }
    }
    if !result.trace.is_empty() {
        value["trace"] = json_trace(&result.trace, test);
    }
    if !result.console.is_empty() {
        value["console"] = result
            .console
            .iter()
            .map(|entry| {
                json!({
                    "level": entry.level.as_str(),
                    "lambda": entry.lambda,
                    "kind": entry.kind.as_str(),
                    "text": entry.text,
                })
            })
            .collect();
    }
    value
}

/// `flowctl test --format json`: the shape of shared/spec/cli.md (and a
/// `trace` per test when the run was traced). `tests` are the tests the
/// report's results are of, in the same order.
pub fn json_report(
    loaded: &Loaded,
    report: &TestReport,
    tests: &[&Test],
    style: &Style<'_>,
) -> Value {
    let results: Vec<Value> = report
        .results
        .iter()
        .enumerate()
        .map(|(index, result)| json_result(loaded, result, tests.get(index).copied(), style))
        .collect();
    json_object(results, report.passed(), report.failed())
}

/// The report object around tests' objects ([`json_result`]).
pub fn json_object(tests: Vec<Value>, passed: usize, failed: usize) -> Value {
    json!({"tests": tests, "passed": passed, "failed": failed})
}
