//! The SQLite database of materializations (`rusqlite`, SQLite bundled):
//! write-ahead logging, so a killed process loses no committed transaction
//! and readers do not block the writer; statements cached per connection.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, Value as SqlValue};
use rusqlite::{Connection, ToSql, params_from_iter};
use serde_json::Value;

use crate::{Cell, Database, Dialect, ExistingColumns, Statements};

pub struct Sqlite {
    connection: Connection,
}

/// Opens the SQLite database at `path` as flowctl uses every one of them
/// (materialization targets and `flowctl develop`'s own database, often the
/// same file): write-ahead log, `synchronous = NORMAL`, a 10 s busy timeout.
pub fn connect(path: &Path) -> Result<Connection, String> {
    let connection = Connection::open(path)
        .map_err(|error| format!("cannot open SQLite database {}: {error}", path.display()))?;
    connection
        .busy_timeout(Duration::from_secs(10))
        .and_then(|()| {
            connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        })
        .map_err(|error| format!("cannot set up SQLite database {}: {error}", path.display()))?;
    Ok(connection)
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite, String> {
        let connection = connect(path)?;
        connection.set_prepared_statement_cache_capacity(64);
        Ok(Sqlite { connection })
    }
}

impl ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Cell::Null => ToSqlOutput::Owned(SqlValue::Null),
            Cell::Integer(value) => ToSqlOutput::Owned(SqlValue::Integer(*value)),
            Cell::Number(value) => ToSqlOutput::Owned(SqlValue::Real(*value)),
            Cell::Boolean(value) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*value))),
            Cell::Text(text) => ToSqlOutput::Borrowed(text.as_str().into()),
            Cell::Json(value) => ToSqlOutput::Owned(SqlValue::Text(value.to_string())),
        })
    }
}

struct Transaction<'c> {
    transaction: rusqlite::Transaction<'c>,
}

impl Statements for Transaction<'_> {
    fn documents(&mut self, sql: &str, params: &[Cell]) -> Result<Vec<Value>, String> {
        let mut statement = self
            .transaction
            .prepare_cached(sql)
            .map_err(|error| format!("SQLite: {error}"))?;
        let mut rows = statement
            .query(params_from_iter(params))
            .map_err(|error| format!("SQLite: {error}"))?;
        let mut documents = Vec::new();
        while let Some(row) = rows.next().map_err(|error| format!("SQLite: {error}"))? {
            let text: String = row.get(0).map_err(|error| format!("SQLite: {error}"))?;
            documents.push(
                serde_json::from_str(&text)
                    .map_err(|error| format!("SQLite: a stored document is not JSON: {error}"))?,
            );
        }
        Ok(documents)
    }

    fn execute(&mut self, sql: &str, params: &[Cell]) -> Result<u64, String> {
        let mut statement = self
            .transaction
            .prepare_cached(sql)
            .map_err(|error| format!("SQLite: {error}"))?;
        let changed = statement
            .execute(params_from_iter(params))
            .map_err(|error| format!("SQLite: {error}"))?;
        Ok(changed as u64)
    }
}

impl Database for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn columns(&mut self, table: &str) -> Result<Option<ExistingColumns>, String> {
        let mut statement = self
            .connection
            .prepare("SELECT name, type, \"notnull\" FROM pragma_table_info(?1)")
            .map_err(|error| format!("SQLite: {error}"))?;
        let columns = statement
            .query_map([table], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)? != 0,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|error| format!("SQLite: {error}"))?;
        Ok((!columns.is_empty()).then_some(columns))
    }

    fn transaction(
        &mut self,
        work: &mut dyn FnMut(&mut dyn Statements) -> Result<(), String>,
    ) -> Result<(), String> {
        let transaction = self
            .connection
            .transaction()
            .map_err(|error| format!("SQLite: {error}"))?;
        let mut statements = Transaction { transaction };
        work(&mut statements)?;
        statements
            .transaction
            .commit()
            .map_err(|error| format!("SQLite: cannot commit: {error}"))
    }
}
