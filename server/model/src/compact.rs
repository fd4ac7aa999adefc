//! Deserializing a JSON value that a catalog keeps for its whole life (an
//! inline schema) with every object and array allocated at its exact size.
//! `serde_json`'s own `Value` visitor grows maps from empty, and with
//! `preserve_order` an object of one entry then holds room for four (an
//! `IndexMap` bucket is over 100 bytes); inline schemas are most of a large
//! catalog's memory (issue #7), so they are built to size instead.

use serde::Deserializer;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Deserializes a `Value` whose objects and arrays have no spare capacity
/// when the input says how many entries follow (a `&Value` does).
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    deserializer.deserialize_any(Compact)
}

struct Compact;

/// One value, deserialized with [`Compact`] again.
struct Nested(Value);

impl<'de> de::Deserialize<'de> for Nested {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize(deserializer).map(Nested)
    }
}

impl<'de> Visitor<'de> for Compact {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Nested(item)) = seq.next_element()? {
            items.push(item);
        }
        items.shrink_to_fit();
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Map::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((key, Nested(value))) = map.next_entry::<String, Nested>()? {
            entries.insert(key, value);
        }
        Ok(Value::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn values_come_out_equal_and_in_order() {
        let value = json!({"type": "object", "zeta": 1, "alpha": [1.5, -2, null, true, "s"],
            "properties": {"b": {"type": "string"}, "a": {}}});
        let compact = super::deserialize(&value).unwrap();
        assert_eq!(compact, value);
        let keys: Vec<&String> = compact.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["type", "zeta", "alpha", "properties"]);
    }
}
