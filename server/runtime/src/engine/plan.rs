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
    /// The index of the lambda's source in [`Plan::lambdas`], or the error
    /// every call reports.
    pub lambda: Result<usize, RuntimeError>,
}

/// A catalog prepared for running: compiled validators and lambdas. Build it
/// once and run every test (or preview) with it.
pub struct Plan {
    /// Per collection, its plan: a derivation's made by [`Plan::build`] (it
    /// numbers the lambdas), any other's on first use
    /// ([`Plan::collection_at`]), so a filtered run pays only for what its
    /// tests reach.
    pub(crate) collections: Box<[OnceLock<CollectionPlan>]>,
    /// The catalog's collections, which the plans are made from.
    specs: Vec<Arc<Collection>>,
    schemas: SchemaIndex,
    pub(crate) by_name: HashMap<String, usize>,
    /// Indices of derived collections, in catalog order.
    pub(crate) derivations: Vec<usize>,
    /// Every `nodeJS` lambda, compiled per thread by [`Lambdas`](super::Lambdas).
    pub(crate) lambdas: Vec<LambdaSource>,
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
    /// Prepares `catalog` (its lambdas are compiled later, per thread, by
    /// [`Lambdas`](super::Lambdas)). Never fails on a catalog mistake.
    pub fn build(catalog: &Catalog, schemas: &SchemaIndex) -> Result<Plan, RuntimeError> {
        let mut lambdas: Vec<LambdaSource> = Vec::new();
        let compile = |url: Option<Url>, what: &dyn Fn() -> String| -> SchemaPlan {
            SchemaPlan::new(schemas, url, what)
        };
        // The first collection of each name, as `Catalog::collection` finds it.
        let mut by_name: HashMap<String, usize> = HashMap::with_capacity(catalog.collections.len());
        for (index, collection) in catalog.collections.iter().enumerate() {
            by_name.entry(collection.name.clone()).or_insert(index);
        }
        let dependencies: Vec<String> = catalog
            .node_dependencies
            .iter()
            .map(|d| d.package.clone())
            .collect();

        let collections: Box<[OnceLock<CollectionPlan>]> = catalog
            .collections
            .iter()
            .map(|_| OnceLock::new())
            .collect();
        let mut derivations = Vec::new();
        for (index, collection) in catalog.collections.iter().enumerate() {
            let Some(derivation) = &collection.spec.derivation else {
                continue;
            };
            derivations.push(index);
            let derivation = {
                let register_schema = derivation.register.as_ref().and_then(|register| {
                    register.schema.as_ref().map(|_| {
                        compile(collection.register_schema_url(), &|| {
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
                        let source_index = by_name.get(&spec.source.name).copied();
                        let source_collection = source_index.map(|i| &catalog.collections[i]);
                        let source = source_index.ok_or_else(|| {
                            format!(
                                "transform {}/{name} reads unknown collection \"{}\"",
                                collection.name, spec.source.name
                            )
                        });
                        let source_schema = match &spec.source.schema {
                            Some(_) => {
                                compile(collection.source_schema_url(name).cloned(), &|| {
                                    format!("the source schema of {}/{name}", collection.name)
                                })
                            }
                            None => compile(
                                source_collection.and_then(|collection| collection.schema_url()),
                                &|| format!("the schema of \"{}\"", spec.source.name),
                            ),
                        };
                        let shuffle = match (&spec.shuffle, source_collection) {
                            (Some(shuffle), _) => shuffle.clone(),
                            (None, Some(source)) => source.spec.key.clone(),
                            (None, None) => Vec::new(),
                        };
                        let read_delay = match &spec.read_delay {
                            None => Ok(0),
                            Some(text) => parse_seconds(text).map_err(|error| {
                                format!("transform {}/{name}: {error}", collection.name)
                            }),
                        };
                        let mut lambda = |kind: LambdaKind, lambda: &Option<LambdaSpec>| {
                            let lambda = lambda.as_ref()?;
                            let lambda_scope = scope.push(kind.as_str());
                            let source = LambdaSource {
                                name: format!("{}/{name}", collection.name),
                                kind,
                                body: String::new(),
                                dependencies: dependencies.clone(),
                            };
                            let unsupported = |scope: Scope, what: &str| LambdaPlan {
                                lambda: Err(RuntimeError::new(
                                    RuntimeErrorKind::Unsupported,
                                    format!(
                                        "transform {}/{name} {kind} lambda: {what}",
                                        collection.name
                                    ),
                                )
                                .at(&scope)
                                .in_transform(&collection.name, name)),
                                scope,
                            };
                            Some(match lambda {
                                LambdaSpec::NodeJs(body) => {
                                    lambdas.push(LambdaSource {
                                        body: body.clone(),
                                        ..source
                                    });
                                    LambdaPlan {
                                        scope: lambda_scope.push("nodeJS"),
                                        lambda: Ok(lambdas.len() - 1),
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
            };
            let plan = CollectionPlan::new(collection, schemas, Some(derivation));
            let _ = collections[index].set(plan);
        }

        let mut readers: Vec<Vec<usize>> = vec![Vec::new(); collections.len()];
        for &derivation in &derivations {
            if let Some(plan) = collections[derivation]
                .get()
                .and_then(|c| c.derivation.as_ref())
            {
                for transform in &plan.transforms {
                    if let Ok(&source) = transform.source.as_ref()
                        && readers[source].last() != Some(&derivation)
                    {
                        readers[source].push(derivation);
                    }
                }
            }
        }
        Ok(Plan {
            collections,
            specs: catalog.collections.clone(),
            schemas: schemas.clone(),
            by_name,
            derivations,
            readers,
            lambdas,
        })
    }

    /// The plan of collection `index`, made on first use.
    pub(crate) fn collection_at(&self, index: usize) -> &CollectionPlan {
        self.collections[index]
            .get_or_init(|| CollectionPlan::new(&self.specs[index], &self.schemas, None))
    }

    /// The derivation plan of collection `index`, if it is derived (made by
    /// [`Plan::build`], so looking does not make a plan).
    pub(crate) fn derivation_at(&self, index: usize) -> Option<&DerivationPlan> {
        self.collections[index].get()?.derivation.as_ref()
    }

    /// The name of collection `index`.
    pub(crate) fn name_at(&self, index: usize) -> &str {
        &self.specs[index].name
    }

    /// The derivations feeding collection `index` (itself included if
    /// derived), found by walking sources from it: cycle-safe, in catalog
    /// order, and costing only what it reaches (runtime.md §7.3).
    pub(crate) fn upstream(&self, index: usize) -> Vec<usize> {
        let mut seen = HashSet::from([index]);
        let mut stack = vec![index];
        let mut found = Vec::new();
        while let Some(index) = stack.pop() {
            let Some(derivation) = self.derivation_at(index) else {
                continue;
            };
            found.push(index);
            for transform in &derivation.transforms {
                if let Ok(&source) = transform.source.as_ref()
                    && seen.insert(source)
                {
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
        let mut sources: Vec<usize> = Vec::new();
        for derivation in self.upstream(index) {
            if let Some(plan) = self.derivation_at(derivation) {
                for transform in &plan.transforms {
                    if let Ok(&source) = transform.source.as_ref()
                        && self.derivation_at(source).is_none()
                    {
                        sources.push(source);
                    }
                }
            }
        }
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
