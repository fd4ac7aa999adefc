//! load crate.
