//! `flowctl preview`: builds the catalog, runs one derivation in the
//! in-process runtime (`runtime::preview`) on the tests' ingests or on
//! `--input` files (`.json`, `.jsonl`, `.csv`, `.tsv`), and prints what it
//! published: one JSON document a line (`jsonl`) or a table per run. Which
//! test a run came from, failures (at the lambda position `flowctl test`
//! reports) and lambda console lines go to standard error.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use runtime::engine::{Lambdas, Plan};
use runtime::lambda::QuickJsConfig;
use runtime::preview::{PreviewError, PreviewRequest, PreviewRun, preview};
use runtime::shorten::shorten;
use serde_json::Value;

use super::Build;
use crate::args::{PreviewArgs, PreviewFormat};

pub fn run(args: &PreviewArgs) -> Result<ExitCode, String> {
    let build = super::build(&args.source)?;
    if let Some(exit) = super::refuse_errors(&build, &args.source, "nothing was previewed")? {
        return Ok(exit);
    }
    let catalog = &build.loaded.catalog;
    let plan = Plan::build(catalog, &build.loaded.schemas).map_err(|error| error.to_string())?;
    let inputs = args
        .input
        .iter()
        .map(|input| read_input(&plan, input, &build.cwd))
        .collect::<Result<Vec<_>, String>>()?;
    let request = PreviewRequest {
        collection: args.collection.clone(),
        inputs,
    };
    let mut lambdas = Lambdas::quickjs(QuickJsConfig {
        time_limit: args.lambda_timeout,
        ..QuickJsConfig::default()
    })
    .map_err(|error| error.to_string())?;
    let preview = match preview(
        &plan,
        catalog,
        &build.diagnostics,
        &mut lambdas,
        &request,
        &|| false,
    ) {
        Ok(preview) => preview,
        Err(PreviewError::CatalogErrors { .. }) => return Ok(ExitCode::from(1)),
        Err(error) => return Err(error.to_string()),
    };

    let mut out = crate::output::stdout();
    let mut failed = false;
    for run in &preview.runs {
        let from = match &run.test {
            Some(test) => format!("test \"{test}\""),
            None => "the input documents".to_owned(),
        };
        crate::output::eprint_line(&format!(
            "{} from {from}: {} document(s) published ({:.1} ms)",
            preview.collection,
            run.published.len(),
            run.duration.as_secs_f64() * 1e3
        ));
        match args.format {
            PreviewFormat::Jsonl => {
                for document in &run.published {
                    writeln!(out, "{document}").map_err(crate::output::write_error)?;
                }
            }
            PreviewFormat::Table => {
                if run.test.is_some() {
                    writeln!(out, "{from}:").map_err(crate::output::write_error)?;
                }
                writeln!(out, "{}", table(&run.published)).map_err(crate::output::write_error)?;
            }
        }
        out.flush().map_err(crate::output::write_error)?;
        report_failure(&build, run)?;
        failed |= run.failure.is_some();
    }
    std::mem::forget((preview, plan));
    std::mem::forget(build);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A run's failure (and what its lambdas printed) on standard error.
fn report_failure(build: &Build, run: &PreviewRun) -> Result<(), String> {
    let mut text: Vec<u8> = Vec::new();
    if let Some(failure) = &run.failure {
        let at = match failure.step {
            Some(step) => format!(" at step {}", step + 1),
            None => String::new(),
        };
        writeln!(text, "❌ the run failed{at}:").map_err(crate::output::write_error)?;
        if let Some((file, range)) = ide::test_report::failure_location_of(&build.loaded, failure) {
            writeln!(
                text,
                "  --> {}",
                super::test::position_text(&build.loaded, &file, range, &build.cwd)
            )
            .map_err(crate::output::write_error)?;
        }
        for line in shorten(failure.to_string(), 20_000).lines() {
            writeln!(text, "  {line}").map_err(crate::output::write_error)?;
        }
    }
    super::test::write_console(&mut text, &run.console).map_err(crate::output::write_error)?;
    let text = String::from_utf8_lossy(&text);
    if !text.is_empty() {
        crate::output::eprint_line(text.trim_end());
    }
    Ok(())
}

/// Reads `COLLECTION=FILE` into the collection's documents.
fn read_input(plan: &Plan, input: &str, cwd: &Path) -> Result<(String, Vec<Value>), String> {
    let Some((collection, file)) = input.split_once('=') else {
        return Err(format!(
            "--input \"{input}\" is not COLLECTION=FILE (for example greenhouse/readings=readings.jsonl)"
        ));
    };
    let path = cwd.join(file);
    let text =
        std::fs::read_to_string(&path).map_err(|error| format!("cannot read {file}: {error}"))?;
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let documents = match extension.as_str() {
        "json" | "jsonl" | "ndjson" => super::parse_documents(&text, file, &extension)?,
        "csv" | "tsv" => {
            let delimiter = if extension == "csv" { ',' } else { '\t' };
            runtime::csv::documents(plan, collection, &text, delimiter)
                .map_err(|error| format!("{file}: {error}"))?
        }
        _ => {
            return Err(format!(
                "{file}: unknown input format (use a .json array, .jsonl, .csv or .tsv file)"
            ));
        }
    };
    Ok((collection.to_owned(), documents))
}

/// Widest cell of a table, in characters.
const MAX_CELL: usize = 40;

/// A text table: one column per top-level property (in first-seen order),
/// strings as they are, other values as JSON, long cells cut.
fn table(documents: &[Value]) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for document in documents {
        if let Value::Object(map) = document {
            for key in map.keys() {
                if !columns.contains(&key.as_str()) {
                    columns.push(key);
                }
            }
        }
    }
    if documents.is_empty() {
        return "(no documents)".to_owned();
    }
    let cell = |document: &Value, column: &str| -> String {
        let text = match document.get(column) {
            None => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(value) => value.to_string(),
        };
        let text = text.replace(['\n', '\r', '\t'], " ");
        if text.chars().count() > MAX_CELL {
            let cut: String = text.chars().take(MAX_CELL - 1).collect();
            format!("{cut}…")
        } else {
            text
        }
    };
    let rows: Vec<Vec<String>> = documents
        .iter()
        .map(|document| {
            columns
                .iter()
                .map(|column| cell(document, column))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            rows.iter()
                .map(|row| row[index].chars().count())
                .chain([column.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join(" │ ").trim_end().to_owned()
    };
    let mut out = vec![line(columns.clone())];
    out.push(
        widths
            .iter()
            .map(|width| "─".repeat(*width))
            .collect::<Vec<_>>()
            .join("─┼─"),
    );
    for row in &rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}
