//! `flowctl lint --format sarif`: SARIF 2.1.0 with one rule per code (the
//! codes of `model::codes`), each result at its file and 1-based region
//! (columns in UTF-16 code units, SARIF's default).

use std::path::Path;

use load::Loaded;
use serde_json::{Value, json};
use text::{ColumnUnit, TextRange};
use url::Url;

use super::{Located, display, positions};

pub fn report(loaded: &Loaded, located: &[Located<'_>], cwd: &Path) -> Value {
    let rules: Vec<Value> = model::codes::CODES
        .iter()
        .map(|(code, summary)| {
            json!({
                "id": code,
                "shortDescription": {"text": summary},
                "defaultConfiguration": {"level": if code.starts_with('W') { "warning" } else { "error" }},
            })
        })
        .collect();
    let results: Vec<Value> = located
        .iter()
        .map(|item| {
            let mut result = json!({
                "ruleId": item.diagnostic.code,
                "level": match item.diagnostic.severity {
                    model::Severity::Error => "error",
                    model::Severity::Warning => "warning",
                    _ => "note",
                },
                "message": {"text": item.diagnostic.message},
            });
            if let Some(index) = model::codes::CODES
                .iter()
                .position(|(code, _)| *code == item.diagnostic.code)
            {
                result["ruleIndex"] = json!(index);
            }
            if let Some(file) = &item.file {
                result["locations"] = json!([location(loaded, file, item.range, cwd)]);
            }
            let related: Vec<Value> = item
                .related
                .iter()
                .enumerate()
                .map(|(id, (file, range, message))| {
                    let mut related = location(loaded, file, *range, cwd);
                    related["id"] = json!(id);
                    related["message"] = json!({"text": message});
                    related
                })
                .collect();
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "flowctl",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    })
}

fn location(loaded: &Loaded, file: &Url, range: TextRange, cwd: &Path) -> Value {
    let (start, end) = positions(loaded, file, range, ColumnUnit::Utf16);
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": display(file, cwd)},
            "region": {
                "startLine": start.line + 1,
                "startColumn": start.character + 1,
                "endLine": end.line + 1,
                "endColumn": end.character + 1,
            },
        },
    })
}
