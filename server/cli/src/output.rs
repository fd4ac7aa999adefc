//! Standard output and error for every command, with write errors handled
//! the way command-line tools should (issue #12): a closed pipe (EPIPE, as
//! when `flowctl lint | head` stops reading) is not an error — further output
//! is dropped and the command ends with its own exit code — and any other
//! write error (`> /dev/full`) is returned, so `main` prints one line on
//! stderr and exits 2. Nothing here panics, unlike `println!`.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use termcolor::{ColorSpec, WriteColor};

/// Set once stdout or stderr was found closed: everything later is dropped.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// A writer that swallows a closed pipe (see the module docs).
pub struct Guarded<W>(pub W);

impl<W> Guarded<W> {
    fn guard<T>(result: io::Result<T>, closed: T) -> io::Result<T> {
        match result {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                CLOSED.store(true, Ordering::Relaxed);
                Ok(closed)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for Guarded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if CLOSED.load(Ordering::Relaxed) {
            return Ok(buf.len());
        }
        Self::guard(self.0.write(buf), buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if CLOSED.load(Ordering::Relaxed) {
            return Ok(());
        }
        Self::guard(self.0.flush(), ())
    }
}

impl<W: WriteColor> WriteColor for Guarded<W> {
    fn supports_color(&self) -> bool {
        self.0.supports_color()
    }

    fn set_color(&mut self, spec: &ColorSpec) -> io::Result<()> {
        if CLOSED.load(Ordering::Relaxed) {
            return Ok(());
        }
        Self::guard(self.0.set_color(spec), ())
    }

    fn reset(&mut self) -> io::Result<()> {
        if CLOSED.load(Ordering::Relaxed) {
            return Ok(());
        }
        Self::guard(self.0.reset(), ())
    }
}

/// Standard output, locked.
pub fn stdout() -> Guarded<io::StdoutLock<'static>> {
    Guarded(io::stdout().lock())
}

/// Writes `text` and a newline to stdout, and flushes: what `println!` does,
/// without the panic.
pub fn print_line(text: &str) -> Result<(), String> {
    let mut out = stdout();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(write_error)
}

/// Flushes stdout (what is still buffered when a command ends).
pub fn flush() -> Result<(), String> {
    stdout().flush().map_err(write_error)
}

/// The one line `main` prints for a write error.
pub fn write_error(error: io::Error) -> String {
    format!("cannot write the output: {error}")
}

/// Writes one line to stderr, ignoring failure (there is nowhere left to
/// report it).
pub fn eprint_line(text: &str) {
    let _ = writeln!(Guarded(io::stderr().lock()), "{text}");
}
