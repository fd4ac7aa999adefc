//! `flowctl lint --format github`: GitHub Actions workflow commands, one
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message`
//! line per diagnostic (1-based columns, in characters), and a Markdown summary
//! appended to `$GITHUB_STEP_SUMMARY` when it is set (its heading is the
//! summary line, with the lint's notes: tests run, too many warnings).

use std::io::Write;
use std::path::Path;

use load::Loaded;
use text::ColumnUnit;

use super::{Located, display, positions};

pub fn write(
    loaded: &Loaded,
    located: &[Located<'_>],
    cwd: &Path,
    summary: Option<&Path>,
    notes: &[String],
) -> std::io::Result<()> {
    let mut out = crate::output::stdout();
    let mut rows = Vec::new();
    for item in located {
        let file = item
            .file
            .as_ref()
            .map(|file| display(file, cwd))
            .unwrap_or_default();
        let (start, end) = item
            .file
            .as_ref()
            .map(|file| positions(loaded, file, item.range, ColumnUnit::Char))
            .unwrap_or_default();
        let level = if item.diagnostic.is_error() {
            "error"
        } else {
            "warning"
        };
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&file),
            start.line + 1,
            start.character + 1,
            end.line + 1,
            end.character + 1,
            item.diagnostic.code,
            escape_data(&item.diagnostic.message)
        )?;
        rows.push(format!(
            "| {level} | `{}` | {file}:{}:{} | {} |",
            item.diagnostic.code,
            start.line + 1,
            start.character + 1,
            item.diagnostic
                .message
                .replace('|', "\\|")
                .replace('\n', " ")
        ));
    }
    if let Some(path) = summary {
        let errors = located
            .iter()
            .filter(|item| item.diagnostic.is_error())
            .count();
        let notes: String = notes.iter().map(|note| format!("; {note}")).collect();
        let mut text = format!(
            "### flowctl lint: {errors} error(s), {} warning(s){notes}\n\n",
            located.len() - errors
        );
        if !rows.is_empty() {
            text.push_str("| severity | code | location | message |\n| --- | --- | --- | --- |\n");
            text.push_str(&rows.join("\n"));
            text.push('\n');
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// Escapes a workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
