//! typescript crate.
