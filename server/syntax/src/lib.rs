//! Syntax: YAML text → a tree that keeps the range of every node and key, and
//! the JSON-pointer ↔ range index over it.
//!
//! This crate knows nothing about Flow. It never fails: bad input gives a tree
//! (possibly empty) plus [`SyntaxError`]s.

mod yaml;

pub use yaml::{
    Entry, ExpansionError, Limits, Located, Node, NodeId, NodeKind, Outer, Parse, Scalar,
    ScalarStyle, ScalarValue, SourceText, SyntaxError, Tree, differential, parse,
    parse_with_limits,
};

#[cfg(test)]
mod tests;
