//! The lambda sandbox, driven through `flowctl test` on the hostile lambda
//! fixtures (`fixtures/hostile/lambda-*.flow.yaml`, issue #12): every run is
//! bounded in address space (`ulimit -v`, so an allocation of gigabytes
//! aborts the process and fails the test) and in wall time, and each catalog
//! test must pass or fail exactly as its fixture says, with the limit named.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Address space the process may use, in KiB (the JavaScript heap limit is
/// 256 MiB; a result converted outside it used to take gigabytes).
const ADDRESS_SPACE_KIB: u64 = 2 * 1024 * 1024;

/// Wall time any one run may take (debug build, shared machine).
const MAX_RUN: Duration = Duration::from_secs(60);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/hostile")
        .join(name)
        .canonicalize()
        .unwrap()
}

/// Runs `flowctl test --format json` on a hostile fixture under the limits;
/// returns the JSON report, the stdout text and the wall time.
fn run(name: &str, extra: &[&str]) -> (Value, String, Duration) {
    let source = fixture(name);
    let started = Instant::now();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_flowctl"))
        .args(["test", "--offline", "--format", "json", "--source"])
        .arg(&source)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{name}: flowctl ended with {:?}\nstderr: {stderr}\nstdout: {}",
        output.status,
        runtime_shorten(&stdout)
    );
    assert!(elapsed < MAX_RUN, "{name} took {elapsed:?}");
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("{name}: not JSON ({error}): {stderr}"));
    (report, stdout, elapsed)
}

fn runtime_shorten(text: &str) -> &str {
    &text[..text.len().min(2_000)]
}

/// Checks every test of a report: a name starting with "passes:" must pass;
/// one starting with "must fail:" must fail with a message containing the
/// expected text.
fn check(report: &Value, expected_failures: &[(&str, &str)]) {
    let tests = report["tests"].as_array().unwrap();
    assert!(!tests.is_empty(), "{report}");
    for test in tests {
        let name = test["name"].as_str().unwrap();
        let status = test["status"].as_str().unwrap();
        let message = test["failure"]["message"].as_str().unwrap_or_default();
        if name.starts_with("passes:") {
            assert_eq!(status, "passed", "{name}: {message}");
            continue;
        }
        assert_eq!(status, "failed", "{name}");
        let Some((_, wanted)) = expected_failures.iter().find(|(test, _)| *test == name) else {
            panic!("no expectation for {name}: {message}");
        };
        assert!(message.contains(wanted), "{name}: {message}");
    }
}

#[test]
fn huge_results_fail_naming_the_limit_and_reports_shorten_long_values() {
    let (report, stdout, _) = run("lambda-output.flow.yaml", &["--lambda-timeout", "10s"]);
    check(
        &report,
        &[
            (
                "must fail: a lambda returns a sparse array of a billion holes",
                "the lambda returned 1000000000 documents; one call may return at most 100000",
            ),
            (
                "must fail: a lambda returns ten million documents",
                "one call may return at most 100000",
            ),
            (
                "must fail: a lambda returns a 64 MiB string twenty times",
                "larger than the 32 MiB one call may return",
            ),
            (
                "must fail: a long value is shortened in the report",
                "did not match",
            ),
        ],
    );
    // The 200,000-character note appears nowhere in full.
    assert!(
        !stdout.contains(&"y".repeat(5_000)),
        "a long value was not shortened"
    );
    assert!(
        stdout.contains("(200000 bytes in all)"),
        "{}",
        runtime_shorten(&stdout)
    );
}

#[test]
fn a_body_that_closes_its_wrapper_is_refused_and_runs_nothing() {
    // The build refuses it (C29, QuickJS's verdict), so no test runs and
    // nothing of the body ever runs; the runtime refuses it the same way
    // (`runtime` unit test `a_body_that_closes_its_wrapper_…`).
    let (report, _, _) = run("lambda-escape.flow.yaml", &["--lambda-timeout", "1s"]);
    assert_eq!(report["tests"], serde_json::json!([]), "{report}");
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{report}");
    assert_eq!(diagnostics[0]["code"], "C29");
    assert!(
        diagnostics[0]["message"].as_str().unwrap().contains(
            "hostile/escape/fromPings publish: the body closes the function it is written in"
        ),
        "{report}"
    );
}

#[test]
fn globals_do_not_leak_between_tests_on_one_or_many_workers() {
    for jobs in ["1", "2"] {
        let (report, _, _) = run("lambda-globals.flow.yaml", &["--jobs", jobs]);
        check(&report, &[]);
    }
}

#[test]
fn looping_tests_run_in_parallel_and_name_the_time_limit() {
    let (report, _, elapsed) = run(
        "lambda-loops.flow.yaml",
        &["--jobs", "6", "--lambda-timeout", "1s"],
    );
    let expected: Vec<(String, &str)> = (1..=6)
        .map(|n| (format!("must fail: loop {n}"), "time limit of 1000 ms"))
        .collect();
    let expected: Vec<(&str, &str)> = expected.iter().map(|(n, m)| (n.as_str(), *m)).collect();
    check(&report, &expected);
    // One after another they would take six seconds at least.
    assert!(elapsed < Duration::from_millis(4_500), "{elapsed:?}");
    // Reported in test order whatever finished first.
    let names: Vec<&str> = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|test| test["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn nothing_outside_the_sandbox_is_reachable_and_limits_are_named() {
    let (report, stdout, _) = run("lambda-sandbox.flow.yaml", &["--lambda-timeout", "5s"]);
    assert!(
        !stdout.contains("root:"),
        "a line of /etc/passwd was printed"
    );
    check(
        &report,
        &[
            (
                "must fail: endless recursion is a RangeError",
                "Maximum call stack size exceeded",
            ),
            (
                "must fail: a heap bomb names the memory limit",
                "the JavaScript heap limit was reached",
            ),
        ],
    );
    let tests = report["tests"].as_array().unwrap();
    let probes = tests
        .iter()
        .find(|test| test["name"] == "passes: nothing outside the sandbox is reachable")
        .unwrap();
    assert_eq!(probes["console"][0]["text"], "probed 22 names", "{probes}");
    assert_eq!(probes["console"][0]["level"], "log");
    let chatty = tests
        .iter()
        .find(|test| test["name"] == "passes: console output is bounded")
        .unwrap();
    let console = chatty["console"].as_array().unwrap();
    assert!(console.len() <= 101, "{}", console.len());
    assert!(
        console
            .last()
            .and_then(|line| line["text"].as_str())
            .is_some_and(|text| text.contains("more console line(s) of this call were dropped")),
        "{:?}",
        console.last()
    );
}
