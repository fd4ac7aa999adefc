//! The catalog model: the typed catalog source format ([`spec`]), the entities a
//! build loads from every file with the scope they came from ([`catalog`]), and
//! the [`Diagnostic`] every layer reports mistakes with.
//!
//! No spans and no IO here: a place in a catalog is a [`Scope`], a resource URL
//! plus a JSON Pointer, which the syntax layer maps to a text range when a
//! diagnostic is shown.

pub mod catalog;
pub mod codes;
pub mod compact;
pub mod diagnostic;
pub mod names;
pub mod scope;
pub mod spec;

pub use catalog::{
    Catalog, Collection, Import, NodeDependency, Resource, ResourceKind, SchemaPlace, Target, Test,
};
pub use diagnostic::{Diagnostic, Related, Severity};
pub use scope::Scope;
pub use spec::*;
