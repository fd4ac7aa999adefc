//! The total order of JSON values (reductions.md §3) and composite keys.
//!
//! One order serves `minimize`/`maximize`, keyed `merge`, array-form `set`,
//! collection keys (runtime.md §2.2), the combiner and `verify` ordering:
//!
//! * types: `null < boolean < number < string < array < object`;
//! * numbers by exact numeric value across `u64`, `i64` and `f64`
//!   (`20 == 20.0`, and `u64::MAX` is correctly below the double `2^64`);
//! * strings by UTF-8 bytes; arrays lexicographically, a proper prefix first;
//! * objects by their property lists sorted by name, compared pairwise (name,
//!   then value), a proper prefix first. Property insertion order (we build
//!   `serde_json` with `preserve_order`) never matters.
//!
//! A composite key is the list of values found at a list of JSON Pointers; a
//! pointer that resolves to nothing is "missing" and sorts before every value,
//! `null` included.
//!
//! [`compare`] walks nested arrays and objects with an explicit stack, so a
//! deeply nested document cannot overflow the thread's stack.
//!
//! [`identical`] is equality as written (property order and number
//! representation count), for caches keyed by a document's content.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use crate::pointer::resolve;

/// Whether two values are the same as written: equal, with properties in the
/// same order and numbers in the same representation (`1` is not `1.0`).
/// `Value`'s own `==` ignores property order, which a message or a
/// sub-schema's position can depend on. Iterative, like [`compare`].
pub fn identical(a: &Value, b: &Value) -> bool {
    let mut pending: Vec<(&Value, &Value)> = vec![(a, b)];
    while let Some((a, b)) = pending.pop() {
        match (a, b) {
            (Value::Array(a), Value::Array(b)) => {
                if a.len() != b.len() {
                    return false;
                }
                pending.extend(a.iter().zip(b));
            }
            (Value::Object(a), Value::Object(b)) => {
                if a.len() != b.len() {
                    return false;
                }
                for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                    if ka != kb {
                        return false;
                    }
                    pending.push((va, vb));
                }
            }
            (Value::Number(a), Value::Number(b)) => {
                if a != b || a.is_f64() != b.is_f64() {
                    return false;
                }
            }
            (a, b) => {
                if a != b {
                    return false;
                }
            }
        }
    }
    true
}

/// Compares two JSON values with the total order of reductions.md §3.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    // Containers still being compared, innermost last.
    let mut open: Vec<Frame<'_>> = Vec::new();
    let mut pair = Some((a, b));
    loop {
        if let Some((a, b)) = pair.take() {
            match compare_shallow(a, b) {
                Shallow::Decided(Ordering::Equal) => {}
                Shallow::Decided(decided) => return decided,
                Shallow::Arrays(a, b) => open.push(Frame::Arrays(a.iter(), b.iter())),
                Shallow::Objects(a, b) => open.push(Frame::Objects(
                    sorted_properties(a),
                    sorted_properties(b),
                    0,
                )),
            }
        }
        let Some(frame) = open.last_mut() else {
            return Ordering::Equal;
        };
        match frame.advance() {
            Step::Compare(a, b) => pair = Some((a, b)),
            Step::Finished(Ordering::Equal) => {
                open.pop();
            }
            Step::Finished(decided) => return decided,
        }
    }
}

/// Compares two JSON numbers by exact numeric value.
///
/// Integers are compared as integers (no rounding through `f64`); an integer
/// and a float are compared exactly by splitting the float into its integral
/// part and its fraction.
pub fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    match (integer_of(a), integer_of(b)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(a), None) => compare_integer_float(a, float_of(b)),
        (None, Some(b)) => compare_integer_float(b, float_of(a)).reverse(),
        (None, None) => {
            let (a, b) = (float_of(a), float_of(b));
            // `partial_cmp` makes -0.0 equal 0.0; JSON has no NaN, but stay total.
            a.partial_cmp(&b).unwrap_or_else(|| a.total_cmp(&b))
        }
    }
}

/// The composite key of `document`: the value at each pointer, `None` when missing.
pub fn extract_key<'d, P: AsRef<str>>(
    document: &'d Value,
    pointers: &[P],
) -> Vec<Option<&'d Value>> {
    pointers
        .iter()
        .map(|pointer| resolve(document, pointer.as_ref()))
        .collect()
}

/// Compares two key components: missing sorts before every value.
pub fn compare_optional(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => compare(a, b),
    }
}

/// Compares two extracted composite keys component by component; the first
/// difference decides (a shorter key sorts first if one is a prefix of the other,
/// which cannot happen for keys extracted with the same pointers).
pub fn compare_keys(a: &[Option<&Value>], b: &[Option<&Value>]) -> Ordering {
    for (a, b) in a.iter().zip(b) {
        let decided = compare_optional(*a, *b);
        if decided != Ordering::Equal {
            return decided;
        }
    }
    a.len().cmp(&b.len())
}

/// Compares two documents by the composite key at `pointers`, without
/// allocating the extracted keys.
pub fn compare_by_key<P: AsRef<str>>(a: &Value, b: &Value, pointers: &[P]) -> Ordering {
    for pointer in pointers {
        let pointer = pointer.as_ref();
        let decided = compare_optional(resolve(a, pointer), resolve(b, pointer));
        if decided != Ordering::Equal {
            return decided;
        }
    }
    Ordering::Equal
}

/// Rank of a value's type in the order `null < boolean < number < string < array < object`.
fn type_rank(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// Result of comparing two values without descending into containers.
enum Shallow<'v> {
    Decided(Ordering),
    Arrays(&'v [Value], &'v [Value]),
    Objects(&'v Map<String, Value>, &'v Map<String, Value>),
}

fn compare_shallow<'v>(a: &'v Value, b: &'v Value) -> Shallow<'v> {
    match (a, b) {
        (Value::Null, Value::Null) => Shallow::Decided(Ordering::Equal),
        (Value::Bool(a), Value::Bool(b)) => Shallow::Decided(a.cmp(b)),
        (Value::Number(a), Value::Number(b)) => Shallow::Decided(compare_numbers(a, b)),
        (Value::String(a), Value::String(b)) => Shallow::Decided(a.as_bytes().cmp(b.as_bytes())),
        (Value::Array(a), Value::Array(b)) => Shallow::Arrays(a, b),
        (Value::Object(a), Value::Object(b)) => Shallow::Objects(a, b),
        _ => Shallow::Decided(type_rank(a).cmp(&type_rank(b))),
    }
}

/// A container pair whose items are being compared in order.
enum Frame<'v> {
    Arrays(std::slice::Iter<'v, Value>, std::slice::Iter<'v, Value>),
    /// Both property lists sorted by name, and the position reached.
    Objects(Vec<(&'v str, &'v Value)>, Vec<(&'v str, &'v Value)>, usize),
}

enum Step<'v> {
    Compare(&'v Value, &'v Value),
    Finished(Ordering),
}

impl<'v> Frame<'v> {
    fn advance(&mut self) -> Step<'v> {
        match self {
            Frame::Arrays(a, b) => match (a.next(), b.next()) {
                (Some(a), Some(b)) => Step::Compare(a, b),
                (None, None) => Step::Finished(Ordering::Equal),
                (None, Some(_)) => Step::Finished(Ordering::Less),
                (Some(_), None) => Step::Finished(Ordering::Greater),
            },
            Frame::Objects(a, b, at) => {
                let index = *at;
                *at += 1;
                match (a.get(index), b.get(index)) {
                    (Some((name_a, a)), Some((name_b, b))) => {
                        match name_a.as_bytes().cmp(name_b.as_bytes()) {
                            Ordering::Equal => Step::Compare(a, b),
                            decided => Step::Finished(decided),
                        }
                    }
                    (None, None) => Step::Finished(Ordering::Equal),
                    (None, Some(_)) => Step::Finished(Ordering::Less),
                    (Some(_), None) => Step::Finished(Ordering::Greater),
                }
            }
        }
    }
}

fn sorted_properties(map: &Map<String, Value>) -> Vec<(&str, &Value)> {
    let mut properties: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    properties.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    properties
}

/// The number as an exact integer, if it is one (`u64` or `i64` representation).
pub fn integer_of(number: &Number) -> Option<i128> {
    if let Some(unsigned) = number.as_u64() {
        Some(i128::from(unsigned))
    } else {
        number.as_i64().map(i128::from)
    }
}

fn float_of(number: &Number) -> f64 {
    // Only called on numbers that are neither u64 nor i64, i.e. floats.
    number.as_f64().unwrap_or(f64::NAN)
}

/// Exact comparison of an integer in the `i64 ∪ u64` range with a float.
fn compare_integer_float(integer: i128, float: f64) -> Ordering {
    const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
    const MINUS_TWO_POW_63: f64 = -9_223_372_036_854_775_808.0;
    if float.is_nan() {
        // Unreachable for JSON; order NaN after every number to stay total.
        return Ordering::Less;
    }
    if float >= TWO_POW_64 {
        return Ordering::Less;
    }
    if float < MINUS_TWO_POW_63 {
        return Ordering::Greater;
    }
    let whole = float.trunc();
    // `whole` lies in [-2^63, 2^64) and is integral, so the cast is exact.
    match integer.cmp(&(whole as i128)) {
        Ordering::Equal => 0.0_f64
            .partial_cmp(&(float - whole))
            .unwrap_or(Ordering::Equal),
        decided => decided,
    }
}

/// An extracted composite key, owned, ordered by the total order (so `6` and
/// `6.0` are the same key). Usable as a map key.
#[derive(Debug, Clone)]
pub struct OwnedKey(pub Vec<Option<Value>>);

impl OwnedKey {
    /// The key of `document` at `pointers` (`None` where missing).
    pub fn extract<P: AsRef<str>>(document: &Value, pointers: &[P]) -> OwnedKey {
        OwnedKey(
            extract_key(document, pointers)
                .into_iter()
                .map(|value| value.cloned())
                .collect(),
        )
    }
}

impl Ord for OwnedKey {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.0.iter().zip(&other.0) {
            let decided = compare_optional(a.as_ref(), b.as_ref());
            if decided != Ordering::Equal {
                return decided;
            }
        }
        self.0.len().cmp(&other.0.len())
    }
}

impl PartialOrd for OwnedKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for OwnedKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for OwnedKey {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identical_counts_property_order_and_number_representation() {
        let a = json!({"a": [1, {"x": null}], "b": "s"});
        assert!(identical(&a, &a.clone()));
        assert!(!identical(&a, &json!({"b": "s", "a": [1, {"x": null}]})));
        assert_eq!(a, json!({"b": "s", "a": [1, {"x": null}]}), "`==` does not");
        assert!(!identical(&json!([1]), &json!([1.0])));
        assert!(!identical(&json!({"a": [1, 2]}), &json!({"a": [1]})));
        assert!(!identical(&json!({"a": {"x": 1}}), &json!({"a": {"y": 1}})));
        assert!(!identical(&json!(null), &json!(false)));
    }

    fn less(a: Value, b: Value) {
        assert_eq!(compare(&a, &b), Ordering::Less, "{a} < {b}");
        assert_eq!(compare(&b, &a), Ordering::Greater, "{b} > {a}");
    }

    fn equal(a: Value, b: Value) {
        assert_eq!(compare(&a, &b), Ordering::Equal, "{a} == {b}");
        assert_eq!(compare(&b, &a), Ordering::Equal, "{b} == {a}");
    }

    #[test]
    fn types_order_null_bool_number_string_array_object() {
        let ladder = [
            json!(null),
            json!(false),
            json!(-5),
            json!(""),
            json!([]),
            json!({}),
        ];
        for (i, a) in ladder.iter().enumerate() {
            for b in &ladder[i + 1..] {
                less(a.clone(), b.clone());
            }
        }
        less(json!(true), json!(0));
        less(json!(1e300), json!("0"));
        less(json!("zzz"), json!([null]));
        less(json!([{"a": 1}]), json!({}));
    }

    #[test]
    fn booleans_false_before_true() {
        less(json!(false), json!(true));
        equal(json!(true), json!(true));
    }

    #[test]
    fn numbers_by_value_across_representations() {
        equal(json!(20), json!(20.0));
        less(json!(-1), json!(1));
        less(json!(-1.5), json!(-1));
        less(json!(2), json!(2.5));
        equal(json!(0), json!(-0.0));
        // Exact even where f64 cannot represent the integer.
        less(json!(u64::MAX), json!(18446744073709551616.0));
        less(json!(9007199254740993_u64), json!(9007199254740994.0));
        less(json!(9007199254740992.0), json!(9007199254740993_u64));
        less(json!(i64::MIN), json!(-9223372036854774784.0));
        equal(json!(i64::MIN), json!(-9223372036854775808.0));
        less(json!(-9223372036854777856.0), json!(i64::MIN));
        less(json!(i64::MIN), json!(u64::MAX));
        less(json!(-1e300), json!(i64::MIN));
        less(json!(u64::MAX), json!(1e300));
    }

    #[test]
    fn strings_by_utf8_bytes() {
        less(json!("B"), json!("a"));
        less(json!("a"), json!("ab"));
        less(json!("z"), json!("é"));
        less(json!("\u{FFFF}"), json!("\u{10000}"));
    }

    #[test]
    fn arrays_lexicographic_prefix_first() {
        less(json!([1, 2]), json!([1, 2, 3]));
        less(json!([1, 2, 3]), json!([1, 3]));
        less(json!([]), json!([null]));
        equal(json!([1, [2.0]]), json!([1.0, [2]]));
    }

    #[test]
    fn objects_by_sorted_properties_prefix_first() {
        equal(json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1}));
        less(json!({"a": 1}), json!({"a": 1, "b": 0}));
        less(json!({"a": 9}), json!({"b": 0}));
        less(json!({"a": 1, "c": 0}), json!({"a": 2}));
        less(json!({"b": 1, "a": 1}), json!({"a": 1, "b": 2}));
    }

    #[test]
    fn deep_documents_do_not_overflow_the_stack() {
        let mut a = json!(1);
        let mut b = json!(2);
        for _ in 0..100_000 {
            a = Value::Array(vec![a]);
            b = Value::Array(vec![b]);
        }
        assert_eq!(compare(&a, &b), Ordering::Less);
        // Dropping a 100k-deep value recursively would overflow; unwind by hand.
        for mut value in [a, b] {
            while let Value::Array(items) = &mut value {
                let inner = items.pop().unwrap_or(Value::Null);
                value = inner;
            }
        }
    }

    #[test]
    fn resolve_follows_rfc6901() {
        let doc = json!({"a": [10, {"b/c": 1, "d~e": 2}], "": 3});
        assert_eq!(resolve(&doc, ""), Some(&doc));
        assert_eq!(resolve(&doc, "/a/0"), Some(&json!(10)));
        assert_eq!(resolve(&doc, "/a/1/b~1c"), Some(&json!(1)));
        assert_eq!(resolve(&doc, "/a/1/d~0e"), Some(&json!(2)));
        assert_eq!(resolve(&doc, "/"), Some(&json!(3)));
        assert_eq!(resolve(&doc, "/a/01"), None);
        assert_eq!(resolve(&doc, "/a/2"), None);
        assert_eq!(resolve(&doc, "/a/-"), None);
        assert_eq!(resolve(&doc, "a"), None);
        assert_eq!(resolve(&doc, "/a/0/x"), None);
    }

    #[test]
    fn composite_keys_missing_sorts_first() {
        let missing = json!({"b": 1});
        let null = json!({"a": null, "b": 0});
        let one = json!({"a": 1, "b": 0});
        let pointers = ["/a", "/b"];
        let key = |d| extract_key(d, &pointers);
        assert_eq!(compare_keys(&key(&missing), &key(&null)), Ordering::Less);
        assert_eq!(compare_keys(&key(&null), &key(&one)), Ordering::Less);
        assert_eq!(
            compare_keys(&key(&json!({})), &key(&json!({"c": 1}))),
            Ordering::Equal
        );
        assert_eq!(compare_by_key(&missing, &null, &pointers), Ordering::Less);
        // First component decides before the second is looked at.
        assert_eq!(
            compare_by_key(
                &json!({"a": 1, "b": 9}),
                &json!({"a": 2, "b": 0}),
                &pointers
            ),
            Ordering::Less
        );
        assert_eq!(
            compare_by_key(&json!({"a": 1.0, "b": 0}), &one, &pointers),
            Ordering::Equal
        );
    }

    #[test]
    fn push_token_escapes() {
        use crate::pointer::{push_index, push_token};
        let mut pointer = String::new();
        push_token(&mut pointer, "a/b~c");
        push_index(&mut pointer, 3);
        assert_eq!(pointer, "/a~1b~0c/3");
    }
}
