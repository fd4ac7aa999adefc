//! Requests of ours beyond the protocol.
//!
//! * `flowctl/status` (no parameters): the revision analysed, its root
//!   catalogs, how many files it covers and how many diagnostics it has
//!   (for a status line; answered once the current revision is built).
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
