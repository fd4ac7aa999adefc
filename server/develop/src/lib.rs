//! `flowctl develop`: the catalog running locally (issue #11). Documents
//! arrive over HTTP ([`server`]), go through the in-process runtime one
//! transaction at a time ([`pipeline`]: ingest, derivations, registers),
//! are logged durably with the registers ([`state`]) and materialized into
//! SQLite or PostgreSQL tables (the `materialize` crate). A restart resumes
//! from the stored log, registers and checkpoints; Ctrl-C stops accepting
//! requests, finishes those in flight and commits.

pub mod pipeline;
pub mod server;
pub mod state;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, mpsc};

use materialize::Target;
use runtime::engine::{Lambdas, Plan};

pub use pipeline::{Outcome, Pipeline, Request};

/// The target name of the develop database itself (SQLite).
pub const DEFAULT_TARGET: &str = "default";

/// The develop database's file name, in the working directory by default.
pub const DEFAULT_DATABASE: &str = "flowctl-develop.db";

/// Bodies larger than this are refused unless `--max-body` says otherwise.
pub const DEFAULT_MAX_BODY: usize = 64 * 1024 * 1024;

/// Makes the lambda host, on the pipeline thread (QuickJS is not `Send`).
pub type MakeLambdas = Box<dyn FnOnce() -> Result<Lambdas, String> + Send>;

/// Where progress lines go.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

pub struct Options {
    pub plan: Arc<Plan>,
    pub lambdas: MakeLambdas,
    /// The develop database (log, registers, checkpoints of the default target).
    pub database: PathBuf,
    /// Materialization targets by name (the catalog's and [`DEFAULT_TARGET`]).
    pub targets: BTreeMap<String, Target>,
    pub materialize: Vec<Request>,
    pub listen: SocketAddr,
    pub max_body: usize,
    pub log: Log,
}

/// Runs until Ctrl-C or `stop`: returns once every accepted request has been
/// answered and committed. Errors only when it cannot start.
pub fn run(
    options: Options,
    stop: Option<tokio::sync::oneshot::Receiver<()>>,
) -> Result<(), String> {
    let (jobs, queue) = mpsc::channel::<server::Job>();
    let (ready_sender, ready) = mpsc::channel::<Result<Vec<String>, String>>();
    let plan = options.plan.clone();
    let log = options.log.clone();
    let Options {
        lambdas,
        database,
        targets,
        materialize,
        ..
    } = options;
    let worker = std::thread::Builder::new()
        .name("develop-pipeline".to_owned())
        .spawn(move || {
            let opened = (|| {
                let lambdas = lambdas()?;
                let state = state::State::open(&database)?;
                Pipeline::open(&plan, lambdas, state, targets, &materialize)
            })();
            let mut pipeline = match opened {
                Ok((pipeline, notes)) => {
                    let _ = ready_sender.send(Ok(notes));
                    pipeline
                }
                Err(error) => {
                    let _ = ready_sender.send(Err(error));
                    return;
                }
            };
            while let Ok(job) = queue.recv() {
                match job {
                    server::Job::Ingest {
                        request,
                        batches,
                        reply,
                    } => {
                        let outcome = pipeline.ingest(request.as_deref(), &batches);
                        match &outcome {
                            Ok(outcome) if !outcome.repeated => log(&outcome.line()),
                            Ok(_) => {}
                            Err(error) => log(&format!("rejected: {error}")),
                        }
                        let _ = reply.send(outcome);
                    }
                    server::Job::Materialize { request, reply } => {
                        let outcome = pipeline.materialize(&request);
                        match &outcome {
                            Ok(keys) => log(&format!(
                                "materializing \"{}\" into table \"{}\" of {}: backfilled {keys} row(s)",
                                request.collection, request.table, request.target
                            )),
                            Err(error) => log(&format!("materialize refused: {error}")),
                        }
                        let _ = reply.send(outcome);
                    }
                }
            }
        })
        .map_err(|error| format!("cannot start the pipeline thread: {error}"))?;
    let notes = ready
        .recv()
        .map_err(|_| "the pipeline thread stopped".to_owned())
        .and_then(|ready| ready);
    let notes = match notes {
        Ok(notes) => notes,
        Err(error) => {
            let _ = worker.join();
            return Err(error);
        }
    };
    for note in notes {
        (options.log)(&note);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()
        .map_err(|error| format!("cannot start the HTTP runtime: {error}"))?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|error| format!("cannot listen on {}: {error}", options.listen))?;
        let address = listener
            .local_addr()
            .map_err(|error| format!("cannot listen on {}: {error}", options.listen))?;
        (options.log)(&format!("flowctl develop: listening on http://{address}"));
        let router = server::router(options.plan.clone(), jobs, options.max_body);
        let shutdown = async move {
            match stop {
                Some(stop) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = stop => {}
                    }
                }
                None => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        };
        server::serve(listener, router, shutdown)
            .await
            .map_err(|error| format!("the HTTP server failed: {error}"))
    });
    (options.log)("flowctl develop: stopping; finishing the accepted transactions");
    runtime.shutdown_background();
    let _ = worker.join();
    served
}
