//! Parallel pre-parsing for a cold load ([`load_parallel`]): the per-file
//! work of a load (read, YAML parse, line index, what a catalog source
//! yields, a schema document's indexing and `$ref`s) is a function of the
//! URL and the text alone, so a small pool of threads can do it for every
//! file the root reaches before the sequential loader walks the import
//! graph. The loader then finds each file's work in a [`Memo`] and only
//! assembles: the result is exactly [`crate::load`]'s, because it is
//! [`crate::load_with`] over a memo, which is exact by construction.
//!
//! Discovery follows what a load follows: a catalog source's string
//! imports and the schemas its collections name (its inline schemas are
//! indexed here too), and a schema document's `$ref`s. Only `file:` URLs
//! are read ahead, and only where a load may read them
//! ([`crate::reachable`]); anything else (remote or mapped URLs, whose
//! reads may be slow or cost a request) is left to the loader, which reads
//! it when it gets there. Reads go through the caller's [`Fetch`]; the
//! texts read are handed to the loader by [`Prefetched`], so each file is
//! read once and recognised by the memo by pointer.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex};

use model::compact::Json;
use model::{ResourceKind, SchemaSpec};
use url::Url;

use crate::lower::Event;
use crate::{Fetch, Loaded, Memo};

/// Most threads a prefetch uses (the calling thread included).
const MAX_THREADS: usize = 8;

/// Loads the catalog rooted at `root` as [`crate::load`] does, with the
/// per-file work done first on up to `threads` threads (the calling one
/// included; at most [`MAX_THREADS`]). With one thread it is [`crate::load`].
pub fn load_parallel(root: &Url, fetch: &(dyn Fetch + Sync), threads: usize) -> Loaded {
    let threads = threads.min(MAX_THREADS);
    if threads <= 1 {
        return crate::load(root, fetch);
    }
    let memo = Memo::new();
    let prefetched = prefetch(std::slice::from_ref(root), fetch, &memo, threads);
    crate::load_with(root, &prefetched, &memo)
}

/// Reads and parses the catalog sources `roots` and every `file:` resource
/// they reach into `memo` on `threads` threads. The returned fetcher serves
/// the texts read (each once) and asks `fetch` for anything else.
pub fn prefetch<'f>(
    roots: &[Url],
    fetch: &'f (dyn Fetch + Sync),
    memo: &Memo,
    threads: usize,
) -> Prefetched<'f> {
    let work = Work {
        fetch,
        memo,
        state: Mutex::new(State {
            queue: roots
                .iter()
                .map(|root| (root.clone(), ResourceKind::Catalog))
                .collect(),
            seen: roots.iter().cloned().collect(),
            busy: 0,
        }),
        changed: Condvar::new(),
        texts: Mutex::new(HashMap::new()),
    };
    std::thread::scope(|scope| {
        for _ in 1..threads.max(1) {
            scope.spawn(|| work.run());
        }
        work.run();
    });
    Prefetched {
        texts: Mutex::new(lock(&work.texts).drain().collect()),
        base: fetch,
    }
}

/// The texts a [`prefetch`] read, each handed out once, over the fetcher
/// they were read with.
pub struct Prefetched<'f> {
    texts: Mutex<HashMap<Url, Result<Arc<str>, String>>>,
    base: &'f (dyn Fetch + Sync),
}

impl Fetch for Prefetched<'_> {
    fn fetch(&self, url: &Url) -> Result<Arc<str>, String> {
        // Taken, not cloned: a text is read once per load.
        let read = lock(&self.texts).remove(url);
        match read {
            Some(read) => read,
            None => self.base.fetch(url),
        }
    }
}

/// One resource being worked on: when done (or when its work panicked, so
/// that the other threads end too and the panic reaches the caller), its
/// finds are queued and the thread is no longer busy.
struct Busy<'w, 'a> {
    work: &'w Work<'a>,
    found: Vec<(Url, ResourceKind)>,
}

impl Drop for Busy<'_, '_> {
    fn drop(&mut self) {
        let mut state = lock(&self.work.state);
        state.busy -= 1;
        for (target, kind) in std::mem::take(&mut self.found) {
            if state.seen.insert(target.clone()) {
                state.queue.push_back((target, kind));
            }
        }
        drop(state);
        self.work.changed.notify_all();
    }
}

/// The shared state of one prefetch.
struct Work<'a> {
    fetch: &'a (dyn Fetch + Sync),
    memo: &'a Memo,
    state: Mutex<State>,
    /// Signalled when work is queued or the last busy thread finishes.
    changed: Condvar,
    texts: Mutex<HashMap<Url, Result<Arc<str>, String>>>,
}

struct State {
    queue: VecDeque<(Url, ResourceKind)>,
    /// Every URL queued so far (a URL is read once, whatever it is used as).
    seen: HashSet<Url>,
    /// Threads working on a resource (which may queue more).
    busy: usize,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing held is left half-changed by a panic elsewhere.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Work<'_> {
    /// Takes resources off the queue until it is empty and no thread can
    /// add to it.
    fn run(&self) {
        loop {
            let next = {
                let mut state = lock(&self.state);
                loop {
                    if let Some(next) = state.queue.pop_front() {
                        state.busy += 1;
                        break Some(next);
                    }
                    if state.busy == 0 {
                        break None;
                    }
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
            };
            let Some((url, kind)) = next else {
                self.changed.notify_all();
                return;
            };
            let mut busy = Busy {
                work: self,
                found: Vec::new(),
            };
            busy.found = self.resource(&url, kind);
        }
    }

    /// Reads and parses one resource as `kind`; returns the resources it
    /// refers to.
    fn resource(&self, url: &Url, kind: ResourceKind) -> Vec<(Url, ResourceKind)> {
        let read = self.fetch.fetch(url);
        lock(&self.texts).insert(url.clone(), read.clone());
        let Ok(text) = read else {
            return Vec::new();
        };
        let parse = self.memo.parse(url, text);
        if crate::wrong_kind(&parse, kind).is_some() {
            return Vec::new();
        }
        let mut found = Vec::new();
        match kind {
            // The inline schemas' values that lowering compacts are held
            // until they are indexed here: no parse of their text.
            ResourceKind::Catalog => model::compact::holding(|| {
                let source = parse.catalog_source(url);
                for import in &source.imports {
                    if let Ok(edge) = &import.edge {
                        self.follow(url, edge.to.clone(), ResourceKind::Catalog, &mut found);
                    }
                }
                for event in source.lowered.iter() {
                    let Event::Collection(collection) = event else {
                        continue;
                    };
                    for (place, schema) in collection.schemas() {
                        let Ok(schema_url) = &place.url else {
                            continue;
                        };
                        match schema {
                            SchemaSpec::Url(_) => {
                                let mut to = schema_url.clone();
                                to.set_fragment(None);
                                self.follow(url, to, ResourceKind::Schema, &mut found);
                            }
                            SchemaSpec::Inline(inline) => {
                                self.schema(schema_url, &inline.0, &mut found);
                            }
                        }
                    }
                }
            }),
            _ => self.schema(url, &Arc::new(Json::shared(parse.json())), &mut found),
        }
        found
    }

    /// Indexes a schema document; adds the documents its `$ref`s name.
    fn schema(&self, url: &Url, json: &Arc<Json>, found: &mut Vec<(Url, ResourceKind)>) {
        let document = self.memo.schema_document(url, json);
        if document.refs.is_empty() {
            return;
        }
        // A resource the document declares itself (an `$id`) is not
        // fetched by a load.
        let declared: HashSet<&str> = document.document.declared_resources().collect();
        for reference in &document.refs {
            let mut to = reference.target.clone();
            to.set_fragment(None);
            if to != *url && !declared.contains(to.as_str()) {
                self.follow(url, to, ResourceKind::Schema, found);
            }
        }
    }

    /// Adds `to` when a load could read it from `from` and it is a local file.
    fn follow(
        &self,
        from: &Url,
        to: Url,
        kind: ResourceKind,
        found: &mut Vec<(Url, ResourceKind)>,
    ) {
        if to.scheme() == "file" && crate::reachable(from, &to).is_ok() {
            found.push((to, kind));
        }
    }
}
