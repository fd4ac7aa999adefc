//! `console.log/info/warn/error/debug` for lambdas: what they print is kept,
//! bounded, per call, so a test report (and later the editor) can show it under
//! the test instead of the lambda failing with a `ReferenceError`.
//!
//! The JavaScript side ([`CONSOLE_HELPER`]) formats the arguments as Node.js
//! roughly does (strings as they are, other values as JSON) and cuts each line
//! before it crosses into Rust; [`ConsoleBuffer`] keeps at most a number of lines
//! and bytes per call and counts what it dropped.

use std::fmt;

/// The `console` method a line was printed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsoleLevel {
    Log,
    Info,
    Warn,
    Error,
    Debug,
}

impl ConsoleLevel {
    /// `log`, `info`, … as the method is spelled.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsoleLevel::Log => "log",
            ConsoleLevel::Info => "info",
            ConsoleLevel::Warn => "warn",
            ConsoleLevel::Error => "error",
            ConsoleLevel::Debug => "debug",
        }
    }

    fn parse(name: &str) -> ConsoleLevel {
        match name {
            "info" => ConsoleLevel::Info,
            "warn" => ConsoleLevel::Warn,
            "error" => ConsoleLevel::Error,
            "debug" => ConsoleLevel::Debug,
            _ => ConsoleLevel::Log,
        }
    }
}

impl fmt::Display for ConsoleLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line a lambda printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLine {
    pub level: ConsoleLevel,
    pub text: String,
}

/// Longest line kept, in UTF-16 units as JavaScript counts them (cut in JavaScript).
pub(super) const MAX_LINE: usize = 2_000;
/// Lines kept per call.
const MAX_LINES_PER_CALL: usize = 100;
/// Bytes kept per call.
const MAX_BYTES_PER_CALL: usize = 32 * 1024;

/// The `console` object's factory: a function of the Rust sink and the longest
/// line, returning the frozen `console` object.
pub(super) const CONSOLE_HELPER: &str = r#"(function () {
  return function (sink, max) {
    const render = function (value) {
      switch (typeof value) {
        case 'string': return value;
        case 'undefined': return 'undefined';
        case 'function': return '[Function]';
        case 'symbol': case 'bigint': return String(value);
      }
      if (value instanceof Error) return String(value);
      try {
        const json = JSON.stringify(value);
        return json === undefined ? String(value) : json;
      } catch (error) {
        return Object.prototype.toString.call(value);
      }
    };
    const method = function (level) {
      return function (...args) {
        let text = '';
        for (let i = 0; i < args.length && text.length <= max; i++) {
          text += (i > 0 ? ' ' : '') + render(args[i]);
        }
        if (text.length > max) text = text.slice(0, max) + '…';
        sink(level, text);
      };
    };
    return Object.freeze({
      log: method('log'), info: method('info'), warn: method('warn'),
      error: method('error'), debug: method('debug'),
    });
  };
})()"#;

/// The lines of the running call, bounded.
#[derive(Debug, Default)]
pub(super) struct ConsoleBuffer {
    lines: Vec<ConsoleLine>,
    bytes: usize,
    dropped: usize,
}

impl ConsoleBuffer {
    /// Keeps a line if the call's budget allows, else counts it as dropped.
    pub(super) fn push(&mut self, level: &str, text: String) {
        if self.lines.len() >= MAX_LINES_PER_CALL || self.bytes + text.len() > MAX_BYTES_PER_CALL {
            self.dropped += 1;
            return;
        }
        self.bytes += text.len();
        self.lines.push(ConsoleLine {
            level: ConsoleLevel::parse(level),
            text,
        });
    }

    /// Ends a call: its lines move to `into`, with one line saying how many
    /// were dropped, and the budget starts again.
    pub(super) fn finish_call(&mut self, into: &mut Vec<ConsoleLine>) {
        into.append(&mut self.lines);
        if self.dropped > 0 {
            into.push(ConsoleLine {
                level: ConsoleLevel::Warn,
                text: format!(
                    "… {} more console line(s) of this call were dropped (at most {MAX_LINES_PER_CALL} lines and {} KiB are kept per call)",
                    self.dropped,
                    MAX_BYTES_PER_CALL / 1024
                ),
            });
        }
        *self = ConsoleBuffer::default();
    }
}
