//! Editor features through the protocol: definition, references, rename,
//! symbols, folding and selection ranges (their logic is tested in `ide`;
//! these check the conversions and capabilities end to end).

use serde_json::{Value, json};

use crate::support::{BOOKS, LOANS, TestServer, codes, library, position_of};

fn at(server: &TestServer, path: &str, text: &str, needle: &str, nth: usize, delta: u32) -> Value {
    json!({
        "textDocument": {"uri": server.url(path).as_str()},
        "position": position_of(text, needle, nth, delta),
    })
}

#[test]
fn capabilities_advertise_every_feature() {
    let server = library();
    let capabilities = &server.initialize_result()["capabilities"];
    for feature in [
        "definitionProvider",
        "referencesProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "foldingRangeProvider",
        "selectionRangeProvider",
    ] {
        assert_eq!(capabilities[feature], true, "{feature}");
    }
    assert_eq!(capabilities["renameProvider"]["prepareProvider"], true);
}

#[test]
fn definition_of_a_collection_name_is_in_another_file() {
    let mut server = library();
    server.open("loans.flow.yaml");
    server.await_publish("loans.flow.yaml");
    let params = at(&server, "loans.flow.yaml", LOANS, "library/books", 0, 3);
    let result = server.request("textDocument/definition", params).unwrap();
    let targets = result.as_array().expect("a list of locations");
    assert_eq!(targets.len(), 1, "{result}");
    assert_eq!(targets[0]["uri"], server.url("books.flow.yaml").as_str());
    assert_eq!(
        targets[0]["range"]["start"],
        json!({"line": 1, "character": 2})
    );
    assert_eq!(
        targets[0]["range"]["end"],
        json!({"line": 1, "character": 15})
    );
}

#[test]
fn references_and_rename_span_files() {
    let mut server = library();
    server.open("books.flow.yaml");
    server.await_publish("books.flow.yaml");
    let name = at(&server, "books.flow.yaml", BOOKS, "library/books", 0, 2);
    let mut params = name.clone();
    params["context"] = json!({"includeDeclaration": true});
    let references = server.request("textDocument/references", params).unwrap();
    let mut places: Vec<(String, u64)> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|location| {
            let uri = location["uri"].as_str().unwrap();
            let file = uri.rsplit('/').next().unwrap().to_string();
            (file, location["range"]["start"]["line"].as_u64().unwrap())
        })
        .collect();
    places.sort();
    // The definition, the test step, and the imports of its file.
    assert_eq!(
        places,
        [
            ("books.flow.yaml".to_string(), 1),
            ("flow.yaml".to_string(), 0),
            ("loans.flow.yaml".to_string(), 0),
            ("loans.flow.yaml".to_string(), 4),
        ]
    );

    let prepared = server
        .request("textDocument/prepareRename", name.clone())
        .unwrap();
    assert_eq!(prepared["placeholder"], "library/books");
    assert_eq!(
        prepared["range"]["start"],
        json!({"line": 1, "character": 2})
    );

    let mut params = name.clone();
    params["newName"] = json!("library/volumes");
    let edit = server.request("textDocument/rename", params).unwrap();
    let changes = edit["changes"].as_object().expect("edits by URI");
    assert_eq!(changes.len(), 2, "{edit}");
    let loans = &changes[server.url("loans.flow.yaml").as_str()];
    assert_eq!(loans[0]["newText"], "library/volumes");
    assert_eq!(
        loans[0]["range"]["start"],
        json!({"line": 4, "character": 20})
    );

    // A taken or invalid name is refused with a message a person can read.
    let mut params = name;
    params["newName"] = json!("library books!");
    let error = server
        .request("textDocument/rename", params)
        .expect_err("refused");
    assert_eq!(error.code, lsp_server::ErrorCode::RequestFailed as i32);
    assert!(!error.message.is_empty());
}

#[test]
fn symbols_folding_and_selection() {
    let mut server = library();
    server.open("books.flow.yaml");
    server.await_publish("books.flow.yaml");
    let document = json!({"textDocument": {"uri": server.url("books.flow.yaml").as_str()}});

    let symbols = server
        .request("textDocument/documentSymbol", document.clone())
        .unwrap();
    let first = &symbols.as_array().unwrap()[0];
    assert_eq!(first["name"], "library/books");
    assert_eq!(first["kind"], 23, "a collection is a Struct");
    assert_eq!(
        first["selectionRange"]["start"],
        json!({"line": 1, "character": 2})
    );

    let found = server
        .request("workspace/symbol", json!({"query": "libbooks"}))
        .unwrap();
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"library/books"), "{names:?}");

    let folds = server
        .request("textDocument/foldingRange", document)
        .unwrap();
    let folds: Vec<(u64, u64)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(folds.contains(&(1, 8)), "the collection folds: {folds:?}");

    let position = position_of(BOOKS, "isbn: { type", 0, 1);
    let selection = server
        .request(
            "textDocument/selectionRange",
            json!({"textDocument": {"uri": server.url("books.flow.yaml").as_str()}, "positions": [position]}),
        )
        .unwrap();
    // Innermost first, each inside its parent.
    let mut range = &selection[0];
    let mut depth = 0;
    while !range.is_null() {
        depth += 1;
        range = &range["parent"];
    }
    assert!(depth >= 4, "{selection}");
    // The innermost is the key `isbn` the cursor is in.
    assert_eq!(
        selection[0]["range"]["start"],
        json!({"line": 5, "character": 8})
    );
    assert_eq!(
        selection[0]["range"]["end"],
        json!({"line": 5, "character": 12})
    );
}

#[test]
fn requests_about_an_unknown_file_fail_clearly_and_positions_are_clamped() {
    let mut server = library();
    let error = server
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": "file:///nowhere/x.flow.yaml"}, "position": {"line": 0, "character": 0}}),
        )
        .expect_err("unknown file");
    assert!(
        error.message.contains("not part of any catalog"),
        "{}",
        error.message
    );
    server.open("loans.flow.yaml");
    server.await_publish("loans.flow.yaml");
    let past = json!({"textDocument": {"uri": server.url("loans.flow.yaml").as_str()}, "position": {"line": 4000, "character": 99}});
    assert_eq!(
        server.request("textDocument/definition", past).unwrap(),
        json!([])
    );
}

#[test]
fn completion_offers_collection_names_and_hover_documents_keys() {
    let mut server = library();
    // Half-typed: the step's collection is being rewritten.
    let text = LOANS.replace("collection: library/books", "collection: lib");
    server.open_with("loans.flow.yaml", &text);
    server.await_publish("loans.flow.yaml");
    let params = at(&server, "loans.flow.yaml", &text, "collection: lib", 0, 15);
    let result = server.request("textDocument/completion", params).unwrap();
    let items = result["items"].as_array().expect("a completion list");
    let books = items
        .iter()
        .find(|item| item["label"] == "library/books")
        .unwrap_or_else(|| panic!("library/books is offered: {result}"));
    // The edit replaces the word typed.
    assert_eq!(
        books["textEdit"]["range"]["start"],
        json!({"line": 4, "character": 20})
    );
    assert_eq!(books["textEdit"]["newText"], "library/books");

    let params = at(&server, "loans.flow.yaml", &text, "ingest", 0, 2);
    let hover = server.request("textDocument/hover", params).unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("ingest"),
        "{hover}"
    );
}

#[test]
fn snippets_only_for_clients_that_expand_them() {
    for snippets in [false, true] {
        let mut server = TestServer::builder()
            .file("flow.yaml", "collections:\n  a/b:\n    schema: { type: object }\n    key: [/id]\n\n")
            .capabilities(json!({"textDocument": {"completion": {"completionItem": {"snippetSupport": snippets}}}}))
            .start();
        server.open("flow.yaml");
        server.await_publish("flow.yaml");
        let params = json!({"textDocument": {"uri": server.url("flow.yaml").as_str()}, "position": {"line": 4, "character": 0}});
        let result = server.request("textDocument/completion", params).unwrap();
        let any_snippet = result["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["insertTextFormat"] == 2);
        assert_eq!(any_snippet, snippets);
    }
}

#[test]
fn a_quick_fix_for_a_misspelt_collection_clears_its_diagnostic() {
    let mut server = library();
    let text = LOANS.replace("collection: library/books", "collection: library/bookz");
    server.open_with("loans.flow.yaml", &text);
    let publish = server.await_publish("loans.flow.yaml");
    let diagnostic = serde_json::to_value(&publish.diagnostics[0]).unwrap();
    assert_eq!(diagnostic["code"], "C12");
    let params = json!({
        "textDocument": {"uri": server.url("loans.flow.yaml").as_str()},
        "range": diagnostic["range"],
        "context": {"diagnostics": [diagnostic]},
    });
    let actions = server.request("textDocument/codeAction", params).unwrap();
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert!(
        action["title"].as_str().unwrap().contains("library/books"),
        "{action}"
    );
    assert_eq!(
        action["diagnostics"][0]["code"], "C12",
        "it names the diagnostic it fixes"
    );
    let edits = &action["edit"]["changes"][server.url("loans.flow.yaml").as_str()];
    let edit = &edits[0];
    assert_eq!(edit["newText"], "library/books");
    // Applying it (as the client would) clears the diagnostic.
    let start = &edit["range"]["start"];
    let end = &edit["range"]["end"];
    let at = |p: &Value| {
        (
            p["line"].as_u64().unwrap() as u32,
            p["character"].as_u64().unwrap() as u32,
        )
    };
    server.change("loans.flow.yaml", at(start), at(end), "library/books");
    assert!(
        server
            .await_publish("loans.flow.yaml")
            .diagnostics
            .is_empty()
    );
}

#[test]
fn navigation_keeps_the_last_good_analysis_while_a_file_does_not_parse() {
    let mut server = library();
    server.open("loans.flow.yaml");
    server.await_publish("loans.flow.yaml");
    // An unclosed import list: nothing after it parses.
    let version = server.change("loans.flow.yaml", (0, 24), (0, 25), "");
    let loans = server.await_publish("loans.flow.yaml");
    assert_eq!(loans.version, Some(version));
    assert!(codes(&loans).contains(&"C1a".to_string()), "{loans:?}");
    let broken = LOANS.replacen("books.flow.yaml]", "books.flow.yaml", 1);

    // The test step's collection (after the error) still goes to its
    // definition, and its references are where they are in today's text.
    let params = at(&server, "loans.flow.yaml", &broken, "library/books", 0, 3);
    let result = server
        .request("textDocument/definition", params.clone())
        .unwrap();
    let targets = result.as_array().expect("a list of locations");
    assert_eq!(targets.len(), 1, "{result}");
    assert_eq!(targets[0]["uri"], server.url("books.flow.yaml").as_str());
    assert_eq!(
        targets[0]["range"]["start"],
        json!({"line": 1, "character": 2})
    );
    let mut references = params.clone();
    references["context"] = json!({"includeDeclaration": false});
    let found = server
        .request("textDocument/references", references)
        .unwrap();
    let in_loans: Vec<&Value> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["uri"] == server.url("loans.flow.yaml").as_str())
        .map(|l| &l["range"]["start"])
        .collect();
    assert_eq!(in_loans, [&json!({"line": 4, "character": 20})], "{found}");

    // On the edited line, no answer from the old text.
    let params = at(&server, "loans.flow.yaml", &broken, "books.flow.yaml", 0, 2);
    let result = server.request("textDocument/definition", params).unwrap();
    assert!(
        result.is_null() || result.as_array().is_some_and(Vec::is_empty),
        "{result}"
    );

    // Fixed again: the current analysis answers.
    server.change("loans.flow.yaml", (0, 24), (0, 24), "]");
    assert!(
        server
            .await_publish("loans.flow.yaml")
            .diagnostics
            .is_empty()
    );
    let params = at(&server, "loans.flow.yaml", LOANS, "library/books", 0, 3);
    let result = server.request("textDocument/definition", params).unwrap();
    assert_eq!(result.as_array().map(Vec::len), Some(1), "{result}");
}
