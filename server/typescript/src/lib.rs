//! TypeScript support for `nodeJS` lambda bodies (runtime.md §8).
//!
//! Table of contents:
//! * [`strip_types`] — the type-blanking pass: turns a TypeScript function body into
//!   JavaScript of exactly the same byte length and line structure, by overwriting
//!   every TypeScript-only construct with spaces, and reports syntax errors (catalog
//!   C29) at positions inside the body.
//! * [`types`] — TypeScript types generated from inferred schema shapes
//!   (runtime.md §8.2): type names and the shape → type mapping.
//!
//! Why blanking rather than transpiling: every byte of the output sits where it sat in
//! the input, so any position the JavaScript engine reports (a thrown error's line and
//! column) is also a position in the YAML the user wrote, with no source map.

mod strip;
pub mod types;

pub use strip::{Stripped, SyntaxError, is_reserved_word, strip_types};
