//! `flowctl lint`: the CI face of `build` (same checks, no artifact) in the
//! chosen format. `--run-tests` runs the catalog's tests after a build without
//! errors and reports each failed test as an error at its failing step (`T1`
//! a verify mismatch) or where the runtime failed (`T2`: the `throw` of a
//! lambda, the step otherwise), so every format shows test failures as it
//! shows diagnostics; `--max-warnings N` fails a lint with more than N warnings.

use std::path::PathBuf;
use std::process::ExitCode;

use model::Diagnostic;
use runtime::engine::Plan;
use runtime::testing::{self, Problem};
use serde_json::json;
use text::TextRange;
use url::Url;

use crate::args::{LintArgs, LintFormat};
use crate::render::{self, Located};

use super::Build;

/// What `--run-tests` found: counts, and a diagnostic per failed test with
/// where it failed.
struct TestRun {
    passed: usize,
    failed: usize,
    failures: Vec<(Diagnostic, Option<(Url, TextRange)>)>,
}

pub fn run(args: &LintArgs) -> Result<ExitCode, String> {
    let build = super::build(&args.source)?;
    let tests = if args.run_tests && !build.has_errors() {
        Some(run_tests(&build, args)?)
    } else {
        None
    };
    let mut located = render::locate_all(&build.loaded, &build.diagnostics);
    if let Some(tests) = &tests {
        located.extend(tests.failures.iter().map(|(diagnostic, at)| Located {
            diagnostic,
            file: at.as_ref().map(|(file, _)| file.clone()),
            range: at.as_ref().map(|(_, range)| *range).unwrap_or_default(),
            related: Vec::new(),
        }));
    }
    let errors = located
        .iter()
        .filter(|item| item.diagnostic.is_error())
        .count();
    let warnings = located.len() - errors;
    let too_many = args
        .max_warnings
        .filter(|max| u64::try_from(warnings).unwrap_or(u64::MAX) > *max);

    // What the summary line adds to "N error(s), N warning(s)".
    let mut notes = Vec::new();
    if args.run_tests {
        notes.push(match &tests {
            Some(tests) => format!("tests: {} passed, {} failed", tests.passed, tests.failed),
            None => "no test was run: the catalog has errors".to_owned(),
        });
    }
    if let Some(max) = too_many {
        notes.push(format!("more warnings than --max-warnings {max}"));
    }

    let format = args.format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true") {
            LintFormat::Github
        } else {
            LintFormat::Human
        }
    });
    let pretty = |value: &serde_json::Value| {
        serde_json::to_string_pretty(value).map_err(|error| error.to_string())
    };
    match format {
        LintFormat::Human => {
            let mut out = super::color_stream(args.source.color, false);
            render::human::write_noted(&mut out, &build.loaded, &located, &build.cwd, &notes)
                .map_err(crate::output::write_error)?;
        }
        LintFormat::Json => {
            let mut value = render::json::diagnostics(&build.loaded, &located, &build.cwd);
            if args.run_tests {
                value["tests"] = match &tests {
                    Some(tests) => json!({"passed": tests.passed, "failed": tests.failed}),
                    None => serde_json::Value::Null,
                };
            }
            if let Some(max) = args.max_warnings {
                value["max_warnings"] = json!(max);
                value["max_warnings_exceeded"] = json!(too_many.is_some());
            }
            crate::output::print_line(&pretty(&value)?)?;
        }
        LintFormat::Sarif => {
            let value = render::sarif::report(&build.loaded, &located, &build.cwd);
            crate::output::print_line(&pretty(&value)?)?;
        }
        LintFormat::Junit => {
            crate::output::print_line(&render::junit::report(&build.loaded, &located, &build.cwd))?
        }
        LintFormat::Github => {
            let summary = std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from);
            render::github::write(
                &build.loaded,
                &located,
                &build.cwd,
                summary.as_deref(),
                &notes,
            )
            .map_err(crate::output::write_error)?;
            if let Some(max) = too_many {
                crate::output::print_line(&format!(
                    "::error title=max-warnings::{warnings} warning(s), more than --max-warnings {max}"
                ))?;
            }
        }
    }
    // SARIF, JUnit and JSON readers look at the exit status; say why on stderr.
    if let Some(max) = too_many
        && matches!(
            format,
            LintFormat::Json | LintFormat::Sarif | LintFormat::Junit
        )
    {
        crate::output::eprint_line(&format!(
            "flowctl lint: {warnings} warning(s), more than --max-warnings {max}"
        ));
    }
    let failed = errors > 0 || too_many.is_some();
    // The process is about to end: see `super::exit_for`.
    std::mem::forget(located);
    std::mem::forget(tests);
    std::mem::forget(build);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs every test of a catalog that built without errors, in test order.
fn run_tests(build: &Build, args: &LintArgs) -> Result<TestRun, String> {
    let catalog = &build.loaded.catalog;
    let plan = Plan::build(catalog, &build.loaded.schemas).map_err(|error| error.to_string())?;
    let tests = testing::ordered_tests(catalog);
    let options = super::test::run_options(None, args.lambda_timeout, false);
    let report = testing::run_tests(&plan, &tests, &options, |_| {});
    let failures = report
        .results
        .iter()
        .filter_map(|result| {
            let failure = result.failure.as_ref()?;
            let (location, text) = super::test::failure_report(&build.loaded, result);
            let message = format!(
                "test \"{}\" failed at {}: {text}",
                result.name,
                super::test::failed_step(failure),
            );
            let code = match failure.problem {
                Problem::Mismatch(_) => "T1",
                Problem::Error(_) => "T2",
            };
            let diagnostic = Diagnostic::error(code, failure.scope.clone(), message);
            Some((diagnostic, location))
        })
        .collect();
    let run = TestRun {
        passed: report.passed(),
        failed: report.failed(),
        failures,
    };
    std::mem::forget((report, tests, plan));
    Ok(run)
}
