//! Existence of a document location in a shape (catalog.md §7.2), and whether
//! the location is *enumerable*: reached only through named properties and
//! tuple items (catalog.md §7.5, C10a).

use super::{Shape, Types};
use crate::pointer;

/// How surely a location exists in a valid document. Ordered weakest first:
/// `Cannot < Implicit < May < Must`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exists {
    /// No valid document has a value here.
    Cannot,
    /// The schema says nothing about this location.
    Implicit,
    /// The schema describes the location, which may be absent.
    May,
    /// Every valid document has a value here.
    Must,
}

/// The result of [`Shape::locate`].
#[derive(Debug, Clone, Copy)]
pub struct Located<'a> {
    /// The shape of the location (unconstrained when the schema says nothing,
    /// no types when it cannot exist).
    pub shape: &'a Shape,
    pub exists: Exists,
    /// Reached from the root only through named properties and tuple items.
    pub enumerable: bool,
}

impl Shape {
    /// Walks `ptr` token by token. A pointer that is not a valid JSON Pointer
    /// is treated as a location the schema does not describe.
    pub fn locate(&self, ptr: &str) -> Located<'_> {
        let Some(tokens) = pointer::tokens(ptr) else {
            return Located {
                shape: Shape::anything_ref(),
                exists: Exists::Implicit,
                enumerable: false,
            };
        };
        let mut shape = self;
        let mut exists = if shape.types.is_empty() {
            Exists::Cannot
        } else {
            Exists::Must
        };
        let mut enumerable = true;
        for token in &tokens {
            let (child, step, named) = step(shape, token);
            shape = child;
            exists = exists.min(step);
            enumerable &= named;
            if shape.types.is_empty() {
                exists = Exists::Cannot;
            }
        }
        Located {
            shape,
            exists,
            enumerable,
        }
    }
}

/// One token: the child shape, the existence of the step, and whether the
/// child was named (a property or tuple item).
fn step<'a>(parent: &'a Shape, token: &str) -> (&'a Shape, Exists, bool) {
    let anything = Shape::anything_ref();
    if let (Some(index), true) = (
        pointer::parse_index(token),
        parent.types.overlaps(Types::ARRAY),
    ) {
        let array = &parent.array;
        let index_u64 = index as u64;
        if array.max_items.is_some_and(|max| index_u64 >= max) {
            return (Shape::never_ref(), Exists::Cannot, false);
        }
        let must =
            parent.types == Types::ARRAY && array.min_items.is_some_and(|min| index_u64 < min);
        if let Some(item) = array.tuple.get(index) {
            return (item, if must { Exists::Must } else { Exists::May }, true);
        }
        let exists = if must {
            Exists::Must
        } else if array.additional.is_some() || array.max_items.is_some() {
            Exists::May
        } else {
            Exists::Implicit
        };
        return (
            array.additional.as_deref().unwrap_or(anything),
            exists,
            false,
        );
    }
    if parent.types.overlaps(Types::OBJECT) {
        let object = &parent.object;
        if let Some(property) = parent.property(token) {
            let exists = if parent.types == Types::OBJECT && property.is_required {
                Exists::Must
            } else {
                Exists::May
            };
            return (&property.shape, exists, true);
        }
        if let Some(pattern) = object.patterns.iter().find(|p| p.pattern.is_match(token)) {
            return (&pattern.shape, Exists::May, false);
        }
        if let Some(additional) = &object.additional {
            return (additional, Exists::May, false);
        }
        return (anything, Exists::Implicit, false);
    }
    (Shape::never_ref(), Exists::Cannot, false)
}
