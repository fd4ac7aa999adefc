//! Tests in the editor (issue #9) through the protocol: code lenses,
//! `flowctl/discoverTests`, `flowctl.runTests` with its
//! `flowctl/testResults`, `T1` diagnostics and "accept actual", refusals,
//! cancellation (a newer run, `flowctl.cancelTests`, `$/cancelRequest`),
//! and edits served while a looping lambda runs. Ordering is asserted by
//! the order messages arrive in; nothing is timed.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{TestServer, codes};

/// Every file of `fixtures/<name>` as workspace files.
fn fixture(name: &str) -> TestServer {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name);
    let mut builder = TestServer::builder();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        if file.ends_with(".yaml") {
            builder = builder.file(&file, &std::fs::read_to_string(&path).unwrap());
        }
    }
    builder.start()
}

fn run_tests(server: &mut TestServer, argument: Value) -> lsp_server::RequestId {
    server.send_request(
        "workspace/executeCommand",
        json!({"command": "flowctl.runTests", "arguments": [argument]}),
    )
}

/// The `flowctl/testResults` of one run, up to its last (`finished` or
/// `cancelled`): the states in order, and the last one's results.
fn await_results(server: &mut TestServer) -> (Vec<String>, Vec<Value>) {
    let mut states = Vec::new();
    loop {
        let params = server.await_notification("flowctl/testResults");
        let state = params["state"].as_str().unwrap().to_string();
        states.push(state.clone());
        if state == "finished" || state == "cancelled" {
            return (states, params["results"].as_array().unwrap().clone());
        }
    }
}

/// Waits for a `flowctl/testResults` notification in `state`.
fn await_state(server: &mut TestServer, state: &str) -> Value {
    loop {
        let params = server.await_notification("flowctl/testResults");
        if params["state"] == state {
            return params;
        }
    }
}

const SHOP: &str = "\
collections:
  shop/orders:
    schema:
      type: object
      reduce: { strategy: merge }
      properties:
        id: { type: string }
        total: { type: integer, reduce: { strategy: sum } }
      required: [id]
    key: [/id]
  shop/doubled:
    schema:
      type: object
      properties: { id: { type: string }, total: { type: integer } }
      required: [id]
    key: [/id]
    derivation:
      transform:
        fromOrders:
          source: { name: shop/orders }
          publish: { nodeJS: \"return [{ id: source.id, total: source.total * 2 }];\" }
tests:
  shop/sums:
    - ingest:
        collection: shop/orders
        documents:
          - { id: \"1\", total: 2 }
          - { id: \"1\", total: 3 }
    - verify:
        collection: shop/orders
        documents:
          - { id: \"1\", total: 5 }
  shop/doubles:
    - ingest: { collection: shop/orders, documents: [{ id: \"7\", total: 4 }] }
    - verify: { collection: shop/doubled, documents: [{ id: \"7\", total: 8 }] }
";

fn shop() -> TestServer {
    TestServer::builder().file("flow.yaml", SHOP).start()
}

#[test]
fn lenses_commands_and_discovery_are_advertised_and_answered() {
    let mut server = fixture("greenhouse");
    let capabilities = &server.initialize_result()["capabilities"];
    assert_eq!(
        capabilities["executeCommandProvider"]["commands"],
        json!(["flowctl.runTests", "flowctl.cancelTests", "flowctl.preview"])
    );
    assert!(capabilities["codeLensProvider"].is_object());

    let uri = server.url("frost.flow.yaml").to_string();
    let lenses = server
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    let lenses = lenses.as_array().unwrap();
    let titles: Vec<&str> = lenses
        .iter()
        .map(|lens| lens["command"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["▶ Run all tests", "Preview", "▶ Run test"]);
    assert_eq!(
        lenses[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    assert_eq!(lenses[0]["command"]["arguments"], json!([{"uri": uri}]));
    assert_eq!(lenses[1]["command"]["command"], "flowctl.preview");
    let collection = lenses[1]["command"]["arguments"][0]["collection"].clone();
    let test = &lenses[2]["command"];
    assert_eq!(test["command"], "flowctl.runTests");
    assert_eq!(
        test["arguments"],
        json!([{"uri": uri, "tests": ["Frost alerts fire on the way down and on the way back up"]}])
    );

    // Discovery: every test of the workspace in run order, or one file's.
    let all = server.request("flowctl/discoverTests", json!({})).unwrap();
    let all = all["tests"].as_array().unwrap();
    assert_eq!(all.len(), 5, "{all:#?}");
    let frost = server
        .request("flowctl/discoverTests", json!({"uri": uri}))
        .unwrap();
    let frost = &frost["tests"][0];
    assert_eq!(frost["name"], test["arguments"][0]["tests"][0]);
    assert_eq!(frost["selectionRange"], lenses[2]["range"]);
    assert!(
        frost["range"]["end"]["line"].as_u64() > frost["selectionRange"]["end"]["line"].as_u64()
    );
    let kinds: Vec<&str> = frost["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"ingest") && kinds.contains(&"verify"),
        "{kinds:?}"
    );

    // The lenses' commands: running the test answers what `flowctl test
    // --format json` prints, with its trace, a status and a run id.
    let id = server.send_request("workspace/executeCommand", test.clone());
    let (states, results) = await_results(&mut server);
    assert_eq!(states, ["started", "running", "finished"]);
    assert_eq!(results[0]["status"], "passed");
    assert_eq!(results[0]["uri"], uri.as_str());
    assert!(
        results[0]["trace"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    let answer = server.await_response(&id).unwrap();
    assert_eq!(answer["status"], "passed");
    assert_eq!(
        (answer["passed"].clone(), answer["failed"].clone()),
        (json!(1), json!(0))
    );
    assert!(answer["runId"].is_u64());
    let first = &answer["tests"][0];
    assert_eq!(first["path"], "frost.flow.yaml");
    assert_eq!(first["range"], frost["selectionRange"]);
    assert!(first["duration_ms"].is_number() && first["trace"].is_array());

    let preview = server
        .request(
            "workspace/executeCommand",
            json!({"command": "flowctl.preview", "arguments": [{"uri": uri, "collection": collection}]}),
        )
        .unwrap();
    assert_eq!(preview["collection"], collection);
    assert!(!preview["runs"].as_array().unwrap().is_empty());
}

#[test]
fn every_greenhouse_test_passes_and_failing_fixtures_fail_with_t1() {
    let mut server = fixture("greenhouse");
    let id = run_tests(&mut server, json!({}));
    let (_, results) = await_results(&mut server);
    assert_eq!(results.len(), 5);
    let answer = server.await_response(&id).unwrap();
    assert_eq!(answer["status"], "passed", "{answer:#}");

    // The tests of one file of fixtures/failing (the others fail in
    // lambdas, with no T1).
    let mut server = fixture("failing");
    let uri = server.url("verify.flow.yaml").to_string();
    let discovered = server
        .request("flowctl/discoverTests", json!({"uri": uri}))
        .unwrap();
    let names: Vec<Value> = discovered["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|test| test["name"].clone())
        .collect();
    assert!(!names.is_empty());
    let id = run_tests(&mut server, json!({"uri": uri, "tests": names}));
    let (_, results) = await_results(&mut server);
    assert_eq!(results.len(), names.len());
    assert!(
        results.iter().all(|r| r["status"] == "failed"),
        "{results:#?}"
    );
    let publish = server.await_publish("verify.flow.yaml");
    assert!(
        codes(&publish).iter().all(|code| code == "T1"),
        "{publish:?}"
    );
    assert!(!publish.diagnostics.is_empty());
    let answer = server.await_response(&id).unwrap();
    assert_eq!(answer["status"], "failed");
}

#[test]
fn an_edit_fails_a_test_then_accept_actual_makes_it_pass() {
    let mut server = shop();
    server.open("flow.yaml");
    server.await_publish("flow.yaml");
    let uri = server.url("flow.yaml").to_string();
    let only_sums = json!({"uri": uri, "tests": ["shop/sums"]});
    let id = run_tests(&mut server, only_sums.clone());
    await_results(&mut server);
    assert_eq!(server.await_response(&id).unwrap()["status"], "passed");

    // `total: 5` → `total: 6` in the verify step (line 29).
    let line = SHOP.lines().position(|l| l.contains("total: 5 }")).unwrap() as u32;
    let column = SHOP.lines().nth(line as usize).unwrap().find('5').unwrap() as u32;
    server.change("flow.yaml", (line, column), (line, column + 1), "6");
    let publish = server.await_publish("flow.yaml");
    assert!(codes(&publish).is_empty(), "{publish:?}");

    let id = run_tests(&mut server, only_sums.clone());
    let (_, results) = await_results(&mut server);
    assert_eq!(results[0]["status"], "failed");
    assert_eq!(results[0]["failure"]["step"], 1);
    assert_eq!(
        results[0]["failure"]["expected"],
        json!([{"id": "1", "total": 6}])
    );
    assert_eq!(
        results[0]["failure"]["actual"],
        json!([{"id": "1", "total": 5}])
    );
    // The trace goes up to the failing step, with the reduced state the
    // verify compared.
    let trace = results[0]["trace"]
        .as_array()
        .expect("a failed test's trace");
    let steps: Vec<&Value> = trace.iter().map(|step| &step["step"]).collect();
    assert_eq!(steps, [&json!(0), &json!(1)], "{trace:#?}");
    assert_eq!(trace[1]["kind"], "verify");
    assert!(
        trace[0]["states"].to_string().contains("\"total\":5"),
        "{trace:#?}"
    );
    // The T1 comes with the file's diagnostics, before the answer.
    let publish = server.await_publish("flow.yaml");
    assert_eq!(codes(&publish), ["T1"]);
    let t1 = publish.diagnostics[0].clone();
    assert_eq!(t1.range.start.line, line);
    assert!(
        t1.message.contains("/total: expected 6, actual 5"),
        "{}",
        t1.message
    );
    let answer = server.await_response(&id).unwrap();
    assert_eq!(answer["status"], "failed");
    assert!(
        answer["tests"][0]["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("expected 6, actual 5")
    );

    let actions = server
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri},
                "range": t1.range,
                "context": {"diagnostics": [t1]},
            }),
        )
        .unwrap();
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|action| action["title"] == "Accept the actual documents")
        .expect("accept actual is offered")
        .clone();
    let edits = action["edit"]["changes"][uri.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let edit = &edits[0];
    assert_eq!(edit["newText"], "- { id: \"1\", total: 5 }");
    let at = |end: &str| {
        (
            edit["range"][end]["line"].as_u64().unwrap() as u32,
            edit["range"][end]["character"].as_u64().unwrap() as u32,
        )
    };
    server.change(
        "flow.yaml",
        at("start"),
        at("end"),
        edit["newText"].as_str().unwrap(),
    );
    // The edit drops the T1 at once (the file changed).
    let publish = server.await_publish("flow.yaml");
    assert!(codes(&publish).is_empty(), "{publish:?}");

    let id = run_tests(&mut server, only_sums);
    let (_, results) = await_results(&mut server);
    assert_eq!(results[0]["status"], "passed");
    assert_eq!(server.await_response(&id).unwrap()["status"], "passed");
}

#[test]
fn a_passing_rerun_clears_the_t1_of_another_file() {
    // The lambda is in one file, the test that verifies it in another: a
    // fix of the lambda leaves the test's file as it was, so its T1 stays
    // until the test passes.
    let derive = "\
import: [flow.yaml]
collections:
  shop/tripled:
    schema:
      type: object
      properties: { id: { type: string }, total: { type: integer } }
      required: [id]
    key: [/id]
    derivation:
      transform:
        fromOrders:
          source: { name: shop/orders }
          publish: { nodeJS: \"return [{ id: source.id, total: source.total * 2 }];\" }
";
    let tests = "\
import: [derive.flow.yaml]
tests:
  shop/triples:
    - ingest: { collection: shop/orders, documents: [{ id: \"1\", total: 2 }] }
    - verify: { collection: shop/tripled, documents: [{ id: \"1\", total: 6 }] }
";
    let mut server = TestServer::builder()
        .file("flow.yaml", SHOP)
        .file("derive.flow.yaml", derive)
        .file("tests.flow.yaml", tests)
        .start();
    let uri = server.url("tests.flow.yaml").to_string();
    let only = json!({"uri": uri, "tests": ["shop/triples"]});
    let id = run_tests(&mut server, only.clone());
    await_results(&mut server);
    assert_eq!(codes(&server.await_publish("tests.flow.yaml")), ["T1"]);
    assert_eq!(server.await_response(&id).unwrap()["failed"], 1);

    server.open("derive.flow.yaml");
    server.await_publish("derive.flow.yaml");
    server.replace("derive.flow.yaml", &derive.replace("* 2", "* 3"));
    server.await_publish("derive.flow.yaml");
    let id = run_tests(&mut server, only);
    await_results(&mut server);
    assert!(codes(&server.await_publish("tests.flow.yaml")).is_empty());
    assert_eq!(server.await_response(&id).unwrap()["status"], "passed");
}

#[test]
fn saving_an_open_file_keeps_its_t1() {
    // Editors save, then the file watcher reports the change, often after
    // the run: the file's text is the open document's, so its T1 stays.
    let mut server = shop();
    server.open("flow.yaml");
    server.await_publish("flow.yaml");
    let line = SHOP.lines().position(|l| l.contains("total: 5 }")).unwrap() as u32;
    let column = SHOP.lines().nth(line as usize).unwrap().find('5').unwrap() as u32;
    server.change("flow.yaml", (line, column), (line, column + 1), "6");
    server.await_publish("flow.yaml");
    let uri = server.url("flow.yaml").to_string();
    let id = run_tests(&mut server, json!({"uri": uri, "tests": ["shop/sums"]}));
    await_results(&mut server);
    assert_eq!(codes(&server.await_publish("flow.yaml")), ["T1"]);
    server.await_response(&id).unwrap();

    server.write("flow.yaml", &SHOP.replace("total: 5 }", "total: 6 }"));
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    // Answered once the revision of that change is built (and published).
    server
        .request("flowctl/discoverTests", json!({"uri": uri}))
        .unwrap();
    // The next publish of the file is the one of this edit (which drops the
    // T1, as any edit does): none came between with the T1 gone.
    server.change("flow.yaml", (0, 0), (0, 0), "bogus: 1\n");
    let codes = codes(&server.await_publish("flow.yaml"));
    assert!(
        !codes.is_empty() && !codes.iter().any(|code| code == "T1"),
        "{codes:?}"
    );
}

#[test]
fn a_catalog_with_errors_is_refused_with_where() {
    let broken = SHOP.replace(
        "source: { name: shop/orders }",
        "source: { name: shop/order }",
    );
    let mut server = TestServer::builder().file("flow.yaml", &broken).start();
    let id = run_tests(&mut server, json!({}));
    let error = server.await_response(&id).unwrap_err();
    assert_eq!(error.code, -32803);
    assert!(
        error
            .message
            .starts_with("the catalog has 1 error; the first, at flow.yaml:"),
        "{}",
        error.message
    );
    assert!(error.message.contains(": C12: "), "{}", error.message);
}

/// A catalog whose tests each loop in a lambda until the time limit
/// (100 ms).
fn looping(tests: usize) -> TestServer {
    looping_for(tests, 100)
}

fn looping_for(tests: usize, limit_ms: u64) -> TestServer {
    spinning(tests, limit_ms, "while (true) {}")
}

/// `tests` tests, each ingesting one document into `spin/in`, whose
/// derivation `spin/out` runs `body` under a lambda time limit of
/// `limit_ms`.
fn spinning(tests: usize, limit_ms: u64, body: &str) -> TestServer {
    let mut text = String::from(
        "collections:
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
          publish: { nodeJS: \"BODY\" }
tests:
",
    )
    .replace("BODY", body);
    for index in 0..tests {
        text.push_str(&format!(
            "  spin/t{index:03}:\n    - ingest: {{ collection: spin/in, documents: [{{ id: \"{index}\" }}] }}\n"
        ));
    }
    TestServer::builder()
        .file("flow.yaml", &text)
        .initialization_options(json!({"flowctl": {"lambdaTimeout": limit_ms}}))
        .start()
}

#[test]
fn a_looping_lambda_fails_its_test_naming_the_time_limit() {
    let mut server = looping(1);
    let id = run_tests(&mut server, json!({}));
    let (_, results) = await_results(&mut server);
    let message = results[0]["message"].as_str().unwrap();
    assert!(message.contains("time limit of 100 ms"), "{message}");
    assert_eq!(server.await_response(&id).unwrap()["status"], "failed");
}

#[test]
fn an_allocating_lambda_fails_its_test_naming_the_memory_limit() {
    // A time limit of a minute: only the heap limit may stop it.
    let mut server = spinning(
        1,
        60_000,
        "const xs = []; while (true) { xs.push('x'.repeat(1024) + xs.length); }",
    );
    let id = run_tests(&mut server, json!({}));
    let (_, results) = await_results(&mut server);
    let message = results[0]["message"].as_str().unwrap();
    assert!(message.contains("ran out of memory"), "{message}");
    assert_eq!(server.await_response(&id).unwrap()["status"], "failed");
}

#[test]
fn a_second_run_cancels_the_first_and_cancel_tests_stops_a_run() {
    let mut server = looping(200);
    let first = run_tests(&mut server, json!({}));
    await_state(&mut server, "running");
    let second = run_tests(&mut server, json!({"tests": ["spin/t000"]}));
    // The first ends cancelled, with what it finished.
    let cancelled = await_state(&mut server, "cancelled");
    let answer = server.await_response(&first).unwrap();
    assert_eq!(answer["status"], "cancelled");
    let done = answer["tests"].as_array().unwrap().len();
    assert!((1..200).contains(&done), "{done}");
    assert_eq!(cancelled["results"].as_array().unwrap().len(), done);
    // The latest runs.
    let (states, results) = await_results(&mut server);
    assert_eq!(states.last().unwrap(), "finished");
    assert_eq!(results.len(), 1);
    assert_eq!(
        server.await_response(&second).unwrap()["tests"][0]["name"],
        "spin/t000"
    );

    let third = run_tests(&mut server, json!({}));
    await_state(&mut server, "running");
    let cancel = server
        .request(
            "workspace/executeCommand",
            json!({"command": "flowctl.cancelTests", "arguments": []}),
        )
        .unwrap();
    assert_eq!(cancel, Value::Null);
    await_state(&mut server, "cancelled");
    assert_eq!(
        server.await_response(&third).unwrap()["status"],
        "cancelled"
    );
}

#[test]
fn a_cancel_stops_a_lambda_in_the_middle_of_its_loop() {
    // Ten minutes of time limit: only the cancel can end it (the client
    // gives up after 20 s).
    let mut server = looping_for(1, 600_000);
    let id = run_tests(&mut server, json!({}));
    await_state(&mut server, "started");
    server
        .request(
            "workspace/executeCommand",
            json!({"command": "flowctl.cancelTests", "arguments": []}),
        )
        .unwrap();
    let (states, results) = await_results(&mut server);
    assert_eq!(states.last().unwrap(), "cancelled");
    assert!(results.is_empty());
    assert_eq!(server.await_response(&id).unwrap()["status"], "cancelled");
}

#[test]
fn cancel_request_stops_the_run() {
    let mut server = looping(200);
    let id = run_tests(&mut server, json!({}));
    await_state(&mut server, "started");
    server.notify("$/cancelRequest", json!({"id": id}));
    let error = server.await_response(&id).unwrap_err();
    assert_eq!(error.code, -32800);
    await_state(&mut server, "cancelled");
    // The server goes on.
    let status = server.request("flowctl/status", Value::Null).unwrap();
    assert_eq!(status["errors"], 0);
}

#[test]
fn edits_get_their_diagnostics_while_a_lambda_loops() {
    let mut server = looping(200);
    server.open("flow.yaml");
    server.await_publish("flow.yaml");
    let id = run_tests(&mut server, json!({}));
    await_state(&mut server, "started");
    // A mistake typed while the run goes on is reported while it goes on:
    // the run is cancelled only after the publish arrived, and it answers
    // "cancelled", so it was still running when the diagnostics came.
    server.change("flow.yaml", (2, 12), (2, 18), "objec");
    let publish = server.await_publish("flow.yaml");
    assert!(!publish.diagnostics.is_empty(), "{publish:?}");
    let status = server.request("flowctl/status", Value::Null).unwrap();
    assert!(status["errors"].as_u64().unwrap() > 0);
    server
        .request(
            "workspace/executeCommand",
            json!({"command": "flowctl.cancelTests", "arguments": []}),
        )
        .unwrap();
    assert_eq!(server.await_response(&id).unwrap()["status"], "cancelled");
    await_state(&mut server, "cancelled");
}

#[test]
fn a_test_of_ten_thousand_documents_runs() {
    let documents: Vec<String> = (0..10_000)
        .map(|index| format!("{{ id: \"{index:05}\", total: 1 }}"))
        .collect();
    let text = format!(
        "{SHOP}  shop/many:\n    - ingest:\n        collection: shop/orders\n        documents: [{}]\n    - verify:\n        collection: shop/orders\n        documents: [{}]\n",
        documents.join(", "),
        documents.join(", ")
    );
    let mut server = TestServer::builder().file("flow.yaml", &text).start();
    let id = run_tests(&mut server, json!({"tests": ["shop/many"]}));
    let (_, results) = await_results(&mut server);
    assert_eq!(results[0]["status"], "passed");
    let answer = server.await_response(&id).unwrap();
    assert_eq!(answer["passed"], 1);
}

#[test]
fn runs_on_a_thousand_collections_answer_and_a_second_run_wins() {
    let text = test_utils::big::single_file_catalog(1000, 20);
    let mut server = TestServer::builder().file("flow.yaml", &text).start();
    let discovered = server.request("flowctl/discoverTests", json!({})).unwrap();
    let names: Vec<Value> = discovered["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|test| test["name"].clone())
        .collect();
    assert_eq!(names.len(), 20);

    // One test of the thousand collections.
    let id = run_tests(&mut server, json!({"tests": [names[3]]}));
    let (states, results) = await_results(&mut server);
    assert_eq!(states, ["started", "running", "finished"]);
    assert_eq!(results[0]["status"], "passed", "{results:#?}");
    assert_eq!(server.await_response(&id).unwrap()["passed"], 1);

    // Every test, then a second run at once: the first answers either
    // finished (it was quick) or cancelled, the second with its one test.
    let first = run_tests(&mut server, json!({}));
    let second = run_tests(&mut server, json!({"tests": [names[0]]}));
    let (states, _) = await_results(&mut server);
    let answer = server.await_response(&first).unwrap();
    match states.last().unwrap().as_str() {
        "cancelled" => assert_eq!(answer["status"], "cancelled"),
        _ => assert_eq!(answer["status"], "passed", "{answer:#}"),
    }
    let (states, results) = await_results(&mut server);
    assert_eq!(states.last().unwrap(), "finished");
    assert_eq!(results.len(), 1);
    let answer = server.await_response(&second).unwrap();
    assert_eq!(
        (answer["status"].clone(), answer["passed"].clone()),
        (json!("passed"), json!(1))
    );
}

#[test]
fn a_failed_test_is_traced_up_to_its_failing_step() {
    let text = format!(
        "{SHOP}  shop/stops:\n    - ingest: {{ collection: shop/orders, documents: [{{ id: \"2\", total: 1 }}] }}\n    - verify: {{ collection: shop/doubled, documents: [{{ id: \"2\", total: 3 }}] }}\n    - ingest: {{ collection: shop/orders, documents: [{{ id: \"2\", total: 1 }}] }}\n    - verify: {{ collection: shop/orders, documents: [{{ id: \"2\", total: 2 }}] }}\n"
    );
    let mut server = TestServer::builder().file("flow.yaml", &text).start();
    let id = run_tests(&mut server, json!({"tests": ["shop/stops"]}));
    let (_, results) = await_results(&mut server);
    assert_eq!(results[0]["status"], "failed");
    assert_eq!(results[0]["failure"]["step"], 1);
    let trace = results[0]["trace"]
        .as_array()
        .expect("a failed test's trace");
    let steps: Vec<&Value> = trace.iter().map(|step| &step["step"]).collect();
    assert_eq!(steps, [&json!(0), &json!(1)], "{trace:#?}");
    // The derivation's read of step 0 is there: what it published.
    assert!(
        trace[0]["reads"].to_string().contains("\"total\":2"),
        "{trace:#?}"
    );
    assert_eq!(codes(&server.await_publish("flow.yaml")), ["T1"]);
    let answer = server.await_response(&id).unwrap();
    assert_eq!(answer["tests"][0]["trace"], results[0]["trace"]);
}
