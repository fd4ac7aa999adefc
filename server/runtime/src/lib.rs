//! runtime crate.

pub mod combiner;
pub mod engine;
pub mod lambda;
pub mod order;
pub mod reduce;
pub mod testing;
