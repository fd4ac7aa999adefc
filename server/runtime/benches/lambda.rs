//! Throughput of the QuickJS lambda host, in lambda calls per second: a small
//! update lambda and a small publish lambda, each called with JSON documents and
//! returning JSON documents (argument copies, await, and result conversion
//! included), as the derivation loop calls them.
//!
//! Run with `cargo bench -p runtime --bench lambda`.

use divan::Bencher;
use divan::counter::ItemsCount;
use runtime::lambda::{LambdaHost, LambdaKind, LambdaSource, QuickJsConfig, QuickJsHost};
use serde_json::{Value, json};

fn main() {
    divan::main();
}

/// Calls per benchmark iteration.
const BATCH: usize = 1_000;

fn documents() -> Vec<Value> {
    (0..BATCH)
        .map(|n| json!({"userId": n % 17, "productId": n, "quantity": (n % 5) as i64 - 2, "note": "update"}))
        .collect()
}

fn host_with(kind: LambdaKind, body: &str) -> (QuickJsHost, runtime::lambda::LambdaId) {
    let mut host = QuickJsHost::new(QuickJsConfig::default()).expect("host starts");
    let id = host
        .compile(LambdaSource {
            name: "bench/transform".to_owned(),
            kind,
            body: body.to_owned(),
            dependencies: Vec::new(),
        })
        .expect("lambda compiles");
    (host, id)
}

#[divan::bench]
fn update_small_document(bencher: Bencher) {
    let (mut host, id) = host_with(
        LambdaKind::Update,
        "return [{ userId: source.userId, total: source.quantity * 2, items: [source.productId] }];",
    );
    let documents = documents();
    bencher.counter(ItemsCount::new(BATCH)).bench_local(|| {
        for document in &documents {
            let out = host.call(id, &[document]).expect("call succeeds");
            divan::black_box(out);
        }
    });
}

#[divan::bench]
fn publish_with_register(bencher: Bencher) {
    let (mut host, id) = host_with(
        LambdaKind::Publish,
        "if (register!.total !== previous.total) {\n  return [{ ...source, total: register!.total }];\n}\nreturn [];",
    );
    let documents = documents();
    let register = json!({"total": 3, "items": [1, 2, 3]});
    let previous = json!({"total": 2, "items": [1, 2]});
    bencher.counter(ItemsCount::new(BATCH)).bench_local(|| {
        for document in &documents {
            let out = host
                .call(id, &[document, &register, &previous])
                .expect("call succeeds");
            divan::black_box(out);
        }
    });
}
