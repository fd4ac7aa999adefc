//! The durable state of `flowctl develop`, in its SQLite file (by default
//! `flowctl-develop.db`, which is also the default materialization target):
//!
//! - `flow_log`: every document written to every collection (ingested or
//!   derived), by transaction: the collections' journals. Materializations
//!   catch up from it after a failure or a restart, and a new one is
//!   backfilled from it.
//! - `flow_transactions`: one row per committed transaction (with the
//!   client's request id, so a retried request is not applied twice).
//! - `flow_registers`: derivation registers, as of the last transaction.
//! - `flow_materializations`: those added by `flowctl materialize`, so a
//!   restart keeps them.
//!
//! A transaction's documents, its register changes and its row are committed
//! together; materializations are applied after, each in its own database
//! with its own checkpoint, so whatever the crash point, a restart replays
//! exactly the transactions a materialization has not committed.

use std::path::Path;

use json::order::OwnedKey;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

/// A materialization added at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub collection: String,
    pub target: String,
    pub table: String,
    pub fields: Option<Vec<String>>,
}

/// What [`State::replay`] calls: (last transaction, documents).
pub type Replayed<'a> = dyn FnMut(u64, &[Value]) -> Result<(), String> + 'a;

pub struct State {
    connection: Connection,
}

fn failed(error: rusqlite::Error) -> String {
    format!("the develop database: {error}")
}

/// A register key as stored: each component `[value]`, or `[]` when missing.
pub fn key_to_text(key: &OwnedKey) -> String {
    let components: Vec<Value> = key
        .0
        .iter()
        .map(|component| Value::Array(component.iter().cloned().collect()))
        .collect();
    Value::Array(components).to_string()
}

fn key_from_text(text: &str) -> Option<OwnedKey> {
    let Ok(Value::Array(components)) = serde_json::from_str(text) else {
        return None;
    };
    components
        .into_iter()
        .map(|component| match component {
            Value::Array(mut values) if values.len() <= 1 => Some(values.pop()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(OwnedKey)
}

impl State {
    pub fn open(path: &Path) -> Result<State, String> {
        let connection = materialize::connect_sqlite(path)?;
        connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS flow_log (
                   txn INTEGER NOT NULL, collection TEXT NOT NULL, document TEXT NOT NULL);
                 CREATE INDEX IF NOT EXISTS flow_log_by_collection ON flow_log (collection, txn);
                 CREATE TABLE IF NOT EXISTS flow_transactions (
                   txn INTEGER PRIMARY KEY, request TEXT UNIQUE, documents INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS flow_registers (
                   derivation TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                   PRIMARY KEY (derivation, key));
                 CREATE TABLE IF NOT EXISTS flow_materializations (
                   target TEXT NOT NULL, table_name TEXT NOT NULL, collection TEXT NOT NULL,
                   fields TEXT, PRIMARY KEY (target, table_name));",
            )
            .map_err(failed)?;
        Ok(State { connection })
    }

    /// The last committed transaction (0 before the first).
    pub fn last_transaction(&self) -> Result<u64, String> {
        self.connection
            .query_row(
                "SELECT coalesce(max(txn), 0) FROM flow_transactions",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map(|txn| txn as u64)
            .map_err(failed)
    }

    /// The transaction that applied the request `id`, if one did.
    pub fn request(&self, id: &str) -> Result<Option<u64>, String> {
        self.connection
            .query_row(
                "SELECT txn FROM flow_transactions WHERE request = ?1",
                [id],
                |row| row.get::<_, i64>(0),
            )
            .optional()
            .map(|txn| txn.map(|txn| txn as u64))
            .map_err(failed)
    }

    /// Every stored register: (derivation, key, value).
    pub fn registers(&self) -> Result<Vec<(String, OwnedKey, Value)>, String> {
        let mut statement = self
            .connection
            .prepare("SELECT derivation, key, value FROM flow_registers")
            .map_err(failed)?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(failed)?;
        rows.into_iter()
            .map(|(derivation, key, value)| {
                let key = key_from_text(&key)
                    .ok_or_else(|| format!("a stored register key of {derivation} is malformed"))?;
                let value = serde_json::from_str(&value)
                    .map_err(|_| format!("a stored register of {derivation} is not JSON"))?;
                Ok((derivation, key, value))
            })
            .collect()
    }

    /// Commits one transaction: the documents written per collection, the
    /// registers changed, the request id.
    pub fn commit(
        &mut self,
        txn: u64,
        request: Option<&str>,
        written: &[(&str, Vec<&Value>)],
        registers: &[(&str, &OwnedKey, &Value)],
    ) -> Result<(), String> {
        let transaction = self.connection.transaction().map_err(failed)?;
        let mut count = 0;
        {
            let mut insert = transaction
                .prepare_cached(
                    "INSERT INTO flow_log (txn, collection, document) VALUES (?1, ?2, ?3)",
                )
                .map_err(failed)?;
            for (collection, documents) in written {
                for document in documents {
                    insert
                        .execute(params![txn as i64, collection, document.to_string()])
                        .map_err(failed)?;
                    count += 1;
                }
            }
            let mut upsert = transaction
                .prepare_cached(
                    "INSERT INTO flow_registers (derivation, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (derivation, key) DO UPDATE SET value = excluded.value",
                )
                .map_err(failed)?;
            for (derivation, key, value) in registers {
                upsert
                    .execute(params![derivation, key_to_text(key), value.to_string()])
                    .map_err(failed)?;
            }
        }
        transaction
            .execute(
                "INSERT INTO flow_transactions (txn, request, documents) VALUES (?1, ?2, ?3)",
                params![txn as i64, request, count],
            )
            .map_err(failed)?;
        transaction.commit().map_err(failed)
    }

    /// Calls `each` with the documents `collection` received in transactions
    /// after `after`, a transaction at a time, at most about `batch`
    /// documents per call (never splitting a transaction): (last transaction
    /// of the call, documents).
    pub fn replay(
        &self,
        collection: &str,
        after: u64,
        batch: usize,
        each: &mut Replayed<'_>,
    ) -> Result<(), String> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT txn, document FROM flow_log WHERE collection = ?1 AND txn > ?2 ORDER BY txn, rowid",
            )
            .map_err(failed)?;
        let mut rows = statement
            .query(params![collection, after as i64])
            .map_err(failed)?;
        let mut documents = Vec::new();
        let mut last = after;
        while let Some(row) = rows.next().map_err(failed)? {
            let txn = row.get::<_, i64>(0).map_err(failed)? as u64;
            if txn != last && documents.len() >= batch {
                each(last, &documents)?;
                documents.clear();
            }
            last = txn;
            let text: String = row.get(1).map_err(failed)?;
            documents.push(
                serde_json::from_str(&text)
                    .map_err(|_| format!("a logged document of {collection} is not JSON"))?,
            );
        }
        if !documents.is_empty() {
            each(last, &documents)?;
        }
        Ok(())
    }

    pub fn materializations(&self) -> Result<Vec<Stored>, String> {
        let mut statement = self
            .connection
            .prepare("SELECT collection, target, table_name, fields FROM flow_materializations ORDER BY rowid")
            .map_err(failed)?;
        statement
            .query_map([], |row| {
                let fields: Option<String> = row.get(3)?;
                Ok(Stored {
                    collection: row.get(0)?,
                    target: row.get(1)?,
                    table: row.get(2)?,
                    fields: fields.and_then(|fields| serde_json::from_str(&fields).ok()),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(failed)
    }

    pub fn add_materialization(&self, stored: &Stored) -> Result<(), String> {
        let fields = stored
            .fields
            .as_ref()
            .map(|fields| serde_json::to_string(fields).unwrap_or_default());
        self.connection
            .execute(
                "INSERT OR REPLACE INTO flow_materializations (target, table_name, collection, fields)
                 VALUES (?1, ?2, ?3, ?4)",
                params![stored.target, stored.table, stored.collection, fields],
            )
            .map(|_| ())
            .map_err(failed)
    }
}
