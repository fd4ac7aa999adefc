//! Shared by the develop tests: the `fixtures/develop` plan, scratch
//! directories, an in-process `flowctl develop` on a free port with an HTTP
//! client, and reading a materialized table back.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use develop::{DEFAULT_TARGET, Options, Request};
use materialize::{Table, Target};
use runtime::engine::{Lambdas, Plan};
use runtime::lambda::QuickJsConfig;
use serde_json::Value;
pub use test_utils::scratch::Scratch;

pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/develop/flow.yaml")
        .canonicalize()
        .unwrap()
}

pub fn plan() -> Plan {
    let root = url::Url::from_file_path(fixture()).unwrap();
    let loaded = load::load(&root, &load::DiskFetch::new(Vec::new(), true));
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    Plan::build(&loaded.catalog, &loaded.schemas).unwrap()
}

pub struct Server {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), String>>>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts develop on a free port with the develop database in `dir`.
    pub fn start(dir: &Path, targets: &[(&str, Target)], materialize: &[(&str, &str)]) -> Server {
        let mut all = BTreeMap::from([(
            DEFAULT_TARGET.to_owned(),
            Target::Sqlite(dir.join("develop.db")),
        )]);
        for (name, target) in targets {
            all.insert((*name).to_owned(), target.clone());
        }
        let plan = plan();
        let requests: Vec<Request> = if materialize.is_empty() {
            plan.collection_names()
                .map(|name| Request {
                    collection: name.to_owned(),
                    target: DEFAULT_TARGET.to_owned(),
                    table: name.to_owned(),
                    fields: None,
                })
                .collect()
        } else {
            materialize
                .iter()
                .map(|(collection, target)| Request {
                    collection: (*collection).to_owned(),
                    target: (*target).to_owned(),
                    table: (*collection).to_owned(),
                    fields: None,
                })
                .collect()
        };
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (ready, listening) = mpsc::channel::<String>();
        let ready = Mutex::new(ready);
        let kept = lines.clone();
        let options = Options {
            plan: Arc::new(plan),
            lambdas: Box::new(|| {
                Lambdas::quickjs(QuickJsConfig::default()).map_err(|error| error.to_string())
            }),
            database: dir.join("develop.db"),
            targets: all,
            materialize: requests,
            listen: "127.0.0.1:0".parse().unwrap(),
            max_body: 1024 * 1024,
            log: Arc::new(move |line: &str| {
                kept.lock().unwrap().push(line.to_owned());
                if let Some(url) = line.strip_prefix("flowctl develop: listening on ") {
                    let _ = ready.lock().unwrap().send(url.to_owned());
                }
            }),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || develop::run(options, Some(stopped)));
        let url = listening
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("develop did not start: {:?}", lines.lock().unwrap()));
        Server {
            url,
            stop: Some(stop),
            thread: Some(thread),
            lines,
        }
    }

    pub fn post(&self, path: &str, content_type: &str, body: &str) -> (u16, Value) {
        let answer = ureq::post(&format!("{}{path}", self.url))
            .set("Content-Type", content_type)
            .send_string(body);
        let response = match answer {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(error) => panic!("{path}: {error}"),
        };
        let status = response.status();
        let text = response.into_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub fn ingest(&self, body: Value) -> (u16, Value) {
        self.post("/ingest", "application/json", &body.to_string())
    }

    pub fn stop(mut self) -> Vec<String> {
        let _ = self.stop.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap().unwrap();
        self.lines.lock().unwrap().clone()
    }
}

/// The stored documents of a collection's table in `target`.
pub fn table(target: &Target, collection: &str) -> Vec<Value> {
    let plan = plan();
    let table = Table::new(plan.collection(collection).unwrap(), collection, None).unwrap();
    let mut database = materialize::connect(target).unwrap();
    materialize::stored(database.as_mut(), &table).unwrap()
}

pub fn error_of(answer: &(u16, Value)) -> String {
    answer.1["error"].as_str().unwrap_or_default().to_owned()
}
