//! The `reduce` annotation (reductions.md §2.3): its parsed form, and the
//! per-location table of strategies that validating a document yields.

use std::collections::BTreeMap;

/// A JSON Pointer relative to some value (`""` is the value itself).
pub type RelativePointer = String;

/// One parsed `reduce: {strategy: …}` annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    LastWriteWins,
    FirstWriteWins,
    Append,
    Sum,
    Merge { key: Vec<RelativePointer> },
    Minimize { key: Vec<RelativePointer> },
    Maximize { key: Vec<RelativePointer> },
    Set { key: Vec<RelativePointer> },
}

/// The strategy chosen for each instance location of one validated document,
/// keyed by the location's JSON Pointer (`""` is the document root). A location
/// absent from the table uses the default, `lastWriteWins`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    pub by_location: BTreeMap<String, Strategy>,
}

impl Annotations {
    /// The strategy annotated at `pointer`, if any.
    pub fn strategy_at(&self, pointer: &str) -> Option<&Strategy> {
        self.by_location.get(pointer)
    }
}
