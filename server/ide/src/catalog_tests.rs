//! The catalog's tests as the editor shows them, as plain data: discovery
//! (every test with its name key, whole range and steps, in run order),
//! code lenses (run a test, run a file's tests, preview a derivation), a
//! failed verify as `T1` diagnostics on the step's documents, and "accept
//! actual": the step's documents replaced with the actual ones, written in
//! the file's own YAML style (flow or block, its indentation, the fixture's
//! key order and string quoting where the keys exist).

use std::collections::HashSet;

use load::Loaded;
use model::{Scope, TestStepSpec};
use runtime::testing::{self, DocumentMismatch, Problem, TestResult};
use serde_json::{Map, Value};
use syntax::{NodeId, NodeKind, ScalarStyle, Tree};
use text::TextRange;
use url::Url;

use crate::{Analysis, TextEdit};

/// A test as a test UI lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestItem {
    pub name: String,
    pub file: Url,
    /// From the name key to the end of the steps.
    pub range: TextRange,
    /// The name key.
    pub selection: TextRange,
    pub steps: Vec<StepItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepItem {
    pub index: usize,
    /// `ingest` or `verify`.
    pub kind: &'static str,
    pub collection: String,
    pub range: TextRange,
}

/// Every test of the analysis, once each (several roots may load its file),
/// in run order (runtime.md §7.1); with `file`, only the tests it defines.
pub fn discover(analysis: &Analysis, file: Option<&Url>) -> Vec<TestItem> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for build in analysis.roots() {
        for test in &build.loaded.catalog.tests {
            let resource = &test.scope.resource;
            if file.is_some_and(|file| file != resource) || !seen.insert(test.scope.to_string()) {
                continue;
            }
            let Some(tree) = build.loaded.resource(resource).map(|r| &r.tree) else {
                continue;
            };
            let Some(located) = tree.locate(&test.scope.pointer) else {
                continue;
            };
            let selection = located.key_range.unwrap_or(located.range);
            let end = content_end(tree, located.node).max(selection.end);
            let steps = test
                .steps
                .iter()
                .enumerate()
                .filter_map(|(index, step)| {
                    let at = tree.locate(&test.scope.push(index).pointer)?;
                    let (kind, collection) = match step {
                        TestStepSpec::Ingest(ingest) => ("ingest", &ingest.collection),
                        TestStepSpec::Verify(verify) => ("verify", &verify.collection),
                    };
                    Some(StepItem {
                        index,
                        kind,
                        collection: collection.clone(),
                        range: TextRange::new(at.range.start, content_end(tree, at.node)),
                    })
                })
                .collect();
            found.push(TestItem {
                name: test.name.clone(),
                file: resource.clone(),
                range: TextRange::new(selection.start, end),
                selection,
                steps,
            });
        }
    }
    found.sort_by(|a, b| {
        (a.file.as_str(), a.name.as_bytes()).cmp(&(b.file.as_str(), b.name.as_bytes()))
    });
    found
}

/// What a code lens does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LensKind {
    /// Run the test of this name.
    RunTest(String),
    /// Run the tests of the file (on its first line).
    RunAll,
    /// Preview the derivation of this name.
    Preview(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lens {
    pub range: TextRange,
    pub kind: LensKind,
}

/// The code lenses of `file`: "run all" on its first line when it defines
/// tests, "run" on each test's name key, "preview" on each derivation's name.
pub fn lenses(analysis: &Analysis, file: &Url) -> Vec<Lens> {
    let tests = discover(analysis, Some(file));
    let mut lenses = Vec::new();
    if !tests.is_empty() {
        lenses.push(Lens {
            range: TextRange::new(0, 0),
            kind: LensKind::RunAll,
        });
    }
    for test in tests {
        lenses.push(Lens {
            range: test.selection,
            kind: LensKind::RunTest(test.name),
        });
    }
    let mut seen = HashSet::new();
    for build in analysis.builds_of(file) {
        for collection in &build.loaded.catalog.collections {
            if collection.spec.derivation.is_none()
                || &collection.scope.resource != file
                || !seen.insert(collection.name.clone())
            {
                continue;
            }
            if let Some(location) = build.loaded.locate(&collection.name_scope(), true) {
                lenses.push(Lens {
                    range: location.range,
                    kind: LensKind::Preview(collection.name.clone()),
                });
            }
        }
    }
    lenses.sort_by_key(|lens| (lens.range.start, lens.range.end));
    lenses
}

/// A verify failure shown in the editor (code `T1`).
#[derive(Debug, Clone, PartialEq)]
pub struct TestDiagnostic {
    pub file: Url,
    pub range: TextRange,
    pub message: String,
    /// What "accept actual" writes, when the documents are small enough to
    /// carry (see [`MAX_ACCEPT_BYTES`]).
    pub accept: Option<AcceptActual>,
}

/// The step's `documents` (a JSON pointer of the test's file) and the
/// documents the verify saw.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptActual {
    pub pointer: String,
    pub actual: Vec<Value>,
}

/// Most bytes of actual documents a diagnostic carries for "accept actual".
pub const MAX_ACCEPT_BYTES: usize = 1 << 20;

/// The `T1` diagnostics of a test result: one per differing document of its
/// failed verify step (none when it passed or failed otherwise), on the
/// fixture document (on the `documents` key for an unexpected one).
pub fn verify_diagnostics(loaded: &Loaded, result: &TestResult) -> Vec<TestDiagnostic> {
    let Some(failure) = &result.failure else {
        return Vec::new();
    };
    let (Problem::Mismatch(mismatches), Some(step)) = (&failure.problem, failure.step) else {
        return Vec::new();
    };
    let documents = failure.scope.push("verify").push("documents");
    let actual = result
        .verifies
        .iter()
        .rfind(|verify| verify.step == step)
        .map(|verify| verify.actual.clone());
    let accept = actual
        .filter(|actual| {
            serde_json::to_vec(actual).map_or(0, |bytes| bytes.len()) <= MAX_ACCEPT_BYTES
        })
        .map(|actual| AcceptActual {
            pointer: loaded.file_scope(&documents).pointer,
            actual,
        });
    mismatches
        .iter()
        .filter_map(|mismatch| {
            let scope: Scope = match mismatch {
                DocumentMismatch::Unexpected { .. } => documents.clone(),
                _ => failure.document_scope(mismatch.index()),
            };
            let location = loaded.locate(&scope, false)?;
            Some(TestDiagnostic {
                file: location.resource,
                range: location.range,
                message: format!(
                    "test \"{}\" failed at step {}: {mismatch}",
                    result.name,
                    step + 1
                ),
                accept: accept.clone(),
            })
        })
        .collect()
}

/// The edit of "accept actual": the sequence at `pointer` in `file` (a
/// verify step's `documents`) rewritten as `actual`. `None` when the file
/// has no sequence there (it changed), or it is reached through an alias.
pub fn accept_actual(
    analysis: &Analysis,
    file: &Url,
    pointer: &str,
    actual: &[Value],
) -> Option<TextEdit> {
    let view = analysis.file(file)?;
    render_documents(view.text, view.tree, pointer, actual)
}

/// `actual` written over the sequence at `pointer` of `tree`, in its style.
pub fn render_documents(
    text: &str,
    tree: &Tree,
    pointer: &str,
    actual: &[Value],
) -> Option<TextEdit> {
    let located = tree.locate(pointer)?;
    if located.anchor_range.is_some() {
        return None;
    }
    let node = tree.node(located.node);
    let NodeKind::Sequence(items) = &node.kind else {
        return None;
    };
    let writer = Writer { tree, text };
    // The original document at `index`, else the first (its style applies
    // to documents beyond the fixtures).
    let original = |index: usize| items.get(index).or(items.first()).copied();
    if node.flow || items.is_empty() {
        let (range, separator) = match (items.first(), items.last()) {
            (Some(first), Some(last)) => {
                let start = tree.node(*first).range.start;
                let end = content_end(tree, *last);
                let separator = if text[start as usize..end as usize].contains('\n') {
                    format!(",\n{}", " ".repeat(column(text, start)))
                } else {
                    ", ".to_string()
                };
                (TextRange::new(start, end), separator)
            }
            _ => (node.range, ", ".to_string()),
        };
        let rendered: Vec<String> = actual
            .iter()
            .enumerate()
            .map(|(index, document)| writer.flow(document, original(index)))
            .collect();
        let mut new_text = rendered.join(&separator);
        if items.is_empty() {
            new_text = format!("[{new_text}]");
        }
        return Some(TextEdit { range, new_text });
    }
    let first = tree.node(items[0]).range.start;
    // The dash of the first item.
    let dash = text[..first as usize].rfind('-')? as u32;
    let end = content_end(tree, *items.last()?);
    let indent = column(text, dash);
    let rendered: Vec<String> = actual
        .iter()
        .enumerate()
        .map(|(index, document)| {
            format!("- {}", writer.item(document, original(index), indent + 2))
        })
        .collect();
    Some(TextEdit {
        range: TextRange::new(dash, end),
        new_text: rendered.join(&format!("\n{}", " ".repeat(indent))),
    })
}

/// Where a node's text ends: a block collection's node may run on to the
/// next token, so it ends where its last child's text ends.
fn content_end(tree: &Tree, id: NodeId) -> u32 {
    let node = tree.node(id);
    if node.flow {
        return node.range.end;
    }
    match &node.kind {
        NodeKind::Mapping(entries) => entries
            .iter()
            .filter(|entry| entry.merged_via().is_none())
            .map(|entry| {
                tree.node(entry.key)
                    .range
                    .end
                    .max(content_end(tree, entry.value))
            })
            .max()
            .unwrap_or(node.range.end),
        NodeKind::Sequence(items) => items
            .last()
            .map_or(node.range.end, |last| content_end(tree, *last)),
        NodeKind::Scalar(_) | NodeKind::Alias(_) => node.range.end,
    }
}

/// The column (in bytes) of `offset` on its line.
fn column(text: &str, offset: u32) -> usize {
    let offset = offset as usize;
    offset - text[..offset].rfind('\n').map_or(0, |at| at + 1)
}

/// Writes JSON values as YAML, following an original node's style where
/// there is one.
struct Writer<'a> {
    tree: &'a Tree,
    text: &'a str,
}

impl Writer<'_> {
    fn original_kind(&self, original: Option<NodeId>) -> Option<(NodeKind<'_>, bool, NodeId)> {
        let id = self.tree.resolve(original?);
        let node = self.tree.node(id);
        Some((node.kind, node.flow, id))
    }

    /// A sequence item whose text starts at column `indent`.
    fn item(&self, value: &Value, original: Option<NodeId>, indent: usize) -> String {
        match (value, self.original_kind(original)) {
            (Value::Object(map), Some((NodeKind::Mapping(_), false, id))) if !map.is_empty() => {
                self.block_mapping(map, Some(id), indent)
            }
            _ => self.flow(value, original),
        }
    }

    /// A block mapping whose keys start at column `indent` (the first one
    /// where the text is already).
    fn block_mapping(
        &self,
        map: &Map<String, Value>,
        original: Option<NodeId>,
        indent: usize,
    ) -> String {
        let lines: Vec<String> = self
            .entries(map, original)
            .into_iter()
            .map(|(key, value, key_node, value_node)| {
                let key = self.string(key, key_node);
                match (value, self.original_kind(value_node)) {
                    (Value::Object(child), Some((NodeKind::Mapping(_), false, id)))
                        if !child.is_empty() =>
                    {
                        format!(
                            "{key}:\n{}{}",
                            " ".repeat(indent + 2),
                            self.block_mapping(child, Some(id), indent + 2)
                        )
                    }
                    _ => format!("{key}: {}", self.flow(value, value_node)),
                }
            })
            .collect();
        lines.join(&format!("\n{}", " ".repeat(indent)))
    }

    /// A value in flow style (`{ a: 1 }`, `[1, 2]`, scalars).
    fn flow(&self, value: &Value, original: Option<NodeId>) -> String {
        let original_kind = self.original_kind(original);
        match value {
            Value::Object(map) if map.is_empty() => "{}".to_string(),
            Value::Object(map) => {
                let entries: Vec<String> = self
                    .entries(map, original)
                    .into_iter()
                    .map(|(key, value, key_node, value_node)| {
                        format!(
                            "{}: {}",
                            self.string(key, key_node),
                            self.flow(value, value_node)
                        )
                    })
                    .collect();
                // `{a: 1}` stays tight; anything else gets `{ a: 1 }`.
                let tight = original_kind.is_some_and(|(kind, flow, id)| {
                    flow && matches!(kind, NodeKind::Mapping(_))
                        && self.text[self.tree.node(id).range.start as usize..]
                            .chars()
                            .nth(1)
                            .is_some_and(|c| c != ' ' && c != '}')
                });
                if tight {
                    format!("{{{}}}", entries.join(", "))
                } else {
                    format!("{{ {} }}", entries.join(", "))
                }
            }
            Value::Array(items) => {
                let originals: &[NodeId] = match original_kind {
                    Some((NodeKind::Sequence(originals), _, _)) => originals,
                    _ => &[],
                };
                let items: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| self.flow(item, originals.get(index).copied()))
                    .collect();
                format!("[{}]", items.join(", "))
            }
            Value::String(text) => self.string(text, original),
            Value::Null => "null".to_string(),
            Value::Bool(value) => value.to_string(),
            Value::Number(number) => number.to_string(),
        }
    }

    /// A mapping's entries: the original's keys first in its order, then
    /// the others in the value's order; each with the original key and
    /// value nodes when there are.
    #[allow(clippy::type_complexity)]
    fn entries<'v>(
        &self,
        map: &'v Map<String, Value>,
        original: Option<NodeId>,
    ) -> Vec<(&'v String, &'v Value, Option<NodeId>, Option<NodeId>)> {
        let mut out = Vec::with_capacity(map.len());
        let mut placed = HashSet::new();
        if let Some((NodeKind::Mapping(entries), _, _)) = self.original_kind(original) {
            for entry in entries {
                if let Some((key, value)) = map.get_key_value(self.tree.key_text(entry))
                    && placed.insert(key.as_str())
                {
                    out.push((key, value, Some(entry.key), Some(entry.value)));
                }
            }
        }
        for (key, value) in map {
            if !placed.contains(key.as_str()) {
                out.push((key, value, None, None));
            }
        }
        out
    }

    /// A string (or key) quoted as the original scalar was when it was
    /// quoted, plain when it can be, else double-quoted.
    fn string(&self, text: &str, original: Option<NodeId>) -> String {
        let style = original
            .and_then(|id| self.tree.scalar(self.tree.resolve(id)))
            .map(|scalar| scalar.style);
        match style {
            Some(ScalarStyle::DoubleQuoted) => double_quoted(text),
            Some(ScalarStyle::SingleQuoted) if !text.chars().any(char::is_control) => {
                format!("'{}'", text.replace('\'', "''"))
            }
            _ if plain_safe(text) => text.to_string(),
            _ => double_quoted(text),
        }
    }
}

/// A JSON string literal, which is a YAML double-quoted scalar.
fn double_quoted(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

/// Whether `text` reads back as the same string when written plain, in
/// block and flow context alike.
fn plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let reserved = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf",
    ];
    (first.is_ascii_alphabetic() || first == '_')
        && !text.ends_with(' ')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./@ ".contains(c))
        && !reserved.contains(&text.to_ascii_lowercase().as_str())
}

/// The tests of the builds that hold `file` (every root's tests without
/// it), in run order, once each, filtered by exact name when `names` is
/// given: what `flowctl.runTests` runs. Each comes with the build it runs in.
pub fn tests_to_run<'a>(
    analysis: &'a Analysis,
    file: Option<&Url>,
    names: Option<&[String]>,
) -> Vec<(&'a crate::RootBuild, &'a model::Test)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for build in analysis.roots().iter().map(AsRef::as_ref) {
        if file.is_some_and(|file| build.loaded.resource(file).is_none()) {
            continue;
        }
        for test in testing::ordered_tests(&build.loaded.catalog) {
            if names.is_some_and(|names| !names.contains(&test.name)) {
                continue;
            }
            if seen.insert(test.scope.to_string()) {
                out.push((build, test));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
