//! [`Lambdas`]: the per-thread half of a [`Plan`](super::Plan): one lambda host
//! and the plan's lambdas compiled in it, lazily, on first call.
//!
//! A plan is plain data shared by every worker (`Plan: Sync`); QuickJS is not
//! `Send`, so each worker owns a `Lambdas`. Compiling on first call means a
//! worker compiles only what its tests reach, and a lambda that does not compile
//! fails only the tests that run it (with the same error in every worker).

use serde_json::Value;

use super::error::{RuntimeError, RuntimeErrorKind};
use crate::lambda::{
    ConsoleLine, LambdaError, LambdaErrorKind, LambdaHost, LambdaId, LambdaSource, QuickJsConfig,
    QuickJsHost,
};

/// A lambda host with the plan's lambdas compiled in it on demand.
pub struct Lambdas {
    host: Box<dyn LambdaHost>,
    /// By plan lambda index: the host's id or the compile error, once compiled.
    compiled: Vec<Option<Result<LambdaId, LambdaError>>>,
}

impl Lambdas {
    /// Lambdas run by `host`.
    pub fn new(host: Box<dyn LambdaHost>) -> Lambdas {
        Lambdas {
            host,
            compiled: Vec::new(),
        }
    }

    /// Lambdas run by an in-process QuickJS host with `config`'s limits. Fails
    /// only when the JavaScript engine cannot start.
    pub fn quickjs(config: QuickJsConfig) -> Result<Lambdas, RuntimeError> {
        let host = QuickJsHost::new(config)
            .map_err(|error| RuntimeError::new(RuntimeErrorKind::Unsupported, error.to_string()))?;
        Ok(Lambdas::new(Box::new(host)))
    }

    /// Fresh globals for the lambdas from now on (before each test).
    pub fn reset(&mut self) {
        self.host.reset();
    }

    /// Calls plan lambda `index` (its source is `source`), compiling it first
    /// if this host has not yet.
    pub(crate) fn call(
        &mut self,
        index: usize,
        source: &LambdaSource,
        args: &[&Value],
    ) -> Result<Vec<Value>, LambdaError> {
        if self.compiled.len() <= index {
            self.compiled.resize_with(index + 1, || None);
        }
        let id = match &self.compiled[index] {
            Some(compiled) => compiled.clone()?,
            None => {
                let compiled = self.host.compile(source.clone());
                // A syntax error is for good; running out of time or memory
                // while compiling is tried again on the next call.
                if !matches!(&compiled, Err(error) if error.kind != LambdaErrorKind::Syntax) {
                    self.compiled[index] = Some(compiled.clone());
                }
                compiled?
            }
        };
        self.host.call(id, args)
    }

    /// What the lambdas printed since the last call of this method.
    pub(crate) fn take_console(&mut self) -> Vec<ConsoleLine> {
        self.host.take_console()
    }
}
