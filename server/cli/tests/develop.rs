//! `flowctl develop` as a process: killed with SIGKILL in the middle of a
//! stream of ingests, restarted on the same develop database, and fed the
//! unacknowledged requests again (with their request ids): every document
//! is materialized exactly once, in SQLite and in a real PostgreSQL
//! (`test_utils::postgres`). Also `flowctl ingest` (CSV in batches) and
//! `flowctl materialize` against a running develop, and Ctrl-C (SIGINT)
//! stopping it cleanly.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use test_utils::postgres::Cluster;
use test_utils::scratch::Scratch;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/develop/flow.yaml")
        .canonicalize()
        .unwrap()
}

/// A catalog importing the fixture, with a PostgreSQL target `pg` when given.
fn catalog(dir: &Path, postgres: Option<&str>) -> PathBuf {
    let mut text = format!("import:\n  - {}\n", fixture().display());
    if let Some(uri) = postgres {
        text.push_str(&format!(
            "materializationTargets:\n  pg:\n    postgres: {{ uri: \"{uri}\" }}\n"
        ));
    }
    let path = dir.join("flow.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

struct Develop {
    child: Child,
    url: String,
    lines: mpsc::Receiver<String>,
}

fn develop(dir: &Path, materialize: &str) -> Develop {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args([
            "develop",
            "--offline",
            "--port",
            "0",
            "--source",
            "flow.yaml",
            "--db",
            "develop.db",
        ])
        .args(["--materialize", materialize])
        .current_dir(dir)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let url = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(120))
            .expect("develop prints where it listens");
        if let Some(url) = line.strip_prefix("flowctl develop: listening on ") {
            break url.to_owned();
        }
    };
    Develop { child, url, lines }
}

fn batch(index: usize) -> String {
    let documents: Vec<Value> = (0..200)
        .map(|i| json!({"id": index * 200 + i, "n": 1, "batch": format!("b{index}")}))
        .collect();
    json!({"orchard/counters": documents}).to_string()
}

fn send(url: &str, index: usize) -> Result<u16, String> {
    ureq::post(&format!("{url}/ingest?request=batch-{index}"))
        .send_string(&batch(index))
        .map(|response| response.status())
        .map_err(|error| error.to_string())
}

/// The `n` of every row of orchard/counters, by id, read with the same
/// library the server writes with.
fn counts(target: &materialize::Target, table: &str) -> Vec<(i64, i64)> {
    let root = url::Url::from_file_path(fixture()).unwrap();
    let loaded = load::load(&root, &load::DiskFetch::new(Vec::new(), true));
    let plan = runtime::engine::Plan::build(&loaded.catalog, &loaded.schemas).unwrap();
    let table =
        materialize::Table::new(plan.collection("orchard/counters").unwrap(), table, None).unwrap();
    let mut database = materialize::connect(target).unwrap();
    materialize::stored(database.as_mut(), &table)
        .unwrap()
        .iter()
        .map(|row| (row["id"].as_i64().unwrap(), row["n"].as_i64().unwrap()))
        .collect()
}

/// Kill -9 mid-stream, restart, resend what was not acknowledged.
fn crash_and_resume(dir: &Path, materialize: &str, target: &materialize::Target) {
    let table = materialize
        .rsplit_once(':')
        .map_or("orchard/counters", |(_, table)| table);
    const BATCHES: usize = 12;
    let server = develop(dir, materialize);
    for index in 0..4 {
        assert_eq!(send(&server.url, index), Ok(200));
    }
    // A stream of requests in flight while the process is killed.
    let url = server.url.clone();
    let (acked, acknowledged) = mpsc::channel();
    let stream = std::thread::spawn(move || {
        for index in 4..BATCHES {
            match send(&url, index) {
                Ok(200) => acked.send(index).unwrap(),
                _ => break,
            }
        }
    });
    // Killed once the stream is under way.
    let first = acknowledged.recv_timeout(Duration::from_secs(60)).unwrap();
    let mut child = server.child;
    child.kill().unwrap();
    child.wait().unwrap();
    stream.join().unwrap();
    let mut last_acknowledged = first;
    while let Ok(index) = acknowledged.try_recv() {
        last_acknowledged = index;
    }

    // Everything acknowledged is there exactly once; the request in flight
    // is there entirely or not at all.
    let rows = counts(target, table);
    assert!(
        rows.iter().all(|&(_, n)| n == 1),
        "a duplicate before the restart"
    );
    let held = rows.len();
    eprintln!(
        "killed after batch {last_acknowledged} was acknowledged: {} batch(es) held",
        held / 200
    );
    assert!(
        held == (last_acknowledged + 1) * 200 || held == (last_acknowledged + 2) * 200,
        "{held} rows after batch {last_acknowledged} was acknowledged"
    );

    // Restart: resend everything not acknowledged, with the same ids.
    let server = develop(dir, materialize);
    for index in last_acknowledged + 1..BATCHES {
        assert_eq!(send(&server.url, index), Ok(200));
    }
    // Ctrl-C stops it cleanly.
    let status = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = server.child;
    assert!(child.wait().unwrap().success());
    let said: Vec<String> = server.lines.try_iter().collect();
    assert!(
        said.iter().any(|line| line.contains("stopping")),
        "{said:#?}"
    );

    let rows = counts(target, table);
    assert_eq!(rows.len(), BATCHES * 200, "a document was lost");
    assert!(
        rows.iter().all(|&(_, n)| n == 1),
        "a document was applied twice"
    );
    let ids: Vec<i64> = rows.iter().map(|&(id, _)| id).collect();
    assert_eq!(ids, (0..(BATCHES * 200) as i64).collect::<Vec<_>>());
}

#[test]
fn killed_mid_stream_and_restarted_loses_and_repeats_nothing_in_sqlite() {
    let dir = Scratch::new("crash-sqlite");
    catalog(&dir, None);
    crash_and_resume(
        &dir,
        "orchard/counters=default",
        &materialize::Target::Sqlite(dir.join("develop.db")),
    );
}

#[test]
fn killed_mid_stream_and_restarted_loses_and_repeats_nothing_in_postgres() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let dir = Scratch::new("crash-postgres");
    let uri = cluster.database("crash");
    catalog(&dir, Some(&uri));
    crash_and_resume(
        &dir,
        "orchard/counters=pg:counters",
        &materialize::Target::Postgres(uri),
    );
}

#[test]
fn ingest_sends_files_in_batches_and_materialize_adds_a_backfilled_table() {
    let dir = Scratch::new("ingest");
    catalog(&dir, None);
    let server = develop(&dir, "orchard/weighings=default");
    let mut csv = String::from("tree,weighed at,kilos\n");
    for at in 0..2500 {
        csv.push_str(&format!("tree-{},{at},1.5\n", at % 10));
    }
    std::fs::write(dir.join("weighings.csv"), csv).unwrap();
    std::fs::write(
        dir.join("more.jsonl"),
        "{\"tree\": \"tree-0\", \"at\": 9000, \"kilos\": 2}\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args([
            "ingest",
            "orchard/weighings",
            "weighings.csv",
            "more.jsonl",
            "--url",
            &server.url,
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("ingested 2501 document(s) into \"orchard/weighings\" in 4 transaction(s)"),
        "{stderr}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args([
            "materialize",
            "--collection",
            "orchard/trees",
            "--table-name",
            "trees",
        ])
        .args(["--fields", "kilos", "--url", &server.url])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("(10 row(s) backfilled)"), "{stdout}");
    // A bad file is refused naming the row.
    std::fs::write(dir.join("bad.csv"), "tree,weighed at,kilos\nt,1,2,3\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args([
            "ingest",
            "orchard/weighings",
            "bad.csv",
            "--url",
            &server.url,
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("line 2: 4 cells, but only 3 headers"),
        "{stderr}"
    );
    let mut child = server.child;
    child.kill().unwrap();
    child.wait().unwrap();
}
