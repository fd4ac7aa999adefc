//! runtime crate.

pub mod combiner;
pub mod lambda;
pub mod order;
pub mod reduce;
