//! Document symbols (an outline of one file, as a tree) and workspace
//! symbols (collections and tests of every file, by a fuzzy query). Both read
//! the YAML tree alone, so an outline exists for a file of no build and for
//! whatever tree broken YAML left.

use syntax::{NodeId, Tree};
use text::TextRange;
use url::Url;

use crate::Analysis;
use crate::tree_path::entry_range;

/// One entry of an outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole of the thing (a collection's entry, key and value).
    pub full_range: TextRange,
    /// Its name.
    pub focus_range: TextRange,
    pub children: Vec<Symbol>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    Collection,
    Derivation,
    Transform,
    Register,
    Test,
    TestStep,
    Import,
    MaterializationTarget,
    Schema,
    Other,
}

/// Nesting of schema properties shown in an outline.
const MAX_SCHEMA_DEPTH: usize = 8;

/// The outline of a catalog file (imports, collections with their
/// derivation's transforms and register, tests with their steps,
/// materialization targets) or of a schema file (its `$defs` and
/// properties), in text order. While the file does not parse, the outline
/// of its last good text, kept where the text is unchanged since (a symbol
/// around the change stretches with it; one inside it is left out).
pub fn document_symbols(analysis: &Analysis, file: &Url) -> Vec<Symbol> {
    if let Some(last) = crate::last_good::LastGood::of(analysis, file)
        && let Some(map) = last.map(file)
        && let Some(old) = last.stale.file(file)
    {
        return mapped(tree_symbols(old.tree), &map);
    }
    match analysis.file(file) {
        Some(view) => tree_symbols(view.tree),
        None => Vec::new(),
    }
}

/// `symbols` of an old text in the new one: each whose name is unchanged,
/// its range stretched over the change around it.
fn mapped(symbols: Vec<Symbol>, map: &crate::last_good::TextMap) -> Vec<Symbol> {
    symbols
        .into_iter()
        .filter_map(|symbol| {
            let focus_range = map.exact(symbol.focus_range)?;
            Some(Symbol {
                full_range: map.enclosing(symbol.full_range).unwrap_or(focus_range),
                focus_range,
                children: mapped(symbol.children, map),
                ..symbol
            })
        })
        .collect()
}

/// Collections and tests of every file whose name matches `query`
/// case-insensitively, as a substring or else as a subsequence: exact
/// matches first, then prefixes, substrings and subsequences, each by name.
/// At most `limit`; children are empty.
pub fn workspace_symbols(analysis: &Analysis, query: &str, limit: usize) -> Vec<(Url, Symbol)> {
    let query = query.to_lowercase();
    let mut found: Vec<(u8, Url, Symbol)> = Vec::new();
    for file in analysis.files() {
        let Some(view) = analysis.file(file) else {
            continue;
        };
        for mut symbol in tree_symbols(view.tree) {
            if !matches!(
                symbol.kind,
                SymbolKind::Collection | SymbolKind::Derivation | SymbolKind::Test
            ) {
                continue;
            }
            if let Some(rank) = match_rank(&symbol.name.to_lowercase(), &query) {
                symbol.children.clear();
                found.push((rank, file.clone(), symbol));
            }
        }
    }
    found.sort_by(|a, b| {
        (a.0, &a.2.name, &a.1, a.2.full_range.start).cmp(&(
            b.0,
            &b.2.name,
            &b.1,
            b.2.full_range.start,
        ))
    });
    found
        .into_iter()
        .take(limit)
        .map(|(_, file, symbol)| (file, symbol))
        .collect()
}

/// How well `name` matches `query` (both lower case): 0 equal, 1 prefix,
/// 2 substring, 3 subsequence, None not at all.
fn match_rank(name: &str, query: &str) -> Option<u8> {
    if name == query {
        return Some(0);
    }
    if name.starts_with(query) {
        return Some(1);
    }
    if name.contains(query) {
        return Some(2);
    }
    let mut chars = name.chars();
    query
        .chars()
        .all(|wanted| chars.any(|c| c == wanted))
        .then_some(3)
}

fn tree_symbols(tree: &Tree) -> Vec<Symbol> {
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in tree
        .entries(root)
        .iter()
        .filter(|e| e.merged_via().is_none())
    {
        let value = entry.value;
        match tree.key_text(entry) {
            "import" => {
                for item in tree.items(value) {
                    if let Some(scalar) = tree.scalar(*item) {
                        let range = tree.node(*item).range;
                        out.push(leaf(
                            scalar.text.to_string(),
                            SymbolKind::Import,
                            range,
                            range,
                        ));
                    }
                }
            }
            "collections" => {
                for (name, full, focus, spec) in named_children(tree, value, "name") {
                    out.push(collection(tree, name, full, focus, spec));
                }
            }
            "tests" => {
                for (name, full, focus, steps) in named_children(tree, value, "") {
                    let mut test = leaf(name, SymbolKind::Test, full, focus);
                    test.children = tree
                        .items(steps)
                        .iter()
                        .filter_map(|step| test_step(tree, *step))
                        .collect();
                    out.push(test);
                }
            }
            "materializationTargets" => {
                for (name, full, focus, spec) in named_children(tree, value, "") {
                    let mut target = leaf(name, SymbolKind::MaterializationTarget, full, focus);
                    target.detail = tree
                        .entries(spec)
                        .first()
                        .map(|e| tree.key_text(e).to_string());
                    out.push(target);
                }
            }
            keyword => {
                if let Some(kind) = schema_map_kind(keyword) {
                    out.extend(schema_symbols(tree, value, kind, 0));
                }
            }
        }
    }
    out
}

fn leaf(name: String, kind: SymbolKind, full_range: TextRange, focus_range: TextRange) -> Symbol {
    Symbol {
        name,
        detail: None,
        kind,
        full_range,
        focus_range,
        children: Vec::new(),
    }
}

/// The children of a map (`name: {…}`) or of a list of mappings each naming
/// itself under `name_key` (list-form collections): name, full range, name
/// range, value.
fn named_children(
    tree: &Tree,
    node: NodeId,
    name_key: &str,
) -> Vec<(String, TextRange, TextRange, NodeId)> {
    let mut out = Vec::new();
    for entry in tree
        .entries(node)
        .iter()
        .filter(|e| e.merged_via().is_none())
    {
        out.push((
            tree.key_text(entry).to_string(),
            entry_range(tree, entry.key, entry.value),
            tree.node(entry.key).range,
            entry.value,
        ));
    }
    if name_key.is_empty() {
        return out;
    }
    for item in tree.items(node) {
        let name = tree
            .entries(*item)
            .iter()
            .find(|e| tree.key_text(e) == name_key)
            .and_then(|e| Some((tree.scalar(e.value)?, tree.node(e.value).range)));
        let full = tree.node(*item).range;
        let (name, focus) = match name {
            Some((scalar, range)) => (scalar.text.to_string(), range),
            None => ("(unnamed)".to_string(), full),
        };
        out.push((name, full, focus, *item));
    }
    out
}

fn collection(
    tree: &Tree,
    name: String,
    full: TextRange,
    focus: TextRange,
    spec: NodeId,
) -> Symbol {
    let field = |key: &str| {
        tree.entries(spec)
            .iter()
            .find(|e| tree.key_text(e) == key)
            .map(|e| (e.key, e.value))
    };
    let key: Vec<&str> = field("key")
        .map(|(_, key)| {
            tree.items(key)
                .iter()
                .filter_map(|item| tree.scalar(*item).map(|s| s.text))
                .collect()
        })
        .unwrap_or_default();
    let mut symbol = leaf(name, SymbolKind::Collection, full, focus);
    symbol.detail = (!key.is_empty()).then(|| format!("key [{}]", key.join(", ")));
    let Some((_, derivation)) = field("derivation") else {
        return symbol;
    };
    symbol.kind = SymbolKind::Derivation;
    for entry in tree
        .entries(derivation)
        .iter()
        .filter(|e| e.merged_via().is_none())
    {
        let range = entry_range(tree, entry.key, entry.value);
        match tree.key_text(entry) {
            "register" => symbol.children.push(leaf(
                "register".to_string(),
                SymbolKind::Register,
                range,
                tree.node(entry.key).range,
            )),
            "transform" => {
                for (name, full, focus, spec) in named_children(tree, entry.value, "") {
                    let mut transform = leaf(name, SymbolKind::Transform, full, focus);
                    transform.detail =
                        source_name(tree, spec).map(|source| format!("from {source}"));
                    symbol.children.push(transform);
                }
            }
            _ => {}
        }
    }
    symbol.children.sort_by_key(|child| child.full_range.start);
    symbol
}

/// A transform's source collection: `source: { name: x }` or `source: x`.
fn source_name(tree: &Tree, transform: NodeId) -> Option<&str> {
    let source = tree
        .entries(transform)
        .iter()
        .find(|e| tree.key_text(e) == "source")?
        .value;
    if let Some(scalar) = tree.scalar(source) {
        return Some(scalar.text);
    }
    let name = tree
        .entries(source)
        .iter()
        .find(|e| tree.key_text(e) == "name")?;
    tree.scalar(name.value).map(|s| s.text)
}

/// `- ingest: { collection: x, … }` → "ingest x".
fn test_step(tree: &Tree, step: NodeId) -> Option<Symbol> {
    let entry = tree.entries(step).first()?;
    let kind = tree.key_text(entry);
    if !matches!(kind, "ingest" | "verify") {
        return None;
    }
    let collection = tree
        .entries(entry.value)
        .iter()
        .find(|e| tree.key_text(e) == "collection")
        .and_then(|e| tree.scalar(e.value))
        .map(|s| s.text)
        .unwrap_or("?");
    Some(leaf(
        format!("{kind} {collection}"),
        SymbolKind::TestStep,
        tree.node(step).range,
        tree.node(entry.key).range,
    ))
}

/// The entries of a schema's `$defs`/`definitions` (kind Schema) or
/// `properties` (kind Other) mapping, each with its own nested ones.
fn schema_symbols(tree: &Tree, map: NodeId, kind: SymbolKind, depth: usize) -> Vec<Symbol> {
    if depth >= MAX_SCHEMA_DEPTH {
        return Vec::new();
    }
    let mut out = Vec::new();
    for entry in tree
        .entries(map)
        .iter()
        .filter(|e| e.merged_via().is_none())
    {
        let mut symbol = leaf(
            tree.key_text(entry).to_string(),
            kind,
            entry_range(tree, entry.key, entry.value),
            tree.node(entry.key).range,
        );
        for inner in tree
            .entries(entry.value)
            .iter()
            .filter(|e| e.merged_via().is_none())
        {
            if let Some(kind) = schema_map_kind(tree.key_text(inner)) {
                symbol
                    .children
                    .extend(schema_symbols(tree, inner.value, kind, depth + 1));
            }
        }
        out.push(symbol);
    }
    out
}

/// The kind of the symbols of a schema keyword's mapping, if it has any.
fn schema_map_kind(keyword: &str) -> Option<SymbolKind> {
    match keyword {
        "$defs" | "definitions" => Some(SymbolKind::Schema),
        "properties" => Some(SymbolKind::Other),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{analysis, url};

    /// An outline as indented lines: `kind name (detail) [focus text]`.
    fn outline(text: &str, symbols: &[Symbol], depth: usize, out: &mut String) {
        for symbol in symbols {
            let focus = &text[symbol.focus_range.start as usize..symbol.focus_range.end as usize];
            let full = &text[symbol.full_range.start as usize..symbol.full_range.end as usize];
            assert!(full.contains(focus), "{full:?} holds {focus:?}");
            out.push_str(&format!(
                "{}{:?} {}{} [{}]\n",
                "  ".repeat(depth),
                symbol.kind,
                symbol.name,
                symbol
                    .detail
                    .as_ref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default(),
                focus
            ));
            outline(text, &symbol.children, depth + 1, out);
        }
    }

    const CATALOG: &str = r#"
#- /flow.yaml
import: [stations.flow.yaml]
collections:
  weather/daily:
    schema: daily.schema.yaml
    key: [/station, /day]
    derivation:
      register: { schema: { type: integer }, initial: 0 }
      transform:
        fromReadings:
          source: { name: weather/readings }
          publish: { nodeJS: "return [source];" }
tests:
  weather/test-daily:
    - ingest: { collection: weather/readings, documents: [] }
    - verify: { collection: weather/daily, documents: [] }
materializationTargets:
  warehouse: { postgres: { uri: "postgresql://localhost/db" } }
#- /stations.flow.yaml
collections:
  - name: weather/readings
    schema: { type: object }
    key: [/station]
#- /daily.schema.yaml
type: object
$defs:
  day: { type: string }
properties:
  station: { type: string }
  totals:
    type: object
    properties: { rain: { type: number } }
"#;

    #[test]
    fn outline_of_a_catalog() {
        let (analysis, _) = analysis(CATALOG);
        let file = url("/flow.yaml");
        let text = analysis.file(&file).unwrap().text.to_string();
        let mut got = String::new();
        outline(&text, &document_symbols(&analysis, &file), 0, &mut got);
        assert_eq!(
            got,
            "Import stations.flow.yaml [stations.flow.yaml]
Derivation weather/daily (key [/station, /day]) [weather/daily]
  Register register [register]
  Transform fromReadings (from weather/readings) [fromReadings]
Test weather/test-daily [weather/test-daily]
  TestStep ingest weather/readings [ingest]
  TestStep verify weather/daily [verify]
MaterializationTarget warehouse (postgres) [warehouse]
"
        );
        let file = url("/stations.flow.yaml");
        let text = analysis.file(&file).unwrap().text.to_string();
        let mut got = String::new();
        outline(&text, &document_symbols(&analysis, &file), 0, &mut got);
        assert_eq!(
            got,
            "Collection weather/readings (key [/station]) [weather/readings]\n"
        );
    }

    #[test]
    fn outline_of_a_schema_and_of_broken_or_absent_files() {
        let (analysis, _) = analysis(CATALOG);
        let file = url("/daily.schema.yaml");
        let text = analysis.file(&file).unwrap().text.to_string();
        let mut got = String::new();
        outline(&text, &document_symbols(&analysis, &file), 0, &mut got);
        assert_eq!(
            got,
            "Schema day [day]\nOther station [station]\nOther totals [totals]\n  Other rain [rain]\n"
        );
        assert!(document_symbols(&analysis, &url("/absent.yaml")).is_empty());

        let (analysis, _) = crate::fixture::analysis(
            "#- /notes.flow.yaml\ncollections:\n  a/b: { key: [/x] }\n  c/d: [\n",
        );
        let names: Vec<String> = document_symbols(&analysis, &url("/notes.flow.yaml"))
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert!(names.len() <= 2, "{names:?}");
    }

    #[test]
    fn workspace_symbols_match_by_substring_then_subsequence() {
        let (analysis, _) = analysis(CATALOG);
        let found = |query: &str, limit: usize| -> Vec<(String, String)> {
            workspace_symbols(&analysis, query, limit)
                .into_iter()
                .map(|(file, symbol)| (file.path().to_string(), symbol.name))
                .collect()
        };
        assert_eq!(
            found("DAILY", 10),
            [
                ("/fixture/flow.yaml".into(), "weather/daily".into()),
                ("/fixture/flow.yaml".into(), "weather/test-daily".into()),
            ]
        );
        assert_eq!(
            found("wrd", 10),
            [
                ("/fixture/flow.yaml".into(), "weather/daily".into()),
                (
                    "/fixture/stations.flow.yaml".into(),
                    "weather/readings".into()
                ),
                ("/fixture/flow.yaml".into(), "weather/test-daily".into()),
            ]
        );
        assert_eq!(found("", 1).len(), 1);
        assert!(found("zzz", 10).is_empty());
        assert!(
            workspace_symbols(&analysis, "", 10)
                .iter()
                .all(|(_, symbol)| symbol.children.is_empty())
        );
    }
}
