//! Throughput of `runtime::reduce` for each strategy, in documents reduced per
//! second: a batch of RHS documents (each with the annotations its validation
//! would yield) is folded into one accumulator, as the combiner does for one key.
//!
//! Run with `cargo bench -p runtime --bench reduce`.

use divan::Bencher;
use divan::counter::ItemsCount;
use runtime::reduce::{Mode, reduce};
use schema::{Annotations, Strategy};
use serde_json::{Value, json};

fn main() {
    divan::main();
}

/// Documents per batch.
const BATCH: usize = 1_000;

fn annotations(rules: &[(&str, Strategy)]) -> Annotations {
    let mut annotations = Annotations::default();
    for (pointer, strategy) in rules {
        annotations
            .by_location
            .insert((*pointer).to_owned(), strategy.clone());
    }
    annotations
}

fn key(pointers: &[&str]) -> Vec<String> {
    pointers.iter().map(|p| (*p).to_owned()).collect()
}

/// Folds `documents` (RHS documents with their annotations) in `mode`.
fn fold(bencher: Bencher, documents: Vec<(Value, Annotations)>, mode: Mode) {
    bencher
        .counter(ItemsCount::new(documents.len()))
        .with_inputs(|| {
            documents
                .iter()
                .map(|(document, _)| document.clone())
                .collect::<Vec<_>>()
        })
        .bench_local_values(|batch| {
            let mut batch = batch.into_iter().zip(&documents);
            let Some((mut accumulated, _)) = batch.next() else {
                return Value::Null;
            };
            for (document, (_, annotations)) in batch {
                accumulated = reduce(accumulated, document, annotations, mode)
                    .expect("benchmark documents reduce");
            }
            accumulated
        });
}

fn same_annotations(
    documents: impl Iterator<Item = Value>,
    rules: &[(&str, Strategy)],
) -> Vec<(Value, Annotations)> {
    let annotations = annotations(rules);
    documents
        .map(|document| (document, annotations.clone()))
        .collect()
}

#[divan::bench]
fn last_write_wins(bencher: Bencher) {
    let documents = (0..BATCH).map(|i| json!({"id": "k", "n": i, "name": "station"}));
    fold(bencher, same_annotations(documents, &[]), Mode::Partial);
}

#[divan::bench]
fn first_write_wins(bencher: Bencher) {
    let documents = (0..BATCH).map(|i| json!({"id": "k", "n": i}));
    fold(
        bencher,
        same_annotations(documents, &[("", Strategy::FirstWriteWins)]),
        Mode::Partial,
    );
}

#[divan::bench]
fn append(bencher: Bencher) {
    let documents = (0..BATCH).map(|i| json!([{"event": i}]));
    fold(
        bencher,
        same_annotations(documents, &[("", Strategy::Append)]),
        Mode::Partial,
    );
}

#[divan::bench]
fn sum_integers(bencher: Bencher) {
    let documents = (0..BATCH).map(|i| json!(i));
    fold(
        bencher,
        same_annotations(documents, &[("", Strategy::Sum)]),
        Mode::Partial,
    );
}

#[divan::bench]
fn sum_floats(bencher: Bencher) {
    let documents = (0..BATCH).map(|i| json!(i as f64 * 0.5));
    fold(
        bencher,
        same_annotations(documents, &[("", Strategy::Sum)]),
        Mode::Partial,
    );
}

/// A typical collection document: root `merge`, two summed counters, a
/// `maximize`d timestamp, a `firstWriteWins` field, the rest last-write-wins.
#[divan::bench]
fn merge_objects(bencher: Bencher) {
    let documents = (0..BATCH).map(|i| {
        json!({"id": "k", "first": i, "count": 1, "total": 2.5, "last": format!("2024-01-{:02}", i % 28),
               "name": "x", "zone": "a", "active": true})
    });
    let rules = [
        ("", Strategy::Merge { key: vec![] }),
        ("/first", Strategy::FirstWriteWins),
        ("/count", Strategy::Sum),
        ("/total", Strategy::Sum),
        ("/last", Strategy::Maximize { key: vec![] }),
    ];
    fold(bencher, same_annotations(documents, &rules), Mode::Partial);
}

/// Keyed merge of arrays of 5 objects each (keys overlap across documents).
#[divan::bench]
fn merge_keyed_arrays(bencher: Bencher) {
    let documents = (0..BATCH).map(|i| {
        let items: Vec<Value> = (0..5)
            .map(|j| json!({"k": format!("{:04}", (i + j * 7) % 50), "n": 1}))
            .collect();
        let mut items = items;
        items.sort_by(|a, b| a["k"].as_str().cmp(&b["k"].as_str()));
        items.dedup_by(|a, b| a["k"] == b["k"]);
        Value::Array(items)
    });
    let documents: Vec<(Value, Annotations)> = documents
        .map(|document| {
            let mut rules = vec![("".to_owned(), Strategy::Merge { key: key(&["/k"]) })];
            for index in 0..document.as_array().map_or(0, Vec::len) {
                rules.push((format!("/{index}"), Strategy::Merge { key: vec![] }));
                rules.push((format!("/{index}/n"), Strategy::Sum));
            }
            let rules: Vec<(&str, Strategy)> =
                rules.iter().map(|(p, s)| (p.as_str(), s.clone())).collect();
            (document, annotations(&rules))
        })
        .collect();
    fold(bencher, documents, Mode::Partial);
}

#[divan::bench]
fn minimize(bencher: Bencher) {
    let documents = (0..BATCH).map(|i| json!((i * 7919) % 1000));
    fold(
        bencher,
        same_annotations(documents, &[("", Strategy::Minimize { key: vec![] })]),
        Mode::Partial,
    );
}

#[divan::bench]
fn maximize_keyed_with_sum(bencher: Bencher) {
    let documents = (0..BATCH).map(|i| json!([format!("{}", (i * 7919) % 10), 1]));
    let rules = [
        ("", Strategy::Maximize { key: key(&["/0"]) }),
        ("/1", Strategy::Sum),
    ];
    fold(bencher, same_annotations(documents, &rules), Mode::Partial);
}

/// Array-form set of bike IDs: each update adds one ID and removes another.
#[divan::bench(args = ["partial", "full"])]
fn set_array(bencher: Bencher, mode: &str) {
    let mode = if mode == "full" {
        Mode::Full
    } else {
        Mode::Partial
    };
    let documents =
        (0..BATCH).map(|i| json!({"remove": [(i * 31) % 100], "add": [(i * 17) % 100]}));
    fold(
        bencher,
        same_annotations(documents, &[("", Strategy::Set { key: key(&[""]) })]),
        mode,
    );
}

/// Object-form set with summed member values.
#[divan::bench]
fn set_object(bencher: Bencher) {
    let documents: Vec<(Value, Annotations)> = (0..BATCH)
        .map(|i| {
            let member = format!("m{}", (i * 17) % 100);
            let rules = [
                ("", Strategy::Set { key: vec![] }),
                (&*format!("/add/{member}"), Strategy::Sum),
            ];
            let document = json!({"add": {member: 1}});
            (document, annotations(&rules))
        })
        .collect();
    fold(bencher, documents, Mode::Partial);
}
