//! Tests of `reduce`: every worked example of reductions.md §6 (named
//! `example_NN_…` after its row), each error message of §4, and associativity
//! checks ((A·B)·C == A·(B·C) in partial mode, compared with the total order)
//! over randomly generated documents.
//!
//! There is no validator here: [`annotate`] builds the annotations that
//! validating the RHS against the row's schema fragment must produce.

use super::*;
use json::order::compare;
use schema::Strategy::{
    Append, FirstWriteWins, LastWriteWins, Maximize, Merge, Minimize, Set, Sum,
};
use serde_json::json;

/// Annotations of `rhs` as a validator would produce them: each `(pattern,
/// strategy)` applies to every location of `rhs` matching `pattern`, where a
/// `*` token matches any property name or array index. Later rules win.
fn annotate(rhs: &Value, rules: &[(&str, Strategy)]) -> Annotations {
    let mut annotations = Annotations::default();
    let mut pending: Vec<(String, Vec<String>, &Value)> = vec![(String::new(), Vec::new(), rhs)];
    while let Some((pointer, tokens, value)) = pending.pop() {
        for (pattern, strategy) in rules {
            let pattern: Vec<&str> = pattern.split('/').skip(1).collect();
            let matches = pattern.len() == tokens.len()
                && pattern
                    .iter()
                    .zip(&tokens)
                    .all(|(p, t)| *p == "*" || p == t);
            if matches {
                annotations
                    .by_location
                    .insert(pointer.clone(), strategy.clone());
            }
        }
        let children: Vec<(String, &Value)> = match value {
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => Vec::new(),
        };
        for (token, child) in children {
            let mut tokens = tokens.clone();
            tokens.push(token.clone());
            let escaped = token.replace('~', "~0").replace('/', "~1");
            pending.push((format!("{pointer}/{escaped}"), tokens, child));
        }
    }
    annotations
}

fn key(pointers: &[&str]) -> Vec<String> {
    pointers.iter().map(|p| (*p).to_owned()).collect()
}

fn merge() -> Strategy {
    Merge { key: Vec::new() }
}

fn run(
    rules: &[(&str, Strategy)],
    lhs: Value,
    rhs: Value,
    mode: Mode,
) -> Result<Value, ReduceError> {
    let annotations = annotate(&rhs, rules);
    reduce(lhs, rhs, &annotations, mode)
}

#[track_caller]
fn check(rules: &[(&str, Strategy)], lhs: Value, rhs: Value, mode: Mode, expected: Value) {
    match run(rules, lhs, rhs, mode) {
        Ok(actual) => assert_eq!(actual, expected),
        Err(error) => panic!("expected {expected}, got error: {error}"),
    }
}

#[track_caller]
fn check_partial(rules: &[(&str, Strategy)], lhs: Value, rhs: Value, expected: Value) {
    check(rules, lhs, rhs, Mode::Partial, expected);
}

#[track_caller]
fn fails(rules: &[(&str, Strategy)], lhs: Value, rhs: Value, mode: Mode) -> ReduceError {
    match run(rules, lhs, rhs, mode) {
        Ok(actual) => panic!("expected an error, got {actual}"),
        Err(error) => error,
    }
}

const SET_MESSAGE: &str = "'set' needs objects with only 'add', 'intersect', 'remove', using one consistent form, at the document root";

// ---- §6 worked examples -------------------------------------------------

#[test]
fn example_01_no_annotation_replaces_whole_document() {
    check_partial(&[], json!({"a":1,"b":2}), json!({"b":3}), json!({"b":3}));
}

#[test]
fn example_02_last_write_wins_any_types() {
    check_partial(
        &[("", LastWriteWins)],
        json!("x"),
        json!({"n":1}),
        json!({"n":1}),
    );
}

#[test]
fn example_03_first_write_wins() {
    check_partial(
        &[("", FirstWriteWins)],
        json!("one"),
        json!("two"),
        json!("one"),
    );
}

#[test]
fn example_04_first_write_wins_property_only_on_rhs_is_taken() {
    let rules = [("", merge()), ("/f", FirstWriteWins)];
    check_partial(
        &rules,
        json!({"k":1}),
        json!({"k":1,"f":"z"}),
        json!({"k":1,"f":"z"}),
    );
}

#[test]
fn example_05_append_arrays() {
    check_partial(
        &[("", Append)],
        json!([1, 2]),
        json!([3, null, "abc"]),
        json!([1, 2, 3, null, "abc"]),
    );
}

#[test]
fn example_06_append_null_lhs_is_noop() {
    check_partial(&[("", Append)], json!(null), json!([9]), json!(null));
}

#[test]
fn example_07_append_non_array_rhs_fails() {
    let error = fails(&[("", Append)], json!([1]), json!("x"), Mode::Partial);
    assert_eq!(
        error.message(),
        "'append' needs arrays at the document root; found L=array, R=string"
    );
}

#[test]
fn example_08_append_without_lhs_takes_rhs() {
    let rhs = json!([1]);
    let annotations = annotate(&rhs, &[("", Append)]);
    assert_eq!(
        reduce_onto(None, rhs, &annotations, Mode::Partial),
        Ok(json!([1]))
    );
}

#[test]
fn example_09_merge_unannotated_property_replaced() {
    check_partial(
        &[("", merge())],
        json!({"a":1,"b":{"c":1}}),
        json!({"b":{"d":2},"e":3}),
        json!({"a":1,"b":{"d":2},"e":3}),
    );
}

#[test]
fn example_10_merge_nested_merge() {
    check_partial(
        &[("", merge()), ("/b", merge())],
        json!({"a":1,"b":{"c":1}}),
        json!({"b":{"d":2},"e":3}),
        json!({"a":1,"b":{"c":1,"d":2},"e":3}),
    );
}

#[test]
fn example_11_merge_arrays_positionally_longer_rhs() {
    check_partial(
        &[("", merge()), ("/*", Sum)],
        json!([1, 1]),
        json!([2, 2, 2]),
        json!([3, 3, 2]),
    );
}

#[test]
fn example_12_merge_arrays_positionally_longer_lhs() {
    check_partial(
        &[("", merge()), ("/*", Sum)],
        json!([5, 5, 5]),
        json!([1]),
        json!([6, 5, 5]),
    );
}

#[test]
fn example_13_merge_additional_properties_sum() {
    check_partial(
        &[("", merge()), ("/*", Sum)],
        json!({"a":1,"b":1}),
        json!({"a":1,"c":1}),
        json!({"a":2,"b":1,"c":1}),
    );
}

#[test]
fn example_14_merge_keyed_items_first_write_wins() {
    check_partial(
        &[("", Merge { key: key(&["/k"]) }), ("/*", FirstWriteWins)],
        json!([{"k":"a","v":1},{"k":"b","v":1}]),
        json!([{"k":"a","v":2},{"k":"c","v":2}]),
        json!([{"k":"a","v":1},{"k":"b","v":1},{"k":"c","v":2}]),
    );
}

#[test]
fn example_15_merge_keyed_by_whole_item() {
    check_partial(
        &[("", Merge { key: key(&[""]) })],
        json!([1, 5]),
        json!([2, 5, 9]),
        json!([1, 2, 5, 9]),
    );
}

#[test]
fn example_16_merge_null_lhs_is_noop() {
    check_partial(&[("", merge())], json!(null), json!({"a":1}), json!(null));
}

#[test]
fn example_17_merge_object_with_array_fails() {
    let error = fails(&[("", merge())], json!({"a":1}), json!([1]), Mode::Partial);
    assert_eq!(
        error.message(),
        "'merge' needs two objects or two arrays at the document root; found L=object, R=array"
    );
}

#[test]
fn example_18_minimize_numbers() {
    check_partial(
        &[("", Minimize { key: vec![] })],
        json!(32),
        json!(42),
        json!(32),
    );
}

#[test]
fn example_19_maximize_strings() {
    check_partial(
        &[("", Maximize { key: vec![] })],
        json!("abc"),
        json!("def"),
        json!("def"),
    );
}

#[test]
fn example_20_minimize_number_before_string() {
    check_partial(
        &[("", Minimize { key: vec![] })],
        json!(5),
        json!("a"),
        json!(5),
    );
}

#[test]
fn example_21_maximize_prefix_sorts_first() {
    check_partial(
        &[("", Maximize { key: vec![] })],
        json!([1, 2]),
        json!([1, 2, 0]),
        json!([1, 2, 0]),
    );
}

#[test]
fn example_22_minimize_equal_without_key_takes_rhs() {
    check_partial(
        &[("", Minimize { key: vec![] })],
        json!(3),
        json!(3.0),
        json!(3.0),
    );
}

fn min_by_first_with_sum() -> [(&'static str, Strategy); 2] {
    [("", Minimize { key: key(&["/0"]) }), ("/1", Sum)]
}

#[test]
fn example_23_minimize_keyed_smaller_lhs_kept() {
    check_partial(
        &min_by_first_with_sum(),
        json!(["a", 1]),
        json!(["c", 2]),
        json!(["a", 1]),
    );
}

#[test]
fn example_24_minimize_keyed_equal_keys_deep_merge() {
    check_partial(
        &min_by_first_with_sum(),
        json!(["a", 1]),
        json!(["a", 4]),
        json!(["a", 5]),
    );
}

#[test]
fn example_25_maximize_keyed_missing_key_sorts_first() {
    check_partial(
        &[("", Maximize { key: key(&["/k"]) })],
        json!({"k":1,"x":1}),
        json!({"x":2}),
        json!({"k":1,"x":1}),
    );
}

#[test]
fn example_26_minimize_keyed_missing_before_null() {
    check_partial(
        &[("", Minimize { key: key(&["/k"]) })],
        json!({"x":2}),
        json!({"k":null}),
        json!({"x":2}),
    );
}

#[test]
fn example_27_sum_integer_and_float() {
    check_partial(&[("", Sum)], json!(5), json!(-1.2), json!(3.8));
}

#[test]
fn example_28_sum_integers_stay_integers() {
    check_partial(&[("", Sum)], json!(1), json!(2), json!(3));
}

#[test]
fn example_29_sum_floats_round_to_nearest() {
    check_partial(
        &[("", Sum)],
        json!(0.1),
        json!(0.2),
        json!(0.30000000000000004),
    );
}

#[test]
fn example_30_sum_u64_overflow_fails() {
    let error = fails(&[("", Sum)], json!(u64::MAX), json!(1), Mode::Partial);
    assert_eq!(error.message(), "'sum' overflowed at the document root");
}

#[test]
fn example_31_sum_i64_underflow_fails() {
    let error = fails(&[("", Sum)], json!(i64::MIN), json!(-1), Mode::Partial);
    assert_eq!(error.message(), "'sum' overflowed at the document root");
}

#[test]
fn example_32_sum_u64_max_minus_one() {
    check_partial(
        &[("", Sum)],
        json!(u64::MAX),
        json!(-1),
        json!(18446744073709551614_u64),
    );
}

#[test]
fn example_33_sum_float_overflow_fails() {
    let error = fails(
        &[("", Sum)],
        json!(f64::MAX),
        json!(f64::MAX),
        Mode::Partial,
    );
    assert_eq!(error.message(), "'sum' overflowed at the document root");
}

#[test]
fn example_34_sum_of_string_fails() {
    let error = fails(&[("", Sum)], json!(2), json!("3"), Mode::Partial);
    assert_eq!(error.message(), "'sum' needs numbers at the document root");
}

fn object_set_with_summed_adds() -> [(&'static str, Strategy); 2] {
    [("", Set { key: vec![] }), ("/add/*", Sum)]
}

#[test]
fn example_35_set_object_remove_partial() {
    check(
        &object_set_with_summed_adds(),
        json!({"add":{"a":1,"b":1,"c":1}}),
        json!({"remove":{"b":0}}),
        Mode::Partial,
        json!({"add":{"a":1,"c":1},"remove":{"b":0}}),
    );
}

#[test]
fn example_36_set_object_remove_full() {
    check(
        &object_set_with_summed_adds(),
        json!({"add":{"a":1,"b":1,"c":1}}),
        json!({"remove":{"b":0}}),
        Mode::Full,
        json!({"add":{"a":1,"c":1}}),
    );
}

#[test]
fn example_37_set_object_add_reduces_values() {
    check_partial(
        &object_set_with_summed_adds(),
        json!({"add":{"a":1,"c":1},"remove":{"b":0}}),
        json!({"add":{"a":1,"d":1}}),
        json!({"add":{"a":2,"c":1,"d":1},"remove":{"b":0}}),
    );
}

#[test]
fn example_38_set_object_intersect() {
    check_partial(
        &object_set_with_summed_adds(),
        json!({"add":{"a":2,"c":1,"d":1}}),
        json!({"intersect":{"a":0,"d":0}}),
        json!({"add":{"a":2,"d":1},"intersect":{"a":0,"d":0}}),
    );
}

fn scalar_set() -> [(&'static str, Strategy); 1] {
    [("", Set { key: key(&[""]) })]
}

#[test]
fn example_39_set_array_add_union() {
    check_partial(
        &scalar_set(),
        json!({"add":[1,3]}),
        json!({"add":[2,3]}),
        json!({"add":[1,2,3]}),
    );
}

#[test]
fn example_40_set_array_remove_then_add() {
    check_partial(
        &scalar_set(),
        json!({"remove":[5]}),
        json!({"add":[5]}),
        json!({"add":[5],"remove":[5]}),
    );
}

#[test]
fn example_41_set_array_intersect_and_add() {
    check_partial(
        &scalar_set(),
        json!({"add":[1,2,3]}),
        json!({"intersect":[2,3],"add":[4]}),
        json!({"add":[2,3,4],"intersect":[2,3]}),
    );
}

#[test]
fn example_42_set_array_intersect_both_sides() {
    check_partial(
        &scalar_set(),
        json!({"intersect":[1,2],"add":[1]}),
        json!({"intersect":[2,3],"add":[3]}),
        json!({"add":[3],"intersect":[2]}),
    );
}

#[test]
fn example_43_set_array_intersect_then_remove() {
    check_partial(
        &scalar_set(),
        json!({"intersect":[1,2],"add":[1]}),
        json!({"remove":[1],"add":[5]}),
        json!({"add":[5],"intersect":[2]}),
    );
}

#[test]
fn example_44_set_array_remove_then_intersect() {
    check_partial(
        &scalar_set(),
        json!({"remove":[7],"add":[1,2]}),
        json!({"intersect":[2,7],"add":[9]}),
        json!({"add":[2,9],"intersect":[2]}),
    );
}

#[test]
fn example_45_set_array_add_emptied_is_kept() {
    check_partial(
        &scalar_set(),
        json!({"add":[8675,17558]}),
        json!({"remove":[8675,17558]}),
        json!({"add":[],"remove":[8675,17558]}),
    );
}

#[test]
fn example_46_set_array_removes_pruned_in_full_mode() {
    check(
        &scalar_set(),
        json!({"remove":[1]}),
        json!({"remove":[2]}),
        Mode::Full,
        json!({}),
    );
}

#[test]
fn example_47_set_array_keyed_tuples_merge_with_sum() {
    check_partial(
        &[
            ("", Set { key: key(&["/0"]) }),
            ("/add/*", merge()),
            ("/add/*/1", Sum),
        ],
        json!({"add":[["a",1],["b",1]]}),
        json!({"add":[["a",1],["c",1]]}),
        json!({"add":[["a",2],["b",1],["c",1]]}),
    );
}

#[test]
fn example_48_set_mixed_forms_fail() {
    let error = fails(
        &[("", Set { key: vec![] })],
        json!({"add":{"a":1}}),
        json!({"add":[1]}),
        Mode::Partial,
    );
    assert_eq!(error.message(), SET_MESSAGE);
}

#[test]
fn example_49_set_intersect_with_remove_fails() {
    let error = fails(
        &[("", Set { key: vec![] })],
        json!({"remove":[1],"intersect":[2]}),
        json!({}),
        Mode::Partial,
    );
    assert_eq!(error.message(), SET_MESSAGE);
}

#[test]
fn example_50_set_other_property_fails() {
    let error = fails(
        &[("", Set { key: vec![] })],
        json!({"add":{}}),
        json!({"other":{}}),
        Mode::Partial,
    );
    assert_eq!(error.message(), SET_MESSAGE);
}

/// What validating against `reset_counter.flow.yaml`'s `oneOf` yields.
fn reset_counter_annotations(rhs: &Value) -> Annotations {
    if rhs.get("action") == Some(&json!("reset")) {
        annotate(rhs, &[("", LastWriteWins)])
    } else {
        annotate(
            rhs,
            &[("", merge()), ("/action", FirstWriteWins), ("/value", Sum)],
        )
    }
}

fn reset_counter(lhs: Value, rhs: Value) -> Value {
    let annotations = reset_counter_annotations(&rhs);
    match reduce(lhs, rhs, &annotations, Mode::Partial) {
        Ok(value) => value,
        Err(error) => panic!("{error}"),
    }
}

#[test]
fn example_51_reset_counter_sums() {
    assert_eq!(
        reset_counter(
            json!({"key":"k","action":"sum","value":5}),
            json!({"key":"k","action":"sum","value":-1.2})
        ),
        json!({"key":"k","action":"sum","value":3.8})
    );
}

#[test]
fn example_52_reset_counter_keeps_earlier_reset() {
    assert_eq!(
        reset_counter(
            json!({"key":"k","action":"reset","value":0}),
            json!({"key":"k","action":"sum","value":1.3})
        ),
        json!({"key":"k","action":"reset","value":1.3})
    );
}

#[test]
fn example_53_reset_counter_reset_replaces() {
    let row_51 = json!({"key":"k","action":"sum","value":3.8});
    let row_52 = json!({"key":"k","action":"reset","value":1.3});
    assert_eq!(
        reset_counter(row_51, row_52),
        json!({"key":"k","action":"reset","value":1.3})
    );
    // Applying the four documents one by one gives the same value.
    let one_by_one = [
        json!({"key":"k","action":"sum","value":-1.2}),
        json!({"key":"k","action":"reset","value":0}),
        json!({"key":"k","action":"sum","value":1.3}),
    ]
    .into_iter()
    .fold(json!({"key":"k","action":"sum","value":5}), reset_counter);
    assert_eq!(one_by_one, json!({"key":"k","action":"reset","value":1.3}));
}

/// `if: {type: null}, then: lastWriteWins, else: append`.
fn null_or_append(rhs: &Value) -> [(&'static str, Strategy); 1] {
    if rhs.is_null() {
        [("", LastWriteWins)]
    } else {
        [("", Append)]
    }
}

#[test]
fn example_54_conditional_null_takes_last_write() {
    let rhs = json!(null);
    check_partial(&null_or_append(&rhs), json!([1]), rhs, json!(null));
}

#[test]
fn example_55_conditional_append_onto_null_is_noop() {
    let rhs = json!([2]);
    check_partial(&null_or_append(&rhs), json!(null), rhs, json!(null));
}

/// Re-key `join_register`: root `merge`; `events` is `append` while the
/// update has no `stable_id` (branch 1), unannotated once it is `null` (branch 2).
fn join_register(rhs: &Value) -> Vec<(&'static str, Strategy)> {
    if rhs.get("events") == Some(&Value::Null) {
        vec![("", merge())]
    } else {
        vec![("", merge()), ("/events", Append)]
    }
}

#[test]
fn example_56_rekey_register_switches_events_off() {
    let rhs = json!({"events":null,"stable_id":"s"});
    check(
        &join_register(&rhs),
        json!({"events":[{"e":1}]}),
        rhs,
        Mode::Full,
        json!({"events":null,"stable_id":"s"}),
    );
}

#[test]
fn example_57_rekey_register_later_appends_are_noops() {
    let rhs = json!({"events":[{"e":2}]});
    check(
        &join_register(&rhs),
        json!({"events":null,"stable_id":"s"}),
        rhs,
        Mode::Full,
        json!({"events":null,"stable_id":"s"}),
    );
}

#[test]
fn example_58_own_annotation_beats_ref() {
    // The validator resolves the precedence; it must yield `maximize` here.
    check_partial(
        &[("", Maximize { key: key(&["/0"]) }), ("/1", Sum)],
        json!(["a", 1]),
        json!(["c", 2]),
        json!(["c", 2]),
    );
}

// ---- error messages and locations ---------------------------------------

#[test]
fn error_display_follows_runtime_catalogue() {
    let error = fails(
        &[("", merge()), ("/x", Sum)],
        json!({"x":1}),
        json!({"x":"2"}),
        Mode::Partial,
    );
    assert_eq!(error.location(), "/x");
    assert_eq!(error.strategy(), &Sum);
    assert_eq!(error.lhs(), &json!(1));
    assert_eq!(error.rhs(), &json!("2"));
    assert_eq!(
        error.to_string(),
        r#"reducing /x: 'sum' needs numbers at /x; left: 1, right: "2""#
    );
}

#[test]
fn error_append_message_names_types() {
    let error = fails(
        &[("", merge()), ("/a", Append)],
        json!({"a":{"b":1}}),
        json!({"a":[1]}),
        Mode::Partial,
    );
    assert_eq!(
        error.to_string(),
        r#"reducing /a: 'append' needs arrays at /a; found L=object, R=array; left: {"b":1}, right: [1]"#
    );
    let error = fails(&[("", Append)], json!(null), json!("x"), Mode::Partial);
    assert_eq!(
        error.message(),
        "'append' needs arrays at the document root; found L=null, R=string"
    );
}

#[test]
fn error_merge_rhs_null_still_annotated() {
    let error = fails(&[("", merge())], json!({"a":1}), json!(null), Mode::Partial);
    assert_eq!(
        error.to_string(),
        "reducing the document root: 'merge' needs two objects or two arrays at the document root; \
         found L=object, R=null; left: {\"a\":1}, right: null"
    );
}

#[test]
fn error_keyed_extremum_deep_merge_of_scalars() {
    let error = fails(
        &[("", Minimize { key: key(&["/k"]) })],
        json!(1),
        json!(2),
        Mode::Partial,
    );
    assert_eq!(error.strategy(), &Minimize { key: key(&["/k"]) });
    assert_eq!(
        error.message(),
        "'merge' needs two objects or two arrays at the document root; found L=number, R=number"
    );
}

#[test]
fn error_sum_overflow_shows_values() {
    let error = fails(
        &[("", merge()), ("/n", Sum)],
        json!({"n": i64::MIN}),
        json!({"n": -1}),
        Mode::Partial,
    );
    assert_eq!(
        error.to_string(),
        "reducing /n: 'sum' overflowed at /n; left: -9223372036854775808, right: -1"
    );
}

#[test]
fn error_set_messages() {
    let set = [("", Set { key: vec![] })];
    for (lhs, rhs) in [
        (json!(null), json!({"add":[1]})), // null LHS is no no-op for set
        (json!({"add":[1]}), json!([1])),  // RHS not an object
        (json!({"add":[1]}), json!({"add":5})), // term neither object nor array
        (json!({"add":[1],"remove":{}}), json!({})), // forms mixed within one side
        (json!({}), json!({"intersect":[1],"remove":[2]})),
    ] {
        let error = fails(&set, lhs, rhs, Mode::Partial);
        assert_eq!(error.message(), SET_MESSAGE);
        assert_eq!(error.strategy(), &Set { key: vec![] });
    }
}

#[test]
fn error_location_inside_keyed_array_is_rhs_index() {
    let error = fails(
        &[
            ("", Merge { key: key(&["/k"]) }),
            ("/*", merge()),
            ("/*/v", Sum),
        ],
        json!([{"k":"b","v":1}]),
        json!([{"k":"a","v":1},{"k":"b","v":"x"}]),
        Mode::Partial,
    );
    assert_eq!(error.location(), "/1/v");
    assert_eq!(error.message(), "'sum' needs numbers at /1/v");
}

#[test]
fn error_location_inside_set_member() {
    let error = fails(
        &[("", Set { key: vec![] }), ("/add/*", Sum)],
        json!({"add":{"a/b":1}}),
        json!({"add":{"a/b":true}}),
        Mode::Partial,
    );
    assert_eq!(error.location(), "/add/a~1b");
}

#[test]
fn error_when_reductions_nest_too_deep() {
    let depth = MAX_DEPTH + 10;
    let mut lhs = json!(1);
    let mut rhs = json!(2);
    let mut annotations = Annotations::default();
    let mut pointer = String::new();
    for _ in 0..depth {
        lhs = json!({"a": lhs});
        rhs = json!({"a": rhs});
        annotations.by_location.insert(pointer.clone(), merge());
        pointer.push_str("/a");
    }
    let error = match reduce(lhs, rhs, &annotations, Mode::Partial) {
        Ok(value) => panic!("expected an error, got {value}"),
        Err(error) => error,
    };
    assert!(
        error
            .message()
            .starts_with("reductions nest deeper than 256 levels at /a/a/"),
        "{}",
        error.message()
    );
}

// ---- further behaviour ---------------------------------------------------

#[test]
fn sum_representations() {
    let sum = [("", Sum)];
    check_partial(&sum, json!(-5), json!(7), json!(2)); // negative + positive → u64
    check_partial(&sum, json!(-5), json!(3), json!(-2));
    check_partial(
        &sum,
        json!(i64::MAX),
        json!(i64::MAX),
        json!(18446744073709551614_u64),
    );
    check_partial(&sum, json!(98.1), json!(-98.1), json!(0.0));
    check_partial(&sum, json!(f64::MAX), json!(-1.0), json!(f64::MAX));
    check_partial(&sum, json!(f64::MAX), json!(-1), json!(f64::MAX));
}

#[test]
fn merge_objects_keeps_lhs_order_then_new_rhs_properties() {
    let merged = run(
        &[("", merge())],
        json!({"z":1,"a":1}),
        json!({"b":2,"z":3}),
        Mode::Partial,
    );
    let merged = merged.map(|value| value.to_string());
    assert_eq!(merged, Ok(r#"{"z":3,"a":1,"b":2}"#.to_owned()));
}

#[test]
fn set_array_without_key_uses_whole_item() {
    check_partial(
        &[("", Set { key: vec![] })],
        json!({"add":["a","c"]}),
        json!({"remove":["a"],"add":["b"]}),
        json!({"add":["b","c"],"remove":["a"]}),
    );
}

#[test]
fn set_intersect_values_reduced_in_partial_mode() {
    check_partial(
        &[("", Set { key: vec![] }), ("/intersect/*", Sum)],
        json!({"intersect":{"a":1,"b":1}}),
        json!({"intersect":{"b":2,"c":2}}),
        json!({"intersect":{"b":3}}),
    );
    check(
        &[("", Set { key: vec![] })],
        json!({"intersect":{"a":1,"b":1},"add":{"a":5}}),
        json!({"intersect":{"b":2,"c":2}}),
        Mode::Full,
        json!({"add":{}}),
    );
}

#[test]
fn set_empty_updates_combine_with_either_form() {
    let set = [("", Set { key: vec![] })];
    check_partial(&set, json!({}), json!({"add":[1]}), json!({"add":[1]}));
    check_partial(
        &set,
        json!({"add":{"a":1}}),
        json!({}),
        json!({"add":{"a":1}}),
    );
    check_partial(&set, json!({}), json!({}), json!({}));
}

// ---- associativity ---------------------------------------------------------

/// The tests' deterministic generator (so failures reproduce), with the
/// values these tests draw.
struct Rng(test_utils::rng::Rng);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0.below(n as usize) as u64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.0.chance(percent)
    }
    fn int(&mut self) -> i64 {
        self.below(21) as i64 - 10
    }
    fn name(&mut self) -> String {
        ["a", "b", "c", "d", "e"][self.below(5) as usize].to_owned()
    }
    /// Sorted, de-duplicated small integers.
    fn sorted_ints(&mut self) -> Vec<i64> {
        let mut items: Vec<i64> = (0..self.below(5)).map(|_| self.below(7) as i64).collect();
        items.sort_unstable();
        items.dedup();
        items
    }
    fn sorted_names(&mut self) -> Vec<String> {
        let mut names: Vec<String> = (0..self.below(4)).map(|_| self.name()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// Checks (A·B)·C == A·(B·C) in partial mode for `trials` random triples,
/// annotating each RHS with `annotations` (as validating it would).
fn check_associative(
    seed: u64,
    generate: impl Fn(&mut Rng) -> Value,
    annotations: impl Fn(&Value) -> Annotations,
) {
    let mut rng = Rng(test_utils::rng::Rng::new(seed));
    let step = |lhs: Value, rhs: Value| {
        let annotations = annotations(&rhs);
        reduce(lhs, rhs, &annotations, Mode::Partial)
    };
    for _ in 0..2_000 {
        let (a, b, c) = (generate(&mut rng), generate(&mut rng), generate(&mut rng));
        let grouped_left = step(a.clone(), b.clone()).and_then(|ab| step(ab, c.clone()));
        let grouped_right = step(b.clone(), c.clone()).and_then(|bc| step(a.clone(), bc));
        match (grouped_left, grouped_right) {
            (Ok(left), Ok(right)) => assert_eq!(
                compare(&left, &right),
                std::cmp::Ordering::Equal,
                "A={a} B={b} C={c}: (A·B)·C={left} but A·(B·C)={right}"
            ),
            (left, right) => panic!("A={a} B={b} C={c}: {left:?} vs {right:?}"),
        }
    }
}

#[test]
fn associative_sum_of_integers() {
    check_associative(1, |rng| json!(rng.int()), |rhs| annotate(rhs, &[("", Sum)]));
}

#[test]
fn associative_nested_merge() {
    let generate = |rng: &mut Rng| {
        let mut doc = Map::new();
        if rng.chance(60) {
            let counts: Map<String, Value> = (0..rng.below(3))
                .map(|_| (rng.name(), json!(rng.int())))
                .collect();
            doc.insert("counts".into(), Value::Object(counts));
        }
        for field in ["first", "last", "max"] {
            if rng.chance(50) {
                doc.insert(field.into(), json!(rng.int()));
            }
        }
        if rng.chance(50) {
            doc.insert("list".into(), json!(rng.sorted_ints()));
        }
        if rng.chance(50) {
            doc.insert("tags".into(), json!(rng.sorted_ints()));
        }
        Value::Object(doc)
    };
    let rules = [
        ("", merge()),
        ("/counts", merge()),
        ("/counts/*", Sum),
        ("/first", FirstWriteWins),
        ("/max", Maximize { key: vec![] }),
        ("/list", Append),
        ("/tags", Merge { key: key(&[""]) }),
    ];
    check_associative(2, generate, |rhs| annotate(rhs, &rules));
}

#[test]
fn associative_keyed_minimize_and_maximize_with_sum() {
    let generate = |rng: &mut Rng| json!([rng.name(), rng.int()]);
    for strategy in [
        Minimize { key: key(&["/0"]) },
        Maximize { key: key(&["/0"]) },
    ] {
        let rules = [("", strategy), ("/1", Sum)];
        check_associative(3, generate, |rhs| annotate(rhs, &rules));
    }
}

#[test]
fn associative_keyed_merge_of_objects() {
    let generate = |rng: &mut Rng| {
        let items: Vec<Value> = rng
            .sorted_names()
            .into_iter()
            .map(|k| json!({"k": k, "n": rng.int()}))
            .collect();
        Value::Array(items)
    };
    let rules = [
        ("", Merge { key: key(&["/k"]) }),
        ("/*", merge()),
        ("/*/n", Sum),
    ];
    check_associative(4, generate, |rhs| annotate(rhs, &rules));
}

/// A random set update: maybe `add`, and maybe one of `intersect`/`remove`.
fn set_update(rng: &mut Rng, members: impl Fn(&mut Rng) -> Value) -> Value {
    let mut update = Map::new();
    if rng.chance(60) {
        update.insert("add".into(), members(rng));
    }
    match rng.below(3) {
        0 => {
            update.insert("intersect".into(), members(rng));
        }
        1 => {
            update.insert("remove".into(), members(rng));
        }
        _ => {}
    }
    Value::Object(update)
}

#[test]
fn associative_set_of_scalars() {
    let generate = |rng: &mut Rng| set_update(rng, |rng| json!(rng.sorted_ints()));
    check_associative(5, generate, |rhs| {
        annotate(rhs, &[("", Set { key: key(&[""]) })])
    });
}

#[test]
fn associative_set_of_objects_with_summed_values() {
    let generate = |rng: &mut Rng| {
        set_update(rng, |rng| {
            let members: Map<String, Value> = (0..rng.below(4))
                .map(|_| (rng.name(), json!(rng.int())))
                .collect();
            Value::Object(members)
        })
    };
    let rules = [("", Set { key: vec![] }), ("/*/*", Sum)];
    check_associative(6, generate, |rhs| annotate(rhs, &rules));
}

#[test]
fn associative_set_of_keyed_tuples() {
    let generate = |rng: &mut Rng| {
        set_update(rng, |rng| {
            let members: Vec<Value> = rng
                .sorted_names()
                .into_iter()
                .map(|name| json!([name, rng.int()]))
                .collect();
            Value::Array(members)
        })
    };
    let rules = [
        ("", Set { key: key(&["/0"]) }),
        ("/*/*", merge()),
        ("/*/*/1", Sum),
    ];
    check_associative(7, generate, |rhs| annotate(rhs, &rules));
}

#[test]
fn associative_reset_counter() {
    let generate = |rng: &mut Rng| {
        let action = if rng.chance(30) { "reset" } else { "sum" };
        json!({"key": "k", "action": action, "value": rng.int()})
    };
    check_associative(8, generate, reset_counter_annotations);
}
