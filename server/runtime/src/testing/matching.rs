//! Matching `verify` fixtures against actual documents (runtime.md §7.4), and
//! the per-document differences a failure report shows.
//!
//! A fixture matches when, recursively: every fixture property exists in the
//! actual object and matches (extra actual properties are ignored); the actual
//! array is at least as long and its prefix matches item by item; numbers are
//! equal by value or within 2⁻⁵² relative tolerance; strings and booleans are
//! equal; `null` matches only `null`; different types never match (a missing
//! actual property never matches, not even a fixture `null`).

use std::cmp::Ordering;

use serde_json::{Number, Value};

use json::order::compare_numbers;
use json::pointer::{push_index, push_token};

/// One place where an actual document differs from its fixture.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// JSON Pointer of the location inside the document (`""` is the root).
    pub pointer: String,
    /// The fixture's value at the location.
    pub expected: Value,
    /// The actual value there; `None` when the location is missing.
    pub actual: Option<Value>,
}

/// How one position of a verify differs.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentMismatch {
    /// Fixture and actual document at `index` differ at these locations.
    Mismatched {
        index: usize,
        differences: Vec<Difference>,
    },
    /// There are fewer actual documents than fixtures.
    Missing { index: usize, expected: Value },
    /// There are more actual documents than fixtures.
    Unexpected { index: usize, actual: Value },
}

impl DocumentMismatch {
    /// The index of the document in the fixture / actual lists.
    pub fn index(&self) -> usize {
        match self {
            DocumentMismatch::Mismatched { index, .. }
            | DocumentMismatch::Missing { index, .. }
            | DocumentMismatch::Unexpected { index, .. } => *index,
        }
    }
}

/// Whether `expected` (a fixture) matches `actual`.
pub fn matches(expected: &Value, actual: &Value) -> bool {
    let mut differences = Vec::new();
    collect_differences(expected, actual, &mut String::new(), &mut differences, true);
    differences.is_empty()
}

/// Every location where `actual` does not match `expected`.
pub fn differences(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut differences = Vec::new();
    collect_differences(
        expected,
        actual,
        &mut String::new(),
        &mut differences,
        false,
    );
    differences
}

/// Differences of one child location: a missing actual child is a difference
/// of its own; a present one is compared recursively.
fn child_differences(
    expected: &Value,
    actual: Option<&Value>,
    pointer: &mut String,
    out: &mut Vec<Difference>,
    first_only: bool,
) {
    match actual {
        Some(actual) => collect_differences(expected, actual, pointer, out, first_only),
        None => out.push(Difference {
            pointer: pointer.clone(),
            expected: expected.clone(),
            actual: None,
        }),
    }
}

/// Compares a verify step's fixtures with the actual documents, position by
/// position. Empty when they match.
pub fn compare_documents(expected: &[Value], actual: &[Value]) -> Vec<DocumentMismatch> {
    let mut mismatches = Vec::new();
    for (index, (expected, actual)) in expected.iter().zip(actual).enumerate() {
        let differences = differences(expected, actual);
        if !differences.is_empty() {
            mismatches.push(DocumentMismatch::Mismatched { index, differences });
        }
    }
    for (index, expected) in expected.iter().enumerate().skip(actual.len()) {
        mismatches.push(DocumentMismatch::Missing {
            index,
            expected: expected.clone(),
        });
    }
    for (index, actual) in actual.iter().enumerate().skip(expected.len()) {
        mismatches.push(DocumentMismatch::Unexpected {
            index,
            actual: actual.clone(),
        });
    }
    mismatches
}

fn collect_differences(
    expected: &Value,
    actual: &Value,
    pointer: &mut String,
    out: &mut Vec<Difference>,
    first_only: bool,
) {
    let differ = |out: &mut Vec<Difference>, pointer: &str| {
        out.push(Difference {
            pointer: pointer.to_owned(),
            expected: expected.clone(),
            actual: Some(actual.clone()),
        })
    };
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            for (name, expected) in expected {
                let length = pointer.len();
                push_token(pointer, name);
                child_differences(expected, actual.get(name), pointer, out, first_only);
                pointer.truncate(length);
                if first_only && !out.is_empty() {
                    return;
                }
            }
        }
        (Value::Array(expected), Value::Array(actual)) => {
            for (index, expected) in expected.iter().enumerate() {
                let length = pointer.len();
                push_index(pointer, index);
                child_differences(expected, actual.get(index), pointer, out, first_only);
                pointer.truncate(length);
                if first_only && !out.is_empty() {
                    return;
                }
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            if !numbers_match(a, b) {
                differ(out, pointer);
            }
        }
        (Value::String(a), Value::String(b)) if a == b => {}
        (Value::Bool(a), Value::Bool(b)) if a == b => {}
        (Value::Null, Value::Null) => {}
        _ => differ(out, pointer),
    }
}

/// Equal by value (`1` and `1.0`), or within `2⁻⁵² × max(|a|, |b|)` as doubles.
pub fn numbers_match(a: &Number, b: &Number) -> bool {
    if compare_numbers(a, b) == Ordering::Equal {
        return true;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() < f64::EPSILON * a.abs().max(b.abs()),
        _ => false,
    }
}
