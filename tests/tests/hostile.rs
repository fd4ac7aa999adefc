//! Hostile and broken input: each case must give diagnostics (or build, where
//! it is legal) quickly, never a panic, a hang or unbounded memory, and no
//! diagnostic may quote a file that is not a catalog or a schema. The inputs
//! are the files of `fixtures/hostile`, plus cases generated here because
//! they are megabytes (or thousands of files) large. The end-to-end side
//! (every output format of the binary, write errors) is in
//! `server/cli/tests/cli.rs`.

use std::time::{Duration, Instant};

use load::{DiskFetch, Fetch, MemoryFetch, UrlMapping};
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

/// Loads and checks `root` within 30 s, mapping every diagnostic to a range
/// (which must not panic either). The bound catches a hang or a blow-up,
/// not slowness: a debug build of the megabyte cases takes 3-5 s on a quiet
/// machine and over 10 s while other builds load it.
fn build_bounded(root: &Url, fetch: &dyn Fetch, label: &str) -> Vec<Diagnostic> {
    let started = Instant::now();
    let loaded = load::load(root, fetch);
    let diagnostics = check::all_diagnostics(&loaded);
    for diagnostic in &diagnostics {
        let _ = loaded.locate(&diagnostic.scope, diagnostic.at_key);
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{label} took {:?}",
        started.elapsed()
    );
    assert_memory_bounded(label);
    diagnostics
}

/// The peak memory of this test process stays under 1 GiB (every case here
/// is small once bounded; an unbounded read of `/dev/zero` or an alias bomb
/// would pass it within seconds).
fn assert_memory_bounded(label: &str) {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return;
    };
    let peak_kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    assert!(
        peak_kib < 1 << 20,
        "{label}: peak memory {} MiB",
        peak_kib >> 10
    );
}

/// Fails when any diagnostic quotes a line of `/etc/passwd` or of the fake
/// secrets of `fixtures/hostile/secrets`.
fn assert_no_secrets(diagnostics: &[Diagnostic]) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let secrets = passwd
        .lines()
        .chain(["hunter2-not-a-real-secret", "correct-horse-battery"])
        .filter(|line| line.len() > 3);
    for secret in secrets {
        for diagnostic in diagnostics {
            let text = format!("{diagnostic:?}");
            assert!(
                !text.contains(secret),
                "a diagnostic quotes \"{secret}\": {diagnostic:#?}"
            );
        }
    }
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

fn hostile_dir() -> std::path::PathBuf {
    test_utils::fixtures_dir()
        .join("hostile")
        .canonicalize()
        .unwrap()
}

/// Builds a checked-in file of `fixtures/hostile` from disk (bytes as they are).
fn build_file(relative: &str) -> Vec<Diagnostic> {
    build_file_with(relative, &DiskFetch::new(Vec::new(), true))
}

fn build_file_with(relative: &str, fetch: &DiskFetch) -> Vec<Diagnostic> {
    let root = Url::from_file_path(hostile_dir().join(relative)).unwrap();
    build_bounded(&root, fetch, relative)
}

/// Asserts that some diagnostic has `code`, a message containing `text`, and
/// lands on `at` (the text under its range) in the file `relative`.
fn expect_at(diagnostics: &[Diagnostic], code: &str, text: &str, at: &str, relative: &str) {
    let root = Url::from_file_path(hostile_dir().join(relative)).unwrap();
    let loaded = load::load(&root, &DiskFetch::new(Vec::new(), true));
    let found = diagnostics.iter().any(|d| {
        d.code == code
            && d.message.contains(text)
            && loaded.locate(&d.scope, d.at_key).is_some_and(|location| {
                let range = d.range.unwrap_or(location.range);
                loaded.resource(&location.resource).is_some_and(|resource| {
                    resource.text.get(range.start as usize..range.end as usize) == Some(at)
                })
            })
    });
    assert!(
        found,
        "expected {code} \"{text}\" at \"{at}\", got {diagnostics:#?}"
    );
}

#[test]
fn chained_anchors_nesting_deeper_each_time_are_c1a_at_the_alias() {
    let diagnostics = build_file("alias-chain.flow.yaml");
    assert_eq!(codes(&diagnostics), ["C1a"], "{diagnostics:#?}");
    assert!(
        diagnostics[0].message.contains("deeper than 200 levels"),
        "{diagnostics:#?}"
    );
    expect_at(
        &diagnostics,
        "C1a",
        "expanding aliases",
        "*a0",
        "alias-chain.flow.yaml",
    );
}

#[test]
fn devices_are_not_read() {
    let diagnostics = build_file("dev-zero/flow.yaml");
    let refused: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.code == "C2" && d.message.contains("is not a regular file"))
        .collect();
    assert_eq!(refused.len(), 3, "{diagnostics:#?}");
    for device in ["/dev/zero is not", "/dev/urandom is not"] {
        assert!(
            refused.iter().any(|d| d.message.contains(device)),
            "{diagnostics:#?}"
        );
    }
}

#[test]
fn files_over_the_size_limit_are_c2_naming_file_and_limit() {
    let schema = format!("type: object\ndescription: \"{}\"\n", "x".repeat(3000));
    let dir = test_utils::scratch::Scratch::with_files(
        "hostile-size",
        &[
            ("big.schema.yaml", &schema),
            (
                "flow.yaml",
                "collections:\n  - name: acme/big\n    schema: big.schema.yaml\n    key: [/id]\n",
            ),
        ],
    );
    let root = Url::from_file_path(dir.join("flow.yaml")).unwrap();
    let mut fetch = DiskFetch::new(Vec::new(), true);
    fetch.max_file_size = 2048;
    let diagnostics = build_bounded(&root, &fetch, "big.schema.yaml");
    assert!(
        diagnostics.iter().any(|d| d.code == "C2"
            && d.message
                .contains("big.schema.yaml is larger than the limit of 2 KiB")
            && d.message.contains("--max-file-size")),
        "{diagnostics:#?}"
    );
    fetch.max_file_size = load::fetch::DEFAULT_MAX_FILE_SIZE;
    let diagnostics = build_bounded(&root, &fetch, "big.schema.yaml");
    assert!(
        diagnostics.iter().all(|d| d.code != "C2"),
        "{diagnostics:#?}"
    );
}

#[test]
fn files_that_are_not_schemas_or_catalogs_are_named_never_quoted() {
    let diagnostics = build_file("secrets/flow.yaml");
    assert_no_secrets(&diagnostics);
    let not_schema: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code == "C2" && d.message.contains("it is not a JSON Schema"))
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(not_schema.len(), 3, "{diagnostics:#?}");
    assert!(
        not_schema
            .iter()
            .any(|m| m.starts_with("could not load file:///etc/passwd: ")
                && m.contains("the file holds text")),
        "{not_schema:#?}"
    );
    assert!(
        not_schema
            .iter()
            .any(|m| m.contains("secrets.txt") && m.contains("holds a list")),
        "{not_schema:#?}"
    );
    expect_at(
        &diagnostics,
        "C2",
        "it is not a catalog source",
        ".env",
        "secrets/flow.yaml",
    );
    // Nothing points into those files, so no renderer can quote a line.
    let root = Url::from_file_path(hostile_dir().join("secrets/flow.yaml")).unwrap();
    let loaded = load::load(&root, &DiskFetch::new(Vec::new(), true));
    assert_eq!(loaded.resources.len(), 1, "{:?}", loaded.catalog.resources);
}

#[test]
fn mapped_urls_stay_inside_their_directory_and_remote_cannot_reach_files() {
    let dir = hostile_dir().join("map-url");
    let mapping = UrlMapping::parse("https://example.com/base/=remote/", &dir).unwrap();
    let fetch = DiskFetch::new(vec![mapping], true);
    let diagnostics = build_file_with("map-url/flow.yaml", &fetch);
    assert_no_secrets(&diagnostics);
    let c2: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code == "C2")
        .map(|d| d.message.as_str())
        .collect();
    // `%2Fetc%2Fpasswd` decodes to remote/etc/passwd, which does not exist.
    assert!(
        c2.iter().any(
            |m| m.contains("%2Fetc%2Fpasswd") && m.contains("remote/etc/passwd does not exist")
        ),
        "{c2:#?}"
    );
    assert!(
        c2.iter().any(|m| m.contains("..%2F")
            && m.contains("the path leaves the directory")
            && m.contains("https://example.com/base/")),
        "{c2:#?}"
    );
    assert!(
        c2.iter()
            .any(|m| m.starts_with("could not load file:///etc/passwd: ")
                && m.contains("evil.schema.yaml is a remote resource")),
        "{c2:#?}"
    );
    assert_eq!(c2.len(), 3, "{diagnostics:#?}");
}

#[test]
fn ten_thousand_chained_imports() {
    let files: Vec<(String, String)> = (0..10_000)
        .map(|i| {
            let text = if i + 1 < 10_000 {
                format!("import: [f{}.flow.yaml]\n", i + 1)
            } else {
                COLLECTION.to_string()
            };
            (format!("f{i}.flow.yaml"), text)
        })
        .collect();
    let files: Vec<(&str, String)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.clone()))
        .collect();
    let diagnostics = build(&files);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
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
    expect("alias-chain.flow.yaml", "C1a", "nests values deeper");
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

#[test]
fn messages_quote_only_an_excerpt_of_a_long_schema_value() {
    let long = "q".repeat(50_000);
    let text = format!(
        "collections:\n  - name: acme/long\n    schema: {{type: object, properties: {{id: {{type: \"{long}\"}}}}}}\n    key: [/id]\n"
    );
    let diagnostics = build(&[("flow.yaml", text)]);
    assert!(
        diagnostics.iter().any(|d| d.code == "C9"),
        "{:#?}",
        diagnostics.iter().map(|d| d.code).collect::<Vec<_>>()
    );
    for diagnostic in &diagnostics {
        assert!(
            diagnostic.message.len() < 1_000,
            "{} quotes {} bytes",
            diagnostic.code,
            diagnostic.message.len()
        );
    }
}
