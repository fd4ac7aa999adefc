//! Materializations (runtime.md §10): a collection's fully reduced documents
//! kept in a database table, one row per key, a column per chosen projection
//! plus `flow_document`, in SQLite (`rusqlite`, bundled) or PostgreSQL (the
//! synchronous `postgres` client).
//!
//! [`Table`] is the shape; [`Database`] is one connection, behind which the
//! two databases differ only in how they bind cells, run a transaction and
//! report an existing table's columns. [`prepare`] creates a missing table
//! (refusing an existing one of another shape, naming the column) and reads
//! the materialization's checkpoint; [`apply`] runs one transaction: combine
//! the new documents per key, load the stored documents of those keys
//! (batched), reduce in full mode, upsert (batched) and record the
//! checkpoint in `flow_checkpoints` of the same database, committed together.
//! A failure rolls the transaction back; nothing is half-written.

mod postgres;
mod sqlite;
pub mod table;

use std::collections::BTreeMap;
use std::path::PathBuf;

use json::order::OwnedKey;
use runtime::combiner::Combiner;
use runtime::engine::CollectionPlan;
use runtime::reduce::{Mode, reduce_onto};
use serde_json::Value;

pub use sqlite::connect as connect_sqlite;
pub use table::{
    CHECKPOINTS_TABLE, Cell, Column, ColumnType, DOCUMENT_COLUMN, Dialect, Table, quote,
};

/// Where a materialization writes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URI (`postgresql://user:password@host:port/db`).
    Postgres(String),
}

impl Target {
    /// A SQLite target from a catalog `uri` (`file:///…`, `sqlite:…` or a
    /// path), relative paths resolved against `base`.
    pub fn sqlite(uri: &str, base: &std::path::Path) -> Target {
        let path = uri
            .strip_prefix("file://")
            .or_else(|| uri.strip_prefix("sqlite://"))
            .or_else(|| uri.strip_prefix("sqlite:"))
            .or_else(|| uri.strip_prefix("file:"))
            .unwrap_or(uri);
        let path = path.split('?').next().unwrap_or(path);
        Target::Sqlite(base.join(path))
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Sqlite(path) => write!(f, "SQLite {}", path.display()),
            Target::Postgres(uri) => {
                // Never print a password.
                let shown = match (uri.find("://"), uri.rfind('@')) {
                    (Some(scheme), Some(at)) if at > scheme => {
                        format!("{}://…@{}", &uri[..scheme], &uri[at + 1..])
                    }
                    _ => uri.clone(),
                };
                write!(f, "PostgreSQL {shown}")
            }
        }
    }
}

/// An existing table's columns: (name, type as the database reports it, `NOT NULL`).
pub type ExistingColumns = Vec<(String, String, bool)>;

/// The statements one transaction runs.
pub trait Statements {
    /// Runs a query whose single column is a JSON document.
    fn documents(&mut self, sql: &str, params: &[Cell]) -> Result<Vec<Value>, String>;
    /// Runs a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Cell]) -> Result<u64, String>;
}

/// One connection to a database holding materialized tables.
pub trait Database: Send {
    fn dialect(&self) -> Dialect;
    /// The columns of an existing table (name, type as the database reports
    /// it, `NOT NULL`), or `None` when there is no such table.
    fn columns(&mut self, table: &str) -> Result<Option<ExistingColumns>, String>;
    /// Runs `work` in one transaction, committed when it returns `Ok`, rolled
    /// back otherwise.
    fn transaction(
        &mut self,
        work: &mut dyn FnMut(&mut dyn Statements) -> Result<(), String>,
    ) -> Result<(), String>;
}

/// Opens a connection (creating a SQLite file when missing).
pub fn connect(target: &Target) -> Result<Box<dyn Database>, String> {
    match target {
        Target::Sqlite(path) => Ok(Box::new(sqlite::Sqlite::open(path)?)),
        Target::Postgres(uri) => Ok(Box::new(postgres::Postgres::connect(uri)?)),
    }
}

/// Creates the checkpoints table and `table` when missing (an existing table
/// of another shape is refused, naming the column) and returns the
/// materialization's checkpoint (0 before its first transaction).
pub fn prepare(database: &mut dyn Database, table: &Table) -> Result<u64, String> {
    let dialect = database.dialect();
    if dialect == Dialect::Postgres && table.name.len() > 63 {
        return Err(format!(
            "table name \"{}\" is longer than PostgreSQL's 63 bytes",
            table.name
        ));
    }
    if let Some(existing) = database.columns(&table.name)? {
        table.compare(dialect, &existing)?;
    }
    let create_table = table.create_sql(dialect);
    let create_checkpoints = format!(
        "CREATE TABLE IF NOT EXISTS {} (\"table\" TEXT NOT NULL PRIMARY KEY, \"txn\" BIGINT NOT NULL)",
        quote(CHECKPOINTS_TABLE)
    );
    let mut checkpoint = 0;
    database.transaction(&mut |statements| {
        statements.execute(&create_checkpoints, &[])?;
        statements.execute(&create_table, &[])?;
        let sql = format!(
            "SELECT json_build_array(\"txn\") FROM {} WHERE \"table\" = {}",
            quote(CHECKPOINTS_TABLE),
            match dialect {
                Dialect::Postgres => "$1",
                Dialect::Sqlite => "?1",
            }
        );
        let sql = match dialect {
            Dialect::Postgres => sql,
            Dialect::Sqlite => sql.replace("json_build_array", "json_array"),
        };
        let found = statements.documents(&sql, &[Cell::Text(table.name.clone())])?;
        checkpoint = found
            .first()
            .and_then(|row| row.get(0))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        Ok(())
    })?;
    Ok(checkpoint)
}

/// What one transaction did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Documents given.
    pub documents: usize,
    /// Distinct keys (rows written).
    pub keys: usize,
}

/// Applies `documents` (new documents of `table`'s collection, in order) in
/// one transaction that also sets the checkpoint to `checkpoint`.
pub fn apply<'d>(
    database: &mut dyn Database,
    table: &Table,
    collection: &CollectionPlan,
    documents: impl IntoIterator<Item = &'d Value>,
    checkpoint: u64,
) -> Result<Applied, String> {
    let dialect = database.dialect();
    let validator = collection.schema.validator().map_err(|e| e.to_string())?;
    let invalid = |what: String, errors: Vec<schema::ValidationError>| {
        let errors: Vec<String> = errors
            .iter()
            .map(|error| format!("{}: {}", error.instance_pointer, error.message))
            .collect();
        format!("{what} is invalid: {}", errors.join("; "))
    };
    let mut combiner = Combiner::new(table.key_pointers.clone());
    let mut count = 0;
    for (position, document) in documents.into_iter().enumerate() {
        count += 1;
        let annotations = validator.validate(document).map_err(|errors| {
            invalid(
                format!("document {position} of \"{}\"", collection.name),
                errors,
            )
        })?;
        combiner
            .add(document.clone(), &annotations)
            .map_err(|error| {
                format!(
                    "combining document {position} of \"{}\": {error}",
                    collection.name
                )
            })?;
    }
    let combined = combiner.drain();
    let keys = combined.len();
    let mut annotated = Vec::with_capacity(keys);
    for document in combined {
        let annotations = validator.validate(&document).map_err(|errors| {
            invalid(
                format!(
                    "the combined document of key {}",
                    key_text(&document, &table.key_pointers)
                ),
                errors,
            )
        })?;
        annotated.push((document, annotations));
    }
    let batch = table.batch_rows(dialect);
    let checkpoint_sql = format!(
        "INSERT INTO {} (\"table\", \"txn\") VALUES ({}, {}) ON CONFLICT (\"table\") DO UPDATE SET \"txn\" = excluded.\"txn\"",
        quote(CHECKPOINTS_TABLE),
        if dialect == Dialect::Postgres {
            "$1"
        } else {
            "?1"
        },
        if dialect == Dialect::Postgres {
            "$2"
        } else {
            "?2"
        },
    );
    let checkpoint = i64::try_from(checkpoint).map_err(|_| "checkpoint out of range".to_owned())?;
    database.transaction(&mut |statements| {
        for chunk in annotated.chunks(batch) {
            // One read of the stored documents of the chunk's keys…
            let mut params = Vec::with_capacity(chunk.len() * table.key.len());
            for (document, _) in chunk {
                params.extend(table.key_cells(document, dialect)?);
            }
            let stored = statements.documents(&table.load_sql(dialect, chunk.len()), &params)?;
            let mut stored: BTreeMap<OwnedKey, Value> = stored
                .into_iter()
                .map(|document| (OwnedKey::extract(&document, &table.key_pointers), document))
                .collect();
            // …reduced in full mode, and one write.
            let mut rows = Vec::with_capacity(chunk.len() * table.columns.len());
            for (document, annotations) in chunk {
                let key = OwnedKey::extract(document, &table.key_pointers);
                let reduced = reduce_onto(
                    stored.remove(&key),
                    document.clone(),
                    annotations,
                    Mode::Full,
                )
                .map_err(|error| {
                    format!(
                        "key {} of \"{}\": {error}",
                        key_text(document, &table.key_pointers),
                        collection.name
                    )
                })?;
                rows.extend(table.row(&reduced, dialect).map_err(|error| {
                    format!("key {}: {error}", key_text(document, &table.key_pointers))
                })?);
            }
            statements.execute(&table.upsert_sql(dialect, chunk.len()), &rows)?;
        }
        statements.execute(
            &checkpoint_sql,
            &[Cell::Text(table.name.clone()), Cell::Integer(checkpoint)],
        )?;
        Ok(())
    })?;
    Ok(Applied {
        documents: count,
        keys,
    })
}

/// A document's key as JSON (`[1, "a"]`), for messages.
pub fn key_text(document: &Value, pointers: &[String]) -> String {
    let key: Vec<Value> = pointers
        .iter()
        .map(|pointer| {
            json::pointer::resolve(document, pointer)
                .cloned()
                .unwrap_or(Value::Null)
        })
        .collect();
    Value::Array(key).to_string()
}

/// Every stored document of `table`, in key order (for tests and tools).
pub fn stored(database: &mut dyn Database, table: &Table) -> Result<Vec<Value>, String> {
    let sql = format!(
        "SELECT {} FROM {}",
        quote(DOCUMENT_COLUMN),
        quote(&table.name)
    );
    let mut documents = Vec::new();
    database.transaction(&mut |statements| {
        documents = statements.documents(&sql, &[])?;
        Ok(())
    })?;
    documents.sort_by_cached_key(|document| OwnedKey::extract(document, &table.key_pointers));
    Ok(documents)
}

/// The projection columns of the row of `key` (cells from
/// [`Table::key_cells`]) as a JSON array, as the database returns them
/// (for tests and tools), or `None` without such a row.
pub fn row(
    database: &mut dyn Database,
    table: &Table,
    key: &[Cell],
) -> Result<Option<Value>, String> {
    let dialect = database.dialect();
    let columns: Vec<String> = table
        .columns
        .iter()
        .filter(|column| column.field != DOCUMENT_COLUMN)
        .map(|column| quote(&column.field))
        .collect();
    let load = table.load_sql(dialect, 1);
    let array = match dialect {
        Dialect::Postgres => "json_build_array",
        Dialect::Sqlite => "json_array",
    };
    let sql = load.replacen(
        &quote(DOCUMENT_COLUMN),
        &format!("{array}({})", columns.join(", ")),
        1,
    );
    let mut found = Vec::new();
    database.transaction(&mut |statements| {
        found = statements.documents(&sql, key)?;
        Ok(())
    })?;
    Ok(found.into_iter().next())
}
