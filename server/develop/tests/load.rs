//! The load test of issue #11 (ignored by default; it measures, so run it on
//! a release build):
//!
//! ```text
//! cargo test --release -p develop --test load -- --ignored --nocapture
//! ```
//!
//! 100,000 small documents in requests of 1,000, sent over HTTP by 8
//! concurrent clients to an in-process `flowctl develop` materializing them
//! into SQLite (the develop database) and, when PostgreSQL is available
//! (`test_utils::postgres`), into PostgreSQL. Every document must be in the
//! table exactly once. Prints documents/s and the p50/p99 request latency.
//! Bounded: it fails if a run takes more than five minutes.

mod support;

use std::time::{Duration, Instant};

use develop::DEFAULT_TARGET;
use materialize::Target;
use serde_json::{Value, json};
use support::{Scratch, Server, table};
use test_utils::postgres::Cluster;

const DOCUMENTS: usize = 100_000;
const BATCH: usize = 1_000;
const CLIENTS: usize = 8;

fn load(name: &str, server: &Server, target: &Target) {
    let requests = DOCUMENTS / BATCH;
    let bodies: Vec<String> = (0..requests)
        .map(|request| {
            let documents: Vec<Value> = (0..BATCH)
                .map(|i| json!({"id": request * BATCH + i, "n": 1, "batch": "load"}))
                .collect();
            json!({"orchard/counters": documents}).to_string()
        })
        .collect();
    let bodies = std::sync::Arc::new(bodies);
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let url = format!("{}/ingest", server.url);
            let bodies = bodies.clone();
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let mut latencies = Vec::new();
                for body in bodies.iter().skip(client).step_by(CLIENTS) {
                    let sent = Instant::now();
                    let response = agent.post(&url).send_string(body).expect("ingests");
                    assert_eq!(response.status(), 200);
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = clients
        .into_iter()
        .flat_map(|client| client.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(300), "{name}: {elapsed:?}");
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name}: {DOCUMENTS} documents in {:.2} s: {:.0} documents/s; request latency p50 {:.1} ms, p99 {:.1} ms ({} requests of {BATCH}, {CLIENTS} clients)",
        elapsed.as_secs_f64(),
        DOCUMENTS as f64 / elapsed.as_secs_f64(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies.len()
    );
    let rows = table(target, "orchard/counters");
    assert_eq!(rows.len(), DOCUMENTS, "{name}: a document is missing");
    assert!(
        rows.iter().all(|row| row["n"] == 1),
        "{name}: a document was materialized twice"
    );
}

#[test]
#[ignore = "a measurement: run on a release build with --ignored --nocapture"]
fn hundred_thousand_documents_from_eight_clients() {
    let dir = Scratch::new("load-sqlite");
    let server = Server::start(&dir, &[], &[("orchard/counters", DEFAULT_TARGET)]);
    load("SQLite", &server, &Target::Sqlite(dir.join("develop.db")));
    server.stop();

    let Some(cluster) = Cluster::start() else {
        return;
    };
    let dir = Scratch::new("load-postgres");
    let target = Target::Postgres(cluster.database("load"));
    let server = Server::start(
        &dir,
        &[("pg", target.clone())],
        &[("orchard/counters", "pg")],
    );
    load("PostgreSQL", &server, &target);
    server.stop();
}
