//! From the analysis to the protocol: URLs to URIs, byte ranges to
//! positions in the negotiated encoding, diagnostics with their code, link,
//! related places and tags.

use std::str::FromStr;

use ide::diagnostics::FileDiagnostic;
use ide::{Analysis, FileRange};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location,
    NumberOrString, Position, Range, Uri,
};
use text::{LineIndex, TextRange};
use url::Url;

use crate::from_proto::Encoding;

pub fn uri(url: &Url) -> Uri {
    // A `Url` always serialises to a valid URI reference.
    Uri::from_str(url.as_str()).unwrap_or_else(|_| Uri::from_str("file:///").expect("a valid URI"))
}

pub fn position(text: &str, line_index: &LineIndex, offset: u32, encoding: Encoding) -> Position {
    let at = line_index.position(text, offset, encoding.unit());
    Position::new(at.line, at.character)
}

pub fn range(text: &str, line_index: &LineIndex, range: TextRange, encoding: Encoding) -> Range {
    Range::new(
        position(text, line_index, range.start, encoding),
        position(text, line_index, range.end, encoding),
    )
}

/// A range of any file the analysis knows (the start of the file when it
/// knows none).
pub fn location(analysis: &Analysis, place: &FileRange, encoding: Encoding) -> Location {
    let range = match analysis.file(&place.file) {
        Some(file) => range(file.text, file.line_index, place.range, encoding),
        None => Range::default(),
    };
    Location::new(uri(&place.file), range)
}

/// Where each check is explained: the README's table of checks, one anchor
/// per code.
pub const CHECKS_DOCUMENTATION: &str = "https://github.com/estuary/flowctl/blob/main/README.md";

/// What the client can show of a diagnostic.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiagnosticSupport {
    pub related_information: bool,
}

pub fn diagnostic(
    analysis: &Analysis,
    text: &str,
    line_index: &LineIndex,
    item: &FileDiagnostic,
    encoding: Encoding,
    support: DiagnosticSupport,
) -> lsp_types::Diagnostic {
    let severity = match item.severity {
        model::Severity::Error => DiagnosticSeverity::ERROR,
        model::Severity::Warning => DiagnosticSeverity::WARNING,
        model::Severity::Information => DiagnosticSeverity::INFORMATION,
        model::Severity::Hint => DiagnosticSeverity::HINT,
    };
    let mut message = item.message.clone();
    let related = if support.related_information {
        Some(
            item.related
                .iter()
                .map(|(place, note)| DiagnosticRelatedInformation {
                    location: location(analysis, place, encoding),
                    message: note.clone(),
                })
                .collect::<Vec<_>>(),
        )
        .filter(|related| !related.is_empty())
    } else {
        // Folded into the message, so nothing is lost.
        for (place, note) in &item.related {
            let at = location(analysis, place, encoding);
            message.push_str(&format!(
                "\n{note} ({}:{})",
                at.uri.as_str(),
                at.range.start.line + 1
            ));
        }
        None
    };
    let tags = matches!(item.code, "C20" | "C21").then(|| vec![DiagnosticTag::UNNECESSARY]);
    let href = Uri::from_str(&format!(
        "{CHECKS_DOCUMENTATION}#{}",
        item.code.to_lowercase()
    ))
    .ok();
    lsp_types::Diagnostic {
        range: range(text, line_index, item.range, encoding),
        severity: Some(severity),
        code: Some(NumberOrString::String(item.code.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("flowctl".to_string()),
        message,
        related_information: related,
        tags,
        data: None,
    }
}
