//! User JSON Schemas (catalog.md §6–§7): indexing by URL, `$id` and `$anchor`,
//! `$ref` resolution, validation, `reduce` annotations and shape inference.
//!
//! This crate knows nothing of LSP or IO: documents are handed to it as
//! `serde_json::Value`s by the loader.
//!
//! Table of contents:
//! * [`refs`]: `collect_refs`, the `$ref`s a loader must follow.
//! * [`index`]: `SchemaIndex`, every sub-schema by canonical URI, anchor, `$id`.
//! * [`validate`]: `SchemaIndex::compile` and `Validator`, validation with
//!   `reduce` annotations (reductions.md §2).
//! * [`compiled`]: the shared, thread-safe cache of per-document registries
//!   and per-schema validators, with counters (`SchemaIndex::stats`).
//! * `precedence`: which `reduce` wins when several apply, for the runtime
//!   and shape inference alike.
//! * [`reduce`]: `Strategy`, `Annotations`, `parse_strategy`.
//! * [`check`]: `check_document`, the C7 and C9 problems of a schema document;
//!   [`meta`], the fast "surely valid" answer of its meta-schema pass.
//! * [`shape`]: shape inference (§7.1), existence (§7.2), inspections (C8),
//!   key-like locations (C10), canonical projections (§7.6).
//! * [`pointer`], [`keywords`]: JSON Pointer helpers and the sub-schema walk
//!   (bounded: hostile nesting is reported, never recursed into).

pub mod check;
pub mod compiled;
pub mod index;
pub mod keywords;
pub mod meta;
pub mod pointer;
mod precedence;
pub mod reduce;
pub mod refs;
pub mod shape;
pub mod validate;

pub use check::{SchemaProblem, check_document};
pub use compiled::CompileStats;
pub use index::{Document, Resolved, SchemaIndex};
pub use reduce::{Annotations, Strategy, parse_strategy};
pub use refs::{SchemaRef, collect_refs};
pub use shape::{Exists, Inspection, Located, Reduction, Shape, Types};
pub use validate::{ValidationError, Validator};

#[cfg(test)]
mod tests {
    /// The index and validators are shared across worker threads.
    #[test]
    fn shared_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::SchemaIndex>();
        check::<crate::Validator>();
        check::<crate::Shape>();
    }
}
