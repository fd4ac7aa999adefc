//! An in-process LSP client for tests (ty's `TestServer` shape): the server
//! runs on a thread over `Connection::memory()` with one worker, so runs are
//! deterministic; the workspace is a temporary directory on disk. Every
//! message the server sends must be claimed by the test (`await_response`,
//! `await_publish`, `await_notification`, `await_server_request`); on drop
//! the client shuts the server down and fails if anything went unread.
//! Timeouts only guard against hangs; nothing sleeps.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response, ResponseError};
use lsp_types::PublishDiagnosticsParams;
use serde_json::{Value, json};
use test_utils::scratch::Scratch;
use url::Url;

/// How long a message may take before the test fails as hung. A guard
/// against hangs, not a speed target: the heaviest test runs (10,000
/// documents, a lambda allocating to its limit) take over 20 s in the debug
/// profile on a loaded 2-core machine.
const TIMEOUT: Duration = Duration::from_secs(60);

pub struct Builder {
    files: Vec<(String, String)>,
    capabilities: Value,
    initialization_options: Option<Value>,
    dynamic_registration: bool,
}

impl Builder {
    /// A file of the workspace on disk (path relative to its root).
    pub fn file(mut self, path: &str, text: &str) -> Builder {
        self.files.push((path.to_string(), text.to_string()));
        self
    }

    /// Client capabilities, merged over the defaults (push diagnostics
    /// with related information, UTF-16, no dynamic registration).
    pub fn capabilities(mut self, capabilities: Value) -> Builder {
        merge(&mut self.capabilities, capabilities);
        self
    }

    /// The client registers file watchers dynamically (the server asks at
    /// start; `TestServer::registration` holds what it asked).
    pub fn dynamic_registration(mut self) -> Builder {
        self.dynamic_registration = true;
        self.capabilities(
            json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        )
    }

    pub fn initialization_options(mut self, options: Value) -> Builder {
        self.initialization_options = Some(options);
        self
    }

    pub fn start(self) -> TestServer {
        let files: Vec<(&str, &str)> = self
            .files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .collect();
        let scratch = Scratch::with_files("lsp-test", &files);
        let root = scratch
            .canonicalize()
            .expect("the temporary directory exists");
        let (server, client) = Connection::memory();
        let options = lsp::Options {
            workers: 1,
            test_requests: true,
        };
        let thread = std::thread::spawn(move || lsp::run(server, options));
        let mut test = TestServer {
            client,
            thread: Some(thread),
            root,
            _scratch: scratch,
            next_id: 0,
            unclaimed: VecDeque::new(),
            versions: HashMap::new(),
            texts: HashMap::new(),
            shut_down: false,
            capabilities_seen: None,
            initial: HashMap::new(),
            registration: None,
        };
        let root_uri = Url::from_directory_path(&test.root).unwrap().to_string();
        let id = test.send_request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "capabilities": self.capabilities,
                "initializationOptions": self.initialization_options,
                "workspaceFolders": [{"uri": root_uri, "name": "fixture"}],
            }),
        );
        let result = test.await_response(&id).expect("initialize succeeds");
        test.capabilities_seen = Some(result);
        test.notify("initialized", json!({}));
        if self.dynamic_registration {
            let registration = test.await_server_request("client/registerCapability");
            test.registration = Some(registration.params.clone());
            test.respond(registration.id, Value::Null);
        }
        // The first build publishes every file of the workspace's catalogs;
        // `flowctl/status` is answered after it, so they all came before.
        let id = test.send_request("flowctl/status", Value::Null);
        test.await_response(&id).expect("status succeeds");
        let prefix = Url::from_directory_path(&test.root).unwrap().to_string();
        for message in std::mem::take(&mut test.unclaimed) {
            match message {
                Message::Notification(n) if n.method == "textDocument/publishDiagnostics" => {
                    let publish: PublishDiagnosticsParams =
                        serde_json::from_value(n.params).unwrap();
                    let path = publish
                        .uri
                        .as_str()
                        .strip_prefix(&prefix)
                        .unwrap_or(publish.uri.as_str())
                        .to_string();
                    test.initial.insert(path, publish);
                }
                other => test.unclaimed.push_back(other),
            }
        }
        test
    }
}

fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, overlay) => *base = overlay,
    }
}

pub struct TestServer {
    client: Connection,
    thread: Option<JoinHandle<Result<bool, String>>>,
    pub root: PathBuf,
    /// The workspace directory, removed after the server has shut down.
    _scratch: Scratch,
    next_id: i32,
    /// Messages read while waiting for another one.
    unclaimed: VecDeque<Message>,
    versions: HashMap<Url, i32>,
    texts: HashMap<Url, String>,
    shut_down: bool,
    capabilities_seen: Option<Value>,
    /// The first build's publishes, by path relative to the workspace root
    /// (URI for files outside it).
    pub initial: HashMap<String, PublishDiagnosticsParams>,
    /// The file watcher registration the server asked for, if any.
    pub registration: Option<Value>,
}

#[allow(dead_code)] // Each test file uses a part.
impl TestServer {
    pub fn builder() -> Builder {
        Builder {
            files: Vec::new(),
            capabilities: json!({
                "textDocument": {"publishDiagnostics": {"relatedInformation": true}},
                "general": {"positionEncodings": ["utf-16"]},
            }),
            initialization_options: None,
            dynamic_registration: false,
        }
    }

    /// The `initialize` result.
    pub fn initialize_result(&self) -> &Value {
        self.capabilities_seen.as_ref().expect("initialized")
    }

    pub fn url(&self, path: &str) -> Url {
        Url::from_file_path(self.root.join(path)).unwrap()
    }

    pub fn path(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }

    pub fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.client
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.to_string(),
                params,
            )))
            .expect("the server is running");
        id
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.client
            .sender
            .send(Message::Notification(Notification::new(
                method.to_string(),
                params,
            )))
            .expect("the server is running");
    }

    /// Sends a request and waits for its answer.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, ResponseError> {
        let id = self.send_request(method, params);
        self.await_response(&id)
    }

    fn next_message(&mut self, what: &str) -> Message {
        match self.client.receiver.recv_timeout(TIMEOUT) {
            Ok(message) => message,
            Err(_) => panic!(
                "timed out waiting for {what}; unclaimed so far: {:#?}",
                self.unclaimed
            ),
        }
    }

    /// Takes the first message (queued or new) that `matches` accepts.
    fn await_message(&mut self, what: &str, matches: impl Fn(&Message) -> bool) -> Message {
        if let Some(at) = self.unclaimed.iter().position(&matches) {
            return self.unclaimed.remove(at).unwrap();
        }
        loop {
            let message = self.next_message(what);
            if matches(&message) {
                return message;
            }
            self.unclaimed.push_back(message);
        }
    }

    pub fn await_response(&mut self, id: &RequestId) -> Result<Value, ResponseError> {
        let message = self.await_message(
            &format!("the response to {id}"),
            |message| matches!(message, Message::Response(response) if &response.id == id),
        );
        match message {
            Message::Response(Response {
                response_result, ..
            }) => response_result,
            _ => unreachable!(),
        }
    }

    pub fn await_notification(&mut self, method: &str) -> Value {
        let message = self.await_message(
            method,
            |message| matches!(message, Message::Notification(n) if n.method == method),
        );
        match message {
            Message::Notification(notification) => notification.params,
            _ => unreachable!(),
        }
    }

    /// The next diagnostics published for `path`.
    pub fn await_publish(&mut self, path: &str) -> PublishDiagnosticsParams {
        let uri = self.url(path).to_string();
        let message = self.await_message(&format!("diagnostics of {path}"), |message| {
            matches!(message, Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri.as_str())
        });
        match message {
            Message::Notification(notification) => {
                serde_json::from_value(notification.params).unwrap()
            }
            _ => unreachable!(),
        }
    }

    /// The next publish of each of `paths`, by path.
    pub fn await_publishes(&mut self, paths: &[&str]) -> HashMap<String, PublishDiagnosticsParams> {
        paths
            .iter()
            .map(|path| (path.to_string(), self.await_publish(path)))
            .collect()
    }

    /// A request the server sent the client.
    pub fn await_server_request(&mut self, method: &str) -> Request {
        let message = self.await_message(
            method,
            |message| matches!(message, Message::Request(r) if r.method == method),
        );
        match message {
            Message::Request(request) => request,
            _ => unreachable!(),
        }
    }

    pub fn respond(&self, id: RequestId, result: Value) {
        self.client
            .sender
            .send(Message::Response(Response::new_ok(id, result)))
            .expect("the server is running");
    }

    /// Opens a workspace file with its text on disk.
    pub fn open(&mut self, path: &str) {
        let text = std::fs::read_to_string(self.path(path)).unwrap_or_default();
        self.open_with(path, &text);
    }

    pub fn open_with(&mut self, path: &str, text: &str) {
        let url = self.url(path);
        self.versions.insert(url.clone(), 1);
        self.texts.insert(url.clone(), text.to_string());
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": url.as_str(), "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    /// Sends one incremental change: replace `range` ((line, character) in
    /// the session's encoding) with `text`. Returns the new version.
    pub fn change(&mut self, path: &str, start: (u32, u32), end: (u32, u32), text: &str) -> i32 {
        let url = self.url(path);
        let version = self.versions.get(&url).copied().unwrap_or(0) + 1;
        self.versions.insert(url.clone(), version);
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": url.as_str(), "version": version},
                "contentChanges": [{
                    "range": {"start": {"line": start.0, "character": start.1},
                              "end": {"line": end.0, "character": end.1}},
                    "text": text,
                }],
            }),
        );
        version
    }

    /// Replaces the whole text (a full change). Returns the new version.
    pub fn replace(&mut self, path: &str, text: &str) -> i32 {
        let url = self.url(path);
        let version = self.versions.get(&url).copied().unwrap_or(0) + 1;
        self.versions.insert(url.clone(), version);
        self.texts.insert(url.clone(), text.to_string());
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": url.as_str(), "version": version}, "contentChanges": [{"text": text}]}),
        );
        version
    }

    pub fn close(&mut self, path: &str) {
        let url = self.url(path);
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": url.as_str()}}),
        );
    }

    /// Writes a file on disk (without telling the server).
    pub fn write(&self, path: &str, text: &str) {
        std::fs::write(self.path(path), text).unwrap();
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.path(path)).unwrap();
    }

    /// Fails when a message was left unclaimed.
    pub fn assert_all_claimed(&mut self) {
        while let Ok(message) = self.client.receiver.try_recv() {
            self.unclaimed.push_back(message);
        }
        assert!(
            self.unclaimed.is_empty(),
            "unclaimed messages: {:#?}",
            self.unclaimed
        );
    }

    /// `shutdown` then `exit`; returns whether the server called it clean.
    pub fn shutdown(&mut self) -> bool {
        self.shut_down = true;
        let id = self.send_request("shutdown", Value::Null);
        // (A test that already sent `shutdown` gets InvalidRequest here.)
        let _ = self.await_response(&id);
        self.notify("exit", Value::Null);
        let clean = self
            .thread
            .take()
            .expect("running")
            .join()
            .expect("the server thread does not panic")
            .expect("the server ends without error");
        self.assert_all_claimed();
        clean
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if std::thread::panicking() || self.shut_down {
            return;
        }
        assert!(self.shutdown(), "the server exits cleanly after shutdown");
    }
}

/// Codes of a publish, in order.
pub fn codes(publish: &PublishDiagnosticsParams) -> Vec<String> {
    publish
        .diagnostics
        .iter()
        .map(|d| match &d.code {
            Some(lsp_types::NumberOrString::String(code)) => code.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// A small catalog of our own: books, and loans whose test ingests books.
pub const ROOT: &str = "import: [books.flow.yaml, loans.flow.yaml]\n";
pub const BOOKS: &str = "\
collections:
  library/books:
    schema:
      type: object
      properties:
        isbn: { type: string }
        title: { type: string }
      required: [isbn]
    key: [/isbn]
";
pub const LOANS: &str = "\
import: [books.flow.yaml]
tests:
  library/test-loans:
    - ingest:
        collection: library/books
        documents: [{ isbn: \"1\", title: Dune }]
";

pub fn library() -> TestServer {
    TestServer::builder()
        .file("flow.yaml", ROOT)
        .file("books.flow.yaml", BOOKS)
        .file("loans.flow.yaml", LOANS)
        .start()
}

/// The (line, UTF-16 character) where `needle` starts in `text` (its
/// `nth` occurrence, from 0), plus `delta` characters.
pub fn position_of(text: &str, needle: &str, nth: usize, delta: u32) -> Value {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .expect("the needle is in the text")
        .0;
    let before = &text[..at];
    let line = before.matches('\n').count() as u32;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: u32 = text[line_start..at]
        .chars()
        .map(|c| c.len_utf16() as u32)
        .sum();
    json!({"line": line, "character": character + delta})
}
