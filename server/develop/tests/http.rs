//! `flowctl develop`'s HTTP API in process, on `fixtures/develop` (an
//! orchard): JSON and CSV ingestion into SQLite tables, bad input refused
//! with the document, row or column named and nothing written, a body over
//! the limit refused before it is read, concurrent ingests serialized with
//! none lost, a table of another shape refused, restarts resuming from the
//! stored log and registers, and a PostgreSQL that goes away mid-run (the
//! materialization rolls back and catches up when it is back).

mod support;

use std::io::{Read, Write};

use develop::DEFAULT_TARGET;
use materialize::Target;
use serde_json::{Value, json};
use support::{Scratch, Server, error_of, table};
use test_utils::postgres::Cluster;

#[test]
fn json_and_csv_ingest_and_bad_input_is_refused_while_the_server_keeps_serving() {
    let dir = Scratch::new("bad-input");
    let server = Server::start(&dir, &[], &[]);
    let ok = server.ingest(json!({"orchard/weighings": [
        {"tree": "apple-1", "at": 1, "kilos": 2.5, "ripe": true, "notes": {"row": 3}},
        {"tree": "apple-1", "at": 2, "kilos": 1.5},
        {"tree": "pear-1", "at": 1, "kilos": 4.0, "picker": null},
    ]}));
    assert_eq!(ok.0, 200, "{ok:?}");
    assert_eq!(ok.1["txn"], 1);
    assert_eq!(ok.1["written"]["orchard/trees"], 2);

    // An invalid document: named by position, nothing written.
    let bad = server.ingest(json!({"orchard/weighings": [
        {"tree": "apple-1", "at": 3, "kilos": 1.0},
        {"tree": "apple-1", "at": 4, "kilos": "heavy"},
    ]}));
    assert_eq!(bad.0, 400);
    let message = error_of(&bad);
    assert!(
        message.contains("document 1 of ingest into \"orchard/weighings\" is invalid")
            && message.contains("/kilos"),
        "{message}"
    );
    // One transaction across collections: the valid half is not written either.
    let half = server.ingest(json!({
        "orchard/counters": [{"id": 1, "n": 1}],
        "orchard/weighings": [{"tree": "x"}],
    }));
    assert_eq!(half.0, 400, "{half:?}");
    assert!(error_of(&half).contains("document 0 of ingest into \"orchard/weighings\""));
    // A derived collection cannot be ingested into; an unknown one is named.
    let derived =
        server.ingest(json!({"orchard/trees": [{"tree": "x", "weighings": 1, "kilos": 1}]}));
    assert!(
        error_of(&derived).contains("it is a derived collection"),
        "{derived:?}"
    );
    let unknown = server.ingest(json!({"orchard/nope": []}));
    assert!(
        error_of(&unknown).contains("unknown collection \"orchard/nope\""),
        "{unknown:?}"
    );
    let not_json = server.post("/ingest", "application/json", "{\"orchard/weighings\": [");
    assert_eq!(not_json.0, 400);
    assert!(error_of(&not_json).contains("not JSON"), "{not_json:?}");

    // CSV: an unknown header, and a row with too many cells.
    let header = server.post(
        "/ingest/orchard/weighings",
        "text/csv",
        "tree,weighed at,grams\napple-2,1,300\n",
    );
    assert_eq!(header.0, 400);
    assert!(
        error_of(&header).contains("\"grams\" is not a field of \"orchard/weighings\""),
        "{header:?}"
    );
    let cells = server.post(
        "/ingest/orchard/weighings?format=csv",
        "application/octet-stream",
        "tree,weighed at,kilos\napple-2,1,3.5\napple-2,2,1.0,extra\n",
    );
    assert_eq!(cells.0, 400);
    assert!(
        error_of(&cells).contains("line 3: 4 cells, but only 3 headers"),
        "{cells:?}"
    );

    // A body over the limit is refused before it is read.
    let mut stream =
        std::net::TcpStream::connect(server.url.trim_start_matches("http://")).unwrap();
    write!(
        stream,
        "POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{{"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("larger than 1048576 bytes"), "{answer}");

    // Still serving: TSV by content type.
    let tsv = server.post(
        "/ingest/orchard/weighings",
        "text/tab-separated-values",
        "tree\tweighed at\tkilos\tripe\napple-1\t5\t3.0\tfalse\n",
    );
    assert_eq!(tsv.0, 200, "{tsv:?}");
    assert_eq!(tsv.1["txn"], 2);
    let lines = server.stop();
    assert!(
        lines.iter().any(|line| line.starts_with(
            "txn 2: 1 document(s) (orchard/weighings 1, orchard/trees 1, orchard/tallies 1)"
        )),
        "{lines:#?}"
    );

    let develop = Target::Sqlite(dir.join("develop.db"));
    assert_eq!(table(&develop, "orchard/counters"), Vec::<Value>::new());
    assert_eq!(table(&develop, "orchard/weighings").len(), 4);
    assert_eq!(
        table(&develop, "orchard/trees"),
        vec![
            // (Lambdas return JavaScript numbers: 3.0 comes back as 3.)
            json!({"tree": "apple-1", "weighings": 3, "kilos": 7.0, "heaviest": 3}),
            json!({"tree": "pear-1", "weighings": 1, "kilos": 4, "heaviest": 4}),
        ]
    );
    // The projection "weighed at" is a column, and the columns are typed.
    let connection = rusqlite::Connection::open(dir.join("develop.db")).unwrap();
    let columns: Vec<(String, String, bool)> = connection
        .prepare("SELECT name, type, \"notnull\" FROM pragma_table_info('orchard/weighings')")
        .unwrap()
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get::<_, i64>(2)? != 0))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        columns,
        [
            ("weighed at", "INTEGER", true),
            ("tree", "TEXT", true),
            ("kilos", "REAL", true),
            ("ripe", "BOOLEAN", false),
            ("picker", "TEXT", false),
            ("flow_document", "TEXT", true),
        ]
        .map(|(name, kind, not_null)| (name.to_owned(), kind.to_owned(), not_null))
    );
}

#[test]
fn concurrent_ingests_are_serialized_and_none_is_lost() {
    let dir = Scratch::new("concurrent");
    let server = Server::start(&dir, &[], &[("orchard/counters", DEFAULT_TARGET)]);
    let url = server.url.clone();
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let url = url.clone();
            std::thread::spawn(move || {
                for request in 0..10 {
                    let documents: Vec<Value> = (0..50)
                        .map(|i| json!({"id": (client * 7 + request * 50 + i) % 100, "n": 1}))
                        .collect();
                    let response = ureq::post(&format!("{url}/ingest"))
                        .send_string(&json!({"orchard/counters": documents}).to_string())
                        .unwrap();
                    assert_eq!(response.status(), 200);
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let lines = server.stop();
    assert_eq!(
        lines.iter().filter(|line| line.starts_with("txn ")).count(),
        80,
        "{lines:#?}"
    );
    let rows = table(&Target::Sqlite(dir.join("develop.db")), "orchard/counters");
    assert_eq!(rows.len(), 100);
    let total: i64 = rows.iter().map(|row| row["n"].as_i64().unwrap()).sum();
    assert_eq!(total, 8 * 10 * 50);
}

#[test]
fn a_table_of_another_shape_is_refused_naming_the_column() {
    let dir = Scratch::new("shape");
    let other = dir.join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch(
            "CREATE TABLE \"orchard/counters\" (id INTEGER NOT NULL PRIMARY KEY, n TEXT NOT NULL, batch TEXT, flow_document TEXT NOT NULL);
             CREATE TABLE odd (id INTEGER NOT NULL PRIMARY KEY, flow_document TEXT NOT NULL);",
        )
        .unwrap();
    let target = Target::Sqlite(other.clone());
    let server = Server::start(&dir, &[("other", target)], &[("orchard/counters", "other")]);
    let answer = server.ingest(json!({"orchard/counters": [{"id": 1, "n": 2}]}));
    // Accepted (logged), but the table lags with the reason.
    assert_eq!(answer.0, 200, "{answer:?}");
    let lagging = answer.1["lagging"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        lagging.contains("column \"n\" is TEXT, expected INTEGER")
            && lagging.contains("rolled back"),
        "{lagging}"
    );
    // Adding it again through the API is refused with the same reason.
    let added = server.post(
        "/materializations",
        "application/json",
        &json!({"collection": "orchard/counters", "target": "other", "table": "orchard/counters"})
            .to_string(),
    );
    assert_eq!(added.0, 400);
    assert!(
        error_of(&added).contains("already materialized"),
        "{added:?}"
    );
    let again = server.post(
        "/materializations",
        "application/json",
        &json!({"collection": "orchard/counters", "target": "other", "table": "odd"}).to_string(),
    );
    assert_eq!(again.0, 400);
    assert!(
        error_of(&again).contains(
            "table \"odd\" already exists with another shape: it has no column \"n\" (INTEGER)"
        ),
        "{again:?}"
    );
    let lines = server.stop();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("column \"n\" is TEXT, expected INTEGER")),
        "{lines:#?}"
    );
}

#[test]
fn a_restart_resumes_registers_and_a_new_materialization_is_backfilled() {
    let dir = Scratch::new("restart");
    let weighing = |tree: &str, at: i64| json!({"orchard/weighings": [{"tree": tree, "at": at, "kilos": 1.0}]});
    let server = Server::start(&dir, &[], &[("orchard/tallies", DEFAULT_TARGET)]);
    assert_eq!(server.ingest(weighing("fig-1", 1)).0, 200);
    assert_eq!(server.ingest(weighing("fig-1", 2)).0, 200);
    // A retried request (same id) is answered without applying it again.
    let body = weighing("fig-2", 1).to_string();
    let first = server.post("/ingest?request=r1", "application/json", &body);
    let second = server.post("/ingest?request=r1", "application/json", &body);
    assert_eq!(
        (first.1["txn"].clone(), second.1["repeated"].clone()),
        (json!(3), json!(true))
    );
    server.stop();

    let server = Server::start(&dir, &[], &[("orchard/tallies", DEFAULT_TARGET)]);
    assert_eq!(server.ingest(weighing("fig-1", 3)).1["txn"], 4);
    // Backfilled from everything the collection received.
    let added = server.post(
        "/materializations",
        "application/json",
        &json!({"collection": "orchard/weighings", "target": "default", "table": "weighings", "fields": ["kilos"]}).to_string(),
    );
    assert_eq!(added.0, 200, "{added:?}");
    assert_eq!(added.1["keys"], 4);
    server.stop();
    let develop = Target::Sqlite(dir.join("develop.db"));
    assert_eq!(
        table(&develop, "orchard/tallies"),
        vec![
            json!({"tree": "fig-1", "seen": 3}),
            json!({"tree": "fig-2", "seen": 1})
        ]
    );
    let connection = rusqlite::Connection::open(dir.join("develop.db")).unwrap();
    let columns: Vec<String> = connection
        .prepare("SELECT name FROM pragma_table_info('weighings')")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(columns, ["kilos", "tree", "weighed at", "flow_document"]);
}

#[test]
fn a_postgres_going_away_mid_run_rolls_back_and_catches_up() {
    let Some(mut cluster) = Cluster::start() else {
        return;
    };
    let dir = Scratch::new("postgres-away");
    let target = Target::Postgres(cluster.database("orchard"));
    let server = Server::start(
        &dir,
        &[("pg", target.clone())],
        &[("orchard/counters", "pg"), ("orchard/trees", "pg")],
    );
    let batch = |from: i64| json!({"orchard/counters": (from..from + 10).map(|id| json!({"id": id % 15, "n": 1})).collect::<Vec<_>>()});
    assert_eq!(server.ingest(batch(0)).0, 200);
    cluster.pause();
    let answer = server.ingest(batch(10));
    assert_eq!(answer.0, 200, "{answer:?}");
    let lagging = answer.1["lagging"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        lagging.contains("orchard/counters") && lagging.contains("catches up from transaction 2"),
        "{lagging}"
    );
    assert_eq!(
        server.ingest(batch(20)).1["lagging"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    cluster.resume();
    let caught_up = server.ingest(batch(30));
    assert_eq!(caught_up.1["lagging"], json!([]), "{caught_up:?}");
    server.stop();
    let rows = table(&target, "orchard/counters");
    assert_eq!(rows.len(), 15);
    let total: i64 = rows.iter().map(|row| row["n"].as_i64().unwrap()).sum();
    assert_eq!(total, 40);
}
