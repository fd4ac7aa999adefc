//! Hostile and broken input: each case must give diagnostics (or build, where
//! it is legal) quickly, never a panic, a hang or unbounded memory. The inputs
//! are generated here rather than checked in, since some are megabytes.

use std::time::{Duration, Instant};

use load::MemoryFetch;
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
    let started = Instant::now();
    let loaded = load::load(
        &Url::parse(&format!("file:///h/{}", files[0].0)).unwrap(),
        &fetch,
    );
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(check::check(&loaded));
    // Every diagnostic must map to a range without panicking.
    for diagnostic in &diagnostics {
        let _ = loaded.locate(&diagnostic.scope, diagnostic.at_key);
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    diagnostics
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}

const COLLECTION: &str = "collections:\n  - name: acme/things\n    schema: {type: object, properties: {id: {type: string}}, required: [id]}\n    key: [/id]\n";

#[test]
fn alias_bomb() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let prev = format!("*a{}", level - 1);
        text.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            vec![prev.as_str(); 9].join(", ")
        ));
    }
    let diagnostics = build(&[("flow.yaml", text)]);
    assert!(
        diagnostics
            .iter()
            .any(|d| d.code == "C1a" && d.message.contains("alias bomb")),
        "{diagnostics:#?}"
    );
}

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
fn schema_reference_cycles_build() {
    let files = [
        ("flow.yaml", "collections:\n  - name: acme/nodes\n    schema: a.schema.yaml\n    key: [/id]\n".to_string()),
        (
            "a.schema.yaml",
            "type: object\nproperties:\n  id: {type: string}\n  child: {$ref: b.schema.yaml}\n  self: {$ref: '#'}\nrequired: [id]\n".to_string(),
        ),
        ("b.schema.yaml", "type: object\nproperties:\n  parent: {$ref: a.schema.yaml}\n".to_string()),
    ];
    let diagnostics = build(&files);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
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
