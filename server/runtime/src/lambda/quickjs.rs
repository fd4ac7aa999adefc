//! [`QuickJsHost`]: runs lambdas in process with QuickJS-ng (`rquickjs`).
//!
//! One QuickJS runtime and context per host at a time. Each lambda is compiled
//! into an `async function`; each call builds fresh copies of its JSON
//! arguments, awaits the promise by running QuickJS's job queue, and converts
//! the result with `JSON.stringify` semantics (see `convert`), under the same
//! deadline and an output budget. Limits: a memory limit, a native stack limit,
//! an interrupt handler that stops a call once it has run past its time limit
//! or its [`StopFlag`] is set (QuickJS makes that interruption uncatchable by
//! the lambda), and caps on the
//! number and size of the documents one call returns.
//!
//! Fresh globals: [`LambdaHost::reset`] replaces the context (same runtime)
//! once a lambda has run in it; the lambdas compile again, lazily, on their
//! next call. A call that runs out of memory or leaves work behind leaves the
//! engine suspect, so the whole runtime is dropped and rebuilt on next use. The
//! memory limit is enforced by our allocator (`memory`), which also tells us for
//! certain that the limit was hit.
//!
//! The compiled text is
//!
//! ```text
//! (function (__flowDependency) { "use strict"; const moment = __flowDependency("moment"); return async function (source, register, previous) {
//! <the body, type-stripped, byte for byte in place>
//! }; })
//! ```
//!
//! (a plain `function` when the body contains no `await`: same results, less
//! machinery per call), so the body starts at line 2, column 1 of what QuickJS
//! sees (its positions are one-based, columns in bytes), and we subtract exactly
//! that.
//!
//! No escape from the wrapper: QuickJS has no way to parse a function body on
//! its own (its `Function` constructor concatenates text too), so before the
//! text above is evaluated, QuickJS parses the body once more as
//!
//! ```text
//! (function (source) { __flow_<random>: {
//! <the body>
//! break __flow_<random>; } })
//! ```
//!
//! A `break` parses only inside its label's statement, and labels do not cross
//! function boundaries, so that text parses only if the body closed nothing it
//! did not open: it cannot close the wrapper and reopen a label whose name it
//! cannot know. Parsing runs nothing, so a hostile body never runs at compile
//! time; QuickJS's parser alone decides what is valid (tree-sitter only blanks
//! types and gives better positions for its own errors).
//!
//! C29's check ([`QuickJsHost::check_syntax`]) runs the containment parse and
//! a compile-only evaluation of the wrapper (a parse to bytecode that runs
//! nothing, so the two may run at once on two threads for a large body). For
//! a large body it keeps the bytecode (`prepared::Bytecode`); a host compiling
//! the same wrapper text then reads it instead of parsing the body again.

use std::{
    cell::{Cell, RefCell},
    hash::{BuildHasher, RandomState},
    rc::Rc,
    time::{Duration, Instant},
};

use rquickjs::{
    Context, Ctx, Function, Object, Persistent, Runtime, Value as JsValue, context::EvalOptions,
    function::Args, promise::PromiseState, qjs,
};
use serde_json::Value;

use super::console::{CONSOLE_HELPER, ConsoleBuffer, ConsoleLine, MAX_LINE};
use super::convert::{self, Budget, FromJsError};
use super::memory::{LimitedAllocator, MemoryState};
use super::prepared::{self, BYTECODE_BYTES, Bytecode};
use super::{
    LambdaError, LambdaErrorKind, LambdaHost, LambdaId, LambdaSource, dependency_identifier,
};

/// Limits of a [`QuickJsHost`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickJsConfig {
    /// Bytes the JavaScript heap may use (all lambdas together).
    pub memory_limit: usize,
    /// How long one call may run, awaiting and converting the result included;
    /// also the limit of one compilation.
    pub time_limit: Duration,
    /// Bytes of native stack the interpreter may use (deep recursion becomes a
    /// `RangeError` instead of a crash).
    pub max_stack_size: usize,
    /// Documents one call may return.
    pub max_documents: usize,
    /// Bytes the documents of one call may take once converted (about their
    /// JSON text, at least 16 bytes a value).
    pub max_output_bytes: usize,
    /// Stops the running call, as its time limit would, while it is set
    /// (another thread cancelling: an editor's preview).
    pub stop: StopFlag,
}

/// A flag another thread sets to stop a host's running call (and every
/// call until it is cleared). Equal when it is the same flag.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(pub std::sync::Arc<std::sync::atomic::AtomicBool>);

impl StopFlag {
    pub fn set(&self, stop: bool) {
        self.0.store(stop, std::sync::atomic::Ordering::Release);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }
}

impl PartialEq for StopFlag {
    fn eq(&self, other: &StopFlag) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for StopFlag {}

impl Default for QuickJsConfig {
    fn default() -> QuickJsConfig {
        QuickJsConfig {
            memory_limit: 256 * 1024 * 1024,
            time_limit: Duration::from_secs(2),
            max_stack_size: 512 * 1024,
            max_documents: 100_000,
            max_output_bytes: 32 * 1024 * 1024,
            stop: StopFlag::default(),
        }
    }
}

/// Lines QuickJS sees before the body's first line.
const WRAPPER_LINES: u32 = 1;

/// Builds the dependency placeholders: a function of a package name returning a
/// proxy on which every operation (call, property read, `new`, …) throws.
const DEPENDENCY_HELPER: &str = r#"(function () {
  return function (name) {
    const fail = function () {
      const error = new Error('package "' + name + '" is not available in the in-process runtime');
      error.flowDependency = name;
      throw error;
    };
    return new Proxy(function () {}, {
      apply: fail, construct: fail, get: fail, set: fail, has: fail,
      deleteProperty: fail, defineProperty: fail, ownKeys: fail,
      getOwnPropertyDescriptor: fail, getPrototypeOf: fail, setPrototypeOf: fail,
      isExtensible: fail, preventExtensions: fail,
    });
  };
})()"#;

/// Longest rendering of a value inside an error message.
const MAX_RENDERED: usize = 200;

/// Longest message of a thrown error kept in a [`LambdaError`].
const MAX_MESSAGE: usize = 2_000;

/// A [`LambdaHost`] backed by QuickJS-ng. Not `Send`: create it on the thread
/// that runs the lambdas (one per worker to run tests in parallel).
pub struct QuickJsHost {
    config: QuickJsConfig,
    lambdas: Vec<Lambda>,
    /// `None` after a reset or a failure that made the engine suspect; rebuilt
    /// on next use.
    engine: Option<Engine>,
    /// What the lambdas printed since the last `take_console`.
    console: Vec<ConsoleLine>,
}

/// What is kept of a compiled lambda, enough to compile it again into a new engine.
struct Lambda {
    source: LambdaSource,
    /// The wrapped, type-stripped text QuickJS compiles.
    javascript: String,
    /// The script name QuickJS puts in stack traces; unique per host.
    filename: String,
}

impl QuickJsHost {
    /// Starts a QuickJS runtime with the given limits.
    pub fn new(config: QuickJsConfig) -> Result<QuickJsHost, LambdaError> {
        let engine = Engine::new(&config).map_err(host_error)?;
        Ok(QuickJsHost {
            config,
            lambdas: Vec::new(),
            engine: Some(engine),
            console: Vec::new(),
        })
    }

    /// Whether `lambda` compiles, exactly as [`LambdaHost::compile`] decides,
    /// without keeping it: for build-time checks (catalog C29). Nothing of the
    /// body runs.
    pub fn check_syntax(&mut self, lambda: &LambdaSource) -> Result<(), LambdaError> {
        self.check_syntax_part(lambda, SyntaxPart::Both)
    }

    /// One part of [`QuickJsHost::check_syntax`]'s verdict (the containment
    /// parse, the wrapper's parse, or both in that order), so that two
    /// threads can parse a large body's two texts at once: the verdict of
    /// both is the containment's error if any, else the wrapper's.
    pub(crate) fn check_syntax_part(
        &mut self,
        lambda: &LambdaSource,
        part: SyntaxPart,
    ) -> Result<(), LambdaError> {
        let prepared = prepared::prepared(&lambda.body);
        let stripped = prepared.stripped(&lambda.body);
        let checked = Lambda {
            filename: format!("{}/{}#check", lambda.name, lambda.kind),
            javascript: wrap(lambda, &stripped.javascript),
            source: lambda.clone(),
        };
        let time_limit = self.config.time_limit;
        let engine = self.engine()?;
        // The wrapper is compiled only, never evaluated: nothing of it runs,
        // whether or not the body passed the containment parse.
        let wrapper = |engine: &mut Engine| -> Result<(), LambdaError> {
            let keep = lambda.body.len() >= BYTECODE_BYTES;
            if let Some(bytes) = engine.compile_only(&checked, time_limit, keep)? {
                prepared.set_bytecode(
                    lambda.kind,
                    Bytecode {
                        dependencies: lambda.dependencies.clone(),
                        filename: checked.filename.clone(),
                        bytes,
                    },
                );
            }
            Ok(())
        };
        let outcome = match part {
            SyntaxPart::Contained => engine.check_contained(&checked, &prepared, time_limit),
            SyntaxPart::Wrapper => wrapper(engine),
            SyntaxPart::Both => engine
                .check_contained(&checked, &prepared, time_limit)
                .and_then(|()| wrapper(engine)),
        };
        if engine.memory.refused() {
            self.engine = None;
        }
        outcome.map_err(|error| prefer_tree_sitter(error, stripped))
    }

    /// The engine, rebuilt if it was dropped (lambdas are then compiled again
    /// lazily, on their next call).
    fn engine(&mut self) -> Result<&mut Engine, LambdaError> {
        if self.engine.is_none() {
            let mut engine = Engine::new(&self.config).map_err(host_error)?;
            engine.functions.resize_with(self.lambdas.len(), || None);
            self.engine = Some(engine);
        }
        match self.engine.as_mut() {
            Some(engine) => Ok(engine),
            None => Err(host_error(
                "the JavaScript engine is unavailable".to_owned(),
            )),
        }
    }
}

fn host_error(message: String) -> LambdaError {
    LambdaError {
        kind: LambdaErrorKind::OutOfMemory,
        message: format!("the JavaScript runtime could not start: {message}"),
        line: None,
        column: None,
        lambda: String::new(),
        lambda_kind: super::LambdaKind::Update,
    }
}

impl LambdaHost for QuickJsHost {
    fn compile(&mut self, lambda: LambdaSource) -> Result<LambdaId, LambdaError> {
        let prepared = prepared::prepared(&lambda.body);
        let stripped = prepared.stripped(&lambda.body);
        let javascript = wrap(&lambda, &stripped.javascript);
        let index = self.lambdas.len();
        let id = u32::try_from(index).map_err(|_| {
            LambdaError::new(LambdaErrorKind::OutOfMemory, &lambda, "too many lambdas")
        })?;
        // A kept bytecode names the script as C29's check compiled it.
        let filename = match bytecode(&prepared, &lambda) {
            Some(bytecode) => bytecode.filename.clone(),
            None => format!("{}/{}#{index}", lambda.name, lambda.kind),
        };
        let compiled = Lambda {
            filename,
            javascript,
            source: lambda,
        };
        let time_limit = self.config.time_limit;
        let engine = self.engine()?;
        let outcome = engine
            .check_contained(&compiled, &prepared, time_limit)
            .and_then(|()| engine.compile(&compiled, time_limit));
        if engine.memory.refused() {
            self.engine = None;
        }
        match outcome {
            Ok(function) => {
                // By index, not by push: after a fresh context the engine's
                // list is empty while earlier lambdas keep their ids.
                let functions = &mut self.engine()?.functions;
                if functions.len() <= index {
                    functions.resize_with(index + 1, || None);
                }
                functions[index] = Some(function);
                self.lambdas.push(compiled);
                Ok(LambdaId(id))
            }
            Err(error) => Err(prefer_tree_sitter(error, stripped)),
        }
    }

    fn call(&mut self, id: LambdaId, args: &[&Value]) -> Result<Vec<Value>, LambdaError> {
        let index = id.0 as usize;
        let Some(lambda) = self.lambdas.get(index) else {
            return Err(LambdaError {
                kind: LambdaErrorKind::Thrown,
                message: format!("no lambda with id {} was compiled by this host", id.0),
                line: None,
                column: None,
                lambda: String::new(),
                lambda_kind: super::LambdaKind::Update,
            });
        };
        let expected = lambda.source.kind.parameters().len();
        if args.len() != expected {
            return Err(LambdaError::new(
                LambdaErrorKind::Thrown,
                &lambda.source,
                format!("expected {expected} arguments, got {}", args.len()),
            ));
        }
        self.engine()?;
        let (Some(engine), Some(lambda)) = (self.engine.as_mut(), self.lambdas.get(index)) else {
            return Err(host_error(
                "the JavaScript engine is unavailable".to_owned(),
            ));
        };
        let outcome = engine.call(index, lambda, args, &self.config);
        engine.console.borrow_mut().finish_call(&mut self.console);
        let drop_engine = match &outcome {
            Ok(_) => engine.poisoned,
            Err(error) => engine.poisoned || error.kind == LambdaErrorKind::OutOfMemory,
        };
        if drop_engine {
            self.engine = None;
        }
        outcome
    }

    fn reset(&mut self) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        if engine.used && engine.fresh_context().is_err() {
            self.engine = None;
        }
    }

    fn take_console(&mut self) -> Vec<ConsoleLine> {
        std::mem::take(&mut self.console)
    }
}

/// QuickJS decides whether a body compiles; when it does not and tree-sitter
/// found a problem too, tree-sitter's message names TypeScript constructs
/// better and points at the first problem.
fn prefer_tree_sitter(mut error: LambdaError, stripped: &typescript::Stripped) -> LambdaError {
    if error.kind == LambdaErrorKind::Syntax
        && let Some(first) = stripped.errors.first()
    {
        error.message = first.message.clone();
        error.line = Some(first.line);
        error.column = Some(first.column);
    }
    error
}

/// The parameters, and `async` or not (see the module docs).
fn function_head(lambda: &LambdaSource, javascript: &str) -> String {
    // A body that never awaits runs the same as a plain function, and skipping the
    // promise machinery makes each call markedly cheaper. Any "await" at all (even
    // in a string or comment) keeps it async, which is always correct.
    let keyword = if javascript.contains("await") {
        "async function ("
    } else {
        "function ("
    };
    format!("{keyword}{})", lambda.kind.parameters().join(", "))
}

/// The wrapper around a stripped body (see the module docs).
fn wrap(lambda: &LambdaSource, javascript: &str) -> String {
    let parameters = lambda.kind.parameters();
    let mut text = String::with_capacity(javascript.len() + 200);
    text.push_str("(function (__flowDependency) { \"use strict\"; ");
    let mut seen: Vec<String> = Vec::new();
    for package in &lambda.dependencies {
        let identifier = dependency_identifier(package);
        if identifier.is_empty()
            || parameters.contains(&identifier.as_str())
            || identifier == "__flowDependency"
            || typescript::is_reserved_word(&identifier)
            || seen.contains(&identifier)
        {
            continue;
        }
        let package_literal = serde_json::Value::String(package.clone()).to_string();
        text.push_str(&format!(
            "const {identifier} = __flowDependency({package_literal}); "
        ));
        seen.push(identifier);
    }
    text.push_str("return ");
    text.push_str(&function_head(lambda, javascript));
    text.push_str(" {\n");
    text.push_str(javascript);
    text.push_str("\n}; })");
    text
}

/// Which parse of a body [`QuickJsHost::check_syntax_part`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyntaxPart {
    /// The containment parse (see the module docs).
    Contained,
    /// The wrapper the host compiles, compiled only.
    Wrapper,
    /// Both, the containment parse first.
    Both,
}

/// The containment check's text: the body inside a block labelled with a name
/// it cannot know, ended by a `break` to that label (see the module docs).
fn contained(lambda: &LambdaSource, javascript: &str) -> String {
    let label = format!("__flow_{:016x}", RandomState::new().hash_one(javascript));
    let mut text = String::with_capacity(javascript.len() + 120);
    text.push('(');
    text.push_str(&function_head(lambda, javascript));
    text.push_str(&format!(" {{ \"use strict\"; {label}: {{\n"));
    text.push_str(javascript);
    text.push_str(&format!("\nbreak {label}; }} }})"));
    text
}

/// One QuickJS runtime and context with the compiled lambdas. Field order matters:
/// values must be freed before the context and runtime (see `Drop`).
struct Engine {
    /// Compiled lambdas, by `LambdaId`; `None` until compiled in this engine.
    functions: Vec<Option<Persistent<Function<'static>>>>,
    dependency: Option<Persistent<Function<'static>>>,
    context: Context,
    runtime: Runtime,
    /// End of the running call's time budget; `None` between calls.
    deadline: Rc<Cell<Option<Instant>>>,
    /// Set by the interrupt handler when it stopped a call.
    interrupted: Rc<Cell<bool>>,
    /// Heap accounting; says whether a call hit the memory limit.
    memory: Rc<MemoryState>,
    /// What the running call printed.
    console: Rc<RefCell<ConsoleBuffer>>,
    /// Set when a call left work behind that could not be finished; the host then
    /// drops this engine.
    poisoned: bool,
    /// Whether a lambda ran here (its globals may have changed).
    used: bool,
}

impl Drop for Engine {
    fn drop(&mut self) {
        let functions = std::mem::take(&mut self.functions);
        let dependency = self.dependency.take();
        self.context.with(|_ctx| {
            drop(functions);
            drop(dependency);
        });
        self.runtime.run_gc();
    }
}

impl Engine {
    fn new(config: &QuickJsConfig) -> Result<Engine, String> {
        // The memory limit lives in the allocator (see `memory`), so that hitting
        // it is always recognisable; QuickJS's own `set_memory_limit` is a no-op
        // with a custom allocator.
        let memory = MemoryState::new(config.memory_limit);
        let runtime = Runtime::new_with_alloc(LimitedAllocator {
            state: memory.clone(),
        })
        .map_err(|error| error.to_string())?;
        runtime.set_max_stack_size(config.max_stack_size);
        let deadline: Rc<Cell<Option<Instant>>> = Rc::new(Cell::new(None));
        let interrupted = Rc::new(Cell::new(false));
        {
            let deadline = deadline.clone();
            let interrupted = interrupted.clone();
            let stop = config.stop.clone();
            runtime.set_interrupt_handler(Some(Box::new(move || match deadline.get() {
                Some(deadline) if stop.is_set() || Instant::now() >= deadline => {
                    interrupted.set(true);
                    true
                }
                _ => false,
            })));
        }
        let console = Rc::new(RefCell::new(ConsoleBuffer::default()));
        let (context, dependency) = new_context(&runtime, &console)?;
        Ok(Engine {
            functions: Vec::new(),
            dependency: Some(dependency),
            context,
            runtime,
            deadline,
            interrupted,
            memory,
            console,
            poisoned: false,
            used: false,
        })
    }

    /// Fresh globals: a new context in the same runtime (cheaper than a new
    /// runtime); every lambda compiles again on its next call.
    fn fresh_context(&mut self) -> Result<(), String> {
        let functions = std::mem::take(&mut self.functions);
        let dependency = self.dependency.take();
        self.context.with(|_ctx| {
            drop(functions);
            drop(dependency);
        });
        let (context, dependency) = new_context(&self.runtime, &self.console)?;
        self.context = context;
        self.dependency = Some(dependency);
        self.used = false;
        Ok(())
    }

    /// Parses the containment check (see the module docs) under the time limit;
    /// nothing of the body runs.
    fn parse_contained(
        &mut self,
        lambda: &Lambda,
        check: &str,
        time_limit: Duration,
    ) -> Result<(), LambdaError> {
        self.deadline.set(Some(Instant::now() + time_limit));
        let interrupted = self.interrupted.get();
        let outcome = self.context.with(|ctx| {
            let parsed = ctx.eval_with_options::<JsValue, _>(check.as_bytes().to_vec(), options(lambda));
            match parsed {
                Ok(_) => Ok(()),
                Err(error) => {
                    let mut failure = syntax_failure(&ctx, error, lambda, interrupted);
                    if failure.kind == LambdaErrorKind::Syntax
                        && failure.message.contains("label not found")
                        && at_body_end(&lambda.source.body, &failure)
                    {
                        // Only our closing `break` can be missing its label there.
                        failure.message = "the body closes the function it is written in (a closing bracket without its opening one, as JavaScript reads it: `<!--` and `-->` start comments)".to_owned();
                    }
                    Err(failure)
                }
            }
        });
        self.deadline.set(None);
        outcome
    }

    /// The containment parse of a lambda's stripped body (see the module
    /// docs), unless the body already passed it for this kind in this
    /// process.
    fn check_contained(
        &mut self,
        lambda: &Lambda,
        prepared: &prepared::Prepared,
        time_limit: Duration,
    ) -> Result<(), LambdaError> {
        let kind = lambda.source.kind;
        if prepared.is_contained(kind) {
            return Ok(());
        }
        let check = contained(
            &lambda.source,
            &prepared.stripped(&lambda.source.body).javascript,
        );
        self.parse_contained(lambda, &check, time_limit)?;
        prepared.set_contained(kind);
        Ok(())
    }

    /// Compiles one wrapped lambda into its function, under the time limit.
    fn compile(
        &mut self,
        lambda: &Lambda,
        time_limit: Duration,
    ) -> Result<Persistent<Function<'static>>, LambdaError> {
        let dependency = self.dependency.clone();
        let kept = if lambda.source.body.len() >= BYTECODE_BYTES {
            let prepared = prepared::prepared(&lambda.source.body);
            bytecode(&prepared, &lambda.source)
                .filter(|bytecode| bytecode.filename == lambda.filename)
        } else {
            None
        };
        self.deadline.set(Some(Instant::now() + time_limit));
        let interrupted = self.interrupted.clone();
        let outcome = self.context.with(|ctx| {
            let factory = match kept.as_deref().and_then(|kept| read_bytecode(&ctx, kept)) {
                Some(factory) => Ok(factory),
                None => ctx.eval_with_options::<Function, _>(
                    lambda.javascript.as_bytes().to_vec(),
                    options(lambda),
                ),
            };
            let compiled = factory.and_then(|factory| {
                let dependency = match dependency {
                    Some(dependency) => dependency.restore(&ctx)?,
                    None => return Err(rquickjs::Error::Unknown),
                };
                factory.call::<_, Function>((dependency,))
            });
            match compiled {
                Ok(function) => Ok(Persistent::save(&ctx, function)),
                Err(error) => Err(syntax_failure(&ctx, error, lambda, interrupted.get())),
            }
        });
        self.deadline.set(None);
        outcome
    }

    /// Compiles the wrapper script without running it (QuickJS's
    /// compile-only evaluation: a parse and its bytecode), under the time
    /// limit: C29's verdict on the wrapper. Returns the bytecode when
    /// `bytecode` asks for it (it is kept only for large bodies), or `None`
    /// when not asked or QuickJS could not write it.
    fn compile_only(
        &mut self,
        lambda: &Lambda,
        time_limit: Duration,
        bytecode: bool,
    ) -> Result<Option<Vec<u8>>, LambdaError> {
        self.deadline.set(Some(Instant::now() + time_limit));
        let interrupted = self.interrupted.clone();
        let outcome = self.context.with(|ctx| {
            let texts = std::ffi::CString::new(lambda.javascript.as_bytes())
                .and_then(|text| Ok((text, std::ffi::CString::new(lambda.filename.as_bytes())?)));
            let (text, filename) = match texts {
                Ok(texts) => texts,
                Err(error) => {
                    return Err(syntax_failure(
                        &ctx,
                        error.into(),
                        lambda,
                        interrupted.get(),
                    ));
                }
            };
            let flags = qjs::JS_EVAL_TYPE_GLOBAL
                | qjs::JS_EVAL_FLAG_STRICT
                | qjs::JS_EVAL_FLAG_COMPILE_ONLY;
            let raw = ctx.as_raw().as_ptr();
            // SAFETY: `text` is NUL-terminated as QuickJS's parser requires
            // (its length excludes the NUL), `filename` too, and `raw` is
            // the live context of `ctx`.
            let compiled = unsafe {
                qjs::JS_Eval(
                    raw,
                    text.as_ptr(),
                    lambda.javascript.len() as qjs::size_t,
                    filename.as_ptr(),
                    flags as i32,
                )
            };
            // SAFETY: `compiled` was just returned to us, owned.
            if unsafe { qjs::JS_IsException(compiled) } {
                return Err(syntax_failure(
                    &ctx,
                    rquickjs::Error::Exception,
                    lambda,
                    interrupted.get(),
                ));
            }
            // SAFETY: an owned value of this context; freed when dropped.
            let compiled = unsafe { JsValue::from_raw(ctx.clone(), compiled) };
            if !bytecode {
                return Ok(None);
            }
            let mut length: qjs::size_t = 0;
            // SAFETY: `compiled` is a live value of `raw`; the buffer
            // returned is ours to free with `js_free`.
            let buffer = unsafe {
                qjs::JS_WriteObject(
                    raw,
                    &mut length,
                    compiled.as_raw(),
                    qjs::JS_WRITE_OBJ_BYTECODE as i32,
                )
            };
            if buffer.is_null() {
                let _ = ctx.catch();
                return Ok(None);
            }
            // SAFETY: QuickJS wrote `length` bytes at `buffer`.
            let bytes = unsafe { std::slice::from_raw_parts(buffer, length as usize) }.to_vec();
            // SAFETY: allocated by `JS_WriteObject` in this context.
            unsafe { qjs::js_free(raw, buffer.cast()) };
            Ok(Some(bytes))
        });
        self.deadline.set(None);
        outcome
    }

    /// Runs one call: fresh arguments, await, array check, JSON out.
    fn call(
        &mut self,
        index: usize,
        lambda: &Lambda,
        args: &[&Value],
        config: &QuickJsConfig,
    ) -> Result<Vec<Value>, LambdaError> {
        let time_limit = config.time_limit;
        if self.functions.len() <= index {
            self.functions.resize_with(index + 1, || None);
        }
        let function = match &self.functions[index] {
            Some(function) => function.clone(),
            None => {
                // Compiled before by this host, so it compiles again (unless
                // memory runs out).
                let function = self.compile(lambda, time_limit)?;
                self.functions[index] = Some(function.clone());
                function
            }
        };
        self.used = true;
        self.memory.reset_refused();
        self.interrupted.set(false);
        let deadline_at = Instant::now() + time_limit;
        self.deadline.set(Some(deadline_at));
        let interrupted = self.interrupted.clone();
        let deadline = self.deadline.clone();
        let memory = self.memory.clone();
        let mut budget = Budget {
            deadline: Some(deadline_at),
            bytes_left: config.max_output_bytes,
            bytes_limit: config.max_output_bytes,
            values: 0,
        };

        let (outcome, leftover_jobs) = self.context.with(|ctx| {
            let outcome = run(
                &ctx,
                function,
                args,
                &interrupted,
                config.max_documents,
                &mut budget,
            )
            .map_err(|error| {
                if memory.refused() && !interrupted.get() {
                    let _ = ctx.catch();
                    return LambdaError::new(
                        LambdaErrorKind::OutOfMemory,
                        &lambda.source,
                        out_of_memory_message(),
                    );
                }
                describe_failure(&ctx, error, lambda, interrupted.get())
            });
            // Jobs the lambda queued but did not await must not run during a later
            // call. Finish them now, within the same time budget.
            let mut leftover_jobs = false;
            while ctx.execute_pending_job() {
                if interrupted.get()
                    || deadline
                        .get()
                        .is_some_and(|deadline| Instant::now() >= deadline)
                {
                    leftover_jobs = true;
                    break;
                }
            }
            (outcome, leftover_jobs)
        });
        self.deadline.set(None);
        let outcome = outcome.map_err(|mut error| {
            if error.kind == LambdaErrorKind::Timeout && config.stop.is_set() {
                error.message = "the lambda was stopped: the run was cancelled".to_owned();
            } else if error.kind == LambdaErrorKind::Timeout {
                error.message = format!(
                    "the lambda ran past its time limit of {} ms and was stopped (is there an endless loop?)",
                    time_limit.as_millis()
                );
            }
            error
        });
        // After hitting the memory limit QuickJS may have been interrupted halfway
        // through its own work: start afresh even if the lambda recovered.
        if leftover_jobs || self.memory.refused() {
            self.poisoned = true;
        }
        outcome
    }
}

/// The bytecode C29's check kept for a large body, if it compiled the
/// wrapper `lambda` gets (the same kind, body and dependencies).
fn bytecode(
    prepared: &prepared::Prepared,
    lambda: &LambdaSource,
) -> Option<std::sync::Arc<Bytecode>> {
    if lambda.body.len() < BYTECODE_BYTES {
        return None;
    }
    prepared.bytecode(lambda.kind, &lambda.dependencies)
}

/// Kept bytecodes a host read instead of parsing (for tests).
pub(crate) static BYTECODE_READS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// Evaluates a kept wrapper's bytecode: its factory function, or `None`
/// (the exception cleared) when QuickJS refuses it, and the text is then
/// compiled instead.
fn read_bytecode<'js>(ctx: &Ctx<'js>, bytecode: &Bytecode) -> Option<Function<'js>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: the bytes are bytecode QuickJS wrote in this process, from a
    // wrapper equal to the one being compiled, and stay alive (and
    // unmodified) during the read.
    let read = unsafe {
        qjs::JS_ReadObject(
            raw,
            bytecode.bytes.as_ptr(),
            bytecode.bytes.len() as qjs::size_t,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        )
    };
    // SAFETY: an owned value just returned.
    if unsafe { qjs::JS_IsException(read) } {
        let _ = ctx.catch();
        return None;
    }
    // SAFETY: `JS_EvalFunction` takes ownership of `read` and returns an
    // owned value: the script's completion value, the wrapper's factory.
    let factory = unsafe { qjs::JS_EvalFunction(raw, read) };
    if unsafe { qjs::JS_IsException(factory) } {
        let _ = ctx.catch();
        return None;
    }
    // SAFETY: an owned value of this context; freed when dropped.
    let factory = unsafe { JsValue::from_raw(ctx.clone(), factory) };
    BYTECODE_READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    factory.into_function()
}

/// Whether an error's position is the end of the body, where positions after
/// it (in the wrapper's closing text) are clamped.
fn at_body_end(body: &str, error: &LambdaError) -> bool {
    let last = body.split('\n').count().saturating_sub(1) as u32;
    let last_text = body.rsplit('\n').next().unwrap_or("");
    error.line == Some(last) && error.column == Some(utf16_len(last_text))
}

/// A context with the dependency helper (returned) and `console` installed.
fn new_context(
    runtime: &Runtime,
    console: &Rc<RefCell<ConsoleBuffer>>,
) -> Result<(Context, Persistent<Function<'static>>), String> {
    let context = Context::full(runtime).map_err(|error| error.to_string())?;
    let dependency = context.with(|ctx| -> Result<Persistent<Function<'static>>, String> {
        let failed = |error: rquickjs::Error| format!("{error}: {}", render(&ctx, &ctx.catch()));
        let helper: Function = ctx.eval(DEPENDENCY_HELPER).map_err(failed)?;
        let console_factory: Function = ctx.eval(CONSOLE_HELPER).map_err(failed)?;
        let buffer = console.clone();
        let sink = Function::new(ctx.clone(), move |level: String, text: String| {
            buffer.borrow_mut().push(&level, text);
        })
        .map_err(failed)?;
        let console_object: Object = console_factory.call((sink, MAX_LINE)).map_err(failed)?;
        ctx.globals()
            .set("console", console_object)
            .map_err(failed)?;
        Ok(Persistent::save(&ctx, helper))
    })?;
    Ok((context, dependency))
}

/// How every lambda text is evaluated: global code, strict, named for traces.
fn options(lambda: &Lambda) -> EvalOptions {
    let mut options = EvalOptions::default();
    options.global = true;
    options.strict = true;
    options.filename = Some(lambda.filename.clone());
    options
}

/// A failed compilation as a [`LambdaErrorKind::Syntax`] error (or a timeout or
/// out-of-memory error when that is what happened).
fn syntax_failure(
    ctx: &Ctx<'_>,
    error: rquickjs::Error,
    lambda: &Lambda,
    interrupted: bool,
) -> LambdaError {
    let mut failure = describe_failure(ctx, error, lambda, interrupted);
    if failure.kind == LambdaErrorKind::Thrown {
        failure.kind = LambdaErrorKind::Syntax;
        if let Some(message) = failure.message.strip_prefix("SyntaxError: ") {
            failure.message = message.to_owned();
        }
    }
    failure
}

/// Inside the context: builds the arguments, calls, awaits, and converts the result.
fn run(
    ctx: &Ctx<'_>,
    function: Persistent<Function<'static>>,
    args: &[&Value],
    interrupted: &Rc<Cell<bool>>,
    max_documents: usize,
    budget: &mut Budget,
) -> Result<Vec<Value>, Failure> {
    let function = function.restore(ctx)?;
    let mut call_args = Args::new(ctx.clone(), args.len());
    for arg in args {
        call_args.push_arg(convert::to_js(ctx, arg)?)?;
    }
    let returned: JsValue = call_args.apply(&function)?;
    let value = match returned.as_promise() {
        None => returned,
        Some(promise) => loop {
            match promise.state() {
                PromiseState::Resolved | PromiseState::Rejected => {
                    // A rejection comes back as an exception, caught by the caller.
                    match promise.result::<JsValue>() {
                        Some(result) => break result?,
                        None => {
                            return Err(Failure::Message(
                                "the lambda's promise did not settle".to_owned(),
                            ));
                        }
                    }
                }
                PromiseState::Pending => {
                    let ran = ctx.execute_pending_job();
                    if interrupted.get() {
                        return Err(Failure::Interrupted);
                    }
                    if !ran {
                        return Err(Failure::Message(
                            "the lambda's promise never settled (it awaits something that never resolves)".to_owned(),
                        ));
                    }
                }
            }
        },
    };
    let Some(array) = value.as_array().filter(|_| value.is_array()) else {
        return Err(Failure::NotAnArray(render(ctx, &value)));
    };
    match convert::documents_from_js(ctx, array, max_documents, budget) {
        Ok(items) => Ok(items),
        Err(FromJsError::Engine(error)) => Err(Failure::Engine(error)),
        Err(FromJsError::Timeout) => Err(Failure::Interrupted),
        Err(FromJsError::TooLarge(message)) => Err(Failure::TooLarge(message)),
        Err(FromJsError::Unrepresentable(reason)) => Err(Failure::Message(format!(
            "the returned array cannot be converted to JSON: {reason}"
        ))),
    }
}

/// Why [`run`] stopped, before it is described with positions and names.
enum Failure {
    /// A QuickJS error; for [`rquickjs::Error::Exception`] the value is pending on
    /// the context.
    Engine(rquickjs::Error),
    NotAnArray(String),
    Interrupted,
    Message(String),
    /// Over the output limits; the message names the limit.
    TooLarge(String),
}

impl From<rquickjs::Error> for Failure {
    fn from(error: rquickjs::Error) -> Failure {
        Failure::Engine(error)
    }
}

/// Turns a failure into a [`LambdaError`], reading the thrown value's message,
/// kind and position.
fn describe_failure(
    ctx: &Ctx<'_>,
    failure: impl Into<Failure>,
    lambda: &Lambda,
    interrupted: bool,
) -> LambdaError {
    let source = &lambda.source;
    let error = match failure.into() {
        Failure::NotAnArray(rendered) => {
            return LambdaError::new(
                LambdaErrorKind::NotAnArray,
                source,
                format!("lambda must return an array, got {rendered}"),
            );
        }
        Failure::Message(message) => {
            return LambdaError::new(LambdaErrorKind::Thrown, source, message);
        }
        Failure::TooLarge(message) => {
            return LambdaError::new(LambdaErrorKind::TooLarge, source, message);
        }
        Failure::Interrupted => {
            // The uncatchable interruption may still be pending: clear it.
            let _ = ctx.catch();
            return timeout(source);
        }
        Failure::Engine(error) => error,
    };
    match error {
        rquickjs::Error::Exception => {}
        rquickjs::Error::Allocation => {
            return LambdaError::new(
                LambdaErrorKind::OutOfMemory,
                source,
                out_of_memory_message(),
            );
        }
        _ if interrupted => return timeout(source),
        other => return LambdaError::new(LambdaErrorKind::Thrown, source, other.to_string()),
    }
    let thrown = ctx.catch();
    let position = thrown
        .as_object()
        .and_then(|object| object.get::<_, Option<String>>("stack").ok().flatten())
        .and_then(|stack| stack_position(&stack, &lambda.filename))
        .and_then(|(line, column)| body_position(&source.body, line, column));
    if interrupted {
        return timeout(source).at(position);
    }
    let Some(object) = thrown.as_object() else {
        let message = match thrown.as_string().and_then(|text| text.to_string().ok()) {
            Some(text) => crate::shorten::shorten(text, MAX_MESSAGE),
            None => render(ctx, &thrown),
        };
        return LambdaError::new(LambdaErrorKind::Thrown, source, message);
    };
    if string_property(object, "flowDependency").is_some() {
        let message = string_property(object, "message").unwrap_or_default();
        return LambdaError::new(LambdaErrorKind::Dependency, source, message).at(position);
    }
    let name = string_property(object, "name");
    let message = string_property(object, "message");
    if name.as_deref() == Some("InternalError") && message.as_deref() == Some("out of memory") {
        return LambdaError::new(
            LambdaErrorKind::OutOfMemory,
            source,
            out_of_memory_message(),
        );
    }
    let text = match (name, message) {
        (Some(name), Some(message)) if !name.is_empty() && !message.is_empty() => {
            format!("{name}: {message}")
        }
        (Some(name), Some(message)) if message.is_empty() => name,
        (_, Some(message)) => message,
        _ => render(ctx, &thrown),
    };
    let text = crate::shorten::shorten(text, MAX_MESSAGE);
    LambdaError::new(LambdaErrorKind::Thrown, source, text).at(position)
}

fn timeout(source: &LambdaSource) -> LambdaError {
    LambdaError::new(
        LambdaErrorKind::Timeout,
        source,
        "the lambda ran past its time limit and was stopped (is there an endless loop?)",
    )
}

fn out_of_memory_message() -> String {
    "the lambda ran out of memory (the JavaScript heap limit was reached)".to_owned()
}

fn string_property(object: &Object<'_>, name: &str) -> Option<String> {
    object.get::<_, Option<String>>(name).ok().flatten()
}

/// A short, readable rendering of any value for messages: JSON where possible.
fn render<'js>(ctx: &Ctx<'js>, value: &JsValue<'js>) -> String {
    let text = if value.is_undefined() {
        "undefined".to_owned()
    } else if value.is_function() {
        "a function".to_owned()
    } else {
        match ctx.json_stringify(value.clone()) {
            Ok(Some(json)) => json
                .to_string()
                .unwrap_or_else(|_| value.type_name().to_owned()),
            Ok(None) => value.type_name().to_owned(),
            Err(_) => {
                let _ = ctx.catch();
                value.type_name().to_owned()
            }
        }
    };
    crate::shorten::shorten(text, MAX_RENDERED)
}

/// Finds the first `filename:line:column` frame of a QuickJS stack trace.
/// Returns QuickJS's one-based line and one-based byte column.
fn stack_position(stack: &str, filename: &str) -> Option<(u32, u32)> {
    for frame in stack.lines() {
        let mut search = 0;
        while let Some(found) = frame[search..].find(filename) {
            let start = search + found;
            search = start + filename.len();
            let preceded_well = frame[..start].ends_with(['(', ' ']);
            let Some(rest) = frame[search..].strip_prefix(':') else {
                continue;
            };
            if !preceded_well {
                continue;
            }
            let mut numbers = rest.split(|c: char| !c.is_ascii_digit());
            let line = numbers.next().and_then(|n| n.parse::<u32>().ok());
            let column = numbers.next().and_then(|n| n.parse::<u32>().ok());
            if let (Some(line), Some(column)) = (line, column) {
                return Some((line, column));
            }
        }
    }
    None
}

/// Maps QuickJS's one-based line and byte column onto the body: a zero-based line
/// and UTF-16 column. Positions after the body are clamped onto its end; positions
/// before it (the wrapper's first line, where QuickJS puts errors it cannot place
/// better, such as an interruption) are not in the body at all.
fn body_position(body: &str, line: u32, column: u32) -> Option<(u32, u32)> {
    let lines: Vec<&str> = body.split('\n').collect();
    let last = lines.len().saturating_sub(1) as u32;
    let zero_based = line.saturating_sub(1);
    if zero_based < WRAPPER_LINES {
        return None;
    }
    let body_line = zero_based - WRAPPER_LINES;
    if body_line > last {
        let text = lines.last().copied().unwrap_or("");
        return Some((last, utf16_len(text)));
    }
    let text = lines.get(body_line as usize).copied().unwrap_or("");
    let mut byte = (column.saturating_sub(1) as usize).min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    Some((body_line, utf16_len(&text[..byte])))
}

fn utf16_len(text: &str) -> u32 {
    text.chars().map(|ch| ch.len_utf16() as u32).sum()
}
