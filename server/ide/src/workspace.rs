//! Which catalog files of a workspace are roots (catalog.md §3): a catalog
//! source that no other catalog source imports. The `lsp` crate lists the
//! workspace's catalog files (it owns the file system); this module reads
//! their `import` lists (cached by text) and picks the roots. Files a root
//! does not reach after all (imports through other names, cycles) are
//! picked up by [`crate::build`], which makes them roots of their own.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use url::Url;

use crate::files::EditorFetch;

/// Whether a file name is one a catalog source is given: `flow.yaml`,
/// `flow.yml`, `*.flow.yaml` or `*.flow.yml`.
pub fn is_catalog_name(url: &Url) -> bool {
    let name = url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .unwrap_or("");
    matches!(name, "flow.yaml" | "flow.yml")
        || name.ends_with(".flow.yaml")
        || name.ends_with(".flow.yml")
}

/// A catalog file's imports and the text they were read from.
type ImportsEntry = (Arc<str>, Arc<Vec<Url>>);

/// Each catalog file's imports, by the text they were read from.
#[derive(Debug, Default)]
pub struct ImportsCache {
    entries: Mutex<HashMap<Url, ImportsEntry>>,
}

impl ImportsCache {
    /// The URLs a catalog source's text imports (nothing when it does not
    /// parse as a mapping with an `import` list).
    pub fn imports(&self, url: &Url, text: &Arc<str>) -> Arc<Vec<Url>> {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((seen, imports)) = entries.get(url)
            && (Arc::ptr_eq(seen, text) || **seen == **text)
        {
            return Arc::clone(imports);
        }
        let imports = Arc::new(read_imports(url, text));
        entries.insert(url.clone(), (Arc::clone(text), Arc::clone(&imports)));
        imports
    }
}

fn read_imports(url: &Url, text: &str) -> Vec<Url> {
    let parse = syntax::parse(text);
    let tree = &parse.tree;
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    let Some(entry) = tree
        .entries(root)
        .iter()
        .find(|entry| tree.key_text(entry) == "import")
    else {
        return Vec::new();
    };
    let Ok(Value::Array(items)) = tree.to_json(entry.value) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|written| url.join(written).ok())
        .map(|mut to| {
            to.set_fragment(None);
            to
        })
        .collect()
}

/// The candidates that no other candidate imports, in URL order.
pub fn roots(candidates: &[Url], fetch: &EditorFetch<'_>, cache: &ImportsCache) -> Vec<Url> {
    let mut imported = BTreeSet::new();
    for candidate in candidates {
        if let Ok(text) = fetch.text(candidate) {
            for to in cache.imports(candidate, &text).iter() {
                if to != candidate {
                    imported.insert(to.clone());
                }
            }
        }
    }
    let mut roots: Vec<Url> = candidates
        .iter()
        .filter(|candidate| !imported.contains(*candidate))
        .cloned()
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_names() {
        let url = |path: &str| Url::parse(&format!("file:///w/{path}")).unwrap();
        assert!(is_catalog_name(&url("flow.yaml")));
        assert!(is_catalog_name(&url("a/orders.flow.yml")));
        assert!(!is_catalog_name(&url("orders.schema.yaml")));
        assert!(!is_catalog_name(&url("myflow.yaml")));
    }
}
