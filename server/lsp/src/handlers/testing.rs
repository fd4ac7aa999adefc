//! Tests in the editor: code lenses, `flowctl/discoverTests`, the
//! `workspace/executeCommand`s a worker answers (`flowctl.preview`; test
//! runs go to the runtime thread, see `runs`), and the "accept actual"
//! quick fix of a `T1` diagnostic, over `ide::catalog_tests`.

use ide::catalog_tests::{self, LensKind};
use lsp_types::{CodeActionOrCommand, CodeLens, CodeLensParams, Command};
use serde_json::{Value, json};

use super::{Failure, Snapshot, params, result};
use crate::{from_proto, lsp_ext, to_proto};

pub fn code_lenses(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: CodeLensParams = params(raw)?;
    let file = from_proto::url(&request.text_document.uri).map_err(Failure::invalid_params)?;
    let Some(view) = snapshot.analysis.file(&file) else {
        return result(Vec::<CodeLens>::new());
    };
    let uri = file.as_str();
    let lenses: Vec<CodeLens> = catalog_tests::lenses(&snapshot.analysis, &file)
        .into_iter()
        .map(|lens| {
            let (title, command, argument) = match lens.kind {
                LensKind::RunAll => ("▶ Run all tests", lsp_ext::RUN_TESTS, json!({"uri": uri})),
                LensKind::RunTest(name) => (
                    "▶ Run test",
                    lsp_ext::RUN_TESTS,
                    json!({"uri": uri, "tests": [name]}),
                ),
                LensKind::Preview(collection) => (
                    "Preview",
                    lsp_ext::PREVIEW_COMMAND,
                    json!({"uri": uri, "collection": collection}),
                ),
            };
            CodeLens {
                range: to_proto::range(view.text, view.line_index, lens.range, snapshot.encoding),
                command: Some(Command {
                    title: title.to_string(),
                    command: command.to_string(),
                    arguments: Some(vec![argument]),
                }),
                data: None,
            }
        })
        .collect();
    result(lenses)
}

pub fn discover_tests(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: lsp_ext::DiscoverTestsParams = if raw.is_null() {
        Default::default()
    } else {
        params(raw)?
    };
    let file = match request.uri.as_deref() {
        Some(uri) => Some(url::Url::parse(uri).map_err(|e| Failure::invalid_params(e.to_string()))?),
        None => None,
    };
    let analysis = &snapshot.analysis;
    let tests = catalog_tests::discover(analysis, file.as_ref())
        .into_iter()
        .filter_map(|test| {
            let view = analysis.file(&test.file)?;
            let range = |range| to_proto::range(view.text, view.line_index, range, snapshot.encoding);
            Some(lsp_ext::DiscoveredTest {
                uri: test.file.to_string(),
                range: range(test.range),
                selection_range: range(test.selection),
                steps: test
                    .steps
                    .into_iter()
                    .map(|step| lsp_ext::DiscoveredStep {
                        index: step.index,
                        kind: step.kind.to_string(),
                        collection: step.collection,
                        range: range(step.range),
                    })
                    .collect(),
                name: test.name,
            })
        })
        .collect();
    result(lsp_ext::DiscoverTestsResult { tests })
}

/// The commands a worker answers. `flowctl.runTests` and
/// `flowctl.cancelTests` never get here (the main loop takes them).
pub fn execute_command(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: lsp_types::ExecuteCommandParams = params(raw)?;
    match request.command.as_str() {
        lsp_ext::PREVIEW_COMMAND => {
            let argument = request.arguments.into_iter().next().unwrap_or(Value::Null);
            preview(snapshot, argument)
        }
        other => Err(Failure::invalid_params(format!("unknown command {other}"))),
    }
}

/// `flowctl.preview`: the derivation run on its feeding tests' ingests.
/// (Minimal glue over `runtime::preview`; `flowctl/preview` is its full
/// form, and this command answers with it once that exists.)
fn preview(snapshot: &Snapshot, argument: Value) -> Result<Value, Failure> {
    use runtime::engine::{Lambdas, Plan};
    let collection = argument["collection"]
        .as_str()
        .ok_or_else(|| Failure::invalid_params("flowctl.preview needs a collection"))?;
    let analysis = &snapshot.analysis;
    let build = argument["uri"]
        .as_str()
        .and_then(|uri| url::Url::parse(uri).ok())
        .and_then(|file| analysis.build_of(&file))
        .or_else(|| analysis.roots().first())
        .ok_or_else(|| Failure::failed("no catalog is open"))?;
    let loaded = &build.loaded;
    let plan =
        Plan::build(&loaded.catalog, &loaded.schemas).map_err(|e| Failure::failed(e.to_string()))?;
    let mut lambdas = Lambdas::quickjs(runtime::lambda::QuickJsConfig {
        time_limit: analysis.config().lambda_timeout,
        ..Default::default()
    })
    .map_err(|e| Failure::failed(e.to_string()))?;
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(build.diagnostics.iter().cloned());
    let request = runtime::preview::PreviewRequest {
        collection: collection.to_string(),
        inputs: Vec::new(),
    };
    let preview = runtime::preview::preview(
        &plan,
        &loaded.catalog,
        &diagnostics,
        &mut lambdas,
        &request,
        &|| false,
    )
    .map_err(|error| Failure::failed(error.to_string()))?;
    let runs: Vec<Value> = preview
        .runs
        .iter()
        .map(|run| {
            json!({
                "test": run.test,
                "durationMs": run.duration.as_secs_f64() * 1e3,
                "transforms": [],
                "published": run.published,
                "reduced": run.reduced,
                "console": [],
            })
        })
        .collect();
    result(json!({"collection": preview.collection, "runs": runs}))
}

/// "Accept the actual documents" for each `T1` diagnostic of the request
/// that carries them.
pub fn accept_actual_actions(
    snapshot: &Snapshot,
    file: &url::Url,
    diagnostics: &[lsp_types::Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let mut seen = std::collections::HashSet::new();
    diagnostics
        .iter()
        .filter(|diagnostic| {
            diagnostic.code == Some(lsp_types::NumberOrString::String("T1".to_string()))
        })
        .filter_map(|diagnostic| {
            let accept = diagnostic.data.as_ref()?.get("acceptActual")?;
            let pointer = accept.get("pointer")?.as_str()?;
            // Several documents of one step: one fix.
            if !seen.insert(pointer.to_string()) {
                return None;
            }
            let actual = accept.get("actual")?.as_array()?;
            let edit = catalog_tests::accept_actual(&snapshot.analysis, file, pointer, actual)?;
            let mut change = ide::SourceChange::default();
            change.edits.insert(file.clone(), vec![edit]);
            Some(CodeActionOrCommand::CodeAction(lsp_types::CodeAction {
                title: "Accept the actual documents".to_string(),
                kind: Some(lsp_types::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(super::navigation::workspace_edit(snapshot, &change)),
                command: None,
                is_preferred: Some(true),
                disabled: None,
                data: None,
            }))
        })
        .collect()
}
