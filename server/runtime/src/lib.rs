//! The in-process runtime: reductions and the combiner, the QuickJS lambda
//! host, the derivation engine and the test runner (runtime.md).

pub mod combiner;
pub mod engine;
pub mod lambda;
pub mod reduce;
mod shorten;
pub mod testing;
