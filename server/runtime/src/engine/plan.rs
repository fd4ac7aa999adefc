//! [`Plan`]: everything the engine needs from a catalog, prepared once: read
//! delays parsed, sources resolved to collection indices (by a name map),
//! every lambda's source collected. A captured collection's plan is made on
//! first use, schemas (through the index's shared cache) are compiled on
//! first use, and the derivations feeding a collection are found when asked,
//! so a filtered run pays only for what its tests reach (a plan of 10,000
//! collections costs a name map, not 10,000 copies of keys and projections).
//!
//! A plan is plain shareable data (`Sync`): the lambdas are compiled per thread
//! by [`Lambdas`](super::Lambdas) (QuickJS is not `Send`), lazily, so parallel
//! test workers share one plan.
//!
//! Building a plan never fails on a catalog mistake: a schema that cannot be
//! compiled, a lambda that does not compile or a missing source is kept as an
//! error and reported (as a [`RuntimeError`]) only when a test actually needs
//! it, so one broken derivation fails only the tests that run it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use model::{Catalog, Collection, LambdaSpec, PartitionSelectorSpec, Scope};
use schema::{SchemaIndex, Validator};
use serde_json::Value;
use url::Url;

use super::duration::parse_seconds;
use super::error::{RuntimeError, RuntimeErrorKind};
use crate::lambda::{LambdaKind, LambdaSource};

/// A schema of the plan, compiled on first use (so a filtered test run
/// compiles only what its tests reach), or why it could not be compiled.
/// Compilation goes through the index's shared cache: a schema the checks
/// already compiled is not compiled again.
#[derive(Debug, Clone)]
pub struct SchemaPlan {
    /// The schema's URL; when it has none, `what` says which schema it is.
    url: Result<Url, String>,
    schemas: SchemaIndex,
    validator: OnceLock<Result<Validator, String>>,
}

impl SchemaPlan {
    /// `what` is asked only when there is no URL (a plan holds one schema
    /// plan per collection: no text is made for the usual case).
    fn new(schemas: &SchemaIndex, url: Option<Url>, what: impl FnOnce() -> String) -> SchemaPlan {
        SchemaPlan {
            url: url.ok_or_else(what),
            schemas: schemas.clone(),
            validator: OnceLock::new(),
        }
    }

    /// The schema's URL as text, or which schema it is when it has none.
    pub fn uri(&self) -> String {
        match &self.url {
            Ok(url) => url.to_string(),
            Err(what) => what.clone(),
        }
    }

    pub fn validator(&self) -> Result<&Validator, RuntimeError> {
        self.validator
            .get_or_init(|| match &self.url {
                Ok(url) => self.schemas.compile(url),
                Err(_) => Err("the schema URL is invalid".to_owned()),
            })
            .as_ref()
            .map_err(|error| {
                RuntimeError::new(
                    RuntimeErrorKind::Unsupported,
                    format!("schema {} cannot be used: {error}", self.uri()),
                )
            })
    }
}

impl SchemaPlan {
    /// The inferred shape of the schema (catalog.md §7.1); `None` when the
    /// URL does not resolve.
    pub fn shape(&self) -> Option<schema::Shape> {
        schema::shape::infer(&self.schemas, self.url.as_ref().ok()?)
    }
}

/// One collection of the plan (what materializations read: key, schema,
/// projections).
#[derive(Debug)]
pub struct CollectionPlan {
    pub name: String,
    pub scope: Scope,
    pub key: Vec<String>,
    pub schema: SchemaPlan,
    /// Every projection: field → location (partition selectors name fields).
    pub fields: BTreeMap<String, String>,
    pub derivation: Option<DerivationPlan>,
}

impl CollectionPlan {
    fn new(
        collection: &Collection,
        schemas: &SchemaIndex,
        derivation: Option<DerivationPlan>,
    ) -> CollectionPlan {
        CollectionPlan {
            name: collection.name.clone(),
            scope: collection.scope.clone(),
            key: collection.spec.key.clone(),
            schema: SchemaPlan::new(schemas, collection.schema_url(), || {
                format!("the schema of \"{}\"", collection.name)
            }),
            fields: collection
                .spec
                .projections
                .iter()
                .map(|(field, projection)| (field.clone(), projection.location().to_owned()))
                .collect(),
            derivation,
        }
    }
}

#[derive(Debug)]
pub struct DerivationPlan {
    /// `None` when the register has no schema (`true`: any value, last write wins).
    pub register_schema: Option<SchemaPlan>,
    pub initial: Value,
    pub transforms: Vec<TransformPlan>,
}

#[derive(Debug)]
pub struct TransformPlan {
    pub name: String,
    pub scope: Scope,
    /// Index of the source collection.
    pub source: Result<usize, String>,
    /// The alternate source schema, or the source collection's.
    pub source_schema: SchemaPlan,
    pub shuffle: Vec<String>,
    pub read_delay: Result<u64, String>,
    pub priority: u32,
    pub selector: Option<PartitionSelectorSpec>,
    pub update: Option<LambdaPlan>,
    pub publish: Option<LambdaPlan>,
}

impl TransformPlan {
    /// The read delay in seconds; a malformed one counts as 0 here and fails
    /// the derivation's run (see [`TransformPlan::problem`]).
    pub fn delay(&self) -> u64 {
        self.read_delay.as_ref().copied().unwrap_or(0)
    }

    /// A problem that stops every run of this transform's derivation.
    pub fn problem(&self) -> Option<String> {
        if let Err(error) = &self.source {
            return Some(error.clone());
        }
        self.read_delay.as_ref().err().cloned()
    }
}

#[derive(Debug)]
pub struct LambdaPlan {
    /// `…/transform/<t>/update/nodeJS` (or `…/remote`).
    pub scope: Scope,
    /// The lambda's number in the plan (a [`Lambdas`](super::Lambdas) keeps
    /// its compiled form under it) and its source, or the error every call
    /// reports.
    pub lambda: Result<(usize, LambdaSource), RuntimeError>,
}

/// A catalog prepared for running. Build it once and run every test (or
/// preview) with it: each collection's plan is made on first use
/// ([`Plan::collection_at`]), so a filtered run pays only for what its tests
/// reach.
pub struct Plan {
    /// Per collection, its plan once made.
    pub(crate) collections: Box<[OnceLock<CollectionPlan>]>,
    /// The catalog's collections, which the plans are made from.
    specs: Vec<Arc<Collection>>,
    schemas: SchemaIndex,
    dependencies: Vec<String>,
    pub(crate) by_name: HashMap<String, usize>,
    /// Indices of derived collections, in catalog order.
    pub(crate) derivations: Vec<usize>,
    /// Per collection: the number of its first `nodeJS` lambda (lambdas are
    /// numbered in catalog order, then transform order, update before
    /// publish).
    first_lambda: Box<[usize]>,
    /// Per collection: the derivations reading it, in catalog order.
    pub(crate) readers: Vec<Vec<usize>>,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("collections", &self.collections)
            .finish_non_exhaustive()
    }
}

impl Plan {
    /// Prepares `catalog`: names, derivations and readers; the rest on first
    /// use (lambdas are compiled later, per thread, by
    /// [`Lambdas`](super::Lambdas)). Never fails on a catalog mistake.
    pub fn build(catalog: &Catalog, schemas: &SchemaIndex) -> Result<Plan, RuntimeError> {
        let count = catalog.collections.len();
        // The first collection of each name, as `Catalog::collection` finds it.
        let mut by_name: HashMap<String, usize> = HashMap::with_capacity(count);
        for (index, collection) in catalog.collections.iter().enumerate() {
            by_name.entry(collection.name.clone()).or_insert(index);
        }
        let mut derivations = Vec::new();
        let mut first_lambda = Vec::with_capacity(count);
        let mut readers: Vec<Vec<usize>> = vec![Vec::new(); count];
        let mut lambdas = 0;
        for (index, collection) in catalog.collections.iter().enumerate() {
            first_lambda.push(lambdas);
            let Some(derivation) = &collection.spec.derivation else {
                continue;
            };
            derivations.push(index);
            for transform in derivation.transform.values() {
                lambdas += [&transform.update, &transform.publish]
                    .into_iter()
                    .filter(|lambda| matches!(lambda, Some(LambdaSpec::NodeJs(_))))
                    .count();
                if let Some(&source) = by_name.get(&transform.source.name)
                    && readers[source].last() != Some(&index)
                {
                    readers[source].push(index);
                }
            }
        }
        Ok(Plan {
            collections: catalog
                .collections
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
            specs: catalog.collections.clone(),
            schemas: schemas.clone(),
            dependencies: catalog
                .node_dependencies
                .iter()
                .map(|d| d.package.clone())
                .collect(),
            by_name,
            derivations,
            first_lambda: first_lambda.into(),
            readers,
        })
    }

    /// The plan of collection `index`, made on first use.
    pub(crate) fn collection_at(&self, index: usize) -> &CollectionPlan {
        self.collections[index].get_or_init(|| {
            let collection = &self.specs[index];
            let derivation = collection
                .spec
                .derivation
                .as_ref()
                .map(|derivation| self.derivation_plan(collection, derivation, index));
            CollectionPlan::new(collection, &self.schemas, derivation)
        })
    }

    /// The derivation plan of collection `index`, if it is derived.
    pub(crate) fn derivation_at(&self, index: usize) -> Option<&DerivationPlan> {
        self.collection_at(index).derivation.as_ref()
    }

    /// Whether collection `index` is derived (without making its plan).
    pub(crate) fn is_derived(&self, index: usize) -> bool {
        self.specs[index].spec.derivation.is_some()
    }

    /// The name of collection `index`.
    pub(crate) fn name_at(&self, index: usize) -> &str {
        &self.specs[index].name
    }

    /// The collections derivation `index` reads, in transform order (those
    /// that exist), without making its plan.
    fn sources_of(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        let transforms = self.specs[index].spec.derivation.iter();
        transforms
            .flat_map(|derivation| derivation.transform.values())
            .filter_map(|transform| self.by_name.get(&transform.source.name).copied())
    }

    fn derivation_plan(
        &self,
        collection: &Collection,
        derivation: &model::spec::DerivationSpec,
        index: usize,
    ) -> DerivationPlan {
        let schemas = &self.schemas;
        let mut next_lambda = self.first_lambda[index];
        let register_schema = derivation.register.as_ref().and_then(|register| {
            register.schema.as_ref().map(|_| {
                SchemaPlan::new(schemas, collection.register_schema_url(), || {
                    format!("the register schema of \"{}\"", collection.name)
                })
            })
        });
        let initial = derivation
            .register
            .as_ref()
            .map(|register| register.initial.clone())
            .unwrap_or(Value::Null);
        let transforms = collection
            .transforms()
            .into_iter()
            .map(|(scope, name, spec)| {
                let source_index = self.by_name.get(&spec.source.name).copied();
                let source_collection = source_index.map(|i| &self.specs[i]);
                let source = source_index.ok_or_else(|| {
                    format!(
                        "transform {}/{name} reads unknown collection \"{}\"",
                        collection.name, spec.source.name
                    )
                });
                let source_schema = match &spec.source.schema {
                    Some(_) => SchemaPlan::new(
                        schemas,
                        collection.source_schema_url(name).cloned(),
                        || format!("the source schema of {}/{name}", collection.name),
                    ),
                    None => SchemaPlan::new(
                        schemas,
                        source_collection.and_then(|collection| collection.schema_url()),
                        || format!("the schema of \"{}\"", spec.source.name),
                    ),
                };
                let shuffle = match (&spec.shuffle, source_collection) {
                    (Some(shuffle), _) => shuffle.clone(),
                    (None, Some(source)) => source.spec.key.clone(),
                    (None, None) => Vec::new(),
                };
                let read_delay = match &spec.read_delay {
                    None => Ok(0),
                    Some(text) => parse_seconds(text)
                        .map_err(|error| format!("transform {}/{name}: {error}", collection.name)),
                };
                let mut lambda = |kind: LambdaKind, lambda: &Option<LambdaSpec>| {
                    let lambda = lambda.as_ref()?;
                    let lambda_scope = scope.push(kind.as_str());
                    let unsupported = |scope: Scope, what: &str| LambdaPlan {
                        lambda: Err(RuntimeError::new(
                            RuntimeErrorKind::Unsupported,
                            format!("transform {}/{name} {kind} lambda: {what}", collection.name),
                        )
                        .at(&scope)
                        .in_transform(&collection.name, name)),
                        scope,
                    };
                    Some(match lambda {
                        LambdaSpec::NodeJs(body) => {
                            let source = LambdaSource {
                                name: format!("{}/{name}", collection.name),
                                kind,
                                body: body.clone(),
                                dependencies: self.dependencies.clone(),
                            };
                            next_lambda += 1;
                            LambdaPlan {
                                scope: lambda_scope.push("nodeJS"),
                                lambda: Ok((next_lambda - 1, source)),
                            }
                        }
                        LambdaSpec::Remote(_) => unsupported(
                            lambda_scope.push("remote"),
                            "remote lambdas are not supported by the in-process runtime",
                        ),
                        LambdaSpec::Sqlite(_) | LambdaSpec::SqliteFile(_) => {
                            unsupported(lambda_scope, "SQLite lambdas are not supported")
                        }
                    })
                };
                TransformPlan {
                    name: name.to_owned(),
                    scope: scope.clone(),
                    source,
                    source_schema,
                    shuffle,
                    read_delay,
                    priority: spec.priority.unwrap_or(0),
                    selector: spec.source.partitions.clone(),
                    update: lambda(LambdaKind::Update, &spec.update),
                    publish: lambda(LambdaKind::Publish, &spec.publish),
                }
            })
            .collect();
        DerivationPlan {
            register_schema,
            initial,
            transforms,
        }
    }

    /// The derivations feeding collection `index` (itself included if
    /// derived), found by walking sources from it: cycle-safe, in catalog
    /// order, and costing only what it reaches (runtime.md §7.3).
    pub(crate) fn upstream(&self, index: usize) -> Vec<usize> {
        let mut seen = HashSet::from([index]);
        let mut stack = vec![index];
        let mut found = Vec::new();
        while let Some(index) = stack.pop() {
            if !self.is_derived(index) {
                continue;
            }
            found.push(index);
            for source in self.sources_of(index) {
                if seen.insert(source) {
                    stack.push(source);
                }
            }
        }
        found.sort_unstable();
        found
    }

    /// The captured collections feeding derivation `index` (read by it or by
    /// a derivation feeding it), in catalog order.
    pub(crate) fn feeding(&self, index: usize) -> Vec<&str> {
        let mut sources: Vec<usize> = self
            .upstream(index)
            .into_iter()
            .flat_map(|derivation| self.sources_of(derivation))
            .filter(|&source| !self.is_derived(source))
            .collect();
        sources.sort_unstable();
        sources.dedup();
        sources
            .into_iter()
            .map(|source| self.name_at(source))
            .collect()
    }

    /// The index of a collection by name.
    pub(crate) fn collection_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// A collection by name.
    pub fn collection(&self, name: &str) -> Option<&CollectionPlan> {
        self.collection_index(name)
            .map(|index| self.collection_at(index))
    }

    /// Names of the collections, in catalog order.
    pub fn collection_names(&self) -> impl Iterator<Item = &str> {
        self.specs.iter().map(|collection| collection.name.as_str())
    }
}
