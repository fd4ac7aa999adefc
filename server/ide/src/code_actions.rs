//! Quick fixes for the diagnostics whose fix is certain (issue #8 item 7):
//! C12's "did you mean" name, C13's missing import, C20's redundant shuffle,
//! C21's redundant source schema, C32b's verify documents in key order, and
//! a C1b non-string test document key (catalog.md §2) quoted.
//!
//! Each fix starts from the build's own `model::Diagnostic` (its scope, not
//! its message), found by resolving the build's diagnostics of the fixable
//! codes with `load::locate` and matching the file diagnostic's code and
//! range. Suggestions and orders come from the functions the checks use
//! (`model::names::suggest`, `json::order::compare_by_key`). Every edit
//! stays inside the one file holding the diagnostic, and a fix whose edited
//! text would not parse as the intended YAML is not offered.

use std::collections::HashSet;

use model::{Catalog, Diagnostic};
use syntax::{NodeKind, ScalarStyle, ScalarValue, Tree};
use text::TextRange;
use url::Url;

use crate::{Analysis, FileRange, RootBuild, SourceChange, TextEdit, apply_edits};

/// One fix of one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    /// The code of the diagnostic it fixes.
    pub code: Option<&'static str>,
    /// The range of the diagnostic it fixes.
    pub diagnostic_range: Option<TextRange>,
    pub change: SourceChange,
    pub is_preferred: bool,
}

/// The codes this module can fix.
const FIXABLE: &[&str] = &["C1b", "C12", "C13", "C20", "C21", "C32b"];

/// The fixes of the diagnostics of `range.file` that touch `range`.
pub fn code_actions(analysis: &Analysis, range: &FileRange) -> Vec<CodeAction> {
    let file = &range.file;
    let wanted: Vec<(&'static str, TextRange)> = analysis
        .file_diagnostics(file)
        .iter()
        .filter(|diagnostic| FIXABLE.contains(&diagnostic.code))
        .filter(|diagnostic| touches(diagnostic.range, range.range))
        .map(|diagnostic| (diagnostic.code, diagnostic.range))
        .collect();
    let mut actions = Vec::new();
    if wanted.is_empty() {
        return actions;
    }
    let mut done: HashSet<(&'static str, TextRange)> = HashSet::new();
    for build in analysis.builds_of(file) {
        let Some(resource) = build.loaded.resource(file) else {
            continue;
        };
        let fixable: Vec<Diagnostic> = build
            .loaded
            .diagnostics
            .iter()
            .chain(&build.diagnostics)
            .filter(|diagnostic| wanted.iter().any(|(code, _)| *code == diagnostic.code))
            .filter(|diagnostic| build.loaded.file_scope(&diagnostic.scope).resource == *file)
            .cloned()
            .collect();
        for located in load::locate::locate_all(&build.loaded, &fixable) {
            let id = (located.diagnostic.code, located.range);
            if located.file.as_ref() != Some(file) || !wanted.contains(&id) || done.contains(&id) {
                continue;
            }
            let site = Site {
                build,
                file,
                text: &resource.text,
                tree: &resource.tree,
                diagnostic: located.diagnostic,
            };
            if let Some((title, edits)) = fix(&site)
                && still_parses(&resource.text, &edits)
            {
                done.insert(id);
                let mut change = SourceChange::default();
                change.edits.insert(file.clone(), edits);
                actions.push(CodeAction {
                    title,
                    code: Some(id.0),
                    diagnostic_range: Some(id.1),
                    change,
                    is_preferred: true,
                });
            }
        }
    }
    actions.sort_by_key(|action| (action.diagnostic_range, action.code));
    actions
}

/// Whether the edited text parses as YAML (when the text did before): the
/// last guard against an edit that breaks the file.
fn still_parses(text: &str, edits: &[TextEdit]) -> bool {
    syntax::parse(apply_edits(text, edits)).errors.is_empty()
        || !syntax::parse(text).errors.is_empty()
}

/// Whether a diagnostic's range touches the requested range (ends included:
/// a cursor just after a name is on it).
fn touches(diagnostic: TextRange, requested: TextRange) -> bool {
    diagnostic.start <= requested.end && requested.start <= diagnostic.end
}

/// One diagnostic to fix, with the file it is in.
struct Site<'a> {
    build: &'a RootBuild,
    file: &'a Url,
    text: &'a str,
    tree: &'a Tree,
    diagnostic: &'a Diagnostic,
}

impl Site<'_> {
    fn catalog(&self) -> &Catalog {
        &self.build.loaded.catalog
    }

    /// The pointer of the diagnostic's scope, when the scope is in this file.
    fn pointer(&self) -> Option<&str> {
        (self.diagnostic.scope.resource == *self.file)
            .then_some(self.diagnostic.scope.pointer.as_str())
    }

    /// The string scalar the scope names, written here (not through an
    /// alias): its range and value.
    fn string_at(&self, pointer: &str) -> Option<(TextRange, syntax::Scalar<'_>)> {
        let located = self.tree.locate(pointer)?;
        if located.anchor_range.is_some() {
            return None;
        }
        let scalar = self.tree.scalar(located.node)?;
        matches!(scalar.value, ScalarValue::String).then_some((located.range, scalar))
    }
}

type Fix = (String, Vec<TextEdit>);

fn fix(site: &Site<'_>) -> Option<Fix> {
    match site.diagnostic.code {
        "C12" => did_you_mean(site),
        "C13" => add_import(site),
        "C20" => remove_entry(site, "Remove the shuffle (it is the source's key)"),
        "C21" => remove_entry(
            site,
            "Remove the source schema (it is the collection's schema)",
        ),
        "C32b" => sort_documents(site),
        "C1b" => quote_document_key(site),
        _ => None,
    }
}

/// C12: the name the check suggests, in the scalar's own quoting.
fn did_you_mean(site: &Site<'_>) -> Option<Fix> {
    let (range, scalar) = site.string_at(site.pointer()?)?;
    let names = site.catalog().collections.iter().map(|c| c.name.as_str());
    let suggestion = model::names::suggest(scalar.text, names)?;
    let new_text = match scalar.style {
        ScalarStyle::Plain => yaml_string(suggestion),
        ScalarStyle::DoubleQuoted => serde_json::to_string(suggestion).ok()?,
        ScalarStyle::SingleQuoted => format!("'{}'", suggestion.replace('\'', "''")),
        ScalarStyle::Literal | ScalarStyle::Folded => return None,
    };
    Some((
        format!("Change to \"{suggestion}\""),
        vec![TextEdit { range, new_text }],
    ))
}

/// C13: imports the file that defines the collection, by its path relative
/// to this file, unless that import would close a cycle (C4).
fn add_import(site: &Site<'_>) -> Option<Fix> {
    let (_, scalar) = site.string_at(site.pointer()?)?;
    let catalog = site.catalog();
    let defined_in = &catalog.collection(scalar.text)?.scope.resource;
    if defined_in == site.file || reaches(catalog, defined_in, site.file) {
        return None;
    }
    let path = site.file.make_relative(defined_in)?;
    if path.is_empty() {
        return None;
    }
    let edit = append_import(site.text, site.tree, &path)?;
    Some((format!("Import {path}"), vec![edit]))
}

/// Whether `from` imports `to`, directly or indirectly.
fn reaches(catalog: &Catalog, from: &Url, to: &Url) -> bool {
    let mut seen: HashSet<&Url> = HashSet::new();
    let mut work = vec![from];
    while let Some(next) = work.pop() {
        if next == to {
            return true;
        }
        if seen.insert(next) {
            work.extend(
                catalog
                    .imports
                    .iter()
                    .filter(|import| import.from == *next)
                    .map(|import| &import.to),
            );
        }
    }
    false
}

/// The edit that adds `path` to the file's `import` list: after its last
/// item, or a new `import` list before the file's first key.
fn append_import(text: &str, tree: &Tree, path: &str) -> Option<TextEdit> {
    let root = tree.root()?;
    let root_node = tree.node(root);
    if root_node.flow || !matches!(root_node.kind, NodeKind::Mapping(_)) {
        return None;
    }
    let item = yaml_string(path);
    let Some(entry) = tree
        .entries(root)
        .iter()
        .find(|entry| entry.merged_via().is_none() && tree.key_text(entry) == "import")
    else {
        let start = root_node.range.start;
        let indent = &text[line_start(text, start) as usize..start as usize];
        if !indent.bytes().all(|b| b == b' ') {
            return None;
        }
        return Some(TextEdit {
            range: TextRange::empty(start),
            new_text: format!("import:\n{indent}  - {item}\n{indent}"),
        });
    };
    let list = tree.node(entry.value);
    let NodeKind::Sequence(items) = &list.kind else {
        return None;
    };
    match items.last() {
        None if list.flow => Some(TextEdit {
            range: list.range,
            new_text: format!("[{item}]"),
        }),
        Some(last) if list.flow => Some(TextEdit {
            range: TextRange::empty(tree.node(*last).range.end),
            new_text: format!(", {item}"),
        }),
        Some(last) => {
            // A new `- item` line shaped like the last item's line.
            let last = tree.node(*last).range;
            let prefix = &text[line_start(text, last.start) as usize..last.start as usize];
            if prefix.trim() != "-" || !prefix.starts_with([' ', '-']) {
                return None;
            }
            let end = line_end(text, last.end);
            let newline = if text[..end as usize].ends_with('\n') {
                ""
            } else {
                "\n"
            };
            Some(TextEdit {
                range: TextRange::empty(end),
                new_text: format!("{newline}{prefix}{item}\n"),
            })
        }
        None => None,
    }
}

/// C20/C21: removes the entry whose value the diagnostic names (its key and
/// value; in a block mapping its whole lines).
fn remove_entry(site: &Site<'_>, title: &str) -> Option<Fix> {
    let tokens = json::pointer::tokens(site.pointer()?)?;
    let (last, parents) = tokens.split_last()?;
    let mut parent = String::new();
    for token in parents {
        json::pointer::push_token(&mut parent, token);
    }
    let located = site.tree.locate(&parent)?;
    if located.anchor_range.is_some() {
        return None;
    }
    let mapping = site.tree.node(located.node);
    let NodeKind::Mapping(entries) = &mapping.kind else {
        return None;
    };
    let written: Vec<_> = entries
        .iter()
        .filter(|entry| entry.merged_via().is_none())
        .collect();
    let index = written
        .iter()
        .position(|entry| site.tree.key_text(entry) == last)?;
    let node_range = |id| site.tree.node(id).range;
    let key = node_range(written[index].key);
    let value = node_range(written[index].value);
    let next_key = written.get(index + 1).map(|entry| node_range(entry.key));
    let range = if mapping.flow {
        if index > 0 {
            // `{ name: a, schema: b }` loses `, schema: b`.
            TextRange::new(node_range(written[index - 1].value).end, value.end)
        } else {
            TextRange::new(key.start, next_key?.start)
        }
    } else {
        let start = line_start(site.text, key.start);
        if site.text[start as usize..key.start as usize]
            .trim()
            .is_empty()
        {
            if written.len() < 2 {
                return None;
            }
            TextRange::new(start, line_end(site.text, value.end))
        } else {
            // The first entry of a `- key: value` item: the next entry moves
            // up after the dash.
            TextRange::new(key.start, next_key?.start)
        }
    };
    Some((
        title.to_string(),
        vec![TextEdit {
            range,
            new_text: String::new(),
        }],
    ))
}

/// C32b: the verify step's documents re-sorted by the collection's key
/// (stable, as the check's message shows them), each item's text moved.
fn sort_documents(site: &Site<'_>) -> Option<Fix> {
    let pointer = site.pointer()?;
    let tree = site.tree;
    let located = tree.locate(pointer)?;
    if located.anchor_range.is_some() {
        return None;
    }
    let items = tree.items(located.node);
    let step = pointer.strip_suffix("/documents")?;
    let (_, name) = site.string_at(&format!("{step}/collection"))?;
    let key = &site.catalog().collection(name.text)?.spec.key;
    let values = items
        .iter()
        .map(|item| tree.to_json(*item).ok())
        .collect::<Option<Vec<_>>>()?;
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|a, b| json::order::compare_by_key(&values[*a], &values[*b], key));
    let edits: Vec<TextEdit> = order
        .iter()
        .enumerate()
        .filter(|(place, from)| place != *from)
        .map(|(place, from)| {
            let source = tree.node(items[*from]).range;
            TextEdit {
                range: tree.node(items[place]).range,
                new_text: site.text[source.start as usize..source.end as usize].to_string(),
            }
        })
        .collect();
    if edits.is_empty() {
        return None;
    }
    // Moving texts is only right when each item reads the same in its new
    // place (same indentation, no alias moved before its anchor).
    let edited = syntax::parse(apply_edits(site.text, &edits));
    let sorted: Vec<_> = order.iter().map(|from| values[*from].clone()).collect();
    let reread = edited
        .tree
        .locate(pointer)
        .and_then(|located| edited.tree.to_json(located.node).ok());
    if !edited.errors.is_empty() || reread != Some(serde_json::Value::Array(sorted)) {
        return None;
    }
    Some((
        "Sort the documents by the collection's key".to_string(),
        edits,
    ))
}

/// C1b at a non-string mapping key inside a test's documents: quote it.
fn quote_document_key(site: &Site<'_>) -> Option<Fix> {
    let range = site.diagnostic.range?;
    let tree = site.tree;
    let documents = tree.locate(site.pointer()?)?;
    // The loader reports each such key at its own range; find it among the
    // documents' keys (aliases followed once each).
    let mut seen = HashSet::new();
    let mut work = vec![documents.node];
    while let Some(node) = work.pop() {
        let node = tree.resolve(node);
        if !seen.insert(node) {
            continue;
        }
        for entry in tree.entries(node) {
            if tree.node(entry.key).range == range
                && let Some(key) = tree.scalar(entry.key)
                && !matches!(key.value, ScalarValue::String)
            {
                let new_text = serde_json::to_string(&key.text).ok()?;
                return Some((
                    format!("Quote the key {new_text}"),
                    vec![TextEdit { range, new_text }],
                ));
            }
            work.push(entry.value);
        }
        work.extend_from_slice(tree.items(node));
    }
    None
}

/// `value` as a YAML scalar: plain when it reads back as that string in any
/// context (block or flow), else double-quoted.
fn yaml_string(value: &str) -> String {
    let plain_chars = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !value.starts_with('-');
    if plain_chars {
        let parse = syntax::parse(value);
        let reads_back = parse.errors.is_empty()
            && parse
                .tree
                .root()
                .and_then(|root| parse.tree.scalar(root))
                .is_some_and(|s| matches!(s.value, ScalarValue::String) && s.text == value);
        if reads_back {
            return value.to_string();
        }
    }
    serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
}

/// The offset of the start of the line holding `offset`.
fn line_start(text: &str, offset: u32) -> u32 {
    text[..offset as usize]
        .rfind('\n')
        .map_or(0, |newline| newline as u32 + 1)
}

/// The offset just past the end of the line holding `offset` (past its
/// newline); `offset` itself when it already starts a line after a value.
fn line_end(text: &str, offset: u32) -> u32 {
    if offset > 0 && text[..offset as usize].ends_with('\n') {
        return offset;
    }
    text[offset as usize..]
        .find('\n')
        .map_or(text.len() as u32, |newline| offset + newline as u32 + 1)
}

#[cfg(test)]
mod tests;
