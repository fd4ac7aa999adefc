//! Loading a catalog (catalog.md §1, §3, §4): the root source, its imports depth
//! first, and every schema document they reference, each URL fetched once
//! through a [`Fetch`]. The result is the [`model::Catalog`] of every entity, the
//! [`schema::SchemaIndex`] of every schema, each resource's text and syntax tree
//! (to map scopes to ranges), and the diagnostics of loading (C1a, C1b, C2, C3,
//! C4). Loading never stops at a mistake: it reports it and goes on.

pub mod fetch;
pub mod locate;
mod lower;
mod memo;
mod prefetch;
mod scalar;
mod structure;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::Arc;

use model::compact::Json;
use model::{Catalog, Diagnostic, Resource, ResourceKind, Scope};
use schema::SchemaIndex;
use serde_json::Value;
use text::{LineIndex, TextRange};
use url::Url;

pub use fetch::{DiskFetch, Fetch, MemoryFetch, Overlay, UrlMapping};
pub use memo::{CatalogImports, Memo, MemoStats};
pub use prefetch::{Prefetched, load_parallel, prefetch};
pub use scalar::ScalarMap;
pub use structure::describe as describe_value;

/// One loaded resource: its text, syntax tree and JSON value.
#[derive(Debug, Clone)]
pub struct LoadedResource {
    pub url: Url,
    pub kind: ResourceKind,
    pub text: Arc<str>,
    /// Shared with the [`Memo`] that parsed it (and later loads of the
    /// same text).
    pub tree: Arc<syntax::Tree>,
    /// Shared with the [`Memo`] that parsed it.
    pub line_index: Arc<LineIndex>,
    /// Shared with the schema index for schema documents (one copy). For a
    /// catalog file, `null` (its entities are in the model;
    /// `tree.document_json()` rebuilds it when needed).
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
    /// The inline schemas, by synthetic URL (see [`Loaded::inline_schema`]).
    inline_schemas: HashSet<InlineSchema>,
    pub diagnostics: Vec<Diagnostic>,
}

/// An inline schema of a load: the collection's place of it (shared with
/// the lowered collection), found by its synthetic URL's text.
#[derive(Debug, Clone)]
struct InlineSchema(Arc<model::SchemaPlace>);

impl InlineSchema {
    fn url(&self) -> &str {
        self.0.url.as_ref().map(Url::as_str).unwrap_or_default()
    }
}

impl PartialEq for InlineSchema {
    fn eq(&self, other: &InlineSchema) -> bool {
        self.url() == other.url()
    }
}

impl Eq for InlineSchema {}

impl std::hash::Hash for InlineSchema {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.url().hash(state);
    }
}

impl std::borrow::Borrow<str> for InlineSchema {
    fn borrow(&self) -> &str {
        self.url()
    }
}

impl Loaded {
    /// The scope of the inline schema value whose synthetic URL (without
    /// fragment) is `url`.
    pub fn inline_schema(&self, url: &Url) -> Option<&Scope> {
        self.inline_schemas
            .get(url.as_str())
            .map(|inline| &inline.0.scope)
    }

    /// Everything the load yields that a later stage reads, as text:
    /// diagnostics, catalog, resources, schema documents and inline schemas.
    /// Two loads are the same load when their summaries are equal (the
    /// tests that compare warm with cold, parallel with sequential).
    pub fn summary(&self) -> String {
        let resources: Vec<_> = self
            .resources
            .iter()
            .map(|resource| (&resource.url, resource.kind, &resource.text, &resource.json))
            .collect();
        let documents: Vec<_> = self.schemas.documents().collect();
        let mut inline: Vec<_> = self.inline_schemas().collect();
        inline.sort_by_key(|(url, _)| *url);
        format!(
            "{:#?}\n{:#?}\n{resources:#?}\n{documents:#?}\n{inline:#?}",
            self.diagnostics, self.catalog
        )
    }

    /// Every inline schema of the load: its synthetic URL and scope, in no
    /// particular order.
    pub fn inline_schemas(&self) -> impl Iterator<Item = (&str, &Scope)> {
        self.inline_schemas
            .iter()
            .map(|inline| (inline.url(), &inline.0.scope))
    }

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
        match self.inline_schema(&resource) {
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
                    // Reached through an alias, the use site (the alias) is
                    // the place; its first child is in the anchor.
                    (true, None)
                        if located.is_block_collection && located.anchor_range.is_none() =>
                    {
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

/// Whether a resource at `from` may refer to `to`: a resource fetched over
/// `http(s)` (or served as one through `--map-url`, which keeps its URL)
/// reaches only `http(s)` URLs, never the local files of whoever builds it.
fn reachable(from: &Url, to: &Url) -> Result<(), String> {
    let remote = |url: &Url| matches!(url.scheme(), "http" | "https");
    if remote(from) && !remote(to) {
        return Err(format!(
            "{from} is a remote resource, and a remote resource cannot refer to a {} URL",
            to.scheme()
        ));
    }
    Ok(())
}

/// Why a parsed file is not the kind of document it is used as (a catalog
/// source is a mapping, or empty; a schema a mapping or a boolean), said
/// without quoting it: a file that is not one may be anything (`/etc/passwd`,
/// a `.env`), and its content must not reach a log (issue #12).
fn wrong_kind(parse: &memo::ParsedFile, kind: ResourceKind) -> Option<String> {
    use syntax::{Outer, ScalarValue};
    let (text, line_index) = (&parse.text, &parse.line_index);
    let catalog = kind == ResourceKind::Catalog;
    let root_scalar = parse
        .tree
        .root()
        .and_then(|root| parse.tree.scalar(root))
        .map(|scalar| scalar.value);
    let holds = match parse.outer {
        Some(Outer::Mapping) => return None,
        None if parse.errors.is_empty() && catalog => return None,
        Some(Outer::Scalar) => match root_scalar {
            Some(ScalarValue::Null) if catalog => return None,
            Some(ScalarValue::Bool(_)) if !catalog => return None,
            Some(ScalarValue::Null) => "null",
            Some(ScalarValue::Bool(_)) => "a boolean",
            Some(ScalarValue::Int(_) | ScalarValue::UInt(_) | ScalarValue::Float(_)) => "a number",
            Some(ScalarValue::String) | None => "text",
        },
        Some(Outer::Sequence) => "a list",
        None if parse.errors.is_empty() => "nothing",
        None => "no YAML value",
    };
    let expected = if catalog {
        "a catalog source (a YAML mapping)"
    } else {
        "a JSON Schema (a mapping or a boolean)"
    };
    let syntax = match parse.errors.first() {
        Some(error) => {
            let at = line_index.position(text, error.range.start, text::ColumnUnit::Char);
            format!(
                ", and is not valid YAML (line {}, column {}: {})",
                at.line + 1,
                at.character + 1,
                error.message
            )
        }
        None => String::new(),
    };
    Some(format!(
        "it is not {expected}: the file holds {holds}{syntax}"
    ))
}

/// A C1a diagnostic for a YAML problem at `range` of a resource's text.
pub fn yaml_error(
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
    load_inner(root, fetch, None)
}

/// Loads the catalog rooted at `root`, reusing the per-file work `memo`
/// holds for texts it has seen (and keeping what it does for the next
/// load). The result is exactly [`load`]'s.
pub fn load_with(root: &Url, fetch: &dyn Fetch, memo: &Memo) -> Loaded {
    load_inner(root, fetch, Some(memo))
}

fn load_inner(root: &Url, fetch: &dyn Fetch, memo: Option<&Memo>) -> Loaded {
    let mut loader = Loader {
        fetch,
        memo,
        loaded: Loaded::default(),
        parses: Vec::new(),
        open: HashSet::new(),
        failed: HashMap::new(),
    };
    loader.loaded.root = Some(root.clone());
    loader.load_catalog(root, None);
    loader.loaded
}

struct Loader<'f> {
    fetch: &'f dyn Fetch,
    memo: Option<&'f Memo>,
    loaded: Loaded,
    /// The parse of each resource, by resource index (without a memo,
    /// dropped once a catalog file is lowered, freeing its JSON).
    parses: Vec<Option<Arc<memo::ParsedFile>>>,
    /// Catalog sources being loaded (the depth-first import path).
    open: HashSet<Url>,
    /// Resources that could not be loaded as a kind, with the reason.
    failed: HashMap<(Url, ResourceKind), String>,
}

/// A catalog source whose imports are being loaded (see `Loader::load_catalog`).
struct OpenCatalog {
    url: Url,
    /// What its text yields as a catalog source.
    source: Arc<memo::CatalogSource>,
    /// The next entry of its string imports to look at.
    next: usize,
}

impl OpenCatalog {
    /// The position in `source.imports` of the next import to load.
    fn next_import(&mut self) -> Option<usize> {
        let next = self.next;
        self.next += 1;
        (next < self.source.imports.len()).then_some(next)
    }
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
        if let Some(referrer) = referrer
            && let Err(reason) = reachable(&referrer.resource, url)
        {
            let message = format!("could not load {url}: {reason}");
            self.error(Diagnostic::error("C2", referrer.clone(), message));
            return None;
        }
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
        let scope = || {
            referrer
                .cloned()
                .unwrap_or_else(|| Scope::root(url.clone()))
        };
        // A URL that failed once fails the same way at every reference,
        // without being read again (a thousand `$ref`s to a huge file must
        // not read it a thousand times).
        if !self.failed.is_empty()
            && let Some(reason) = self.failed.get(&(url.clone(), kind)).cloned()
        {
            let message = format!("could not load {url}: {reason}");
            self.error(Diagnostic::error("C2", scope(), message));
            return None;
        }
        let read = self.fetch.fetch(url).and_then(|text| {
            let parse = memo::parse(self.memo, url, text);
            // Not registered when it is not what it is used as: nothing can
            // point into (and so quote) such a file.
            match wrong_kind(&parse, kind) {
                Some(reason) => Err(reason),
                None => Ok(parse),
            }
        });
        let parse = match read {
            Ok(read) => read,
            Err(reason) => {
                let message = format!("could not load {url}: {reason}");
                self.error(Diagnostic::error("C2", scope(), message));
                self.failed.insert((url.clone(), kind), reason);
                return None;
            }
        };
        for error in &parse.errors {
            let mut diagnostic = yaml_error(
                url,
                &parse.text,
                &parse.line_index,
                error.range,
                &error.message,
            );
            if let Some((range, message)) = &error.related {
                diagnostic.related.push(model::Related {
                    scope: Scope::root(url.clone()),
                    range: Some(*range),
                    message: message.clone(),
                });
            }
            self.error(diagnostic);
        }
        if let Some(diagnostic) = &parse.json_error {
            self.error(diagnostic.clone());
        }
        // A catalog source is read through its `CatalogSource`, never as JSON.
        let json = match kind {
            ResourceKind::Catalog => Arc::new(Value::Null),
            _ => parse.json(),
        };
        let index = self.loaded.resources.len();
        self.loaded.resources.push(LoadedResource {
            url: url.clone(),
            kind,
            text: Arc::clone(&parse.text),
            tree: Arc::clone(&parse.tree),
            line_index: Arc::clone(&parse.line_index),
            json,
        });
        self.parses.push(Some(parse));
        self.loaded.resource_index.insert(url.clone(), index);
        self.loaded.catalog.resources.push(Resource {
            url: url.clone(),
            kind,
        });
        Some(index)
    }

    /// Loads the catalog source at `root` and, depth first, everything it
    /// imports: each file's imports before its own entities (catalog.md §3).
    /// An explicit work list of open files, not recursion, so a chain of
    /// imports as long as a user cares to write cannot overflow the stack.
    fn load_catalog(&mut self, root: &Url, referrer: Option<&Scope>) {
        let mut open: Vec<OpenCatalog> = Vec::new();
        open.extend(self.open_catalog(root, referrer));
        while let Some(top) = open.last_mut() {
            if let Some(next) = top.next_import() {
                let (from, source) = (top.url.clone(), Arc::clone(&top.source));
                if let Some(edge) = self.import(&from, &source.imports[next]) {
                    open.extend(self.open_catalog(&edge.to, Some(&edge.scope)));
                }
                continue;
            }
            let Some(done) = open.pop() else { break };
            self.open.remove(&done.url);
            let url = done.url.clone();
            let Some(&index) = self.loaded.resource_index.get(&url) else {
                continue;
            };
            if self.memo.is_none() {
                self.parses[index] = None;
            }
            // Kept by a memo for the next load of the same text: replayed
            // by reference, entities shared.
            lower::apply(self, &done.source.lowered);
        }
    }

    /// Fetches one catalog source and checks its structure. Returns it open
    /// (its imports and entities still to load) when it is a mapping.
    fn open_catalog(&mut self, url: &Url, referrer: Option<&Scope>) -> Option<OpenCatalog> {
        let index = self.fetch_resource(url, ResourceKind::Catalog, referrer)?;
        let parse = self.parses[index].clone()?;
        // Read once per text; its JSON is not kept (without a memo the
        // parse goes too once the file is lowered).
        let source = parse.catalog_source(url);
        match &source.root {
            memo::Root::Null => return None,
            memo::Root::Mapping => {
                self.loaded
                    .diagnostics
                    .extend(source.structure.iter().cloned());
            }
            memo::Root::Other(found) => {
                let message = format!("a catalog source must be a mapping, found {found}");
                self.error(Diagnostic::error("C1b", Scope::root(url.clone()), message));
                return None;
            }
        }
        self.open.insert(url.clone());
        Some(OpenCatalog {
            url: url.clone(),
            source,
            next: 0,
        })
    }

    /// Records the import written at `scope` of `from`, or reports why it
    /// cannot be (C2 invalid URL, C4 cycle). Returns the URL to load.
    fn import<'i>(&mut self, from: &Url, import: &'i memo::Import) -> Option<&'i model::Import> {
        let edge = match &import.edge {
            Ok(edge) => edge,
            Err((scope, error)) => {
                self.error(Diagnostic::error(
                    "C2",
                    scope.clone(),
                    format!("could not load {}: invalid URL ({error})", import.written),
                ));
                return None;
            }
        };
        let (scope, to) = (&edge.scope, &edge.to);
        if self.closes_cycle(from, to) {
            let message = format!(
                "importing {to} from {from} creates an import cycle ({from} is already imported by {to})"
            );
            self.error(Diagnostic::error("C4", scope.clone(), message));
            return None;
        }
        self.loaded.catalog.imports.push(Arc::clone(edge));
        Some(edge)
    }

    /// True when an edge `from → to` would close a cycle: `to` is `from` or
    /// is being loaded above it. Nothing else can: `from` is being loaded
    /// now (top of the stack), and an edge into a file is recorded only while
    /// that file is not on the stack, after which the file loads completely
    /// (or never, when it cannot be fetched) — so no already-loaded file can
    /// reach `from`. This keeps the check constant-time per import.
    fn closes_cycle(&self, from: &Url, to: &Url) -> bool {
        from == to || self.open.contains(to)
    }

    /// Loads the schema written at `place` (a URL or an inline schema) and
    /// every document it references.
    fn load_schema(&mut self, place: &Arc<model::SchemaPlace>, spec: &model::SchemaSpec) {
        let scope = &place.scope;
        match (spec, &place.url) {
            (model::SchemaSpec::Url(written), Err(error)) => {
                self.error(Diagnostic::error(
                    "C7",
                    scope.clone(),
                    format!("schema reference {written} cannot be resolved: {error}"),
                ));
            }
            (model::SchemaSpec::Url(_), Ok(url)) => {
                if url.fragment().is_some() {
                    let mut url = url.clone();
                    url.set_fragment(None);
                    self.load_schema_document(&url, scope);
                } else {
                    self.load_schema_document(url, scope);
                }
            }
            (model::SchemaSpec::Inline(inline), Ok(url)) => {
                if self.loaded.inline_schemas.contains(url.as_str()) {
                    return;
                }
                self.loaded
                    .inline_schemas
                    .insert(InlineSchema(Arc::clone(place)));
                self.add_schema_document(url, &inline.0);
            }
            // An inline schema's URL is always made (`inline_schema_url`).
            (model::SchemaSpec::Inline(_), Err(_)) => {}
        }
    }

    fn load_schema_document(&mut self, url: &Url, referrer: &Scope) {
        let Some(index) = self.fetch_resource(url, ResourceKind::Schema, Some(referrer)) else {
            return;
        };
        let json = Arc::new(Json::shared(self.loaded.resources[index].json.clone()));
        self.add_schema_document(url, &json);
    }

    /// Adds a schema document to the index and loads what it references.
    fn add_schema_document(&mut self, url: &Url, json: &Arc<Json>) {
        let document = memo::schema_document(self.memo, url, json);
        self.loaded
            .schemas
            .add_prepared(Arc::clone(&document.document));
        let scope =
            |reference: &memo::Reference| Scope::new(url.clone(), reference.pointer.clone());
        for reference in &document.refs {
            if let Some(reason) = &reference.unreachable {
                let message = format!("could not load {}: {reason}", reference.target);
                self.error(Diagnostic::error("C2", scope(reference), message));
                continue;
            }
            // A document, or a sub-schema by its `$id` (catalog.md §6.2):
            // found in the index, never fetched.
            if self.loaded.schemas.has_resource(&reference.target)
                || self
                    .loaded
                    .inline_schemas
                    .contains(reference.target.as_str())
            {
                continue;
            }
            self.load_schema_document(&reference.target, &scope(reference));
        }
    }
}

#[cfg(test)]
mod tests;
