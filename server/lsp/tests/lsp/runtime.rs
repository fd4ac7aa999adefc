//! The runtime through the protocol: `flowctl/preview` (feeding tests,
//! given inputs, refusals, a looping lambda stopped by its time limit, by
//! `$/cancelRequest` or by an edit, which is served meanwhile) and
//! `flowctl/lambdaDocument`.

use serde_json::{Value, json};

use crate::support::{TestServer, position_of};

/// Our greenhouse fixture as the workspace (`start` claims the first
/// publishes).
fn greenhouse() -> (TestServer, std::path::PathBuf) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/greenhouse");
    let mut builder = TestServer::builder();
    for entry in std::fs::read_dir(&dir).expect("the greenhouse fixture") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        builder = builder.file(&name, &std::fs::read_to_string(&path).unwrap());
    }
    (builder.start(), dir)
}

/// A kiln whose publish lambda spins on `{ spin: true }` firings.
const KILN: &str = "\
collections:
  kiln/firings:
    schema:
      type: object
      properties: { id: { type: string }, spin: { type: boolean } }
      required: [id]
    key: [/id]
  kiln/log:
    schema:
      type: object
      properties: { id: { type: string } }
      required: [id]
    key: [/id]
    derivation:
      transform:
        fromFirings:
          source: { name: kiln/firings }
          publish:
            nodeJS: |
              while (source.spin) {}
              return [{ id: source.id }];
";

fn kiln(timeout_ms: u64) -> TestServer {
    TestServer::builder()
        .file("flow.yaml", KILN)
        .initialization_options(json!({"lambdaTimeout": timeout_ms}))
        .start()
}

fn error_of(result: Result<Value, lsp_server::ResponseError>) -> lsp_server::ResponseError {
    result.expect_err("a refusal")
}

#[test]
fn a_preview_runs_the_derivation_on_each_feeding_test() {
    let (mut server, _) = greenhouse();
    let uri = server.url("rollups.flow.yaml");
    let preview = server
        .request(
            "flowctl/preview",
            json!({"uri": uri.as_str(), "collection": "greenhouse/zone-rollups"}),
        )
        .expect("a preview");
    assert_eq!(preview["collection"], "greenhouse/zone-rollups");
    let runs = preview["runs"].as_array().expect("runs");
    let run = runs
        .iter()
        .find(|run| run["test"] == "Zone rollups count, total and bound the readings")
        .expect("the rollups test feeds it");
    assert!(run.get("error").is_none(), "{run}");
    let seedlings = &run["reduced"][0];
    assert_eq!(seedlings["zone"], "seedlings");
    assert_eq!(seedlings["readings"], 3);
    assert_eq!(seedlings["celsiusTotal"], 52.75);
    let transform = &run["transforms"][0];
    assert_eq!(transform["name"], "fromReadings");
    assert_eq!(transform["uri"], uri.as_str());
    let text = std::fs::read_to_string(server.path("rollups.flow.yaml")).unwrap();
    assert_eq!(
        transform["range"]["start"],
        position_of(&text, "fromReadings", 0, 0)
    );
    assert_eq!(transform["reads"].as_array().unwrap().len(), 6);
    assert_eq!(transform["reads"][0]["published"][0]["readings"], 1);
    assert!(run["durationMs"].is_number());
    assert_eq!(run["console"], json!([]));
}

#[test]
fn a_preview_of_given_inputs_and_its_refusals() {
    let (mut server, _) = greenhouse();
    let reading =
        json!({"sensor": "s-77", "zone": "herbs", "ts": "2024-05-01T00:00:00Z", "celsius": 1.5});
    let preview = server
        .request(
            "flowctl/preview",
            json!({"collection": "greenhouse/zone-rollups", "inputs": {"greenhouse/readings": [reading]}}),
        )
        .expect("a preview");
    let run = &preview["runs"][0];
    assert_eq!(run["test"], Value::Null);
    assert_eq!(run["published"][0]["zone"], "herbs");
    assert_eq!(run["published"][0]["coldest"], 1.5);

    let captured = error_of(server.request(
        "flowctl/preview",
        json!({"collection": "greenhouse/readings"}),
    ));
    assert_eq!(captured.code, lsp_server::ErrorCode::RequestFailed as i32);
    assert!(
        captured.message.contains("is not a derived collection"),
        "{}",
        captured.message
    );
    let unknown =
        error_of(server.request("flowctl/preview", json!({"collection": "greenhouse/nope"})));
    assert_eq!(unknown.message, "no collection named \"greenhouse/nope\"");
}

#[test]
fn a_derivation_no_test_feeds_has_no_input_documents() {
    let mut server = kiln(1000);
    let error = error_of(server.request("flowctl/preview", json!({"collection": "kiln/log"})));
    assert_eq!(error.code, lsp_server::ErrorCode::RequestFailed as i32);
    assert!(
        error
            .message
            .starts_with("no input documents for \"kiln/firings\""),
        "{}",
        error.message
    );
}

#[test]
fn a_looping_lambda_fails_its_run_naming_the_time_limit_at_the_loop() {
    let mut server = kiln(150);
    let preview = server
        .request(
            "flowctl/preview",
            json!({"collection": "kiln/log", "inputs": {"kiln/firings": [{"id": "a", "spin": true}]}}),
        )
        .expect("a preview with a failed run");
    let error = &preview["runs"][0]["error"];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("time limit of 150 ms"),
        "{error}"
    );
    assert_eq!(error["uri"], server.url("flow.yaml").as_str());
    // In the body (QuickJS places an interrupted loop on its line or the next).
    let line = &error["range"]["start"]["line"];
    let body = position_of(KILN, "while", 0, 0)["line"].as_u64().unwrap();
    assert!([json!(body), json!(body + 1)].contains(line), "{error}");
    // The host goes on: a preview that does not loop runs.
    let fine = server
        .request(
            "flowctl/preview",
            json!({"collection": "kiln/log", "inputs": {"kiln/firings": [{"id": "b"}]}}),
        )
        .expect("a preview");
    assert_eq!(fine["runs"][0]["published"], json!([{"id": "b"}]));
}

/// A preview of a firing that spins until stopped (the time limit is ten
/// minutes: only a cancellation ends it in a test run).
fn spin(server: &mut TestServer) -> lsp_server::RequestId {
    server.send_request(
        "flowctl/preview",
        json!({"collection": "kiln/log", "inputs": {"kiln/firings": [{"id": "a", "spin": true}]}}),
    )
}

#[test]
fn cancelling_a_preview_stops_its_lambda() {
    let mut server = kiln(600_000);
    let spinning = spin(&mut server);
    let id = serde_json::to_value(&spinning).unwrap();
    server.notify("$/cancelRequest", json!({ "id": id }));
    let cancelled = error_of(server.await_response(&spinning));
    assert_eq!(
        cancelled.code,
        lsp_server::ErrorCode::RequestCanceled as i32
    );
    // The preview thread is free again: the next preview is answered.
    let next = server
        .request(
            "flowctl/preview",
            json!({"collection": "kiln/log", "inputs": {"kiln/firings": [{"id": "b"}]}}),
        )
        .expect("a preview");
    assert_eq!(next["runs"][0]["published"], json!([{"id": "b"}]));
}

#[test]
fn an_edit_is_served_while_a_preview_spins_and_stops_it() {
    let mut server = kiln(600_000);
    server.open("flow.yaml");
    server.await_publish("flow.yaml");
    let spinning = spin(&mut server);
    // `schema` misspelt: the edit is checked and published meanwhile.
    server.change("flow.yaml", (3, 4), (3, 10), "scheme");
    let publish = server.await_publish("flow.yaml");
    assert!(
        !publish.diagnostics.is_empty(),
        "the edit broke the catalog"
    );
    // The newer revision stops the spinning lambda: the preview is stale.
    let answer = error_of(server.await_response(&spinning));
    assert_eq!(
        answer.code,
        lsp_server::ErrorCode::ContentModified as i32,
        "{answer:?}"
    );
    let next = error_of(server.request("flowctl/preview", json!({"collection": "kiln/log"})));
    assert!(
        next.message.starts_with("the catalog has"),
        "{}",
        next.message
    );
}

#[test]
fn the_lambda_document_of_a_publish_lambda() {
    let (mut server, _) = greenhouse();
    server.open("frost.flow.yaml");
    server.await_publish("frost.flow.yaml");
    let text = std::fs::read_to_string(server.path("frost.flow.yaml")).unwrap();
    let params = json!({
        "textDocument": {"uri": server.url("frost.flow.yaml").as_str()},
        "position": position_of(&text, "wasFreezing", 0, 2),
    });
    let document = server
        .request("flowctl/lambdaDocument", params)
        .expect("a document");
    let generated = document["text"].as_str().unwrap();
    assert!(
        generated.contains("async function publish(source: collections.GreenhouseReadings, register: registers.GreenhouseFrostAlerts, previous: registers.GreenhouseFrostAlerts): Promise<collections.GreenhouseFrostAlerts[]> {"),
        "{generated}"
    );
    assert!(
        generated.contains("type GreenhouseFrostAlerts = number | null;"),
        "{generated}"
    );
    // Each mapped line is the YAML's, from the mapped character on.
    let generated_lines: Vec<&str> = generated.split('\n').collect();
    let yaml_lines: Vec<&str> = text.split('\n').collect();
    let lines = document["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 14, "one per body line");
    for line in lines {
        let body = generated_lines[line["generatedLine"].as_u64().unwrap() as usize];
        let yaml = yaml_lines[line["line"].as_u64().unwrap() as usize];
        let from = line["character"].as_u64().unwrap() as usize;
        assert_eq!(yaml.get(from..).unwrap_or(""), body);
    }
    assert_eq!(document["range"]["start"]["line"], lines[0]["line"]);
    // Outside a lambda: null.
    let outside = json!({
        "textDocument": {"uri": server.url("frost.flow.yaml").as_str()},
        "position": position_of(&text, "greenhouse/frost-alerts", 0, 3),
    });
    assert_eq!(
        server.request("flowctl/lambdaDocument", outside).unwrap(),
        Value::Null
    );
}
