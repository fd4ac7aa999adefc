//! Loading a catalog (catalog.md §1, §3, §4): the root source, its imports depth
//! first, and every schema document they reference, each URL fetched once
//! through a [`Fetch`]. The result is the [`model::Catalog`] of every entity, the
//! [`schema::SchemaIndex`] of every schema, each resource's text and syntax tree
//! (to map scopes to ranges), and the diagnostics of loading (C1a, C1b, C2, C3,
//! C4). Loading never stops at a mistake: it reports it and goes on.

pub mod fetch;
mod lower;
mod structure;

use std::collections::HashMap;
use std::sync::Arc;

use model::{Catalog, Diagnostic, Resource, ResourceKind, Scope};
use schema::SchemaIndex;
use serde_json::Value;
use text::{LineIndex, TextRange};
use url::Url;

pub use fetch::{DiskFetch, Fetch, MemoryFetch, Overlay, UrlMapping};
pub use structure::describe as describe_value;

/// One loaded resource: its text, syntax tree and JSON value.
#[derive(Debug, Clone)]
pub struct LoadedResource {
    pub url: Url,
    pub kind: ResourceKind,
    pub text: Arc<str>,
    pub tree: syntax::Tree,
    pub line_index: LineIndex,
    /// Shared with the schema index for schema documents (one copy).
    pub json: Arc<Value>,
}

/// Where a scope lands in a file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLocation {
    /// The resource holding the text (a catalog file for inline schemas).
    pub resource: Url,
    pub range: TextRange,
    /// When the scope is reached through an alias or merge: the anchored
    /// definition's range (shown as related information).
    pub anchor_range: Option<TextRange>,
}

/// Everything a load produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub root: Option<Url>,
    pub catalog: Catalog,
    pub schemas: SchemaIndex,
    pub resources: Vec<LoadedResource>,
    resource_index: HashMap<Url, usize>,
    /// Synthetic inline-schema URL → the scope of the inline schema value.
    pub inline_schemas: HashMap<Url, Scope>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn resource(&self, url: &Url) -> Option<&LoadedResource> {
        self.resource_index
            .get(url)
            .map(|index| &self.resources[*index])
    }

    /// Maps a scope inside an inline schema (`file:///f.yaml?ptr=/collections/0/schema#/properties/x`)
    /// to the catalog file holding it (`file:///f.yaml#/collections/0/schema/properties/x`).
    pub fn file_scope(&self, scope: &Scope) -> Scope {
        let mut resource = scope.resource.clone();
        resource.set_fragment(None);
        match self.inline_schemas.get(&resource) {
            Some(inline) => Scope::new(
                inline.resource.clone(),
                format!("{}{}", inline.pointer, scope.pointer),
            ),
            None => Scope::new(resource, scope.pointer.clone()),
        }
    }

    /// The text range a scope names (catalog.md §12 "Which range"): a scalar's
    /// own range; for a block mapping or sequence, its key; with `at_key`, always
    /// the key. A pointer to something absent lands on the nearest present
    /// ancestor's key.
    pub fn locate(&self, scope: &Scope, at_key: bool) -> Option<TextLocation> {
        let scope = self.file_scope(scope);
        let resource = self.resource(&scope.resource)?;
        let mut pointer = scope.pointer.as_str();
        let mut missing = false;
        loop {
            if let Some(located) = resource.tree.locate(pointer) {
                let use_key = at_key || missing || located.is_block_collection;
                let mut range = match (use_key, located.key_range) {
                    (true, Some(key)) => key,
                    (true, None) if located.is_block_collection => {
                        first_child_range(&resource.tree, located.node)
                    }
                    _ => located.range,
                };
                if pointer.is_empty() {
                    range = first_line_range(resource);
                }
                return Some(TextLocation {
                    resource: resource.url.clone(),
                    range,
                    anchor_range: located.anchor_range,
                });
            }
            missing = true;
            match pointer.rfind('/') {
                Some(at) => pointer = &pointer[..at],
                None => {
                    return Some(TextLocation {
                        resource: resource.url.clone(),
                        range: first_line_range(resource),
                        anchor_range: None,
                    });
                }
            }
        }
    }
}

impl Loaded {
    /// The range of the character at (`line`, `column`) (0-based; column in
    /// UTF-16 units) inside the text of the string scalar at `scope`, such as a
    /// position in a lambda body. For a block scalar (`|`), body line `i` is
    /// the file line after the indicator plus `i`, past the content
    /// indentation. Reached through an alias, the position is in the anchored
    /// definition.
    pub fn locate_in_scalar(&self, scope: &Scope, line: u32, column: u32) -> Option<TextLocation> {
        let scope = self.file_scope(scope);
        let resource = self.resource(&scope.resource)?;
        let located = resource.tree.locate(&scope.pointer)?;
        let node = resource.tree.node(located.node);
        let scalar = resource.tree.scalar(located.node)?;
        let text = &*resource.text;
        let index = &resource.line_index;
        let offset = if scalar.style.is_block() {
            let indicator_line = index.line_of(node.range.start);
            let first_line = indicator_line + 1;
            let last_line = index.line_of(node.range.end);
            let indent = (first_line..=last_line)
                .map(|l| index.line_range(text, l))
                .map(|r| &text[r.start as usize..r.end as usize])
                .find(|content| !content.trim().is_empty())
                .map(|content| (content.len() - content.trim_start_matches(' ').len()) as u32)?;
            let file_line = first_line + line;
            let line_range = index.line_range(text, file_line);
            let base = text::Position {
                line: file_line,
                character: 0,
            };
            let start = index
                .offset(text, base, text::ColumnUnit::Utf8)
                .max(line_range.start);
            let content_start = (start + indent).min(line_range.end);
            let line_text = &text[content_start as usize..line_range.end as usize];
            let mut units = 0u32;
            let mut byte = line_text.len();
            for (at, ch) in line_text.char_indices() {
                if units >= column {
                    byte = at;
                    break;
                }
                units += ch.len_utf16() as u32;
            }
            content_start + byte as u32
        } else {
            let quoted = matches!(
                scalar.style,
                syntax::ScalarStyle::SingleQuoted | syntax::ScalarStyle::DoubleQuoted
            );
            let start = node.range.start + u32::from(quoted);
            let position = index.position(text, start, text::ColumnUnit::Utf16);
            let target = text::Position {
                line: position.line + line,
                character: if line == 0 {
                    position.character + column
                } else {
                    column
                },
            };
            index
                .offset(text, target, text::ColumnUnit::Utf16)
                .min(node.range.end)
        };
        let rest = &text[offset as usize..];
        let len = rest
            .chars()
            .next()
            .map_or(0, |c| if c == '\n' { 0 } else { c.len_utf8() }) as u32;
        Some(TextLocation {
            resource: resource.url.clone(),
            range: TextRange::new(offset, offset + len),
            anchor_range: None,
        })
    }
}

/// The first key (or item) of a block collection: where to point at a list
/// item that has no key of its own.
fn first_child_range(tree: &syntax::Tree, node: syntax::NodeId) -> TextRange {
    if let Some(entry) = tree.entries(node).first() {
        return tree.node(entry.key).range;
    }
    match tree.items(node).first() {
        Some(item) => tree.node(*item).range,
        None => tree.node(node).range,
    }
}

fn first_line_range(resource: &LoadedResource) -> TextRange {
    let line = resource.line_index.line_range(&resource.text, 0);
    if line.is_empty() {
        TextRange::empty(0)
    } else {
        line
    }
}

/// A C1a diagnostic for a YAML problem at `range` of a resource's text.
fn yaml_error(
    url: &Url,
    text: &str,
    line_index: &LineIndex,
    range: TextRange,
    detail: &str,
) -> Diagnostic {
    let position = line_index.position(text, range.start, text::ColumnUnit::Char);
    let message = format!(
        "{url}: YAML error at line {}, column {}: {detail}",
        position.line + 1,
        position.character + 1
    );
    Diagnostic::error("C1a", Scope::root(url.clone()), message).with_range(range)
}

/// Loads the catalog rooted at `root`.
pub fn load(root: &Url, fetch: &dyn Fetch) -> Loaded {
    let mut loader = Loader {
        fetch,
        loaded: Loaded::default(),
        stack: Vec::new(),
    };
    loader.loaded.root = Some(root.clone());
    loader.load_catalog(root, None);
    loader.loaded
}

struct Loader<'f> {
    fetch: &'f dyn Fetch,
    loaded: Loaded,
    /// Catalog sources being loaded (the depth-first import path).
    stack: Vec<Url>,
}

impl Loader<'_> {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.loaded.diagnostics.push(diagnostic);
    }

    /// Fetches and parses a resource, or reports why it could not (C2, C3, C1a).
    /// Returns None when the resource was already loaded or could not be.
    fn fetch_resource(
        &mut self,
        url: &Url,
        kind: ResourceKind,
        referrer: Option<&Scope>,
    ) -> Option<usize> {
        if let Some(existing) = self.loaded.resource(url) {
            if existing.kind != kind {
                let scope = referrer
                    .cloned()
                    .unwrap_or_else(|| Scope::root(url.clone()));
                let message = format!(
                    "{url} is used as a {} here but was already loaded as a {}",
                    kind.as_str(),
                    existing.kind.as_str()
                );
                self.error(Diagnostic::error("C3", scope, message));
            }
            return None;
        }
        let text = match self.fetch.fetch(url) {
            Ok(text) => text,
            Err(reason) => {
                let scope = referrer
                    .cloned()
                    .unwrap_or_else(|| Scope::root(url.clone()));
                self.error(Diagnostic::error(
                    "C2",
                    scope,
                    format!("could not load {url}: {reason}"),
                ));
                return None;
            }
        };
        let parse = syntax::parse(&text);
        let line_index = LineIndex::new(&text);
        for error in &parse.errors {
            let mut diagnostic = yaml_error(url, &text, &line_index, error.range, &error.message);
            if let Some((range, message)) = &error.related {
                diagnostic.related.push(model::Related {
                    scope: Scope::root(url.clone()),
                    range: Some(*range),
                    message: message.clone(),
                });
            }
            self.error(diagnostic);
        }
        let json = match parse.tree.document_json() {
            Ok(json) => json,
            Err(error) => {
                self.error(yaml_error(
                    url,
                    &text,
                    &line_index,
                    error.range,
                    &error.message,
                ));
                Value::Null
            }
        };
        let index = self.loaded.resources.len();
        self.loaded.resources.push(LoadedResource {
            url: url.clone(),
            kind,
            text: Arc::from(text),
            tree: parse.tree,
            line_index,
            json: Arc::new(json),
        });
        self.loaded.resource_index.insert(url.clone(), index);
        self.loaded.catalog.resources.push(Resource {
            url: url.clone(),
            kind,
        });
        Some(index)
    }

    fn load_catalog(&mut self, url: &Url, referrer: Option<&Scope>) {
        let Some(index) = self.fetch_resource(url, ResourceKind::Catalog, referrer) else {
            return;
        };
        // Taken out while this file's imports and entities load (nothing reads
        // a catalog's JSON meanwhile), and put back after: no copy.
        let json = std::mem::take(&mut self.loaded.resources[index].json);
        self.load_catalog_json(url, &json);
        self.loaded.resources[index].json = json;
    }

    /// Imports (depth first), then the entities of one catalog source.
    fn load_catalog_json(&mut self, url: &Url, json: &Value) {
        let root = Scope::root(url.clone());
        match json {
            Value::Null => return,
            Value::Object(_) => {
                let structural = structure::check(&root, json);
                self.loaded.diagnostics.extend(structural);
            }
            other => {
                let message = format!(
                    "a catalog source must be a mapping, found {}",
                    structure::describe(other)
                );
                self.error(Diagnostic::error("C1b", root, message));
                return;
            }
        }
        self.stack.push(url.clone());
        if let Some(imports) = json.get("import").and_then(Value::as_array) {
            for (position, entry) in imports.iter().enumerate() {
                let Some(written) = entry.as_str() else {
                    continue;
                };
                let scope = root.push("import").push(position);
                self.import(url, written, &scope);
            }
        }
        self.stack.pop();
        lower::lower_catalog(self, &root, json);
    }

    fn import(&mut self, from: &Url, written: &str, scope: &Scope) {
        let mut to = match from.join(written) {
            Ok(to) => to,
            Err(error) => {
                self.error(Diagnostic::error(
                    "C2",
                    scope.clone(),
                    format!("could not load {written}: invalid URL ({error})"),
                ));
                return;
            }
        };
        to.set_fragment(None);
        if self.closes_cycle(from, &to) {
            let message = format!(
                "importing {to} from {from} creates an import cycle ({from} is already imported by {to})"
            );
            self.error(Diagnostic::error("C4", scope.clone(), message));
            return;
        }
        self.loaded.catalog.imports.push(model::Import {
            scope: scope.clone(),
            from: from.clone(),
            to: to.clone(),
        });
        self.load_catalog(&to, Some(scope));
    }

    /// True when an edge `from → to` would close a cycle: `to` is `from` or
    /// is being loaded above it. Nothing else can: `from` is being loaded
    /// now (top of the stack), and an edge into a file is recorded only while
    /// that file is not on the stack, after which the file loads completely
    /// (or never, when it cannot be fetched) — so no already-loaded file can
    /// reach `from`. This keeps the check O(depth) per import.
    fn closes_cycle(&self, from: &Url, to: &Url) -> bool {
        from == to || self.stack.contains(to)
    }

    /// Loads the schema written at `scope` (a URL or an inline schema) and every
    /// document it references.
    fn load_schema(&mut self, scope: &Scope, spec: &model::SchemaSpec) {
        match spec {
            model::SchemaSpec::Url(written) => match scope.resource.join(written) {
                Ok(mut url) => {
                    url.set_fragment(None);
                    self.load_schema_document(&url, scope);
                }
                Err(error) => {
                    self.error(Diagnostic::error(
                        "C7",
                        scope.clone(),
                        format!("schema reference {written} cannot be resolved: {error}"),
                    ));
                }
            },
            model::SchemaSpec::Inline(inline) => {
                let url = model::catalog::inline_schema_url(scope);
                if self.loaded.inline_schemas.contains_key(&url) {
                    return;
                }
                self.loaded
                    .inline_schemas
                    .insert(url.clone(), scope.clone());
                self.loaded
                    .schemas
                    .add_shared_document(url.clone(), inline.0.clone());
                self.load_references(&url, schema::collect_refs(&url, &inline.0));
            }
        }
    }

    fn load_schema_document(&mut self, url: &Url, referrer: &Scope) {
        let Some(index) = self.fetch_resource(url, ResourceKind::Schema, Some(referrer)) else {
            return;
        };
        let references = schema::collect_refs(url, &self.loaded.resources[index].json);
        let json = self.loaded.resources[index].json.clone();
        self.loaded.schemas.add_shared_document(url.clone(), json);
        self.load_references(url, references);
    }

    fn load_references(&mut self, url: &Url, references: Vec<schema::SchemaRef>) {
        for reference in references {
            let mut target = reference.target.clone();
            target.set_fragment(None);
            // A document, or a sub-schema by its `$id` (catalog.md §6.2):
            // found in the index, never fetched.
            if self.loaded.schemas.has_resource(&target)
                || self.loaded.inline_schemas.contains_key(&target)
            {
                continue;
            }
            let scope = Scope::new(url.clone(), reference.pointer.clone());
            self.load_schema_document(&target, &scope);
        }
    }
}

#[cfg(test)]
mod tests;
