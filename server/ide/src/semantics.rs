//! What a [`Cursor`]'s place means in the loaded catalog, shared by
//! completion and hover: the kind of file, the collection a place belongs
//! to, which collection's documents a JSON pointer is about (`key`,
//! `shuffle`, projections), the places that name a collection, and where a
//! user JSON Schema starts.

use load::Loaded;
use model::{Collection, ResourceKind};
use schema::Shape;
use serde_json::Value;
use url::Url;

use crate::catalog_schema;
use crate::cursor::{self, Cursor, Segment, Slot};
use crate::host::FileView;

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Catalog,
    Schema,
    Other,
}

/// A build's own word for the file, else its name: a catalog name
/// (`flow.yaml`, `*.flow.yaml`) or a schema name (`*.schema.yaml`,
/// `*.schema.json`, …).
pub fn file_kind(view: &FileView<'_>) -> FileKind {
    if let Some(resource) = view.build.and_then(|build| build.loaded.resource(view.url)) {
        return match resource.kind {
            ResourceKind::Catalog => FileKind::Catalog,
            ResourceKind::Schema => FileKind::Schema,
        };
    }
    if crate::workspace::is_catalog_name(view.url) {
        FileKind::Catalog
    } else if is_schema_name(view.url) {
        FileKind::Schema
    } else {
        FileKind::Other
    }
}

/// `*.schema.yaml`, `*.schema.yml`, `*.schema.json`.
pub fn is_schema_name(url: &Url) -> bool {
    let path = url.path();
    [".schema.yaml", ".schema.yml", ".schema.json"]
        .iter()
        .any(|suffix| path.ends_with(suffix))
}

/// The length of the path prefix that reaches the user JSON Schema the
/// cursor is in (0 for a schema file), if it is in one.
pub fn user_schema_start(kind: FileKind, cursor: &Cursor) -> Option<usize> {
    match kind {
        FileKind::Schema => Some(0),
        FileKind::Catalog => {
            let user_from = catalog_schema::place(&cursor.path).user_from?;
            // The value of `schema:` itself is a URL or the schema.
            let at_schema_value = cursor.path.len() == user_from && cursor.slot == Slot::Value;
            (!at_schema_value).then_some(user_from)
        }
        FileKind::Other => None,
    }
}

/// The collection defined at `path[..2]` of `file` (`collections/<name>`
/// or `collections/<index>`).
pub fn collection_at<'a>(
    loaded: &'a Loaded,
    file: &Url,
    path: &[Segment],
) -> Option<&'a Collection> {
    if path.first()?.key()? != "collections" {
        return None;
    }
    let token = match path.get(1)? {
        Segment::Key(name) => name.clone(),
        Segment::Item(index) => index.to_string(),
    };
    collection_defined_at(loaded, file, &token)
}

/// The collection whose definition is `/collections/<token>` of `file` (a
/// name in the map form, an index in the list form).
pub(crate) fn collection_defined_at<'a>(
    loaded: &'a Loaded,
    file: &Url,
    token: &str,
) -> Option<&'a Collection> {
    let mut pointer = String::from("/collections");
    json::pointer::push_token(&mut pointer, token);
    loaded
        .catalog
        .collections
        .iter()
        .find(|c| c.scope.resource == *file && c.scope.pointer == pointer)
        .map(|c| &**c)
}

/// A collection by name (the first definition).
pub fn collection_named<'a>(loaded: &'a Loaded, name: &str) -> Option<&'a Collection> {
    loaded.catalog.collection(name)
}

/// The inferred shape of a collection's documents.
pub fn collection_shape(loaded: &Loaded, collection: &Collection) -> Option<Shape> {
    schema::shape::infer(&loaded.schemas, &collection.schema_url()?)
}

/// The inferred shape of a derivation's register (`true`, any value, when
/// it declares no schema).
pub fn register_shape(loaded: &Loaded, collection: &Collection) -> Shape {
    collection
        .register_schema_url()
        .and_then(|url| schema::shape::infer(&loaded.schemas, &url))
        .unwrap_or_else(Shape::anything)
}

/// Where a JSON pointer of some collection's documents is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointerUse {
    /// An item of a collection's `key`.
    Key,
    /// An item of a transform's `shuffle` (pointers into the source).
    Shuffle,
    /// A projection's location.
    Projection,
}

/// The collection defined at `path[..2]` of the file: its loaded entity
/// when the build has it, else its JSON as the file's tree holds it (a
/// collection with a structural mistake, such as the half-written item
/// being completed, is not in the model).
pub struct Owner<'a> {
    pub loaded: Option<&'a Collection>,
    pub json: Option<Value>,
    /// The collection's path prefix (`collections/<name or index>`).
    prefix: Vec<Segment>,
    /// Scalars written in the unclosed flow collections at the cursor.
    written: Vec<(Vec<Segment>, String)>,
}

pub fn owner<'a>(view: &FileView<'a>, cursor: &Cursor) -> Option<Owner<'a>> {
    let path = &cursor.path;
    let build = view.build;
    if path.first()?.key()? != "collections" {
        return None;
    }
    let loaded = build.and_then(|build| collection_at(&build.loaded, view.url, path));
    let json = match loaded {
        Some(_) => None,
        None => {
            let mut pointer = "/collections".to_string();
            match path.get(1)? {
                Segment::Key(name) => json::pointer::push_token(&mut pointer, name),
                Segment::Item(index) => json::pointer::push_index(&mut pointer, *index),
            }
            let in_tree = view
                .tree
                .locate(&pointer)
                .and_then(|located| view.tree.to_json(located.node).ok());
            in_tree.or_else(|| repaired_owner_json(view, cursor))
        }
    };
    Some(Owner {
        loaded,
        json,
        prefix: path[..2.min(path.len())].to_vec(),
        written: cursor.written.clone(),
    })
}

/// The JSON of the collection being edited when the file does not parse:
/// its entry's text (from its first line to the next line indented no
/// more), with the flow collections open at the cursor's line closed at
/// that line's end (`key: [/id, |` reads as `key: [/id, ]`), parsed alone.
fn repaired_owner_json(view: &FileView<'_>, cursor: &Cursor) -> Option<Value> {
    let from = cursor.flow_from?;
    let start = *cursor.starts.get(1)?;
    let text: &str = view.text;
    let at = (cursor.word.end as usize).min(text.len());
    let line_end = text[at..].find('\n').map_or(text.len(), |end| at + end);
    let closers = cursor::closers(text, from, line_end);
    if closers.is_empty() || start > line_end {
        return None;
    }
    let owner_indent = cursor::indent_of(&text[start..]).unwrap_or(0);
    let mut region_end = text.len();
    let mut next = line_end + 1;
    while next < text.len() {
        let end = text[next..].find('\n').map_or(text.len(), |at| next + at);
        if cursor::indent_of(&text[next..end]).is_some_and(|indent| indent <= owner_indent) {
            region_end = next;
            break;
        }
        next = end + 1;
    }
    let region = format!(
        "{}{closers}{}",
        &text[start..line_end],
        &text[line_end..region_end.max(line_end)]
    );
    let tree = syntax::parse(&region).tree;
    let root = tree.root()?;
    let node = match (tree.items(root).first(), tree.entries(root).first()) {
        (Some(item), _) => *item,
        (None, Some(entry)) => entry.value,
        (None, None) => return None,
    };
    tree.to_json(node).ok()
}

/// Collections this file defines that the model lacks because the file
/// does not parse as it stands (read from its text).
pub fn unloaded_collections(view: &FileView<'_>) -> Vec<String> {
    let in_model = view.build.is_some_and(|build| {
        build
            .loaded
            .catalog
            .collections
            .iter()
            .any(|collection| &collection.scope.resource == view.url)
    });
    if in_model {
        return Vec::new();
    }
    cursor::collection_names(view.text)
}

impl Owner<'_> {
    /// The collection's name.
    pub fn name(&self) -> Option<String> {
        if let Some(collection) = self.loaded {
            return Some(collection.name.clone());
        }
        match self.prefix.get(1)? {
            Segment::Key(name) => Some(name.clone()),
            Segment::Item(_) => Some(self.json.as_ref()?.get("name")?.as_str()?.to_string()),
        }
    }

    /// The source collection name of transform `transform`.
    pub fn source_name(&self, transform: &str) -> Option<String> {
        if let Some(collection) = self.loaded {
            let spec = collection
                .spec
                .derivation
                .as_ref()?
                .transform
                .get(transform)?;
            return Some(spec.source.name.clone());
        }
        let from_tree = self.json.as_ref().and_then(|json| {
            json.get("derivation")?
                .get("transform")?
                .get(transform)?
                .get("source")?
                .get("name")?
                .as_str()
        });
        if let Some(name) = from_tree {
            return Some(name.to_string());
        }
        let mut path = self.prefix.clone();
        for key in ["derivation", "transform", transform, "source", "name"] {
            path.push(Segment::Key(key.to_string()));
        }
        self.written
            .iter()
            .find(|(written, _)| *written == path)
            .map(|(_, value)| value.clone())
    }

    /// The inferred shape of the collection's documents. From the tree, a
    /// schema URL is resolved in the build's index and an inline schema is
    /// inferred on its own (its `$ref`s to other files unresolved).
    pub fn shape(&self, view: &FileView<'_>) -> Option<Shape> {
        let loaded = view.build.map(|build| &build.loaded);
        if let (Some(collection), Some(loaded)) = (self.loaded, loaded) {
            return collection_shape(loaded, collection);
        }
        match self.json.as_ref()?.get("schema")? {
            Value::String(url) => {
                let url = view.url.join(url).ok()?;
                schema::shape::infer(&loaded?.schemas, &url)
            }
            inline @ (Value::Object(_) | Value::Bool(_)) => {
                let mut url = view.url.clone();
                url.set_query(Some("ptr=editor"));
                let mut index = schema::SchemaIndex::new();
                index.add_document(url.clone(), inline.clone());
                schema::shape::infer(&index, &url)
            }
            _ => None,
        }
    }
}

/// When the cursor is on a JSON pointer into a collection's documents: what
/// it is and the shape of those documents.
pub fn pointer_place(view: &FileView<'_>, cursor: &Cursor) -> Option<(PointerUse, Shape)> {
    if cursor.slot != Slot::Value {
        return None;
    }
    let path = &cursor.path;
    let owner = owner(view, cursor)?;
    let rest = &path[2..];
    let keys: Vec<Option<&str>> = rest.iter().map(Segment::key).collect();
    match keys.as_slice() {
        [Some("key"), None] => Some((PointerUse::Key, owner.shape(view)?)),
        [Some("projections"), Some(_)] | [Some("projections"), Some(_), Some("location")] => {
            Some((PointerUse::Projection, owner.shape(view)?))
        }
        [
            Some("derivation"),
            Some("transform"),
            Some(transform),
            Some("shuffle"),
            None,
        ] => {
            let loaded = &view.build?.loaded;
            let source = collection_named(loaded, &owner.source_name(transform)?)?;
            Some((PointerUse::Shuffle, collection_shape(loaded, source)?))
        }
        _ => None,
    }
}

/// Whether the cursor's value names a collection: a transform's
/// `source.name` or a test step's `collection`.
pub fn names_collection(cursor: &Cursor) -> bool {
    cursor.slot == Slot::Value
        && (cursor.ends_with(&["transform", "*", "source", "name"])
            || cursor.ends_with(&["tests", "*", "-", "ingest", "collection"])
            || cursor.ends_with(&["tests", "*", "-", "verify", "collection"]))
}

/// The files every import of `file` reaches, `file` included.
pub fn visible_files(loaded: &Loaded, file: &Url) -> std::collections::HashSet<Url> {
    let mut by_from: std::collections::HashMap<&Url, Vec<&Url>> = std::collections::HashMap::new();
    for import in &loaded.catalog.imports {
        by_from.entry(&import.from).or_default().push(&import.to);
    }
    let mut seen = std::collections::HashSet::new();
    let mut work = vec![file];
    while let Some(next) = work.pop() {
        if seen.insert(next.clone())
            && let Some(targets) = by_from.get(next)
        {
            work.extend(targets.iter().copied());
        }
    }
    seen
}

/// `url` relative to `base` (`../schemas/orders.schema.yaml`).
pub fn relative(base: &Url, url: &Url) -> String {
    match base.make_relative(url) {
        Some(relative) if !relative.is_empty() => relative,
        Some(_) => file_name(url).to_string(),
        None => url.to_string(),
    }
}

/// The last segment of a URL's path.
pub fn file_name(url: &Url) -> &str {
    url.path_segments()
        .and_then(|mut segments| segments.next_back())
        .unwrap_or_default()
}

/// Where in which file an entity is defined, as `path:line` (1-based),
/// relative to `from`.
pub fn place_of(loaded: &Loaded, scope: &model::Scope, from: &Url) -> Option<String> {
    let location = loaded.locate(scope, true)?;
    let resource = loaded.resource(&location.resource)?;
    let line = resource.line_index.line_of(location.range.start) + 1;
    let name = relative(from, &location.resource);
    Some(format!("{name}:{line}"))
}
