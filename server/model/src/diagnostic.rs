//! [`Diagnostic`]: a user mistake as data. Every layer (load, check, runtime)
//! reports with this one type, and every face (CLI, JSON, LSP) renders it.

use std::fmt;

use text::TextRange;

use crate::Scope;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A second place that explains a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub scope: Scope,
    /// The exact range when the producer knows it (else mapped from the scope).
    pub range: Option<TextRange>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable check id: `C12`, `C8a`, … (catalog.md §12) or `W…` for warnings
    /// beyond it.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the mistake is: a resource and the JSON Pointer of the value.
    pub scope: Scope,
    /// The exact range in the resource's text, when the producer knows it better
    /// than the scope does (syntax errors, positions inside a lambda body).
    pub range: Option<TextRange>,
    /// Report at the key of the scope's entry rather than its value, whatever
    /// the value's form (C32b's `documents`).
    pub at_key: bool,
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn error(code: &'static str, scope: Scope, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            scope,
            range: None,
            at_key: false,
            related: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, scope: Scope, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, scope, message)
        }
    }

    pub fn with_range(mut self, range: TextRange) -> Diagnostic {
        self.range = Some(range);
        self
    }

    pub fn at_key(mut self) -> Diagnostic {
        self.at_key = true;
        self
    }

    pub fn with_related(mut self, scope: Scope, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            scope,
            range: None,
            message: message.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The most bytes of a value a diagnostic message quotes.
pub const MAX_QUOTED: usize = 200;

/// The longest start of `text` of at most `max` bytes that ends on a
/// character boundary.
pub fn prefix(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` cut to at most `max` bytes (on a character boundary), with `…`
/// appended when something was cut: the one way messages and reports shorten
/// long texts.
pub fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    format!("{}…", prefix(text, max)).into()
}

/// `text` cut to at most [`MAX_QUOTED`] bytes: a message quotes a short
/// excerpt of a value, never a whole (possibly huge, possibly secret) one.
pub fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    cut(text, MAX_QUOTED)
}

#[cfg(test)]
mod excerpt_tests {
    #[test]
    fn long_texts_are_cut_on_a_character_boundary() {
        assert_eq!(super::excerpt("short"), "short");
        let long = "é".repeat(150);
        let cut = super::excerpt(&long);
        assert_eq!(cut.chars().count(), 101);
        assert!(cut.ends_with("é…"));
    }
}
