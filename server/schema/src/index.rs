//! The index of schema documents: every sub-schema addressable by its
//! canonical URI (document URL + `#` + pointer), by `$anchor`
//! (`<base>#Name`) and by `$id` (catalog.md §6.2).
//!
//! Documents are added by the loader as plain values; the index also owns the
//! `jsonschema` registry built from them, which `compile` reuses.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::Value;
use url::Url;

use crate::keywords;
use crate::pointer;
use crate::refs::base_in_effect;

/// A sub-schema found by [`SchemaIndex::resolve`].
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<'a> {
    /// The sub-schema itself (an object or a boolean).
    pub value: &'a Value,
    /// URL of the document that holds it (never an `$id` alias).
    pub document: Url,
    /// Pointer of the sub-schema inside that document.
    pub pointer: String,
}

/// A place inside an indexed document: document number and pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) document: usize,
    pub(crate) pointer: String,
}

#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) url: Url,
    pub(crate) value: Arc<Value>,
    /// Pointer of the first value nested deeper than `keywords::MAX_DEPTH`.
    pub(crate) too_deep: Option<String>,
    /// Every sub-schema with an `$id`: its pointer and the base it sets.
    pub(crate) bases: Vec<(String, Url)>,
}

/// All schema documents of a build, indexed for `$ref` resolution.
#[derive(Debug, Default)]
pub struct SchemaIndex {
    pub(crate) documents: Vec<Document>,
    by_url: HashMap<String, usize>,
    /// URL without fragment (a document URL or an `$id`) → the resource.
    resources: HashMap<String, Place>,
    /// `<base>#<anchor>` → the sub-schema declaring it.
    anchors: HashMap<String, Place>,
    /// The `jsonschema` registry over all documents, built on first use.
    registry: OnceLock<Result<Arc<jsonschema::Registry<'static>>, String>>,
}

impl SchemaIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the document at `url` (which should have no
    /// fragment; one is ignored). Inline schemas are added the same way under
    /// their synthetic `?ptr=` URLs.
    pub fn add_document(&mut self, url: Url, doc: Value) {
        let mut url = url;
        url.set_fragment(None);
        let too_deep = keywords::depth_exceeding(&doc, keywords::MAX_DEPTH);
        let document = Document {
            url: url.clone(),
            value: Arc::new(doc),
            too_deep,
            bases: Vec::new(),
        };
        self.registry = OnceLock::new();
        match self.by_url.get(url.as_str()) {
            Some(&existing) => {
                self.documents[existing] = document;
                self.reindex_all();
            }
            None => {
                let number = self.documents.len();
                self.by_url.insert(url.to_string(), number);
                self.documents.push(document);
                self.index_document(number);
            }
        }
    }

    fn reindex_all(&mut self) {
        self.resources.clear();
        self.anchors.clear();
        for number in 0..self.documents.len() {
            self.index_document(number);
        }
    }

    fn index_document(&mut self, number: usize) {
        let document = &self.documents[number];
        let url = document.url.clone();
        let value = document.value.clone();
        self.resources.insert(
            url.to_string(),
            Place {
                document: number,
                pointer: String::new(),
            },
        );

        let mut bases = Vec::new();
        let resources = &mut self.resources;
        let anchors = &mut self.anchors;
        // State: the base in effect, and whether it is the document URL or a
        // root `$id` (anchors there are also registered under the document URL).
        keywords::walk(
            &value,
            "",
            (url.clone(), true),
            |ptr, schema, (parent_base, at_root)| {
                let base = base_in_effect(parent_base, schema);
                let changed = &base != parent_base;
                if changed {
                    bases.push((ptr.to_string(), base.clone()));
                    resources.entry(base.to_string()).or_insert_with(|| Place {
                        document: number,
                        pointer: ptr.to_string(),
                    });
                }
                let at_root = *at_root && (!changed || ptr.is_empty());
                if let Some(Value::String(anchor)) = schema.get("$anchor") {
                    let place = Place {
                        document: number,
                        pointer: ptr.to_string(),
                    };
                    anchors
                        .entry(format!("{base}#{anchor}"))
                        .or_insert_with(|| place.clone());
                    if at_root {
                        anchors.entry(format!("{url}#{anchor}")).or_insert(place);
                    }
                }
                (base, at_root)
            },
        );
        self.documents[number].bases = bases;
    }

    /// Looks up `uri`: a resource URL (document or `$id`), optionally with a
    /// JSON Pointer fragment or an `$anchor` name. Only objects and booleans
    /// are schemas: a pointer landing anywhere else does not resolve.
    pub fn resolve(&self, uri: &Url) -> Option<Resolved<'_>> {
        let place = self.place_of(uri)?;
        let document = &self.documents[place.document];
        let value = pointer::resolve(&document.value, &place.pointer)?;
        if !keywords::is_schema(value) {
            return None;
        }
        Some(Resolved {
            value,
            document: document.url.clone(),
            pointer: place.pointer,
        })
    }

    /// The document number and pointer `uri` names, without checking that the
    /// value there is a schema.
    pub(crate) fn place_of(&self, uri: &Url) -> Option<Place> {
        let mut base = uri.clone();
        base.set_fragment(None);
        let fragment = uri.fragment().unwrap_or("");
        if fragment.is_empty() {
            return self.resources.get(base.as_str()).cloned();
        }
        let decoded = pointer::percent_decode(fragment);
        if decoded.starts_with('/') {
            let resource = self.resources.get(base.as_str())?;
            pointer::tokens(&decoded)?;
            return Some(Place {
                document: resource.document,
                pointer: format!("{}{}", resource.pointer, decoded),
            });
        }
        self.anchors.get(&format!("{base}#{decoded}")).cloned()
    }

    /// Every indexed document with its URL, in the order they were added.
    pub fn documents(&self) -> impl Iterator<Item = (&Url, &Value)> {
        self.documents.iter().map(|d| (&d.url, &*d.value))
    }

    /// The document added under `url` (fragment ignored).
    pub fn document(&self, url: &Url) -> Option<&Value> {
        let mut url = url.clone();
        url.set_fragment(None);
        let &number = self.by_url.get(url.as_str())?;
        Some(&self.documents[number].value)
    }

    pub(crate) fn document_number(&self, url: &Url) -> Option<usize> {
        let mut url = url.clone();
        url.set_fragment(None);
        self.by_url.get(url.as_str()).copied()
    }

    /// The value at a place, if it is a schema.
    pub(crate) fn schema_at(&self, place: &Place) -> Option<&Value> {
        let document = self.documents.get(place.document)?;
        pointer::resolve(&document.value, &place.pointer).filter(|v| keywords::is_schema(v))
    }

    /// The base URI in effect for the schema at `place` (its own `$id`
    /// included), against which its `$ref`s are joined.
    pub(crate) fn base_at(&self, place: &Place) -> &Url {
        let document = &self.documents[place.document];
        let mut best: Option<&(String, Url)> = None;
        for entry in &document.bases {
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
        let mut url = self.documents[place.document].url.clone();
        url.set_fragment(Some(&pointer::encode_fragment(&place.pointer)));
        url
    }

    /// The `jsonschema` registry holding every document that is not too deep
    /// to compile, built once per set of documents.
    pub(crate) fn registry(&self) -> Result<Arc<jsonschema::Registry<'static>>, String> {
        self.registry
            .get_or_init(|| {
                let mut builder = jsonschema::Registry::new()
                    .draft(jsonschema::Draft::Draft201909)
                    .retrieve_known_draft_meta_schemas(false);
                for document in &self.documents {
                    if document.too_deep.is_some() {
                        continue;
                    }
                    builder = builder
                        .add(document.url.as_str(), document.value.clone())
                        .map_err(|e| format!("{}: {e}", document.url))?;
                }
                builder.prepare().map(Arc::new).map_err(|e| e.to_string())
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
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
        assert_eq!(r.value["type"], "integer");

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
}
