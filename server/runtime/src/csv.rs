//! CSV and TSV documents (runtime.md §11.2): a header row naming projection
//! fields of a collection, each row converted to a document through the
//! fields' locations and the inferred types there. Used by `flowctl preview
//! --input` (and meant for the ingestion API of `flowctl develop`).
//!
//! Every mistake is an error naming the line (1-based) and the header or
//! cell; nothing is ingested here (the engine validates and ingests).

use std::collections::BTreeMap;
use std::fmt;

use schema::shape::canonical_projections;
use schema::{Exists, Types};
use serde_json::{Map, Number, Value};

use crate::engine::Plan;

/// Why a CSV text could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based line of the text (the header is line 1); 0 for the whole text.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

fn error(line: usize, message: impl Into<String>) -> CsvError {
    CsvError {
        line,
        message: message.into(),
    }
}

/// One header: its field, location and the types allowed there.
struct Column {
    field: String,
    location: Vec<String>,
    types: Types,
}

/// The documents of `text` (`delimiter` `,` for CSV, `\t` for TSV) for
/// `collection`, in row order.
pub fn documents(
    plan: &Plan,
    collection: &str,
    text: &str,
    delimiter: char,
) -> Result<Vec<Value>, CsvError> {
    let index = plan
        .collection_index(collection)
        .ok_or_else(|| error(0, format!("no collection named \"{collection}\"")))?;
    let target = plan.collection_at(index);
    let shape = target.schema.shape().ok_or_else(|| {
        error(
            0,
            format!(
                "the schema of \"{collection}\" cannot be used: {}",
                target.schema.uri()
            ),
        )
    })?;
    // Field → location: the user's projections, then the canonical ones.
    let mut fields: BTreeMap<String, String> = canonical_projections(&shape)
        .into_iter()
        .map(|projection| (projection.field, projection.pointer))
        .collect();
    fields.extend(target.fields.clone());

    let mut rows = records(text, delimiter);
    let Some((line, headers)) = rows.next().transpose()? else {
        return Err(error(0, "the text has no header row"));
    };
    // 1. Every header is a field.
    let mut columns = Vec::with_capacity(headers.len());
    for header in &headers {
        let Some(location) = fields.get(header) else {
            let known: Vec<&str> = fields.keys().map(String::as_str).collect();
            return Err(error(
                line,
                format!(
                    "\"{header}\" is not a field of \"{collection}\" (its fields: {})",
                    known.join(", ")
                ),
            ));
        };
        let types = shape.locate(location).shape.types;
        if !types.overlaps(scalars()) {
            return Err(error(
                line,
                format!(
                    "\"{header}\" is an object or array location ({location}), which CSV cannot hold"
                ),
            ));
        }
        columns.push(Column {
            field: header.clone(),
            location: json::pointer::tokens(location).unwrap_or_default(),
            types,
        });
    }
    // 2. Every location that must exist is covered by a header.
    let mut last_required = None;
    for (field, location) in &fields {
        if shape.locate(location).exists != Exists::Must {
            continue;
        }
        let covering = headers.iter().rposition(|header| {
            fields
                .get(header)
                .is_some_and(|at| at.starts_with(location.as_str()))
        });
        match covering {
            Some(position) => last_required = last_required.max(Some(position)),
            None => {
                return Err(error(
                    line,
                    format!("no header covers the required field \"{field}\" ({location})"),
                ));
            }
        }
    }

    let mut documents = Vec::new();
    for row in rows {
        let (line, cells) = row?;
        if cells.len() > columns.len() {
            return Err(error(
                line,
                format!("{} cells, but only {} headers", cells.len(), columns.len()),
            ));
        }
        if let Some(required) = last_required
            && cells.len() <= required
        {
            return Err(error(
                line,
                format!(
                    "the row ends before the required field \"{}\"",
                    columns[required].field
                ),
            ));
        }
        let mut document = Value::Object(Map::new());
        for (cell, column) in cells.iter().zip(&columns) {
            let value = convert(cell, column.types).ok_or_else(|| {
                error(
                    line,
                    format!(
                        "\"{cell}\" is not a valid value of \"{}\" ({})",
                        column.field,
                        type_names(column.types)
                    ),
                )
            })?;
            place(&mut document, &column.location, value);
        }
        documents.push(document);
    }
    Ok(documents)
}

/// The types a CSV cell can hold.
fn scalars() -> Types {
    Types::ALL
        .difference(Types::OBJECT)
        .difference(Types::ARRAY)
}

/// The first parser of runtime.md §11.2 that the location's types allow and
/// that accepts `cell`.
fn convert(cell: &str, types: Types) -> Option<Value> {
    if types.overlaps(Types::NUMBER) {
        if let Ok(n) = cell.parse::<u64>() {
            return Some(Value::Number(n.into()));
        }
        if let Ok(n) = cell.parse::<i64>() {
            return Some(Value::Number(n.into()));
        }
    }
    if types.overlaps(Types::FRACTIONAL)
        && let Some(n) = cell.parse::<f64>().ok().and_then(Number::from_f64)
    {
        return Some(Value::Number(n));
    }
    if types.overlaps(Types::BOOLEAN) {
        match cell {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => return Some(Value::Bool(true)),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => return Some(Value::Bool(false)),
            _ => {}
        }
    }
    if cell.is_empty() && types.overlaps(Types::NULL) {
        return Some(Value::Null);
    }
    if types.overlaps(Types::STRING) {
        return Some(Value::String(cell.to_owned()));
    }
    None
}

fn type_names(types: Types) -> String {
    let names: Vec<&str> = [
        (Types::NULL, "null"),
        (Types::BOOLEAN, "boolean"),
        (Types::INTEGER, "integer"),
        (Types::FRACTIONAL, "number"),
        (Types::STRING, "string"),
    ]
    .into_iter()
    .filter(|(t, _)| types.overlaps(*t))
    .map(|(_, name)| name)
    .collect();
    names.join(" or ")
}

/// Sets `value` at `location`, creating objects along the way (numeric
/// tokens too make object properties).
fn place(document: &mut Value, location: &[String], value: Value) {
    let Some((last, parents)) = location.split_last() else {
        *document = value;
        return;
    };
    let mut at = document;
    for token in parents {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let Value::Object(map) = at else {
            return;
        };
        at = map
            .entry(token.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !at.is_object() {
        *at = Value::Object(Map::new());
    }
    if let Value::Object(map) = at {
        map.insert(last.clone(), value);
    }
}

/// The records of `text`: (1-based line where it starts, cells). Quoted cells
/// (`"a ""b"", c"`) may hold the delimiter, quotes and line breaks; blank
/// lines are skipped.
fn records(
    text: &str,
    delimiter: char,
) -> impl Iterator<Item = Result<(usize, Vec<String>), CsvError>> + '_ {
    let mut chars = text.chars().peekable();
    let mut line = 1;
    std::iter::from_fn(move || {
        loop {
            chars.peek()?;
            let start = line;
            let mut cells = Vec::new();
            let mut cell = String::new();
            let mut quoted = false;
            let mut blank = true;
            loop {
                let Some(c) = chars.next() else {
                    if quoted {
                        return Some(Err(error(start, "a quoted cell is not closed")));
                    }
                    break;
                };
                if quoted {
                    match c {
                        '"' if chars.peek() == Some(&'"') => {
                            chars.next();
                            cell.push('"');
                        }
                        '"' => quoted = false,
                        '\n' => {
                            line += 1;
                            cell.push(c);
                        }
                        _ => cell.push(c),
                    }
                    continue;
                }
                match c {
                    '"' => {
                        quoted = true;
                        blank = false;
                    }
                    '\r' if chars.peek() == Some(&'\n') => {}
                    '\n' | '\r' => {
                        line += 1;
                        break;
                    }
                    c if c == delimiter => {
                        blank = false;
                        cells.push(std::mem::take(&mut cell));
                    }
                    c => {
                        blank = false;
                        cell.push(c);
                    }
                }
            }
            if blank && cell.is_empty() {
                continue;
            }
            cells.push(cell);
            return Some(Ok((start, cells)));
        }
    })
}

#[cfg(test)]
mod tests;
