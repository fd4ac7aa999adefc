//! JSON ↔ JavaScript values for the QuickJS host, built directly rather than
//! through `JSON.parse` / `JSON.stringify` text.
//!
//! Why: for the small documents lambdas usually see, QuickJS's JSON functions
//! spend most of their time in per-call setup (a wrapper object, property-name
//! arrays, string buffers); building values directly roughly halves the cost of a
//! call. The results follow `JSON.stringify` semantics (runtime.md §8.4):
//! `undefined`, functions and symbols disappear from objects and become `null` in
//! arrays; `NaN` and infinities become `null`; integral numbers become JSON
//! integers; `toJSON` methods (as on `Date`) are honoured; BigInts and cycles are
//! errors.
//!
//! Results are converted under the call's [`Budget`]: its deadline (checked every
//! few hundred values) and a byte budget charged for every value built, so a
//! lambda cannot make the host copy more than the budget outside the JavaScript
//! heap limit. An array's length is checked against the budget before anything
//! is allocated for it, so a sparse `new Array(1e9)` is refused at once.

use std::time::Instant;

use rquickjs::{Array, Ctx, Object, Value as JsValue, function::This, object::Property};
use serde_json::{Map, Number, Value};

/// Deeper results than this are treated as cyclic (`JSON.stringify` throws on
/// cycles too). Kept well inside the native stack.
const MAX_DEPTH: usize = 256;

/// What a converted value is charged at least, per value: about the size of a
/// `serde_json::Value` node beside its text.
const NODE_COST: usize = 16;

/// Values converted between two looks at the clock.
const CLOCK_EVERY: u32 = 256;

/// Why a result could not become JSON.
pub(super) enum FromJsError {
    /// A JavaScript exception is pending on the context (a getter or `toJSON`
    /// threw, or QuickJS failed).
    Engine(rquickjs::Error),
    /// A value JSON cannot represent.
    Unrepresentable(String),
    /// The result is over the call's output budget; the message names the limit.
    TooLarge(String),
    /// The call's deadline passed while converting.
    Timeout,
}

/// What converting one call's result may cost.
pub(super) struct Budget {
    /// When the call's time is up.
    pub deadline: Option<Instant>,
    /// Bytes (approximately the JSON text, at least [`NODE_COST`] a value) the
    /// result may still take.
    pub bytes_left: usize,
    /// The whole byte budget, for messages.
    pub bytes_limit: usize,
    /// Values converted so far.
    pub values: u32,
}

impl Budget {
    fn charge(&mut self, bytes: usize) -> Result<(), FromJsError> {
        if bytes > self.bytes_left {
            return Err(self.too_large());
        }
        self.bytes_left -= bytes;
        self.values = self.values.wrapping_add(1);
        if self.values.is_multiple_of(CLOCK_EVERY)
            && self
                .deadline
                .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return Err(FromJsError::Timeout);
        }
        Ok(())
    }

    /// Whether `count` more values could still fit, before allocating for them.
    fn admits(&self, count: usize) -> Result<(), FromJsError> {
        match count.checked_mul(NODE_COST) {
            Some(bytes) if bytes <= self.bytes_left => Ok(()),
            _ => Err(self.too_large()),
        }
    }

    fn too_large(&self) -> FromJsError {
        FromJsError::TooLarge(format!(
            "the returned documents are larger than the {} one call may return",
            human_bytes(self.bytes_limit)
        ))
    }
}

/// `32 MiB`, `512 KiB`, `100 bytes`.
pub(super) fn human_bytes(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

impl From<rquickjs::Error> for FromJsError {
    fn from(error: rquickjs::Error) -> FromJsError {
        FromJsError::Engine(error)
    }
}

/// A fresh JavaScript value equal to `value`: what `JSON.parse` would build.
pub(super) fn to_js<'js>(ctx: &Ctx<'js>, value: &Value) -> rquickjs::Result<JsValue<'js>> {
    Ok(match value {
        Value::Null => JsValue::new_null(ctx.clone()),
        Value::Bool(flag) => JsValue::new_bool(ctx.clone(), *flag),
        Value::Number(number) => match number.as_i64() {
            Some(int) => match i32::try_from(int) {
                Ok(small) => JsValue::new_int(ctx.clone(), small),
                Err(_) => JsValue::new_float(ctx.clone(), int as f64),
            },
            None => JsValue::new_float(ctx.clone(), number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(text) => rquickjs::String::from_str(ctx.clone(), text)?.into_value(),
        Value::Array(items) => {
            let array = Array::new(ctx.clone())?;
            for (index, item) in items.iter().enumerate() {
                array.set(index, to_js(ctx, item)?)?;
            }
            array.into_value()
        }
        Value::Object(map) => {
            let object = Object::new(ctx.clone())?;
            for (key, item) in map {
                // Define rather than assign, as `JSON.parse` does: a key named
                // `__proto__` becomes an ordinary property.
                let property = Property::from(to_js(ctx, item)?)
                    .writable()
                    .enumerable()
                    .configurable();
                object.prop(key.as_str(), property)?;
            }
            object.into_value()
        }
    })
}

/// The documents of a returned array: its length is checked against
/// `max_documents` first, then every item is converted under `budget`.
pub(super) fn documents_from_js<'js>(
    ctx: &Ctx<'js>,
    array: &Array<'js>,
    max_documents: usize,
    budget: &mut Budget,
) -> Result<Vec<Value>, FromJsError> {
    let count = array.len();
    if count > max_documents {
        return Err(FromJsError::TooLarge(format!(
            "the lambda returned {count} documents; one call may return at most {max_documents}"
        )));
    }
    budget.admits(count)?;
    let mut documents = Vec::with_capacity(count);
    for index in 0..count {
        let item: JsValue = array.get(index)?;
        documents.push(from_js(ctx, item, 1, budget)?.unwrap_or(Value::Null));
    }
    Ok(documents)
}

/// The JSON of `value` with `JSON.stringify` semantics; `None` where
/// `JSON.stringify` would produce nothing (`undefined`, functions, symbols).
#[allow(clippy::only_used_in_recursion)] // `ctx` ties the values to their context.
pub(super) fn from_js<'js>(
    ctx: &Ctx<'js>,
    value: JsValue<'js>,
    depth: usize,
    budget: &mut Budget,
) -> Result<Option<Value>, FromJsError> {
    if depth > MAX_DEPTH {
        return Err(FromJsError::Unrepresentable(
            "the result is nested too deeply or is cyclic".to_owned(),
        ));
    }
    if let Some(int) = value.as_int() {
        budget.charge(NODE_COST)?;
        return Ok(Some(Value::Number(int.into())));
    }
    if let Some(float) = value.as_float() {
        budget.charge(NODE_COST)?;
        return Ok(Some(number(float)));
    }
    if let Some(text) = value.as_string() {
        // The UTF-8 copy is made in the JavaScript heap first (under its limit);
        // the Rust copy is then charged in full.
        let text = text.to_string()?;
        budget.charge(NODE_COST + text.len())?;
        return Ok(Some(Value::String(text)));
    }
    if let Some(flag) = value.as_bool() {
        budget.charge(NODE_COST)?;
        return Ok(Some(Value::Bool(flag)));
    }
    if value.is_null() {
        budget.charge(NODE_COST)?;
        return Ok(Some(Value::Null));
    }
    if value.is_big_int() {
        return Err(FromJsError::Unrepresentable(
            "a BigInt cannot be serialized to JSON".to_owned(),
        ));
    }
    let Some(object) = value.as_object() else {
        // undefined, symbols.
        return Ok(None);
    };
    if value.is_function() {
        return Ok(None);
    }
    let to_json: JsValue = object.get("toJSON")?;
    if let Some(to_json) = to_json.as_function() {
        let replaced: JsValue = to_json.call((This(value.clone()), ""))?;
        return from_js(ctx, replaced, depth + 1, budget);
    }
    budget.charge(NODE_COST)?;
    if let Some(array) = object.as_array() {
        let count = array.len();
        // Refuse before allocating: every item costs at least NODE_COST.
        budget.admits(count)?;
        let mut items = Vec::with_capacity(count);
        for index in 0..count {
            let item: JsValue = array.get(index)?;
            items.push(from_js(ctx, item, depth + 1, budget)?.unwrap_or(Value::Null));
        }
        return Ok(Some(Value::Array(items)));
    }
    let mut map = Map::new();
    for property in object.props::<String, JsValue>() {
        let (key, item) = property?;
        budget.charge(key.len())?;
        if let Some(item) = from_js(ctx, item, depth + 1, budget)? {
            map.insert(key, item);
        }
    }
    Ok(Some(Value::Object(map)))
}

/// A JavaScript number as `JSON.stringify` then a JSON parser would see it.
fn number(float: f64) -> Value {
    if !float.is_finite() {
        return Value::Null;
    }
    if float.fract() == 0.0 {
        // Below 2^63 the integer is exact; -0 prints as 0.
        if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&float) {
            return Value::Number((float as i64).into());
        }
        if float > 0.0 && float < 18_446_744_073_709_551_616.0 {
            return Value::Number((float as u64).into());
        }
    }
    Number::from_f64(float).map_or(Value::Null, Value::Number)
}
