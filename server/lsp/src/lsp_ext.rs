//! Requests, commands and notifications of ours beyond the protocol (the
//! editor protocol of issue #9; positions are LSP ranges in the negotiated
//! encoding, `uri`s are file URIs, fields camelCase).
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
//!   revision stop it between steps (answers `RequestCancelled` and
//!   `ContentModified`). Refusals (unknown or captured collection, "no input
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
//! * `flowctl/discoverTests`, params `{ uri?: string }` (absent: the whole
//!   workspace; else the tests that file defines) → `{ tests: [{ name, uri,
//!   range /* name key..end of its steps */, selectionRange /* name key */,
//!   steps: [{ index, kind: "ingest" | "verify", collection, range }] }] }`
//!   in run order. Answered once the current revision is built.
//! * `flowctl/testResults` (server → client) `{ runId, state: "started" |
//!   "running" | "finished" | "cancelled", results: [{ name, uri, range,
//!   status: "passed" | "failed", durationMs, message?, failure?: { uri,
//!   range, step, expected?, actual? }, trace? }] }`: one `started` (no
//!   results), one `running` per finished test (its result), then one
//!   `finished` (every result) or `cancelled` (the results so far). `trace`
//!   is the per-step trace of `flowctl test --trace --format json`.
//!   (A test stopped by a cancel has no result: `status: "cancelled"` of
//!   the protocol never occurs per test, only as the run's state.)
//!
//! Commands (`workspace/executeCommand`, advertised):
//!
//! * `flowctl.runTests`, arguments `[{ uri?: string, tests?: string[] }]`:
//!   runs the tests of the builds holding `uri` (every root's without it),
//!   those named in `tests` only (exact names), on the runtime thread
//!   against the revision current when the command arrived. Answers the
//!   object `flowctl test --trace --format json` prints (`tests`, `passed`,
//!   `failed`; paths relative to the first workspace folder, ranges in the
//!   negotiated encoding) plus `status` (`passed`, `failed` or `cancelled`)
//!   and `runId`. A catalog with errors is refused (`RequestFailed`, "the
//!   catalog has N errors; the first, at FILE:LINE:COL: CODE: MESSAGE"). A
//!   second run cancels the first (which answers `status: "cancelled"`);
//!   `$/cancelRequest` of the command stops its run too.
//! * `flowctl.cancelTests`, arguments `[]`: cancels the running run
//!   (answers `null`).
//! * `flowctl.preview`, arguments `[{ uri, collection }]`: the answer of
//!   the `flowctl/preview` request.
//!
//! Code lenses (`textDocument/codeLens`, each with its command): `▶ Run all
//! tests` on line 0 of a file defining tests, `▶ Run test` on each test's
//! name key, `Preview` on each derivation's name.
//!
//! A failed verify step's documents get `T1` error diagnostics (published
//! with the file's build diagnostics; `data: { acceptActual: { pointer,
//! actual } }` feeds the quick fix "Accept the actual documents"); they go
//! when the test passes or the file's text changes.

pub const INTERNAL_PANIC: &str = "flowctl/internalPanic";

pub const STATUS: &str = "flowctl/status";

pub const DISCOVER_TESTS: &str = "flowctl/discoverTests";

pub const TEST_RESULTS: &str = "flowctl/testResults";

pub const RUN_TESTS: &str = "flowctl.runTests";

pub const CANCEL_TESTS: &str = "flowctl.cancelTests";

pub const PREVIEW_COMMAND: &str = "flowctl.preview";

/// Every command of ours.
pub const COMMANDS: [&str; 3] = [RUN_TESTS, CANCEL_TESTS, PREVIEW_COMMAND];

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

/// The argument of `flowctl.runTests`.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTestsArgs {
    pub uri: Option<String>,
    pub tests: Option<Vec<String>>,
}

/// The parameters of `flowctl/discoverTests`.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverTestsParams {
    pub uri: Option<String>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverTestsResult {
    pub tests: Vec<DiscoveredTest>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredTest {
    pub name: String,
    pub uri: String,
    pub range: lsp_types::Range,
    pub selection_range: lsp_types::Range,
    pub steps: Vec<DiscoveredStep>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredStep {
    pub index: usize,
    pub kind: String,
    pub collection: String,
    pub range: lsp_types::Range,
}

/// The parameters of `flowctl/testResults`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResults {
    pub run_id: u64,
    pub state: String,
    pub results: Vec<serde_json::Value>,
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
