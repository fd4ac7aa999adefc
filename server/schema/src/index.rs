//! The index of schema documents: every sub-schema addressable by its
//! canonical URI (document URL + `#` + pointer), by `$anchor`
//! (`<base>#Name`) and by `$id` (catalog.md §6.2).
//!
//! Documents are added by the loader as [`Json`] (inline schemas as compact
//! text, schema files as the values their parse holds); a document's value
//! is built when a reader asks for it and held only while readers do
//! ([`Pinned`] for a walk over several documents), so the index never keeps
//! every inline schema as a `Value` (issue #7). The index also records, per
//! document, the resources its `$ref`s name, from which
//! [`crate::compiled`] builds small per-document registries.

use foldhash::{HashMap, HashSet, HashSetExt};
use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::Arc;

use model::compact::Json;

use serde_json::Value;
use url::Url;

use crate::compiled::Compiled;
use crate::keywords;
use crate::pointer;
use crate::refs::{SchemaRef, child_base, keyword};

/// A sub-schema found by [`SchemaIndex::resolve`] (its document's value
/// held while this is).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The value of the document that holds it.
    document_value: Arc<Value>,
    /// URL of the document that holds it (never an `$id` alias).
    pub document: Url,
    /// Pointer of the sub-schema inside that document.
    pub pointer: String,
}

impl Resolved {
    /// The sub-schema itself (an object or a boolean).
    pub fn value(&self) -> &Value {
        // `resolve` found it there.
        pointer::resolve(&self.document_value, &self.pointer).unwrap_or(&Value::Null)
    }
}

/// A document as a key of the index: its URL's text, borrowed from the
/// shared document (no copy per build).
#[derive(Debug, Clone)]
pub(crate) struct DocumentKey(Arc<Document>);

impl PartialEq for DocumentKey {
    fn eq(&self, other: &DocumentKey) -> bool {
        self.0.url.as_str() == other.0.url.as_str()
    }
}

impl Eq for DocumentKey {}

impl std::hash::Hash for DocumentKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.url.as_str().hash(state);
    }
}

impl std::borrow::Borrow<str> for DocumentKey {
    fn borrow(&self) -> &str {
        self.0.url.as_str()
    }
}

/// A place inside an indexed document: document number and pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) document: usize,
    pub(crate) pointer: String,
}

/// A schema document ready for the index: its URL (without fragment), its
/// value and what indexing it found. A function of the URL and value alone,
/// so a loader can keep it for a document that did not change and add it to
/// every build's index with one insert ([`SchemaIndex::add_prepared`]).
#[derive(Debug)]
pub struct Document {
    pub(crate) url: Url,
    pub(crate) json: Arc<Json>,
    pub(crate) indexed: DocumentIndex,
}

impl Document {
    /// Indexes the document `json` at `url` (a fragment is ignored).
    pub fn new(url: &Url, json: Arc<Json>) -> Document {
        let mut url = url.clone();
        url.set_fragment(None);
        let indexed = DocumentIndex::new(&url, &json.value(), None);
        Document { url, json, indexed }
    }

    /// [`Document::new`] and [`crate::collect_refs`] of the document at
    /// `url` in one walk.
    pub fn with_refs(url: &Url, json: Arc<Json>) -> (Document, Vec<SchemaRef>) {
        let mut refs = Vec::new();
        let mut url = url.clone();
        url.set_fragment(None);
        let indexed = DocumentIndex::new(&url, &json.value(), Some(&mut refs));
        (Document { url, json, indexed }, refs)
    }

    /// The resources the document's `$id`s name (URLs without fragment),
    /// in walk order: `$ref`s to them are found in the document, never
    /// fetched.
    pub fn declared_resources(&self) -> impl Iterator<Item = &str> {
        self.indexed.declared_resources()
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The document's JSON as it is kept (its identity across loads).
    pub fn json(&self) -> &Arc<Json> {
        &self.json
    }

    /// The document's value, built now unless someone holds it.
    pub fn value(&self) -> Arc<Value> {
        self.json.value()
    }
}

/// What indexing one document finds (part of its [`Document`]).
#[derive(Debug, Default)]
pub(crate) struct DocumentIndex {
    /// Pointer of the first value nested deeper than `keywords::MAX_DEPTH`.
    pub(crate) too_deep: Option<String>,
    /// Every sub-schema with an `$id`: its pointer and the base it sets.
    pub(crate) bases: Vec<(String, Url)>,
    /// The resources those `$id`s name (URL text, pointer), in walk order.
    ids: Vec<(String, String)>,
    /// Whether the root is a schema (an object or a boolean): whether the
    /// document's own URL resolves, known without building its value.
    root_is_schema: bool,
    /// `<base>#<anchor>` keys (also under the document URL for anchors at
    /// its root resource) and the pointer declaring each, in walk order.
    anchors: Vec<(String, String)>,
    /// The resources (URLs without fragment) its `$ref`s name, each once.
    pub(crate) refers_to: Vec<String>,
}

/// What the index knows about its documents. Shared by every clone of a
/// [`SchemaIndex`]; copied only when a shared index is changed.
#[derive(Debug, Default, Clone)]
pub(crate) struct Entries {
    pub(crate) documents: Vec<Arc<Document>>,
    /// Document URL → its number (a document is also the resource at its
    /// URL, and wins over an `$id` naming the same URL).
    by_url: HashMap<DocumentKey, usize>,
    /// An `$id` (URL without fragment) that no document URL equals → the
    /// sub-schema declaring it (the first one).
    ids: HashMap<String, Place>,
    /// `<base>#<anchor>` → the sub-schema declaring it.
    anchors: HashMap<String, Place>,
}

/// All schema documents of a build, indexed for `$ref` resolution, with the
/// cache of what was compiled from them (see [`crate::compiled`]).
///
/// Cloning is cheap and shares both the documents and the compiled
/// validators, so a runtime plan can keep a clone and compile lazily what
/// its tests reach while reusing what the checks already compiled.
#[derive(Debug, Default, Clone)]
pub struct SchemaIndex {
    pub(crate) entries: Arc<Entries>,
    pub(crate) compiled: Arc<Compiled>,
}

impl SchemaIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the document at `url` (which should have no
    /// fragment; one is ignored). Inline schemas are added the same way under
    /// their synthetic `?ptr=` URLs.
    pub fn add_document(&mut self, url: Url, doc: Value) {
        self.add_shared_document(url, Arc::new(doc));
    }

    /// [`SchemaIndex::add_document`] for a document the caller also keeps.
    pub fn add_shared_document(&mut self, url: Url, doc: Arc<Value>) {
        self.add_prepared(Arc::new(Document::new(&url, Arc::new(Json::shared(doc)))));
    }

    /// Adds (or replaces) a document indexed beforehand: one insert, its
    /// `$id`s and anchors aside (most documents have none).
    pub fn add_prepared(&mut self, document: Arc<Document>) {
        // What was compiled may depend on the replaced or added document
        // (nothing is, while a loader fills a fresh index).
        if !self.compiled.is_unused() || Arc::strong_count(&self.compiled) > 1 {
            self.compiled = Arc::default();
        }
        let entries = Arc::make_mut(&mut self.entries);
        match entries.by_url.get(document.url.as_str()) {
            Some(&existing) => {
                // The key holds the replaced document: replace it too.
                entries.by_url.remove(document.url.as_str());
                entries
                    .by_url
                    .insert(DocumentKey(Arc::clone(&document)), existing);
                entries.documents[existing] = document;
                entries.reindex_all();
            }
            None => {
                let number = entries.documents.len();
                entries
                    .by_url
                    .insert(DocumentKey(Arc::clone(&document)), number);
                entries.documents.push(document);
                entries.index_document(number);
            }
        }
    }

    /// Looks up `uri`: a resource URL (document or `$id`), optionally with a
    /// JSON Pointer fragment or an `$anchor` name. Only objects and booleans
    /// are schemas: a pointer landing anywhere else does not resolve.
    pub fn resolve(&self, uri: &Url) -> Option<Resolved> {
        let place = self.place_of(uri)?;
        let document = &self.entries.documents[place.document];
        let document_value = document.value();
        let value = pointer::resolve(&document_value, &place.pointer)?;
        if !keywords::is_schema(value) {
            return None;
        }
        Some(Resolved {
            document_value,
            document: document.url.clone(),
            pointer: place.pointer,
        })
    }

    /// Where [`SchemaIndex::resolve`] finds `uri`: the document's URL and
    /// the pointer (a document's own URL answered without building its
    /// value).
    pub fn resolved_place(&self, uri: &Url) -> Option<(&Url, String)> {
        let place = self.place_of(uri)?;
        if !self.place_is_schema(&place) {
            return None;
        }
        Some((&self.entries.documents[place.document].url, place.pointer))
    }

    /// Whether [`SchemaIndex::resolve`] finds `uri`; a document's own URL
    /// is answered without building its value.
    pub fn resolves(&self, uri: &Url) -> bool {
        self.resolved_place(uri).is_some()
    }

    /// Whether the value at `place` is a schema; a document's root is
    /// answered without building its value.
    pub(crate) fn place_is_schema(&self, place: &Place) -> bool {
        let Some(document) = self.entries.documents.get(place.document) else {
            return false;
        };
        if place.pointer.is_empty() {
            return document.indexed.root_is_schema;
        }
        let value = document.value();
        pointer::resolve(&value, &place.pointer).is_some_and(keywords::is_schema)
    }

    /// Whether `url` (fragment ignored) names an indexed resource: a
    /// document, or a sub-schema by its `$id` (catalog.md §6.2). A loader
    /// need not fetch such a URL.
    pub fn has_resource(&self, url: &Url) -> bool {
        self.entries.resource(without_fragment(url)).is_some()
    }

    /// The document number and pointer `uri` names, without checking that the
    /// value there is a schema.
    pub(crate) fn place_of(&self, uri: &Url) -> Option<Place> {
        let entries = &*self.entries;
        let base = without_fragment(uri);
        let fragment = uri.fragment().unwrap_or("");
        if fragment.is_empty() {
            return entries.resource(base);
        }
        let decoded = pointer::percent_decode(fragment);
        if decoded.starts_with('/') {
            let mut resource = entries.resource(base)?;
            if !pointer::is_well_formed(&decoded) {
                return None;
            }
            resource.pointer.push_str(&decoded);
            return Some(resource);
        }
        entries.anchors.get(&format!("{base}#{decoded}")).cloned()
    }

    /// Every indexed document with its URL and value (built as each is
    /// reached), in the order they were added.
    pub fn documents(&self) -> impl Iterator<Item = (&Url, Arc<Value>)> {
        self.entries.documents.iter().map(|d| (&d.url, d.value()))
    }

    /// How many documents are indexed.
    pub fn document_count(&self) -> usize {
        self.entries.documents.len()
    }

    /// The value of the document added under `url` (fragment ignored).
    pub fn document(&self, url: &Url) -> Option<Arc<Value>> {
        let number = self.document_number(url)?;
        Some(self.entries.documents[number].value())
    }

    /// The JSON of the document added under `url` (fragment ignored), as
    /// it is kept.
    pub fn document_json(&self, url: &Url) -> Option<&Arc<Json>> {
        let number = self.document_number(url)?;
        Some(&self.entries.documents[number].json)
    }

    /// Whether a document was added under `url` (fragment ignored).
    pub fn has_document(&self, url: &Url) -> bool {
        self.document_number(url).is_some()
    }

    /// The index's own URL of the document whose URL text (without
    /// fragment) is `url`: a key that lives as long as the index.
    pub fn document_url(&self, url: &str) -> Option<&Url> {
        let number = *self.entries.by_url.get(url)?;
        Some(&self.entries.documents[number].url)
    }

    pub(crate) fn document_number(&self, url: &Url) -> Option<usize> {
        self.entries.by_url.get(without_fragment(url)).copied()
    }

    /// The indexed document number `number`.
    pub(crate) fn doc(&self, number: usize) -> &Document {
        &self.entries.documents[number]
    }

    /// A holder of the values of the documents a walk reads.
    pub(crate) fn pinned(&self) -> Pinned<'_> {
        Pinned {
            index: self,
            head: OnceCell::new(),
        }
    }

    /// The base URI in effect for the schema at `place` (its own `$id`
    /// included), against which its `$ref`s are joined.
    pub(crate) fn base_at(&self, place: &Place) -> &Url {
        let document = &self.entries.documents[place.document];
        let mut best: Option<&(String, Url)> = None;
        for entry in &document.indexed.bases {
            if pointer::is_prefix(&entry.0, &place.pointer)
                && best.is_none_or(|b| entry.0.len() >= b.0.len())
            {
                best = Some(entry);
            }
        }
        best.map(|b| &b.1).unwrap_or(&document.url)
    }

    /// The canonical URI of a place: document URL + `#` + pointer.
    pub(crate) fn canonical_uri(&self, place: &Place) -> Url {
        let mut url = self.entries.documents[place.document].url.clone();
        url.set_fragment(Some(&pointer::encode_fragment(&place.pointer)));
        url
    }

    /// The URL of the document at `url` (fragment ignored) and of every
    /// document its `$ref`s reach, transitively, each once, itself first.
    /// Computed from what indexing recorded: no walk over the documents.
    pub fn reached_documents(&self, url: &Url) -> Vec<&Url> {
        let Some(root) = self.document_number(url) else {
            return Vec::new();
        };
        self.reference_closure(root)
            .into_iter()
            .map(|number| &self.entries.documents[number].url)
            .collect()
    }

    /// [`SchemaIndex::reached_documents`] with each document's shared JSON:
    /// everything a result computed from the schema at `url` (its shape, its
    /// validator, its problems) can have read, so a cache can key by it.
    pub fn reached_shared(&self, url: &Url) -> Vec<(&Url, &Arc<Json>)> {
        let Some(root) = self.document_number(url) else {
            return Vec::new();
        };
        self.reference_closure(root)
            .into_iter()
            .map(|number| {
                let document = &self.entries.documents[number];
                (&document.url, &document.json)
            })
            .collect()
    }

    /// Document `root` and every document its `$ref`s reach, transitively
    /// (the documents a validator of a schema in `root` can need), `root` first.
    pub(crate) fn reference_closure(&self, root: usize) -> Vec<usize> {
        let entries = &*self.entries;
        // Most documents (inline schemas) refer to nothing: no set to build.
        if entries.documents[root].indexed.refers_to.is_empty() {
            return vec![root];
        }
        let mut seen = HashSet::with_capacity(8);
        seen.insert(root);
        let mut order = vec![root];
        let mut next = 0;
        while next < order.len() {
            for target in &entries.documents[order[next]].indexed.refers_to {
                if let Some(place) = entries.resource(target)
                    && seen.insert(place.document)
                {
                    order.push(place.document);
                }
            }
            next += 1;
        }
        order
    }
}

/// The values of the documents one walk over schemas reads (shape
/// inference, a validator's build, a document's check), each built once
/// and held until the walk ends; a walk reads a handful (a schema and what
/// its `$ref`s reach), so they are found by a scan.
pub(crate) struct Pinned<'i> {
    index: &'i SchemaIndex,
    head: OnceCell<Box<PinnedDocument>>,
}

/// One held document value; the next one is appended behind it (a list
/// that only grows, so a value handed out stays where it is).
struct PinnedDocument {
    number: usize,
    value: Arc<Value>,
    next: OnceCell<Box<PinnedDocument>>,
}

impl Pinned<'_> {
    /// The value of document `number`, built on first use.
    pub(crate) fn document(&self, number: usize) -> Option<&Value> {
        let mut slot = &self.head;
        loop {
            match slot.get() {
                Some(held) if held.number == number => return Some(&held.value),
                Some(held) => slot = &held.next,
                None => {
                    let value = self.index.entries.documents.get(number)?.value();
                    let held = slot.get_or_init(|| {
                        Box::new(PinnedDocument {
                            number,
                            value,
                            next: OnceCell::new(),
                        })
                    });
                    return Some(&held.value);
                }
            }
        }
    }

    /// The value at a place, if it is a schema.
    pub(crate) fn schema_at(&self, place: &Place) -> Option<&Value> {
        pointer::resolve(self.document(place.document)?, &place.pointer)
            .filter(|v| keywords::is_schema(v))
    }
}

/// `url` as text without its fragment: what `set_fragment(None)` would
/// serialise, without cloning the URL (lookups run per check per build).
fn without_fragment(url: &Url) -> &str {
    &url[..url::Position::AfterQuery]
}

impl Entries {
    /// The resource at `url` (without fragment): a document, else an `$id`.
    fn resource(&self, url: &str) -> Option<Place> {
        if let Some(&document) = self.by_url.get(url) {
            return Some(Place {
                document,
                pointer: String::new(),
            });
        }
        self.ids.get(url).cloned()
    }

    fn reindex_all(&mut self) {
        self.ids.clear();
        self.anchors.clear();
        for number in 0..self.documents.len() {
            self.index_document(number);
        }
    }

    /// Registers the `$id`s and anchors of document `number` (its URL is in
    /// `by_url`); the first declaration of each wins.
    fn index_document(&mut self, number: usize) {
        let indexed = &self.documents[number].indexed;
        for (base, pointer) in &indexed.ids {
            self.ids.entry(base.clone()).or_insert_with(|| Place {
                document: number,
                pointer: pointer.clone(),
            });
        }
        for (key, pointer) in &indexed.anchors {
            self.anchors.entry(key.clone()).or_insert_with(|| Place {
                document: number,
                pointer: pointer.clone(),
            });
        }
    }
}

impl DocumentIndex {
    /// The resources the document's `$id`s name (URLs without fragment),
    /// in walk order: `$ref`s to them are found in the document, never
    /// fetched.
    pub fn declared_resources(&self) -> impl Iterator<Item = &str> {
        self.ids.iter().map(|(id, _)| id.as_str())
    }

    /// Indexes the document `value` at `url` (without fragment); with
    /// `refs`, also collects its `$ref`s, joined against the base in effect
    /// (the one implementation of [`crate::collect_refs`]; a join never
    /// keeps the base's fragment, so the URL's does not matter).
    pub fn new(url: &Url, value: &Value, mut refs: Option<&mut Vec<SchemaRef>>) -> DocumentIndex {
        let mut bases = Vec::new();
        let mut ids = Vec::new();
        let mut anchors = Vec::new();
        let mut refers_to: Vec<String> = Vec::new();
        let mut seen_targets: HashSet<String> = HashSet::new();
        // State: the base in effect, and whether it is the document URL or a
        // root `$id` (anchors there are also registered under the document URL).
        keywords::walk(
            value,
            "",
            (Rc::new(url.clone()), true),
            |ptr, schema, (parent_base, at_root)| {
                let base = child_base(parent_base, schema);
                let changed = !Rc::ptr_eq(&base, parent_base) && base != *parent_base;
                if changed {
                    bases.push((ptr.to_string(), Url::clone(&base)));
                    ids.push((base.to_string(), ptr.to_string()));
                }
                let at_root = *at_root && (!changed || ptr.is_empty());
                if let Some(Value::String(anchor)) = keyword(schema, "$anchor") {
                    anchors.push((format!("{base}#{anchor}"), ptr.to_string()));
                    if at_root {
                        anchors.push((format!("{url}#{anchor}"), ptr.to_string()));
                    }
                }
                if let Some(Value::String(reference)) = keyword(schema, "$ref")
                    && let Ok(mut target) = base.join(reference)
                {
                    if let Some(refs) = refs.as_mut() {
                        refs.push(SchemaRef {
                            pointer: format!("{ptr}/$ref"),
                            target: target.clone(),
                        });
                    }
                    target.set_fragment(None);
                    if &target != url && seen_targets.insert(target.to_string()) {
                        refers_to.push(target.into());
                    }
                }
                (base, at_root)
            },
        );
        DocumentIndex {
            too_deep: json::nesting::depth_exceeding(value, keywords::MAX_DEPTH),
            bases,
            ids,
            root_is_schema: keywords::is_schema(value),
            anchors,
            refers_to,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// One walk finds what `Document::new` and `collect_refs` find apart,
    /// whatever the URL's fragment.
    #[test]
    fn with_refs_is_new_and_collect_refs() {
        let documents = [
            json!({
                "$id": "https://example.com/root.json",
                "$ref": "schema.yaml#Join",
                "$anchor": "Top",
                "properties": {
                    "a": {"$ref": "#/$defs/a"},
                    "b": {"$id": "https://example.com/s/", "items": {"$ref": "t.json#/x"}},
                    "c": {"enum": [{"$ref": "not-a-schema"}]},
                    "d": {"$ref": 12},
                    "e": {"$ref": ""},
                    "f": {"$id": "#frag", "$ref": "#/f"}
                },
                "$defs": {"a": {"$ref": "../other.yaml", "$anchor": "A"}}
            }),
            json!(true),
            json!({"items": [{"$ref": "#"}, {"$ref": "x.yaml#/a~1b"}]}),
        ];
        for base in [
            "file:///p/dir/x.flow.yaml?ptr=/collections/0/schema",
            "file:///p/dir/s.yaml#/frag",
        ] {
            for document in &documents {
                let json = Arc::new(Json::shared(Arc::new(document.clone())));
                let (together, refs) = Document::with_refs(&url(base), Arc::clone(&json));
                let apart = Document::new(&url(base), json);
                assert_eq!(
                    refs,
                    crate::collect_refs(&url(base), document),
                    "{document}"
                );
                assert_eq!(format!("{together:?}"), format!("{apart:?}"));
            }
        }
    }

    fn index() -> SchemaIndex {
        let mut index = SchemaIndex::new();
        index.add_document(
            url("file:///p/schema.yaml"),
            json!({
                "$defs": {
                    "int": {"$anchor": "Int", "type": "integer"},
                    "sub": {
                        "$id": "https://example.com/sub.json",
                        "$defs": {"s": {"$anchor": "Str", "type": "string"}}
                    }
                },
                "properties": {"a b": {"type": "string"}},
                "enum": [{"$anchor": "NotASchema"}]
            }),
        );
        index.add_document(
            url("file:///p/x.flow.yaml?ptr=/collections/0/schema"),
            json!({"$anchor": "Root", "properties": {"i": {"$ref": "schema.yaml#Int"}}}),
        );
        index
    }

    #[test]
    fn resolves_pointers_anchors_and_ids() {
        let index = index();
        let r = index.resolve(&url("file:///p/schema.yaml#Int")).unwrap();
        assert_eq!(r.pointer, "/$defs/int");
        assert_eq!(r.document.as_str(), "file:///p/schema.yaml");
        assert_eq!(r.value()["type"], "integer");

        let r = index
            .resolve(&url("file:///p/schema.yaml#/properties/a%20b"))
            .unwrap();
        assert_eq!(r.pointer, "/properties/a b");

        assert!(index.resolve(&url("file:///p/schema.yaml")).is_some());
        assert!(index.resolve(&url("file:///p/schema.yaml#")).is_some());
        // `$id` registers an alternate URL; its anchors live under it.
        let r = index
            .resolve(&url("https://example.com/sub.json#Str"))
            .unwrap();
        assert_eq!(r.pointer, "/$defs/sub/$defs/s");
        assert_eq!(r.document.as_str(), "file:///p/schema.yaml");
        let r = index
            .resolve(&url("https://example.com/sub.json#/$defs/s"))
            .unwrap();
        assert_eq!(r.pointer, "/$defs/sub/$defs/s");
        assert!(index.resolve(&url("file:///p/schema.yaml#Str")).is_none());

        // Inline schemas with synthetic URLs.
        let r = index
            .resolve(&url("file:///p/x.flow.yaml?ptr=/collections/0/schema#Root"))
            .unwrap();
        assert_eq!(r.pointer, "");

        // Misses: unknown anchor, pointer to a non-schema, anchors inside data.
        assert!(index.resolve(&url("file:///p/schema.yaml#Nope")).is_none());
        assert!(
            index
                .resolve(&url("file:///p/schema.yaml#/$defs/int/type"))
                .is_none()
        );
        assert!(
            index
                .resolve(&url("file:///p/schema.yaml#NotASchema"))
                .is_none()
        );
        assert!(index.resolve(&url("file:///p/missing.yaml")).is_none());
        assert_eq!(index.documents().count(), 2);
    }

    #[test]
    fn base_in_effect_follows_ids() {
        let index = index();
        let place = index
            .place_of(&url("file:///p/schema.yaml#/$defs/sub/$defs/s"))
            .unwrap();
        assert_eq!(
            index.base_at(&place).as_str(),
            "https://example.com/sub.json"
        );
        let place = index
            .place_of(&url("file:///p/schema.yaml#/$defs/int"))
            .unwrap();
        assert_eq!(index.base_at(&place).as_str(), "file:///p/schema.yaml");
    }

    /// A document's URL names it even when another document's `$id` says
    /// the same URL, whichever came first; of two `$id`s the first wins;
    /// replacing a document keeps its number and re-registers its `$id`s.
    #[test]
    fn document_urls_win_over_ids_and_the_first_id_wins() {
        let mut index = SchemaIndex::new();
        index.add_document(
            url("file:///p/a.yaml"),
            json!({"$defs": {"x": {"$id": "file:///p/b.yaml", "type": "string"}}}),
        );
        index.add_document(
            url("file:///p/c.yaml"),
            json!({"$defs": {"y": {"$id": "https://example.com/s.json", "type": "integer"}}}),
        );
        index.add_document(
            url("file:///p/d.yaml"),
            json!({"$defs": {"z": {"$id": "https://example.com/s.json", "type": "boolean"}}}),
        );
        let at = |uri: &str, index: &SchemaIndex| {
            let resolved = index.resolve(&url(uri)).unwrap();
            (resolved.document.to_string(), resolved.pointer)
        };
        assert_eq!(
            at("file:///p/b.yaml", &index),
            ("file:///p/a.yaml".to_string(), "/$defs/x".to_string())
        );
        index.add_document(url("file:///p/b.yaml"), json!({"type": "null"}));
        assert_eq!(
            at("file:///p/b.yaml", &index),
            ("file:///p/b.yaml".to_string(), String::new())
        );
        assert_eq!(
            at("https://example.com/s.json", &index),
            ("file:///p/c.yaml".to_string(), "/$defs/y".to_string())
        );
        // Replaced: c.yaml no longer declares the `$id`; d.yaml's now holds.
        index.add_document(url("file:///p/c.yaml"), json!({"type": "object"}));
        assert_eq!(
            at("https://example.com/s.json", &index),
            ("file:///p/d.yaml".to_string(), "/$defs/z".to_string())
        );
        let order: Vec<&str> = index.documents().map(|(url, _)| url.as_str()).collect();
        assert_eq!(
            order,
            [
                "file:///p/a.yaml",
                "file:///p/c.yaml",
                "file:///p/d.yaml",
                "file:///p/b.yaml"
            ]
        );
        assert!(index.has_resource(&url("https://example.com/s.json#/type")));
    }
}
