//! Intersection ("both constraints hold") and union ("either may hold") of
//! shapes, exactly as catalog.md §7.1 describes them. Both consume their
//! inputs; recursion follows the shapes, whose depth inference bounds.

use serde_json::Value;

use super::{ArrayShape, ObjectShape, PatternProperty, Property, Reduction, Shape, StringShape, Types};

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
    let types = lhs.types & rhs.types;
    let enum_values = match (lhs.enum_values, rhs.enum_values) {
        (Some(l), Some(r)) => {
            Some(l.into_iter().filter(|v| r.iter().any(|w| values_equal(v, w))).collect())
        }
        (l, r) => l.or(r),
    }
    .map(|values: Vec<Value>| {
        values.into_iter().filter(|v| types.overlaps(Types::of_value(v))).collect()
    });
    Shape {
        types,
        enum_values,
        title: lhs.title.or(rhs.title),
        description: lhs.description.or(rhs.description),
        reduction: if lhs.reduction.is_unset() { rhs.reduction } else { lhs.reduction },
        string: StringShape {
            format: lhs.string.format.or(rhs.string.format),
            content_type: lhs.string.content_type.or(rhs.string.content_type),
            content_encoding: lhs.string.content_encoding.or(rhs.string.content_encoding),
            min_length: lhs.string.min_length.or(rhs.string.min_length),
            max_length: lhs.string.max_length.or(rhs.string.max_length),
        },
        array: intersect_arrays(lhs.array, rhs.array),
        object: intersect_objects(lhs.object, rhs.object),
        origin: lhs.origin.or(rhs.origin),
    }
}

fn intersect_arrays(lhs: ArrayShape, rhs: ArrayShape) -> ArrayShape {
    let min_items = match (lhs.min_items, rhs.min_items) {
        (Some(l), Some(r)) => Some(l.max(r)),
        (l, r) => l.or(r),
    };
    let max_items = match (lhs.max_items, rhs.max_items) {
        (Some(l), Some(r)) => Some(l.min(r)),
        (l, r) => l.or(r),
    };
    let length = lhs.tuple.len().max(rhs.tuple.len());
    let mut left = lhs.tuple.into_iter();
    let mut right = rhs.tuple.into_iter();
    let mut tuple = Vec::with_capacity(length);
    for _ in 0..length {
        let item = match (left.next(), right.next()) {
            (Some(l), Some(r)) => intersect(l, r),
            (Some(l), None) => match &rhs.additional {
                Some(extra) => intersect(l, (**extra).clone()),
                None => l,
            },
            (None, Some(r)) => match &lhs.additional {
                Some(extra) => intersect((**extra).clone(), r),
                None => r,
            },
            (None, None) => break,
        };
        tuple.push(item);
    }
    let additional = match (lhs.additional, rhs.additional) {
        (Some(l), Some(r)) => Some(Box::new(intersect(*l, *r))),
        (l, r) => l.or(r),
    };
    ArrayShape { min_items, max_items, tuple, additional }
}

fn intersect_objects(lhs: ObjectShape, rhs: ObjectShape) -> ObjectShape {
    let mut properties = Vec::with_capacity(lhs.properties.len() + rhs.properties.len());
    let mut rhs_properties: Vec<Option<Property>> = rhs.properties.into_iter().map(Some).collect();
    for l in lhs.properties {
        let matching = rhs_properties.iter_mut().find(|r| r.as_ref().is_some_and(|r| r.name == l.name));
        let shape = match matching.and_then(Option::take) {
            Some(r) => {
                properties.push(Property {
                    name: l.name,
                    is_required: l.is_required || r.is_required,
                    shape: intersect(l.shape, r.shape),
                });
                continue;
            }
            None => match fallback(&rhs.patterns, &rhs.additional, &l.name) {
                Some(other) => intersect(l.shape, other),
                None => l.shape,
            },
        };
        properties.push(Property { shape, ..l });
    }
    for r in rhs_properties.into_iter().flatten() {
        let shape = match fallback(&lhs.patterns, &lhs.additional, &r.name) {
            Some(other) => {
                // The left side's pattern/additional shape keeps precedence for
                // annotations, but the location was declared by the named property.
                let origin = r.shape.origin.clone();
                let mut shape = intersect(other, r.shape);
                shape.origin = origin.or(shape.origin);
                shape
            }
            None => r.shape,
        };
        properties.push(Property { shape, ..r });
    }
    let mut patterns = lhs.patterns;
    for r in rhs.patterns {
        match patterns.iter_mut().find(|l| l.pattern == r.pattern) {
            Some(l) => {
                let shape = std::mem::replace(&mut l.shape, Shape::never());
                l.shape = intersect(shape, r.shape);
            }
            None => patterns.push(r),
        }
    }
    let additional = match (lhs.additional, rhs.additional) {
        (Some(l), Some(r)) => Some(Box::new(intersect(*l, *r))),
        (l, r) => l.or(r),
    };
    ObjectShape { properties, patterns, additional }
}

/// Either `lhs` or `rhs` holds.
pub fn union(lhs: Shape, rhs: Shape) -> Shape {
    if lhs.types.is_empty() {
        return rhs;
    }
    if rhs.types.is_empty() {
        return lhs;
    }
    let types = lhs.types | rhs.types;
    let enum_values = match (lhs.enum_values, rhs.enum_values) {
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
    let same = |l: Option<String>, r: Option<String>| if l == r { l } else { None };
    let reduction = match (lhs.reduction, rhs.reduction) {
        (Reduction::Unset, _) | (_, Reduction::Unset) => Reduction::Unset,
        (Reduction::Strategy(l), Reduction::Strategy(r)) if l == r => Reduction::Strategy(l),
        _ => Reduction::Multiple,
    };
    // A side that cannot be a string (array, object) constrains nothing about
    // strings (arrays, objects): its facts of that kind are ignored.
    let (l_str, r_str) = (lhs.types.overlaps(Types::STRING), rhs.types.overlaps(Types::STRING));
    let string = match (l_str, r_str) {
        (true, true) => StringShape {
            format: same(lhs.string.format, rhs.string.format),
            content_type: same(lhs.string.content_type, rhs.string.content_type),
            content_encoding: same(lhs.string.content_encoding, rhs.string.content_encoding),
            min_length: if lhs.string.min_length == rhs.string.min_length { lhs.string.min_length } else { None },
            max_length: if lhs.string.max_length == rhs.string.max_length { lhs.string.max_length } else { None },
        },
        (true, false) => lhs.string,
        (false, true) => rhs.string,
        (false, false) => StringShape::default(),
    };
    let array = match (lhs.types.overlaps(Types::ARRAY), rhs.types.overlaps(Types::ARRAY)) {
        (true, true) => union_arrays(lhs.array, rhs.array),
        (true, false) => lhs.array,
        (false, true) => rhs.array,
        (false, false) => ArrayShape::default(),
    };
    let object = match (lhs.types.overlaps(Types::OBJECT), rhs.types.overlaps(Types::OBJECT)) {
        (true, true) => union_objects(lhs.object, rhs.object),
        (true, false) => lhs.object,
        (false, true) => rhs.object,
        (false, false) => ObjectShape::default(),
    };
    Shape {
        types,
        enum_values,
        title: same(lhs.title, rhs.title),
        description: same(lhs.description, rhs.description),
        reduction,
        string,
        array,
        object,
        origin: lhs.origin.or(rhs.origin),
    }
}

fn union_arrays(lhs: ArrayShape, rhs: ArrayShape) -> ArrayShape {
    let min_items = match (lhs.min_items, rhs.min_items) {
        (Some(l), Some(r)) => Some(l.min(r)),
        _ => None,
    };
    let max_items = match (lhs.max_items, rhs.max_items) {
        (Some(l), Some(r)) => Some(l.max(r)),
        _ => None,
    };
    let length = lhs.tuple.len().max(rhs.tuple.len());
    let mut left = lhs.tuple.into_iter();
    let mut right = rhs.tuple.into_iter();
    let mut tuple = Vec::with_capacity(length);
    for _ in 0..length {
        let item = match (left.next(), right.next()) {
            (Some(l), Some(r)) => union(l, r),
            (Some(l), None) => match &rhs.additional {
                Some(extra) => union(l, (**extra).clone()),
                None => break, // Unconstrained on the right from here on.
            },
            (None, Some(r)) => match &lhs.additional {
                Some(extra) => union((**extra).clone(), r),
                None => break,
            },
            (None, None) => break,
        };
        tuple.push(item);
    }
    let additional = match (lhs.additional, rhs.additional) {
        (Some(l), Some(r)) => Some(Box::new(union(*l, *r))),
        _ => None,
    };
    ArrayShape { min_items, max_items, tuple, additional }
}

fn union_objects(lhs: ObjectShape, rhs: ObjectShape) -> ObjectShape {
    let mut properties = Vec::new();
    let mut rhs_properties: Vec<Option<Property>> = rhs.properties.into_iter().map(Some).collect();
    for l in lhs.properties {
        let matching = rhs_properties.iter_mut().find(|r| r.as_ref().is_some_and(|r| r.name == l.name));
        match matching.and_then(Option::take) {
            Some(r) => properties.push(Property {
                name: l.name,
                is_required: l.is_required && r.is_required,
                shape: union(l.shape, r.shape),
            }),
            None => {
                if let Some(other) = fallback(&rhs.patterns, &rhs.additional, &l.name) {
                    properties.push(Property { is_required: false, shape: union(l.shape, other), ..l });
                }
            }
        }
    }
    for r in rhs_properties.into_iter().flatten() {
        if let Some(other) = fallback(&lhs.patterns, &lhs.additional, &r.name) {
            properties.push(Property { is_required: false, shape: union(other, r.shape), ..r });
        }
    }
    let mut patterns = Vec::new();
    let mut rhs_patterns: Vec<Option<PatternProperty>> = rhs.patterns.into_iter().map(Some).collect();
    for l in lhs.patterns {
        let matching = rhs_patterns.iter_mut().find(|r| r.as_ref().is_some_and(|r| r.pattern == l.pattern));
        if let Some(r) = matching.and_then(Option::take) {
            patterns.push(PatternProperty { pattern: l.pattern, shape: union(l.shape, r.shape) });
        }
    }
    let additional = match (lhs.additional, rhs.additional) {
        (Some(l), Some(r)) => Some(Box::new(union(*l, *r))),
        _ => None,
    };
    ObjectShape { properties, patterns, additional }
}

/// The shape a side gives a property it does not name: the intersection
/// of its matching patterns, else its additional shape; `None` when that
/// side leaves the property unconstrained.
pub(crate) fn fallback(
    patterns: &[PatternProperty],
    additional: &Option<Box<Shape>>,
    name: &str,
) -> Option<Shape> {
    let mut found: Option<Shape> = None;
    for p in patterns.iter().filter(|p| p.pattern.is_match(name)) {
        found = Some(match found {
            Some(shape) => intersect(shape, p.shape.clone()),
            None => p.shape.clone(),
        });
    }
    found.or_else(|| additional.as_deref().cloned())
}
