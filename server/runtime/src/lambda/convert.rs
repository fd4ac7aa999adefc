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

use rquickjs::{Array, Ctx, Object, Value as JsValue, function::This, object::Property};
use serde_json::{Map, Number, Value};

/// Deeper results than this are treated as cyclic (`JSON.stringify` throws on
/// cycles too). Kept well inside the native stack.
const MAX_DEPTH: usize = 256;

/// Why a result could not become JSON.
pub(super) enum FromJsError {
    /// A JavaScript exception is pending on the context (a getter or `toJSON`
    /// threw, or QuickJS failed).
    Engine(rquickjs::Error),
    /// A value JSON cannot represent.
    Unrepresentable(String),
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

/// The JSON of `value` with `JSON.stringify` semantics; `None` where
/// `JSON.stringify` would produce nothing (`undefined`, functions, symbols).
#[allow(clippy::only_used_in_recursion)] // `ctx` ties the values to their context.
pub(super) fn from_js<'js>(
    ctx: &Ctx<'js>,
    value: JsValue<'js>,
    depth: usize,
) -> Result<Option<Value>, FromJsError> {
    if depth > MAX_DEPTH {
        return Err(FromJsError::Unrepresentable(
            "the result is nested too deeply or is cyclic".to_owned(),
        ));
    }
    if let Some(int) = value.as_int() {
        return Ok(Some(Value::Number(int.into())));
    }
    if let Some(float) = value.as_float() {
        return Ok(Some(number(float)));
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(Value::String(text.to_string()?)));
    }
    if let Some(flag) = value.as_bool() {
        return Ok(Some(Value::Bool(flag)));
    }
    if value.is_null() {
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
        return from_js(ctx, replaced, depth + 1);
    }
    if let Some(array) = object.as_array() {
        let mut items = Vec::with_capacity(array.len());
        for index in 0..array.len() {
            let item: JsValue = array.get(index)?;
            items.push(from_js(ctx, item, depth + 1)?.unwrap_or(Value::Null));
        }
        return Ok(Some(Value::Array(items)));
    }
    let mut map = Map::new();
    for property in object.props::<String, JsValue>() {
        let (key, item) = property?;
        if let Some(item) = from_js(ctx, item, depth + 1)? {
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
