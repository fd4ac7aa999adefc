//! The preview thread (`flowctl/preview`, the `flowctl.preview` command):
//! one long-lived thread owns the QuickJS host (it is not `Send`) and runs
//! previews one at a time, off the main loop and off the request workers.
//! Each job carries the analysis of the revision it was asked at, a flag
//! `$/cancelRequest` sets ([`Previewer::cancel`]) and that revision's
//! cancellation; the runtime asks both between steps. Cancelling the
//! running job also sets the host's `StopFlag`, which stops a lambda in the
//! middle of a call (an endless loop ends at once, not at its time limit).
//! Each lambda call is bounded by the `lambdaTimeout` setting (the host is
//! rebuilt when the setting changes).
//! The answer goes to the job's reply: the main loop's task channel for the
//! request, a channel the caller waits on for the command.

use std::sync::{Arc, Mutex};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::Sender;
use ide::preview::{Lambdas, PreviewError, PreviewRequest, StopFlag};
use ide::{Analysis, Cancellation, FileRange};
use lsp_server::ErrorCode;
use serde_json::Value;

use crate::from_proto::Encoding;
use crate::handlers::{self, Failure, Snapshot};
use crate::lsp_ext;
use crate::to_proto;

/// One preview to run.
pub struct Job {
    pub analysis: Analysis,
    pub encoding: Encoding,
    /// `flowctl/preview`'s parameters.
    pub params: Value,
    /// Set by `$/cancelRequest`.
    pub cancelled: Arc<AtomicBool>,
    /// The revision the job was asked at.
    pub revision: Cancellation,
    pub reply: Box<dyn FnOnce(Result<Value, Failure>) + Send>,
}

/// The handle of the preview thread (cheap to clone).
#[derive(Clone)]
pub struct Previewer {
    jobs: Sender<Job>,
    running: Arc<Running>,
}

/// Which job runs, and the host's stop flag; one lock orders a cancel
/// against a job's start and end.
#[derive(Default)]
struct Running {
    job: Mutex<Option<Arc<AtomicBool>>>,
    stop: StopFlag,
}

impl Previewer {
    /// Starts the preview thread; it ends when every handle is dropped.
    pub fn start() -> Previewer {
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        let running = Arc::new(Running::default());
        let thread_running = Arc::clone(&running);
        let _ = std::thread::Builder::new()
            .name("flowctl-preview".to_owned())
            .stack_size(32 * 1024 * 1024)
            .spawn(move || {
                let running = thread_running;
                let mut host: Option<(Duration, Lambdas)> = None;
                for job in queue {
                    running.begin(&job.cancelled);
                    run(&mut host, &running.stop, job);
                    running.end();
                }
            });
        Previewer { jobs, running }
    }

    /// Cancels the job of this flag (set by `submit`'s caller): stops its
    /// lambda now when it is the running one.
    pub fn cancel(&self, cancelled: &AtomicBool) {
        let job = self.running.lock();
        cancelled.store(true, Ordering::Release);
        if job
            .as_ref()
            .is_some_and(|running| std::ptr::eq(Arc::as_ptr(running), cancelled))
        {
            self.running.stop.set(true);
        }
    }

    pub fn submit(&self, job: Job) {
        if let Err(error) = self.jobs.send(job) {
            (error.0.reply)(Err(Failure::failed("the preview thread has stopped")));
        }
    }
}

impl Running {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<AtomicBool>>> {
        self.job.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn begin(&self, cancelled: &Arc<AtomicBool>) {
        let mut job = self.lock();
        *job = Some(Arc::clone(cancelled));
        self.stop.set(cancelled.load(Ordering::Acquire));
    }

    fn end(&self) {
        let mut job = self.lock();
        *job = None;
        self.stop.set(false);
    }
}

/// The `flowctl.preview` command (arguments `[{uri, collection}]`): the
/// same answer as the request, waited for on the calling worker.
pub fn command(snapshot: &Snapshot, arguments: Vec<Value>) -> Result<Value, Failure> {
    let params = arguments
        .into_iter()
        .next()
        .ok_or_else(|| Failure::invalid_params("flowctl.preview takes [{uri, collection}]"))?;
    let (sender, receiver) = crossbeam_channel::bounded(1);
    snapshot.previewer.submit(Job {
        analysis: snapshot.analysis.clone(),
        encoding: snapshot.encoding,
        params,
        cancelled: Arc::new(AtomicBool::new(false)),
        revision: Cancellation::never(),
        reply: Box::new(move |answer| {
            let _ = sender.send(answer);
        }),
    });
    receiver
        .recv()
        .unwrap_or_else(|_| Err(Failure::failed("the preview thread has stopped")))
}

fn run(host: &mut Option<(Duration, Lambdas)>, stop: &StopFlag, job: Job) {
    let Job {
        analysis,
        encoding,
        params,
        cancelled,
        revision,
        reply,
    } = job;
    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        answer(host, stop, &analysis, encoding, params, &cancelled, &revision)
    }))
    .unwrap_or_else(|_| {
        // The host may be half-way through something: start afresh.
        *host = None;
        Err(Failure {
            code: ErrorCode::InternalError,
            message: "internal error in flowctl/preview".to_owned(),
        })
    });
    reply(answer);
}

fn answer(
    host: &mut Option<(Duration, Lambdas)>,
    stop: &StopFlag,
    analysis: &Analysis,
    encoding: Encoding,
    params: Value,
    cancelled: &AtomicBool,
    revision: &Cancellation,
) -> Result<Value, Failure> {
    let params: lsp_ext::PreviewParams = handlers::params(params)?;
    let file = match &params.uri {
        Some(uri) => Some(
            url::Url::parse(uri)
                .map_err(|error| Failure::invalid_params(format!("invalid uri {uri}: {error}")))?,
        ),
        None => None,
    };
    let request = PreviewRequest {
        collection: params.collection,
        inputs: params
            .inputs
            .unwrap_or_default()
            .into_iter()
            .map(|(collection, documents)| match documents {
                Value::Array(documents) => Ok((collection, documents)),
                _ => Err(Failure::invalid_params(format!(
                    "inputs.{collection} must be an array of documents"
                ))),
            })
            .collect::<Result<_, _>>()?,
    };
    let time_limit = analysis.config().lambda_timeout;
    if host.as_ref().is_none_or(|(limit, _)| *limit != time_limit) {
        let lambdas =
            ide::preview::lambda_host(time_limit, stop.clone()).map_err(|error| Failure::failed(error.to_string()))?;
        *host = Some((time_limit, lambdas));
    }
    let Some((_, lambdas)) = host.as_mut() else {
        return Err(Failure::failed("the lambda host could not start"));
    };
    let stop = || cancelled.load(Ordering::Acquire) || revision.is_cancelled();
    let preview = match ide::preview::preview(analysis, file.as_ref(), &request, lambdas, &stop) {
        Ok(preview) => preview,
        Err(PreviewError::Cancelled) if cancelled.load(Ordering::Acquire) => {
            return Err(Failure {
                code: ErrorCode::RequestCanceled,
                message: "cancelled".to_owned(),
            });
        }
        Err(PreviewError::Cancelled) => {
            return Err(Failure {
                code: ErrorCode::ContentModified,
                message: "the workspace changed during the preview".to_owned(),
            });
        }
        Err(error @ PreviewError::Host(_)) => {
            *host = None;
            return Err(Failure::failed(error.to_string()));
        }
        Err(error) => return Err(Failure::failed(error.to_string())),
    };
    let place = |at: &Option<FileRange>| -> (String, lsp_types::Range) {
        match at {
            Some(at) => {
                let location = to_proto::location(analysis, at, encoding);
                (location.uri.as_str().to_owned(), location.range)
            }
            None => (String::new(), lsp_types::Range::default()),
        }
    };
    let answer = lsp_ext::Preview {
        collection: preview.collection,
        runs: preview
            .runs
            .into_iter()
            .map(|run| lsp_ext::PreviewRun {
                test: run.test,
                duration_ms: run.duration_ms,
                transforms: run
                    .transforms
                    .into_iter()
                    .map(|transform| {
                        let (uri, range) = place(&transform.location);
                        lsp_ext::PreviewTransform {
                            name: transform.name,
                            uri,
                            range,
                            reads: transform
                                .reads
                                .into_iter()
                                .map(|read| lsp_ext::PreviewRead {
                                    source: read.source,
                                    published: read.published,
                                    register_before: read.register_before,
                                    register_after: read.register_after,
                                })
                                .collect(),
                        }
                    })
                    .collect(),
                published: run.published,
                reduced: run.reduced,
                error: run.error.map(|error| {
                    let (uri, range) = place(&error.location);
                    lsp_ext::PreviewFailure {
                        message: error.message,
                        uri,
                        range,
                    }
                }),
                console: run
                    .console
                    .into_iter()
                    .map(|(level, message)| lsp_ext::ConsoleLine { level, message })
                    .collect(),
            })
            .collect(),
    };
    handlers::result(answer)
}
