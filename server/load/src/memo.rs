//! The per-file work of loading, remembered across loads by the file's text
//! (the language server rebuilds on every edit; [`crate::load_with`]).
//!
//! For each URL the [`Memo`] keeps the last text it saw and what was derived
//! from that text alone: the YAML parse (tree, syntax errors, outer kind),
//! the line index, and, on first use, either the document's JSON (a schema
//! document, shared with the schema index) or what the file is as a catalog
//! source (its imports, C1b and lowered entities: [`CatalogSource`], after
//! which its JSON is dropped; 415 files of JSON were 9 MiB of a 1,000-
//! collection workspace's peak), and the `$ref`s of a schema document. A
//! text is recognised by pointer first (an editor hands out the same
//! `Arc<str>` for an unchanged buffer), then by content. Everything kept is
//! a function of the URL and the text, so a load through a memo produces
//! exactly what a load without one does. The one thing carried from an
//! earlier text of the URL is identity: an entity of the new text's lowering
//! that is equal as written to the previous text's at its scope is that
//! earlier `Arc` (`lower::reuse_unchanged`), so what is keyed by an entity's
//! address (the check units) is found again after a keystroke elsewhere in
//! the file.
//!
//! Entries not used since the previous [`Memo::sweep`] are dropped by the
//! next one, so memory follows the current catalog, not the edit history.

use foldhash::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use model::compact::Json;
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
    pub line_index: Arc<LineIndex>,
    pub outer: Option<Outer>,
    pub errors: Vec<SyntaxError>,
    /// The C1a that converting the document to JSON met, if any.
    pub json_error: Option<Diagnostic>,
    /// The whole document as JSON (`None` after a failed conversion, and
    /// once the file was read as a catalog source: its [`CatalogSource`]
    /// holds all a load needs, so a memo does not keep every catalog
    /// file's JSON; [`ParsedFile::json`] rebuilds it from the tree).
    json: Mutex<Option<Arc<Value>>>,
    /// What the file is as a catalog source.
    catalog: OnceLock<Arc<CatalogSource>>,
    /// What the previous text of the same URL was as a catalog source, if
    /// it was read as one: its unchanged entities are reused when this text
    /// is ([`lower::reuse_unchanged`]). Taken then, so no chain of earlier
    /// texts is kept.
    previous: Mutex<Option<Arc<CatalogSource>>>,
}

/// What a catalog source's text yields, read from its JSON once.
#[derive(Debug)]
pub(crate) struct CatalogSource {
    pub root: Root,
    /// The entries of its `import` list written as strings, resolved.
    pub imports: Vec<Import>,
    /// C1b (empty unless the root is a mapping).
    pub structure: Vec<Diagnostic>,
    /// What lowering it found (empty unless the root is a mapping).
    pub lowered: Vec<Event>,
}

/// An entry of a catalog source's `import` list written as a string.
#[derive(Debug)]
pub(crate) struct Import {
    pub written: String,
    /// The edge it makes (its scope `…#/import/2`, this file, the URL it
    /// names without fragment; shared by every load of this text), or
    /// where it is written and why it names no URL.
    pub edge: Result<Arc<model::Import>, (Scope, url::ParseError)>,
}

/// The imports of a catalog source, as [`Memo::catalog_imports`] gives them.
#[derive(Debug, Clone)]
pub struct CatalogImports(Arc<CatalogSource>);

impl CatalogImports {
    /// The URL (without fragment) of each import written as a valid URL,
    /// in list order.
    pub fn urls(&self) -> impl Iterator<Item = &Url> {
        self.0
            .imports
            .iter()
            .filter_map(|import| Some(&import.edge.as_ref().ok()?.to))
    }
}

/// What the root of a catalog source holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Root {
    /// Nothing (an empty file), or no JSON (a C1a was reported).
    Null,
    Mapping,
    /// Anything else, described (`a list`).
    Other(String),
}

impl ParsedFile {
    fn new(url: &Url, text: Arc<str>, previous: Option<Arc<CatalogSource>>) -> ParsedFile {
        let parse = syntax::parse(&text);
        // Its line starts are found when a position in it is first asked for.
        let line_index = LineIndex::lazy(Arc::clone(&text));
        let (json, json_error) = match parse.tree.document_json() {
            Ok(json) => (Some(Arc::new(json)), None),
            Err(error) => (
                None,
                Some(crate::yaml_error(
                    url,
                    &text,
                    &line_index,
                    error.range,
                    &error.message,
                )),
            ),
        };
        ParsedFile {
            text,
            tree: Arc::new(parse.tree),
            line_index: Arc::new(line_index),
            outer: parse.outer,
            errors: parse.errors,
            json_error,
            json: Mutex::new(json),
            catalog: OnceLock::new(),
            previous: Mutex::new(previous),
        }
    }

    /// The document's JSON (`null` when it does not convert: the C1a is
    /// [`ParsedFile::json_error`]).
    pub fn json(&self) -> Arc<Value> {
        if self.json_error.is_some() {
            return Arc::new(Value::Null);
        }
        let mut json = self
            .json
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let json = json.get_or_insert_with(|| {
            // Converted once before, so it converts again.
            Arc::new(self.tree.document_json().unwrap_or(Value::Null))
        });
        Arc::clone(json)
    }

    /// The document's JSON for a reader that consumes it (lowering): taken
    /// out of the parse (moved when nothing else holds it, else copied),
    /// so the parse no longer holds it.
    fn take_json(&self) -> Value {
        if self.json_error.is_some() {
            return Value::Null;
        }
        let held = self
            .json
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        match held {
            Some(json) => Arc::unwrap_or_clone(json),
            // Converted once before, so it converts again.
            None => self.tree.document_json().unwrap_or(Value::Null),
        }
    }

    fn holds_json(&self) -> bool {
        self.json
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some()
    }

    /// The file as a catalog source: its root, imports, C1b and entities,
    /// computed on first use. Lowering consumes its JSON (the entities
    /// take its inline schemas and test documents), so the parse no
    /// longer holds it, unless something else asks for it again.
    pub fn catalog_source(&self, url: &Url) -> Arc<CatalogSource> {
        let source = self.catalog.get_or_init(|| {
            let previous = self
                .previous
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take();
            let source = CatalogSource::new(url, self.take_json(), &self.tree, previous.as_deref());
            Arc::new(source)
        });
        Arc::clone(source)
    }
}

impl CatalogSource {
    /// Reads the catalog source `json` (consumed by lowering).
    fn new(url: &Url, json: Value, tree: &Tree, previous: Option<&CatalogSource>) -> CatalogSource {
        let root = match &json {
            Value::Null => Root::Null,
            Value::Object(_) => Root::Mapping,
            other => Root::Other(structure::describe(other)),
        };
        if root != Root::Mapping {
            return CatalogSource {
                root,
                imports: Vec::new(),
                structure: Vec::new(),
                lowered: Vec::new(),
            };
        }
        let scope = Scope::root(url.clone());
        let imports = json
            .get("import")
            .and_then(Value::as_array)
            .map(|entries| {
                let list = scope.push("import");
                entries
                    .iter()
                    .enumerate()
                    .filter_map(|(position, entry)| {
                        let written = entry.as_str()?;
                        let scope = list.push(position);
                        let edge = match url.join(written) {
                            Ok(mut to) => {
                                to.set_fragment(None);
                                Ok(Arc::new(model::Import {
                                    scope,
                                    from: url.clone(),
                                    to,
                                }))
                            }
                            Err(error) => Err((scope, error)),
                        };
                        Some(Import {
                            written: written.to_string(),
                            edge,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let Structure {
            diagnostics,
            unexpected,
        } = structure::check(&scope, &json);
        let mut lowered = lower::lower_catalog(&scope, json, &unexpected, &diagnostics, tree);
        if let Some(previous) = previous {
            lower::reuse_unchanged(&previous.lowered, &mut lowered);
        }
        CatalogSource {
            root,
            imports,
            structure: diagnostics,
            lowered,
        }
    }
}

/// What a schema document (a file or an inline schema) yields for the
/// schema index: the indexed document (added to each build's index as is)
/// and its `$ref`s, resolved.
#[derive(Debug)]
pub(crate) struct SchemaDocument {
    pub document: Arc<schema::Document>,
    pub refs: Vec<Reference>,
}

/// A `$ref` of a schema document, as a load follows it.
#[derive(Debug)]
pub(crate) struct Reference {
    /// Where it is written in the document (`<pointer>/$ref`).
    pub pointer: String,
    /// The document (or `$id` resource) it names: no fragment.
    pub target: Url,
    /// Why the document may not refer to `target`, if it may not.
    pub unreachable: Option<String>,
}

impl SchemaDocument {
    fn new(url: &Url, json: &Arc<Json>) -> SchemaDocument {
        // One walk indexes the document and finds its `$ref`s.
        let (document, refs) = schema::Document::with_refs(url, Arc::clone(json));
        let refs = refs
            .into_iter()
            .map(|reference| {
                let mut target = reference.target;
                target.set_fragment(None);
                Reference {
                    pointer: reference.pointer,
                    unreachable: crate::reachable(url, &target).err(),
                    target,
                }
            })
            .collect();
        SchemaDocument {
            document: Arc::new(document),
            refs,
        }
    }
}

#[derive(Debug)]
struct SchemaEntry {
    document: Arc<SchemaDocument>,
    used: AtomicBool,
}

/// The schema documents a memo holds.
#[derive(Debug, Default)]
struct Schemas {
    /// By URL (inline ones by their synthetic URL).
    by_url: HashMap<Url, Arc<SchemaEntry>>,
    /// The same entries by the address of their document's JSON
    /// (`Json::address`), which the entry keeps alive (so no other JSON can
    /// have it meanwhile): JSON shared across loads (an unchanged file's
    /// inline schema, an unchanged schema file's value) is found without
    /// hashing its URL.
    by_value: HashMap<usize, Arc<SchemaEntry>>,
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
    schemas: Mutex<Schemas>,
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
    /// Files held with their JSON (schema documents; a catalog source's is
    /// dropped once it was read as one).
    pub files_with_json: usize,
    /// Schema documents held (one per URL), and how many of them can be
    /// found by their JSON's address.
    pub schema_documents: (usize, usize),
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
    /// A new text's catalog source reuses the unchanged entities of the
    /// previous text's.
    pub(crate) fn parse(&self, url: &Url, text: Arc<str>) -> Arc<ParsedFile> {
        let previous = match self.lock().get(url) {
            Some(entry) if Arc::ptr_eq(&entry.file.text, &text) || *entry.file.text == *text => {
                entry.used.store(true, Ordering::Relaxed);
                return Arc::clone(&entry.file);
            }
            Some(entry) => entry.file.catalog.get().cloned(),
            None => None,
        };
        // Parsed without the lock held: other builds go on meanwhile.
        let file = Arc::new(ParsedFile::new(url, text, previous));
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

    /// The entries of the `import` list of the catalog source `text` at
    /// `url` written as strings (none when it is not a mapping), resolved
    /// once per text, from the same memoised parse a load of it uses.
    pub fn catalog_imports(&self, url: &Url, text: Arc<str>) -> CatalogImports {
        CatalogImports(self.parse(url, text).catalog_source(url))
    }

    /// The indexing and `$ref`s of the schema document `json` at `url`:
    /// the remembered ones when the JSON is the same (by address, else as
    /// written), else computed now (and remembered).
    pub(crate) fn schema_document(&self, url: &Url, json: &Arc<Json>) -> Arc<SchemaDocument> {
        let lock = || {
            self.schemas
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        {
            let schemas = lock();
            let found = match schemas.by_value.get(&json.address()) {
                // The loader gives URLs without fragment, as the index keeps them.
                Some(entry) if entry.document.document.url() == url => Some(entry),
                _ => schemas.by_url.get(url).filter(|entry| {
                    let was = entry.document.document.json();
                    Arc::ptr_eq(was, json) || was.same_as(json)
                }),
            };
            if let Some(entry) = found {
                entry.used.store(true, Ordering::Relaxed);
                return Arc::clone(&entry.document);
            }
        }
        let document = Arc::new(SchemaDocument::new(url, json));
        self.schema_indexings.fetch_add(1, Ordering::Relaxed);
        let entry = Arc::new(SchemaEntry {
            document: Arc::clone(&document),
            used: AtomicBool::new(true),
        });
        let mut schemas = lock();
        schemas.by_value.insert(json.address(), Arc::clone(&entry));
        if let Some(replaced) = schemas.by_url.insert(url.clone(), entry) {
            let key = replaced.document.document.json().address();
            if schemas
                .by_value
                .get(&key)
                .is_some_and(|held| Arc::ptr_eq(held, &replaced))
            {
                schemas.by_value.remove(&key);
            }
        }
        document
    }

    /// Drops every file and schema document not used since the previous
    /// sweep.
    pub fn sweep(&self) {
        self.lock()
            .retain(|_, entry| entry.used.swap(false, Ordering::Relaxed));
        let mut schemas = self
            .schemas
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        schemas
            .by_value
            .retain(|_, entry| entry.used.load(Ordering::Relaxed));
        schemas
            .by_url
            .retain(|_, entry| entry.used.swap(false, Ordering::Relaxed));
    }

    /// Whether the memo holds no file (a cold start).
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    pub fn stats(&self) -> MemoStats {
        let schema_documents = {
            let schemas = self
                .schemas
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            (schemas.by_url.len(), schemas.by_value.len())
        };
        let files = self.lock();
        MemoStats {
            parses: self.parses.load(Ordering::Relaxed),
            schema_indexings: self.schema_indexings.load(Ordering::Relaxed),
            files: files.len(),
            files_with_json: files
                .values()
                .filter(|entry| entry.file.holds_json())
                .count(),
            schema_documents,
        }
    }
}

/// A schema document's indexing through `memo`, or without one.
pub(crate) fn schema_document(
    memo: Option<&Memo>,
    url: &Url,
    json: &Arc<Json>,
) -> Arc<SchemaDocument> {
    match memo {
        Some(memo) => memo.schema_document(url, json),
        None => Arc::new(SchemaDocument::new(url, json)),
    }
}

/// The parse of a file through `memo`, or without one.
pub(crate) fn parse(memo: Option<&Memo>, url: &Url, text: Arc<str>) -> Arc<ParsedFile> {
    match memo {
        Some(memo) => memo.parse(url, text),
        None => Arc::new(ParsedFile::new(url, text, None)),
    }
}
