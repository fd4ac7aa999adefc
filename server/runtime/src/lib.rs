//! runtime crate.

pub mod combiner;
pub mod order;
pub mod reduce;
