//! Key-like locations (collection keys, logical partitions, shuffle keys;
//! catalog.md §7.5, C10a–C10e) and canonical projections (§7.6).

use super::inspect::display_pointer;
use super::{Exists, Reduction, Shape, Types};
use crate::pointer;

/// Checks one key-like location `ptr` of `shape`, in the order of §7.5, and
/// returns the first failing check as `(code, message)`. `role` reads like
/// `key of collection X` or `shuffle key of transform T`; `schema` names the
/// schema in messages (usually its URL).
pub fn check_key_location(
    shape: &Shape,
    ptr: &str,
    role: &dyn std::fmt::Display,
    schema: &str,
) -> Option<(&'static str, String)> {
    let located = shape.locate(ptr);
    let at = display_pointer(ptr);
    if !located.enumerable {
        return Some((
            "C10a",
            format!("{role} {at} is not a location described by schema {schema}"),
        ));
    }
    if located.exists == Exists::Cannot {
        return Some((
            "C10b",
            format!("{role} {at} can never exist in schema {schema}"),
        ));
    }
    if located.exists != Exists::Must {
        return Some((
            "C10c",
            format!(
                "{role} {at} may be absent in schema {schema}; make it required (or set minItems)"
            ),
        ));
    }
    let types = located.shape.types;
    let non_null = types.difference(Types::NULL);
    let kinds = [
        Types::BOOLEAN,
        Types::NUMBER,
        Types::STRING,
        Types::OBJECT,
        Types::ARRAY,
    ]
    .into_iter()
    .filter(|kind| non_null.overlaps(*kind))
    .count();
    if kinds > 1 {
        return Some((
            "C10d",
            format!("{role} {at} may be {types}; a key may have only one type besides null"),
        ));
    }
    if non_null.overlaps(Types::OBJECT | Types::ARRAY | Types::FRACTIONAL) {
        return Some((
            "C10e",
            format!(
                "{role} {at} may be {types}; objects, arrays and fractional numbers cannot be keys"
            ),
        ));
    }
    None
}

/// The warning of catalog.md §12 "Not checks" for a key location carrying a
/// `reduce` strategy (`None` when it has none, or cannot be located).
pub fn key_reduction_warning(shape: &Shape, ptr: &str) -> Option<String> {
    let located = shape.locate(ptr);
    let strategy = match &located.shape.reduction {
        Reduction::Unset => return None,
        Reduction::Strategy(s) => s.name(),
        Reduction::Multiple => "(multiple strategies)",
    };
    Some(format!(
        "key location {} has reduce strategy {strategy}, which will be ignored for keying",
        display_pointer(ptr)
    ))
}

/// One automatically created projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    /// The pointer without its leading `/` (`begin/station/id`).
    pub field: String,
    pub pointer: String,
}

/// The canonical projections of §7.6: every enumerable location (named
/// properties and tuple items, recursively; not the root) whose types,
/// ignoring `null`, are exactly one scalar type. Document order.
pub fn canonical_projections(shape: &Shape) -> Vec<Projection> {
    let mut out = Vec::new();
    collect(shape, "", &mut out);
    out
}

fn collect(shape: &Shape, ptr: &str, out: &mut Vec<Projection>) {
    if !ptr.is_empty() && is_single_scalar(shape.types) {
        out.push(Projection {
            field: ptr[1..].to_string(),
            pointer: ptr.to_string(),
        });
    }
    if shape.types.overlaps(Types::OBJECT) {
        for property in &shape.object.properties {
            collect(&property.shape, &pointer::join(ptr, &property.name), out);
        }
    }
    if shape.types.overlaps(Types::ARRAY) {
        for (i, item) in shape.array.tuple.iter().enumerate() {
            collect(item, &format!("{ptr}/{i}"), out);
        }
    }
}

fn is_single_scalar(types: Types) -> bool {
    let non_null = types.difference(Types::NULL);
    non_null == Types::BOOLEAN
        || non_null == Types::INTEGER
        || non_null == Types::STRING
        || (!non_null.is_empty() && Types::NUMBER.contains(non_null))
}
