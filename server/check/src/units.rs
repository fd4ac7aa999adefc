//! Per-entity check results kept across builds, replayed when nothing they
//! read changed (issue #8 item 3).
//!
//! A *unit* is the body of one module's loop for one entity (a collection's
//! schema and key, its projections, a derivation, a test's steps), run
//! through [`crate::context::Context::unit`]. While it runs, every read of
//! anything outside its entity goes through a `Context` accessor that
//! appends an [`Op`] to the unit's log: a name lookup and its answer, a
//! visibility question, the schema documents a schema URL reaches, a syntax
//! tree; and the reads and writes of the build's own state that makes a
//! schema's problems reported once, by its first user in catalog order
//! (which documents were checked, which problems reported). The log, the
//! diagnostics the unit reported and its output (a derivation's edges for the
//! cycle check) are stored under the entity's `Arc` (identity by pointer: the
//! loader hands out the same `Arc` for an unchanged file's entities, and the
//! entry holds it, so the address is never reused while compared).
//!
//! Replay runs the log in order against this build: a read must give the
//! recorded answer, a write is applied (and undone if a later read of the
//! same log fails). When every read holds, the unit's diagnostics are
//! appended at its place in the loop, so the result is exactly what running
//! it would report, in the same order; else it runs and a new entry is kept.
//! Several entries per entity are kept (a file shared by several roots sees
//! different catalogs); those no build used are dropped by `Memo::sweep`.

use std::sync::Arc;

use foldhash::HashMap;
use model::{Collection, Diagnostic, Scope, Test};

use crate::memo::Pin;
use url::Url;

/// Which loop a unit belongs to: one entity can be in several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum UnitKind {
    /// `collections`: the collection schema and key.
    Collection,
    /// `projections`: projections and partitions.
    Projections,
    /// `derivations`: one derivation's registers, transforms and lambdas.
    Derivation,
    /// `catalog_tests`: one test's steps.
    Test,
}

/// The entity a unit checks, held so that its address stays unique.
#[derive(Debug, Clone)]
pub(crate) enum Entity {
    Collection(Arc<Collection>),
    Test(Arc<Test>),
}

impl Entity {
    pub fn address(&self) -> usize {
        match self {
            Entity::Collection(collection) => Arc::as_ptr(collection) as usize,
            Entity::Test(test) => Arc::as_ptr(test) as usize,
        }
    }
}

/// One recorded read (with its answer) or write of a unit, in the order
/// the unit made it.
#[derive(Debug)]
pub(crate) enum Op {
    /// `Context::collection(name)`: the first collection with that name.
    Collection {
        name: Box<str>,
        found: Option<Arc<Collection>>,
    },
    /// Whether the collection named `name` comes after the unit's own
    /// collection in catalog order (C14).
    DefinedAfter { name: Box<str>, answer: bool },
    /// `Context::can_see(from, to)`, under the import graph numbered
    /// `generation` by the memo (the same number: the same graph).
    CanSee {
        from: Url,
        to: Url,
        answer: bool,
        generation: u64,
    },
    /// A fingerprint of every collection name in order ("did you mean").
    Names(u64),
    /// The schema at `url`: the documents its `$ref`s reach (the document
    /// itself first) and whether it resolves. Everything computed from the
    /// schema (shape, validator, problems) is a function of these.
    Schema {
        url: Url,
        documents: Vec<(Url, Arc<model::compact::Json>)>,
        resolves: bool,
    },
    /// Whether a document is loaded (a C7 reference into another file).
    DocumentLoaded { url: Url, answer: bool },
    /// Whether two schema URLs name the same sub-schema (C21, C22).
    SameSchema { a: Url, b: Url, answer: bool },
    /// The syntax tree of a file (exact ranges inside lambda bodies).
    Tree {
        url: Url,
        tree: Option<Arc<syntax::Tree>>,
    },
    /// Whether a document's C7/C9 problems were examined in this build by
    /// an earlier unit, and whether it had none.
    Checked { document: Url, clean: Option<bool> },
    /// This unit examined them.
    SetChecked { document: Url, clean: bool },
    /// Whether every document reached from a document is clean, when known.
    Reach {
        document: Box<str>,
        clean: Option<bool>,
    },
    /// This unit established it.
    SetReach { document: Box<str>, clean: bool },
    /// A schema's C8 inspections: reported by this unit (`first`), or
    /// already by an earlier one.
    Inspected { url: Url, first: bool },
    /// A schema problem: reported by this unit (`first`), or already.
    Reported {
        code: &'static str,
        scope: Scope,
        first: bool,
    },
}

/// A unit's stored result.
#[derive(Debug)]
pub(crate) struct UnitEntry {
    /// Kept alive, so its address is never reused while compared.
    #[allow(dead_code)]
    pub entity: Entity,
    pub ops: Vec<Op>,
    pub diagnostics: Vec<Diagnostic>,
    /// A derivation's edges: the scope of each transform's `source.name`
    /// and the source collection's name (for C16).
    pub edges: Vec<(Scope, Box<str>)>,
    /// The pins of the memo's schema results and lambda verdicts it read,
    /// so that `Memo::sweep` keeps them while the unit is replayed.
    #[allow(dead_code)]
    pub pins: Vec<Pin>,
    pub used: bool,
}

/// At most this many entries per unit (one per distinct context).
pub(crate) const ENTRIES_PER_UNIT: usize = 4;

/// Every unit's entries, by kind and entity address.
pub(crate) type UnitTable = HashMap<(UnitKind, usize), Vec<UnitEntry>>;

/// The fingerprint of a sequence of names.
pub(crate) fn fingerprint<'a>(names: impl Iterator<Item = &'a str>) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = foldhash::fast::FixedState::with_seed(0x5eed).build_hasher();
    for name in names {
        hasher.write(name.as_bytes());
        hasher.write_u8(0xff);
    }
    hasher.finish()
}
