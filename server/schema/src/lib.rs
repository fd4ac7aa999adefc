//! User JSON Schemas (catalog.md §6–§7): indexing by URL, `$id` and `$anchor`,
//! `$ref` resolution, validation, `reduce` annotations and shape inference.
//!
//! This crate knows nothing of LSP or IO: documents are handed to it as
//! `serde_json::Value`s by the loader.

pub mod reduce;

pub use reduce::{Annotations, Strategy};
