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

#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// The collection's spec: `…#/collections/3` (list form) or
    /// `…#/collections/acme~1orders` (map form).
    pub scope: Scope,
    pub name: String,
    /// Where the name is written: the `name` value (list form) or the map key.
    pub name_scope: Scope,
    /// True when defined in list form (where C14's defined-before-use applies).
    pub list_form: bool,
    pub spec: CollectionSpec,
}

impl Collection {
    /// The URL of the collection's schema.
    pub fn schema_url(&self) -> Option<Url> {
        schema_url(&self.scope.push("schema"), &self.spec.schema)
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

    /// The URL of the register schema, if the derivation declares one.
    pub fn register_schema_url(&self) -> Option<Url> {
        let register = self.spec.derivation.as_ref()?.register.as_ref()?;
        let schema = register.schema.as_ref()?;
        schema_url(
            &self
                .scope
                .push("derivation")
                .push("register")
                .push("schema"),
            schema,
        )
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
    pub imports: Vec<Import>,
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
