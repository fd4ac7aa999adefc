//! Previews in the editor (issue #9, `flowctl/preview`) as plain data: runs
//! `runtime::preview` on an analysis' build (the editor's unsaved state) and
//! places what it returns (transforms at their definitions, a failure at the
//! lambda position that threw, as `flowctl test` reports it). The caller
//! owns the lambda host (QuickJS is not `Send`: one thread owns it) and the
//! cancellation; `lsp` converts the file ranges to protocol positions.

use std::time::Duration;

use load::Loaded;
use runtime::engine::Plan;
use runtime::lambda::QuickJsConfig;
use runtime::preview::PreviewRun;
use serde_json::Value;
use url::Url;

use crate::{Analysis, FileRange};

// What the server needs of the runtime (so it does not depend on it).
pub use runtime::engine::Lambdas;
pub use runtime::lambda::StopFlag;
pub use runtime::preview::{PreviewError, PreviewRequest};

/// A lambda host whose calls stop after `time_limit` (the `lambdaTimeout`
/// setting) or while `stop` is set.
#[allow(clippy::result_large_err)] // `runtime::preview::PreviewError`, as the runtime returns it.
pub fn lambda_host(time_limit: Duration, stop: StopFlag) -> Result<Lambdas, PreviewError> {
    Lambdas::quickjs(QuickJsConfig {
        time_limit,
        stop,
        ..QuickJsConfig::default()
    })
    .map_err(PreviewError::Host)
}

/// What a preview published, run by run.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub collection: String,
    pub runs: Vec<Run>,
}

/// One run: a feeding test's ingests, or the given documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub test: Option<String>,
    /// Milliseconds, to a tenth.
    pub duration_ms: f64,
    pub transforms: Vec<Transform>,
    pub published: Vec<Value>,
    pub reduced: Vec<Value>,
    pub error: Option<RunError>,
    /// `(level, text)` of what the lambdas printed.
    pub console: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transform {
    pub name: String,
    /// The transform's name key.
    pub location: Option<FileRange>,
    pub reads: Vec<Read>,
}

/// One document a transform read, with what its lambdas made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub source: Value,
    pub published: Vec<Value>,
    pub register_before: Value,
    pub register_after: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunError {
    pub message: String,
    pub location: Option<FileRange>,
}

/// Longest failure message kept (as `flowctl preview` prints it).
const MAX_MESSAGE: usize = 20_000;

/// Previews `request.collection` in the build that holds `file` (any root's
/// when `file` is `None` or in none of them) and defines the collection.
#[allow(clippy::result_large_err)] // `runtime::preview::PreviewError`, as the runtime returns it.
pub fn preview(
    analysis: &Analysis,
    file: Option<&Url>,
    request: &PreviewRequest,
    lambdas: &mut Lambdas,
    cancelled: &dyn Fn() -> bool,
) -> Result<Preview, PreviewError> {
    let mut builds: Vec<_> = match file {
        Some(file) => analysis.builds_of(file).collect(),
        None => Vec::new(),
    };
    if builds.is_empty() {
        builds = analysis.roots().iter().map(AsRef::as_ref).collect();
    }
    let build = builds
        .iter()
        .find(|build| {
            build
                .loaded
                .catalog
                .collection(&request.collection)
                .is_some()
        })
        .or(builds.first())
        .ok_or_else(|| PreviewError::UnknownCollection(request.collection.clone()))?;
    // A catalog with errors is refused before anything else (its model may
    // lack the collection the user is fixing).
    let mut errors = (build.loaded.diagnostics.iter())
        .chain(&build.diagnostics)
        .filter(|d| d.is_error());
    if let Some(first) = errors.next() {
        return Err(PreviewError::CatalogErrors {
            count: 1 + errors.count(),
            first: first.clone(),
        });
    }
    let loaded = &build.loaded;
    let plan = Plan::build(&loaded.catalog, &loaded.schemas).map_err(PreviewError::Host)?;
    let preview = runtime::preview::preview(
        &plan,
        &loaded.catalog,
        &build.diagnostics,
        lambdas,
        request,
        cancelled,
    )?;
    // A lambda stopped by a cancellation fails its run: not an answer.
    if cancelled() {
        return Err(PreviewError::Cancelled);
    }
    Ok(Preview {
        collection: preview.collection,
        runs: preview
            .runs
            .into_iter()
            .map(|run| placed(loaded, run))
            .collect(),
    })
}

fn placed(loaded: &Loaded, run: PreviewRun) -> Run {
    let error = run.failure.as_ref().map(|failure| RunError {
        message: runtime::shorten::shorten(failure.to_string(), MAX_MESSAGE),
        location: crate::test_report::failure_location_of(loaded, failure)
            .map(|(file, range)| FileRange { file, range }),
    });
    Run {
        test: run.test,
        duration_ms: (run.duration.as_secs_f64() * 1e4).round() / 10.0,
        transforms: run
            .transforms
            .into_iter()
            .map(|transform| Transform {
                location: loaded.locate(&transform.scope, true).map(|at| FileRange {
                    file: at.resource,
                    range: at.range,
                }),
                name: transform.transform,
                reads: transform
                    .reads
                    .into_iter()
                    .map(|read| Read {
                        source: read.document,
                        published: read.published,
                        register_before: read.register_before,
                        register_after: read.register_after,
                    })
                    .collect(),
            })
            .collect(),
        published: run.published,
        reduced: run.reduced,
        error,
        console: run
            .console
            .into_iter()
            .map(|entry| (entry.level.as_str().to_owned(), entry.text))
            .collect(),
    }
}

#[cfg(test)]
mod tests;
