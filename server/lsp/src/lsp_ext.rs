//! Requests, commands and notifications of ours beyond the protocol (the
//! editor protocol of issue #9; positions are LSP ranges in the negotiated
//! encoding, `uri`s are file URIs, fields camelCase).
//!
//! * `flowctl/status` (no parameters): the revision analysed, its root
//!   catalogs, how many files it covers and how many diagnostics it has
//!   (for a status line; answered once the current revision is built).
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

pub const PREVIEW: &str = "flowctl.preview";

/// Every command of ours.
pub const COMMANDS: [&str; 3] = [RUN_TESTS, CANCEL_TESTS, PREVIEW];

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
