//! Completion (issue #8 item 4) as plain data: what may be written at a
//! position of a catalog or schema file, also in half-typed text (the place
//! comes from [`crate::cursor`]'s tolerant scan, not from the parse).
//!
//! * Keys: the catalog schema's properties with their docs at any depth
//!   (not those already present); JSON Schema keywords inside user schemas
//!   (inline or schema files); `reduce`'s keys; partition fields in
//!   partition selectors.
//! * Values: collection names where a collection is expected (visible ones
//!   first); `reduce.strategy` names, `type` names and the properties a
//!   `required` list lacks; JSON pointers of the
//!   collection's inferred shape in `key`, `shuffle` and projections;
//!   relative paths in `import` and `schema`; `$ref` targets (`$defs`,
//!   `$anchor`s, other schema files).
//! * Snippets: a new collection, derivation, transform and test.
//!
//! Each request builds what it needs once (one shape inference, one pass
//! over the collections); nothing is compiled.

use std::collections::HashSet;

use schema::{Exists, Shape, Strategy};
use serde_json::Value;
use url::Url;

use crate::catalog_schema::{self, SchemaPlace, keywords};
use crate::cursor::{self, Cursor, Segment, Slot};
use crate::host::FileView;
use crate::semantics::{self, FileKind, PointerUse};
use crate::{Analysis, FilePosition, TextEdit};

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    /// Markdown.
    pub documentation: Option<String>,
    /// What to insert, replacing the range (the partial word typed).
    pub edit: TextEdit,
    /// `edit.new_text` uses LSP snippet syntax (`$1`, `${1:x}`, `$0`).
    pub is_snippet: bool,
    pub sort_text: Option<String>,
    pub filter_text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    Property,
    Collection,
    Value,
    Pointer,
    File,
    Reference,
    Snippet,
}

/// Most JSON pointers offered from one shape.
const MAX_POINTERS: usize = 500;
/// Deepest pointer offered.
const MAX_POINTER_DEPTH: usize = 8;

/// What may be written at `position`.
pub fn completions(analysis: &Analysis, position: &FilePosition) -> Vec<CompletionItem> {
    let Some(view) = analysis.file(&position.file) else {
        return Vec::new();
    };
    let cursor = cursor::cursor(view.text, position.offset);
    if cursor.slot == Slot::BlockScalar {
        return Vec::new();
    }
    let kind = semantics::file_kind(&view);
    let mut out = Out {
        cursor: &cursor,
        items: Vec::new(),
    };
    if let Some(start) = semantics::user_schema_start(kind, &cursor) {
        user_schema(analysis, &view, start, &mut out);
    } else if kind == FileKind::Catalog {
        catalog(analysis, &view, &mut out);
    }
    out.items
}

struct Out<'c> {
    cursor: &'c Cursor,
    items: Vec<CompletionItem>,
}

impl Out<'_> {
    fn push(&mut self, label: &str, kind: CompletionKind, new_text: String) -> &mut CompletionItem {
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind,
            detail: None,
            documentation: None,
            edit: TextEdit {
                range: self.cursor.word,
                new_text,
            },
            is_snippet: false,
            sort_text: None,
            filter_text: None,
        });
        self.items.last_mut().expect("just pushed")
    }

    /// A key, with what its value starts with (`key: `, a nested block).
    fn key(&mut self, name: &str, value: ValueKind, doc: Option<String>, detail: Option<String>) {
        let cursor = self.cursor;
        let (text, snippet) = if cursor.colon_follows || cursor.quoted {
            (name.to_string(), false)
        } else if cursor.flow {
            (format!("{name}: "), false)
        } else {
            let pad = " ".repeat(cursor.column as usize);
            let escaped = escape_snippet(name);
            let text = match value {
                ValueKind::Scalar => format!("{escaped}: $0"),
                ValueKind::Object => format!("{escaped}:\n{pad}  $0"),
                ValueKind::List => format!("{escaped}: [$0]"),
                ValueKind::BlockList => format!("{escaped}:\n{pad}  - $0"),
            };
            (text, true)
        };
        let item = self.push(name, CompletionKind::Property, text);
        item.is_snippet = snippet;
        item.documentation = doc;
        item.detail = detail;
    }

    /// A snippet written at the cursor's column.
    fn snippet(&mut self, label: &str, detail: &str, body: &str) {
        if self.cursor.flow || self.cursor.quoted {
            return;
        }
        let pad = format!("\n{}", " ".repeat(self.cursor.column as usize));
        let text = body.replace('\n', &pad);
        let item = self.push(&format!("new {label}"), CompletionKind::Snippet, text);
        item.is_snippet = true;
        item.filter_text = Some(label.to_string());
        item.detail = Some(detail.to_string());
        item.sort_text = Some(format!("~{label}"));
    }

    fn value(&mut self, label: &str, kind: CompletionKind, doc: Option<String>) {
        let item = self.push(label, kind, label.to_string());
        item.documentation = doc;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Scalar,
    Object,
    /// A flow list `[…]`.
    List,
    /// A block list of mappings.
    BlockList,
}

/// Escapes `$`, `}` and `\` for LSP snippet syntax.
fn escape_snippet(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '$' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn catalog(analysis: &Analysis, view: &FileView<'_>, out: &mut Out<'_>) {
    let cursor = out.cursor;
    let loaded = view.build.map(|build| &build.loaded);
    match cursor.slot {
        Slot::Key => {
            catalog_keys(&cursor.path, out);
            if let Some(loaded) = loaded {
                partition_fields(view, loaded, out);
            }
        }
        Slot::Value => {
            if let Some(loaded) = loaded
                && semantics::names_collection(cursor)
            {
                collections(loaded, view.url, cursor, out);
                for name in semantics::unloaded_collections(view) {
                    if !out.items.iter().any(|item| item.label == name) {
                        let item = out.push(&name, CompletionKind::Collection, name.clone());
                        item.detail = Some(semantics::file_name(view.url).to_string());
                        item.sort_text = Some(format!("0{name}"));
                    }
                }
                return;
            }
            if let Some((usage, shape)) = semantics::pointer_place(view, cursor) {
                pointers(&shape, usage, out);
                return;
            }
            if cursor.ends_with(&["import", "-"]) && cursor.path.len() == 2
                || cursor.path.len() == 1 && cursor.ends_with(&["import"])
            {
                files(analysis, view.url, FileKind::Catalog, out);
                return;
            }
            if cursor.ends_with(&["schema"])
                && catalog_schema::place(&cursor.path).user_from == Some(cursor.path.len())
            {
                files(analysis, view.url, FileKind::Schema, out);
                return;
            }
            // `- ve|` in a list of mappings: the item's first key.
            if matches!(cursor.path.last(), Some(Segment::Item(_))) {
                catalog_keys(&cursor.path, out);
            }
        }
        Slot::BlockScalar => {}
    }
}

fn catalog_keys(path: &[Segment], out: &mut Out<'_>) {
    let place = catalog_schema::place(path);
    for (index, property) in place.properties().into_iter().enumerate() {
        if out.cursor.present.contains(&property.name) {
            continue;
        }
        let value = if property.types.contains(&"object") {
            ValueKind::Object
        } else if property.types == ["array"] {
            ValueKind::List
        } else {
            ValueKind::Scalar
        };
        let detail = (!property.types.is_empty()).then(|| property.types.join(" | "));
        out.key(&property.name, value, property.description.clone(), detail);
        if let Some(item) = out.items.last_mut() {
            item.sort_text = Some(format!("{}{index:03}", u8::from(!property.required)));
        }
    }
    let cursor = out.cursor;
    let path_is = |pattern: &[&str]| path.len() == pattern.len() && cursor.ends_with(pattern);
    if path_is(&["collections"]) {
        out.snippet("collection", "a new collection", COLLECTION_SNIPPET);
    } else if path_is(&["collections", "*"]) || path_is(&["collections", "-"]) {
        if !cursor.present.iter().any(|key| key == "derivation") {
            out.snippet(
                "derivation",
                "make this a derived collection",
                DERIVATION_SNIPPET,
            );
        }
    } else if path_is(&["collections", "*", "derivation", "transform"])
        || path_is(&["collections", "-", "derivation", "transform"])
    {
        out.snippet("transform", "a new transform", TRANSFORM_SNIPPET);
    } else if path_is(&["tests"]) {
        out.snippet("test", "a new test", TEST_SNIPPET);
    }
}

const COLLECTION_SNIPPET: &str = "${1:acmeCo/things}:
  schema:
    type: object
    properties:
      ${2:id}: { type: string }
    required: [${2:id}]
  key: [/${2:id}]$0";

const DERIVATION_SNIPPET: &str = "derivation:
  transform:
    ${1:fromSource}:
      source:
        name: ${2:acmeCo/source}
      publish:
        nodeJS: return [${3:source}];$0";

const TRANSFORM_SNIPPET: &str = "${1:fromSource}:
  source:
    name: ${2:acmeCo/source}
  publish:
    nodeJS: return [${3:source}];$0";

const TEST_SNIPPET: &str = "${1:acmeCo/test}:
  - ingest:
      collection: ${2:acmeCo/things}
      documents: [$3]
  - verify:
      collection: ${4:acmeCo/things}
      documents: [$5]$0";

/// Partition fields in a partition selector's `include`/`exclude`.
fn partition_fields(view: &FileView<'_>, loaded: &load::Loaded, out: &mut Out<'_>) {
    let file = view.url;
    let cursor = out.cursor;
    let path = &cursor.path;
    let selector = cursor.ends_with(&["partitions", "include"])
        || cursor.ends_with(&["partitions", "exclude"]);
    if !selector || path.len() < 3 {
        return;
    }
    let holder = &path[..path.len() - 2];
    let collection = if cursor.ends_with(&["source", "partitions", "*"]) {
        // collections/<c>/derivation/transform/<t>/source/partitions/include
        let Some(Segment::Key(transform)) = holder.get(holder.len().wrapping_sub(2)) else {
            return;
        };
        semantics::owner(view, cursor)
            .and_then(|owner| owner.source_name(transform))
            .and_then(|name| semantics::collection_named(loaded, &name))
    } else if cursor.ends_with(&["verify", "partitions", "*"]) {
        // tests/<t>/<i>/verify/partitions/include
        let (Some(Segment::Key(test)), Some(Segment::Item(step))) = (path.get(1), path.get(2))
        else {
            return;
        };
        loaded
            .catalog
            .tests
            .iter()
            .find(|t| &t.name == test && &t.scope.resource == file)
            .and_then(|t| t.steps.get(*step))
            .and_then(|step| semantics::collection_named(loaded, step.collection()))
    } else {
        None
    };
    let Some(collection) = collection else {
        return;
    };
    for (field, projection) in &collection.spec.projections {
        if !projection.is_partition() || cursor.present.contains(field) {
            continue;
        }
        let flow_value = if cursor.flow || cursor.colon_follows {
            None
        } else {
            Some(format!("{}: [$0]", escape_snippet(field)))
        };
        let snippet = flow_value.is_some();
        let text = flow_value.unwrap_or_else(|| field.clone());
        let item = out.push(field, CompletionKind::Property, text);
        item.is_snippet = snippet;
        item.detail = Some(format!("partition field at {}", projection.location()));
    }
}

/// Collection names, the ones visible from this file first.
fn collections(loaded: &load::Loaded, file: &Url, cursor: &Cursor, out: &mut Out<'_>) {
    let visible = semantics::visible_files(loaded, file);
    let ingest = cursor.ends_with(&["ingest", "collection"]);
    let mut seen: HashSet<&str> = HashSet::new();
    // Many collections share a file: one relative path per file.
    let mut relative: std::collections::HashMap<&Url, String> = std::collections::HashMap::new();
    for collection in &loaded.catalog.collections {
        if !seen.insert(&collection.name) {
            continue;
        }
        let is_visible = visible.contains(&collection.scope.resource);
        // Ingest writes into captured collections.
        let fits = !(ingest && collection.is_derived());
        let rank = match (is_visible, fits) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => 3,
        };
        let kind = if collection.is_derived() {
            "derived"
        } else {
            "captured"
        };
        let where_ = relative
            .entry(&collection.scope.resource)
            .or_insert_with(|| semantics::relative(file, &collection.scope.resource));
        let mut detail = format!("{kind}, {where_}");
        if !is_visible {
            detail.push_str(" (not imported here)");
        }
        let doc = format!("key: `[{}]`", collection.spec.key.join(", "));
        let name = collection.name.clone();
        let item = out.push(&name, CompletionKind::Collection, name.clone());
        item.detail = Some(detail);
        item.documentation = Some(doc);
        item.sort_text = Some(format!("{rank}{name}"));
    }
}

/// JSON pointers of a collection's documents.
fn pointers(shape: &Shape, usage: PointerUse, out: &mut Out<'_>) {
    let mut found = Vec::new();
    enumerate_pointers(shape, &mut found);
    for (pointer, located, exists) in found {
        let mut detail = located.types.to_string();
        detail.push_str(match exists {
            Exists::Must => ", always present",
            Exists::May => ", may be absent",
            Exists::Implicit | Exists::Cannot => "",
        });
        // A key must always exist and be a scalar: those first.
        let scalar = !located
            .types
            .overlaps(schema::Types::OBJECT | schema::Types::ARRAY);
        let preferred = match usage {
            PointerUse::Key | PointerUse::Shuffle => exists == Exists::Must && scalar,
            PointerUse::Projection => true,
        };
        let doc = pointer_doc(located);
        let item = out.push(&pointer, CompletionKind::Pointer, pointer.clone());
        item.detail = Some(detail);
        item.documentation = doc;
        item.sort_text = Some(format!("{}{pointer}", u8::from(!preferred)));
    }
}

/// Title, description and `reduce` of a location, as markdown.
pub(crate) fn pointer_doc(shape: &Shape) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(title) = shape.title() {
        parts.push(format!("**{title}**"));
    }
    if let Some(description) = shape.description() {
        parts.push(description.to_string());
    }
    match &shape.reduction {
        schema::Reduction::Strategy(strategy) => parts.push(format!("reduce: `{strategy}`")),
        schema::Reduction::Multiple => parts.push("reduce: several strategies".to_string()),
        schema::Reduction::Unset => {}
    }
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// Every named location of a shape (breadth first, bounded), with its
/// existence.
fn enumerate_pointers<'s>(shape: &'s Shape, out: &mut Vec<(String, &'s Shape, Exists)>) {
    let mut work: std::collections::VecDeque<(String, &Shape, Exists, usize)> =
        std::collections::VecDeque::from([(String::new(), shape, Exists::Must, 0)]);
    while let Some((pointer, shape, exists, depth)) = work.pop_front() {
        if depth >= MAX_POINTER_DEPTH {
            continue;
        }
        for property in &shape.object.properties {
            if out.len() >= MAX_POINTERS {
                return;
            }
            let mut child = pointer.clone();
            json::pointer::push_token(&mut child, &property.name);
            let child_exists = if property.is_required && shape.types == schema::Types::OBJECT {
                exists
            } else {
                exists.min(Exists::May)
            };
            out.push((child.clone(), &property.shape, child_exists));
            work.push_back((child, &property.shape, child_exists, depth + 1));
        }
    }
}

/// Catalog files (for `import`) or schema files (for `schema`) the analysis
/// knows, relative to `file`.
fn files(analysis: &Analysis, file: &Url, kind: FileKind, out: &mut Out<'_>) {
    let mut urls: Vec<&Url> = Vec::new();
    for url in analysis.files() {
        if url == file || url.query().is_some() {
            continue;
        }
        let fits = match kind {
            FileKind::Catalog => crate::workspace::is_catalog_name(url),
            FileKind::Schema => {
                semantics::is_schema_name(url)
                    || analysis.build_of(url).is_some_and(|build| {
                        build
                            .loaded
                            .resource(url)
                            .is_some_and(|r| r.kind == model::ResourceKind::Schema)
                    })
            }
            FileKind::Other => false,
        };
        if fits {
            urls.push(url);
        }
    }
    urls.sort();
    urls.dedup();
    for url in urls {
        let relative = semantics::relative(file, url);
        let item = out.push(&relative, CompletionKind::File, relative.clone());
        item.sort_text = Some(format!("{}{relative}", relative.matches("../").count()));
    }
}

fn user_schema(analysis: &Analysis, view: &FileView<'_>, start: usize, out: &mut Out<'_>) {
    let cursor = out.cursor;
    let relative = &cursor.path[start.min(cursor.path.len())..];
    let place = catalog_schema::schema_place(relative);
    match (cursor.slot, &place) {
        (Slot::Key, SchemaPlace::Schema) => schema_keywords(out),
        (Slot::Value, SchemaPlace::SchemaList) => schema_keywords(out),
        (Slot::Key, SchemaPlace::Reduce) => {
            for (name, doc) in keywords::REDUCE {
                if !cursor.present.iter().any(|key| key == name) {
                    let kind = if *name == "key" {
                        ValueKind::List
                    } else {
                        ValueKind::Scalar
                    };
                    out.key(name, kind, Some(doc.to_string()), None);
                }
            }
        }
        (Slot::Value, SchemaPlace::Value(keyword)) => match keyword.as_str() {
            "reduce/strategy" => {
                for name in Strategy::NAMES {
                    out.value(
                        name,
                        CompletionKind::Value,
                        strategy_doc(name).map(str::to_string),
                    );
                }
            }
            "type" => {
                for name in keywords::TYPES {
                    out.value(name, CompletionKind::Value, None);
                }
            }
            "$ref" => references(analysis, view, start, out),
            "required" => required(view, out),
            _ => {}
        },
        _ => {}
    }
}

fn schema_keywords(out: &mut Out<'_>) {
    for (index, (name, doc, value)) in keywords::KEYWORDS.iter().enumerate() {
        if out.cursor.present.iter().any(|key| key == name) {
            continue;
        }
        let kind = match value {
            keywords::Value::Scalar => ValueKind::Scalar,
            keywords::Value::Object => ValueKind::Object,
            keywords::Value::List if matches!(*name, "allOf" | "anyOf" | "oneOf") => {
                ValueKind::BlockList
            }
            keywords::Value::List => ValueKind::List,
        };
        out.key(name, kind, Some(doc.to_string()), None);
        if let Some(item) = out.items.last_mut() {
            item.sort_text = Some(format!("{index:03}"));
        }
    }
}

/// One line on each `reduce` strategy (reductions.md §4).
pub(crate) fn strategy_doc(name: &str) -> Option<&'static str> {
    Some(match name {
        "append" => "Arrays: the right-hand items are appended.",
        "firstWriteWins" => "Keeps the first value written.",
        "lastWriteWins" => "Keeps the last value written (the default).",
        "maximize" => "Keeps the larger value (by `key` when given).",
        "minimize" => "Keeps the smaller value (by `key` when given).",
        "merge" => {
            "Objects: merged property by property; arrays: by index, or by `key` when given."
        }
        "set" => "A set of values (`add`, `intersect`, `remove`), merged by `key`.",
        "sum" => "Numbers are added.",
        _ => return None,
    })
}

/// In `required: [...]`: the schema's `properties` not yet listed.
fn required(view: &FileView<'_>, out: &mut Out<'_>) {
    let path = &out.cursor.path;
    let Some(holder) = path.len().checked_sub(2).map(|end| &path[..end]) else {
        return;
    };
    let Some(schema) = schema_document(view, holder) else {
        return;
    };
    let listed: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return;
    };
    for (name, property) in properties {
        if listed.contains(&name.as_str()) {
            continue;
        }
        let doc = property
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        out.value(name, CompletionKind::Value, doc);
    }
}

/// `$ref` targets: the schema's `$defs`, its `$anchor`s, other schema files.
fn references(analysis: &Analysis, view: &FileView<'_>, start: usize, out: &mut Out<'_>) {
    if let Some(document) =
        schema_document(view, &out.cursor.path[..start.min(out.cursor.path.len())])
    {
        for keyword in ["$defs", "definitions"] {
            if let Some(Value::Object(defs)) = document.get(keyword) {
                for (name, definition) in defs {
                    let mut pointer = format!("#/{keyword}");
                    json::pointer::push_token(&mut pointer, name);
                    let doc = definition
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    out.value(&pointer, CompletionKind::Reference, doc);
                }
            }
        }
        let mut anchors = Vec::new();
        collect_anchors(&document, &mut anchors);
        for anchor in anchors {
            out.value(&format!("#{anchor}"), CompletionKind::Reference, None);
        }
    }
    files(analysis, view.url, FileKind::Schema, out);
}

/// The JSON of the user schema at `prefix` (the whole file for a schema
/// file), when that part of the text parses.
fn schema_document(view: &FileView<'_>, prefix: &[Segment]) -> Option<Value> {
    let mut pointer = String::new();
    for segment in prefix {
        match segment {
            Segment::Key(key) => json::pointer::push_token(&mut pointer, key),
            Segment::Item(index) => json::pointer::push_index(&mut pointer, *index),
        }
    }
    let located = view.tree.locate(&pointer)?;
    view.tree.to_json(located.node).ok()
}

/// Every `$anchor` of a document (bounded: a hostile document is cut short).
fn collect_anchors(document: &Value, out: &mut Vec<String>) {
    let mut work = vec![document];
    let mut visited = 0;
    while let Some(value) = work.pop() {
        visited += 1;
        if visited > 10_000 {
            return;
        }
        match value {
            Value::Object(map) => {
                if let Some(Value::String(anchor)) = map.get("$anchor")
                    && !out.contains(anchor)
                {
                    out.push(anchor.clone());
                }
                work.extend(map.values());
            }
            Value::Array(items) => work.extend(items),
            _ => {}
        }
    }
}

/// The range a completion replaces, for tests.
#[cfg(test)]
fn replaced(text: &str, range: text::TextRange) -> &str {
    &text[range.start as usize..range.end as usize]
}

#[cfg(test)]
mod tests;
