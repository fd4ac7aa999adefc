//! The table of a materialization (runtime.md §10): one column per chosen
//! projection, typed by the inferred types at its location, `NOT NULL` where
//! the location must exist and cannot be null, the key projections as the
//! (composite) primary key, and `flow_document` holding the whole reduced
//! document. Also the SQL both databases share (quoted identifiers, the
//! batched load and upsert statements) and the conversion of a document into
//! the cells of its row.

use std::collections::BTreeMap;

use runtime::engine::CollectionPlan;
use schema::shape::canonical_projections;
use schema::{Exists, Types};
use serde_json::Value;

/// The column holding the whole reduced document.
pub const DOCUMENT_COLUMN: &str = "flow_document";

/// The table recording each materialization's progress, in the same database.
pub const CHECKPOINTS_TABLE: &str = "flow_checkpoints";

/// The SQL type of a column (runtime.md §10's mapping).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Integer,
    Number,
    Boolean,
    String,
    /// Objects, arrays, or several types: JSON (PostgreSQL) or JSON text (SQLite).
    Json,
}

impl ColumnType {
    /// The type of a location whose inferred types (ignoring null) are `types`.
    pub fn of(types: Types) -> ColumnType {
        let types = types.difference(Types::NULL);
        if types == Types::INTEGER {
            ColumnType::Integer
        } else if !types.is_empty() && Types::NUMBER.contains(types) {
            ColumnType::Number
        } else if types == Types::BOOLEAN {
            ColumnType::Boolean
        } else if types == Types::STRING {
            ColumnType::String
        } else {
            ColumnType::Json
        }
    }
}

/// One column: a projection of the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The projection's field (the column name).
    pub field: String,
    /// Its location (a JSON Pointer), empty for `flow_document`.
    pub pointer: String,
    pub kind: ColumnType,
    pub not_null: bool,
}

/// The table of one materialization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub collection: String,
    /// The projection columns then `flow_document` (last).
    pub columns: Vec<Column>,
    /// Indices into `columns` of the primary key, in collection key order.
    pub key: Vec<usize>,
    /// The collection's key pointers.
    pub key_pointers: Vec<String>,
}

/// How a database spells what differs between the two (types, placeholders).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    /// The column type's name as the database reports it back (PostgreSQL's
    /// `information_schema.columns.data_type`, SQLite's declared type).
    pub fn type_name(self, kind: ColumnType) -> &'static str {
        match (self, kind) {
            (Dialect::Postgres, ColumnType::Integer) => "bigint",
            (Dialect::Postgres, ColumnType::Number) => "double precision",
            (Dialect::Postgres, ColumnType::Boolean) => "boolean",
            (Dialect::Postgres, ColumnType::String) => "text",
            (Dialect::Postgres, ColumnType::Json) => "json",
            (Dialect::Sqlite, ColumnType::Integer) => "INTEGER",
            (Dialect::Sqlite, ColumnType::Number) => "REAL",
            (Dialect::Sqlite, ColumnType::Boolean) => "BOOLEAN",
            (Dialect::Sqlite, ColumnType::String | ColumnType::Json) => "TEXT",
        }
    }

    fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Postgres => format!("${n}"),
            Dialect::Sqlite => format!("?{n}"),
        }
    }

    /// At most this many parameters in one statement.
    pub fn max_parameters(self) -> usize {
        match self {
            Dialect::Postgres => 60_000,
            Dialect::Sqlite => 30_000,
        }
    }
}

/// An identifier, double-quoted (`"` doubled inside).
pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// One cell of a row, typed for binding.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Number(f64),
    Boolean(bool),
    Text(String),
    Json(Value),
}

impl Table {
    /// The table of `collection` named `name`, with the projections `fields`
    /// (every projection when `None`: the user's, then the canonical ones of
    /// locations no user projection names). Key locations without a chosen
    /// field get one (a projection of every key location is required).
    pub fn new(
        collection: &CollectionPlan,
        name: &str,
        fields: Option<&[String]>,
    ) -> Result<Table, String> {
        let shape = collection.schema.shape().ok_or_else(|| {
            format!(
                "the schema of \"{}\" cannot be used: {}",
                collection.name,
                collection.schema.uri()
            )
        })?;
        // Field → location: the user's projections win over canonical ones.
        let mut all: BTreeMap<String, String> = BTreeMap::new();
        let mut by_location: BTreeMap<String, String> = BTreeMap::new();
        for (field, pointer) in &collection.fields {
            all.insert(field.clone(), pointer.clone());
            by_location
                .entry(pointer.clone())
                .or_insert_with(|| field.clone());
        }
        let mut canonical = Vec::new();
        for projection in canonical_projections(&shape) {
            all.entry(projection.field.clone())
                .or_insert_with(|| projection.pointer.clone());
            if !by_location.contains_key(&projection.pointer) {
                by_location.insert(projection.pointer.clone(), projection.field.clone());
                canonical.push(projection.field);
            }
        }
        let mut chosen: Vec<String> = match fields {
            Some(fields) => {
                for field in fields {
                    if !all.contains_key(field) {
                        let known: Vec<&str> = all.keys().map(String::as_str).collect();
                        return Err(format!(
                            "\"{field}\" is not a field of \"{}\" (its fields: {})",
                            collection.name,
                            known.join(", ")
                        ));
                    }
                }
                fields.to_vec()
            }
            None => {
                let mut user: Vec<String> = collection.fields.keys().cloned().collect();
                user.retain(|field| by_location.get(&collection.fields[field]) == Some(field));
                user.extend(canonical);
                user
            }
        };
        let mut key = Vec::new();
        for pointer in &collection.key {
            let position = chosen.iter().position(|field| all[field] == *pointer);
            let position = match position {
                Some(position) => position,
                None => {
                    let field = by_location.get(pointer).cloned().ok_or_else(|| {
                        format!(
                            "no projection of \"{}\" names its key location {pointer}",
                            collection.name
                        )
                    })?;
                    chosen.push(field);
                    chosen.len() - 1
                }
            };
            key.push(position);
        }
        let mut columns: Vec<Column> = chosen
            .iter()
            .enumerate()
            .map(|(index, field)| {
                let pointer = all[field].clone();
                let located = shape.locate(&pointer);
                let kind = ColumnType::of(located.shape.types);
                let not_null = key.contains(&index)
                    || (located.exists == Exists::Must
                        && !located.shape.types.overlaps(Types::NULL));
                Column {
                    field: field.clone(),
                    pointer,
                    kind,
                    not_null,
                }
            })
            .collect();
        if columns.iter().any(|column| column.field == DOCUMENT_COLUMN) {
            return Err(format!(
                "\"{DOCUMENT_COLUMN}\" is the column of the whole document; a field cannot have that name"
            ));
        }
        columns.push(Column {
            field: DOCUMENT_COLUMN.to_owned(),
            pointer: String::new(),
            kind: ColumnType::Json,
            not_null: true,
        });
        Ok(Table {
            name: name.to_owned(),
            collection: collection.name.clone(),
            columns,
            key,
            key_pointers: collection.key.clone(),
        })
    }

    /// `CREATE TABLE IF NOT EXISTS` with quoted identifiers.
    pub fn create_sql(&self, dialect: Dialect) -> String {
        let mut parts: Vec<String> = self
            .columns
            .iter()
            .map(|column| {
                format!(
                    "{} {}{}",
                    quote(&column.field),
                    dialect.type_name(column.kind).to_uppercase(),
                    if column.not_null { " NOT NULL" } else { "" }
                )
            })
            .collect();
        parts.push(format!("PRIMARY KEY ({})", self.key_list()));
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\n  {}\n)",
            quote(&self.name),
            parts.join(",\n  ")
        )
    }

    fn key_list(&self) -> String {
        self.key
            .iter()
            .map(|&index| quote(&self.columns[index].field))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Compares the columns a database reports for an existing table with
    /// this one: the first difference names the column.
    pub fn compare(
        &self,
        dialect: Dialect,
        existing: &[(String, String, bool)],
    ) -> Result<(), String> {
        let table = &self.name;
        for column in &self.columns {
            let expected = dialect.type_name(column.kind);
            let Some((_, found, not_null)) =
                existing.iter().find(|(name, _, _)| *name == column.field)
            else {
                return Err(format!(
                    "table \"{table}\" already exists with another shape: it has no column \"{}\" ({expected})",
                    column.field
                ));
            };
            if !found.eq_ignore_ascii_case(expected) {
                return Err(format!(
                    "table \"{table}\" already exists with another shape: column \"{}\" is {found}, expected {expected}",
                    column.field
                ));
            }
            if *not_null != column.not_null {
                return Err(format!(
                    "table \"{table}\" already exists with another shape: column \"{}\" is {}, expected {}",
                    column.field,
                    if *not_null { "NOT NULL" } else { "nullable" },
                    if column.not_null {
                        "NOT NULL"
                    } else {
                        "nullable"
                    },
                ));
            }
        }
        if let Some((extra, _, _)) = existing
            .iter()
            .find(|(name, _, _)| !self.columns.iter().any(|column| column.field == *name))
        {
            return Err(format!(
                "table \"{table}\" already exists with another shape: its column \"{extra}\" is no field of \"{}\"",
                self.collection
            ));
        }
        Ok(())
    }

    /// How many rows one batched statement holds.
    pub fn batch_rows(&self, dialect: Dialect) -> usize {
        (dialect.max_parameters() / self.columns.len()).clamp(1, 1_000)
    }

    /// Selects `flow_document` of `rows` keys: `WHERE (k1, k2) IN ((?, ?), …)`.
    pub fn load_sql(&self, dialect: Dialect, rows: usize) -> String {
        let width = self.key.len();
        let tuples: Vec<String> = (0..rows)
            .map(|row| {
                let cells: Vec<String> = (0..width)
                    .map(|k| dialect.placeholder(row * width + k + 1))
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        format!(
            "SELECT {} FROM {} WHERE ({}) IN ({})",
            quote(DOCUMENT_COLUMN),
            quote(&self.name),
            self.key_list(),
            tuples.join(", ")
        )
    }

    /// Inserts `rows` rows, updating every column of an existing key.
    pub fn upsert_sql(&self, dialect: Dialect, rows: usize) -> String {
        let width = self.columns.len();
        let names: Vec<String> = self
            .columns
            .iter()
            .map(|column| quote(&column.field))
            .collect();
        let tuples: Vec<String> = (0..rows)
            .map(|row| {
                let cells: Vec<String> = (0..width)
                    .map(|c| dialect.placeholder(row * width + c + 1))
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let updates: Vec<String> = names
            .iter()
            .enumerate()
            .filter(|(index, _)| !self.key.contains(index))
            .map(|(_, name)| format!("{name} = excluded.{name}"))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
            quote(&self.name),
            names.join(", "),
            tuples.join(", "),
            self.key_list(),
            updates.join(", ")
        )
    }

    /// The key cells of a document (for [`Table::load_sql`]).
    pub fn key_cells(&self, document: &Value, dialect: Dialect) -> Result<Vec<Cell>, String> {
        self.key
            .iter()
            .map(|&index| cell(&self.columns[index], document, dialect))
            .collect()
    }

    /// The cells of a document's row, in column order.
    pub fn row(&self, document: &Value, dialect: Dialect) -> Result<Vec<Cell>, String> {
        self.columns
            .iter()
            .map(|column| {
                if column.pointer.is_empty() && column.field == DOCUMENT_COLUMN {
                    Ok(json_cell(document.clone(), dialect))
                } else {
                    cell(column, document, dialect)
                }
            })
            .collect()
    }
}

fn json_cell(value: Value, dialect: Dialect) -> Cell {
    match dialect {
        Dialect::Postgres => Cell::Json(value),
        Dialect::Sqlite => Cell::Text(value.to_string()),
    }
}

/// The cell of `column` in `document`: missing and null are SQL `NULL`.
fn cell(column: &Column, document: &Value, dialect: Dialect) -> Result<Cell, String> {
    let value = match json::pointer::resolve(document, &column.pointer) {
        None | Some(Value::Null) => return Ok(Cell::Null),
        Some(value) => value,
    };
    let mismatch = || {
        format!(
            "column \"{}\" ({}) cannot hold {value}",
            column.field, column.pointer
        )
    };
    Ok(match column.kind {
        ColumnType::Integer => Cell::Integer(value.as_i64().ok_or_else(mismatch)?),
        ColumnType::Number => Cell::Number(value.as_f64().ok_or_else(mismatch)?),
        ColumnType::Boolean => Cell::Boolean(value.as_bool().ok_or_else(mismatch)?),
        ColumnType::String => Cell::Text(value.as_str().ok_or_else(mismatch)?.to_owned()),
        ColumnType::Json => json_cell(value.clone(), dialect),
    })
}

#[cfg(test)]
mod tests;
