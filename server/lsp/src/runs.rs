//! Test runs (`flowctl.runTests`): one runtime thread of their own (a
//! QuickJS host is not `Send`, and a run must never hold the main loop or a
//! request worker), one run at a time. A run reads the `ide::Analysis` of
//! the revision current when its command arrived, so it tests the editor's
//! unsaved text. Each run has a cancel flag, asked between tests and steps
//! (a lambda call in progress ends by the `lambdaTimeout` limit); a newer
//! run, `flowctl.cancelTests` and `$/cancelRequest` set it.
//!
//! While it runs, the thread sends `flowctl/testResults` itself; at the end
//! it hands the main loop the answer and the `T1` diagnostics, which the
//! loop publishes with the build's.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::Sender;
use ide::catalog_tests::{self, TestDiagnostic};
use ide::diagnostics::FileDiagnostic;
use ide::test_report::{self, Style};
use ide::{Analysis, RootBuild};
use load::Loaded;
use lsp_server::{ErrorCode, Message, Notification, RequestId, Response};
use model::Test;
use runtime::engine::Plan;
use runtime::lambda::QuickJsConfig;
use runtime::testing::{RunOptions, TestResult, run_tests_until};
use serde_json::{Value, json};
use url::Url;

use crate::from_proto::Encoding;
use crate::lsp_ext;
use crate::to_proto;

/// A run to do.
pub struct RunJob {
    pub run_id: u64,
    pub request: RequestId,
    pub analysis: Analysis,
    pub file: Option<Url>,
    pub names: Option<Vec<String>>,
    pub encoding: Encoding,
    pub support: to_proto::DiagnosticSupport,
    /// Paths in the answer are shown relative to it.
    pub folder: PathBuf,
    pub cancel: Arc<AtomicBool>,
}

/// What a run hands back to the main loop.
pub struct RunOutcome {
    pub run_id: u64,
    /// The revision the run read.
    pub revision: u64,
    pub response: Response,
    /// Per test that completed (`url#/tests/name`): its `T1` diagnostics
    /// (none when it passed), by file.
    pub diagnostics: BTreeMap<String, Vec<(Url, lsp_types::Diagnostic)>>,
}

/// The runtime thread and the run going on.
pub struct Runner {
    jobs: Sender<RunJob>,
    /// The run going on or queued: its id, request and cancel flag.
    current: Option<(u64, RequestId, Arc<AtomicBool>)>,
    next_run: u64,
}

impl Runner {
    /// Starts the runtime thread; `notify` carries `flowctl/testResults`
    /// to the client and `done` each run's outcome to the main loop.
    pub fn new(notify: Sender<Message>, done: impl Fn(RunOutcome) + Send + 'static) -> Runner {
        let (jobs, queue) = crossbeam_channel::unbounded::<RunJob>();
        let _ = std::thread::Builder::new()
            .name("flowctl-tests".to_string())
            .stack_size(32 * 1024 * 1024)
            .spawn(move || {
                for job in queue {
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run(&job, &notify)
                    }))
                    .unwrap_or_else(|_| RunOutcome {
                        run_id: job.run_id,
                        revision: job.analysis.revision(),
                        response: Response::new_err(
                            job.request.clone(),
                            ErrorCode::InternalError as i32,
                            "internal error while running the tests".to_string(),
                        ),
                        diagnostics: BTreeMap::new(),
                    });
                    done(outcome);
                }
            });
        Runner {
            jobs,
            current: None,
            next_run: 0,
        }
    }

    /// A new run id and cancel flag; the run going on (if any) is cancelled:
    /// the latest request wins.
    pub fn prepare(&mut self, request: RequestId) -> (u64, Arc<AtomicBool>) {
        self.cancel();
        self.next_run += 1;
        let cancel = Arc::new(AtomicBool::new(false));
        self.current = Some((self.next_run, request, Arc::clone(&cancel)));
        (self.next_run, cancel)
    }

    pub fn submit(&self, job: RunJob) {
        let _ = self.jobs.send(job);
    }

    /// Cancels the run going on, if any.
    pub fn cancel(&mut self) {
        if let Some((_, _, cancel)) = self.current.take() {
            cancel.store(true, Ordering::Release);
        }
    }

    /// Cancels the run of `request`, if it is going on.
    pub fn cancel_request(&mut self, request: &RequestId) {
        if self
            .current
            .as_ref()
            .is_some_and(|(_, current, _)| current == request)
        {
            self.cancel();
        }
    }

    /// A run ended: it is no longer the current one.
    pub fn finished(&mut self, run_id: u64) {
        if self.current.as_ref().is_some_and(|(id, _, _)| *id == run_id) {
            self.current = None;
        }
    }
}

/// "the catalog has N errors; the first, at FILE:LINE:COL: CODE: MESSAGE"
/// for the builds a run would use, if they have errors.
fn catalog_errors(analysis: &Analysis, builds: &[&RootBuild], job: &RunJob) -> Option<String> {
    let mut files: Vec<&Url> = builds
        .iter()
        .flat_map(|build| build.loaded.resources.iter().map(|resource| &resource.url))
        .collect();
    files.sort();
    files.dedup();
    let mut count = 0;
    let mut first = None;
    for file in files {
        for diagnostic in analysis.file_diagnostics(file) {
            if diagnostic.severity == model::Severity::Error {
                count += 1;
                first.get_or_insert((file, diagnostic));
            }
        }
    }
    let (file, diagnostic) = first?;
    let at = match analysis.file(file) {
        Some(view) => {
            let position = view.line_index.position(
                view.text,
                diagnostic.range.start,
                job.encoding.unit(),
            );
            format!("{}:{}", position.line + 1, position.character + 1)
        }
        None => "1:1".to_string(),
    };
    Some(format!(
        "the catalog has {count} error{}; the first, at {}:{at}: {}: {}",
        if count == 1 { "" } else { "s" },
        display(file, job),
        diagnostic.code,
        diagnostic.message
    ))
}

fn display(file: &Url, job: &RunJob) -> String {
    if file.scheme() == "file"
        && let Ok(path) = file.to_file_path()
        && let Ok(relative) = path.strip_prefix(&job.folder)
    {
        return relative.display().to_string();
    }
    file.to_string()
}

fn notify(sender: &Sender<Message>, run_id: u64, state: &str, results: Vec<Value>) {
    let params = lsp_ext::TestResults {
        run_id,
        state: state.to_string(),
        results,
    };
    let _ = sender.send(Message::Notification(Notification::new(
        lsp_ext::TEST_RESULTS.to_string(),
        params,
    )));
}

/// Runs a job's tests, build by build, reporting each result as it comes.
fn run(job: &RunJob, sender: &Sender<Message>) -> RunOutcome {
    let analysis = &job.analysis;
    let selected =
        catalog_tests::tests_to_run(analysis, job.file.as_ref(), job.names.as_deref());
    let mut builds: Vec<&RootBuild> = Vec::new();
    for (build, _) in &selected {
        if !builds.iter().any(|known| std::ptr::eq(*known, *build)) {
            builds.push(build);
        }
    }
    let mut outcome = RunOutcome {
        run_id: job.run_id,
        revision: analysis.revision(),
        response: Response::new_ok(job.request.clone(), Value::Null),
        diagnostics: BTreeMap::new(),
    };
    if let Some(message) = catalog_errors(analysis, &builds, job) {
        outcome.response =
            Response::new_err(job.request.clone(), ErrorCode::RequestFailed as i32, message);
        return outcome;
    }
    notify(sender, job.run_id, "started", Vec::new());
    let options = RunOptions {
        jobs: 1,
        lambda: QuickJsConfig {
            time_limit: analysis.config().lambda_timeout,
            ..QuickJsConfig::default()
        },
        trace: true,
    };
    let cancelled = || job.cancel.load(Ordering::Acquire);
    let display = |file: &Url| display(file, job);
    let style = Style {
        display: &display,
        unit: job.encoding.unit(),
    };
    let (mut answers, mut notified) = (Vec::new(), Vec::new());
    let (mut passed, mut failed) = (0, 0);
    let mut stopped = false;
    for build in builds {
        if stopped {
            break;
        }
        let tests: Vec<&Test> = selected
            .iter()
            .filter(|(owner, _)| std::ptr::eq(*owner, build))
            .map(|(_, test)| *test)
            .collect();
        let loaded = &build.loaded;
        let plan = match Plan::build(&loaded.catalog, &loaded.schemas) {
            Ok(plan) => plan,
            Err(error) => {
                outcome.response = Response::new_err(
                    job.request.clone(),
                    ErrorCode::RequestFailed as i32,
                    error.to_string(),
                );
                return outcome;
            }
        };
        let mut index = 0;
        let (report, cancelled) = run_tests_until(&plan, &tests, &options, &cancelled, |result| {
            let test = tests.get(index).copied();
            index += 1;
            let item = result_item(loaded, result, test, job);
            notify(sender, job.run_id, "running", vec![item.clone()]);
            notified.push(item);
            answers.push(test_report::json_result(loaded, result, test, &style));
            let mut by_file = Vec::new();
            for diagnostic in catalog_tests::verify_diagnostics(loaded, result) {
                if let Some(converted) = t1(analysis, &diagnostic, job) {
                    by_file.push((diagnostic.file.clone(), converted));
                }
            }
            outcome.diagnostics.insert(result.scope.to_string(), by_file);
        });
        passed += report.passed();
        failed += report.failed();
        stopped = cancelled;
    }
    let state = if stopped { "cancelled" } else { "finished" };
    notify(sender, job.run_id, state, notified);
    let mut answer = test_report::json_object(answers, passed, failed);
    answer["status"] = json!(if stopped {
        "cancelled"
    } else if failed == 0 {
        "passed"
    } else {
        "failed"
    });
    answer["runId"] = json!(job.run_id);
    outcome.response = Response::new_ok(job.request.clone(), answer);
    outcome
}

fn range(loaded: &Loaded, place: Option<&(Url, text::TextRange)>, job: &RunJob) -> Value {
    let (start, end) = match place {
        Some((file, range)) => load::locate::positions(loaded, file, *range, job.encoding.unit()),
        None => Default::default(),
    };
    test_report::range_json(start, end)
}

fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e4).round() / 10.0
}

/// A result of `flowctl/testResults`.
fn result_item(loaded: &Loaded, result: &TestResult, test: Option<&Test>, job: &RunJob) -> Value {
    let place = test_report::test_location(loaded, &result.scope);
    let mut item = json!({
        "name": result.name,
        "uri": result.scope.resource.as_str(),
        "range": range(loaded, place.as_ref(), job),
        "status": if result.passed() { "passed" } else { "failed" },
        "durationMs": millis(result.duration),
    });
    if let Some(failure) = &result.failure {
        item["message"] = json!(test_report::failure_message(result));
        let place = test_report::failure_location(loaded, result);
        let uri = place
            .as_ref()
            .map_or(result.scope.resource.as_str(), |(file, _)| file.as_str());
        let mut value = json!({
            "uri": uri,
            "range": range(loaded, place.as_ref(), job),
            "step": failure.step,
        });
        let (expected, actual) = test_report::expected_and_actual(loaded, result);
        if !expected.is_null() {
            value["expected"] = runtime::shorten::shorten_value(&expected);
        }
        if !actual.is_null() {
            value["actual"] = runtime::shorten::shorten_value(&actual);
        }
        item["failure"] = value;
    }
    if !result.trace.is_empty() {
        item["trace"] = test_report::json_trace(&result.trace, test);
    }
    item
}

/// A `T1` diagnostic in protocol terms, with the data "accept actual" needs.
fn t1(analysis: &Analysis, diagnostic: &TestDiagnostic, job: &RunJob) -> Option<lsp_types::Diagnostic> {
    let view = analysis.file(&diagnostic.file)?;
    let item = FileDiagnostic {
        range: diagnostic.range,
        severity: model::Severity::Error,
        code: "T1",
        message: diagnostic.message.clone(),
        related: Vec::new(),
    };
    let mut converted = to_proto::diagnostic(
        analysis,
        view.text,
        view.line_index,
        &item,
        job.encoding,
        job.support,
    );
    converted.data = diagnostic.accept.as_ref().map(|accept| {
        json!({"acceptActual": {"pointer": accept.pointer, "actual": accept.actual}})
    });
    Some(converted)
}
