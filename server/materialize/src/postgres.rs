//! The PostgreSQL database of materializations (the synchronous `postgres`
//! client, no TLS): statements prepared once per connection, and a lost
//! connection reopened on the next transaction (the failed one was rolled
//! back by the server).

use std::collections::HashMap;
use std::error::Error;

use postgres::types::private::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use serde_json::Value;

use crate::{Cell, Database, Dialect, ExistingColumns, Statements};

pub struct Postgres {
    uri: String,
    client: Option<Client>,
    statements: HashMap<String, Statement>,
}

fn failed(error: postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("PostgreSQL: {}", db.message()),
        None => format!("PostgreSQL: {error}"),
    }
}

impl Postgres {
    pub fn connect(uri: &str) -> Result<Postgres, String> {
        let mut postgres = Postgres {
            uri: uri.to_owned(),
            client: None,
            statements: HashMap::new(),
        };
        postgres.client()?;
        Ok(postgres)
    }

    /// The open connection, reconnecting when it was lost.
    fn client(&mut self) -> Result<&mut Client, String> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.statements.clear();
            self.client = None;
            let client = Client::connect(&self.uri, NoTls).map_err(|error| {
                format!(
                    "cannot connect to {}: {}",
                    crate::Target::Postgres(self.uri.clone()),
                    failed(error)
                )
            })?;
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| "PostgreSQL: no connection".to_owned())
    }
}

impl ToSql for Cell {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Cell::Null => Ok(IsNull::Yes),
            Cell::Integer(value) => value.to_sql(ty, out),
            Cell::Number(value) => value.to_sql(ty, out),
            Cell::Boolean(value) => value.to_sql(ty, out),
            Cell::Text(text) => text.to_sql(ty, out),
            Cell::Json(value) => value.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

struct Transaction<'c> {
    transaction: postgres::Transaction<'c>,
    statements: &'c mut HashMap<String, Statement>,
}

impl Transaction<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, String> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.transaction.prepare(sql).map_err(failed)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

fn params(cells: &[Cell]) -> Vec<&(dyn ToSql + Sync)> {
    cells
        .iter()
        .map(|cell| cell as &(dyn ToSql + Sync))
        .collect()
}

impl Statements for Transaction<'_> {
    fn documents(&mut self, sql: &str, cells: &[Cell]) -> Result<Vec<Value>, String> {
        let statement = self.statement(sql)?;
        let rows = self
            .transaction
            .query(&statement, &params(cells))
            .map_err(failed)?;
        rows.iter()
            .map(|row| row.try_get::<_, Value>(0).map_err(failed))
            .collect()
    }

    fn execute(&mut self, sql: &str, cells: &[Cell]) -> Result<u64, String> {
        if cells.is_empty() {
            // DDL: no statement to keep.
            self.transaction.batch_execute(sql).map_err(failed)?;
            return Ok(0);
        }
        let statement = self.statement(sql)?;
        self.transaction
            .execute(&statement, &params(cells))
            .map_err(failed)
    }
}

impl Database for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn columns(&mut self, table: &str) -> Result<Option<ExistingColumns>, String> {
        let rows = self
            .client()?
            .query(
                "SELECT column_name::text, data_type::text, is_nullable::text = 'NO' \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
                &[&table],
            )
            .map_err(failed)?;
        let columns: Vec<(String, String, bool)> = rows
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect();
        Ok((!columns.is_empty()).then_some(columns))
    }

    fn transaction(
        &mut self,
        work: &mut dyn FnMut(&mut dyn Statements) -> Result<(), String>,
    ) -> Result<(), String> {
        self.client()?;
        let Some(client) = self.client.as_mut() else {
            return Err("PostgreSQL: no connection".to_owned());
        };
        let transaction = client.transaction().map_err(failed)?;
        let mut statements = Transaction {
            transaction,
            statements: &mut self.statements,
        };
        work(&mut statements)?;
        statements.transaction.commit().map_err(failed)
    }
}
