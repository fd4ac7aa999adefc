//! The combiner (runtime.md §2.3): accumulates documents per key, reducing
//! each one into the document already held for its key, and drains them in
//! key order.
//!
//! Keys are the values at the collection's key pointers, compared with the
//! total order of reductions.md §3 (a missing value sorts first; `1` and `1.0`
//! are the same key). Reduction runs in **partial** mode, because neither side
//! is known to be the first document of its key.
//!
//! The combiner does no schema validation: the caller validates each document
//! before [`Combiner::add`] (that validation is also what yields the
//! document's `reduce` annotations) and validates each drained document again.
//! Keeping validation outside lets every user (ingest, published documents,
//! `verify`) report failures with its own message (runtime.md §12).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use schema::Annotations;
use serde_json::Value;

use crate::reduce::{Mode, ReduceError, reduce};
use json::order::OwnedKey;

/// Documents held per key, waiting to be drained.
#[derive(Debug, Clone, Default)]
pub struct Combiner {
    key: Vec<String>,
    held: BTreeMap<OwnedKey, Value>,
}

impl Combiner {
    /// An empty combiner keyed by `key` (JSON Pointers, e.g. `["/region", "/id"]`).
    pub fn new(key: Vec<String>) -> Self {
        Combiner {
            key,
            held: BTreeMap::new(),
        }
    }

    /// The key pointers.
    pub fn key(&self) -> &[String] {
        &self.key
    }

    /// Adds an already validated document with the annotations its validation
    /// produced. The first document of a key is held as it is; later ones are
    /// reduced into it. On a reduction error the documents held for that key
    /// are dropped (the caller is expected to stop the operation).
    pub fn add(&mut self, document: Value, annotations: &Annotations) -> Result<(), ReduceError> {
        let key = OwnedKey::extract(&document, &self.key);
        match self.held.entry(key) {
            Entry::Vacant(vacant) => {
                vacant.insert(document);
            }
            Entry::Occupied(mut occupied) => {
                let earlier = std::mem::take(occupied.get_mut());
                match reduce(earlier, document, annotations, Mode::Partial) {
                    Ok(reduced) => *occupied.get_mut() = reduced,
                    Err(error) => {
                        occupied.remove();
                        return Err(error);
                    }
                }
            }
        }
        Ok(())
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Returns the held documents sorted ascending by key, and empties the
    /// combiner. A document is ordered by the key it had when first added.
    pub fn drain(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.held).into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema::Strategy;
    use serde_json::json;

    fn merge_with_sum() -> Annotations {
        let mut annotations = Annotations::default();
        annotations
            .by_location
            .insert(String::new(), Strategy::Merge { key: Vec::new() });
        annotations
            .by_location
            .insert("/n".to_owned(), Strategy::Sum);
        annotations
    }

    #[test]
    fn combines_per_composite_key_and_drains_in_key_order() {
        let mut combiner = Combiner::new(vec!["/a".to_owned(), "/b".to_owned()]);
        let annotations = merge_with_sum();
        for document in [
            json!({"a": "y", "b": 2, "n": 1}),
            json!({"a": "x", "b": 10, "n": 1}),
            json!({"a": "y", "b": 2.0, "n": 5, "extra": true}), // same key as the first
            json!({"a": "x", "n": 7}),                          // b missing: before every b
            json!({"a": "x", "b": null, "n": 1}),               // null: after missing
            json!({"a": "x", "b": 10, "n": 2}),
            json!({"b": 0, "n": 1}), // a missing: first of all
            json!({"a": "x", "n": 1}),
        ] {
            combiner.add(document, &annotations).expect("reduces");
        }
        assert_eq!(combiner.len(), 5);
        assert_eq!(
            combiner.drain(),
            vec![
                json!({"b": 0, "n": 1}),
                json!({"a": "x", "n": 8}),
                json!({"a": "x", "b": null, "n": 1}),
                json!({"a": "x", "b": 10, "n": 3}),
                json!({"a": "y", "b": 2.0, "n": 6, "extra": true}), // b: last write
            ]
        );
        assert!(combiner.is_empty());
        assert!(combiner.drain().is_empty());
    }

    #[test]
    fn reduction_error_is_reported_and_key_dropped() {
        let mut combiner = Combiner::new(vec!["/k".to_owned()]);
        let annotations = merge_with_sum();
        combiner
            .add(json!({"k": 1, "n": 1}), &annotations)
            .expect("first is held");
        let error = combiner
            .add(json!({"k": 1, "n": "x"}), &annotations)
            .expect_err("sum of a string");
        assert_eq!(
            error.to_string(),
            r#"reducing /n: 'sum' needs numbers at /n; left: 1, right: "x""#
        );
        assert!(combiner.is_empty());
    }
}
