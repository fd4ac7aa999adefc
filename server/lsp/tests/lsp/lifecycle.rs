//! The protocol lifecycle, document sync, diagnostics across files (opened or
//! not) and their clearing, ordering under a burst of edits, cancellation,
//! watched files, settings, both position encodings, and panic recovery.

use serde_json::{Value, json};

use crate::support::{BOOKS, LOANS, ROOT, TestServer, codes, library};

/// Checks the first build's publishes (every file, clean, no version),
/// then opens `path`, whose publish now has a version.
fn open_library(server: &mut TestServer, path: &str) {
    let mut files: Vec<&String> = server.initial.keys().collect();
    files.sort();
    assert_eq!(files, ["books.flow.yaml", "flow.yaml", "loans.flow.yaml"]);
    for (file, publish) in &server.initial {
        assert!(
            publish.diagnostics.is_empty(),
            "{file}: {:?}",
            publish.diagnostics
        );
        assert_eq!(publish.version, None);
    }
    server.open(path);
    let published = server.await_publish(path);
    assert!(published.diagnostics.is_empty());
    assert_eq!(published.version, Some(1), "the open document's version");
}

#[test]
fn initialize_negotiates_utf16_by_default_and_utf8_when_offered() {
    let server = library();
    assert_eq!(
        server.initialize_result()["capabilities"]["positionEncoding"],
        "utf-16"
    );
    assert_eq!(server.initialize_result()["serverInfo"]["name"], "flowctl");
    let server = TestServer::builder()
        .capabilities(json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}))
        .start();
    assert_eq!(
        server.initialize_result()["capabilities"]["positionEncoding"],
        "utf-8"
    );
}

#[test]
fn an_edit_reports_in_an_unopened_file_and_reverting_clears_it() {
    let mut server = library();
    open_library(&mut server, "books.flow.yaml");
    // Renaming the collection breaks the test step in loans.flow.yaml,
    // which is not open.
    let version = server.change("books.flow.yaml", (1, 15), (1, 15), "x");
    let books = server.await_publish("books.flow.yaml");
    assert_eq!(books.version, Some(version));
    let loans = server.await_publish("loans.flow.yaml");
    assert_eq!(codes(&loans), ["C12"]);
    assert_eq!(loans.version, None, "not open: no version");
    let diagnostic = &loans.diagnostics[0];
    assert_eq!(diagnostic.range.start, lsp_types::Position::new(4, 20));
    assert_eq!(diagnostic.source.as_deref(), Some("flowctl"));
    assert!(
        diagnostic.message.contains("library/booksx"),
        "{}",
        diagnostic.message
    );
    assert!(
        diagnostic
            .code_description
            .as_ref()
            .unwrap()
            .href
            .as_str()
            .ends_with("#c12"),
        "a link to the check's documentation"
    );
    // Undo: the unopened file is cleared.
    let version = server.change("books.flow.yaml", (1, 15), (1, 16), "");
    assert_eq!(
        server.await_publish("books.flow.yaml").version,
        Some(version)
    );
    assert!(
        server
            .await_publish("loans.flow.yaml")
            .diagnostics
            .is_empty()
    );
}

#[test]
fn a_burst_of_edits_publishes_rising_versions_ending_with_the_final_text() {
    let mut server = library();
    open_library(&mut server, "loans.flow.yaml");
    // 500 edits without waiting: type "xxx…" after the collection name in
    // the ingest step, one character at a time.
    let mut last = 0;
    for index in 0..500u32 {
        last = server.change("loans.flow.yaml", (4, 33 + index), (4, 33 + index), "x");
    }
    let mut seen = Vec::new();
    loop {
        let publish = server.await_publish("loans.flow.yaml");
        let version = publish
            .version
            .expect("an open document's publish has a version");
        assert!(
            seen.last().is_none_or(|&previous| previous < version),
            "versions rise: {seen:?} then {version}"
        );
        seen.push(version);
        if version == last {
            // What a cold `flowctl lint` of the final text reports.
            let final_text = LOANS.replace(
                "library/books\n",
                &format!("library/books{}\n", "x".repeat(500)),
            );
            server.write("loans.flow.yaml", &final_text);
            let root = server.url("flow.yaml");
            let loaded = load::load(&root, &load::DiskFetch::new(Vec::new(), true));
            let diagnostics = check::all_diagnostics(&loaded);
            let cold: Vec<(String, u32, u32, u32)> =
                load::locate::locate_all(&loaded, &diagnostics)
                    .iter()
                    .map(|located| {
                        let file = located.file.clone().unwrap();
                        let (start, end) = load::locate::positions(
                            &loaded,
                            &file,
                            located.range,
                            text::ColumnUnit::Utf16,
                        );
                        (
                            located.diagnostic.code.to_string(),
                            start.line,
                            start.character,
                            end.character,
                        )
                    })
                    .collect();
            let warm: Vec<(String, u32, u32, u32)> = publish
                .diagnostics
                .iter()
                .zip(codes(&publish))
                .map(|(d, code)| {
                    (
                        code,
                        d.range.start.line,
                        d.range.start.character,
                        d.range.end.character,
                    )
                })
                .collect();
            assert_eq!(warm, cold);
            assert_eq!(warm, [("C12".to_string(), 4, 20, 533)]);
            break;
        }
    }
    assert!(
        seen.len() < 500,
        "a burst coalesces into fewer builds ({} publishes)",
        seen.len()
    );
}

#[test]
fn cancel_answers_request_cancelled_exactly_once() {
    let mut server = library();
    open_library(&mut server, "books.flow.yaml");
    // A change, then a request that waits for the change's build, then
    // its cancellation (all before the server reads any of them).
    let version = server.change("books.flow.yaml", (0, 0), (0, 0), "# a comment\n");
    let id = server.send_request("flowctl/status", Value::Null);
    let number = match &id {
        _ if id.to_string().parse::<i64>().is_ok() => id.to_string().parse::<i64>().unwrap(),
        _ => unreachable!(),
    };
    server.notify("$/cancelRequest", json!({"id": number}));
    let error = server.await_response(&id).expect_err("cancelled");
    assert_eq!(error.code, lsp_server::ErrorCode::RequestCanceled as i32);
    assert_eq!(
        server.await_publish("books.flow.yaml").version,
        Some(version)
    );
    // A second cancel of the same id, and one of an unknown id: no answer.
    server.notify("$/cancelRequest", json!({"id": number}));
    server.notify("$/cancelRequest", json!({"id": 999}));
    let status = server.request("flowctl/status", Value::Null).unwrap();
    assert_eq!(status["files"], 3);
}

#[test]
fn a_deleted_file_is_cleared_when_the_watcher_says_so() {
    let mut server = TestServer::builder()
        .file("flow.yaml", ROOT)
        .file("books.flow.yaml", BOOKS)
        .file(
            "loans.flow.yaml",
            &LOANS.replace("library/books\n", "library/bookz\n"),
        )
        .dynamic_registration()
        .start();
    let registration = server
        .registration
        .clone()
        .expect("the server registers watchers");
    assert_eq!(
        registration["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    assert_eq!(codes(&server.initial["loans.flow.yaml"]), ["C12"]);
    server.open("flow.yaml");
    assert_eq!(server.await_publish("flow.yaml").version, Some(1));
    // The file is deleted on disk and removed from the root's imports.
    server.remove("loans.flow.yaml");
    let uri = server.url("loans.flow.yaml").to_string();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 3}]}),
    );
    // The root now fails to import it (C2), and the deleted file is cleared.
    let root = server.await_publish("flow.yaml");
    assert_eq!(codes(&root), ["C2"]);
    assert!(
        server
            .await_publish("loans.flow.yaml")
            .diagnostics
            .is_empty()
    );
}

#[test]
fn a_file_changed_on_disk_is_read_again() {
    let mut server = library();
    open_library(&mut server, "flow.yaml");
    server.write(
        "books.flow.yaml",
        &BOOKS.replace("library/books", "library/novels"),
    );
    let uri = server.url("books.flow.yaml").to_string();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    assert_eq!(codes(&server.await_publish("loans.flow.yaml")), ["C12"]);
}

#[test]
fn utf16_and_utf8_sessions_place_ranges_after_emoji_cjk_and_crlf() {
    // The mistake (an unknown collection) sits after an emoji and CJK text
    // on a CRLF line.
    let loans = "import: [books.flow.yaml]\r\ntests:\r\n  library/test-loans:\r\n    - ingest: { documents: [{ isbn: \"😀名\" }], collection: library/nope }\r\n";
    for (encoding, start) in [("utf-16", 58), ("utf-8", 62)] {
        let mut server = TestServer::builder()
            .file("flow.yaml", ROOT)
            .file("books.flow.yaml", BOOKS)
            .file("loans.flow.yaml", loans)
            .capabilities(json!({"general": {"positionEncodings": [encoding]}}))
            .start();
        server.open("loans.flow.yaml");
        let published = server.await_publish("loans.flow.yaml");
        assert_eq!(published.version, Some(1));
        let diagnostic = &published.diagnostics[0];
        assert_eq!(
            (
                diagnostic.range.start.line,
                diagnostic.range.start.character,
                diagnostic.range.end.character
            ),
            (3, start, start + 12),
            "{encoding}"
        );
    }
}

#[test]
fn edits_past_the_end_of_a_line_or_the_file_are_clamped() {
    let mut server = library();
    open_library(&mut server, "books.flow.yaml");
    // Past the end of line 1 (`  library/books:`): appends to that line's name?
    // No: it lands before the colon's line break, after the colon.
    server.change("books.flow.yaml", (1, 500), (1, 900), " # note");
    assert!(
        server
            .await_publish("books.flow.yaml")
            .diagnostics
            .is_empty()
    );
    // Past the end of the file: appended.
    server.change("books.flow.yaml", (400, 3), (401, 0), "# end\n");
    assert!(
        server
            .await_publish("books.flow.yaml")
            .diagnostics
            .is_empty()
    );
    let status = server.request("flowctl/status", Value::Null).unwrap();
    assert_eq!(status["errors"], 0);
}

#[test]
fn a_panicking_handler_answers_internal_error_and_the_server_goes_on() {
    let mut server = library();
    let error = server
        .request("flowctl/internalPanic", Value::Null)
        .expect_err("it panics");
    assert_eq!(error.code, lsp_server::ErrorCode::InternalError as i32);
    assert!(
        error.message.contains("flowctl/internalPanic"),
        "{}",
        error.message
    );
    let shown = server.await_notification("window/showMessage");
    assert_eq!(shown["type"], 1, "an error message, once per session");
    // The next requests still work, and a second panic shows nothing more.
    assert!(
        server
            .request("flowctl/internalPanic", Value::Null)
            .is_err()
    );
    let status = server.request("flowctl/status", Value::Null).unwrap();
    assert_eq!(status["roots"].as_array().unwrap().len(), 1);
    server.open("books.flow.yaml");
    assert_eq!(server.await_publish("books.flow.yaml").version, Some(1));
}

#[test]
fn unknown_requests_fail_unknown_notifications_are_ignored_and_shutdown_is_clean() {
    let mut server = library();
    server.notify("flowctl/unheardOf", json!({}));
    let error = server
        .request("textDocument/unheardOf", json!({}))
        .expect_err("unknown");
    assert_eq!(error.code, lsp_server::ErrorCode::MethodNotFound as i32);
    let id = server.send_request("shutdown", Value::Null);
    server.await_response(&id).unwrap();
    let error = server
        .request("flowctl/status", Value::Null)
        .expect_err("after shutdown");
    assert_eq!(error.code, lsp_server::ErrorCode::InvalidRequest as i32);
    // (Drop sends `shutdown` again, which is refused, then `exit`.)
}

#[test]
fn settings_from_initialization_options_and_configuration_changes() {
    let mut server = TestServer::builder()
        .file("flow.yaml", "collections:\n  a/b:\n    schema: https://schemas.example.test/b.json\n    key: [/id]\n")
        .initialization_options(json!({"flowctl": {"offline": true}}))
        .start();
    let publish = &server.initial["flow.yaml"];
    assert_eq!(codes(publish), ["C2"]);
    assert!(
        publish.diagnostics[0].message.contains("offline"),
        "{}",
        publish.diagnostics[0].message
    );
    // A mapping serves the URL from a folder of the workspace.
    std::fs::create_dir_all(server.path("schemas")).unwrap();
    server.write(
        "schemas/b.json",
        r#"{"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}"#,
    );
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"flowctl": {"mapUrl": ["https://schemas.example.test/=schemas"], "lambdaTimeout": "soon"}}}),
    );
    let warning = server.await_notification("window/showMessage");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("lambdaTimeout")
    );
    assert!(server.await_publish("flow.yaml").diagnostics.is_empty());
}

#[test]
fn an_open_yaml_file_outside_every_catalog_gets_its_syntax_errors() {
    let mut server = library();
    server.open_with("notes.yaml", "a: [1, 2\n");
    assert_eq!(codes(&server.await_publish("notes.yaml")), ["C1a"]);
    // Closing it clears it: it leaves the analysis.
    server.close("notes.yaml");
    assert!(server.await_publish("notes.yaml").diagnostics.is_empty());
}

/// Bad input of issue #8 in one workspace: a catalog file of over 5 MB and
/// schema documents whose `$ref`s form cycles (`fixtures/hostile/ref-cycle`).
/// The first build reports every file, requests on the big file are
/// answered, an edit that breaks it gets its diagnostic and the revert
/// clears it, and nothing in the workspace is written.
#[test]
fn a_five_megabyte_file_and_a_ref_cycle_are_served_and_nothing_is_written() {
    let big = test_utils::big::single_file_catalog(8_700, 0);
    assert!(big.len() > 5_000_000, "{} bytes", big.len());
    let cycle = test_utils::fixtures_dir().join("hostile/ref-cycle");
    let read = |name: &str| std::fs::read_to_string(cycle.join(name)).unwrap();
    let files = [
        (
            "flow.yaml",
            read("flow.yaml").replace("collections:", "import: [big.flow.yaml]\ncollections:"),
        ),
        ("a.schema.yaml", read("a.schema.yaml")),
        ("b.schema.yaml", read("b.schema.yaml")),
        ("big.flow.yaml", big),
    ];
    let mut builder = TestServer::builder();
    for (path, text) in &files {
        builder = builder.file(path, text);
    }
    let mut server = builder.start();
    for path in ["flow.yaml", "big.flow.yaml"] {
        let publish = &server.initial[path];
        assert!(publish.diagnostics.is_empty(), "{path}: {publish:?}");
    }

    server.open("big.flow.yaml");
    assert!(server.await_publish("big.flow.yaml").diagnostics.is_empty());
    let uri = server.url("big.flow.yaml").to_string();
    // On the name of the last collection: its hover names it.
    let line = files[3]
        .1
        .lines()
        .position(|line| line.ends_with("name: acme/scale/c008699"))
        .unwrap() as u32;
    let hover = server
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 14}}),
        )
        .unwrap();
    assert!(hover.to_string().contains("acme/scale/c008699"), "{hover}");

    server.change("big.flow.yaml", (0, 0), (0, 0), "bogus: 1\n");
    assert_eq!(codes(&server.await_publish("big.flow.yaml")), ["C1b"]);
    server.change("big.flow.yaml", (0, 0), (1, 0), "");
    assert!(server.await_publish("big.flow.yaml").diagnostics.is_empty());

    for (path, text) in &files {
        let on_disk = std::fs::read_to_string(server.root.join(path)).unwrap();
        assert!(on_disk == *text, "{path} was written");
    }
}

/// A diagnostic carries related information where the check has a second
/// place (C5c: the first definition of a duplicate name) and the
/// `unnecessary` tag where the flagged text can simply go (C20: a shuffle
/// that repeats the source's key), as the fixtures of those checks show.
#[test]
fn diagnostics_carry_related_information_and_tags() {
    let invalid = test_utils::fixtures_dir().join("invalid");
    let mut builder = TestServer::builder();
    for (dir, case, name) in [
        ("dup", "C5c-duplicate-name", "flow.yaml"),
        ("dup", "C5c-duplicate-name", "orders.flow.yaml"),
        ("dup", "C5c-duplicate-name", "legacy.flow.yaml"),
        ("shuffle", "C20-shuffle-is-key", "flow.yaml"),
        ("shuffle", "C20-shuffle-is-key", "order.schema.yaml"),
    ] {
        let text = std::fs::read_to_string(invalid.join(case).join(name)).unwrap();
        builder = builder.file(&format!("{dir}/{name}"), &text);
    }
    let server = builder.start();

    let legacy = &server.initial["dup/legacy.flow.yaml"];
    assert_eq!(codes(legacy), ["C5c"]);
    let related = legacy.diagnostics[0]
        .related_information
        .as_ref()
        .expect("the first definition as related information");
    assert_eq!(related.len(), 1, "{related:?}");
    assert_eq!(
        related[0].location.uri.as_str(),
        server.url("dup/orders.flow.yaml").as_str()
    );
    assert_eq!(legacy.diagnostics[0].tags, None);

    let shuffle = &server.initial["shuffle/flow.yaml"];
    assert_eq!(codes(shuffle), ["C20"]);
    assert_eq!(
        shuffle.diagnostics[0].tags,
        Some(vec![lsp_types::DiagnosticTag::UNNECESSARY])
    );
}
