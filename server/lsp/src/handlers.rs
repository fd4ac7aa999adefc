//! Requests, run on worker threads against one revision's `ide::Analysis`:
//! which methods exist, what each advertises, and the dispatch to one
//! function per method (grouped by area in `handlers/`). A handler turns protocol positions
//! into offsets, asks `ide`, and turns the plain-data answer back.

use lsp_server::{ErrorCode, Request, Response};
use lsp_types::ServerCapabilities;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use ide::{Analysis, FilePosition};

use crate::from_proto::{self, Encoding};
use crate::lsp_ext;

/// What a request handler reads.
pub struct Snapshot {
    pub analysis: Analysis,
    pub encoding: Encoding,
    /// The client expands snippets in completions.
    pub snippets: bool,
    pub test_requests: bool,
    /// The preview thread (for the `flowctl.preview` command).
    pub previewer: crate::preview::Previewer,
}

/// A request failure to answer with.
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
}

impl Failure {
    pub fn invalid_params(message: impl Into<String>) -> Failure {
        Failure {
            code: ErrorCode::InvalidParams,
            message: message.into(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Failure {
        Failure {
            code: ErrorCode::RequestFailed,
            message: message.into(),
        }
    }
}

mod editing;
mod navigation;
mod symbols;
mod testing;

type Handler = fn(&Snapshot, Value) -> Result<Value, Failure>;

/// The requests served, by method: a fixed table, looked up per request.
const TABLE: &[(&str, Handler)] = &[
    (lsp_ext::STATUS, status),
    // The main loop hands `flowctl/preview` to the preview thread
    // (`Server::dispatch`); this entry makes it known.
    (lsp_ext::PREVIEW, |snapshot, params| {
        crate::preview::command(snapshot, vec![params])
    }),
    (lsp_ext::LAMBDA_DOCUMENT, editing::lambda_document),
    ("textDocument/completion", editing::completion),
    ("textDocument/hover", editing::hover),
    ("textDocument/codeAction", editing::code_actions),
    ("textDocument/definition", navigation::definition),
    ("textDocument/references", navigation::references),
    ("textDocument/prepareRename", navigation::prepare_rename),
    ("textDocument/rename", navigation::rename),
    ("textDocument/documentSymbol", symbols::document_symbols),
    ("workspace/symbol", symbols::workspace_symbols),
    ("textDocument/foldingRange", symbols::folding_ranges),
    ("textDocument/selectionRange", symbols::selection_ranges),
    ("textDocument/codeLens", testing::code_lenses),
    (lsp_ext::DISCOVER_TESTS, testing::discover_tests),
    ("workspace/executeCommand", testing::execute_command),
];

/// Served only to the test client, which asks for it to check panic recovery.
const TEST_TABLE: &[(&str, Handler)] = &[(lsp_ext::INTERNAL_PANIC, |_, _| {
    panic!("flowctl/internalPanic was asked to panic")
})];

/// The handler of `method`, if it is served.
fn handler(method: &str, test_requests: bool) -> Option<Handler> {
    let tests: &[(&str, Handler)] = if test_requests { TEST_TABLE } else { &[] };
    TABLE
        .iter()
        .chain(tests)
        .find(|(name, _)| *name == method)
        .map(|(_, handler)| *handler)
}

/// Sets the capabilities of the requests served.
pub fn advertise(capabilities: &mut ServerCapabilities) {
    use lsp_types::{
        FoldingRangeProviderCapability, OneOf, RenameOptions, SelectionRangeProviderCapability,
    };
    capabilities.completion_provider = Some(lsp_types::CompletionOptions {
        trigger_characters: Some(["/", "#", "\""].map(str::to_string).to_vec()),
        ..Default::default()
    });
    capabilities.hover_provider = Some(lsp_types::HoverProviderCapability::Simple(true));
    capabilities.code_action_provider = Some(lsp_types::CodeActionProviderCapability::Options(
        lsp_types::CodeActionOptions {
            code_action_kinds: Some(vec![lsp_types::CodeActionKind::QUICKFIX]),
            ..Default::default()
        },
    ));
    capabilities.definition_provider = Some(OneOf::Left(true));
    capabilities.references_provider = Some(OneOf::Left(true));
    capabilities.rename_provider = Some(OneOf::Right(RenameOptions {
        prepare_provider: Some(true),
        work_done_progress_options: Default::default(),
    }));
    capabilities.document_symbol_provider = Some(OneOf::Left(true));
    capabilities.workspace_symbol_provider = Some(OneOf::Left(true));
    capabilities.folding_range_provider = Some(FoldingRangeProviderCapability::Simple(true));
    capabilities.selection_range_provider = Some(SelectionRangeProviderCapability::Simple(true));
    capabilities.code_lens_provider = Some(lsp_types::CodeLensOptions {
        resolve_provider: Some(false),
    });
    capabilities.execute_command_provider = Some(lsp_types::ExecuteCommandOptions {
        commands: lsp_ext::COMMANDS.iter().map(|c| c.to_string()).collect(),
        work_done_progress_options: Default::default(),
    });
}

pub fn is_known(method: &str, test_requests: bool) -> bool {
    handler(method, test_requests).is_some()
}

/// The document a request is about (`params.textDocument.uri`), if any.
pub fn document_of(params: &Value) -> Option<Url> {
    let uri = params.get("textDocument")?.get("uri")?.as_str()?;
    Url::parse(uri).ok()
}

/// The command of a `workspace/executeCommand` request.
pub fn command_of(request: &Request) -> Option<&str> {
    if request.method != "workspace/executeCommand" {
        return None;
    }
    request.params.get("command")?.as_str()
}

pub fn handle(snapshot: &Snapshot, request: Request) -> Response {
    let Some(handler) = handler(&request.method, snapshot.test_requests) else {
        let message = format!("unknown request {}", request.method);
        return Response::new_err(request.id, ErrorCode::MethodNotFound as i32, message);
    };
    response(request.id, handler(snapshot, request.params))
}

/// The response to request `id` that a handler's answer makes.
pub fn response(id: lsp_server::RequestId, answer: Result<Value, Failure>) -> Response {
    match answer {
        Ok(value) => Response::new_ok(id, value),
        Err(failure) => Response::new_err(id, failure.code as i32, failure.message),
    }
}

/// Reads a request's parameters.
pub fn params<P: DeserializeOwned>(params: Value) -> Result<P, Failure> {
    serde_json::from_value(params)
        .map_err(|error| Failure::invalid_params(format!("invalid parameters: {error}")))
}

/// Serialises a result.
pub fn result<R: Serialize>(result: R) -> Result<Value, Failure> {
    serde_json::to_value(result)
        .map_err(|error| Failure::failed(format!("cannot encode the result: {error}")))
}

/// A text document position as a file and byte offset of the analysis'
/// text (clamped). A file the analysis does not know is an error the user
/// can read.
pub fn file_position(
    snapshot: &Snapshot,
    position: &lsp_types::TextDocumentPositionParams,
) -> Result<FilePosition, Failure> {
    let file = from_proto::url(&position.text_document.uri).map_err(Failure::invalid_params)?;
    let view = snapshot
        .analysis
        .file(&file)
        .ok_or_else(|| Failure::failed(format!("{file} is not part of any catalog")))?;
    let offset = from_proto::offset(
        view.text,
        view.line_index,
        position.position,
        snapshot.encoding,
    );
    Ok(FilePosition { file, offset })
}

fn status(snapshot: &Snapshot, _: Value) -> Result<Value, Failure> {
    let analysis = &snapshot.analysis;
    let all = analysis.diagnostics().values().flatten();
    let (mut errors, mut warnings) = (0, 0);
    for diagnostic in all {
        match diagnostic.severity {
            model::Severity::Error => errors += 1,
            model::Severity::Warning => warnings += 1,
            _ => {}
        }
    }
    result(lsp_ext::Status {
        revision: analysis.revision(),
        roots: analysis
            .roots()
            .iter()
            .map(|build| build.root.to_string())
            .collect(),
        files: analysis.files().count(),
        errors,
        warnings,
    })
}
