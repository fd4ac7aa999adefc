//! Test runs through the language server, in process
//! (`lsp_server::Connection::memory`), with percentiles (divan reports no
//! p95): `cargo bench -p lsp --bench tests`.
//!
//! * run one test (`flowctl.runTests` with one name, until its answer) of
//!   the corpus and of the generated 1,000-collection catalog;
//! * edit → diagnostics (a change that adds or removes a mistake in one
//!   file of the 1,000-collection catalog, until its publish) idle, and
//!   while a test loops in a lambda on the runtime thread.
//!
//! Samples are wall-clock times on whatever else the machine runs; read
//! them as such.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use url::Url;

struct Client {
    connection: Connection,
    thread: Option<std::thread::JoinHandle<Result<bool, String>>>,
    next: i32,
    version: i32,
}

impl Client {
    fn start(root: &Path, options: Value) -> Client {
        let (server, connection) = Connection::memory();
        let thread = std::thread::spawn(move || lsp::run(server, lsp::Options::default()));
        let mut client = Client {
            connection,
            thread: Some(thread),
            next: 0,
            version: 0,
        };
        let uri = Url::from_directory_path(root).unwrap().to_string();
        client.request(
            "initialize",
            json!({
                "processId": null, "rootUri": uri, "capabilities": {},
                "initializationOptions": options,
                "workspaceFolders": [{"uri": uri, "name": "bench"}],
            }),
        );
        client.notify("initialized", json!({}));
        client.request("flowctl/status", Value::Null);
        client
    }

    fn send(&mut self, method: &str, params: Value) -> RequestId {
        self.next += 1;
        let id = RequestId::from(self.next);
        let request = Request::new(id.clone(), method.to_string(), params);
        self.connection
            .sender
            .send(Message::Request(request))
            .unwrap();
        id
    }

    fn notify(&self, method: &str, params: Value) {
        let notification = Notification::new(method.to_string(), params);
        self.connection
            .sender
            .send(Message::Notification(notification))
            .unwrap();
    }

    /// Waits for the first message `matches` accepts, dropping others.
    fn wait(&self, matches: impl Fn(&Message) -> bool) -> Message {
        loop {
            let message = self
                .connection
                .receiver
                .recv_timeout(Duration::from_secs(120))
                .expect("the server answers");
            if matches(&message) {
                return message;
            }
        }
    }

    fn response(&self, id: &RequestId) -> Value {
        match self.wait(|m| matches!(m, Message::Response(r) if &r.id == id)) {
            Message::Response(response) => match response.response_result {
                Ok(result) => result,
                Err(error) => panic!("{error:?}"),
            },
            _ => unreachable!(),
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params);
        self.response(&id)
    }

    fn replace(&mut self, uri: &str, text: &str) {
        self.version += 1;
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": self.version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn publish_of(&self, uri: &str) {
        self.wait(|m| {
            matches!(m, Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri)
        });
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let id = self.send("shutdown", Value::Null);
        self.response(&id);
        self.notify("exit", Value::Null);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn percentiles(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    println!(
        "{name:<44} n={:<4} p50 {:>9.2?}  p95 {:>9.2?}  max {:>9.2?}",
        samples.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
}

/// Runs `name` `runs` times; the time of each, from command to answer.
fn run_one(client: &mut Client, name: &str, runs: usize) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            let answer = client.request(
                "workspace/executeCommand",
                json!({"command": "flowctl.runTests", "arguments": [{"tests": [name]}]}),
            );
            assert_eq!(
                answer["tests"].as_array().map(Vec::len),
                Some(1),
                "{answer}"
            );
            started.elapsed()
        })
        .collect()
}

/// Edits `uri` back and forth between `text` and a version with a
/// mistake; the time from each change to its publish.
fn edits(client: &mut Client, uri: &str, text: &str, count: usize) -> Vec<Duration> {
    let broken = format!("{text}\nnotAProperty: 1\n");
    (0..count)
        .map(|index| {
            let started = Instant::now();
            client.replace(uri, if index % 2 == 0 { &broken } else { text });
            client.publish_of(uri);
            started.elapsed()
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

const SPIN: &str = "\
collections:
  spin/in:
    schema: { type: object, properties: { id: { type: string } }, required: [id] }
    key: [/id]
  spin/out:
    schema: { type: object, properties: { id: { type: string } }, required: [id] }
    key: [/id]
    derivation:
      transform:
        spin:
          source: { name: spin/in }
          publish: { nodeJS: \"while (true) {}\" }
tests:
  spin/forever:
    - ingest: { collection: spin/in, documents: [{ id: \"1\" }] }
";

fn main() {
    // Corpus: one test, many times.
    let corpus = test_utils::corpus::corpus_dir();
    let options = json!({"flowctl": {"offline": true,
        "mapUrl": [format!("{}={}", test_utils::corpus::REMOTE_PREFIX, corpus.display())]}});
    let mut client = Client::start(&corpus, options);
    let name = "Expect last-seen derives from rides";
    run_one(&mut client, name, 5);
    percentiles("run one corpus test", run_one(&mut client, name, 100));
    drop(client);

    // The generated catalog, copied beside a looping test of its own root.
    let generated = test_utils::corpus::generated(1000, 200);
    let workspace: PathBuf = generated.with_file_name("bench-runs-gen-1000");
    let _ = std::fs::remove_dir_all(&workspace);
    copy_dir(&generated, &workspace);
    std::fs::write(workspace.join("spin.flow.yaml"), SPIN).unwrap();
    let mut client = Client::start(
        &workspace,
        json!({"flowctl": {"offline": true, "lambdaTimeout": 600_000}}),
    );
    let discovered = client.request("flowctl/discoverTests", json!({}));
    let first = discovered["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|test| test["name"] != "spin/forever")
        .expect("the generated catalog has tests")
        .clone();
    let name = first["name"].as_str().unwrap();
    run_one(&mut client, name, 3);
    percentiles("run one gen-1000 test", run_one(&mut client, name, 30));

    // Edit → diagnostics: one file of the catalog, open.
    let file = std::fs::read_dir(workspace.join("ads"))
        .ok()
        .and_then(|mut entries| entries.next())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .unwrap_or_else(|| workspace.join("flow.yaml"));
    let uri = Url::from_file_path(&file).unwrap().to_string();
    let text = std::fs::read_to_string(&file).unwrap();
    client.version = 1;
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    client.request("flowctl/status", Value::Null);
    edits(&mut client, &uri, &text, 6);
    // Idle and busy rounds alternate, so a change in the machine's load
    // falls on both.
    let spin = Url::from_file_path(workspace.join("spin.flow.yaml")).unwrap();
    let (mut idle, mut busy) = (Vec::new(), Vec::new());
    for _ in 0..4 {
        idle.extend(edits(&mut client, &uri, &text, 20));
        let run = client.send(
            "workspace/executeCommand",
            json!({"command": "flowctl.runTests", "arguments": [{"uri": spin.as_str()}]}),
        );
        client.wait(|m| {
            matches!(m, Message::Notification(n) if n.method == "flowctl/testResults" && n.params["state"] == "started")
        });
        busy.extend(edits(&mut client, &uri, &text, 20));
        client.request(
            "workspace/executeCommand",
            json!({"command": "flowctl.cancelTests", "arguments": []}),
        );
        let answer = client.response(&run);
        assert_eq!(answer["status"], "cancelled", "the loop ran all along");
    }
    percentiles("edit -> diagnostics, idle (gen-1000)", idle);
    percentiles("edit -> diagnostics, a lambda looping (gen-1000)", busy);
    drop(client);
    let _ = std::fs::remove_dir_all(&workspace);
}
