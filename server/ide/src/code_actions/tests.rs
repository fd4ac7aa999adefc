//! Code action tests: each applies the one fix offered at the cursor, checks
//! the edited text exactly, then rebuilds the analysis from it and checks
//! that the diagnostic is gone and nothing new appeared.

use test_utils::fixture::MultiFile;

use super::*;
use crate::fixture::{analysis, url};

const BOOK_SCHEMA: &str = "type: object\nproperties:\n  isbn: { type: string }\n  title: { type: string }\nrequired: [isbn]\n";

/// The fixture's files with `path` replaced by `text`, as a fixture again.
fn refixture(files: &[(String, String)], path: &str, text: &str) -> String {
    let mut out = String::new();
    for (name, original) in files {
        out.push_str(&format!("#- {name}\n"));
        out.push_str(if name == path { text } else { original });
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Every (file, code) of an analysis, sorted.
fn codes(analysis: &Analysis) -> Vec<(String, &'static str)> {
    let mut all: Vec<(String, &'static str)> = analysis
        .diagnostics()
        .iter()
        .flat_map(|(file, list)| list.iter().map(move |d| (file.path().to_string(), d.code)))
        .collect();
    all.sort();
    all
}

/// The actions at the fixture's cursor.
fn actions_at(fixture: &str) -> Vec<CodeAction> {
    let (analysis, cursor) = analysis(fixture);
    let cursor = cursor.expect("the fixture has a $0 cursor");
    code_actions(
        &analysis,
        &FileRange {
            file: cursor.file,
            range: TextRange::empty(cursor.offset),
        },
    )
}

/// Applies the single action offered at the cursor (for `code`) and returns
/// the edited text of the cursor's file, after checking that the rebuilt
/// analysis lost exactly that diagnostic.
fn fixed(fixture: &str, code: &str) -> String {
    let parsed = MultiFile::parse(fixture);
    let (path, _) = parsed.cursor.clone().expect("the fixture has a $0 cursor");
    let (before, _) = analysis(fixture);
    let actions = actions_at(fixture);
    assert_eq!(actions.len(), 1, "{actions:#?}");
    let action = &actions[0];
    assert_eq!(action.code, Some(code));
    assert!(action.is_preferred);
    let file = url(&path);
    assert_eq!(
        action.change.edits.keys().collect::<Vec<_>>(),
        [&file],
        "edits stay in the diagnostic's file"
    );
    let original = &parsed.files.iter().find(|(p, _)| *p == path).unwrap().1;
    let text = apply_edits(original, &action.change.edits[&file]);

    let (after, _) = analysis(&refixture(&parsed.files, &path, &text));
    let mut expected = codes(&before);
    let gone = expected
        .iter()
        .position(|(p, c)| *p == format!("/fixture{path}") && *c == code)
        .expect("the diagnostic was there before");
    expected.remove(gone);
    assert_eq!(codes(&after), expected, "after the fix:\n{text}");
    text
}

fn books(extra: &str) -> String {
    format!(
        "#- /books.schema.yaml\n{BOOK_SCHEMA}#- /books.flow.yaml\ncollections:\n  library/books:\n    schema: books.schema.yaml\n    key: [/isbn]\n{extra}"
    )
}

#[test]
fn c12_changes_the_name_to_the_suggestion_in_its_own_quoting() {
    let fixture = format!(
        "#- /flow.yaml\nimport: [books.flow.yaml, copies.flow.yaml]\n{}#- /copies.flow.yaml\nimport: [books.flow.yaml]\ncollections:\n  library/copies:\n    schema: books.schema.yaml\n    key: [/isbn]\n    derivation:\n      transform:\n        fromBooks:\n          source: {{ name: library/bo$0ok }}\n          publish: {{ nodeJS: \"return [source];\" }}\n",
        books("")
    );
    let text = fixed(&fixture, "C12");
    assert!(text.contains("source: { name: library/books }"), "{text}");

    let fixture = books(
        "tests:\n  shelved:\n    - ingest:\n        collection: \"library/bok$0\"\n        documents: [{ isbn: \"1\" }]\n",
    );
    let text = fixed(&fixture, "C12");
    assert!(text.contains("collection: \"library/books\"\n"), "{text}");
    let actions = actions_at(&fixture);
    assert_eq!(actions[0].title, "Change to \"library/books\"");
}

#[test]
fn c12_without_a_suggestion_offers_nothing() {
    let fixture = books(
        "tests:\n  shelved:\n    - ingest:\n        collection: weather/stations$0\n        documents: []\n",
    );
    assert_eq!(actions_at(&fixture), []);
}

/// A derivation in `/shelf/copies.flow.yaml` reading `library/books`
/// without importing `/books.flow.yaml`; `imports` is its import section.
fn not_imported(imports: &str) -> String {
    format!(
        "#- /flow.yaml\nimport: [books.flow.yaml, shelf/copies.flow.yaml]\n{}#- /shelf/other.flow.yaml\ncollections: {{}}\n#- /shelf/copies.flow.yaml\n{imports}collections:\n  library/copies:\n    schema: ../books.schema.yaml\n    key: [/isbn]\n    derivation:\n      transform:\n        fromBooks:\n          source: {{ name: library/books$0 }}\n          publish: {{ nodeJS: \"return [source];\" }}\n",
        books("")
    )
}

#[test]
fn c13_adds_a_new_import_list() {
    let text = fixed(&not_imported(""), "C13");
    assert!(
        text.starts_with("import:\n  - ../books.flow.yaml\ncollections:\n"),
        "{text}"
    );
    assert_eq!(
        actions_at(&not_imported(""))[0].title,
        "Import ../books.flow.yaml"
    );
}

#[test]
fn c13_appends_to_a_block_import_list() {
    let text = fixed(
        &not_imported("# shelves\nimport:\n    - other.flow.yaml # mine\n"),
        "C13",
    );
    assert!(
        text.starts_with(
            "# shelves\nimport:\n    - other.flow.yaml # mine\n    - ../books.flow.yaml\ncollections:\n"
        ),
        "{text}"
    );
}

#[test]
fn c13_appends_to_a_flow_import_list() {
    let text = fixed(&not_imported("import: [other.flow.yaml]\n"), "C13");
    assert!(
        text.starts_with("import: [other.flow.yaml, ../books.flow.yaml]\n"),
        "{text}"
    );
    let text = fixed(&not_imported("import: []\n"), "C13");
    assert!(text.starts_with("import: [../books.flow.yaml]\n"), "{text}");
}

#[test]
fn c13_offers_nothing_when_the_import_would_close_a_cycle() {
    // books.flow.yaml imports the file that needs one of its collections.
    let fixture = "#- /flow.yaml\nimport: [books.flow.yaml]\n#- /books.schema.yaml\ntype: object\nproperties: { isbn: { type: string } }\nrequired: [isbn]\n#- /books.flow.yaml\nimport: [tests.flow.yaml]\ncollections:\n  library/books:\n    schema: books.schema.yaml\n    key: [/isbn]\n#- /tests.flow.yaml\ntests:\n  shelved:\n    - ingest:\n        collection: library/books$0\n        documents: []\n";
    let (analysis, _) = analysis(fixture);
    assert_eq!(
        analysis
            .file_diagnostics(&url("/tests.flow.yaml"))
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        ["C13"]
    );
    assert_eq!(actions_at(fixture), []);
}

fn copies(transform: &str) -> String {
    books(&format!(
        "  library/copies:\n    schema: books.schema.yaml\n    key: [/isbn]\n    derivation:\n      transform:\n{transform}"
    ))
}

#[test]
fn c20_removes_the_shuffle_line() {
    let text = fixed(
        &copies(
            "        fromBooks:\n          source: { name: library/books }\n          shuffle: [/is$0bn] # the key\n          publish: { nodeJS: \"return [source];\" }\n",
        ),
        "C20",
    );
    assert!(
        text.ends_with("        fromBooks:\n          source: { name: library/books }\n          publish: { nodeJS: \"return [source];\" }\n"),
        "{text}"
    );
}

#[test]
fn c20_removes_a_block_shuffle_and_a_flow_entry() {
    let text = fixed(
        &copies(
            "        fromBooks:\n          source: { name: library/books }\n          shuf$0fle:\n            - /isbn\n          publish: { nodeJS: \"return [source];\" }\n",
        ),
        "C20",
    );
    assert!(
        text.ends_with("          source: { name: library/books }\n          publish: { nodeJS: \"return [source];\" }\n"),
        "{text}"
    );
    let text = fixed(
        &copies(
            "        fromBooks: { source: { name: library/books }, shuffle: [/isbn$0], publish: { nodeJS: \"return [source];\" } }\n",
        ),
        "C20",
    );
    assert!(
        text.ends_with("        fromBooks: { source: { name: library/books }, publish: { nodeJS: \"return [source];\" } }\n"),
        "{text}"
    );
}

#[test]
fn c21_removes_the_source_schema() {
    let text = fixed(
        &copies(
            "        fromBooks:\n          source:\n            name: library/books\n            schema: books$0.schema.yaml\n          publish: { nodeJS: \"return [source];\" }\n",
        ),
        "C21",
    );
    assert!(
        text.ends_with("          source:\n            name: library/books\n          publish: { nodeJS: \"return [source];\" }\n"),
        "{text}"
    );
    let text = fixed(
        &copies(
            "        fromBooks:\n          source: { name: library/books, schema: books.sc$0hema.yaml }\n          publish: { nodeJS: \"return [source];\" }\n",
        ),
        "C21",
    );
    assert!(
        text.contains("          source: { name: library/books }\n"),
        "{text}"
    );
    // The schema first: the next entry moves up.
    let text = fixed(
        &copies(
            "        fromBooks:\n          source: { schema: books.sc$0hema.yaml, name: library/books }\n          publish: { nodeJS: \"return [source];\" }\n",
        ),
        "C21",
    );
    assert!(
        text.contains("          source: { name: library/books }\n"),
        "{text}"
    );
}

fn verify(documents: &str) -> String {
    books(&format!(
        "tests:\n  shelved:\n    - verify:\n        collection: library/books\n        docu$0ments:\n{documents}"
    ))
}

#[test]
fn c32b_sorts_the_documents_by_the_key() {
    let text = fixed(
        &verify(
            "          - { isbn: \"3\", title: c }\n          - { isbn: \"1\", title: a }\n          - { isbn: \"2\", title: b }\n          - { isbn: \"1\", title: a2 }\n",
        ),
        "C32b",
    );
    // Stable: the two "1"s keep their order.
    assert!(
        text.ends_with("          - { isbn: \"1\", title: a }\n          - { isbn: \"1\", title: a2 }\n          - { isbn: \"2\", title: b }\n          - { isbn: \"3\", title: c }\n"),
        "{text}"
    );
}

#[test]
fn c32b_moves_block_documents_and_flow_lists() {
    let text = fixed(
        &verify(
            "          - isbn: \"2\"\n            title: b\n          - isbn: \"1\"\n            title: a\n",
        ),
        "C32b",
    );
    assert!(
        text.ends_with("          - isbn: \"1\"\n            title: a\n          - isbn: \"2\"\n            title: b\n"),
        "{text}"
    );
    let fixture = books(
        "tests:\n  shelved:\n    - verify: { collection: library/books, documents$0: [{ isbn: \"2\" }, { isbn: \"1\" }] }\n",
    );
    let text = fixed(&fixture, "C32b");
    assert!(
        text.contains("documents: [{ isbn: \"1\" }, { isbn: \"2\" }] }"),
        "{text}"
    );
}

#[test]
fn c32b_offers_nothing_when_an_alias_would_move_before_its_anchor() {
    let fixture =
        verify("          - &two { isbn: \"2\" }\n          - { isbn: \"1\", copy: *two }\n");
    let (analysis, _) = analysis(&fixture);
    assert_eq!(
        codes(&analysis),
        [("/fixture/books.flow.yaml".to_string(), "C32b")]
    );
    assert_eq!(actions_at(&fixture), []);
}

#[test]
fn c1b_quotes_a_non_string_document_key() {
    let fixture = books(
        "tests:\n  shelved:\n    - ingest:\n        collection: library/books\n        documents:\n          - isbn: \"1\"\n            title: t\n            notes:\n              20$024: lent\n              true: kept\n",
    );
    let text = fixed(&fixture, "C1b");
    assert!(
        text.ends_with("              \"2024\": lent\n              true: kept\n"),
        "only the key at the cursor: {text}"
    );
    assert_eq!(actions_at(&fixture)[0].title, "Quote the key \"2024\"");
}

#[test]
fn other_c1b_mistakes_and_places_without_diagnostics_offer_nothing() {
    let fixture = books(
        "tests:\n  shelved:\n    - ingest:\n        collection: library/books\n        documents: []\n        extra$0: 1\n",
    );
    let (analysis, _) = analysis(&fixture);
    assert_eq!(
        codes(&analysis),
        [("/fixture/books.flow.yaml".to_string(), "C1b")]
    );
    assert_eq!(actions_at(&fixture), []);
    assert_eq!(actions_at(&books("tests: {}$0\n")), []);
}
