//! Table shapes of `fixtures/develop` (an orchard): columns, types,
//! `NOT NULL`, keys, the SQL text, comparing an existing table, rows.

use std::path::Path;

use runtime::engine::Plan;
use serde_json::json;

use super::*;

fn plan() -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/develop/flow.yaml")
        .canonicalize()
        .unwrap();
    let root = url::Url::from_file_path(path).unwrap();
    let loaded = load::load(&root, &load::DiskFetch::new(Vec::new(), true));
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    Plan::build(&loaded.catalog, &loaded.schemas).unwrap()
}

fn weighings(fields: Option<&[String]>) -> Result<Table, String> {
    let plan = plan();
    Table::new(
        plan.collection("orchard/weighings").unwrap(),
        "orchard/weighings",
        fields,
    )
}

#[test]
fn columns_are_typed_projections_with_the_key_as_primary_key() {
    let table = weighings(None).unwrap();
    let columns: Vec<(&str, &str, ColumnType, bool)> = table
        .columns
        .iter()
        .map(|c| (c.field.as_str(), c.pointer.as_str(), c.kind, c.not_null))
        .collect();
    assert_eq!(
        columns,
        [
            ("weighed at", "/at", ColumnType::Integer, true),
            ("tree", "/tree", ColumnType::String, true),
            ("kilos", "/kilos", ColumnType::Number, true),
            ("ripe", "/ripe", ColumnType::Boolean, false),
            ("picker", "/picker", ColumnType::String, false),
            ("flow_document", "", ColumnType::Json, true),
        ]
    );
    // Key order, not column order: [/tree, /at].
    assert_eq!(table.key, [1, 0]);
    assert_eq!(
        table.create_sql(Dialect::Postgres),
        "CREATE TABLE IF NOT EXISTS \"orchard/weighings\" (\n  \"weighed at\" BIGINT NOT NULL,\n  \"tree\" TEXT NOT NULL,\n  \"kilos\" DOUBLE PRECISION NOT NULL,\n  \"ripe\" BOOLEAN,\n  \"picker\" TEXT,\n  \"flow_document\" JSON NOT NULL,\n  PRIMARY KEY (\"tree\", \"weighed at\")\n)"
    );
    assert_eq!(
        table.load_sql(Dialect::Sqlite, 2),
        "SELECT \"flow_document\" FROM \"orchard/weighings\" WHERE (\"tree\", \"weighed at\") IN ((?1, ?2), (?3, ?4))"
    );
    assert!(
        table
            .upsert_sql(Dialect::Postgres, 1)
            .ends_with("ON CONFLICT (\"tree\", \"weighed at\") DO UPDATE SET \"kilos\" = excluded.\"kilos\", \"ripe\" = excluded.\"ripe\", \"picker\" = excluded.\"picker\", \"flow_document\" = excluded.\"flow_document\"")
    );
    assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
}

#[test]
fn chosen_fields_get_the_key_fields_and_unknown_ones_are_named() {
    let table = weighings(Some(&["kilos".to_owned()])).unwrap();
    let fields: Vec<&str> = table.columns.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["kilos", "tree", "weighed at", "flow_document"]);
    let error = weighings(Some(&["grams".to_owned()])).unwrap_err();
    assert!(
        error.starts_with(
            "\"grams\" is not a field of \"orchard/weighings\" (its fields: at, kilos,"
        ),
        "{error}"
    );
}

#[test]
fn an_existing_table_of_another_shape_is_refused_naming_the_column() {
    let table = weighings(Some(&["kilos".to_owned()])).unwrap();
    let same: Vec<(String, String, bool)> = [
        ("kilos", "double precision", true),
        ("tree", "text", true),
        ("weighed at", "bigint", true),
        ("flow_document", "json", true),
    ]
    .map(|(n, t, b)| (n.to_owned(), t.to_owned(), b))
    .to_vec();
    assert_eq!(table.compare(Dialect::Postgres, &same), Ok(()));
    let mut other = same.clone();
    other[0].1 = "text".to_owned();
    assert_eq!(
        table.compare(Dialect::Postgres, &other).unwrap_err(),
        "table \"orchard/weighings\" already exists with another shape: column \"kilos\" is text, expected double precision"
    );
    let mut nullable = same.clone();
    nullable[1].2 = false;
    assert!(
        table
            .compare(Dialect::Postgres, &nullable)
            .unwrap_err()
            .ends_with("column \"tree\" is nullable, expected NOT NULL")
    );
    let missing = same[1..].to_vec();
    assert!(
        table
            .compare(Dialect::Postgres, &missing)
            .unwrap_err()
            .ends_with("it has no column \"kilos\" (double precision)")
    );
    let mut extra = same.clone();
    extra.push(("grams".to_owned(), "bigint".to_owned(), false));
    assert!(
        table
            .compare(Dialect::Postgres, &extra)
            .unwrap_err()
            .ends_with("its column \"grams\" is no field of \"orchard/weighings\"")
    );
}

#[test]
fn a_row_has_a_cell_per_column_missing_and_null_as_null() {
    let table = weighings(None).unwrap();
    let document = json!({"tree": "fig", "at": 3, "kilos": 2, "picker": null});
    assert_eq!(
        table.row(&document, Dialect::Sqlite).unwrap(),
        [
            Cell::Integer(3),
            Cell::Text("fig".to_owned()),
            Cell::Number(2.0),
            Cell::Null,
            Cell::Null,
            Cell::Text(document.to_string()),
        ]
    );
    assert_eq!(
        table.key_cells(&document, Dialect::Postgres).unwrap(),
        [Cell::Text("fig".to_owned()), Cell::Integer(3)]
    );
}
