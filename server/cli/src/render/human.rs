//! Human diagnostics in the style of rustc: severity, code and message, then
//! `--> file:line:column`, the source line with the range underlined, and
//! related locations; rendered with codespan-reporting. Each diagnostic is
//! rendered into memory and written with one call: codespan writes a
//! character at a time, and standard error is unbuffered (a source line of
//! 100,000 characters was 800,000 system calls and two seconds).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity as ReportSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use load::Loaded;
use model::Severity;
use termcolor::{Buffer, WriteColor};

use super::{Located, display};

/// Writes every diagnostic, then a summary line.
pub fn write(
    out: &mut dyn WriteColor,
    loaded: &Loaded,
    located: &[Located<'_>],
    cwd: &Path,
) -> std::io::Result<()> {
    write_noted(out, loaded, located, cwd, &[])
}

/// Writes every diagnostic, then a summary line ending with `notes` (each
/// after `; `); the line is left out when there is nothing to say.
pub fn write_noted(
    out: &mut dyn WriteColor,
    loaded: &Loaded,
    located: &[Located<'_>],
    cwd: &Path,
    notes: &[String],
) -> std::io::Result<()> {
    let mut files = SimpleFiles::new();
    let mut ids = HashMap::new();
    for resource in &loaded.resources {
        let id = files.add(display(&resource.url, cwd), with_lf_breaks(&resource.text));
        ids.insert(resource.url.clone(), id);
    }
    let config = Config::default();
    let mut rendered = if out.supports_color() {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    for item in located {
        let severity = match item.diagnostic.severity {
            Severity::Error => ReportSeverity::Error,
            Severity::Warning => ReportSeverity::Warning,
            Severity::Information => ReportSeverity::Note,
            Severity::Hint => ReportSeverity::Help,
        };
        let mut report = Report::new(severity)
            .with_code(item.diagnostic.code)
            .with_message(item.diagnostic.message.clone());
        let mut labels = Vec::new();
        match item.file.as_ref().and_then(|file| ids.get(file)) {
            Some(id) => labels.push(Label::primary(
                *id,
                item.range.start as usize..item.range.end as usize,
            )),
            None => report = report.with_notes(vec![format!("in {}", item.diagnostic.scope)]),
        }
        for (file, range, message) in &item.related {
            if let Some(id) = ids.get(file) {
                labels.push(
                    Label::secondary(*id, range.start as usize..range.end as usize)
                        .with_message(message.clone()),
                );
            }
        }
        report = report.with_labels(labels);
        rendered.clear();
        if term::emit_to_write_style(&mut rendered, &config, &files, &report).is_err() {
            rendered.clear();
            writeln!(
                rendered,
                "{}[{}]: {}",
                item.diagnostic.severity, item.diagnostic.code, item.diagnostic.message
            )?;
        }
        out.write_all(rendered.as_slice())?;
    }
    let errors = located
        .iter()
        .filter(|item| item.diagnostic.is_error())
        .count();
    let warnings = located.len() - errors;
    if errors + warnings > 0 || !notes.is_empty() {
        let notes: String = notes.iter().map(|note| format!("; {note}")).collect();
        writeln!(out, "{errors} error(s), {warnings} warning(s){notes}")?;
    }
    Ok(())
}

/// `text` with each lone `\r` written as `\n` (same length, same offsets):
/// codespan breaks lines only at `\n`, while YAML and `text::LineIndex` also
/// break at a lone `\r`.
fn with_lf_breaks(text: &str) -> String {
    let bytes = text.as_bytes();
    let lf: Vec<u8> = bytes
        .iter()
        .enumerate()
        .map(|(offset, &byte)| match byte {
            b'\r' if bytes.get(offset + 1) != Some(&b'\n') => b'\n',
            byte => byte,
        })
        .collect();
    String::from_utf8(lf).unwrap_or_else(|_| text.to_owned())
}
