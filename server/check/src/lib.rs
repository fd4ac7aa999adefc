//! Every build-time check of catalog.md §12 that loading does not already do
//! (the loader reports C1a, C1b, C2, C3 and C4). [`check`] runs them all over
//! a [`load::Loaded`] catalog and returns every independent mistake as a
//! [`model::Diagnostic`] with a scope (a resource URL and JSON Pointer); the
//! CLI and the language server map scopes to ranges with
//! [`load::Loaded::locate`]. Only C29 sets an exact range itself, because
//! its position lies inside a lambda body.
//!
//! Table of contents, one module per entity:
//! * [`collections`]: names (C5a–C5d), keys (C6a, C6b, C10, warning W1) and
//!   the collection schema.
//! * [`projections`]: projections and partitions (C6b, C10, C11a–C11c) and
//!   partition selectors (C25a–C25d).
//! * [`derivations`]: registers (C26, C27), transforms (C12–C24), cycles
//!   (C16); with [`lambdas`] for C28a–C28c and C29.
//! * [`dependencies`]: NPM packages (C30).
//! * [`targets`]: materialization targets (C31a, C31b).
//! * [`catalog_tests`]: tests and their steps (C12, C13, C25, C32a–C32e).
//! * [`schemas`]: schemas where entities use them (C7, C8a–C8g, C9, C10),
//!   with the per-build cache of shapes and validators.
//! * [`context`]: the state shared by one run: name lookup, import
//!   visibility (§4), diagnostics.
//! * [`memo`]: shapes, validators and schema problems kept across builds,
//!   keyed by the documents they read ([`check_with`]).
//! * [`units`]: each entity's check results kept across builds with what
//!   they read, replayed while every read gives the same answer.
//! * [`warm`]: a second thread filling the memo for a cold check
//!   ([`check_parallel`]).
//!
//! Tests: each module's unit tests (one or more per code, asserting the
//! code, the message facts and the exact text under the range), plus
//! `conformance` (the corpus checks cleanly; 1,000 chained collections check
//! cleanly). The `fixtures/invalid/` suite, which needs the loader's codes
//! too, is `tests/tests/fixtures.rs`.

mod catalog_tests;
mod collections;
mod context;
mod dependencies;
mod derivations;
mod lambdas;
mod memo;
mod projections;
mod schemas;
mod targets;
mod units;
mod warm;

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod conformance;

use load::Loaded;
use model::Diagnostic;

pub use memo::{Memo, MemoStats};

/// Every diagnostic of a build: the loader's (C1a–C4), then the checks'.
pub fn all_diagnostics(loaded: &Loaded) -> Vec<Diagnostic> {
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(check(loaded));
    diagnostics
}

/// [`all_diagnostics`] for a cold build on more than one core: the checks
/// run on the calling thread while another computes the schema and lambda
/// work they will ask for (see [`warm`]). The result is exactly
/// [`all_diagnostics`]'s.
pub fn check_parallel(loaded: &Loaded, threads: usize) -> Vec<Diagnostic> {
    let mut diagnostics = loaded.diagnostics.clone();
    let memo = Memo::for_one_build();
    // One run: no unit records its reads (as in [`check`]).
    let checks = || run(context::Context::new(loaded, &memo, false));
    if threads <= 1 {
        diagnostics.extend(checks());
        return diagnostics;
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| warm::warm(loaded, &memo, &done));
        diagnostics.extend(checks());
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    // Nothing reads the memo again, and freeing a large catalog's shapes and
    // validators took a twentieth of a 10,000-collection lint: on a thread of
    // its own (here when none can start), which the caller does not wait for.
    let _ = std::thread::Builder::new().spawn(move || drop(memo));
    diagnostics
}

/// Runs every check over a loaded catalog. The result holds only this
/// crate's diagnostics (the loader's are in `loaded.diagnostics`).
pub fn check(loaded: &Loaded) -> Vec<Diagnostic> {
    // Nothing is kept past this run: no unit records its reads.
    let memo = Memo::for_one_build();
    run(context::Context::new(loaded, &memo, false))
}

/// [`check`], reusing what `memo` holds from earlier builds: schema work
/// for documents that did not change, and the result of each entity's
/// checks whose every read gives the same answer ([`units`]); this build's
/// results are kept for the next. The result is exactly [`check`]'s.
pub fn check_with(loaded: &Loaded, memo: &Memo) -> Vec<Diagnostic> {
    run(context::Context::new(loaded, memo, true))
}

fn run(mut cx: context::Context<'_>) -> Vec<Diagnostic> {
    collections::check(&mut cx);
    projections::check(&mut cx);
    derivations::check(&mut cx);
    lambdas::non_string_bodies(&mut cx);
    dependencies::check(&mut cx);
    targets::check(&mut cx);
    catalog_tests::check(&mut cx);
    cx.finish()
}
