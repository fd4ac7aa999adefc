//! The in-process runtime: reductions and the combiner, the QuickJS lambda
//! host, the derivation engine and the test runner (runtime.md).

// `RuntimeError` carries everything a failure report needs (the document, the
// lambda's scope and body position); it is built only on the cold path that
// fails a test, so its size is not worth boxing.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

pub mod combiner;
pub mod csv;
pub mod engine;
pub mod lambda;
pub mod preview;
pub mod reduce;
pub mod shorten;
pub mod testing;
