//! The JSON a catalog keeps for its whole life (inline schemas): [`Json`],
//! held as compact text and turned into a `Value` only while a consumer
//! needs it, and [`deserialize`], which builds a `Value` with every object
//! and array at its exact size.
//!
//! A value built from the text is freed as soon as no reader holds it;
//! [`holding`] keeps every value built (or compacted) on its thread alive
//! until it returns, so the readers of one piece of work (a file's
//! lowering and indexing, a collection's problems, shape and validator)
//! share one parse without building a value nobody asks for.
//!
//! A `serde_json::Value` with `preserve_order` is large: an object entry
//! is an `IndexMap` bucket of 112 bytes plus its hash slot and key
//! allocation, so a 500-byte inline schema took about 3.7 KB, and the
//! inline schemas of the 20 MB catalog 127 MiB, a third of its peak
//! (issue #7). As text they take what they are written in.

use std::cell::{Cell, RefCell};
use std::sync::{Arc, Mutex, Weak};

use serde::Deserializer;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A JSON value shared by a catalog's spec and its schema index: as its
/// compact JSON text (a value built from it is shared while anyone holds
/// it, then freed), or as a value kept whole (a schema file's JSON, which
/// its parse already holds; a value nested deeper than serde_json reads
/// back).
pub struct Json(Repr);

enum Repr {
    Text {
        text: Box<str>,
        /// The value last built from `text`, while someone holds it.
        value: Mutex<Weak<Value>>,
    },
    Value(Arc<Value>),
}

/// Values with an array or object more than this many levels below their
/// root (the root's own level is 0) stay values: serde_json reads text back
/// only up to 128 levels.
const MAX_TEXT_DEPTH: usize = 99;

impl Json {
    /// `value` kept as its compact text (unless nested too deep to read
    /// back, then as the value itself).
    /// Inside [`holding`], `value` itself is the value it gives until then.
    pub fn compact(value: Value) -> Json {
        if json::nesting::depth_exceeding(&value, MAX_TEXT_DEPTH).is_some() {
            return Json(Repr::Value(Arc::new(value)));
        }
        match serde_json::to_string(&value) {
            Ok(text) => {
                let held = if may_hold(text.len()) {
                    let value = Arc::new(value);
                    let weak = Arc::downgrade(&value);
                    hold(value, text.len());
                    weak
                } else {
                    Weak::new()
                };
                Json(Repr::Text {
                    text: text.into_boxed_str(),
                    value: Mutex::new(held),
                })
            }
            // A `Value` always serializes; keep it if it ever did not.
            Err(_) => Json(Repr::Value(Arc::new(value))),
        }
    }

    /// A value kept whole (shared with whoever else holds it).
    pub fn shared(value: Arc<Value>) -> Json {
        Json(Repr::Value(value))
    }

    /// The value: the one being held elsewhere if any, else built from
    /// the text now (and freed when the last holder drops it).
    pub fn value(&self) -> Arc<Value> {
        match &self.0 {
            Repr::Value(value) => Arc::clone(value),
            Repr::Text { text, value } => {
                let mut held = value
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if let Some(value) = held.upgrade() {
                    return value;
                }
                // The text is serde_json's own output of a value no deeper
                // than it reads back, so it parses.
                let built = Arc::new(serde_json::from_str(text).unwrap_or(Value::Null));
                PARSES.with(|parses| parses.set(parses.get() + 1));
                *held = Arc::downgrade(&built);
                if may_hold(text.len()) {
                    hold(Arc::clone(&built), text.len());
                }
                built
            }
        }
    }

    /// The address of what it holds (text or value): the same while it
    /// lives, so a cache that keeps it can find it by address.
    pub fn address(&self) -> usize {
        match &self.0 {
            Repr::Value(value) => Arc::as_ptr(value) as usize,
            Repr::Text { text, .. } => text.as_ptr() as usize,
        }
    }

    /// Whether the two are the same JSON as written: property order and
    /// number representation count (`json::order::identical`).
    pub fn same_as(&self, other: &Json) -> bool {
        match (&self.0, &other.0) {
            (Repr::Text { text: a, .. }, Repr::Text { text: b, .. }) => a == b,
            (Repr::Value(a), Repr::Value(b)) => Arc::ptr_eq(a, b) || json::order::identical(a, b),
            _ => json::order::identical(&self.value(), &other.value()),
        }
    }

    /// Whether a value of it is alive now (always, when it is kept as a
    /// value): for tests that guard that values are freed.
    pub fn holds_value(&self) -> bool {
        match &self.0 {
            Repr::Value(_) => true,
            Repr::Text { value, .. } => {
                value
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .strong_count()
                    > 0
            }
        }
    }

    /// Its compact text, or `None` when it is kept as a value.
    pub fn text(&self) -> Option<&str> {
        match &self.0 {
            Repr::Text { text, .. } => Some(text),
            Repr::Value(_) => None,
        }
    }

    /// The length of its text, or `None` when it is kept as a value: for
    /// tests that guard the representation.
    pub fn text_len(&self) -> Option<usize> {
        self.text().map(str::len)
    }
}

thread_local! {
    /// How many [`holding`] calls are running on this thread.
    static HOLDING: Cell<usize> = const { Cell::new(0) };
    /// The values they keep alive, and the length of their texts.
    static HELD: RefCell<(Vec<Arc<Value>>, usize)> = const { RefCell::new((Vec::new(), 0)) };
    /// Values built from text on this thread (for tests).
    static PARSES: Cell<usize> = const { Cell::new(0) };
}

/// At most this much JSON text's values are kept by one thread's
/// [`holding`] (a value takes several times its text): a 20 MB catalog
/// file's inline schemas are not all alive at once; past it, values are
/// freed when their readers let go, as outside [`holding`].
pub const HOLDING_LIMIT: usize = 256 * 1024;

/// Whether a value of `len` bytes of text is kept: a [`holding`] runs on
/// this thread and has room for it.
fn may_hold(len: usize) -> bool {
    HOLDING.with(|depth| depth.get() > 0)
        && HELD.with(|held| held.borrow().1.saturating_add(len) <= HOLDING_LIMIT)
}

/// Keeps `value` (of `len` bytes of text) alive until the outermost
/// running [`holding`] returns.
fn hold(value: Arc<Value>, len: usize) {
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        held.0.push(value);
        held.1 += len;
    });
}

/// Runs `work` keeping every value that a [`Json`] builds from its text, or
/// is [`Json::compact`]ed from, on this thread alive until `work` returns:
/// each of its readers gets the same value, built at most once, and a
/// value nobody asks for is never built. A nested call's values are kept
/// until the outermost call returns (so wrap one piece of work, never a
/// loop over a catalog), up to [`HOLDING_LIMIT`] of text.
pub fn holding<T>(work: impl FnOnce() -> T) -> T {
    /// Frees what the calls kept once the outermost ends, also when `work`
    /// panics.
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            let depth = HOLDING.with(|depth| {
                depth.set(depth.get() - 1);
                depth.get()
            });
            if depth == 0 {
                // Taken out first: the borrow ends before the values drop.
                let released = HELD.with(|held| std::mem::take(&mut *held.borrow_mut()).0);
                drop(released);
            }
        }
    }
    HOLDING.with(|depth| depth.set(depth.get() + 1));
    let _release = Release;
    work()
}

/// How many values were built from text on this thread so far: tests count
/// parses with it.
pub fn parses_on_this_thread() -> usize {
    PARSES.with(Cell::get)
}

/// Shows the value (as a `Value` would show), whatever it is held as.
impl std::fmt::Debug for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.value(), f)
    }
}

/// Equal values (as `Value`'s `==`: property order ignored); equal texts
/// are equal without building either.
impl PartialEq for Json {
    fn eq(&self, other: &Json) -> bool {
        if let (Repr::Text { text: a, .. }, Repr::Text { text: b, .. }) = (&self.0, &other.0)
            && a == b
        {
            return true;
        }
        *self.value() == *other.value()
    }
}

impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(serializer)
    }
}

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

    #[test]
    fn json_text_reads_back_the_same_value_as_written() {
        use super::Json;
        let value = json!({"type": "object", "zeta": 1, "alpha": [1.5, -2, 1.0, -0.0, 18446744073709551615u64,
            null, true, "s\u{1}\"é"], "properties": {"b": {"type": "string"}, "a": {}}});
        let kept = Json::compact(value.clone());
        assert!(kept.text_len().is_some(), "held as text");
        assert!(json::order::identical(&kept.value(), &value));
        // Built once while held, freed after.
        assert!(!kept.holds_value());
        let held = kept.value();
        assert!(std::sync::Arc::ptr_eq(&held, &kept.value()));
        assert!(kept.holds_value());
        drop(held);
        assert!(!kept.holds_value());
        assert_eq!(kept, Json::shared(std::sync::Arc::new(value.clone())));
        assert!(kept.same_as(&Json::compact(value.clone())));
        let reordered = json!({"zeta": 1, "type": "object", "alpha": value["alpha"],
            "properties": value["properties"]});
        assert_eq!(kept, Json::compact(reordered.clone()), "`==` ignores order");
        assert!(
            !kept.same_as(&Json::compact(reordered)),
            "as written it does not"
        );
    }

    /// Inside `holding`, a value is built once for all its readers and
    /// freed when it returns; a compacted value serves as the built one;
    /// nothing is built that no reader asks for.
    #[test]
    fn holding_shares_one_parse_and_frees_it_after() {
        use super::{Json, holding, parses_on_this_thread};
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let kept = Json::compact(schema.clone());
        let other = Json::compact(json!({"type": "integer"}));
        assert!(!kept.holds_value(), "compacted outside `holding`: not kept");
        let before = parses_on_this_thread();
        holding(|| {
            assert!(!kept.holds_value(), "not built before a reader asks");
            let first = kept.value();
            drop(first);
            assert!(kept.holds_value(), "held after its reader let go");
            assert_eq!(*kept.value(), schema);
            // A nested call's values are kept until the outermost returns.
            holding(|| drop(other.value()));
            assert!(other.holds_value());
            assert!(kept.holds_value());
            drop(other.value());
        });
        assert_eq!(parses_on_this_thread() - before, 2, "one per document");
        assert!(!kept.holds_value(), "freed when `holding` returns");
        assert!(!other.holds_value());
        let compacted = holding(|| {
            let compacted = Json::compact(schema.clone());
            let before = parses_on_this_thread();
            assert!(json::order::identical(&compacted.value(), &schema));
            assert_eq!(
                parses_on_this_thread(),
                before,
                "the value itself, not a parse"
            );
            compacted
        });
        assert!(!compacted.holds_value());
        // Past the limit, values are not kept: a large file's inline
        // schemas are not all alive at once.
        let long = json!({"description": "x".repeat(super::HOLDING_LIMIT)});
        holding(|| {
            let small = Json::compact(schema.clone());
            let large = Json::compact(long.clone());
            assert!(small.holds_value() && !large.holds_value());
            let before = parses_on_this_thread();
            drop(large.value());
            assert!(!large.holds_value());
            assert_eq!(*large.value(), long);
            assert_eq!(parses_on_this_thread() - before, 2);
        });
    }

    #[test]
    fn json_nested_deeper_than_text_reads_back_stays_a_value() {
        let mut value = json!(1);
        for _ in 0..200 {
            value = json!([value]);
        }
        let kept = super::Json::compact(value.clone());
        assert!(kept.text_len().is_none());
        assert_eq!(*kept.value(), value);
    }
}
