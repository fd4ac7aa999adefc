//! Intersection ("both constraints hold") and union ("either may hold") of
//! shapes, exactly as catalog.md §7.1 describes them.
//!
//! Both recurse along the shapes (whose depth inference bounds). They work
//! in place on the left side and take the right side boxed, so that each
//! level of recursion keeps only a few shape-sized values on the stack, even
//! in debug builds.

// Shapes travel boxed along the recursion on purpose (small frames per
// level, see below), though a `Shape` is no longer large.
#![allow(clippy::boxed_local)]

use serde_json::Value;

use super::{
    Annotations, ArrayShape, Facts, Kind, ObjectShape, PatternProperty, Property, Reduction, Shape,
    StringShape, Types,
};

/// Numeric-aware equality (`1` equals `1.0`), used for enum values.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                x == y
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        _ => a == b,
    }
}

/// Both `lhs` and `rhs` hold. Annotations (title, description, string facts,
/// reduction, origin) prefer `lhs`.
pub fn intersect(lhs: Shape, rhs: Shape) -> Shape {
    let mut lhs = lhs;
    intersect_in(&mut lhs, Box::new(rhs));
    lhs
}

/// Either `lhs` or `rhs` holds.
pub fn union(lhs: Shape, rhs: Shape) -> Shape {
    let mut lhs = lhs;
    union_in(&mut lhs, Box::new(rhs));
    lhs
}

#[inline(never)]
pub(crate) fn intersect_in(lhs: &mut Shape, rhs: Box<Shape>) {
    let Shape {
        types,
        reduction,
        origin,
        annotations,
        string,
        array,
        object,
    } = *rhs;
    lhs.types = lhs.types & types;
    intersect_facts(&mut lhs.annotations, annotations, intersect_annotations);
    // Enum values of a type the location cannot have are dropped.
    let types = lhs.types;
    if let Some(values) = lhs
        .annotations
        .get_mut()
        .and_then(|annotations| annotations.enum_values.as_mut())
    {
        values.retain(|v| types.overlaps(Types::of_value(v)));
    }
    if lhs.reduction.is_unset() {
        lhs.reduction = reduction;
    }
    intersect_facts(&mut lhs.string, string, intersect_strings);
    intersect_facts(&mut lhs.array, array, intersect_arrays);
    intersect_facts(&mut lhs.object, object, intersect_objects);
    or_else(&mut lhs.origin, origin);
}

/// Facts of one kind intersected: either side alone when the other has
/// none (intersecting with no facts changes nothing), else `op`.
fn intersect_facts<T: Kind>(lhs: &mut Facts<T>, rhs: Facts<T>, op: fn(&mut T, T)) {
    match (lhs.is_some(), rhs.is_some()) {
        (_, false) => {}
        (false, true) => *lhs = rhs,
        (true, true) => op(lhs, rhs.into_inner()),
    }
}

/// Facts of one kind united: none when either side has none (a side that
/// knows nothing of them leaves nothing known), else `op`.
fn union_facts<T: Kind>(lhs: &mut Facts<T>, rhs: Facts<T>, op: fn(&mut T, T)) {
    match (lhs.is_some(), rhs.is_some()) {
        (false, _) => {}
        (true, false) => *lhs = Facts::default(),
        (true, true) => {
            op(lhs, rhs.into_inner());
            lhs.drop_if_empty();
        }
    }
}

#[inline(never)]
fn intersect_annotations(lhs: &mut Annotations, rhs: Annotations) {
    let Annotations {
        enum_values,
        title,
        description,
    } = rhs;
    lhs.enum_values = match (lhs.enum_values.take(), enum_values) {
        (Some(l), Some(r)) => Some(
            l.into_iter()
                .filter(|v| r.iter().any(|w| values_equal(v, w)))
                .collect(),
        ),
        (l, r) => l.or(r),
    };
    or_else(&mut lhs.title, title);
    or_else(&mut lhs.description, description);
}

fn or_else<T>(lhs: &mut Option<T>, rhs: Option<T>) {
    if lhs.is_none() {
        *lhs = rhs;
    }
}

#[inline(never)]
fn intersect_strings(lhs: &mut StringShape, rhs: StringShape) {
    or_else(&mut lhs.format, rhs.format);
    or_else(&mut lhs.content_type, rhs.content_type);
    or_else(&mut lhs.content_encoding, rhs.content_encoding);
    or_else(&mut lhs.min_length, rhs.min_length);
    or_else(&mut lhs.max_length, rhs.max_length);
}

#[inline(never)]
fn intersect_arrays(lhs: &mut ArrayShape, rhs: ArrayShape) {
    lhs.min_items = match (lhs.min_items, rhs.min_items) {
        (Some(l), Some(r)) => Some(l.max(r)),
        (l, r) => l.or(r),
    };
    lhs.max_items = match (lhs.max_items, rhs.max_items) {
        (Some(l), Some(r)) => Some(l.min(r)),
        (l, r) => l.or(r),
    };
    let ArrayShape {
        tuple, additional, ..
    } = rhs;
    // Left items beyond the right tuple meet the right's additional shape.
    for item in lhs.tuple.iter_mut().skip(tuple.len()) {
        if let Some(extra) = &additional {
            intersect_in(item, extra.clone());
        }
    }
    for (i, item) in tuple.into_iter().enumerate() {
        match lhs.tuple.get_mut(i) {
            Some(l) => intersect_in(l, Box::new(item)),
            None => {
                let mut item = Box::new(item);
                if let Some(extra) = &lhs.additional {
                    let mut left = extra.clone();
                    intersect_in(&mut left, item);
                    item = left;
                }
                lhs.tuple.push(*item);
            }
        }
    }
    match (&mut lhs.additional, additional) {
        (Some(l), Some(r)) => intersect_in(l, r),
        (l @ None, r) => *l = r,
        (Some(_), None) => {}
    }
}

#[inline(never)]
fn intersect_objects(lhs: &mut ObjectShape, rhs: ObjectShape) {
    let ObjectShape {
        properties,
        patterns,
        additional,
    } = rhs;
    // Left properties the right side does not name meet its pattern or
    // additional shape.
    for l in lhs.properties.iter_mut() {
        if !properties.iter().any(|r| r.name == l.name)
            && let Some(other) = fallback(&patterns, &additional, &l.name)
        {
            intersect_in(&mut l.shape, Box::new(other));
        }
    }
    let left_fallbacks: Vec<Option<Shape>> = properties
        .iter()
        .map(|r| match lhs.properties.iter().any(|l| l.name == r.name) {
            true => None,
            false => fallback(&lhs.patterns, &lhs.additional, &r.name),
        })
        .collect();
    for (r, left) in properties.into_iter().zip(left_fallbacks) {
        let Property {
            name,
            is_required,
            shape,
        } = r;
        match lhs.properties.iter_mut().find(|l| l.name == name) {
            Some(l) => {
                l.is_required |= is_required;
                intersect_in(&mut l.shape, Box::new(shape));
            }
            None => {
                let shape = match left {
                    Some(other) => {
                        // The left side's pattern/additional shape keeps
                        // precedence for annotations, but the location was
                        // declared by the named property.
                        let mut merged = Box::new(other);
                        let origin = shape.origin.clone();
                        intersect_in(&mut merged, Box::new(shape));
                        if origin.is_some() {
                            merged.origin = origin;
                        }
                        merged
                    }
                    None => Box::new(shape),
                };
                lhs.properties.push(Property {
                    name,
                    is_required,
                    shape: *shape,
                });
            }
        }
    }
    for r in patterns {
        match lhs.patterns.iter_mut().find(|l| l.pattern == r.pattern) {
            Some(l) => intersect_in(&mut l.shape, Box::new(r.shape)),
            None => lhs.patterns.push(r),
        }
    }
    match (&mut lhs.additional, additional) {
        (Some(l), Some(r)) => intersect_in(l, r),
        (l @ None, r) => *l = r,
        (Some(_), None) => {}
    }
}

#[inline(never)]
pub(crate) fn union_in(lhs: &mut Shape, rhs: Box<Shape>) {
    if rhs.types.is_empty() {
        return;
    }
    if lhs.types.is_empty() {
        *lhs = *rhs;
        return;
    }
    let (l_types, r_types) = (lhs.types, rhs.types);
    let Shape {
        types,
        reduction,
        origin,
        annotations,
        string,
        array,
        object,
    } = *rhs;
    lhs.types = lhs.types | types;
    union_facts(&mut lhs.annotations, annotations, union_annotations);
    lhs.reduction = match (std::mem::take(&mut lhs.reduction), reduction) {
        (Reduction::Unset, _) | (_, Reduction::Unset) => Reduction::Unset,
        (Reduction::Strategy(l), Reduction::Strategy(r)) if l == r => Reduction::Strategy(l),
        _ => Reduction::Multiple,
    };
    // A side that cannot be a string (array, object) constrains nothing about
    // strings (arrays, objects): its facts of that kind are ignored.
    union_kind(
        &mut lhs.string,
        string,
        (l_types, r_types, Types::STRING),
        union_strings,
    );
    union_kind(
        &mut lhs.array,
        array,
        (l_types, r_types, Types::ARRAY),
        union_arrays,
    );
    union_kind(
        &mut lhs.object,
        object,
        (l_types, r_types, Types::OBJECT),
        union_objects,
    );
    or_else(&mut lhs.origin, origin);
}

/// The union of the facts about values of type `kind`, from the sides
/// that may have that type.
fn union_kind<T: Kind>(
    lhs: &mut Facts<T>,
    rhs: Facts<T>,
    (l_types, r_types, kind): (Types, Types, Types),
    op: fn(&mut T, T),
) {
    match (l_types.overlaps(kind), r_types.overlaps(kind)) {
        (true, true) => union_facts(lhs, rhs, op),
        (false, true) => *lhs = rhs,
        (true, false) => {}
        (false, false) => *lhs = Facts::default(),
    }
}

#[inline(never)]
fn union_annotations(lhs: &mut Annotations, rhs: Annotations) {
    let Annotations {
        enum_values,
        title,
        description,
    } = rhs;
    lhs.enum_values = match (lhs.enum_values.take(), enum_values) {
        (Some(mut l), Some(r)) => {
            for v in r {
                if !l.iter().any(|w| values_equal(&v, w)) {
                    l.push(v);
                }
            }
            Some(l)
        }
        _ => None,
    };
    keep_if_equal(&mut lhs.title, title);
    keep_if_equal(&mut lhs.description, description);
}

fn keep_if_equal<T: PartialEq>(lhs: &mut Option<T>, rhs: Option<T>) {
    if *lhs != rhs {
        *lhs = None;
    }
}

#[inline(never)]
fn union_strings(lhs: &mut StringShape, rhs: StringShape) {
    keep_if_equal(&mut lhs.format, rhs.format);
    keep_if_equal(&mut lhs.content_type, rhs.content_type);
    keep_if_equal(&mut lhs.content_encoding, rhs.content_encoding);
    keep_if_equal(&mut lhs.min_length, rhs.min_length);
    keep_if_equal(&mut lhs.max_length, rhs.max_length);
}

#[inline(never)]
fn union_arrays(lhs: &mut ArrayShape, rhs: ArrayShape) {
    lhs.min_items = match (lhs.min_items, rhs.min_items) {
        (Some(l), Some(r)) => Some(l.min(r)),
        _ => None,
    };
    lhs.max_items = match (lhs.max_items, rhs.max_items) {
        (Some(l), Some(r)) => Some(l.max(r)),
        _ => None,
    };
    let ArrayShape {
        tuple, additional, ..
    } = rhs;
    let right_len = tuple.len();
    let mut right = tuple.into_iter();
    let mut keep = 0;
    for (i, item) in lhs.tuple.iter_mut().enumerate() {
        let other = match right.next() {
            Some(r) => Box::new(r),
            None => match &additional {
                Some(extra) => extra.clone(),
                None => break, // Unconstrained on the right from here on.
            },
        };
        union_in(item, other);
        keep = i + 1;
    }
    lhs.tuple.truncate(keep);
    if keep == lhs.tuple.len() && keep < right_len {
        // Right items beyond the left tuple meet the left's additional shape.
        if let Some(extra) = lhs.additional.clone() {
            for r in right {
                let mut item = extra.clone();
                union_in(&mut item, Box::new(r));
                lhs.tuple.push(*item);
            }
        }
    }
    match (&mut lhs.additional, additional) {
        (Some(l), Some(r)) => union_in(l, r),
        (l, _) => *l = None,
    }
}

#[inline(never)]
fn union_objects(lhs: &mut ObjectShape, rhs: ObjectShape) {
    let ObjectShape {
        properties,
        patterns,
        additional,
    } = rhs;
    let left_fallbacks: Vec<Option<Shape>> = properties
        .iter()
        .map(|r| match lhs.properties.iter().any(|l| l.name == r.name) {
            true => None,
            false => fallback(&lhs.patterns, &lhs.additional, &r.name),
        })
        .collect();
    // Left properties: united with the right's property, or its fallback
    // shape; dropped (unconstrained) when the right says nothing.
    let mut left = std::mem::take(&mut lhs.properties);
    left.retain_mut(|l| {
        let (other, required) = match properties.iter().find(|r| r.name == l.name) {
            Some(_) => return true, // United below.
            None => match fallback(&patterns, &additional, &l.name) {
                Some(other) => (other, false),
                None => return false,
            },
        };
        union_in(&mut l.shape, Box::new(other));
        l.is_required = required;
        true
    });
    lhs.properties = left;
    for (r, left) in properties.into_iter().zip(left_fallbacks) {
        let Property {
            name,
            is_required,
            shape,
        } = r;
        match lhs.properties.iter_mut().find(|l| l.name == name) {
            Some(l) => {
                l.is_required &= is_required;
                union_in(&mut l.shape, Box::new(shape));
            }
            None => {
                if let Some(other) = left {
                    let mut merged = Box::new(other);
                    union_in(&mut merged, Box::new(shape));
                    lhs.properties.push(Property {
                        name,
                        is_required: false,
                        shape: *merged,
                    });
                }
            }
        }
    }
    let mut right: Vec<Option<PatternProperty>> = patterns.into_iter().map(Some).collect();
    let mut kept = Vec::new();
    for mut l in std::mem::take(&mut lhs.patterns) {
        let matching = right
            .iter_mut()
            .find(|r| r.as_ref().is_some_and(|r| r.pattern == l.pattern));
        if let Some(r) = matching.and_then(Option::take) {
            union_in(&mut l.shape, Box::new(r.shape));
            kept.push(l);
        }
    }
    lhs.patterns = kept;
    match (&mut lhs.additional, additional) {
        (Some(l), Some(r)) => union_in(l, r),
        (l, _) => *l = None,
    }
}

/// The shape a side gives a property it does not name: the intersection of
/// its matching patterns, else its additional shape; `None` when that side
/// leaves the property unconstrained.
pub(crate) fn fallback(
    patterns: &[PatternProperty],
    additional: &Option<Box<Shape>>,
    name: &str,
) -> Option<Shape> {
    let mut found: Option<Box<Shape>> = None;
    for p in patterns.iter().filter(|p| p.pattern.is_match(name)) {
        match &mut found {
            Some(shape) => intersect_in(shape, Box::new(p.shape.clone())),
            None => found = Some(Box::new(p.shape.clone())),
        }
    }
    found.or_else(|| additional.clone()).map(|b| *b)
}
