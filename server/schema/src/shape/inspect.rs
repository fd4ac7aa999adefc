//! The shape inspections C8a–C8g (catalog.md §7.4), run over every location
//! reachable through properties, patterns, additional properties, tuple items
//! and additional items.

use super::{Exists, Origin, Reduction, Shape, Types};
use crate::pointer;
use crate::reduce::Strategy;

/// One C8 problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    /// `"C8a"` … `"C8g"`.
    pub code: &'static str,
    pub message: String,
    /// The offending instance location. Pattern and additional locations are
    /// written `{parent}/{pattern}` and `{parent}/*`.
    pub location_pointer: String,
    /// The sub-schema that declared the location: report at its key.
    pub origin: Option<Origin>,
}

/// How a location pointer reads in a message.
pub(crate) fn display_pointer(ptr: &str) -> &str {
    if ptr.is_empty() { "(root)" } else { ptr }
}

/// Every C8 problem of `shape`, in location order (parents first).
pub fn inspect(shape: &Shape) -> Vec<Inspection> {
    let mut out = Vec::new();
    inspect_location(shape, "", Exists::Must, None, &mut out);
    out
}

fn inspect_location(
    shape: &Shape,
    ptr: &str,
    exists: Exists,
    parent: Option<&Reduction>,
    out: &mut Vec<Inspection>,
) {
    let mut report = |code: &'static str, message: String| {
        out.push(Inspection {
            code,
            message,
            location_pointer: ptr.to_string(),
            origin: shape.origin.as_deref().cloned(),
        });
    };
    let at = display_pointer(ptr);
    let types = shape.types;
    if exists == Exists::Must && types.is_empty() {
        report(
            "C8a",
            format!("location {at} is required to exist but no value can satisfy its schema"),
        );
    }
    if parent.is_some_and(Reduction::is_unset) && !shape.reduction.is_unset() {
        let strategy = match &shape.reduction {
            Reduction::Strategy(s) => s.name(),
            _ => "(multiple strategies)",
        };
        report(
            "C8b",
            format!(
                "location {at} declares a reduce strategy ({strategy}), but its parent location does not; add a reduce annotation to the parent"
            ),
        );
    }
    if let Reduction::Strategy(strategy) = &shape.reduction {
        match strategy {
            Strategy::Sum if !types.difference(Types::NUMBER).is_empty() => report(
                "C8c",
                format!("{at} uses 'sum', which needs a numeric location, but it may be {types}"),
            ),
            Strategy::Merge { .. }
                if !types.difference(Types::OBJECT | Types::ARRAY).is_empty() =>
            {
                report(
                    "C8d",
                    format!(
                        "{at} uses 'merge', which needs objects or arrays, but it may be {types}"
                    ),
                )
            }
            Strategy::Set { .. } if types != Types::OBJECT => report(
                "C8e",
                format!("{at} uses 'set', which needs an object, but it may be {types}"),
            ),
            Strategy::Append if !types.difference(Types::ARRAY | Types::NULL).is_empty() => report(
                "C8g",
                format!(
                    "{at} uses 'append', which needs an array (or null), but it may be {types}"
                ),
            ),
            _ => {}
        }
    }
    let is_set = matches!(shape.reduction, Reduction::Strategy(Strategy::Set { .. }));
    const SET_MEMBERS: [&str; 3] = ["add", "intersect", "remove"];

    let exactly_object = types == Types::OBJECT;
    for property in &shape.object.properties {
        let child = pointer::join(ptr, &property.name);
        if is_set && !SET_MEMBERS.contains(&&*property.name) {
            out.push(set_member(
                &child,
                property.shape.origin.as_deref().cloned(),
            ));
        }
        let step = if exactly_object && property.is_required {
            Exists::Must
        } else {
            Exists::May
        };
        inspect_location(
            &property.shape,
            &child,
            exists.min(step),
            Some(&shape.reduction),
            out,
        );
    }
    for pattern in &shape.object.patterns {
        let child = pointer::join(ptr, pattern.pattern.as_str());
        if is_set && !SET_MEMBERS.contains(&pattern.pattern.as_str()) {
            out.push(set_member(&child, pattern.shape.origin.as_deref().cloned()));
        }
        inspect_location(
            &pattern.shape,
            &child,
            exists.min(Exists::May),
            Some(&shape.reduction),
            out,
        );
    }
    if let Some(additional) = &shape.object.additional {
        let child = format!("{ptr}/*");
        inspect_location(
            additional,
            &child,
            exists.min(Exists::May),
            Some(&shape.reduction),
            out,
        );
    }
    let exactly_array = types == Types::ARRAY;
    for (i, item) in shape.array.tuple.iter().enumerate() {
        let must = exactly_array && shape.array.min_items.is_some_and(|min| (i as u64) < min);
        let step = if must { Exists::Must } else { Exists::May };
        inspect_location(
            item,
            &format!("{ptr}/{i}"),
            exists.min(step),
            Some(&shape.reduction),
            out,
        );
    }
    if let Some(additional) = &shape.array.additional {
        let child = format!("{ptr}/*");
        inspect_location(
            additional,
            &child,
            exists.min(Exists::May),
            Some(&shape.reduction),
            out,
        );
    }
}

fn set_member(child: &str, origin: Option<Origin>) -> Inspection {
    Inspection {
        code: "C8f",
        message: format!(
            "{child} is inside a 'set' location, which may only contain 'add', 'intersect' and 'remove'"
        ),
        location_pointer: child.to_string(),
        origin,
    }
}
