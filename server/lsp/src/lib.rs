//! `flowctl lsp`: the language server. The only crate that speaks the
//! Language Server Protocol; everything it answers comes from `ide` as plain
//! data, so what the editor shows is what `flowctl lint` prints.
//!
//! Table of contents:
//! * [`server`]: the main loop, which owns the state, applies changes in
//!   arrival order, builds each revision on a build thread, runs requests on
//!   workers, cancels what is stale and publishes diagnostics.
//! * [`handlers`]: the requests, one module per method under `handlers/`.
//! * [`document`]: open documents on a rope, with incremental changes.
//! * [`from_proto`] / [`to_proto`]: URIs, positions in the negotiated
//!   encoding, diagnostics.
//! * [`capabilities`]: what client and server agree on at `initialize`.
//! * [`config`]: the `flowctl.*` settings.
//! * [`scan`]: the workspace's catalog files on disk.
//! * [`runs`]: test runs on the runtime thread (one at a time,
//!   cancellable), their `flowctl/testResults` and `T1` diagnostics.
//! * [`lsp_ext`]: requests, commands and notifications of ours beyond the
//!   protocol.
//! * [`preview`]: the preview thread, owner of the QuickJS host that
//!   `flowctl/preview` and the `flowctl.preview` command run on.

pub mod capabilities;
pub mod config;
pub mod document;
pub mod from_proto;
pub mod handlers;
pub mod lsp_ext;
pub mod runs;
pub mod preview;
pub mod scan;
pub mod server;
pub mod to_proto;

pub use server::{Options, run};

/// Serves a client on standard input and output until it says `exit`.
/// Returns whether the exit was clean (`shutdown` came first).
pub fn run_stdio(options: Options) -> Result<bool, String> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let clean = run(connection, options)?;
    io_threads
        .join()
        .map_err(|error| format!("the connection to the client failed: {error}"))?;
    Ok(clean)
}
