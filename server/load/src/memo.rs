//! The per-file work of loading, remembered across loads by the file's text
//! (the language server rebuilds on every edit; [`crate::load_with`]).
//!
//! For each URL the [`Memo`] keeps the last text it saw and what was derived
//! from that text alone: the YAML parse (tree, syntax errors, outer kind),
//! the line index, the document's JSON, and, on first use, the structure
//! check of a catalog source (C1b) or the `$ref`s of a schema document. A
//! text is recognised by pointer first (an editor hands out the same
//! `Arc<str>` for an unchanged buffer), then by content. Everything kept is
//! a function of the URL and the text, so a load through a memo produces
//! exactly what a load without one does.
//!
//! Entries not used since the previous [`Memo::sweep`] are dropped by the
//! next one, so memory follows the current catalog, not the edit history.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use model::{Diagnostic, Scope};
use serde_json::Value;
use syntax::{Outer, SyntaxError, Tree};
use text::LineIndex;
use url::Url;

use crate::lower::{self, Event};
use crate::structure::{self, Structure};

/// What one file's text yields, whatever it is loaded as.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub text: Arc<str>,
    pub tree: Arc<Tree>,
    pub line_index: LineIndex,
    pub outer: Option<Outer>,
    pub errors: Vec<SyntaxError>,
    /// The whole document as JSON, or the C1a that converting it met.
    pub json: Result<Arc<Value>, Diagnostic>,
    /// C1b of the file as a catalog source (only when it is a mapping).
    structure: OnceLock<Structure>,
    /// What lowering it as a catalog source found.
    lowered: OnceLock<Vec<Event>>,
}

impl ParsedFile {
    fn new(url: &Url, text: Arc<str>) -> ParsedFile {
        let parse = syntax::parse(&text);
        let line_index = LineIndex::new(&text);
        let json = parse.tree.document_json().map(Arc::new).map_err(|error| {
            crate::yaml_error(url, &text, &line_index, error.range, &error.message)
        });
        ParsedFile {
            text,
            tree: Arc::new(parse.tree),
            line_index,
            outer: parse.outer,
            errors: parse.errors,
            json,
            structure: OnceLock::new(),
            lowered: OnceLock::new(),
        }
    }

    /// C1b of the file as a catalog source whose JSON is `json`.
    pub fn structure(&self, url: &Url, json: &Value) -> &Structure {
        self.structure
            .get_or_init(|| structure::check(&Scope::root(url.clone()), json))
    }

    /// The entities of the file as a catalog source whose JSON is `json`,
    /// kept for the next load of the same text.
    pub fn lowered(&self, url: &Url, json: &Value) -> &[Event] {
        self.lowered.get_or_init(|| self.lower(url, json))
    }

    /// [`ParsedFile::lowered`], not kept.
    pub fn lower(&self, url: &Url, json: &Value) -> Vec<Event> {
        let structure = self.structure(url, json);
        lower::lower_catalog(
            &Scope::root(url.clone()),
            json,
            &structure.unexpected,
            &structure.diagnostics,
            &self.tree,
        )
    }
}

/// What a schema document (a file or an inline schema) yields for the
/// schema index: its indexing and its `$ref`s.
#[derive(Debug)]
pub(crate) struct SchemaDocument {
    pub value: Arc<Value>,
    pub indexed: Arc<schema::DocumentIndex>,
    pub refs: Vec<schema::SchemaRef>,
}

impl SchemaDocument {
    fn new(url: &Url, value: &Arc<Value>) -> SchemaDocument {
        let mut document_url = url.clone();
        document_url.set_fragment(None);
        SchemaDocument {
            value: Arc::clone(value),
            indexed: Arc::new(schema::DocumentIndex::new(&document_url, value)),
            refs: schema::collect_refs(url, value),
        }
    }
}

#[derive(Debug)]
struct SchemaEntry {
    document: Arc<SchemaDocument>,
    used: AtomicBool,
}

#[derive(Debug)]
struct Entry {
    file: Arc<ParsedFile>,
    /// Used since the last sweep.
    used: AtomicBool,
}

/// Per-file loading work kept across loads, keyed by URL and text.
/// `Send + Sync`: builds on any thread share one.
#[derive(Debug, Default)]
pub struct Memo {
    files: Mutex<HashMap<Url, Entry>>,
    parses: AtomicUsize,
    /// Schema documents by URL (inline ones by their synthetic URL).
    schemas: Mutex<HashMap<Url, SchemaEntry>>,
    schema_indexings: AtomicUsize,
}

/// How much work a [`Memo`] has done and holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoStats {
    /// Texts parsed (a text met again is not counted again).
    pub parses: usize,
    /// Schema documents indexed (likewise).
    pub schema_indexings: usize,
    /// Files held.
    pub files: usize,
}

impl Memo {
    pub fn new() -> Memo {
        Memo::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Url, Entry>> {
        // Entries are immutable once inserted: a panic elsewhere cannot
        // leave the map inconsistent.
        self.files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The parse of `text` at `url`: the remembered one when the text is
    /// the same, else parsed now (and remembered).
    pub(crate) fn parse(&self, url: &Url, text: Arc<str>) -> Arc<ParsedFile> {
        if let Some(entry) = self.lock().get(url)
            && (Arc::ptr_eq(&entry.file.text, &text) || *entry.file.text == *text)
        {
            entry.used.store(true, Ordering::Relaxed);
            return Arc::clone(&entry.file);
        }
        // Parsed without the lock held: other builds go on meanwhile.
        let file = Arc::new(ParsedFile::new(url, text));
        self.parses.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(
            url.clone(),
            Entry {
                file: Arc::clone(&file),
                used: AtomicBool::new(true),
            },
        );
        file
    }

    /// The JSON of the document `text` at `url` (`None` when it does not
    /// convert), from the same memoised parse a load of it uses.
    pub fn document_json(&self, url: &Url, text: Arc<str>) -> Option<Arc<Value>> {
        self.parse(url, text).json.as_ref().ok().cloned()
    }

    /// The indexing and `$ref`s of the schema document `value` at `url`:
    /// the remembered ones when the value is the same (by pointer, else as
    /// written), else computed now (and remembered).
    pub(crate) fn schema_document(&self, url: &Url, value: &Arc<Value>) -> Arc<SchemaDocument> {
        let lock = || {
            self.schemas
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(entry) = lock().get(url) {
            let was = &entry.document.value;
            if Arc::ptr_eq(was, value) || json::order::identical(was, value) {
                entry.used.store(true, Ordering::Relaxed);
                return Arc::clone(&entry.document);
            }
        }
        let document = Arc::new(SchemaDocument::new(url, value));
        self.schema_indexings.fetch_add(1, Ordering::Relaxed);
        lock().insert(
            url.clone(),
            SchemaEntry {
                document: Arc::clone(&document),
                used: AtomicBool::new(true),
            },
        );
        document
    }

    /// Drops every file and schema document not used since the previous
    /// sweep.
    pub fn sweep(&self) {
        self.lock()
            .retain(|_, entry| entry.used.swap(false, Ordering::Relaxed));
        self.schemas
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|_, entry| entry.used.swap(false, Ordering::Relaxed));
    }

    pub fn stats(&self) -> MemoStats {
        MemoStats {
            parses: self.parses.load(Ordering::Relaxed),
            schema_indexings: self.schema_indexings.load(Ordering::Relaxed),
            files: self.lock().len(),
        }
    }
}

/// A schema document's indexing through `memo`, or without one.
pub(crate) fn schema_document(
    memo: Option<&Memo>,
    url: &Url,
    value: &Arc<Value>,
) -> Arc<SchemaDocument> {
    match memo {
        Some(memo) => memo.schema_document(url, value),
        None => Arc::new(SchemaDocument::new(url, value)),
    }
}

/// The parse of a file through `memo`, or without one.
pub(crate) fn parse(memo: Option<&Memo>, url: &Url, text: Arc<str>) -> Arc<ParsedFile> {
    match memo {
        Some(memo) => memo.parse(url, text),
        None => Arc::new(ParsedFile::new(url, text)),
    }
}
