//! Finding the `$ref`s of a schema document, so the loader knows which further
//! documents to fetch before a build can index and check them.

use std::rc::Rc;

use serde_json::Value;
use url::Url;

use crate::keywords;

/// One `$ref` found in a schema document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaRef {
    /// JSON Pointer of the `$ref` string inside the document
    /// (for example `/properties/a/$ref`).
    pub pointer: String,
    /// The reference joined against the base URI in effect (the document URL
    /// or the nearest enclosing `$id`). The fragment is kept; strip it to get
    /// the document to fetch.
    pub target: Url,
}

/// Every `$ref` of `doc` (a schema document or inline schema whose URL is
/// `base`), in document order. A `$ref` that is not a string, or that cannot be
/// joined into a URL, is skipped here; `check_document` reports it.
pub fn collect_refs(base: &Url, doc: &Value) -> Vec<SchemaRef> {
    // Indexing a document collects them in the same walk: one walker of
    // `$ref`s and `$id` bases.
    let mut out = Vec::new();
    crate::index::DocumentIndex::new(base, doc, Some(&mut out));
    out
}

/// The value of `schema`'s keyword `key`, if `schema` is an object.
pub(crate) fn keyword<'v>(schema: &'v Value, key: &str) -> Option<&'v Value> {
    schema.as_object().and_then(|map| keywords::get(map, key))
}

/// [`base_in_effect`] as a walk's state: the parent's own `Rc` unless the
/// schema has an `$id` (rare), so a walk copies no URL per sub-schema.
pub(crate) fn child_base(parent_base: &Rc<Url>, schema: &Value) -> Rc<Url> {
    match keyword(schema, "$id") {
        Some(_) => Rc::new(base_in_effect(parent_base, schema)),
        None => Rc::clone(parent_base),
    }
}

/// The base URI for `schema` and its children: `parent_base`, changed by the
/// schema's own `$id` if it has a usable one. The fragment is dropped.
pub(crate) fn base_in_effect(parent_base: &Url, schema: &Value) -> Url {
    match keyword(schema, "$id") {
        Some(Value::String(id)) if !id.starts_with('#') => match parent_base.join(id) {
            Ok(mut joined) => {
                joined.set_fragment(None);
                joined
            }
            Err(_) => parent_base.clone(),
        },
        _ => parent_base.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_are_joined_against_the_base_in_effect() {
        let base = Url::parse("file:///p/dir/x.flow.yaml?ptr=/collections/0/schema").unwrap();
        let doc = json!({
            "$ref": "schema.yaml#Join",
            "properties": {
                "a": {"$ref": "#/$defs/a"},
                "b": {"$id": "https://example.com/s/", "items": {"$ref": "t.json#/x"}},
                "c": {"enum": [{"$ref": "not-a-schema"}]},
                "d": {"$ref": 12}
            },
            "$defs": {"a": {"$ref": "../other.yaml"}}
        });
        let got: Vec<(String, String)> = collect_refs(&base, &doc)
            .into_iter()
            .map(|r| (r.pointer, r.target.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/$ref".into(), "file:///p/dir/schema.yaml#Join".into()),
                (
                    "/properties/a/$ref".into(),
                    "file:///p/dir/x.flow.yaml?ptr=/collections/0/schema#/$defs/a".into()
                ),
                (
                    "/properties/b/items/$ref".into(),
                    "https://example.com/s/t.json#/x".into()
                ),
                ("/$defs/a/$ref".into(), "file:///p/other.yaml".into()),
            ]
        );
    }
}
