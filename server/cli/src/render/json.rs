//! `flowctl lint --format json` (and the diagnostics of `flowctl test --format
//! json`): exactly the shape of shared/spec/cli.md.

use std::path::Path;

use load::Loaded;
use serde_json::{Value, json};
use text::ColumnUnit;

use super::{Located, display, positions};

/// The JSON object of a diagnostic list.
pub fn diagnostics(loaded: &Loaded, located: &[Located<'_>], cwd: &Path) -> Value {
    let items: Vec<Value> = located
        .iter()
        .map(|item| diagnostic(loaded, item, cwd))
        .collect();
    let errors = located
        .iter()
        .filter(|item| item.diagnostic.is_error())
        .count();
    json!({
        "diagnostics": items,
        "errors": errors,
        "warnings": located.len() - errors,
    })
}

fn diagnostic(loaded: &Loaded, item: &Located<'_>, cwd: &Path) -> Value {
    let scope = loaded.file_scope(&item.diagnostic.scope);
    let (path, uri, range) = match &item.file {
        Some(file) => {
            let (start, end) = positions(loaded, file, item.range, ColumnUnit::Utf16);
            (display(file, cwd), file.to_string(), range_json(start, end))
        }
        None => (
            display(&scope.resource, cwd),
            scope.resource.to_string(),
            range_json(text::Position::default(), text::Position::default()),
        ),
    };
    json!({
        "path": path,
        "uri": uri,
        "range": range,
        "severity": item.diagnostic.severity.as_str(),
        "code": item.diagnostic.code,
        "message": item.diagnostic.message,
        "scope": scope.to_string(),
    })
}

pub use ide::test_report::range_json;
