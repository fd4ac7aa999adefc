//! Cutting long texts (rendered documents and values) to a readable length
//! for error messages and reports: [`shorten`] for a text, [`shorten_value`]
//! for every long string (and long array) inside a JSON value, so no report
//! repeats a huge value in full.

use serde_json::Value;

/// `text` cut to at most `max` bytes (on a character boundary), with `…`
/// appended when something was cut (`model::diagnostic::cut`, without a copy
/// when nothing is cut).
pub fn shorten(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    model::diagnostic::cut(&text, max).into_owned()
}

/// Longest string kept whole by [`shorten_value`], in bytes.
pub const MAX_REPORTED_STRING: usize = 1_000;

/// Items of an array kept by [`shorten_value`].
pub const MAX_REPORTED_ITEMS: usize = 1_000;

/// A copy of `value` in which every string longer than
/// [`MAX_REPORTED_STRING`] bytes is cut (see [`shorten`]) and every array
/// longer than [`MAX_REPORTED_ITEMS`] ends with a string saying how many items
/// were left out.
pub fn shorten_value(value: &Value) -> Value {
    match value {
        Value::String(text) if text.len() > MAX_REPORTED_STRING => Value::String(format!(
            "{}… ({} bytes in all)",
            model::diagnostic::prefix(text, MAX_REPORTED_STRING),
            text.len()
        )),
        Value::Array(items) => {
            let mut shortened: Vec<Value> = items
                .iter()
                .take(MAX_REPORTED_ITEMS)
                .map(shorten_value)
                .collect();
            if items.len() > MAX_REPORTED_ITEMS {
                shortened.push(Value::String(format!(
                    "… {} more items",
                    items.len() - MAX_REPORTED_ITEMS
                )));
            }
            Value::Array(shortened)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| {
                    (
                        shorten(key.clone(), MAX_REPORTED_STRING),
                        shorten_value(item),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}
