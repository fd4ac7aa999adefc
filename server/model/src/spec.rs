//! The catalog source format (catalog.md §3–§10) as typed structures.
//!
//! These types are the single owner of the catalog's structure: they are what
//! the loader deserializes each entity into, and `flowctl json-schema` prints the
//! JSON Schema generated from them (doc comments become descriptions, which
//! editors show on hover and completion).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A Flow catalog source file (`flow.yaml`, `*.flow.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "Estuary Flow catalog")]
pub struct CatalogSpec {
    /// JSON Schema of this file, for editors. Ignored by the build.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Other catalog sources to include, as URLs relative to this file. Imports
    /// are processed depth first, before this file's own collections, and make
    /// the imported file's collections visible to this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub import: Vec<String>,
    /// NPM packages that TypeScript lambdas may use, as package name → version.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_dependencies: BTreeMap<String, String>,
    /// Collections defined by this file: a list of collection specs, each with a
    /// `name`, or a map from collection name to spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collections: Option<CollectionsSpec>,
    /// Databases that collections can be materialized into, by target name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub materialization_targets: BTreeMap<String, MaterializationTargetSpec>,
    /// Tests of this catalog, by test name: each a list of `ingest` and `verify`
    /// steps, run in order.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tests: BTreeMap<String, Vec<TestStepSpec>>,
    /// Later-Flow endpoints section. Accepted and ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Value>,
    /// Later-Flow materializations section. Accepted and ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub materializations: Option<Value>,
    /// Later-Flow captures section. Accepted and ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captures: Option<Value>,
}

/// Collections in list form (ordered, each with a `name`) or map form (name → spec).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CollectionsSpec {
    /// List form: collections are registered in list order, and a derivation may
    /// only read collections listed before it (or imported).
    List(Vec<CollectionSpec>),
    /// Map form: collection name → spec, processed in name order.
    Map(BTreeMap<String, CollectionSpec>),
}

/// A collection: a set of JSON documents with a schema and a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CollectionSpec {
    /// Name of the collection, such as `acmeCo/orders`: letters, digits, `-`,
    /// `_`, `.` and `/`, unique in the catalog. Required in list form; not
    /// allowed in map form, where the map key is the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// JSON Schema of the collection's documents: a URL (relative to this file,
    /// optionally with a `#/pointer` or `#anchor` fragment) or an inline schema.
    pub schema: SchemaSpec,
    /// The collection key: JSON Pointers into each document, such as `[/id]`.
    /// Documents with equal keys are reduced into one.
    pub key: Vec<String>,
    /// Named fields of the collection, as field → JSON Pointer, or field →
    /// `{location, partition}` for logical partitions.
    #[serde(
        default,
        skip_serializing_if = "NameMap::is_empty",
        deserialize_with = "name_order"
    )]
    #[schemars(with = "BTreeMap<String, ProjectionSpec>")]
    pub projections: NameMap<ProjectionSpec>,
    /// Makes this a derived collection, computed from other collections by
    /// transforms. Absent for captured collections, which tests ingest into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derivation: Option<Box<DerivationSpec>>,
}

/// Entities by name, in name order (as a `BTreeMap` iterates), held in one
/// allocation of entries rather than B-tree nodes of eleven: a collection's
/// projections (most have one or two) took 650 bytes as a `BTreeMap`, and a
/// derivation's transforms 3 KB (issue #7). Deserialized with [`name_order`].
pub type NameMap<V> = indexmap::IndexMap<String, V>;

/// Deserializes a [`NameMap`], sorted by name.
fn name_order<'de, D, V>(deserializer: D) -> Result<NameMap<V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    let mut map = NameMap::<V>::deserialize(deserializer)?;
    map.sort_unstable_keys();
    Ok(map)
}

/// A JSON Schema: a URL to one, or the schema itself inline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SchemaSpec {
    /// URL of a schema, relative to this file, optionally with a fragment.
    Url(String),
    /// An inline JSON Schema (an object or a boolean).
    Inline(InlineSchema),
}

/// An inline JSON Schema (draft 2019-09, with Flow's `reduce` keyword).
/// Shared (`Arc`) with the schema index, which indexes this same JSON.
/// Kept as compact text ([`crate::compact::Json`]): inline schemas are
/// most of a large catalog's memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InlineSchema(
    #[serde(deserialize_with = "deserialize_inline")] pub std::sync::Arc<crate::compact::Json>,
);

impl InlineSchema {
    /// The schema `value`, kept as compact text.
    pub fn new(value: Value) -> InlineSchema {
        InlineSchema(std::sync::Arc::new(crate::compact::Json::compact(value)))
    }
}

fn deserialize_inline<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<std::sync::Arc<crate::compact::Json>, D::Error> {
    crate::compact::deserialize(deserializer)
        .map(|value| std::sync::Arc::new(crate::compact::Json::compact(value)))
}

impl JsonSchema for InlineSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "InlineSchema".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An inline JSON Schema (draft 2019-09, with Flow's `reduce` keyword).",
            "type": ["object", "boolean"]
        })
    }
}

/// A projection: a JSON Pointer, or the full form with `location` and `partition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ProjectionSpec {
    /// JSON Pointer of the projected location, such as `/user/id`.
    Location(String),
    /// A projection with options.
    Full(FullProjectionSpec),
}

/// A projection with options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FullProjectionSpec {
    /// JSON Pointer of the projected location.
    pub location: String,
    /// Makes this field a logical partition of the collection: its location
    /// must always exist and have a single scalar type.
    #[serde(default)]
    pub partition: bool,
}

impl ProjectionSpec {
    pub fn location(&self) -> &str {
        match self {
            ProjectionSpec::Location(location) => location,
            ProjectionSpec::Full(full) => &full.location,
        }
    }

    pub fn is_partition(&self) -> bool {
        matches!(
            self,
            ProjectionSpec::Full(FullProjectionSpec {
                partition: true,
                ..
            })
        )
    }
}

/// How a derived collection is computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DerivationSpec {
    /// The derivation's register: a JSON value kept per shuffle key, updated by
    /// `update` lambdas and read by `publish` lambdas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<RegisterSpec>,
    /// Transforms of the derivation, by name: each reads one source collection.
    #[serde(deserialize_with = "name_order")]
    #[schemars(with = "BTreeMap<String, TransformSpec>")]
    pub transform: NameMap<TransformSpec>,
    /// Lambdas run once when the derivation starts (preview only; their results
    /// are ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bootstrap: Vec<LambdaSpec>,
}

/// A derivation's register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegisterSpec {
    /// JSON Schema of register values; its `reduce` annotations say how updates
    /// are folded in. Default: `true` (any value, last write wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaSpec>,
    /// Value of a register that was never updated. Default: `null`.
    #[serde(default)]
    pub initial: Value,
}

/// A transform: reads a source collection and updates the register and/or
/// publishes documents into the derived collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TransformSpec {
    /// The collection this transform reads.
    pub source: SourceSpec,
    /// JSON Pointers into source documents that select the register. Default:
    /// the source collection's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle: Option<Vec<String>>,
    /// Delay before documents are read, such as `48h`, `90s` or `1h 30m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_delay: Option<String>,
    /// Priority of this transform over others of the derivation (later Flow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// Lambda returning register updates for a source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<LambdaSpec>,
    /// Lambda returning documents to publish, given the source document, the
    /// register and the previous register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish: Option<LambdaSpec>,
}

/// The source of a transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceSpec {
    /// Name of the source collection.
    pub name: String,
    /// An alternate schema to validate source documents against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaSpec>,
    /// Reads only documents whose logical partitions match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitions: Option<PartitionSelectorSpec>,
}

/// Selects documents by the values of their logical partition fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PartitionSelectorSpec {
    /// Partition field → values, one of which the document must have.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub include: BTreeMap<String, Vec<Value>>,
    /// Partition field → values, none of which the document may have.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exclude: BTreeMap<String, Vec<Value>>,
}

/// A lambda: exactly one of `nodeJS`, `remote`, `sqlite`, `sqliteFile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub enum LambdaSpec {
    /// Body of a TypeScript function. `source` is in scope (and `register` and
    /// `previous` for publish lambdas); it returns an array.
    #[serde(rename = "nodeJS")]
    NodeJs(String),
    /// URL of a remote lambda, called with HTTP PUT.
    #[serde(rename = "remote")]
    Remote(String),
    /// SQLite lambda (never supported).
    #[serde(rename = "sqlite")]
    Sqlite(String),
    /// SQLite lambda file (never supported).
    #[serde(rename = "sqliteFile")]
    SqliteFile(String),
}

/// A database that collections can be materialized into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum MaterializationTargetSpec {
    /// A PostgreSQL database.
    Postgres(DatabaseLocation),
    /// A SQLite database.
    Sqlite(#[schemars(schema_with = "sqlite_location_schema")] DatabaseLocation),
}

/// The schema of a SQLite target: `uri`, or `path` as later Flow spelled it
/// (catalog.md §9 recommends accepting both), exactly one of them. A
/// PostgreSQL target takes `uri` only.
fn sqlite_location_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "Where a SQLite database is: `uri` (`file:///…` or a path), or `path` (later Flow's spelling of the same).",
        "type": "object",
        "properties": {
            "uri": { "description": "The database file, as a `file:///…` URI or a path.", "type": "string" },
            "path": { "description": "The database file (an alias of `uri`).", "type": "string" }
        },
        "additionalProperties": false,
        "oneOf": [{ "required": ["uri"] }, { "required": ["path"] }]
    })
}

/// Where a database is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatabaseLocation {
    /// Connection URI (`postgresql://…`, or `file:///…` / a path for SQLite;
    /// a SQLite target may spell it `path`, see `sqlite_location_schema`).
    #[serde(alias = "path")]
    pub uri: String,
}

/// One step of a test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum TestStepSpec {
    /// Ingest documents into a captured collection.
    Ingest(IngestSpec),
    /// Verify the fully reduced documents of a collection.
    Verify(VerifySpec),
}

/// An `ingest` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngestSpec {
    /// The captured collection to ingest into.
    pub collection: String,
    /// Documents to ingest, in order.
    pub documents: Vec<Value>,
}

/// A `verify` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VerifySpec {
    /// The collection to verify.
    pub collection: String,
    /// Expected documents, one per key, in key order. Each matches when its
    /// properties are present with equal values in the actual document.
    pub documents: Vec<Value>,
    /// Verifies only documents whose logical partitions match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitions: Option<PartitionSelectorSpec>,
}

impl TestStepSpec {
    pub fn collection(&self) -> &str {
        match self {
            TestStepSpec::Ingest(ingest) => &ingest.collection,
            TestStepSpec::Verify(verify) => &verify.collection,
        }
    }

    pub fn documents(&self) -> &[Value] {
        match self {
            TestStepSpec::Ingest(ingest) => &ingest.documents,
            TestStepSpec::Verify(verify) => &verify.documents,
        }
    }

    /// `"ingest"` or `"verify"`: the step's key in YAML.
    pub fn kind(&self) -> &'static str {
        match self {
            TestStepSpec::Ingest(_) => "ingest",
            TestStepSpec::Verify(_) => "verify",
        }
    }
}

/// The JSON Schema of catalog files, as `flowctl json-schema` prints it.
pub fn catalog_json_schema() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2019_09();
    let schema = settings
        .into_generator()
        .into_root_schema_for::<CatalogSpec>();
    let mut schema = serde_json::to_value(schema).unwrap_or(Value::Null);
    remove_null_alternatives(&mut schema);
    schema
}

/// Optional properties are omitted in catalogs, never written as `null`: drop
/// the `null` that schemars allows for every `Option`.
fn remove_null_alternatives(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|ty| ty != "null");
                if types.len() == 1 {
                    let only = types[0].clone();
                    object.insert("type".to_string(), only);
                }
            }
            for keyword in ["anyOf", "oneOf"] {
                if let Some(Value::Array(alternatives)) = object.get_mut(keyword) {
                    alternatives.retain(|alternative| {
                        alternative.get("type").is_none_or(|ty| ty != "null")
                    });
                    if alternatives.len() == 1 {
                        let only = alternatives.remove(0);
                        object.remove(keyword);
                        if let Value::Object(only) = only {
                            for (key, value) in only {
                                object.entry(key).or_insert(value);
                            }
                        }
                    }
                }
            }
            for value in object.values_mut() {
                remove_null_alternatives(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(remove_null_alternatives),
        _ => {}
    }
}
