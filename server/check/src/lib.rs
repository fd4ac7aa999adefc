//! check crate.
