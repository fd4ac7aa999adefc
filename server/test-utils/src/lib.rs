//! test-utils crate.
