//! Hover (issue #8 item 5) as plain data: markdown about the thing at a
//! position, found by [`crate::cursor`]'s tolerant scan.
//!
//! * A key: its documentation from the catalog schema (`model::spec`'s doc
//!   comments), or the JSON Schema keyword's inside a user schema.
//! * A collection name (its definition, a `source.name`, a test step's
//!   `collection`): its key, a summary of its schema (top-level properties
//!   and types) and where it is defined (`file:line`).
//! * A JSON pointer in `key`, `shuffle` or a projection: its inferred
//!   types, whether it always exists, title, description and `reduce`.
//! * `source`, `register`, `previous` inside a lambda body: their
//!   TypeScript types (runtime.md §8.2, declared by [`crate::typegen`]).
//! * A `reduce` strategy name: what it does; on a `reduce` annotation (key
//!   or strategy) or a collection's `key`, also how the tests' ingests of
//!   one key reduce, step by step (`reduction`).

use schema::{Exists, Shape};
use text::TextRange;

use crate::catalog_schema::{self, SchemaPlace, keywords};
use crate::completion::{pointer_doc, strategy_doc};
use crate::cursor::{self, Cursor, Segment, Slot};
use crate::host::FileView;
use crate::semantics::{self, FileKind};
use crate::typegen::{self, Declaration, Module};
use crate::{Analysis, FilePosition};

/// What to show for a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoverResult {
    /// The text the hover is about.
    pub range: TextRange,
    pub markdown: String,
}

/// Top-level properties listed in a collection's schema summary.
const MAX_SUMMARY_PROPERTIES: usize = 20;

/// While the file does not parse and the current text says nothing, the
/// last analysis in which it parsed answers where the text under the
/// cursor is unchanged since (a collection defined after the error).
pub fn hover(analysis: &Analysis, position: &FilePosition) -> Option<HoverResult> {
    hover_in(analysis, position).or_else(|| {
        let (last, old) = crate::last_good::LastGood::at(analysis, position)?;
        let hover = hover_in(&last.stale, &old)?;
        Some(HoverResult {
            range: last.exact(&position.file, hover.range)?,
            ..hover
        })
    })
}

fn hover_in(analysis: &Analysis, position: &FilePosition) -> Option<HoverResult> {
    let view = analysis.file(&position.file)?;
    let cursor = cursor::cursor(view.text, position.offset);
    if let Some(hover) = lambda(&view, &cursor, position.offset) {
        return Some(hover);
    }
    if cursor.slot == Slot::BlockScalar || cursor.word.is_empty() {
        return None;
    }
    let range = cursor.word;
    let word = view.text.get(range.start as usize..range.end as usize)?;
    let kind = semantics::file_kind(&view);
    // `- ingest:`: a key written after a dash reads as the item's value.
    let as_key = cursor.slot == Slot::Key
        || (cursor.colon_follows && matches!(cursor.path.last(), Some(Segment::Item(_))));
    let markdown = if let Some(start) = semantics::user_schema_start(kind, &cursor) {
        let relative = &cursor.path[start.min(cursor.path.len())..];
        let markdown = match (as_key, catalog_schema::schema_place(relative)) {
            (true, SchemaPlace::Reduce) => keywords::REDUCE
                .iter()
                .find(|(name, _)| *name == word)
                .map(|(name, doc)| format!("**{name}**\n\n{doc}")),
            (true, SchemaPlace::Schema) => {
                keywords::doc(word).map(|doc| format!("**{word}**\n\n{doc}"))
            }
            (false, SchemaPlace::Value(keyword)) if keyword == "reduce/strategy" => {
                strategy_doc(word).map(|doc| format!("**{word}**\n\n{doc}"))
            }
            _ => None,
        }?;
        let on_reduce = match catalog_schema::schema_place(relative) {
            SchemaPlace::Schema => as_key && word == "reduce",
            SchemaPlace::Value(keyword) => !as_key && keyword == "reduce/strategy",
            _ => false,
        };
        if on_reduce {
            annotation(&view, &cursor, start, kind, markdown)
        } else {
            markdown
        }
    } else if kind == FileKind::Catalog {
        let markdown = catalog(&view, &cursor, word, as_key)?;
        let on_key = as_key
            && word == "key"
            && cursor.path.len() == 2
            && cursor.path[0].key() == Some("collections");
        match on_key {
            true => with_fixtures(&view, &cursor, "", markdown),
            false => markdown,
        }
    } else {
        return None;
    };
    Some(HoverResult { range, markdown })
}

/// A `reduce` annotation's hover: the strategy's rule (when hovering the
/// key), and the fixtures' reductions at the annotated location.
fn annotation(
    view: &FileView<'_>,
    cursor: &Cursor,
    start: usize,
    kind: FileKind,
    mut markdown: String,
) -> String {
    // The annotated schema's path in the file (up to `reduce`).
    let end = match cursor.ends_with(&["reduce", "strategy"]) {
        true => cursor.path.len() - 2,
        false => cursor.path.len(),
    };
    let mut pointer = String::new();
    for segment in &cursor.path[..end] {
        match segment {
            Segment::Key(key) => json::pointer::push_token(&mut pointer, key),
            Segment::Item(index) => json::pointer::push_index(&mut pointer, *index),
        }
    }
    let strategy = view
        .tree
        .locate(&format!("{pointer}/reduce/strategy"))
        .and_then(|located| view.tree.scalar(located.node))
        .map(|scalar| scalar.text.to_owned());
    if cursor.slot == Slot::Key
        && let Some(strategy) = strategy
        && let Some(rule) = strategy_doc(&strategy)
    {
        markdown.push_str(&format!("\n\n`{strategy}`: {rule}"));
    }
    let Some(location) = reduction::location(&cursor.path[start.min(end)..end]) else {
        return markdown;
    };
    // Only a collection's own schema (inline, or the schema file it names)
    // describes its documents.
    if kind == FileKind::Catalog && cursor.path.get(2).and_then(Segment::key) != Some("schema") {
        return markdown;
    }
    with_fixtures(view, cursor, &location, markdown)
}

/// `markdown` and, when the tests reduce documents of the collection the
/// cursor is in (or whose schema file this is), their reductions.
fn with_fixtures(view: &FileView<'_>, cursor: &Cursor, location: &str, markdown: String) -> String {
    let Some(build) = view.build else {
        return markdown;
    };
    let loaded = &build.loaded;
    let collection = match semantics::file_kind(view) {
        FileKind::Schema => loaded.catalog.collections.iter().map(|c| &**c).find(|c| {
            c.schema_url().is_some_and(|mut url| {
                url.set_fragment(None);
                url == *view.url
            })
        }),
        _ => semantics::owner(view, cursor).and_then(|owner| owner.loaded),
    };
    match collection.and_then(|collection| reduction::fixtures(loaded, collection, location)) {
        Some(section) => format!("{markdown}\n\n{section}"),
        None => markdown,
    }
}

fn catalog(view: &FileView<'_>, cursor: &Cursor, word: &str, as_key: bool) -> Option<String> {
    let path = &cursor.path;
    if as_key {
        if path.len() == 1 && cursor.ends_with(&["collections"]) {
            return collection(view, word);
        }
        let property = catalog_schema::place(path).property(word)?;
        let mut markdown = format!("**{}**", property.name);
        if !property.types.is_empty() {
            markdown.push_str(&format!(": {}", property.types.join(" | ")));
        }
        if property.required {
            markdown.push_str(" (required)");
        }
        if let Some(description) = property.description {
            markdown.push_str("\n\n");
            markdown.push_str(&description);
        }
        return Some(markdown);
    }
    if semantics::names_collection(cursor)
        || (path.len() == 3 && cursor.ends_with(&["collections", "-", "name"]))
    {
        return collection(view, word);
    }
    if let Some((_, shape)) = semantics::pointer_place(view, cursor) {
        return Some(pointer(&shape, word));
    }
    None
}

/// A collection's key, schema summary and definition.
fn collection(view: &FileView<'_>, name: &str) -> Option<String> {
    let loaded = &view.build?.loaded;
    let collection = semantics::collection_named(loaded, name)?;
    let kind = if collection.is_derived() {
        "derived collection"
    } else {
        "captured collection"
    };
    let mut markdown = format!(
        "**{name}** ({kind})\n\nkey: `[{}]`",
        collection.spec.key.join(", ")
    );
    if let Some(shape) = semantics::collection_shape(loaded, collection) {
        markdown.push_str("\n\n");
        markdown.push_str(&summary(&shape));
    }
    if let Some(place) = semantics::place_of(loaded, &collection.name_scope(), view.url) {
        markdown.push_str(&format!("\n\ndefined at `{place}`"));
    }
    Some(markdown)
}

/// A schema's title, description and top-level properties with types.
fn summary(shape: &Shape) -> String {
    let mut lines = Vec::new();
    match (shape.title(), shape.description()) {
        (Some(title), Some(description)) => lines.push(format!("{title}: {description}")),
        (Some(only), None) | (None, Some(only)) => lines.push(only.to_string()),
        (None, None) => {}
    }
    lines.push(format!("schema: {}", shape.types));
    let properties = &shape.object.properties;
    for property in properties.iter().take(MAX_SUMMARY_PROPERTIES) {
        let required = if property.is_required {
            " (required)"
        } else {
            ""
        };
        lines.push(format!(
            "- `{}`: {}{required}",
            property.name, property.shape.types
        ));
    }
    if properties.len() > MAX_SUMMARY_PROPERTIES {
        lines.push(format!(
            "- … {} more",
            properties.len() - MAX_SUMMARY_PROPERTIES
        ));
    }
    lines.join("\n")
}

/// What a shape says of the location a pointer names.
fn pointer(shape: &Shape, pointer: &str) -> String {
    let located = shape.locate(pointer);
    let exists = match located.exists {
        Exists::Must => "always present",
        Exists::May => "may be absent",
        Exists::Implicit => "not described by the schema",
        Exists::Cannot => "cannot exist in a valid document",
    };
    let mut markdown = format!("`{pointer}`: {}, {exists}", located.shape.types);
    if let Some(doc) = pointer_doc(located.shape) {
        markdown.push_str("\n\n");
        markdown.push_str(&doc);
    }
    markdown
}

/// `source`, `register` or `previous` inside a lambda body.
fn lambda(view: &FileView<'_>, cursor: &Cursor, offset: u32) -> Option<HoverResult> {
    if !matches!(cursor.slot, Slot::BlockScalar | Slot::Value) {
        return None;
    }
    let is_lambda = cursor.ends_with(&["transform", "*", "update", "nodeJS"])
        || cursor.ends_with(&["transform", "*", "publish", "nodeJS"]);
    if !is_lambda || cursor.path.len() != 7 {
        return None;
    }
    let (range, identifier) = identifier_at(view.text, offset)?;
    if !matches!(identifier, "source" | "register" | "previous") {
        return None;
    }
    let transform = cursor.path[4].key()?;
    let kind = cursor.path[5].key()?;
    let owner = semantics::owner(view, cursor)?;
    let loaded = &view.build?.loaded;
    let declaration = if identifier == "source" {
        match owner
            .loaded
            .and_then(|collection| typegen::source(loaded, collection, transform))
        {
            Some(declaration) => declaration,
            // The model lacks the collection being edited: the source
            // named in the text.
            None => {
                let name = owner.source_name(transform)?;
                Declaration {
                    module: Module::Collections,
                    name: typescript::types::type_name(&name),
                    shape: semantics::collection_named(loaded, &name)
                        .and_then(|source| semantics::collection_shape(loaded, source))
                        .unwrap_or_else(Shape::anything),
                }
            }
        }
    } else if kind == "update" {
        let markdown = format!(
            "`{identifier}` is not in scope in an `update` lambda: only `source` is (runtime.md §8.1)."
        );
        return Some(HoverResult { range, markdown });
    } else {
        match owner.loaded {
            Some(collection) => typegen::register(loaded, collection),
            None => Declaration {
                module: Module::Registers,
                name: typescript::types::type_name(&owner.name()?),
                shape: Shape::anything(),
            },
        }
    };
    let markdown = format!(
        "```typescript\n{identifier}: {}\n```\n\n```typescript\n{}\n```",
        declaration.reference(),
        declaration.render(0)
    );
    Some(HoverResult { range, markdown })
}

/// The identifier around `offset` (not a property access such as `x.source`).
fn identifier_at(text: &str, offset: u32) -> Option<(TextRange, &str)> {
    let bytes = text.as_bytes();
    let offset = (offset as usize).min(text.len());
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut start = offset;
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = offset;
    while end < bytes.len() && is_ident(bytes[end]) {
        end += 1;
    }
    if start == end || (start > 0 && bytes[start - 1] == b'.') {
        return None;
    }
    Some((TextRange::new(start as u32, end as u32), &text[start..end]))
}

mod reduction;

#[cfg(test)]
mod tests;
