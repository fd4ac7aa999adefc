//! The main loop. One thread owns the state ([`Server`]) and applies every
//! message in arrival order: document changes, settings, watched files,
//! cancellation. It never analyses: after each turn (everything that
//! already arrived is handled first, so a burst of edits coalesces) it starts
//! one build of the current revision on a build thread, and requests run on
//! worker threads against the `ide::Analysis` of the revision they arrived
//! at. A request that arrives before that revision is built waits for it; a
//! request whose document changes before it is answered gets
//! `ContentModified`; `$/cancelRequest` answers `RequestCancelled` at once
//! and the late result is dropped. Every id gets exactly one response.
//!
//! Diagnostics are pushed for every file of every build (open or not) when
//! its list changes, the edited documents first and with their version, and
//! an empty list clears a file that became clean or left every build.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};
use ide::{Analysis, AnalysisHost, Cancelled};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::{InitializeParams, notification as notify};
use serde_json::Value;
use url::Url;

use crate::document::Document;
use crate::from_proto;
use crate::handlers::{self, Snapshot};
use crate::runs::{RunJob, RunOutcome, Runner};
use crate::to_proto;
use crate::{capabilities, config, lsp_ext, scan};

/// How the server runs (not client settings: those are `ide::Config`).
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads for requests.
    pub workers: usize,
    /// Accept the requests tests use to provoke failures
    /// (`flowctl/internalPanic`).
    pub test_requests: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            workers: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .clamp(1, 4),
            test_requests: false,
        }
    }
}

/// Serves one client over `connection` until `exit`. Returns whether the
/// exit was clean (`shutdown` came first).
pub fn run(connection: Connection, options: Options) -> Result<bool, String> {
    let (id, params) = connection
        .initialize_start()
        .map_err(|error| format!("the client did not initialize: {error}"))?;
    let params: InitializeParams = serde_json::from_value(params)
        .map_err(|error| format!("invalid initialize parameters: {error}"))?;
    let negotiated = capabilities::negotiate(&params);
    let result = capabilities::initialize_result(&negotiated);
    connection
        .initialize_finish(id, serde_json::to_value(result).map_err(|e| e.to_string())?)
        .map_err(|error| format!("the client did not finish initializing: {error}"))?;

    let folders = capabilities::workspace_folders(&params);
    let mut settings = ide::Config::default();
    let mut problems = Vec::new();
    if let Some(options) = &params.initialization_options {
        let folder = folders.first().cloned().unwrap_or_default();
        problems = config::apply(&mut settings, options, &folder);
    }
    let (task_sender, task_receiver) = crossbeam_channel::unbounded();
    let done = task_sender.clone();
    let runner = Runner::new(connection.sender.clone(), move |outcome| {
        let _ = done.send(Task::RunDone(outcome));
    });
    let mut server = Server {
        sender: connection.sender.clone(),
        host: AnalysisHost::new(settings),
        documents: HashMap::new(),
        negotiated,
        folders,
        analysis: None,
        building: None,
        failed_build: None,
        deferred: Vec::new(),
        in_flight: HashMap::new(),
        changed_at: HashMap::new(),
        published: HashMap::new(),
        task_sender,
        runner,
        test_diagnostics: BTreeMap::new(),
        pool: Pool::new("flowctl-worker", options.workers.max(1), 16 * 1024 * 1024),
        builder: Pool::new("flowctl-build", 1, 32 * 1024 * 1024),
        dropper: Pool::new("flowctl-drop", 1, 32 * 1024 * 1024),
        previewer: crate::preview::Previewer::start(),
        previews: HashMap::new(),
        options,
        shutdown: false,
        panic_shown: false,
        next_request: 0,
    };
    for problem in problems {
        server.show_message(lsp_types::MessageType::WARNING, problem);
    }
    // (`initialize_finish` consumed the `initialized` notification.)
    server.register_watchers();
    server.rescan();
    // The workspace's diagnostics come before the first edit.
    server.start_build();
    server.main_loop(&connection.receiver, &task_receiver)
}

/// Results coming back to the main loop.
enum Task {
    Response(Response),
    Built {
        revision: u64,
        versions: HashMap<Url, i32>,
        result: Result<Result<Analysis, Cancelled>, String>,
    },
    /// A test run ended (or was refused).
    RunDone(RunOutcome),
}

/// A request being worked on or waiting for its revision's analysis.
struct InFlight {
    /// The document the request is about, if any.
    file: Option<Url>,
    /// The revision it arrived at.
    revision: u64,
}

pub(crate) struct Server {
    sender: Sender<Message>,
    host: AnalysisHost,
    documents: HashMap<Url, Document>,
    negotiated: capabilities::Negotiated,
    folders: Vec<PathBuf>,
    /// The newest analysis built.
    analysis: Option<Analysis>,
    /// The revision being built, if a build runs.
    building: Option<u64>,
    /// A revision whose build panicked: not retried until the next change.
    failed_build: Option<u64>,
    /// Requests waiting for the analysis of the current revision.
    deferred: Vec<Request>,
    in_flight: HashMap<RequestId, InFlight>,
    /// The revision at which each document last changed.
    changed_at: HashMap<Url, u64>,
    /// What was last published per file, and with which version.
    published: HashMap<Url, (Vec<lsp_types::Diagnostic>, Option<i32>)>,
    task_sender: Sender<Task>,
    /// The runtime thread of test runs.
    runner: Runner,
    /// The `T1` diagnostics of the last run of each test (`url#/tests/name`),
    /// by file; published with the build's.
    test_diagnostics: BTreeMap<String, Vec<(Url, lsp_types::Diagnostic)>>,
    pool: Pool,
    /// The build thread.
    builder: Pool,
    /// The thread that drops replaced analyses: freeing a large catalog's
    /// previous build takes a few percent of a build, which a build queued
    /// behind it (the next keystroke's) would wait for on the build thread.
    dropper: Pool,
    /// The preview thread, and the cancel flags of the previews it has.
    previewer: crate::preview::Previewer,
    previews: HashMap<RequestId, Arc<std::sync::atomic::AtomicBool>>,
    options: Options,
    shutdown: bool,
    panic_shown: bool,
    next_request: i32,
}

/// A turn of the loop longer than this is logged: the loop only applies
/// changes and dispatches, so a long turn is a bug.
const LONG_TURN: Duration = Duration::from_millis(20);

impl Server {
    fn main_loop(
        mut self,
        inbox: &Receiver<Message>,
        tasks: &Receiver<Task>,
    ) -> Result<bool, String> {
        loop {
            let started;
            select! {
                recv(inbox) -> message => {
                    started = Instant::now();
                    let Ok(message) = message else {
                        // The client went away without `exit`.
                        return Ok(false);
                    };
                    if let Some(clean) = self.guarded_message(message) {
                        return Ok(clean);
                    }
                }
                recv(tasks) -> task => {
                    started = Instant::now();
                    if let Ok(task) = task {
                        self.guarded(|server| server.on_task(task));
                    }
                }
            }
            // Everything that already arrived first: a burst of edits is
            // one build, not one per keystroke.
            while let Ok(message) = inbox.try_recv() {
                if let Some(clean) = self.guarded_message(message) {
                    return Ok(clean);
                }
            }
            self.guarded(Server::start_build);
            self.previewer.stop_if_stale();
            let elapsed = started.elapsed();
            if elapsed > LONG_TURN {
                eprintln!("flowctl lsp: a main loop turn took {elapsed:?}");
            }
        }
    }

    /// Runs a state change; a panic in it is reported, and the loop goes on.
    fn guarded(&mut self, work: impl FnOnce(&mut Server)) {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| work(self))) {
            let message = panic_message(&panic);
            eprintln!("flowctl lsp: internal error on the main loop: {message}");
            self.show_panic(format!("flowctl: internal error: {message}"));
        }
    }

    fn guarded_message(&mut self, message: Message) -> Option<bool> {
        let mut exit = None;
        self.guarded(|server| exit = server.on_message(message));
        exit
    }

    fn send(&self, message: impl Into<Message>) {
        // The writer thread ends only when the client is gone; then there is
        // no one to tell.
        let _ = self.sender.send(message.into());
    }

    fn respond(&self, response: Response) {
        self.send(response);
    }

    fn error(&self, id: RequestId, code: ErrorCode, message: impl Into<String>) {
        self.respond(Response::new_err(id, code as i32, message.into()));
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params));
    }

    fn show_message(&self, typ: lsp_types::MessageType, message: String) {
        self.notify::<notify::ShowMessage>(lsp_types::ShowMessageParams { typ, message });
    }

    /// One message per session: a panic is a bug to report, not to repeat.
    fn show_panic(&mut self, message: String) {
        if !self.panic_shown {
            self.panic_shown = true;
            self.show_message(lsp_types::MessageType::ERROR, message);
        }
    }

    /// Returns `Some(clean)` on `exit`.
    fn on_message(&mut self, message: Message) -> Option<bool> {
        match message {
            Message::Request(request) => self.on_request(request),
            Message::Notification(notification) => {
                if notification.method == notify::Exit::METHOD {
                    return Some(self.shutdown);
                }
                self.on_notification(notification);
            }
            // Answers to our requests (registrations): nothing to do.
            Message::Response(_) => {}
        }
        None
    }

    fn on_request(&mut self, request: Request) {
        if self.shutdown {
            self.error(
                request.id,
                ErrorCode::InvalidRequest,
                "the server is shutting down",
            );
            return;
        }
        if request.method == "shutdown" {
            self.shutdown = true;
            // A run going on stops (its thread ends with the server).
            self.runner.cancel();
            self.respond(Response::new_ok(request.id, Value::Null));
            return;
        }
        if !handlers::is_known(&request.method, self.options.test_requests) {
            let message = format!("unknown request {}", request.method);
            self.error(request.id, ErrorCode::MethodNotFound, message);
            return;
        }
        if handlers::command_of(&request) == Some(lsp_ext::CANCEL_TESTS) {
            self.runner.cancel();
            self.respond(Response::new_ok(request.id, Value::Null));
            return;
        }
        let file = handlers::document_of(&request.params);
        self.in_flight.insert(
            request.id.clone(),
            InFlight {
                file,
                revision: self.host.revision(),
            },
        );
        match &self.analysis {
            Some(analysis) if analysis.revision() == self.host.revision() => {
                let analysis = analysis.clone();
                self.dispatch(request, analysis);
            }
            _ => self.deferred.push(request),
        }
    }

    /// Runs a request on a worker against `analysis` (a preview on the
    /// preview thread, a test run on the runtime thread).
    fn dispatch(&mut self, request: Request, analysis: Analysis) {
        if request.method == crate::lsp_ext::PREVIEW {
            let cancelled = Arc::new(std::sync::atomic::AtomicBool::new(false));
            self.previews
                .insert(request.id.clone(), Arc::clone(&cancelled));
            let sender = self.task_sender.clone();
            let id = request.id.clone();
            self.previewer.submit(crate::preview::Job {
                revision: self.host.cancellation(),
                analysis,
                encoding: self.negotiated.encoding,
                params: request.params,
                cancelled,
                reply: Box::new(move |answer| {
                    let _ = sender.send(Task::Response(handlers::response(id, answer)));
                }),
            });
            return;
        }
        if handlers::command_of(&request) == Some(lsp_ext::RUN_TESTS) {
            self.start_run(request, analysis);
            return;
        }
        let snapshot = Snapshot {
            analysis,
            encoding: self.negotiated.encoding,
            snippets: self.negotiated.snippets,
            test_requests: self.options.test_requests,
            previewer: self.previewer.clone(),
        };
        let sender = self.task_sender.clone();
        self.pool.spawn(move || {
            let id = request.id.clone();
            let method = request.method.clone();
            let response =
                match catch_unwind(AssertUnwindSafe(|| handlers::handle(&snapshot, request))) {
                    Ok(response) => response,
                    Err(panic) => {
                        let message = panic_message(&panic);
                        eprintln!("flowctl lsp: internal error in {method}: {message}");
                        Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            format!("internal error in {method}: {message}"),
                        )
                    }
                };
            let _ = sender.send(Task::Response(response));
        });
    }

    /// Hands a `flowctl.runTests` to the runtime thread, cancelling the
    /// run going on.
    fn start_run(&mut self, request: Request, analysis: Analysis) {
        let args: lsp_ext::RunTestsArgs = request
            .params
            .get("arguments")
            .and_then(|arguments| arguments.get(0))
            .and_then(|argument| serde_json::from_value(argument.clone()).ok())
            .unwrap_or_default();
        let file = match args.uri.as_deref().map(Url::parse) {
            Some(Ok(url)) => Some(url),
            Some(Err(error)) => {
                self.in_flight.remove(&request.id);
                self.error(
                    request.id,
                    ErrorCode::InvalidParams,
                    format!("invalid uri: {error}"),
                );
                return;
            }
            None => None,
        };
        let (run_id, cancel) = self.runner.prepare(request.id.clone());
        self.runner.submit(RunJob {
            run_id,
            request: request.id,
            analysis,
            file,
            names: args.tests,
            encoding: self.negotiated.encoding,
            support: self.negotiated.diagnostics,
            folder: self.folders.first().cloned().unwrap_or_default(),
            cancel,
        });
    }

    /// A run ended: keep its `T1` diagnostics (not for files edited since
    /// the revision it read), publish them, and answer.
    fn finish_run(&mut self, outcome: RunOutcome) {
        self.runner.finished(outcome.run_id);
        let mut touched = false;
        for (test, diagnostics) in outcome.diagnostics {
            let kept: Vec<(Url, lsp_types::Diagnostic)> = diagnostics
                .into_iter()
                .filter(|(file, _)| {
                    self.changed_at
                        .get(file)
                        .is_none_or(|&at| at <= outcome.revision)
                })
                .collect();
            let previous = if kept.is_empty() {
                self.test_diagnostics.remove(&test)
            } else {
                self.test_diagnostics.insert(test, kept.clone())
            };
            touched |= previous.unwrap_or_default() != kept;
        }
        if touched
            && let Some(analysis) = self.analysis.clone()
            && analysis.revision() == self.host.revision()
        {
            let versions = self.open_versions();
            self.publish(&analysis, &versions);
        }
        self.on_task(Task::Response(outcome.response));
    }

    fn on_task(&mut self, task: Task) {
        match task {
            Task::RunDone(outcome) => self.finish_run(outcome),
            Task::Response(response) => {
                self.previews.remove(&response.id);
                // Cancelled requests were answered already.
                let Some(request) = self.in_flight.remove(&response.id) else {
                    return;
                };
                let changed = request
                    .file
                    .as_ref()
                    .and_then(|file| self.changed_at.get(file));
                if changed.is_some_and(|&at| at > request.revision) {
                    self.error(
                        response.id,
                        ErrorCode::ContentModified,
                        "the document changed",
                    );
                    return;
                }
                if response
                    .response_result
                    .as_ref()
                    .is_err_and(|error| error.code == ErrorCode::InternalError as i32)
                {
                    self.show_panic(
                        "flowctl: an internal error occurred; the server goes on (see its log)"
                            .to_string(),
                    );
                }
                self.respond(response);
            }
            Task::Built {
                revision,
                versions,
                result,
            } => {
                self.building = None;
                match result {
                    Ok(Ok(analysis)) => self.install(analysis, &versions),
                    Ok(Err(Cancelled)) => {}
                    Err(message) => {
                        self.failed_build = Some(revision);
                        eprintln!(
                            "flowctl lsp: internal error while building revision {revision}: {message}"
                        );
                        self.show_panic(format!(
                            "flowctl: internal error while checking the catalog: {message}"
                        ));
                        // Waiting requests are answered from the last analysis.
                        if let Some(analysis) = self.analysis.clone() {
                            for request in std::mem::take(&mut self.deferred) {
                                self.dispatch(request, analysis.clone());
                            }
                        }
                    }
                }
            }
        }
    }

    /// Starts a build of the current revision unless one runs or it exists.
    fn start_build(&mut self) {
        let revision = self.host.revision();
        let current = self
            .analysis
            .as_ref()
            .is_some_and(|a| a.revision() == revision);
        if self.building.is_some() || current || self.failed_build == Some(revision) {
            return;
        }
        self.building = Some(revision);
        let inputs = self.host.inputs();
        let cancel = self.host.cancellation();
        let versions = self.open_versions();
        let sender = self.task_sender.clone();
        self.builder.spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| ide::build(&inputs, &cancel)))
                .map_err(|panic| panic_message(&panic));
            let _ = sender.send(Task::Built {
                revision,
                versions,
                result,
            });
        });
    }

    /// Makes `analysis` the current one (if newer), publishes its
    /// diagnostics, and runs the requests that waited for it.
    fn install(&mut self, analysis: Analysis, versions: &HashMap<Url, i32>) {
        if self
            .analysis
            .as_ref()
            .is_some_and(|current| current.revision() > analysis.revision())
        {
            return;
        }
        self.publish(&analysis, versions);
        if let Some(previous) = self.analysis.replace(analysis.clone()) {
            self.dropper.spawn(move || drop(previous));
        }
        if analysis.revision() == self.host.revision() {
            for request in std::mem::take(&mut self.deferred) {
                self.dispatch(request, analysis.clone());
            }
        }
    }

    /// Pushes the diagnostics that changed: open documents first (with the
    /// version the analysis saw), then every other file of the builds; files
    /// that left every build are cleared.
    fn publish(&mut self, analysis: &Analysis, versions: &HashMap<Url, i32>) {
        let mut files: Vec<&Url> = analysis.files().collect();
        files.sort_by(|a, b| {
            (!versions.contains_key(*a), *a).cmp(&(!versions.contains_key(*b), *b))
        });
        let mut seen = HashSet::new();
        for url in files {
            seen.insert(url.clone());
            let Some(file) = analysis.file(url) else {
                continue;
            };
            let mut diagnostics: Vec<lsp_types::Diagnostic> = analysis
                .file_diagnostics(url)
                .iter()
                .map(|item| {
                    to_proto::diagnostic(
                        analysis,
                        file.text,
                        file.line_index,
                        item,
                        self.negotiated.encoding,
                        self.negotiated.diagnostics,
                    )
                })
                .collect();
            // The last test runs' verify failures in this file.
            diagnostics.extend(
                self.test_diagnostics
                    .values()
                    .flatten()
                    .filter(|(file, _)| file == url)
                    .map(|(_, diagnostic)| diagnostic.clone()),
            );
            let version = versions.get(url).copied();
            // A remote resource (a schema served over http) cannot be
            // opened: only its mistakes are worth a notification.
            if url.scheme() != "file" && diagnostics.is_empty() && !self.published.contains_key(url)
            {
                continue;
            }
            let unchanged = self.published.get(url).is_some_and(|(last, last_version)| {
                *last == diagnostics && *last_version == version
            });
            if unchanged {
                continue;
            }
            self.notify::<notify::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                uri: to_proto::uri(url),
                diagnostics: diagnostics.clone(),
                version,
            });
            self.published.insert(url.clone(), (diagnostics, version));
        }
        let gone: Vec<Url> = self
            .published
            .keys()
            .filter(|url| !seen.contains(*url))
            .cloned()
            .collect();
        for url in gone {
            let had_any = self
                .published
                .remove(&url)
                .is_some_and(|(last, _)| !last.is_empty());
            if had_any {
                self.notify::<notify::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                    uri: to_proto::uri(&url),
                    diagnostics: Vec::new(),
                    version: None,
                });
            }
        }
    }

    fn on_notification(&mut self, notification: Notification) {
        let params = notification.params;
        match notification.method.as_str() {
            notify::DidOpenTextDocument::METHOD => {
                let Ok(params) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(params)
                else {
                    return;
                };
                let Ok(url) = from_proto::url(&params.text_document.uri) else {
                    return;
                };
                let document =
                    Document::new(&params.text_document.text, params.text_document.version);
                self.set_document(url, document);
            }
            notify::DidChangeTextDocument::METHOD => {
                let Ok(params) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(params)
                else {
                    return;
                };
                let Ok(url) = from_proto::url(&params.text_document.uri) else {
                    return;
                };
                let Some(mut document) = self.documents.remove(&url) else {
                    eprintln!("flowctl lsp: a change to {url}, which is not open, was ignored");
                    return;
                };
                document.apply(
                    &params.content_changes,
                    params.text_document.version,
                    self.negotiated.encoding,
                );

                self.set_document(url, document);
            }
            notify::DidCloseTextDocument::METHOD => {
                let Ok(params) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(params)
                else {
                    return;
                };
                let Ok(url) = from_proto::url(&params.text_document.uri) else {
                    return;
                };
                self.documents.remove(&url);
                if self.host.set_open_text(&url, None) {
                    self.drop_test_diagnostics(&url);
                }
                self.document_changed(&url);
            }
            notify::DidSaveTextDocument::METHOD => {
                let Ok(params) =
                    serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(params)
                else {
                    return;
                };
                let Ok(url) = from_proto::url(&params.text_document.uri) else {
                    return;
                };
                // An open document's text is the editor's already; a saved
                // closed one (rare) is read again.
                if !self.documents.contains_key(&url) {
                    self.host.file_changed_on_disk(&url);
                }
            }
            notify::DidChangeWatchedFiles::METHOD => {
                let Ok(params) =
                    serde_json::from_value::<lsp_types::DidChangeWatchedFilesParams>(params)
                else {
                    return;
                };
                let mut catalogs: Vec<Url> = self.host.inputs().catalog_files.as_ref().clone();
                let mut catalogs_changed = false;
                for change in params.changes {
                    let Ok(url) = from_proto::url(&change.uri) else {
                        continue;
                    };
                    self.host.file_changed_on_disk(&url);
                    // An open document's text is the editor's, whatever the
                    // disk holds: the save that comes with every run from
                    // an editor must not drop that run's T1.
                    if !self.documents.contains_key(&url) {
                        self.drop_test_diagnostics(&url);
                    }
                    if ide::workspace::is_catalog_name(&url) {
                        if change.typ == lsp_types::FileChangeType::DELETED {
                            catalogs.retain(|known| known != &url);
                        } else if !catalogs.contains(&url) {
                            catalogs.push(url);
                        }
                        catalogs_changed = true;
                    }
                }
                if catalogs_changed {
                    self.host.set_catalog_files(catalogs);
                }
            }
            notify::DidChangeConfiguration::METHOD => {
                let Ok(params) =
                    serde_json::from_value::<lsp_types::DidChangeConfigurationParams>(params)
                else {
                    return;
                };
                let mut settings = self.host.config().clone();
                let folder = self.folders.first().cloned().unwrap_or_default();
                let problems = config::apply(&mut settings, &params.settings, &folder);
                self.host.set_config(settings);
                for problem in problems {
                    self.show_message(lsp_types::MessageType::WARNING, problem);
                }
            }
            notify::Cancel::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::CancelParams>(params) else {
                    return;
                };
                let id: RequestId = match params.id {
                    lsp_types::NumberOrString::Number(n) => n.into(),
                    lsp_types::NumberOrString::String(s) => s.into(),
                };
                if let Some(flag) = self.previews.remove(&id) {
                    self.previewer.cancel(&flag);
                }
                self.runner.cancel_request(&id);
                if self.in_flight.remove(&id).is_some() {
                    self.deferred.retain(|request| request.id != id);
                    self.error(id, ErrorCode::RequestCanceled, "cancelled");
                }
            }
            // Unknown notifications are ignored (the protocol says so).
            _ => {}
        }
    }

    fn set_document(&mut self, url: Url, mut document: Document) {
        let moved = self
            .host
            .set_open_text(&url, Some(Arc::clone(document.text())));
        if let Some(text) = self.host.open_text(&url) {
            // The text the analysis already held, when it is the same.
            document.share(text);
        }
        self.documents.insert(url.clone(), document);
        self.document_changed(&url);
        if moved {
            self.drop_test_diagnostics(&url);
        }
        // Opened with the text the current analysis read: nothing to
        // rebuild, only its diagnostics to publish with the version.
        if !moved
            && let Some(analysis) = self.analysis.clone()
            && analysis.revision() == self.host.revision()
        {
            let versions = self.open_versions();
            self.publish(&analysis, &versions);
        }
    }

    /// Test results do not survive a change of their file's text (the
    /// next publish of the file goes without them).
    fn drop_test_diagnostics(&mut self, url: &Url) {
        for diagnostics in self.test_diagnostics.values_mut() {
            diagnostics.retain(|(file, _)| file != url);
        }
        self.test_diagnostics
            .retain(|_, diagnostics| !diagnostics.is_empty());
    }

    /// The version of every open document now.
    fn open_versions(&self) -> HashMap<Url, i32> {
        self.documents
            .iter()
            .map(|(url, document)| (url.clone(), document.version))
            .collect()
    }

    /// Requests about a changed document that have not started cannot be
    /// answered for the text they were asked about.
    fn document_changed(&mut self, url: &Url) {
        self.changed_at.insert(url.clone(), self.host.revision());
        let (stale, keep): (Vec<Request>, Vec<Request>) = std::mem::take(&mut self.deferred)
            .into_iter()
            .partition(|request| {
                self.in_flight
                    .get(&request.id)
                    .and_then(|f| f.file.as_ref())
                    == Some(url)
            });
        self.deferred = keep;
        for request in stale {
            self.in_flight.remove(&request.id);
            self.error(
                request.id,
                ErrorCode::ContentModified,
                "the document changed",
            );
        }
    }

    /// Finds the catalog files of the workspace folders again.
    fn rescan(&mut self) {
        let files = scan::catalog_files(&self.folders);
        self.host.set_catalog_files(files);
    }

    /// Asks the client to watch the workspace's YAML and JSON files, when it
    /// can register that dynamically (otherwise files are re-read on open,
    /// close and save).
    fn register_watchers(&mut self) {
        if !self.negotiated.dynamic_watchers {
            return;
        }
        let watchers: Vec<lsp_types::FileSystemWatcher> = ["**/*.yaml", "**/*.yml", "**/*.json"]
            .iter()
            .map(|glob| lsp_types::FileSystemWatcher {
                glob_pattern: lsp_types::GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
        let registration = lsp_types::Registration {
            id: "flowctl-watch-files".to_string(),
            method: notify::DidChangeWatchedFiles::METHOD.to_string(),
            register_options: serde_json::to_value(
                lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers },
            )
            .ok(),
        };
        self.next_request += 1;
        let request = Request::new(
            RequestId::from(format!("flowctl-{}", self.next_request)),
            "client/registerCapability".to_string(),
            lsp_types::RegistrationParams {
                registrations: vec![registration],
            },
        );
        self.send(request);
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic".to_string()
    }
}

/// Long-lived threads running jobs in order: the workers for requests, and
/// the one build thread. A build thread that lives on keeps its allocator's
/// pages warm from one revision to the next (a new thread per build paid
/// for fresh zeroed pages every time), and the previous analysis is
/// dropped there too, off the main loop.
struct Pool {
    jobs: Sender<Box<dyn FnOnce() + Send>>,
}

impl Pool {
    fn new(name: &str, workers: usize, stack_size: usize) -> Pool {
        let (jobs, queue) = crossbeam_channel::unbounded::<Box<dyn FnOnce() + Send>>();
        for index in 0..workers {
            let queue = queue.clone();
            let _ = std::thread::Builder::new()
                .name(format!("{name}-{index}"))
                .stack_size(stack_size)
                .spawn(move || {
                    for job in queue {
                        job();
                    }
                });
        }
        Pool { jobs }
    }

    fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        let _ = self.jobs.send(Box::new(job));
    }
}
