//! The one rule deciding which `reduce` applies at an instance location when
//! several schemas annotate it (reductions.md §2.2, catalog.md §7.1). Both the
//! runtime's annotation walk ([`crate::validate`]) and shape inference
//! ([`crate::shape`], whose reductions the C8 inspections check) follow it,
//! so the build and the runtime never disagree on a strategy:
//!
//! 1. a schema's **own** `reduce` wins for the location the schema applies to;
//! 2. then the in-place applicators, in [`IN_PLACE`] order, the first
//!    annotation found winning (an applicator's members in array order);
//! 3. for a child location (a property or item), what an in-place member says
//!    about the child beats what the schema's own `properties`/`items` say.

/// An in-place applicator: applies its sub-schemas to the same location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InPlace {
    Ref,
    AllOf,
    AnyOf,
    OneOf,
    IfThenElse,
}

/// The in-place applicators in precedence order (earlier wins).
pub(crate) const IN_PLACE: [InPlace; 5] = [
    InPlace::Ref,
    InPlace::AllOf,
    InPlace::AnyOf,
    InPlace::OneOf,
    InPlace::IfThenElse,
];
