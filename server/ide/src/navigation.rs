//! Go to definition, find references and rename.
//!
//! What the cursor is on is read from the file's YAML tree (a path of keys
//! and indices); what it means comes from the build: collections are looked
//! up by exact name in the build's catalog (the first definition, as the
//! checks resolve them), schema URLs and `$ref`s through the build's
//! `SchemaIndex` (document URLs, `$id`s, `$anchor`s, pointers), and key,
//! shuffle, projection and partition pointers through shape inference
//! (`schema::shape`), whose locations remember the sub-schema that
//! described them. Places in the model are mapped back to text through the
//! tree, like diagnostics.

use std::collections::BTreeSet;

use load::Loaded;
use model::{Collection, ResourceKind, Scope};
use syntax::NodeKind;
use text::TextRange;
use url::Url;

use crate::host::FileView;
use crate::last_good::LastGood;
use crate::tree_path::{self, CursorPath, pointer_of, trimmed};
use crate::{Analysis, FilePosition, FileRange, NavigationTarget, SourceChange, TextEdit};

/// Where the cursor's thing is defined: the collection a name names, the
/// sub-schema a `$ref` or schema URL names, the anchor of an alias, the file
/// an import names, the sub-schema that describes a key, shuffle,
/// projection or partition pointer. Empty when there is nothing to go to.
/// While the file does not parse, the last analysis in which it did
/// answers where the text under the cursor is unchanged since.
pub fn definition(analysis: &Analysis, position: &FilePosition) -> Vec<NavigationTarget> {
    if let Some((last, old)) = LastGood::at(analysis, position) {
        let targets: Vec<NavigationTarget> = definition_in(&last.stale, &old)
            .into_iter()
            .filter_map(|target| {
                let map = last.map(&target.file)?;
                let focus_range = map.exact(target.focus_range)?;
                let full_range = map.enclosing(target.full_range).unwrap_or(focus_range);
                Some(NavigationTarget {
                    full_range,
                    focus_range,
                    ..target
                })
            })
            .collect();
        if !targets.is_empty() {
            return targets;
        }
    }
    definition_in(analysis, position)
}

fn definition_in(analysis: &Analysis, position: &FilePosition) -> Vec<NavigationTarget> {
    let Some(view) = analysis.file(&position.file) else {
        return Vec::new();
    };
    let path = tree_path::path_at(view.tree, position.offset);
    if let Some(target) = alias_target(&view, &path) {
        return vec![target];
    }
    let Some(build) = view.build else {
        return Vec::new();
    };
    let loaded = &build.loaded;
    let target = match subject(loaded, &view, &path) {
        Some(Subject::Collection { name, .. }) => loaded
            .catalog
            .collection(&name)
            .and_then(|collection| collection_target(loaded, collection)),
        Some(Subject::File(url)) => Some(file_target(analysis, &url)),
        Some(Subject::Schema(url)) => schema_target(loaded, &url),
        Some(Subject::Pointer { schema, pointer }) => pointer_target(loaded, &schema, &pointer),
        None => None,
    };
    target.into_iter().collect()
}

/// Every place that names the collection under the cursor, in every build
/// holding this file: its definition (when `include_declaration`), the
/// transform sources and test steps that use it, and the `import` entries of
/// the file that defines it. Sorted by file and position. While the file
/// does not parse, the last analysis in which it did answers (places in
/// text changed since are left out).
pub fn references(
    analysis: &Analysis,
    position: &FilePosition,
    include_declaration: bool,
) -> Vec<FileRange> {
    if let Some((last, old)) = LastGood::at(analysis, position) {
        let found: Vec<FileRange> = references_in(&last.stale, &old, include_declaration)
            .into_iter()
            .filter_map(|place| {
                let range = last.exact(&place.file, place.range)?;
                Some(FileRange { range, ..place })
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    references_in(analysis, position, include_declaration)
}

fn references_in(
    analysis: &Analysis,
    position: &FilePosition,
    include_declaration: bool,
) -> Vec<FileRange> {
    let Some((_, name)) = collection_under_cursor(analysis, position) else {
        return Vec::new();
    };
    let mut found = BTreeSet::new();
    for build in analysis.builds_of(&position.file) {
        for (range, kind) in occurrences(&build.loaded, &name) {
            if kind != Occurrence::Definition || include_declaration {
                found.insert(range);
            }
        }
    }
    found.into_iter().collect()
}

/// The range of the collection name under the cursor (without quotes) and
/// the name, or why there is nothing to rename there. While the file does
/// not parse, the last analysis in which it did answers.
pub fn prepare_rename(
    analysis: &Analysis,
    position: &FilePosition,
) -> Result<(FileRange, String), String> {
    if let Some((last, old)) = LastGood::at(analysis, position)
        && let Ok((place, name)) = prepare_rename_in(&last.stale, &old)
        && let Some(range) = last.exact(&place.file, place.range)
    {
        return Ok((FileRange { range, ..place }, name));
    }
    prepare_rename_in(analysis, position)
}

fn prepare_rename_in(
    analysis: &Analysis,
    position: &FilePosition,
) -> Result<(FileRange, String), String> {
    let (range, name) = collection_under_cursor(analysis, position).ok_or_else(|| {
        "only collection names can be renamed, and there is none under the cursor".to_string()
    })?;
    let defined = analysis
        .builds_of(&position.file)
        .any(|build| build.loaded.catalog.collection(&name).is_some());
    if !defined {
        return Err(format!(
            "no collection named \"{name}\" is defined, so it cannot be renamed"
        ));
    }
    Ok((range, name))
}

/// Renames the collection under the cursor in every file of every build
/// holding this file: its definition, transform sources and test steps.
/// Refuses a name that breaks the name rules (catalog.md §5.2: characters,
/// trailing `/`) or that another collection has or is a path prefix of,
/// compared case-insensitively. While the file does not parse, the last
/// analysis in which it did renames, and only when no other file changed
/// since and every place is in unchanged text: a rename that misses a
/// place would be worse than none.
pub fn rename(
    analysis: &Analysis,
    position: &FilePosition,
    new_name: &str,
) -> Result<SourceChange, String> {
    let Some((last, old)) = LastGood::at(analysis, position) else {
        return rename_in(analysis, position, new_name);
    };
    let change = rename_in(&last.stale, &old, new_name)?;
    let unsure = || {
        format!(
            "{} does not parse; fix its syntax error before renaming",
            position.file
        )
    };
    if !last.others_unchanged(&position.file) {
        return Err(unsure());
    }
    let mut mapped = SourceChange::default();
    for (file, edits) in change.edits {
        let mut moved = Vec::with_capacity(edits.len());
        for edit in edits {
            let range = last.exact(&file, edit.range).ok_or_else(unsure)?;
            moved.push(TextEdit { range, ..edit });
        }
        mapped.edits.insert(file, moved);
    }
    Ok(mapped)
}

fn rename_in(
    analysis: &Analysis,
    position: &FilePosition,
    new_name: &str,
) -> Result<SourceChange, String> {
    let (_, old) = prepare_rename_in(analysis, position)?;
    if !model::names::is_valid_collection_name(new_name) {
        return Err(format!(
            "\"{new_name}\" is not a valid collection name: a name may contain only letters, digits, \"-\", \"_\", \".\" and \"/\""
        ));
    }
    if new_name.ends_with('/') {
        return Err(format!(
            "\"{new_name}\" is not a valid collection name: a name must not end with \"/\""
        ));
    }
    let folded = new_name.to_lowercase();
    let builds: Vec<_> = analysis.builds_of(&position.file).collect();
    for build in &builds {
        for other in &build.loaded.catalog.collections {
            if other.name == old {
                continue;
            }
            let other_folded = other.name.to_lowercase();
            let at = &other.scope.resource;
            if other_folded == folded {
                return Err(format!(
                    "a collection named \"{}\" already exists (in {at})",
                    other.name
                ));
            }
            if other_folded.starts_with(&format!("{folded}/")) {
                return Err(format!(
                    "\"{new_name}\" would be a path prefix of collection \"{}\" (in {at})",
                    other.name
                ));
            }
            if folded.starts_with(&format!("{other_folded}/")) {
                return Err(format!(
                    "collection \"{}\" (in {at}) would be a path prefix of \"{new_name}\"",
                    other.name
                ));
            }
        }
    }
    let mut places = BTreeSet::new();
    for build in &builds {
        for (range, kind) in occurrences(&build.loaded, &old) {
            if kind != Occurrence::Import {
                places.insert(range);
            }
        }
    }
    let mut change = SourceChange::default();
    for place in places {
        let Some(view) = analysis.file(&place.file) else {
            continue;
        };
        // An alias follows its anchor, which is renamed where it is written.
        if view.text[place.range.start as usize..].starts_with('*') {
            continue;
        }
        let new_text = scalar_text(view.text, place.range, new_name);
        change.edits.entry(place.file).or_default().push(TextEdit {
            range: place.range,
            new_text,
        });
    }
    Ok(change)
}

/// How to write `name` in place of the scalar text at `range` (quotes
/// excluded): as is inside quotes or when YAML reads it back as that string,
/// else double-quoted (`1.5`, `true`, `null` would change type).
fn scalar_text(text: &str, range: TextRange, name: &str) -> String {
    let quoted = range.start > 0
        && matches!(
            text.as_bytes().get(range.start as usize - 1),
            Some(b'"' | b'\'')
        )
        && text.as_bytes().get(range.end as usize) == text.as_bytes().get(range.start as usize - 1);
    if quoted || reads_back_as_string(name) {
        return name.to_string();
    }
    serde_json::to_string(name).unwrap_or_else(|_| format!("\"{name}\""))
}

fn reads_back_as_string(name: &str) -> bool {
    let parse = syntax::parse(name);
    parse.errors.is_empty()
        && parse
            .tree
            .root()
            .and_then(|root| parse.tree.scalar(root))
            .is_some_and(|scalar| {
                scalar.value == syntax::ScalarValue::String
                    && scalar.style == syntax::ScalarStyle::Plain
                    && scalar.text == name
            })
}

/// What the cursor is on, as far as navigation cares (hover can ask the
/// same through [`subject_at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Subject {
    /// A collection name: its definition or a use; `range` is the name's
    /// text without quotes.
    Collection { name: String, range: TextRange },
    /// A whole file (an `import` entry).
    File(Url),
    /// A schema or sub-schema by URL (a `schema:` URL, a `$ref`'s target).
    Schema(Url),
    /// A document location, described by the schema at `schema`.
    Pointer { schema: Url, pointer: String },
}

/// What the cursor at `position` is on, with the build that gives it a
/// meaning (None in files of no build).
pub(crate) fn subject_at<'a>(
    analysis: &'a Analysis,
    position: &FilePosition,
) -> Option<(Subject, &'a crate::RootBuild)> {
    let view = analysis.file(&position.file)?;
    let build = view.build?;
    let path = tree_path::path_at(view.tree, position.offset);
    Some((subject(&build.loaded, &view, &path)?, build))
}

fn subject(loaded: &Loaded, view: &FileView<'_>, path: &CursorPath) -> Option<Subject> {
    let tree = view.tree;
    let node = path.node()?;
    let tokens = path.tokens();
    let scalar = (!path.on_key)
        .then(|| tree.scalar(node))
        .flatten()
        .map(|scalar| scalar.text);
    let resource = loaded.resource(view.url)?;
    if tokens.last() == Some(&"$ref") {
        return ref_target(loaded, view.url, resource.kind, &tokens).map(Subject::Schema);
    }
    if resource.kind != ResourceKind::Catalog {
        return None;
    }
    let file = view.url;
    let name_here = |name: &str, range: TextRange| Subject::Collection {
        name: name.to_string(),
        range: unquoted(view.text, range),
    };
    match tokens.as_slice() {
        ["collections", name] if path.on_key => {
            let key = path.steps.last()?.key?;
            Some(name_here(name, tree.node(key).range))
        }
        ["collections", _, "name"]
        | [
            "collections",
            _,
            "derivation",
            "transform",
            _,
            "source",
            "name",
        ]
        | ["collections", _, "derivation", "transform", _, "source"]
        | ["tests", _, _, "ingest" | "verify", "collection"] => {
            Some(name_here(scalar?, tree.node(node).range))
        }
        ["import", _] => Some(Subject::File(file.join(scalar?).ok()?)),
        ["collections", _, "schema"]
        | ["collections", _, "derivation", "register", "schema"]
        | [
            "collections",
            _,
            "derivation",
            "transform",
            _,
            "source",
            "schema",
        ] => Some(Subject::Schema(file.join(scalar?).ok()?)),
        ["collections", c, "projections", field] if path.on_key => {
            let collection = crate::semantics::collection_defined_at(loaded, file, c)?;
            partition_subject(collection, collection.schema_url()?, field)
        }
        ["collections", c, "key", _]
        | ["collections", c, "projections", _]
        | ["collections", c, "projections", _, "location"] => Some(Subject::Pointer {
            schema: crate::semantics::collection_defined_at(loaded, file, c)?.schema_url()?,
            pointer: scalar?.to_string(),
        }),
        ["collections", c, "derivation", "transform", t, "shuffle", _] => {
            let (schema, _) = source_of(
                loaded,
                crate::semantics::collection_defined_at(loaded, file, c)?,
                t,
            )?;
            Some(Subject::Pointer {
                schema,
                pointer: scalar?.to_string(),
            })
        }
        [
            "collections",
            c,
            "derivation",
            "transform",
            t,
            "source",
            "partitions",
            "include" | "exclude",
            field,
        ] if path.on_key => {
            let (schema, source) = source_of(
                loaded,
                crate::semantics::collection_defined_at(loaded, file, c)?,
                t,
            )?;
            partition_subject(source?, schema, field)
        }
        [
            "tests",
            test,
            step,
            "verify",
            "partitions",
            "include" | "exclude",
            field,
        ] if path.on_key => {
            let test = loaded
                .catalog
                .tests
                .iter()
                .find(|t| t.scope.resource == *file && t.name == *test)?;
            let step = test.steps.get(step.parse::<usize>().ok()?)?;
            let collection = loaded.catalog.collection(step.collection())?;
            partition_subject(collection, collection.schema_url()?, field)
        }
        _ => None,
    }
}

/// A partition field (or a projection's field name) stands for its
/// projection's location.
fn partition_subject(collection: &Collection, schema: Url, field: &str) -> Option<Subject> {
    let projection = collection.spec.projections.get(field)?;
    Some(Subject::Pointer {
        schema,
        pointer: projection.location().to_string(),
    })
}

/// The schema a transform's source documents are read with (its own
/// `source.schema`, else the source collection's), and the source
/// collection if it exists.
fn source_of<'l>(
    loaded: &'l Loaded,
    derivation: &Collection,
    transform: &str,
) -> Option<(Url, Option<&'l Collection>)> {
    let (_, _, spec) = derivation
        .transforms()
        .into_iter()
        .find(|(_, name, _)| *name == transform)?;
    let source = loaded.catalog.collection(&spec.source.name);
    let schema = match &spec.source.schema {
        Some(_) => derivation.source_schema_url(transform)?.clone(),
        None => source?.schema_url()?,
    };
    Some((schema, source))
}

/// The target URL of the `$ref` at `tokens` of `file`: joined against the
/// base in effect where it is written (the document, an inline schema's
/// synthetic URL, or an enclosing `$id`), as the loader joined it.
fn ref_target(loaded: &Loaded, file: &Url, kind: ResourceKind, tokens: &[&str]) -> Option<Url> {
    let (document, inner) = match kind {
        ResourceKind::Schema => (file.clone(), tokens),
        // In a catalog, the innermost inline schema holding the `$ref`.
        ResourceKind::Catalog => (1..tokens.len()).rev().find_map(|split| {
            if tokens[split - 1] != "schema" {
                return None;
            }
            let scope = Scope::new(file.clone(), pointer_of(tokens[..split].iter().copied()));
            let url = model::catalog::inline_schema_url(&scope);
            loaded
                .inline_schema(&url)
                .is_some()
                .then_some((url, &tokens[split..]))
        })?,
    };
    let value = loaded.schemas.document(&document)?;
    let pointer = pointer_of(inner.iter().copied());
    schema::collect_refs(&document, &value)
        .into_iter()
        .find(|reference| reference.pointer == pointer)
        .map(|reference| reference.target)
}

/// An alias's anchored node, with the `&name` token as focus when found.
fn alias_target(view: &FileView<'_>, path: &CursorPath) -> Option<NavigationTarget> {
    if path.on_key {
        return None;
    }
    let node = path.node()?;
    let NodeKind::Alias(target) = view.tree.node(node).kind else {
        return None;
    };
    let alias = view.tree.node(node).range;
    let name = view
        .text
        .get(alias.start as usize + 1..alias.end as usize)?;
    let full = trimmed(view.text, view.tree.node(target).range);
    // The anchor is written just before the node, or starts its range.
    let anchor = format!("&{name}");
    let window_end = (full.start as usize + anchor.len()).min(view.text.len());
    let focus = view
        .text
        .get(..window_end)
        .and_then(|window| window.rfind(&anchor))
        .filter(|at| {
            view.text[at + anchor.len()..]
                .chars()
                .next()
                .is_none_or(char::is_whitespace)
        })
        .map(|at| TextRange::new(at as u32, (at + anchor.len()) as u32))
        .unwrap_or(full);
    Some(NavigationTarget {
        file: view.url.clone(),
        full_range: TextRange::new(focus.start.min(full.start), full.end),
        focus_range: focus,
        name: name.to_string(),
    })
}

/// A collection's definition: the whole entry, focused on its name.
fn collection_target(loaded: &Loaded, collection: &Collection) -> Option<NavigationTarget> {
    let resource = loaded.resource(&collection.scope.resource)?;
    let located = resource.tree.locate(&collection.scope.pointer)?;
    let full = match located.key_range {
        Some(key) => TextRange::new(key.start, located.range.end),
        None => located.range,
    };
    let focus = name_range(loaded, collection)?;
    Some(NavigationTarget {
        file: resource.url.clone(),
        full_range: trimmed(&resource.text, full),
        focus_range: focus.range,
        name: collection.name.clone(),
    })
}

/// Where a collection's name is written (the map key or the `name` value),
/// without quotes.
fn name_range(loaded: &Loaded, collection: &Collection) -> Option<FileRange> {
    scalar_range(loaded, &collection.name_scope(), !collection.list_form)
}

/// The text range of the scalar (or key) at `scope`, without quotes.
fn scalar_range(loaded: &Loaded, scope: &Scope, at_key: bool) -> Option<FileRange> {
    let location = loaded.locate(scope, at_key)?;
    let resource = loaded.resource(&location.resource)?;
    Some(FileRange {
        range: unquoted(&resource.text, location.range),
        file: location.resource,
    })
}

/// A scalar's range without the anchor or tag written before it (the
/// parser's range starts at them) and without its quotes: the name itself.
fn unquoted(text: &str, range: TextRange) -> TextRange {
    let bytes = text.as_bytes();
    let mut start = range.start;
    while start < range.end && matches!(bytes.get(start as usize), Some(b'&' | b'!')) {
        while start < range.end
            && bytes
                .get(start as usize)
                .is_some_and(|b| !b.is_ascii_whitespace())
        {
            start += 1;
        }
        while start < range.end
            && bytes
                .get(start as usize)
                .is_some_and(u8::is_ascii_whitespace)
        {
            start += 1;
        }
    }
    let range = TextRange::new(start, range.end);
    let (first, last) = (
        bytes.get(range.start as usize),
        range
            .end
            .checked_sub(1)
            .and_then(|end| bytes.get(end as usize)),
    );
    match (first, last) {
        (Some(q @ (b'"' | b'\'')), Some(l)) if q == l && range.len() >= 2 => {
            TextRange::new(range.start + 1, range.end - 1)
        }
        _ => range,
    }
}

/// A whole file.
fn file_target(analysis: &Analysis, url: &Url) -> NavigationTarget {
    let full = analysis
        .file(url)
        .map(|view| TextRange::new(0, view.text.len() as u32))
        .unwrap_or_default();
    NavigationTarget {
        file: url.clone(),
        full_range: full,
        focus_range: TextRange::empty(0),
        name: url
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .unwrap_or_default()
            .to_string(),
    }
}

/// The sub-schema `url` names (a document, `$id`, `$anchor` or pointer).
fn schema_target(loaded: &Loaded, url: &Url) -> Option<NavigationTarget> {
    match loaded.schemas.resolve(url) {
        Some(resolved) => place_target(loaded, &resolved.document, &resolved.pointer),
        // Not a schema (a document that failed to load as one): its file.
        None => {
            let mut document = url.clone();
            document.set_fragment(None);
            place_target(loaded, &document, "")
        }
    }
}

/// The sub-schema that describes `pointer` in documents of `schema`.
fn pointer_target(loaded: &Loaded, schema: &Url, pointer: &str) -> Option<NavigationTarget> {
    let shape = schema::shape::infer(&loaded.schemas, schema)?;
    let origin = shape.locate(pointer).shape.origin.as_ref()?;
    let mut target = place_target(loaded, origin.document(), origin.pointer())?;
    target.name = pointer.to_string();
    Some(target)
}

/// A value inside a loaded document (inline schemas map to their catalog
/// file): the value with its key, focused on the key.
fn place_target(loaded: &Loaded, document: &Url, pointer: &str) -> Option<NavigationTarget> {
    let scope = loaded.file_scope(&Scope::new(document.clone(), pointer));
    let resource = loaded.resource(&scope.resource)?;
    let located = resource.tree.locate(&scope.pointer)?;
    let (full, focus) = if scope.pointer.is_empty() {
        (
            TextRange::new(0, resource.text.len() as u32),
            TextRange::empty(0),
        )
    } else {
        match located.key_range {
            Some(key) => (TextRange::new(key.start, located.range.end), key),
            None => (located.range, located.range),
        }
    };
    Some(NavigationTarget {
        file: resource.url.clone(),
        full_range: trimmed(&resource.text, full),
        focus_range: trimmed(&resource.text, focus),
        name: json::pointer::tokens(&scope.pointer)
            .and_then(|tokens| tokens.last().cloned())
            .unwrap_or_else(|| document.to_string()),
    })
}

/// The collection name under the cursor (its definition or a use): the
/// name's range at the cursor and the name.
fn collection_under_cursor(
    analysis: &Analysis,
    position: &FilePosition,
) -> Option<(FileRange, String)> {
    match subject_at(analysis, position)? {
        (Subject::Collection { name, range }, _) => Some((
            FileRange {
                file: position.file.clone(),
                range,
            },
            name,
        )),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occurrence {
    Definition,
    Use,
    /// An import of the file that defines the collection.
    Import,
}

/// Every place of a build naming the collection `name` exactly.
fn occurrences(loaded: &Loaded, name: &str) -> Vec<(FileRange, Occurrence)> {
    let catalog = &loaded.catalog;
    let mut out = Vec::new();
    let mut defining_files = BTreeSet::new();
    for collection in catalog.collections.iter().filter(|c| c.name == name) {
        defining_files.insert(&collection.scope.resource);
        out.extend(name_range(loaded, collection).map(|range| (range, Occurrence::Definition)));
    }
    for collection in &catalog.collections {
        for (scope, _, transform) in collection.transforms() {
            if transform.source.name == name {
                let scope = scope.push("source").push("name");
                out.extend(scalar_range(loaded, &scope, false).map(|r| (r, Occurrence::Use)));
            }
        }
    }
    for test in &catalog.tests {
        for (index, step) in test.steps.iter().enumerate() {
            if step.collection() == name {
                let kind = match step {
                    model::TestStepSpec::Ingest(_) => "ingest",
                    model::TestStepSpec::Verify(_) => "verify",
                };
                let scope = test.scope.push(index).push(kind).push("collection");
                out.extend(scalar_range(loaded, &scope, false).map(|r| (r, Occurrence::Use)));
            }
        }
    }
    for import in catalog
        .imports
        .iter()
        .filter(|import| defining_files.contains(&import.to))
    {
        out.extend(scalar_range(loaded, &import.scope, false).map(|r| (r, Occurrence::Import)));
    }
    out
}

#[cfg(test)]
mod tests;
