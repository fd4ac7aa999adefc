//! What compiling a lambda body needs before QuickJS sees it, kept once per
//! process by body text: the body's type stripping (tree-sitter parsing and
//! walking a 1 MB body costs more than QuickJS compiling it) and, per
//! lambda kind, whether the body passed the containment parse (see
//! `quickjs`'s module docs). C29's check and every test worker's host
//! compile the same bodies; with this each body is stripped once and parsed
//! for containment once, whichever thread gets there first.
//!
//! Both are functions of the body text alone (and of the kind, which fixes
//! the parameters and so the containment text), so a remembered verdict is
//! the verdict a new parse would give: the containment label is random, but
//! a body cannot name a label it does not know, so its verdict does not
//! depend on the label. Only passed verdicts are kept; a failing body is
//! parsed again (its error names the lambda). The cache holds at most
//! [`MAX_BYTES`] of bodies and starts afresh when more arrive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use super::LambdaKind;

/// Bytes of body text (and about as much stripped text) kept at most.
const MAX_BYTES: usize = 64 << 20;

/// One body's type stripping and containment verdicts.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub stripped: typescript::Stripped,
    /// Whether the containment parse passed, per kind (`Update`, `Publish`).
    contained: [AtomicBool; 2],
}

impl Prepared {
    pub fn is_contained(&self, kind: LambdaKind) -> bool {
        self.contained[index(kind)].load(Ordering::Relaxed)
    }

    pub fn set_contained(&self, kind: LambdaKind) {
        self.contained[index(kind)].store(true, Ordering::Relaxed);
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

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    // Entries are complete once inserted: a panic elsewhere leaves none half-made.
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The body's stripping and verdicts: remembered, or stripped now (outside
/// the lock, so other threads go on meanwhile) and remembered.
pub(crate) fn prepared(body: &str) -> Arc<Prepared> {
    if let Some(prepared) = lock().bodies.get(body) {
        return Arc::clone(prepared);
    }
    let prepared = Arc::new(Prepared {
        stripped: typescript::strip_types(body),
        contained: Default::default(),
    });
    let mut cache = lock();
    if cache.bytes + body.len() > MAX_BYTES {
        *cache = Cache::default();
    }
    if body.len() <= MAX_BYTES {
        cache.bytes += body.len();
        cache
            .bodies
            .entry(body.to_owned())
            .or_insert_with(|| Arc::clone(&prepared));
    }
    prepared
}
