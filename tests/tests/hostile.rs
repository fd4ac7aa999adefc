//! Hostile and broken input: each case must give diagnostics (or build, where
//! it is legal) quickly, never a panic, a hang or unbounded memory. The inputs
//! are the files of `fixtures/hostile`, plus cases generated here because
//! they are megabytes (or fifty files) large.

use std::time::{Duration, Instant};

use load::{DiskFetch, Fetch, MemoryFetch};
use model::Diagnostic;
use url::Url;

fn build(files: &[(&str, String)]) -> Vec<Diagnostic> {
    let mut fetch = MemoryFetch::new();
    for (path, text) in files {
        fetch.insert(
            Url::parse(&format!("file:///h/{path}")).unwrap(),
            text.clone(),
        );
    }
    let root = Url::parse(&format!("file:///h/{}", files[0].0)).unwrap();
    build_bounded(&root, &fetch, files[0].0)
}

/// Loads and checks `root` within 10 s, mapping every diagnostic to a range
/// (which must not panic either).
fn build_bounded(root: &Url, fetch: &dyn Fetch, label: &str) -> Vec<Diagnostic> {
    let started = Instant::now();
    let loaded = load::load(root, fetch);
    let diagnostics = check::all_diagnostics(&loaded);
    for diagnostic in &diagnostics {
        let _ = loaded.locate(&diagnostic.scope, diagnostic.at_key);
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{label} took {:?}",
        started.elapsed()
    );
    diagnostics
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}

const COLLECTION: &str = "collections:\n  - name: acme/things\n    schema: {type: object, properties: {id: {type: string}}, required: [id]}\n    key: [/id]\n";

#[test]
fn ten_thousand_deep_nesting() {
    let text = format!(
        "tests:\n  deep: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(codes(&build(&[("flow.yaml", text)])).contains(&"C1a"));
    let block: String = (0..10_000)
        .map(|level| format!("{}k{level}:\n", " ".repeat(level)))
        .collect();
    assert!(codes(&build(&[("flow.yaml", block)])).contains(&"C1a"));
}

#[test]
fn binary_garbage_tabs_duplicates_and_empty_files() {
    let garbage: String = (0..20_000u32)
        .map(|i| char::from_u32((i * 7919 + 13) % 0xD7FF).unwrap_or('?'))
        .collect();
    assert!(!build(&[("flow.yaml", garbage)]).is_empty());
    assert!(
        codes(&build(&[(
            "flow.yaml",
            "collections:\n\t- name: x\n".to_string()
        )]))
        .contains(&"C1a")
    );
    let duplicate = format!("{COLLECTION}tests:\n  same: []\n  same: []\n");
    let diagnostics = build(&[("flow.yaml", duplicate)]);
    assert!(
        diagnostics
            .iter()
            .any(|d| d.code == "C1a" && d.message.contains("duplicate key")),
        "{diagnostics:#?}"
    );
    assert!(build(&[("flow.yaml", String::new())]).is_empty());
    assert!(build(&[("flow.yaml", "# nothing but a comment\n".to_string())]).is_empty());
}

#[test]
fn fifty_file_import_cycle() {
    let files: Vec<(String, String)> = (0..50)
        .map(|i| {
            (
                format!("f{i}.flow.yaml"),
                format!("import: [f{}.flow.yaml]\n", (i + 1) % 50),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.clone()))
        .collect();
    assert_eq!(codes(&build(&files)), ["C4"]);
}

#[test]
fn megabyte_lambdas_and_names() {
    let name = "n".repeat(1 << 20);
    let body = format!(
        "let x = 0;\n{}return [source];\n",
        "x = x + 1;\n".repeat(100_000)
    );
    let text = format!(
        "{COLLECTION}  - name: acme/{name}\n    schema: {{type: object, properties: {{id: {{type: string}}}}, required: [id]}}\n    key: [/id]\n    derivation:\n      transform:\n        fromThings:\n          source: {{name: acme/things}}\n          publish:\n            nodeJS: |\n{}\n",
        body.lines()
            .map(|line| format!("              {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let diagnostics = build(&[("flow.yaml", text)]);
    assert!(
        diagnostics.iter().all(|d| !d.is_error()),
        "{:#?}",
        diagnostics
            .iter()
            .map(|d| &d.message[..d.message.len().min(200)])
            .collect::<Vec<_>>()
    );
    let unterminated = format!(
        "{COLLECTION}tests:\n  \"{}\": []\n  bad: \"unterminated\n",
        "t".repeat(1 << 20)
    );
    assert!(codes(&build(&[("flow.yaml", unterminated)])).contains(&"C1a"));
}

/// Builds a checked-in file of `fixtures/hostile` from disk (bytes as they are).
fn build_file(relative: &str) -> Vec<Diagnostic> {
    let path = test_utils::fixtures_dir()
        .join("hostile")
        .join(relative)
        .canonicalize()
        .unwrap();
    let root = Url::from_file_path(path).unwrap();
    build_bounded(&root, &DiskFetch::new(Vec::new(), true), relative)
}

#[test]
fn checked_in_hostile_files() {
    let expect = |file: &str, code: &str, text: &str| {
        let diagnostics = build_file(file);
        assert!(
            diagnostics
                .iter()
                .any(|d| d.code == code && d.message.contains(text)),
            "{file}: expected {code} \"{text}\", got {diagnostics:#?}"
        );
    };
    expect("alias-bomb.flow.yaml", "C1a", "alias bomb");
    expect("deep-nesting.flow.yaml", "C1a", "");
    expect("tabs.flow.yaml", "C1a", "");
    expect(
        "duplicate-keys.flow.yaml",
        "C1a",
        "duplicate key \"same name\"",
    );
    expect("invalid-utf8.flow.yaml", "C2", "not UTF-8");
    expect("multi-document.flow.yaml", "C1a", "one YAML document");
    assert!(!build_file("binary.flow.yaml").is_empty());
    assert!(build_file("empty.flow.yaml").is_empty());
    assert!(build_file("ref-cycle/flow.yaml").is_empty());
}
