//! The lambda host: compiles `nodeJS` lambda bodies and calls them with JSON
//! documents (runtime.md §4.2–§4.5 and §8).
//!
//! [`LambdaHost`] is the seam: the test runner and preview only see
//! "compile this body, call it with these documents". [`QuickJsHost`] runs lambdas
//! in process with QuickJS-ng (through `rquickjs`); a Node.js child process or a
//! remote host can implement the same trait later.
//!
//! Submodules: `quickjs` (the host), `convert` (JSON ↔ JavaScript values with
//! `JSON.stringify` semantics, under the call's deadline and output budget),
//! `memory` (the heap allocator that enforces the memory limit), `console` (the
//! bounded capture of `console.log` and friends).
//!
//! A host is per thread (QuickJS is not `Send`); run tests in parallel with one
//! host per worker. [`LambdaHost::reset`] gives the lambdas fresh globals: the
//! test runner calls it before every test, so a lambda that keeps state on
//! `globalThis` cannot see another test's state.
//!
//! Positions: every [`LambdaError`] that has a location gives it as a zero-based
//! line and UTF-16 column *inside the body*, exactly as the user wrote it (the
//! TypeScript is blanked, not transpiled, so nothing moves). The caller adds the
//! body's position in the YAML.

mod console;
mod convert;
mod memory;
mod prepared;
mod quickjs;

use std::fmt;

pub use console::{ConsoleLevel, ConsoleLine};
pub use quickjs::{QuickJsConfig, QuickJsHost, StopFlag};

use quickjs::SyntaxPart;

/// Which lambda of a transform this is; it decides the parameters in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LambdaKind {
    /// `update(source)`: returns register updates.
    Update,
    /// `publish(source, register, previous)`: returns documents to publish.
    Publish,
}

impl LambdaKind {
    /// `update` or `publish`, as error messages spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            LambdaKind::Update => "update",
            LambdaKind::Publish => "publish",
        }
    }

    /// The names the body can use for its arguments, in call order.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            LambdaKind::Update => &["source"],
            LambdaKind::Publish => &["source", "register", "previous"],
        }
    }
}

impl fmt::Display for LambdaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One lambda to compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaSource {
    /// `derivation/transform`, used in messages.
    pub name: String,
    pub kind: LambdaKind,
    /// The TypeScript body, exactly as written in the catalog.
    pub body: String,
    /// The catalog's `nodeDependencies` package names.
    pub dependencies: Vec<String>,
}

/// A compiled lambda, valid for the host that returned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LambdaId(pub(crate) u32);

/// What went wrong in a lambda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LambdaErrorKind {
    /// The body does not compile (catalog C29).
    Syntax,
    /// The body threw, or its promise was rejected.
    Thrown,
    /// The body returned (or resolved to) something other than an array.
    NotAnArray,
    /// The call ran past the host's time limit.
    Timeout,
    /// The call ran past the host's memory limit.
    OutOfMemory,
    /// The body used a `nodeDependencies` package, which this host cannot load.
    Dependency,
    /// The call returned more documents, or more bytes of them, than one call
    /// may return (the message names the limit).
    TooLarge,
}

/// A lambda that failed to compile or to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaError {
    pub kind: LambdaErrorKind,
    /// The underlying message, without the "transform d/t update lambda failed"
    /// prefix that [`Display`](fmt::Display) adds.
    pub message: String,
    /// Zero-based line inside the body, when known.
    pub line: Option<u32>,
    /// Zero-based UTF-16 column inside the body, when known.
    pub column: Option<u32>,
    /// `derivation/transform` of the lambda (empty when no lambda was involved).
    pub lambda: String,
    pub lambda_kind: LambdaKind,
}

impl LambdaError {
    pub(crate) fn new(
        kind: LambdaErrorKind,
        source: &LambdaSource,
        message: impl Into<String>,
    ) -> LambdaError {
        LambdaError {
            kind,
            message: message.into(),
            line: None,
            column: None,
            lambda: source.name.clone(),
            lambda_kind: source.kind,
        }
    }

    pub(crate) fn at(mut self, position: Option<(u32, u32)>) -> LambdaError {
        if let Some((line, column)) = position {
            self.line = Some(line);
            self.column = Some(column);
        }
        self
    }
}

/// The messages of catalog C29 and runtime.md §12.
impl fmt::Display for LambdaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, kind) = (&self.lambda, self.lambda_kind);
        match self.kind {
            _ if name.is_empty() => f.write_str(&self.message),
            LambdaErrorKind::Syntax => write!(f, "lambda {name} {kind}: {}", self.message),
            LambdaErrorKind::NotAnArray => write!(f, "transform {name} {kind} {}", self.message),
            _ => write!(f, "transform {name} {kind} lambda failed: {}", self.message),
        }
    }
}

impl std::error::Error for LambdaError {}

/// Something that can compile and run lambdas.
///
/// Calls are independent: each receives its own deep copy of the arguments, so a
/// lambda that mutates `source` cannot affect the caller's documents or another
/// call. A failed call leaves the host usable.
pub trait LambdaHost {
    /// Compiles one lambda. Errors are [`LambdaErrorKind::Syntax`] with the
    /// position of the problem inside the body.
    fn compile(&mut self, lambda: LambdaSource) -> Result<LambdaId, LambdaError>;

    /// Calls a compiled lambda with `source` (update) or `source, register,
    /// previous` (publish), awaits it, and returns the array it produced, with
    /// `JSON.stringify` semantics (integral numbers are JSON integers, `undefined`
    /// properties disappear).
    fn call(
        &mut self,
        id: LambdaId,
        args: &[&serde_json::Value],
    ) -> Result<Vec<serde_json::Value>, LambdaError>;

    /// Forgets every global the lambdas set: later calls run in fresh globals,
    /// as if the host had just been created (compiled lambdas stay valid). The
    /// test runner calls it before each test.
    fn reset(&mut self) {}

    /// What the lambdas printed with `console.*` since the last call of this
    /// method (bounded per call; see [`QuickJsConfig`]).
    fn take_console(&mut self) -> Vec<ConsoleLine> {
        Vec::new()
    }
}

/// Bodies at least this long are parsed by [`check_syntax`] on two threads
/// (a 1 MB body's parse takes a tenth of a second; a thread, a millisecond).
const PARALLEL_PARSE_BYTES: usize = 64 * 1024;

/// Whether `lambda` compiles, as the QuickJS host decides when it runs it: the
/// build-time check (catalog C29) and the runtime share this one verdict. Uses
/// one QuickJS host per thread, started on first use, and remembers recent
/// verdicts per kind and body for the whole process (a rebuild re-checks only
/// what changed; a thread asking while another checks the same body waits for
/// its verdict instead of parsing it again).
pub fn check_syntax(lambda: &LambdaSource) -> Result<(), LambdaError> {
    type Verdict = std::sync::Arc<std::sync::OnceLock<Result<(), LambdaError>>>;
    /// Verdicts kept before the cache starts afresh.
    const MAX_VERDICTS: usize = 4_096;
    static VERDICTS: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<(LambdaKind, String), Verdict>>,
    > = std::sync::LazyLock::new(Default::default);
    thread_local! {
        static CHECKER: std::cell::RefCell<Option<QuickJsHost>> = const { std::cell::RefCell::new(None) };
    }
    let slot = {
        // A verdict is complete once set: a panic elsewhere leaves none half-made.
        let mut verdicts = VERDICTS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (lambda.kind, lambda.body.clone());
        match verdicts.get(&key) {
            Some(slot) => std::sync::Arc::clone(slot),
            None => {
                if verdicts.len() >= MAX_VERDICTS {
                    verdicts.clear();
                }
                let slot = Verdict::default();
                verdicts.insert(key, std::sync::Arc::clone(&slot));
                slot
            }
        }
    };
    let checked = |part: SyntaxPart| {
        CHECKER.with(|checker| {
            let mut checker = checker.borrow_mut();
            if checker.is_none() {
                *checker = Some(QuickJsHost::new(QuickJsConfig::default())?);
            }
            match checker.as_mut() {
                Some(host) => host.check_syntax_part(lambda, part),
                None => Ok(()),
            }
        })
    };
    let verdict = slot.get_or_init(|| {
        if lambda.body.len() < PARALLEL_PARSE_BYTES {
            return checked(SyntaxPart::Both);
        }
        // A large body's two parses at once, on this thread and another
        // (each with its own host): the same verdict, the containment's
        // error first. The type stripping both need is done first, once.
        prepared::prepared(&lambda.body).stripped(&lambda.body);
        std::thread::scope(|scope| {
            let wrapper = scope.spawn(|| checked(SyntaxPart::Wrapper));
            let contained = checked(SyntaxPart::Contained);
            let wrapper = wrapper.join().unwrap_or_else(|_| {
                Err(LambdaError::new(
                    LambdaErrorKind::Syntax,
                    lambda,
                    "the syntax check failed",
                ))
            });
            contained.and(wrapper)
        })
    });
    verdict.clone().map_err(|error| LambdaError {
        lambda: lambda.name.clone(),
        ..error
    })
}

/// The identifier a body uses for a `nodeDependencies` package (runtime.md §8.1):
/// every character that cannot appear in an identifier becomes `_`, and a leading
/// `@` is dropped (`@scope/pkg` → `scope_pkg`, `lodash.merge` → `lodash_merge`).
pub fn dependency_identifier(package: &str) -> String {
    let package = package.strip_prefix('@').unwrap_or(package);
    let mut identifier = String::with_capacity(package.len());
    for (index, ch) in package.chars().enumerate() {
        let allowed =
            ch == '_' || ch == '$' || ch.is_alphabetic() || (index > 0 && ch.is_numeric());
        identifier.push(if allowed { ch } else { '_' });
    }
    identifier
}

#[cfg(test)]
mod tests;
