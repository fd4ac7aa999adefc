//! Table shapes and SQL of `table.rs`.
