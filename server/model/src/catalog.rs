//! The loaded catalog: every entity of every catalog source, each with the
//! [`Scope`] it was defined at, in processing order (catalog.md §3).

use url::Url;

use crate::Scope;
use crate::spec::{
    CollectionSpec, MaterializationTargetSpec, SchemaSpec, TestStepSpec, TransformSpec,
};

/// What a resource was loaded as (catalog.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Catalog,
    Schema,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Catalog => "catalog source",
            ResourceKind::Schema => "schema",
        }
    }
}

/// A loaded resource: its URL and kind (the loader keeps the text and tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub url: Url,
    pub kind: ResourceKind,
}

/// An `import` edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The import entry (`…#/import/2`).
    pub scope: Scope,
    pub from: Url,
    pub to: Url,
}

/// A schema a collection names (its own, its register's or a transform
/// source's): where it is written and the URL it names.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaPlace {
    /// Where the schema is written (`…/schema`).
    pub scope: Scope,
    /// [`schema_url`] of it: a URL joined with the file's (its fragment
    /// kept), or an inline schema's synthetic URL; or why it names none.
    pub url: Result<Url, url::ParseError>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// The collection's spec: `…#/collections/3` (list form) or
    /// `…#/collections/acme~1orders` (map form).
    pub scope: Scope,
    pub name: String,
    /// True when defined in list form (where C14's defined-before-use applies).
    pub list_form: bool,
    pub spec: CollectionSpec,
    /// Every schema it names, in [`Collection::schemas`]' order: computed
    /// once per lowered entity (URL parses), not per build.
    places: Vec<std::sync::Arc<SchemaPlace>>,
}

impl Collection {
    pub fn new(scope: Scope, name: String, list_form: bool, spec: CollectionSpec) -> Collection {
        let mut collection = Collection {
            scope,
            name,
            list_form,
            spec,
            places: Vec::new(),
        };
        let places = collection
            .schema_specs()
            .map(|(slot, schema)| {
                let scope = match slot {
                    None => collection.scope.push("schema"),
                    Some(None) => collection
                        .scope
                        .push_all(["derivation", "register", "schema"]),
                    Some(Some(transform)) => collection
                        .scope
                        .push_all(["derivation", "transform"])
                        .push(transform)
                        .push_all(["source", "schema"]),
                };
                std::sync::Arc::new(SchemaPlace {
                    url: match schema {
                        SchemaSpec::Url(url) => scope.resource.join(url),
                        SchemaSpec::Inline(_) => Ok(inline_schema_url(&scope)),
                    },
                    scope,
                })
            })
            .collect();
        collection.places = places;
        collection
    }

    /// Where the name is written: the `name` value (list form) or the map
    /// key (the collection's own scope, reported at the key). Made when
    /// asked for (a diagnostic about the name), not kept per collection.
    pub fn name_scope(&self) -> Scope {
        if self.list_form {
            self.scope.push("name")
        } else {
            self.scope.clone()
        }
    }

    /// Every schema the collection names with its spec, in the order a load
    /// reads them: its own, its register's, then each transform source's
    /// (in transform order).
    pub fn schemas(&self) -> impl Iterator<Item = (&std::sync::Arc<SchemaPlace>, &SchemaSpec)> {
        self.places
            .iter()
            .zip(self.schema_specs().map(|(_, schema)| schema))
    }

    /// [`Collection::schemas`]' specs, each with where it is written: the
    /// collection's own (`None`), the register's (`Some(None)`), a
    /// transform source's (`Some(Some(transform))`).
    #[allow(clippy::type_complexity)]
    fn schema_specs(&self) -> impl Iterator<Item = (Option<Option<&str>>, &SchemaSpec)> {
        let own = std::iter::once((None, &self.spec.schema));
        let register = self.register_schema().map(|schema| (Some(None), schema));
        let sources = self
            .spec
            .derivation
            .iter()
            .flat_map(|derivation| &derivation.transform)
            .filter_map(|(name, transform)| {
                let schema = transform.source.schema.as_ref()?;
                Some((Some(Some(name.as_str())), schema))
            });
        own.chain(register).chain(sources)
    }

    fn register_schema(&self) -> Option<&SchemaSpec> {
        self.spec
            .derivation
            .as_ref()?
            .register
            .as_ref()?
            .schema
            .as_ref()
    }

    /// The URL of the collection's schema.
    pub fn schema_url(&self) -> Option<Url> {
        self.schema_url_ref().cloned()
    }

    /// [`Collection::schema_url`], borrowed.
    pub fn schema_url_ref(&self) -> Option<&Url> {
        self.places.first()?.url.as_ref().ok()
    }

    /// Transforms of the derivation (empty for captured collections), in name
    /// order (the transform index), each with its scope.
    pub fn transforms(&self) -> Vec<(Scope, &str, &TransformSpec)> {
        let Some(derivation) = &self.spec.derivation else {
            return Vec::new();
        };
        let base = self.scope.push("derivation").push("transform");
        derivation
            .transform
            .iter()
            .map(|(name, transform)| (base.push(name), name.as_str(), transform))
            .collect()
    }

    /// The URL of the alternate source schema of the transform `transform`
    /// (`source.schema`), if it writes one that names a URL.
    pub fn source_schema_url(&self, transform: &str) -> Option<&Url> {
        self.places
            .iter()
            .zip(self.schema_specs())
            .find(|(_, (slot, _))| *slot == Some(Some(transform)))?
            .0
            .url
            .as_ref()
            .ok()
    }

    /// The URL of the register schema, if the derivation declares one.
    pub fn register_schema_url(&self) -> Option<Url> {
        self.register_schema()?;
        self.places.get(1)?.url.as_ref().ok().cloned()
    }

    pub fn is_derived(&self) -> bool {
        self.spec.derivation.is_some()
    }
}

/// A `nodeDependencies` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDependency {
    pub scope: Scope,
    pub package: String,
    pub version: String,
}

/// A `materializationTargets` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub scope: Scope,
    pub name: String,
    pub spec: MaterializationTargetSpec,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// `…#/tests/<name>`.
    pub scope: Scope,
    pub name: String,
    pub steps: Vec<TestStepSpec>,
}

/// Every entity of a build, in processing order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub resources: Vec<Resource>,
    /// Shared with the `load::Memo` that read them (and later loads of the
    /// same file).
    pub imports: Vec<std::sync::Arc<Import>>,
    /// Shared with the `load::Memo` that lowered them (and later loads of
    /// the same file).
    pub collections: Vec<std::sync::Arc<Collection>>,
    pub node_dependencies: Vec<NodeDependency>,
    pub targets: Vec<Target>,
    pub tests: Vec<std::sync::Arc<Test>>,
}

impl Catalog {
    pub fn collection(&self, name: &str) -> Option<&Collection> {
        self.collections
            .iter()
            .find(|collection| collection.name == name)
            .map(|collection| &**collection)
    }
}

/// The URL of a schema written at `scope` (catalog.md §5.3): a URL string is
/// joined with the resource URL; an inline schema gets the synthetic URL
/// `<resource>?ptr=<pointer>`.
pub fn schema_url(scope: &Scope, schema: &SchemaSpec) -> Option<Url> {
    match schema {
        SchemaSpec::Url(url) => scope.resource.join(url).ok(),
        SchemaSpec::Inline(_) => Some(inline_schema_url(scope)),
    }
}

/// The synthetic URL of an inline schema written at `scope`.
pub fn inline_schema_url(scope: &Scope) -> Url {
    let mut url = scope.resource.clone();
    url.set_fragment(None);
    // The pointer form-encoded (as `query_pairs_mut().append_pair` would)
    // with `/` kept readable, written into one buffer and parsed once: this
    // runs per collection per build. `byte_serialize` yields each encoded
    // byte as its own `%XX` chunk.
    let mut query = String::with_capacity(8 + scope.pointer.len());
    query.push_str("ptr=");
    for chunk in url::form_urlencoded::byte_serialize(scope.pointer.as_bytes()) {
        query.push_str(if chunk == "%2F" { "/" } else { chunk });
    }
    url.set_query(Some(&query));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL the pairs serialiser built before `inline_schema_url` wrote
    /// its query directly: the two must agree on every pointer.
    fn through_pairs(scope: &Scope) -> Url {
        let mut url = scope.resource.clone();
        url.set_fragment(None);
        url.query_pairs_mut()
            .clear()
            .append_pair("ptr", &scope.pointer);
        let query = url.query().unwrap_or_default().replace("%2F", "/");
        url.set_query(Some(&query));
        url
    }

    /// A large catalog holds one `Collection` per collection (34,000 in the
    /// 20 MB file): its derivation is boxed (most collections have none)
    /// and its name's scope made on demand, so it stays this small
    /// (issue #7; it was 616 bytes).
    #[test]
    fn a_collection_stays_small() {
        assert!(
            std::mem::size_of::<Collection>() <= 320,
            "Collection is {} bytes",
            std::mem::size_of::<Collection>()
        );
    }

    #[test]
    fn inline_schema_urls_form_encode_the_pointer_and_keep_slashes() {
        let resources = [
            "file:///w/flow.yaml",
            "file:///w/a%20b/flow.yaml?x=1#frag",
            "https://example.com/c.yaml#/",
        ];
        let pointers = [
            "",
            "/collections/3/schema",
            "/collections/a~1b/x y+z&w=v%2F#?",
            "/derivation/transforms/ünï/€",
        ];
        for resource in resources {
            for pointer in pointers {
                let scope = Scope::new(Url::parse(resource).unwrap(), pointer);
                assert_eq!(inline_schema_url(&scope), through_pairs(&scope), "{scope}");
            }
        }
        let scope = Scope::new(
            Url::parse("file:///w/flow.yaml").unwrap(),
            "/collections/0/schema",
        );
        assert_eq!(
            inline_schema_url(&scope).as_str(),
            "file:///w/flow.yaml?ptr=/collections/0/schema"
        );
    }
}
