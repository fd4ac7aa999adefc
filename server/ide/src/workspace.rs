//! Which catalog files of a workspace are roots (catalog.md §3): a catalog
//! source that no other catalog source imports. The `lsp` crate lists the
//! workspace's catalog files (it owns the file system); this module reads
//! their `import` lists (through the load memo) and picks the roots. Files a root
//! does not reach after all (imports through other names, cycles) are
//! picked up by [`crate::build`], which makes them roots of their own.

use std::collections::HashSet;

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

/// The candidates that no other candidate imports, in URL order. Each
/// candidate's imports come resolved from the load memo's parse of its
/// text, so the load that follows does not parse it again and an unchanged
/// file costs no URL work.
pub fn roots(candidates: &[Url], fetch: &EditorFetch<'_>, memo: &load::Memo) -> Vec<Url> {
    let sources: Vec<(&Url, load::CatalogImports)> = candidates
        .iter()
        .filter_map(|candidate| {
            let text = fetch.text(candidate).ok()?;
            Some((candidate, memo.catalog_imports(candidate, text)))
        })
        .collect();
    let mut imported: HashSet<&Url> = HashSet::new();
    for (candidate, imports) in &sources {
        imported.extend(imports.urls().filter(|to| to != candidate));
    }
    let mut roots: Vec<Url> = candidates
        .iter()
        .filter(|candidate| !imported.contains(candidate))
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
