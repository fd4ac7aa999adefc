//! The corpus' shopping and citi-bike examples through `flowctl develop`'s
//! pipeline, into SQLite and a real PostgreSQL (see `test_utils::postgres`):
//! each catalog test's ingest steps (and `products.csv`) are transactions;
//! every collection of the example is materialized, and each table must hold
//! exactly the documents the runtime reduces from the same steps (each
//! step's documents combined, then reduced onto the key's earlier result in
//! full mode, as runtime.md §10 says), with each projection column equal to
//! its location in the document.

use std::collections::BTreeMap;
use std::path::Path;

use develop::state::State;
use develop::{Pipeline, Request};
use json::order::OwnedKey;
use materialize::{Cell, Table, Target};
use model::TestStepSpec;
use runtime::engine::{Engine, Lambdas, Plan};
use runtime::lambda::QuickJsConfig;
use runtime::reduce::{Mode, reduce_onto};
use serde_json::Value;
use test_utils::postgres::Cluster;
use test_utils::scratch::Scratch;

fn plan() -> Plan {
    let loaded = test_utils::corpus::load_corpus();
    Plan::build(&loaded.catalog, &loaded.schemas).expect("the plan builds")
}

fn lambdas() -> Lambdas {
    Lambdas::quickjs(QuickJsConfig::default()).expect("QuickJS starts")
}

/// The test cases of an example: (name, ingest steps).
/// One ingest step: (collection, documents).
type Step = (String, Vec<Value>);

fn cases(example: &str) -> Vec<(String, Vec<Step>)> {
    let loaded = test_utils::corpus::load_corpus();
    let mut cases: Vec<(String, Vec<Step>)> = loaded
        .catalog
        .tests
        .iter()
        .filter(|test| {
            test.scope
                .resource
                .as_str()
                .contains(&format!("/examples/{example}/"))
        })
        .map(|test| {
            let steps = test
                .steps
                .iter()
                .filter_map(|step| match step {
                    TestStepSpec::Ingest(ingest) => {
                        Some((ingest.collection.clone(), ingest.documents.clone()))
                    }
                    TestStepSpec::Verify(_) => None,
                })
                .collect();
            (test.name.clone(), steps)
        })
        .collect();
    if example == "shopping" {
        let csv = std::fs::read_to_string(
            test_utils::corpus::corpus_dir().join("examples/shopping/products.csv"),
        )
        .expect("products.csv");
        let documents = runtime::csv::documents(&plan(), "examples/shopping/products", &csv, ',')
            .expect("products.csv converts");
        cases.push((
            "products.csv".to_owned(),
            vec![("examples/shopping/products".to_owned(), documents)],
        ));
    }
    assert!(cases.len() >= 2, "{example}: {} cases", cases.len());
    cases
}

/// Runs every case of `example` into `target` (a fresh database per case,
/// made by `database`), comparing each table with the runtime's reduction.
fn check(example: &str, target: &dyn Fn(&str) -> Target, scratch: &Path) {
    let plan = plan();
    let collections: Vec<String> = plan
        .collection_names()
        .filter(|name| name.starts_with(&format!("examples/{example}/")))
        .map(str::to_owned)
        .collect();
    for (index, (name, steps)) in cases(example).into_iter().enumerate() {
        let case = format!("{}_{index}", example.replace('-', "_"));
        let state = State::open(&scratch.join(format!("{case}.db"))).expect("state opens");
        let targets = BTreeMap::from([("db".to_owned(), target(&case))]);
        let requests: Vec<Request> = collections
            .iter()
            .map(|collection| Request {
                collection: collection.clone(),
                target: "db".to_owned(),
                table: collection.clone(),
                fields: None,
            })
            .collect();
        let (mut pipeline, notes) =
            Pipeline::open(&plan, lambdas(), state, targets.clone(), &requests).expect("opens");
        assert!(notes.is_empty(), "{name}: {notes:?}");
        for (collection, documents) in &steps {
            let outcome = pipeline
                .ingest(None, &[(collection.clone(), documents.clone())])
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert!(outcome.lagging.is_empty(), "{name}: {:?}", outcome.lagging);
        }
        // What the runtime reduces from the same ingests: per step, the
        // step's documents of each collection combined (partial mode), then
        // reduced onto the key's earlier result in full mode (runtime.md §10).
        let mut host = lambdas();
        let mut engine = Engine::new(&plan, &mut host);
        let mut expected: BTreeMap<&str, BTreeMap<OwnedKey, Value>> = BTreeMap::new();
        for (collection, documents) in &steps {
            let before: Vec<usize> = collections
                .iter()
                .map(|c| engine.log(c).map_or(0, <[_]>::len))
                .collect();
            engine.ingest(collection, documents).expect("ingests");
            engine.advance_all().expect("derivations run");
            for (c, since) in collections.iter().zip(before) {
                let validator = plan.collection(c).unwrap().schema.validator().unwrap();
                let key = &plan.collection(c).unwrap().key;
                let held = expected.entry(c.as_str()).or_default();
                for document in engine.reduced_documents(c, since, None).expect("reduces") {
                    let annotations = validator.validate(&document).expect("valid");
                    let at = OwnedKey::extract(&document, key);
                    let reduced = reduce_onto(held.remove(&at), document, &annotations, Mode::Full)
                        .expect("reduces in full");
                    held.insert(at, reduced);
                }
            }
        }
        let mut database = materialize::connect(&targets["db"]).expect("connects");
        let mut compared = 0;
        for collection in &collections {
            let expected: Vec<Value> = expected
                .remove(collection.as_str())
                .unwrap_or_default()
                .into_values()
                .collect();
            let table = Table::new(plan.collection(collection).unwrap(), collection, None).unwrap();
            let stored = materialize::stored(database.as_mut(), &table).expect("reads the table");
            assert_eq!(
                stored, expected,
                "{name}: table {collection} differs from the reduced documents"
            );
            compared += stored.len();
            check_columns(database.as_mut(), &table, &stored);
        }
        assert!(compared > 0, "{name}: no table has rows");
    }
}

/// Each projection column holds the value at its location.
fn check_columns(database: &mut dyn materialize::Database, table: &Table, documents: &[Value]) {
    for document in documents {
        let expected = table
            .row(document, database.dialect())
            .expect("the document fits the table");
        let key = table.key_cells(document, database.dialect()).unwrap();
        let found = materialize::row(database, table, &key)
            .expect("reads the row")
            .expect("the row exists");
        let found = found.as_array().expect("an array of columns");
        assert_eq!(
            found.len(),
            expected.len() - 1,
            "table {}: columns of {document}",
            table.name
        );
        for ((column, found), expected) in table.columns.iter().zip(found).zip(&expected) {
            assert!(
                same_cell(found, expected),
                "table {} column {}: {found:?}, expected {expected:?} (document {document})",
                table.name,
                column.field
            );
        }
    }
}

/// A column value as the database returned it in JSON, against the cell
/// written (SQLite returns booleans as 0/1 and JSON columns as text).
fn same_cell(found: &Value, written: &Cell) -> bool {
    match written {
        Cell::Null => found.is_null(),
        Cell::Integer(value) => found.as_i64() == Some(*value),
        Cell::Number(value) => found.as_f64() == Some(*value),
        Cell::Boolean(value) => {
            found.as_bool() == Some(*value) || found.as_i64() == Some(i64::from(*value))
        }
        Cell::Text(text) => found.as_str() == Some(text.as_str()),
        Cell::Json(value) => found == value,
    }
}

#[test]
fn shopping_and_citi_bike_into_sqlite() {
    let dir = Scratch::new("corpus-sqlite");
    for example in ["shopping", "citi-bike"] {
        check(
            example,
            &|case| Target::Sqlite(dir.join(format!("{case}-tables.db"))),
            &dir,
        );
    }
}

#[test]
fn shopping_and_citi_bike_into_postgres() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let dir = Scratch::new("corpus-postgres");
    for example in ["shopping", "citi-bike"] {
        check(
            example,
            &|case| Target::Postgres(cluster.database(case)),
            &dir,
        );
    }
}
