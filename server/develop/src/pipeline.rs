//! One `flowctl develop` transaction after another, on one thread (QuickJS is
//! not `Send`): ingest through a fresh [`Engine`] started from the carried
//! registers, run every derivation until nothing is pending (read delays are
//! not waited for: a delayed document is read in the same transaction),
//! commit the documents written and the registers changed to the develop
//! database, then apply each materialization whose collection changed.
//!
//! A failed ingest or derivation writes nothing and restores the registers.
//! A materialization that fails (database down, table of another shape) is
//! rolled back and reported; the transaction stays committed in the log, and
//! the materialization catches up from there on the next transaction or
//! restart.

// `RuntimeError` is large by design (see the runtime crate); it is only
// turned into the message of a refused request here.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::time::Instant;

use materialize::{Database, Table, Target};
use runtime::engine::{Engine, Lambdas, Plan, Registers};
use serde_json::Value;

use crate::state::{State, Stored};

/// Documents a catching-up materialization applies per transaction.
const REPLAY_BATCH: usize = 10_000;

/// What to materialize: a collection into a table of a named target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub collection: String,
    pub target: String,
    pub table: String,
    pub fields: Option<Vec<String>>,
}

struct Materialization {
    target_name: String,
    target: Target,
    table: Table,
    database: Option<Box<dyn Database>>,
    /// The last transaction whose documents the table holds.
    applied: u64,
    /// Why the last attempt failed (the table lags until it succeeds).
    error: Option<String>,
}

/// What one transaction did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub txn: u64,
    /// Documents in the request.
    pub documents: usize,
    /// Documents written per collection (after combining), ingested and derived.
    pub written: Vec<(String, usize)>,
    /// Rows written by materializations.
    pub keys: usize,
    /// Materializations that failed (they catch up later).
    pub lagging: Vec<String>,
    pub millis: f64,
    /// The request id was already applied by this transaction: nothing done.
    pub repeated: bool,
}

impl Outcome {
    /// The progress line of the transaction.
    pub fn line(&self) -> String {
        let written: Vec<String> = self
            .written
            .iter()
            .map(|(collection, count)| format!("{collection} {count}"))
            .collect();
        let mut line = format!(
            "txn {}: {} document(s) ({}), {} key(s) materialized, {:.1} ms",
            self.txn,
            self.documents,
            if written.is_empty() {
                "nothing written".to_owned()
            } else {
                written.join(", ")
            },
            self.keys,
            self.millis
        );
        for lagging in &self.lagging {
            line.push_str("\n  ");
            line.push_str(lagging);
        }
        line
    }

    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "txn": self.txn,
            "documents": self.documents,
            "written": self.written.iter().map(|(c, n)| (c.clone(), Value::from(*n))).collect::<serde_json::Map<_, _>>(),
            "keys": self.keys,
            "lagging": self.lagging,
            "repeated": self.repeated,
        })
    }
}

pub struct Pipeline<'p> {
    plan: &'p Plan,
    lambdas: Lambdas,
    registers: Registers,
    state: State,
    targets: BTreeMap<String, Target>,
    materializations: Vec<Materialization>,
    last: u64,
}

impl<'p> Pipeline<'p> {
    /// Opens the develop database, restores the registers, and sets up the
    /// `requested` materializations and those stored by earlier runs, each
    /// caught up from the log. A materialization that cannot be set up is
    /// reported in the returned notes and retried on each transaction.
    pub fn open(
        plan: &'p Plan,
        lambdas: Lambdas,
        state: State,
        targets: BTreeMap<String, Target>,
        requested: &[Request],
    ) -> Result<(Pipeline<'p>, Vec<String>), String> {
        let mut registers = Registers::default();
        for (derivation, key, value) in state.registers()? {
            registers.set(plan, &derivation, key, value);
        }
        let last = state.last_transaction()?;
        let mut pipeline = Pipeline {
            plan,
            lambdas,
            registers,
            state,
            targets,
            materializations: Vec::new(),
            last,
        };
        let mut notes = Vec::new();
        let stored = pipeline.state.materializations()?;
        let all = requested
            .iter()
            .cloned()
            .chain(stored.into_iter().map(|stored| Request {
                collection: stored.collection,
                target: stored.target,
                table: stored.table,
                fields: stored.fields,
            }));
        for request in all {
            if pipeline
                .materializations
                .iter()
                .any(|m| m.target_name == request.target && m.table.name == request.table)
            {
                continue;
            }
            let index = pipeline.add(&request)?;
            if let Err(error) = pipeline.sync(index, None) {
                notes.push(error);
            }
        }
        Ok((pipeline, notes))
    }

    /// The last committed transaction.
    pub fn last_transaction(&self) -> u64 {
        self.last
    }

    fn add(&mut self, request: &Request) -> Result<usize, String> {
        let collection = self
            .plan
            .collection(&request.collection)
            .ok_or_else(|| format!("no collection named \"{}\"", request.collection))?;
        let target = self.targets.get(&request.target).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.targets.keys().map(String::as_str).collect();
            format!(
                "no materialization target named \"{}\" (known: {})",
                request.target,
                known.join(", ")
            )
        })?;
        if request.table.starts_with("flow_") {
            return Err(format!(
                "table \"{}\": names starting with flow_ are reserved",
                request.table
            ));
        }
        let table = Table::new(collection, &request.table, request.fields.as_deref())?;
        self.materializations.push(Materialization {
            target_name: request.target.clone(),
            target,
            table,
            database: None,
            applied: 0,
            error: None,
        });
        Ok(self.materializations.len() - 1)
    }

    /// Adds a materialization while running and backfills it from the log;
    /// kept for later runs. Returns the rows written.
    pub fn materialize(&mut self, request: &Request) -> Result<usize, String> {
        if self
            .materializations
            .iter()
            .any(|m| m.target_name == request.target && m.table.name == request.table)
        {
            return Err(format!(
                "table \"{}\" of target \"{}\" is already materialized",
                request.table, request.target
            ));
        }
        let index = self.add(request)?;
        match self.sync(index, None) {
            Ok(keys) => {
                self.state.add_materialization(&Stored {
                    collection: request.collection.clone(),
                    target: request.target.clone(),
                    table: request.table.clone(),
                    fields: request.fields.clone(),
                })?;
                Ok(keys)
            }
            Err(error) => {
                self.materializations.remove(index);
                Err(error)
            }
        }
    }

    /// Brings materialization `index` up to the last transaction: `fresh`
    /// holds the last transaction's documents of its collection when the
    /// table is only that transaction behind. Returns the rows written.
    fn sync(&mut self, index: usize, fresh: Option<&[Value]>) -> Result<usize, String> {
        let plan = self.plan;
        let last = self.last;
        let state = &self.state;
        let m = &mut self.materializations[index];
        let outcome = (|| -> Result<usize, String> {
            let collection = plan
                .collection(&m.table.collection)
                .ok_or_else(|| format!("no collection named \"{}\"", m.table.collection))?;
            if m.database.is_none() {
                let mut database = materialize::connect(&m.target)?;
                m.applied = materialize::prepare(database.as_mut(), &m.table)?;
                m.database = Some(database);
            }
            let database = m
                .database
                .as_mut()
                .ok_or_else(|| "no database connection".to_owned())?;
            let mut keys = 0;
            match fresh {
                Some(documents) if m.applied + 1 == last => {
                    keys += materialize::apply(
                        database.as_mut(),
                        &m.table,
                        collection,
                        documents,
                        last,
                    )?
                    .keys;
                    m.applied = last;
                }
                _ => {
                    let applied = &mut m.applied;
                    state.replay(
                        &m.table.collection,
                        *applied,
                        REPLAY_BATCH,
                        &mut |txn, documents| {
                            keys += materialize::apply(
                                database.as_mut(),
                                &m.table,
                                collection,
                                documents,
                                txn,
                            )?
                            .keys;
                            *applied = txn;
                            Ok(())
                        },
                    )?;
                    m.applied = m.applied.max(last);
                }
            }
            Ok(keys)
        })();
        match &outcome {
            Ok(_) => m.error = None,
            Err(error) => {
                let error = format!(
                    "materialization of \"{}\" into table \"{}\" of {} failed (rolled back; it catches up from transaction {}): {error}",
                    m.table.collection,
                    m.table.name,
                    m.target,
                    m.applied + 1
                );
                // Reconnect (and check the table again) next time.
                m.database = None;
                m.error = Some(error.clone());
                return Err(error);
            }
        }
        outcome
    }

    /// Runs one transaction: `batches` (collection, documents), all or
    /// nothing. `request` is the client's id: a repeated id is not applied again.
    pub fn ingest(
        &mut self,
        request: Option<&str>,
        batches: &[(String, Vec<Value>)],
    ) -> Result<Outcome, String> {
        let started = Instant::now();
        let documents = batches.iter().map(|(_, documents)| documents.len()).sum();
        if let Some(id) = request
            && let Some(txn) = self.state.request(id)?
        {
            return Ok(Outcome {
                txn,
                documents,
                written: Vec::new(),
                keys: 0,
                lagging: Vec::new(),
                millis: started.elapsed().as_secs_f64() * 1e3,
                repeated: true,
            });
        }
        let plan = self.plan;
        let mut engine =
            Engine::with_registers(plan, &mut self.lambdas, std::mem::take(&mut self.registers));
        let ran = batches
            .iter()
            .try_for_each(|(collection, documents)| engine.ingest(collection, documents).map(drop))
            .and_then(|()| engine.advance_all());
        if let Err(error) = ran {
            self.registers = engine.into_registers(false);
            return Err(error.to_string());
        }
        let written: Vec<(&str, Vec<&Value>)> = plan
            .collection_names()
            .filter_map(|name| {
                let log = engine.log(name)?;
                (!log.is_empty()).then(|| (name, log.iter().map(|entry| &entry.document).collect()))
            })
            .collect();
        let txn = self.last + 1;
        let committed = self
            .state
            .commit(txn, request, &written, &engine.register_changes());
        let written: Vec<(String, Vec<Value>)> = written
            .into_iter()
            .map(|(name, documents)| (name.to_owned(), documents.into_iter().cloned().collect()))
            .collect();
        self.registers = engine.into_registers(committed.is_ok());
        committed?;
        self.last = txn;

        let mut keys = 0;
        let mut lagging = Vec::new();
        for index in 0..self.materializations.len() {
            let m = &self.materializations[index];
            let fresh = written
                .iter()
                .find(|(name, _)| *name == m.table.collection)
                .map(|(_, documents)| documents.as_slice());
            if fresh.is_none() && m.error.is_none() && m.applied + 1 == txn {
                // Nothing new for this table.
                self.materializations[index].applied = txn;
                continue;
            }
            match self.sync(index, fresh) {
                Ok(count) => keys += count,
                Err(error) => lagging.push(error),
            }
        }
        Ok(Outcome {
            txn,
            documents,
            written: written
                .iter()
                .map(|(name, documents)| (name.clone(), documents.len()))
                .collect(),
            keys,
            lagging,
            millis: started.elapsed().as_secs_f64() * 1e3,
            repeated: false,
        })
    }
}
