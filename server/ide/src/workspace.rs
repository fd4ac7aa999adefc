//! Which catalog files of a workspace are roots (catalog.md §3): a catalog
//! source that no other catalog source imports. The `lsp` crate lists the
//! workspace's catalog files (it owns the file system); this module reads
//! their `import` lists (through the load memo) and picks the roots. Files a root
//! does not reach after all (imports through other names, cycles) are
//! picked up by [`crate::build`], which makes them roots of their own.

use std::collections::BTreeSet;
use std::sync::Arc;

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

/// The URLs a catalog source imports (nothing when it is not a mapping
/// with an `import` list), read from the load memo's parse of its text, so
/// the load that follows does not parse it again.
fn imports(url: &Url, text: &Arc<str>, memo: &load::Memo) -> Vec<Url> {
    memo.catalog_imports(url, Arc::clone(text))
        .iter()
        .filter_map(|written| url.join(written).ok())
        .map(|mut to| {
            to.set_fragment(None);
            to
        })
        .collect()
}

/// The candidates that no other candidate imports, in URL order.
pub fn roots(candidates: &[Url], fetch: &EditorFetch<'_>, memo: &load::Memo) -> Vec<Url> {
    let mut imported = BTreeSet::new();
    for candidate in candidates {
        if let Ok(text) = fetch.text(candidate) {
            for to in imports(candidate, &text, memo).iter() {
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
