//! Drives the `flowctl` binary as a user would: output and exit codes of
//! `build`, `lint --format json`, `test` and `json-schema`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use test_utils::scratch::Scratch;

const CORPUS_PREFIX: &str = "https://raw.githubusercontent.com/estuary/docs/developer-docs/";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn corpus() -> PathBuf {
    repo()
        .join("../shared/corpus/estuary-docs")
        .canonicalize()
        .unwrap()
}

fn flowctl(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FLOW_MAP_URL")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn corpus_args<'a>(command: &'a str, map: &'a str) -> Vec<&'a str> {
    vec![
        command,
        "--offline",
        "--source",
        "../shared/corpus/estuary-docs/flow.yaml",
        "--map-url",
        map,
    ]
}

#[test]
fn json_schema_matches_the_checked_in_file() {
    let output = flowctl(&["json-schema"], &repo());
    assert!(output.status.success());
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let path = repo().join("schemas/flow-catalog.schema.json");
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, String::from_utf8(output.stdout).unwrap()).unwrap();
    }
    let checked_in: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
            .unwrap_or(Value::Null);
    assert_eq!(
        printed, checked_in,
        "schemas/flow-catalog.schema.json is stale: run `UPDATE_SCHEMAS=1 cargo test -p cli`"
    );
    // Every property has a description, for editors' hover and completion.
    fn undocumented(schema: &Value, at: &str, out: &mut Vec<String>) {
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                if property.get("description").is_none() {
                    out.push(format!("{at}/{name}"));
                }
            }
        }
        if let Some(object) = schema.as_object() {
            for (key, value) in object {
                undocumented(value, &format!("{at}/{key}"), out);
            }
        }
    }
    let mut missing = Vec::new();
    undocumented(&printed, "", &mut missing);
    assert!(
        missing.is_empty(),
        "properties without a description: {missing:?}"
    );
}

#[test]
fn build_the_corpus_succeeds() {
    let map = format!("{CORPUS_PREFIX}={}/", corpus().display());
    let out_dir = Scratch::new("build");
    let mut args = corpus_args("build", &map);
    let out_str = out_dir.display().to_string();
    args.extend(["--output", &out_str]);
    let output = flowctl(&args, &repo());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("built 37 collection(s) and 29 test(s)"),
        "{stderr}"
    );
    let artifact: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("catalog.json")).unwrap())
            .unwrap();
    assert!(artifact["resources"].as_array().unwrap().len() > 40);
}

#[test]
fn lint_json_reports_mistakes_with_ranges_and_exit_1() {
    let dir = Scratch::with_files(
        "lint",
        &[
            (
                "flow.yaml",
                "import: [orders.flow.yaml]\ncollections:\n  - name: acme/totals\n    schema: {type: object, properties: {id: {type: string}}, required: [id]}\n    key: [/id]\n    derivaton: {}\n",
            ),
            (
                "orders.flow.yaml",
                "collections:\n  - name: acme/orders\n    schema: {type: object, properties: {id: {type: string}}, required: [id]}\n    key: [/id]\n",
            ),
        ],
    );
    let output = flowctl(&["lint", "--format", "json"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["errors"], 1);
    assert_eq!(value["warnings"], 0);
    let diagnostic = &value["diagnostics"][0];
    assert_eq!(diagnostic["path"], "flow.yaml");
    assert_eq!(diagnostic["code"], "C1b");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["range"]["start"]["line"], 5);
    assert_eq!(diagnostic["range"]["start"]["character"], 4);
    assert_eq!(diagnostic["range"]["end"]["character"], 13);
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("unexpected property \"derivaton\"")
    );
    assert!(diagnostic["uri"].as_str().unwrap().starts_with("file:///"));
    assert!(
        diagnostic["scope"]
            .as_str()
            .unwrap()
            .ends_with("flow.yaml#/collections/0/derivaton")
    );

    let human = flowctl(&["build"], &dir);
    assert_eq!(human.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert!(stderr.contains("error[C1b]"), "{stderr}");
    assert!(stderr.contains("flow.yaml:6:5"), "{stderr}");
    assert!(stderr.contains("^^^^^^^^^"), "{stderr}");
}

#[test]
fn a_valid_catalog_lints_clean() {
    let dir = Scratch::with_files(
        "clean",
        &[(
            "flow.yaml",
            "collections:\n  acme/orders:\n    schema: {type: object, properties: {id: {type: string}}, required: [id]}\n    key: [/id]\n",
        )],
    );
    let output = flowctl(&["lint", "--format", "json"], &dir);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["diagnostics"], Value::Array(Vec::new()));
}

#[test]
fn an_unreadable_root_or_bad_flag_exits_2() {
    let dir = Scratch::with_files("missing", &[]);
    let output = flowctl(&["build", "--source", "nope.yaml"], &dir);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nope.yaml"));
    let output = flowctl(&["build", "--no-such-flag"], &dir);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn test_runs_the_corpus_29_of_29() {
    let map = format!("{CORPUS_PREFIX}={}/", corpus().display());
    let mut args = corpus_args("test", &map);
    args.extend(["--format", "json"]);
    let output = flowctl(&args, &repo());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["passed"], 29);
    assert_eq!(value["failed"], 0);
    let tests = value["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 29);
    assert!(tests.iter().all(
        |test| test["status"] == "passed" && test["range"]["start"]["line"].as_u64().is_some()
    ));
}

#[test]
fn test_on_our_example_catalogs_passes() {
    for example in [
        "fixtures/greenhouse/flow.yaml",
        "fixtures/reductions/flow.yaml",
    ] {
        let output = flowctl(&["test", "--source", example], &repo());
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{example}: {stdout}");
        assert!(
            stdout
                .trim_end()
                .lines()
                .last()
                .unwrap()
                .ends_with(" passed, 0 failed"),
            "{stdout}"
        );
    }
}

/// The must-fail fixtures: every failure kind fails its own test with its
/// message, and the output is compared with `fixtures/failing/expected.txt`
/// (regenerate with UPDATE_SNAPSHOTS=1).
#[test]
fn failing_tests_report_each_failure_clearly() {
    let output = flowctl(&["test", "--source", "fixtures/failing/flow.yaml"], &repo());
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.ends_with("0 passed, 9 failed\n"), "{stdout}");
    let snapshot = repo().join("fixtures/failing/expected.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &stdout).unwrap();
    }
    let expected = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert_eq!(
        stdout, expected,
        "flowctl test output changed: rerun with UPDATE_SNAPSHOTS=1 and review the diff"
    );

    let junit = flowctl(
        &[
            "test",
            "--source",
            "fixtures/failing/flow.yaml",
            "--format",
            "junit",
            "--filter",
            "throws",
        ],
        &repo(),
    );
    let xml = String::from_utf8(junit.stdout).unwrap();
    assert!(
        xml.contains("<testsuite name=\"flowctl test\" tests=\"1\" failures=\"1\""),
        "{xml}"
    );
    assert!(xml.contains("skipped a beat"), "{xml}");
    let tap = flowctl(
        &[
            "test",
            "--source",
            "fixtures/failing/flow.yaml",
            "--format",
            "tap",
            "--filter",
            "verify",
        ],
        &repo(),
    );
    let tap = String::from_utf8(tap.stdout).unwrap();
    assert!(
        tap.starts_with("TAP version 13\n1..1\nnot ok 1 - "),
        "{tap}"
    );
    let json = flowctl(
        &[
            "test",
            "--source",
            "fixtures/failing/flow.yaml",
            "--format",
            "json",
            "--filter",
            "verify",
        ],
        &repo(),
    );
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    let failure = &value["tests"][0]["failure"];
    assert_eq!(failure["step"], 1);
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("/entries: expected 6, actual 5")
    );
    assert!(failure["expected"].is_array() && failure["actual"].is_array());
}

#[test]
fn a_broken_catalog_runs_no_test() {
    let dir = Scratch::with_files(
        "broken-test",
        &[(
            "flow.yaml",
            "collections:\n  - name: a b\n    schema: {type: object}\n    key: [/k]\n",
        )],
    );
    let output = flowctl(&["test", "--format", "json"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["tests"], Value::Array(Vec::new()));
    assert!(value["errors"].as_u64().unwrap() >= 1);
}

#[test]
fn lint_github_prints_workflow_commands_and_a_summary() {
    let dir = Scratch::with_files(
        "github",
        &[(
            "flow.yaml",
            "collections:\n  - name: acme/a b\n    schema: {type: object, properties: {id: {type: string}}, required: [id]}\n    key: [/id]\n",
        )],
    );
    let summary = dir.join("summary.md");
    let output = Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args(["lint"])
        .current_dir(&dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout,
        "::error file=flow.yaml,line=2,col=11,endLine=2,endColumn=19,title=C5a::collection name \"acme/a b\" may contain only letters, digits, \"-\", \"_\", \".\", \"/\"\n"
    );
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(
        summary.starts_with("### flowctl lint: 1 error(s), 0 warning(s)"),
        "{summary}"
    );
    assert!(
        summary.contains("| error | `C5a` | flow.yaml:2:11 |"),
        "{summary}"
    );
}

#[test]
fn lint_sarif_conforms_to_sarif_2_1_0() {
    let dir = repo().join("fixtures/invalid/multi-three-errors-two-files");
    let output = flowctl(&["lint", "--format", "sarif"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let schema_path = repo().join("../shared/schemas-external/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "flowctl");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let c12 = results
        .iter()
        .find(|result| result["ruleId"] == "C12")
        .unwrap();
    let region = &c12["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        c12["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "orders.flow.yaml"
    );
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(12), Some(21))
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let index = c12["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "C12");
}

#[test]
fn lint_junit_has_one_case_per_file() {
    // Three files: the two catalog sources and the schema, which is clean.
    let dir = repo().join("fixtures/invalid/multi-three-errors-two-files");
    let output = flowctl(&["lint", "--format", "junit"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(
        xml.contains("<testsuite name=\"flowctl lint\" tests=\"3\" failures=\"2\">"),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"orders.flow.yaml\" classname=\"flowctl lint\">"),
        "{xml}"
    );
    assert!(
        xml.contains(
            "orders.flow.yaml:12:21: error[C12]: no collection named &quot;billing/invoices&quot;"
        ),
        "{xml}"
    );
}

/// Runs flowctl with its stdout going to `stdout`.
fn flowctl_to(args: &[&str], cwd: &Path, stdout: std::process::Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FLOW_MAP_URL")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every command and format that writes to stdout, the catalog it runs on
/// (relative to the repository) and its exit code when all goes well.
const STDOUT_COMMANDS: &[(&[&str], &str, i32)] = &[
    (&["lint", "--format", "json"], LINT_CATALOG, 1),
    (&["lint", "--format", "sarif"], LINT_CATALOG, 1),
    (&["lint", "--format", "junit"], LINT_CATALOG, 1),
    (&["lint", "--format", "github"], LINT_CATALOG, 1),
    (&["lint", "--format", "human"], LINT_CATALOG, 1),
    (&["test", "--format", "json"], LINT_CATALOG, 1),
    (&["test", "--format", "json"], TEST_CATALOG, 0),
    (&["test", "--format", "human"], TEST_CATALOG, 0),
    (&["test", "--format", "tap"], TEST_CATALOG, 0),
    (&["test", "--format", "junit"], TEST_CATALOG, 0),
    (&["json-schema"], TEST_CATALOG, 0),
    (&["--help"], TEST_CATALOG, 0),
    (&["lint", "--help"], TEST_CATALOG, 0),
    (&["--version"], TEST_CATALOG, 0),
];
const LINT_CATALOG: &str = "fixtures/invalid/multi-three-errors-two-files/flow.yaml";
const TEST_CATALOG: &str = "fixtures/greenhouse/flow.yaml";

fn with_source<'a>(args: &[&'a str], catalog: &'a str) -> Vec<&'a str> {
    let mut all = args.to_vec();
    if args[0] != "json-schema"
        && !args
            .iter()
            .any(|arg| arg.starts_with("--h") || arg.starts_with("--v"))
    {
        all.extend(["--offline", "--source", catalog]);
    }
    all
}

#[test]
fn a_write_error_on_stdout_exits_2_with_one_line() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    for (args, catalog, _) in STDOUT_COMMANDS {
        let args = with_source(args, catalog);
        let child = flowctl_to(&args, &repo(), full.try_clone().unwrap().into());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end(),
            "error: cannot write the output: No space left on device (os error 28)",
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_verdict() {
    for (args, catalog, code) in STDOUT_COMMANDS {
        let args = with_source(args, catalog);
        let mut child = flowctl_to(&args, &repo(), std::process::Stdio::piped());
        // Close the reading end before flowctl writes anything, as `head`
        // does once it has its lines.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(*code), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("error: "),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn no_output_format_quotes_a_file_that_is_not_a_catalog_or_schema() {
    let dir = repo().join("fixtures/hostile/secrets");
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    for format in ["human", "json", "sarif", "junit", "github"] {
        let output = flowctl(&["lint", "--offline", "--format", format], &dir);
        assert_eq!(output.status.code(), Some(1), "{format}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(all.contains("file:///etc/passwd"), "{format}: {all}");
        for secret in passwd
            .lines()
            .chain(["hunter2-not-a-real-secret", "correct-horse-battery"])
            .filter(|line| line.len() > 3)
        {
            assert!(!all.contains(secret), "{format} quotes \"{secret}\": {all}");
        }
    }
    let output = flowctl(&["lint", "--offline", "--source", "/etc/passwd"], &dir);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("it is not a catalog source") && !stderr.contains("root:"),
        "{stderr}"
    );
}

#[test]
fn max_file_size_flag_raises_and_lowers_the_limit() {
    let dir = Scratch::with_files(
        "max-size",
        &[(
            "flow.yaml",
            "collections:\n  - name: acme/a\n    schema: {type: object, properties: {id: {type: string}}, required: [id]}\n    key: [/id]\n",
        )],
    );
    let output = flowctl(&["lint", "--max-file-size", "50"], &dir);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is larger than the limit of 50 bytes per resource"),
        "{stderr}"
    );
    let output = flowctl(&["lint", "--max-file-size", "1KiB"], &dir);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = flowctl(&["lint", "--max-file-size", "lots"], &dir);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_lambda_failure_in_another_file_names_that_file_and_the_throw_line() {
    let dir = Scratch::with_files(
        "lambda-path",
        &[
            (
                "flow.yaml",
                "import: [derive.flow.yaml]\ntests:\n  throws:\n    - ingest:\n        collection: acme/pings\n        documents: [{id: a}]\n",
            ),
            (
                "derive.flow.yaml",
                concat!(
                    "collections:\n",
                    "  - name: acme/pings\n",
                    "    schema: {type: object, properties: {id: {type: string}}, required: [id]}\n",
                    "    key: [/id]\n",
                    "  - name: acme/echo\n",
                    "    schema: {type: object, properties: {id: {type: string}}, required: [id]}\n",
                    "    key: [/id]\n",
                    "    derivation:\n",
                    "      transform:\n",
                    "        fromPings:\n",
                    "          source: {name: acme/pings}\n",
                    "          publish:\n",
                    "            nodeJS: |2\n",
                    "                const id = source.id;\n",
                    "              throw new Error(id);\n",
                ),
            ),
        ],
    );
    let output = flowctl(&["test", "--format", "json"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failure = &report["tests"][0]["failure"];
    assert_eq!(report["tests"][0]["path"], "flow.yaml");
    assert_eq!(failure["path"], "derive.flow.yaml", "{report:#}");
    // 0-based line 14: the `throw`, not the line after it.
    assert_eq!(failure["range"]["start"]["line"], 14, "{report:#}");
}

/// A lone `\r` ends a line (YAML, LSP): old Mac line endings put every
/// diagnostic on its own line in every format, not all on line 1.
#[test]
fn lone_carriage_returns_end_lines_in_every_format() {
    let text = "collections:\r  - name: acme/things\r    schema: {type: object, properties: {id: {type: string}}, required: [id]}\r    key: [/id]\r    bogus: 1\r";
    let dir = Scratch::with_files("lone-cr", &[("flow.yaml", text)]);
    let json = flowctl(&["lint", "--offline", "--format", "json"], &dir);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let start = &report["diagnostics"][0]["range"]["start"];
    assert_eq!(
        (start["line"].as_u64(), start["character"].as_u64()),
        (Some(4), Some(4)),
        "{report}"
    );
    let human = flowctl(&["lint", "--offline"], &dir);
    let printed = String::from_utf8_lossy(&human.stdout);
    assert!(printed.contains("flow.yaml:5:5"), "{printed}");
    assert!(printed.contains("5 │     bogus: 1"), "{printed}");
}

fn stdout_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn preview_prints_what_a_derivation_publishes_for_each_feeding_test() {
    let args = [
        "preview",
        "--source",
        "fixtures/greenhouse/flow.yaml",
        "--collection",
        "greenhouse/out-of-band",
    ];
    let output = flowctl(&args, &repo());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // Only the out-of-band test publishes; each test ran from empty state.
    assert_eq!(
        stdout_lines(&output),
        vec![
            serde_json::json!({"zone": "seedlings", "sensor": "s-01", "ts": "2024-03-04T07:00:00Z", "crop": "Basil starts", "celsius": 15.5, "band": {"low": 18, "high": 26}}),
            serde_json::json!({"zone": "tomatoes", "sensor": "s-09", "ts": "2024-03-04T06:00:00Z", "crop": "San Marzano tomato", "celsius": 31, "band": {"low": 16, "high": 29.5}}),
            serde_json::json!({"zone": "tomatoes", "sensor": "s-10", "ts": "2024-03-04T08:00:00Z", "crop": "San Marzano tomato", "celsius": 33.5, "band": {"low": 14, "high": 32}}),
        ]
    );
    assert!(
        stderr.contains("greenhouse/out-of-band from test \"Readings outside their zone's band are flagged with the crop\": 3 document(s) published"),
        "{stderr}"
    );

    let table = flowctl(&[&args[..], &["--format", "table"]].concat(), &repo());
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains(
            "zone      │ sensor │ ts                   │ crop               │ celsius │ band\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("tomatoes  │ s-10   │ 2024-03-04T08:00:00Z │ San Marzano tomato │ 33.5    │ {\"low\":14,\"high\":32}"),
        "{text}"
    );
}

#[test]
fn preview_reads_json_jsonl_csv_and_tsv_inputs() {
    let source = repo().join("fixtures/greenhouse/flow.yaml");
    let dir = Scratch::with_files(
        "preview-inputs",
        &[
            (
                "zones.jsonl",
                "{\"zone\": \"herbs\", \"crop\": \"Thyme\", \"band\": {\"low\": 10, \"high\": 20}}\n\n",
            ),
            // `temp` is the readings' projection of /celsius.
            (
                "readings.csv",
                "sensor,zone,ts,temp\nh-1,herbs,2024-05-01T00:00:00Z,25\nh-2,herbs,\"2024-05-01T00:00:00Z\",12.5\n",
            ),
            (
                "readings.tsv",
                "sensor\tzone\tts\tcelsius\nh-3\therbs\t2024-05-01T01:00:00Z\t9\n",
            ),
            (
                "readings.json",
                "[{\"sensor\": \"h-4\", \"zone\": \"herbs\", \"ts\": \"2024-05-01T02:00:00Z\", \"celsius\": 30}]",
            ),
            ("bad.csv", "sensor,zone,colour\n"),
            ("bad.txt", "x"),
        ],
    );
    let run = |inputs: &[&str]| {
        let mut args = vec![
            "preview",
            "--source",
            source.to_str().unwrap(),
            "--collection",
            "greenhouse/out-of-band",
        ];
        for input in inputs {
            args.extend(["--input", input]);
        }
        flowctl(&args, &dir)
    };
    let output = run(&[
        "greenhouse/zones=zones.jsonl",
        "greenhouse/readings=readings.csv",
        "greenhouse/readings=readings.tsv",
        "greenhouse/readings=readings.json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sensors: Vec<Value> = stdout_lines(&output)
        .iter()
        .map(|document| document["sensor"].clone())
        .collect();
    assert_eq!(sensors, ["h-1", "h-3", "h-4"]);

    // Input mistakes: the command could not run (2), with the reason.
    let refused = |inputs: &[&str], expected: &str| {
        let output = run(inputs);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{expected} not in {stderr}");
    };
    refused(
        &["greenhouse/readings=bad.csv"],
        "bad.csv: line 1: \"colour\" is not a field of \"greenhouse/readings\"",
    );
    refused(
        &["greenhouse/readings=bad.txt"],
        "bad.txt: unknown input format",
    );
    refused(&["greenhouse/readings"], "is not COLLECTION=FILE");
    refused(
        &["greenhouse/readings=missing.json"],
        "cannot read missing.json",
    );
    refused(
        &["greenhouse/out-of-band=readings.json"],
        "\"greenhouse/out-of-band\" does not feed \"greenhouse/out-of-band\"",
    );
}

#[test]
fn preview_refusals_and_failures_have_their_exit_code() {
    let dir = Scratch::with_files(
        "preview-refusals",
        &[
            (
                "flow.yaml",
                "collections:\n  - name: notes/raw\n    schema: {type: object, properties: {id: {type: integer}}, required: [id]}\n    key: [/id]\n  - name: notes/copy\n    schema: {type: object, properties: {id: {type: integer}}, required: [id]}\n    key: [/id]\n    derivation:\n      transform:\n        fromRaw:\n          source: {name: notes/raw}\n          publish: {nodeJS: \"return [source];\"}\n",
            ),
            (
                "broken.flow.yaml",
                "collections:\n  - name: a b\n    schema: {type: object}\n    key: [/k]\n",
            ),
        ],
    );
    let run = |args: &[&str], cwd: &Path| {
        let output = flowctl(&[&["preview"], args].concat(), cwd);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&["--collection", "notes/copy"], &dir);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no input documents for \"notes/raw\" (no test ingests into it"),
        "{stderr}"
    );
    let (code, stderr) = run(&["--collection", "notes/raw"], &dir);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("\"notes/raw\" is not a derived collection"),
        "{stderr}"
    );
    let (code, stderr) = run(&["--collection", "notes/cpy"], &dir);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no collection named \"notes/cpy\""),
        "{stderr}"
    );
    let (code, stderr) = run(
        &["--source", "broken.flow.yaml", "--collection", "a b"],
        &dir,
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("the catalog has 2 error(s); nothing was previewed"),
        "{stderr}"
    );
    let (code, _) = run(&[], &dir);
    assert_eq!(code, Some(2), "--collection is required");

    // A lambda that throws: exit 1, at the line of the `throw`, as `flowctl test` says.
    let (code, stderr) = run(
        &[
            "--source",
            "fixtures/failing/flow.yaml",
            "--collection",
            "failing/thrown",
        ],
        &repo(),
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("❌ the run failed at step 1:\n  --> fixtures/failing/lambdas.flow.yaml:27:43\n  transform failing/thrown/fromPings publish lambda failed: Error: device d-1 skipped a beat"),
        "{stderr}"
    );
}

#[test]
fn test_trace_shows_reads_registers_publications_and_states() {
    let args = [
        "test",
        "--source",
        "fixtures/greenhouse/flow.yaml",
        "--filter",
        "Frost alerts",
        "--trace",
    ];
    let output = flowctl(&args, &repo());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for expected in [
        "  ┌ step 1 ingest greenhouse/readings (4 document(s)) · clock 0s\n",
        "  │ greenhouse/frost-alerts/fromReadings read {\"sensor\":\"s-03\",\"zone\":\"seedlings\",\"ts\":\"2024-03-03T02:00:00Z\",\"celsius\":1.5} from greenhouse/readings\n  │     register 4.5 → 1.5\n  │     published {\"sensor\":\"s-03\",\"ts\":\"2024-03-03T02:00:00Z\",\"zone\":\"seedlings\",\"kind\":\"frost\",\"celsius\":1.5}\n",
        "  │ greenhouse/frost-alerts now holds 1 document(s):\n",
        "  ┌ step 2 verify greenhouse/frost-alerts · clock 0s\n",
        "  ┌ step 4 verify greenhouse/frost-alerts · clock 0s\n  │ greenhouse/frost-alerts now holds 3 document(s):\n",
        "  ┌ after the last step · clock 1800s\n  │ greenhouse/quiet-sensors/recheck read ",
    ] {
        assert!(stdout.contains(expected), "{expected} not in {stdout}");
    }
    // Untraced output has none of it.
    let plain = flowctl(&args[..5], &repo());
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('┌'));

    let json = flowctl(&[&args[..], &["--format", "json"]].concat(), &repo());
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    let trace = value["tests"][0]["trace"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = trace
        .iter()
        .map(|step| {
            (
                step["kind"].as_str().unwrap(),
                step["collection"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("ingest", "greenhouse/readings"),
            ("verify", "greenhouse/frost-alerts"),
            ("ingest", "greenhouse/readings"),
            ("verify", "greenhouse/frost-alerts"),
            // quiet-sensors' delayed reads, once time advances after the last step.
            ("advance", ""),
        ]
    );
    let frost = trace[0]["reads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|read| {
            read["derivation"] == "greenhouse/frost-alerts" && read["document"]["celsius"] == 1.5
        })
        .unwrap();
    assert_eq!(frost["register_before"], 4.5);
    assert_eq!(frost["register_after"], 1.5);
    assert_eq!(frost["published"][0]["kind"], "frost");
    assert_eq!(frost["failed"], false);

    // A failure's trace stops at the failing step, its failed read last.
    let failing = flowctl(
        &[
            "test",
            "--source",
            "fixtures/failing/flow.yaml",
            "--filter",
            "a lambda throws",
            "--trace",
            "--format",
            "json",
        ],
        &repo(),
    );
    let value: Value = serde_json::from_slice(&failing.stdout).unwrap();
    let test = &value["tests"][0];
    let trace = test["trace"].as_array().unwrap();
    assert_eq!(trace.last().unwrap()["step"], test["failure"]["step"]);
    let last_read = trace.last().unwrap()["reads"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last_read["failed"], true);
    assert_eq!(last_read["derivation"], "failing/thrown");
}

/// A catalog with one warning (W1), a passing test, a test whose verify
/// fails and a test whose lambda throws; and the 1-based lines where the
/// verify step and the `throw` are.
fn shop_catalog(name: &str) -> (Scratch, usize, usize) {
    let text = r#"collections:
  shop/orders:
    schema:
      type: object
      reduce: { strategy: merge }
      properties:
        id: { type: string, reduce: { strategy: firstWriteWins } }
        total: { type: number }
      required: [id, total]
    key: [/id]
  shop/big-orders:
    schema: { type: object, properties: { id: { type: string } }, required: [id] }
    key: [/id]
    derivation:
      transform:
        fromOrders:
          source: { name: shop/orders }
          publish:
            nodeJS: |
              if (source.total > 100) {
                throw new Error("order " + source.id + " is too big");
              }
              return [{ id: source.id }];
tests:
  "an order is stored":
    - ingest: { collection: shop/orders, documents: [{ id: a, total: 1 }] }
    - verify: { collection: shop/orders, documents: [{ id: a, total: 1 }] }
  "a verify that fails":
    - ingest: { collection: shop/orders, documents: [{ id: a, total: 1 }] }
    - verify: { collection: shop/orders, documents: [{ id: a, total: 2 }] }
  "a lambda that throws":
    - ingest: { collection: shop/orders, documents: [{ id: z, total: 500 }] }
"#;
    let line_of = |needle: &str| text.lines().position(|line| line.contains(needle)).unwrap() + 1;
    let verify = line_of("total: 2 }");
    let throw = line_of("throw new Error");
    (
        Scratch::with_files(name, &[("flow.yaml", text)]),
        verify,
        throw,
    )
}

#[test]
fn lint_max_warnings_fails_only_over_the_limit_and_says_so() {
    let (dir, _, _) = shop_catalog("max-warnings");
    let human = |max: &str| flowctl(&["lint", "--max-warnings", max], &dir);
    // One warning: at the limit and under it pass, over it fails.
    for max in ["1", "2"] {
        let output = human(max);
        assert_eq!(output.status.code(), Some(0), "--max-warnings {max}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            stdout.ends_with("0 error(s), 1 warning(s)\n"),
            "--max-warnings {max}: {stdout}"
        );
    }
    let output = human("0");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.ends_with("0 error(s), 1 warning(s); more warnings than --max-warnings 0\n"),
        "{stdout}"
    );
    // Without the flag, warnings never fail.
    assert_eq!(flowctl(&["lint"], &dir).status.code(), Some(0));

    let json = |max: &str| flowctl(&["lint", "--format", "json", "--max-warnings", max], &dir);
    let output = json("0");
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (
            &value["warnings"],
            &value["max_warnings"],
            &value["max_warnings_exceeded"]
        ),
        (&Value::from(1), &Value::from(0), &Value::Bool(true))
    );
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("1 warning(s), more than --max-warnings 0"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: Value = serde_json::from_slice(&json("1").stdout).unwrap();
    assert_eq!(value["max_warnings_exceeded"], false);

    for format in ["sarif", "junit"] {
        let output = flowctl(&["lint", "--format", format, "--max-warnings", "0"], &dir);
        assert_eq!(output.status.code(), Some(1), "{format}");
        let output = flowctl(&["lint", "--format", format, "--max-warnings", "1"], &dir);
        assert_eq!(output.status.code(), Some(0), "{format}");
    }

    let summary = dir.join("summary.md");
    let output = Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args(["lint", "--format", "github", "--max-warnings", "0"])
        .current_dir(&dir)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("::warning file=flow.yaml,line=10,"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("::error title=max-warnings::1 warning(s), more than --max-warnings 0\n"),
        "{stdout}"
    );
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(
        summary.starts_with(
            "### flowctl lint: 0 error(s), 1 warning(s); more warnings than --max-warnings 0\n"
        ),
        "{summary}"
    );
}

#[test]
fn lint_run_tests_reports_each_failed_test_at_its_step_in_every_format() {
    let (dir, verify, throw) = shop_catalog("run-tests");
    let lint = |format: &str| flowctl(&["lint", "--run-tests", "--format", format], &dir);

    let output = lint("human");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("error[T1]: test \"a verify that fails\" failed at step 2: actual and expected documents did not match"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("flow.yaml:{verify}:7")),
        "{stdout}"
    );
    assert!(
        stdout.contains("error[T2]: test \"a lambda that throws\" failed at step 1: transform shop/big-orders/fromOrders publish lambda failed: Error: order z is too big"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("flow.yaml:{throw}:")), "{stdout}");
    assert!(
        stdout.ends_with("2 error(s), 1 warning(s); tests: 1 passed, 2 failed\n"),
        "{stdout}"
    );

    let output = lint("json");
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        value["tests"],
        serde_json::json!({"passed": 1, "failed": 2})
    );
    let t1: Vec<(&str, u64, &str)> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with('T'))
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["range"]["start"]["line"].as_u64().unwrap() + 1,
                d["path"].as_str().unwrap(),
            )
        })
        .collect();
    // In test order, as `flowctl test` reports them.
    assert_eq!(
        t1,
        vec![
            ("T2", throw as u64, "flow.yaml"),
            ("T1", verify as u64, "flow.yaml")
        ]
    );
    assert_eq!(
        (&value["errors"], &value["warnings"]),
        (&Value::from(2), &Value::from(1))
    );

    let output = lint("github");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 2, "{stdout}");
    assert!(
        errors[1].starts_with(&format!("::error file=flow.yaml,line={verify},col=7,"))
            && errors[1].contains("title=T1::test \"a verify that fails\" failed at step 2: actual and expected documents did not match:%0Amismatched document at index 0:"),
        "{stdout}"
    );
    assert!(
        errors[0].starts_with(&format!("::error file=flow.yaml,line={throw},"))
            && errors[0].contains(",title=T2::test \"a lambda that throws\""),
        "{stdout}"
    );

    let output = lint("sarif");
    assert_eq!(output.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let schema_path = repo().join("../shared/schemas-external/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let lines: Vec<u64> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"].as_str().unwrap().starts_with('T'))
        .inspect(|r| {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], r["ruleId"]);
        })
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(lines, vec![throw as u64, verify as u64]);

    let output = lint("junit");
    assert_eq!(output.status.code(), Some(1));
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(
        xml.contains("<testcase name=\"flow.yaml\" classname=\"flowctl lint\">\n      <failure message=\"2 error(s)\">"),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("flow.yaml:{throw}:"))
            && xml.contains("error[T2]: test &quot;a lambda that throws&quot;"),
        "{xml}"
    );
}

#[test]
fn lint_run_tests_passes_a_good_catalog_and_runs_nothing_on_a_broken_one() {
    let output = flowctl(
        &[
            "lint",
            "--run-tests",
            "--source",
            "fixtures/greenhouse/flow.yaml",
        ],
        &repo(),
    );
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.ends_with(" passed, 0 failed\n")
            && stdout.starts_with("0 error(s), 0 warning(s); tests: "),
        "{stdout}"
    );
    let dir = repo().join("fixtures/invalid/multi-three-errors-two-files");
    let output = flowctl(&["lint", "--run-tests", "--format", "json"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["tests"], Value::Null);
    let output = flowctl(&["lint", "--run-tests"], &dir);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.ends_with("3 error(s), 0 warning(s); no test was run: the catalog has errors\n"),
        "{stdout}"
    );
}

#[test]
fn a_missing_catalog_points_to_source_and_init() {
    let dir = Scratch::with_files("no-catalog", &[]);
    for command in ["build", "test", "lint"] {
        let output = flowctl(&[command], &dir);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("flow.yaml: No such file or directory")
                && stderr.contains("hint: name the catalog with --source PATH, or start a project here with `flowctl init`"),
            "{command}: {stderr}"
        );
    }
    // A path the user named is just missing: no project advice.
    let output = flowctl(&["lint", "--source", "nope.yaml"], &dir);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("nope.yaml") && !stderr.contains("flowctl init"),
        "{stderr}"
    );
}

#[test]
fn init_starts_a_project_whose_test_passes_and_never_overwrites() {
    let parent = Scratch::with_files("init", &[]);
    let output = flowctl(&["init", "bikes"], &parent);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("wrote   bikes/flow.yaml\n"), "{stdout}");
    assert!(
        stdout.contains("\nNext:\n  cd bikes\n  flowctl test"),
        "{stdout}"
    );
    let project = parent.join("bikes");
    // The dev container is this repository's, file for file.
    for name in [
        "devcontainer.json",
        "docker-compose.yml",
        "Dockerfile",
        "Dockerfile.dockerignore",
        "post-create.sh",
    ] {
        let ours = std::fs::read(repo().join(".devcontainer").join(name)).unwrap();
        let theirs = std::fs::read(project.join(".devcontainer").join(name)).unwrap();
        assert!(ours == theirs, "{name} differs from the repository's");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(project.join(".devcontainer/post-create.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "post-create.sh is not executable");
    }
    let extensions: Value = serde_json::from_str(
        &std::fs::read_to_string(project.join(".vscode/extensions.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(extensions["recommendations"][0], "flowctl.flowctl");
    // The extension's own id, once vscode-extension/package.json exists.
    if let Ok(text) = std::fs::read_to_string(repo().join("vscode-extension/package.json")) {
        let package: Value = serde_json::from_str(&text).unwrap();
        let id = format!(
            "{}.{}",
            package["publisher"].as_str().unwrap_or_default(),
            package["name"].as_str().unwrap_or_default()
        );
        assert_eq!(
            extensions["recommendations"][0], id,
            "init recommends another extension than vscode-extension/package.json's (EXTENSION_ID in server/cli/src/commands/init.rs)"
        );
    }
    let workflow = std::fs::read_to_string(project.join(".github/workflows/flow.yml")).unwrap();
    assert!(
        workflow.contains("uses: estuary/flowctl@main"),
        "{workflow}"
    );

    // The example is clean and its test passes, right away.
    let output = flowctl(&["lint", "--run-tests", "--max-warnings", "0"], &project);
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "0 error(s), 0 warning(s); tests: 1 passed, 0 failed\n"
    );
    assert_eq!(output.status.code(), Some(0));
    let output = flowctl(&["test"], &project);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .ends_with("1 passed, 0 failed\n")
    );

    // A second init, after the user changed the catalog, skips every file.
    std::fs::write(project.join("flow.yaml"), "# mine\n").unwrap();
    let output = flowctl(&["init"], &project);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("wrote"), "{stdout}");
    assert!(
        stdout.starts_with("skipped flow.yaml (it exists; not overwritten)\nskipped .devcontainer/devcontainer.json"),
        "{stdout}"
    );
    assert!(!stdout.contains("cd "), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(project.join("flow.yaml")).unwrap(),
        "# mine\n"
    );

    // A DIR that is a file: exit 2, saying so.
    let output = flowctl(&["init", "flow.yaml"], &project);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: flow.yaml is not a directory\n"
    );
}

/// Runs the dev container's post-create script in `dir` with this flowctl
/// first on the PATH.
fn post_create(dir: &Path) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_flowctl")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    Command::new("sh")
        .arg(".devcontainer/post-create.sh")
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("FLOW_MAP_URL")
        .output()
        .unwrap()
}

#[test]
fn the_dev_containers_post_create_script_builds_and_tests_the_example() {
    // This repository: the greenhouse catalog.
    let output = post_create(&repo());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("fixtures/greenhouse/") && stdout.ends_with(" passed, 0 failed\n"),
        "{stdout}"
    );
    // A project of `flowctl init`: its flow.yaml.
    let project = Scratch::with_files("post-create", &[]);
    assert_eq!(flowctl(&["init"], &project).status.code(), Some(0));
    let output = post_create(&project);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("✔️ flow.yaml :: ") && stdout.ends_with("1 passed, 0 failed\n"),
        "{stdout}"
    );
}

#[test]
fn typegen_writes_one_declaration_file_per_collection_deterministically() {
    let out = Scratch::new("typegen");
    // A directory that does not exist yet, two levels deep.
    let dir = out.join("types/greenhouse");
    let dir_arg = dir.to_string_lossy().into_owned();
    let args = [
        "typegen",
        "--source",
        "fixtures/greenhouse/flow.yaml",
        "--out",
        dir_arg.as_str(),
    ];
    let output = flowctl(&args, &repo());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let read = || -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&path).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let first = read();
    let names: Vec<&str> = first.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names.contains(&"GreenhouseReadings.d.ts"), "{names:?}");
    assert!(names.contains(&"GreenhouseFrostAlerts.d.ts"), "{names:?}");
    assert!(
        stderr.contains(&format!("wrote {} declaration file(s)", names.len())),
        "{stderr}"
    );
    let frost = &first
        .iter()
        .find(|(name, _)| name == "GreenhouseFrostAlerts.d.ts")
        .unwrap()
        .1;
    assert!(frost.starts_with("// Generated by flowctl"), "{frost}");
    assert!(
        frost.contains("declare namespace collections {\n    type GreenhouseFrostAlerts = {"),
        "{frost}"
    );
    assert!(
        frost.contains(
            "declare namespace registers {\n    type GreenhouseFrostAlerts = number | null;\n}"
        ),
        "{frost}"
    );
    // Again: the same bytes.
    let again = flowctl(&args, &repo());
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(read(), first);
}

#[test]
fn typegen_refuses_a_catalog_with_errors() {
    let dir = Scratch::with_files(
        "typegen-errors",
        &[(
            "flow.yaml",
            "collections:\n  a/b:\n    schema: { type: object }\n",
        )],
    );
    let output = flowctl(&["typegen", "--out", "types"], &dir);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no types were written"));
    assert!(!dir.join("types").exists());
}
