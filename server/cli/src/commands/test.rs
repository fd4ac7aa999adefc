//! `flowctl test`: build, then run the catalog's tests in the in-process
//! runtime (on `--jobs` workers, results in test order), and report in the
//! chosen format (human, json, junit, tap), with what lambdas printed under
//! each test. Long values are shortened in every format
//! (`runtime::shorten`), so a huge document is never repeated in full.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use load::Loaded;
use model::{Test, TestStepSpec};
use runtime::engine::Plan;
use runtime::lambda::QuickJsConfig;
use ide::test_report::{self, failure_location, failure_message, step_kind};
use runtime::shorten::shorten;
use runtime::testing::{self, ConsoleEntry, RunOptions, StepTrace, TestReport, TestResult};
use serde_json::{Value, json};
use text::{ColumnUnit, TextRange};
use url::Url;

use crate::args::{TestArgs, TestFormat};
use crate::render;

pub fn run(args: &TestArgs) -> Result<ExitCode, String> {
    let build = match &args.from_build {
        Some(dir) => super::build_from_artifact(dir)?,
        None => super::build(&args.source)?,
    };
    let located = render::locate_all(&build.loaded, &build.diagnostics);
    if build.has_errors() {
        if args.format == TestFormat::Json {
            let mut value = render::json::diagnostics(&build.loaded, &located, &build.cwd);
            value["tests"] = json!([]);
            value["passed"] = json!(0);
            value["failed"] = json!(0);
            crate::output::print_line(
                &serde_json::to_string_pretty(&value).map_err(|error| error.to_string())?,
            )?;
        } else {
            let mut out = super::color_stream(args.source.color, true);
            render::human::write(&mut out, &build.loaded, &located, &build.cwd)
                .map_err(|error| error.to_string())?;
            crate::output::eprint_line("the catalog has errors; no test was run");
        }
        return Ok(ExitCode::from(1));
    }
    if !located.is_empty() && args.format == TestFormat::Human {
        let mut out = super::color_stream(args.source.color, true);
        render::human::write(&mut out, &build.loaded, &located, &build.cwd)
            .map_err(|error| error.to_string())?;
    }
    let catalog = &build.loaded.catalog;
    let plan = Plan::build(catalog, &build.loaded.schemas).map_err(|error| error.to_string())?;
    let filter = args.filter.clone();
    let tests: Vec<&Test> = testing::ordered_tests(catalog)
        .into_iter()
        .filter(|test| {
            filter
                .as_ref()
                .is_none_or(|filter| test.name.contains(filter.as_str()))
        })
        .collect();
    let count = tests.len();
    let options = RunOptions {
        jobs: args.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            |jobs| jobs as usize,
        ),
        lambda: QuickJsConfig {
            time_limit: args.lambda_timeout,
            ..QuickJsConfig::default()
        },
        trace: args.trace,
    };

    let mut out = crate::output::stdout();
    let write_error = crate::output::write_error;
    let report = match args.format {
        TestFormat::Human => {
            writeln!(out, "Running {count} test(s)...").map_err(write_error)?;
            // Each result is printed as soon as it and every test before it are done.
            let mut failed_write: Option<std::io::Error> = None;
            // Results come in the order of `tests`.
            let mut next = tests.iter();
            let report = testing::run_tests(&plan, &tests, &options, |result| {
                let test = next.next().copied();
                if failed_write.is_none()
                    && let Err(error) =
                        write_human(&mut out, &build.loaded, result, test, &build.cwd)
                {
                    failed_write = Some(error);
                }
            });
            if let Some(error) = failed_write {
                return Err(write_error(error));
            }
            writeln!(
                out,
                "{} passed, {} failed",
                report.passed(),
                report.failed()
            )
            .map_err(write_error)?;
            report
        }
        format => {
            let report = testing::run_tests(&plan, &tests, &options, |_| {});
            let text = match format {
                TestFormat::Json => {
                    let display = |file: &Url| render::display(file, &build.cwd);
                    let style = test_report::Style {
                        display: &display,
                        unit: ColumnUnit::Utf16,
                    };
                    serde_json::to_string_pretty(&test_report::json_report(
                        &build.loaded,
                        &report,
                        &tests,
                        &style,
                    ))
                    .map_err(|e| e.to_string())?
                }
                TestFormat::Junit => junit(&build.loaded, &report, &build.cwd),
                _ => tap(&build.loaded, &report, &build.cwd),
            };
            writeln!(out, "{text}").map_err(write_error)?;
            report
        }
    };
    let code = if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    // The process is about to end: freeing a large build costs about a
    // tenth of a run (see `exit_for`).
    std::mem::forget((report, tests, plan));
    std::mem::forget(build);
    Ok(code)
}

pub(super) fn position_text(loaded: &Loaded, file: &Url, range: TextRange, cwd: &Path) -> String {
    let (start, _) = render::positions(loaded, file, range, ColumnUnit::Char);
    format!(
        "{}:{}:{}",
        render::display(file, cwd),
        start.line + 1,
        start.character + 1
    )
}

fn write_human(
    out: &mut dyn Write,
    loaded: &Loaded,
    result: &TestResult,
    test: Option<&Test>,
    cwd: &Path,
) -> std::io::Result<()> {
    let path = render::display(&result.scope.resource, cwd);
    match &result.failure {
        None => {
            writeln!(
                out,
                "✔️ {path} :: {} ({:.1} ms)",
                result.name,
                result.duration.as_secs_f64() * 1e3
            )?;
            write_trace(out, &result.trace, test)?;
            write_console(out, &result.console)
        }
        Some(failure) => {
            let step = failure
                .step
                .map_or("the end of the test".to_string(), |step| {
                    format!("step {}", step + 1)
                });
            writeln!(out, "❌ {path} :: {} failed at {step}:", result.name)?;
            write_trace(out, &result.trace, test)?;
            if let Some((file, range)) = failure_location(loaded, result) {
                writeln!(out, "  --> {}", position_text(loaded, &file, range, cwd))?;
            }
            for line in failure_message(result).lines() {
                writeln!(out, "  {line}")?;
            }
            write_console(out, &result.console)
        }
    }
}

/// The trace of a test (`--trace`), compactly: per step, each read with the
/// register change and what was published, then each written collection's
/// reduced documents.
fn write_trace(
    out: &mut dyn Write,
    trace: &[StepTrace],
    test: Option<&Test>,
) -> std::io::Result<()> {
    for step in trace {
        let (kind, collection) = step_kind(test, step.step);
        match step.step {
            Some(index) => {
                let documents = match step.step.and_then(|s| test?.steps.get(s)) {
                    Some(TestStepSpec::Ingest(ingest)) => {
                        format!(" ({} document(s))", ingest.documents.len())
                    }
                    _ => String::new(),
                };
                writeln!(
                    out,
                    "  ┌ step {} {kind} {collection}{documents} · clock {}s",
                    index + 1,
                    step.clock
                )?;
            }
            None => writeln!(out, "  ┌ after the last step · clock {}s", step.clock)?,
        }
        for read in &step.reads {
            let failed = if read.failed { "  ✗ failed" } else { "" };
            writeln!(
                out,
                "  │ {}/{} read {} from {}{failed}",
                read.derivation,
                read.transform,
                render_value(&read.document),
                read.source
            )?;
            if read.register_before != read.register_after {
                writeln!(
                    out,
                    "  │     register {} → {}",
                    render_value(&read.register_before),
                    render_value(&read.register_after)
                )?;
            } else if read.register_before != Value::Null {
                writeln!(
                    out,
                    "  │     register {}",
                    render_value(&read.register_before)
                )?;
            }
            match read.published.as_slice() {
                // A failed read may have failed before its publish lambda ran.
                [] if read.failed => {}
                [] => writeln!(out, "  │     published nothing")?,
                published => {
                    for document in published {
                        writeln!(out, "  │     published {}", render_value(document))?;
                    }
                }
            }
        }
        for state in &step.states {
            match &state.documents {
                Ok(documents) => {
                    writeln!(
                        out,
                        "  │ {} now holds {} document(s):",
                        state.collection,
                        documents.len()
                    )?;
                    for document in documents {
                        writeln!(out, "  │     {}", render_value(document))?;
                    }
                }
                Err(error) => writeln!(
                    out,
                    "  │ {} cannot be reduced: {}",
                    state.collection,
                    shorten(error.clone(), 300)
                )?,
            }
        }
    }
    Ok(())
}

/// A document in a trace line: compact JSON, shortened.
fn render_value(value: &Value) -> String {
    runtime::engine::render(value)
}

/// One console line as the human, JUnit and TAP formats show it:
/// `console.log (d/t update): text`.
fn console_line(entry: &ConsoleEntry) -> String {
    format!(
        "console.{} ({} {}): {}",
        entry.level, entry.lambda, entry.kind, entry.text
    )
}

/// What the test's lambdas printed, under the test.
pub(super) fn write_console(out: &mut dyn Write, console: &[ConsoleEntry]) -> std::io::Result<()> {
    for entry in console {
        for (index, line) in console_line(entry).lines().enumerate() {
            let marker = if index == 0 { "│" } else { "│   " };
            writeln!(out, "  {marker} {line}")?;
        }
    }
    Ok(())
}

/// JUnit XML: one test case per catalog test, the file as class name.
fn junit(loaded: &Loaded, report: &TestReport, cwd: &Path) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let seconds: f64 = report
        .results
        .iter()
        .map(|result| result.duration.as_secs_f64())
        .sum();
    xml.push_str(&format!(
        "<testsuites tests=\"{}\" failures=\"{}\" time=\"{seconds:.3}\">\n  <testsuite name=\"flowctl test\" tests=\"{}\" failures=\"{}\" time=\"{seconds:.3}\">\n",
        report.results.len(),
        report.failed(),
        report.results.len(),
        report.failed()
    ));
    for result in &report.results {
        let path = render::display(&result.scope.resource, cwd);
        xml.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            crate::render::junit::escape(&result.name),
            crate::render::junit::escape(&path),
            result.duration.as_secs_f64()
        ));
        if result.failure.is_none() && result.console.is_empty() {
            xml.push_str("/>\n");
            continue;
        }
        xml.push_str(">\n");
        if result.failure.is_some() {
            let at = failure_location(loaded, result)
                .map(|(file, range)| position_text(loaded, &file, range, cwd));
            let message = failure_message(result);
            let first = message.lines().next().unwrap_or_default();
            xml.push_str(&format!(
                "      <failure message=\"{}\">{}{}</failure>\n",
                crate::render::junit::escape(first),
                at.map(|at| format!("at {}\n", crate::render::junit::escape(&at)))
                    .unwrap_or_default(),
                crate::render::junit::escape(&message)
            ));
        }
        if !result.console.is_empty() {
            let lines: Vec<String> = result.console.iter().map(console_line).collect();
            xml.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                crate::render::junit::escape(&lines.join("\n"))
            ));
        }
        xml.push_str("    </testcase>\n");
    }
    xml.push_str("  </testsuite>\n</testsuites>");
    xml
}

/// TAP version 13 with a YAML block per failure.
fn tap(loaded: &Loaded, report: &TestReport, cwd: &Path) -> String {
    let mut out = format!("TAP version 13\n1..{}\n", report.results.len());
    for (index, result) in report.results.iter().enumerate() {
        let path = render::display(&result.scope.resource, cwd);
        match &result.failure {
            None => {
                out.push_str(&format!("ok {} - {path} :: {}\n", index + 1, result.name));
            }
            Some(_) => {
                out.push_str(&format!(
                    "not ok {} - {path} :: {}\n  ---\n",
                    index + 1,
                    result.name
                ));
                if let Some((file, range)) = failure_location(loaded, result) {
                    out.push_str(&format!(
                        "  at: {}\n",
                        serde_json::to_string(&position_text(loaded, &file, range, cwd))
                            .unwrap_or_default()
                    ));
                }
                out.push_str(&format!(
                    "  message: {}\n  ...\n",
                    serde_json::to_string(&failure_message(result)).unwrap_or_default()
                ));
            }
        }
        for entry in &result.console {
            for line in console_line(entry).lines() {
                out.push_str(&format!("# {line}\n"));
            }
        }
    }
    out.trim_end().to_string()
}
