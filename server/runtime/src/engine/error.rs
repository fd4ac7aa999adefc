//! [`RuntimeError`]: why an ingest, a derivation run or a verify could not be
//! carried out (runtime.md §4.5, §12).
//!
//! A runtime error is user data: it fails the current test case (and only that
//! one) and is shown to a person. It therefore carries, besides the message,
//! where in the catalog it points (the lambda, transform or collection scope),
//! the position inside a lambda body when the lambda host knew it, and the
//! document involved, so that the CLI and the editor can show it at a range.

use std::fmt;

use model::Scope;
use schema::ValidationError;
use serde_json::Value;

use crate::lambda::{LambdaError, LambdaErrorKind, LambdaKind};
use crate::reduce::ReduceError;

/// Longest rendering of a document inside a message.
const MAX_RENDERED: usize = 300;

/// Validation errors listed in a message before "and N more".
const MAX_LISTED_ERRORS: usize = 5;

/// What kind of problem stopped the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeErrorKind {
    /// A document failed validation (ingested, source, register update or
    /// value, published, or drained from a combiner).
    Invalid,
    /// Two documents of one key could not be reduced.
    Reduction,
    /// A lambda failed to compile, threw, timed out or returned a non-array.
    Lambda(LambdaErrorKind),
    /// The catalog asks for something this runtime cannot do (an unknown or
    /// derived collection in an `ingest`, a remote lambda, an unusable schema).
    Unsupported,
}

/// Where inside a lambda body a lambda error happened (zero-based line and
/// UTF-16 column, relative to the body's first character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPosition {
    pub line: u32,
    pub column: u32,
}

/// A failed runtime operation.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeError {
    pub kind: RuntimeErrorKind,
    /// The complete message for a person (runtime.md §12): names the
    /// derivation, transform and lambda kind when they are involved, and the
    /// document (its key or its position in the fixture).
    pub message: String,
    /// The catalog location the error is about: a lambda
    /// (`…/derivation/transform/<t>/update/nodeJS`), a transform, a register
    /// or a collection. `None` when the caller's own scope (e.g. a test step)
    /// is the best location.
    pub scope: Option<Scope>,
    /// For lambda errors: the position inside the lambda body at `scope`.
    pub body_position: Option<BodyPosition>,
    /// The derivation, when the error happened while running one.
    pub derivation: Option<String>,
    /// The transform, when the error happened while running one.
    pub transform: Option<String>,
    /// The lambda kind, for lambda errors.
    pub lambda: Option<LambdaKind>,
    /// The document the error is about (the ingested or source document).
    pub document: Option<Value>,
}

impl RuntimeError {
    pub(crate) fn new(kind: RuntimeErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError {
            kind,
            message: message.into(),
            scope: None,
            body_position: None,
            derivation: None,
            transform: None,
            lambda: None,
            document: None,
        }
    }

    pub(crate) fn at(mut self, scope: &Scope) -> RuntimeError {
        self.scope = Some(scope.clone());
        self
    }

    pub(crate) fn in_transform(mut self, derivation: &str, transform: &str) -> RuntimeError {
        self.derivation = Some(derivation.to_owned());
        self.transform = Some(transform.to_owned());
        self
    }

    /// Adds the document to the error and names it at the end of the message.
    pub(crate) fn with_document(mut self, label: &str, document: &Value) -> RuntimeError {
        self.message
            .push_str(&format!("\n  {label}: {}", render(document)));
        self.document = Some(document.clone());
        self
    }

    /// A lambda failure of transform `derivation/transform`, pointing at the
    /// lambda body at `scope`.
    pub(crate) fn lambda(
        error: &LambdaError,
        derivation: &str,
        transform: &str,
        scope: &Scope,
    ) -> RuntimeError {
        let kind = error.lambda_kind;
        let mut message = match error.kind {
            LambdaErrorKind::NotAnArray => {
                let detail = error
                    .message
                    .strip_prefix("lambda ")
                    .unwrap_or(&error.message);
                format!("transform {derivation}/{transform} {kind} lambda {detail}")
            }
            LambdaErrorKind::Syntax => {
                format!(
                    "transform {derivation}/{transform} {kind} lambda does not compile: {}",
                    error.message
                )
            }
            _ => format!(
                "transform {derivation}/{transform} {kind} lambda failed: {}",
                error.message
            ),
        };
        let body_position = match (error.line, error.column) {
            (Some(line), Some(column)) => {
                message.push_str(&format!(
                    " (at line {}, column {} of the lambda body)",
                    line + 1,
                    column + 1
                ));
                Some(BodyPosition { line, column })
            }
            _ => None,
        };
        RuntimeError {
            body_position,
            lambda: Some(kind),
            ..RuntimeError::new(RuntimeErrorKind::Lambda(error.kind), message)
                .at(scope)
                .in_transform(derivation, transform)
        }
    }

    /// A reduction failure, prefixed by what was being reduced.
    pub(crate) fn reduction(context: &str, error: &ReduceError) -> RuntimeError {
        RuntimeError::new(RuntimeErrorKind::Reduction, format!("{context}: {error}"))
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuntimeError {}

/// Renders validation errors for a message: `(root): …; /x: …`.
pub(crate) fn render_validation_errors(errors: &[ValidationError]) -> String {
    let mut parts: Vec<String> = errors
        .iter()
        .take(MAX_LISTED_ERRORS)
        // An error may quote the value it is about: keep each one short.
        .map(|error| crate::shorten::shorten(error.to_string(), MAX_RENDERED))
        .collect();
    if errors.len() > MAX_LISTED_ERRORS {
        parts.push(format!("and {} more", errors.len() - MAX_LISTED_ERRORS));
    }
    parts.join("; ")
}

/// A compact JSON rendering of a document, cut at a readable length.
pub fn render(document: &Value) -> String {
    let text = document.to_string();
    crate::shorten::shorten(text, MAX_RENDERED)
}
