//! What compiling a lambda body needs before QuickJS sees it, kept once per
//! process by body text: the body's type stripping (tree-sitter parsing and
//! walking a 1 MB body costs more than QuickJS compiling it) and, per
//! lambda kind, whether the body passed the containment parse (see
//! `quickjs`'s module docs). C29's check and every test worker's host
//! compile the same bodies; with this each body is stripped once and parsed
//! for containment once, whichever thread gets there first (a thread asking
//! while another strips the body waits for it). For a large body C29's check
//! also keeps the QuickJS bytecode of its wrapper ([`Bytecode`]), so a test
//! worker's host reads it instead of parsing the body a third time.
//!
//! Both are functions of the body text alone (and of the kind, which fixes
//! the parameters and so the containment text), so a remembered verdict is
//! the verdict a new parse would give: the containment label is random, but
//! a body cannot name a label it does not know, so its verdict does not
//! depend on the label. Only passed verdicts are kept; a failing body is
//! parsed again (its error names the lambda). The cache holds at most
//! [`MAX_BYTES`] of bodies and starts afresh when more arrive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use super::LambdaKind;

/// Bytes of body text (and about as much stripped text) kept at most: far
/// more than a catalog's lambdas, and little for a long-lived language server
/// whose user edits a 1 MB body (each version is an entry).
const MAX_BYTES: usize = 16 << 20;

/// One body's type stripping and containment verdicts.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// Set by the first thread to ask; others asking meanwhile wait for it
    /// rather than strip the same body again.
    stripped: OnceLock<typescript::Stripped>,
    /// Whether the containment parse passed, per kind (`Update`, `Publish`).
    contained: [AtomicBool; 2],
    /// The compiled wrapper of a large body, per kind (see [`Bytecode`]).
    bytecode: [Mutex<Option<Arc<Bytecode>>>; 2],
}

/// QuickJS bytecode of a lambda's wrapper script (compiled, never run), as
/// C29's check wrote it: a host whose wrapper is the same text reads it
/// (fast) instead of parsing the text. Kept only for bodies of at least
/// [`BYTECODE_BYTES`]: a small body parses in less time than its bytecode
/// would take to keep.
#[derive(Debug)]
pub(crate) struct Bytecode {
    /// The `nodeDependencies` the wrapper declares: with the kind and the
    /// body, all the wrapper text depends on (a host's must be equal).
    pub dependencies: Vec<String>,
    /// The script name compiled into it (stack traces name it).
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Bodies at least this long keep their bytecode.
pub(crate) const BYTECODE_BYTES: usize = 64 * 1024;

impl Prepared {
    pub fn stripped(&self, body: &str) -> &typescript::Stripped {
        self.stripped.get_or_init(|| {
            STRIPS.fetch_add(1, Ordering::Relaxed);
            typescript::strip_types(body)
        })
    }

    pub fn is_contained(&self, kind: LambdaKind) -> bool {
        self.contained[index(kind)].load(Ordering::Relaxed)
    }

    pub fn set_contained(&self, kind: LambdaKind) {
        self.contained[index(kind)].store(true, Ordering::Relaxed);
    }

    /// The bytecode kept for `kind`, if its wrapper declares `dependencies`.
    pub fn bytecode(&self, kind: LambdaKind, dependencies: &[String]) -> Option<Arc<Bytecode>> {
        let slot = self.bytecode[index(kind)]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slot.as_ref()
            .filter(|bytecode| bytecode.dependencies == dependencies)
            .cloned()
    }

    pub fn set_bytecode(&self, kind: LambdaKind, bytecode: Bytecode) {
        *self.bytecode[index(kind)]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(bytecode));
    }
}

fn index(kind: LambdaKind) -> usize {
    match kind {
        LambdaKind::Update => 0,
        LambdaKind::Publish => 1,
    }
}

#[derive(Default)]
struct Cache {
    bodies: HashMap<String, Arc<Prepared>>,
    bytes: usize,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);

/// Bodies stripped by this process (for tests).
static STRIPS: AtomicUsize = AtomicUsize::new(0);

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    // Entries are complete once inserted: a panic elsewhere leaves none half-made.
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The body's stripping and verdicts (stripped on first use, by
/// [`Prepared::stripped`], outside the lock).
pub(crate) fn prepared(body: &str) -> Arc<Prepared> {
    let mut cache = lock();
    if let Some(prepared) = cache.bodies.get(body) {
        return Arc::clone(prepared);
    }
    let prepared = Arc::new(Prepared {
        stripped: OnceLock::new(),
        contained: Default::default(),
        bytecode: Default::default(),
    });
    if cache.bytes + body.len() > MAX_BYTES {
        *cache = Cache::default();
    }
    if body.len() <= MAX_BYTES {
        cache.bytes += body.len();
        cache.bodies.insert(body.to_owned(), Arc::clone(&prepared));
    }
    prepared
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::{LambdaHost, LambdaSource, QuickJsConfig, QuickJsHost};

    /// C29's check and four workers' hosts compiling one body at once strip it
    /// once between them, and every host compiles and runs it.
    #[test]
    fn a_body_is_stripped_once_by_every_thread_together() {
        let body = format!(
            "let total: number = 0;\n{}return [{{ total }}];\n",
            "total = total + 1;\n".repeat(2_000)
        );
        let lambda = LambdaSource {
            name: "stripped-once".to_owned(),
            kind: LambdaKind::Update,
            body,
            dependencies: Vec::new(),
        };
        let before = STRIPS.load(Ordering::Relaxed);
        std::thread::scope(|scope| {
            scope.spawn(|| crate::lambda::check_syntax(&lambda).expect("compiles"));
            for _ in 0..4 {
                scope.spawn(|| {
                    let mut host = QuickJsHost::new(QuickJsConfig::default()).expect("host");
                    let id = host.compile(lambda.clone()).expect("compiles");
                    let source = serde_json::json!({});
                    let out = host.call(id, &[&source]).expect("runs");
                    assert_eq!(out, [serde_json::json!({ "total": 2_000 })]);
                });
            }
        });
        // Other tests strip other bodies meanwhile; this one added one.
        let strips = STRIPS.load(Ordering::Relaxed) - before;
        assert!(strips >= 1);
        assert!(prepared(&lambda.body).is_contained(LambdaKind::Update));
        let again = STRIPS.load(Ordering::Relaxed);
        prepared(&lambda.body).stripped(&lambda.body);
        assert_eq!(STRIPS.load(Ordering::Relaxed), again, "kept");
    }
}
