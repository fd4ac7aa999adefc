//! Requests of ours beyond the protocol.
//!
//! * `flowctl/status` (no parameters): the revision analysed, its root
//!   catalogs, how many files it covers and how many diagnostics it has
//!   (for a status line; answered once the current revision is built).
//! * `flowctl/preview` (`{uri?, collection, inputs?}`, [`PreviewParams`]):
//!   runs a derivation on the editor's unsaved state, on the preview thread
//!   (`crate::preview`), on the ingests of each test that feeds it or on
//!   the given documents per captured collection → [`Preview`]: per run the
//!   test (`null` for inputs), `durationMs`, per transform its reads
//!   (`source`, `published`, `registerBefore`, `registerAfter`) at the
//!   transform's name key, the documents published and reduced, an `error`
//!   (`message`, `uri`, `range`: where the lambda threw, as `flowctl test`
//!   places it) and the lambdas' `console` lines. Each lambda call is
//!   limited by the `lambdaTimeout` setting; `$/cancelRequest` and a newer
//!   revision stop it, a running lambda included (answers
//!   `RequestCancelled` and `ContentModified`). Refusals (unknown or captured collection, "no input
//!   documents for …", catalog errors) are `RequestFailed` with
//!   `runtime::PreviewError`'s text. The `flowctl.preview` command gives the
//!   same answer (`crate::preview::command`).
//! * `flowctl/lambdaDocument` (`TextDocumentPositionParams`): `null` outside
//!   a `nodeJS` lambda of a transform, else [`LambdaDocument`]: the
//!   TypeScript text (declarations of `source`/`register`/`previous` as
//!   `flowctl typegen` writes them, dependencies as `declare const`, then
//!   the body as its `async function`), the body's `range` in the YAML, and
//!   per body line where it starts in the YAML (`lines`).
//! * `flowctl/internalPanic` (only with `Options::test_requests`): panics on
//!   a worker, so tests can check that a handler's panic answers
//!   `InternalError` and the server goes on.

pub const INTERNAL_PANIC: &str = "flowctl/internalPanic";

pub const STATUS: &str = "flowctl/status";

/// The answer to `flowctl/status`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub revision: u64,
    pub roots: Vec<String>,
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
}

pub const PREVIEW: &str = "flowctl/preview";

/// `flowctl/preview` parameters (also the `flowctl.preview` command's one
/// argument, without `inputs`).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewParams {
    /// The file whose build is used (any root's when absent).
    pub uri: Option<String>,
    pub collection: String,
    /// Documents per captured collection, ingested in this order.
    pub inputs: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The answer to `flowctl/preview`.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub collection: String,
    pub runs: Vec<PreviewRun>,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRun {
    /// The feeding test, `null` for given inputs.
    pub test: Option<String>,
    pub duration_ms: f64,
    pub transforms: Vec<PreviewTransform>,
    pub published: Vec<serde_json::Value>,
    pub reduced: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<PreviewFailure>,
    pub console: Vec<ConsoleLine>,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewTransform {
    pub name: String,
    pub uri: String,
    pub range: lsp_types::Range,
    pub reads: Vec<PreviewRead>,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRead {
    pub source: serde_json::Value,
    pub published: Vec<serde_json::Value>,
    pub register_before: serde_json::Value,
    pub register_after: serde_json::Value,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewFailure {
    pub message: String,
    pub uri: String,
    pub range: lsp_types::Range,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleLine {
    pub level: String,
    pub message: String,
}

pub const LAMBDA_DOCUMENT: &str = "flowctl/lambdaDocument";

/// The answer to `flowctl/lambdaDocument` (`null` outside a lambda).
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LambdaDocument {
    pub text: String,
    pub range: lsp_types::Range,
    pub lines: Vec<LambdaLine>,
}

/// Generated line `generated_line`, column `c` is the YAML's line `line`,
/// column `character + c`.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LambdaLine {
    pub generated_line: u32,
    pub line: u32,
    pub character: u32,
}
