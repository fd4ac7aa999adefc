//! Tests of shape inference, existence, inspections, keys and projections,
//! on small inline schemas (several modelled on the corpus).

use serde_json::{Value, json};
use url::Url;

use super::*;
use crate::SchemaIndex;

const INLINE: &str = "file:///p/x.flow.yaml?ptr=/collections/0/schema";

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn shape_of(schema: Value) -> Shape {
    let mut index = SchemaIndex::new();
    index.add_document(url(INLINE), schema);
    infer(&index, &url(INLINE)).unwrap()
}

fn codes(shape: &Shape) -> Vec<(&'static str, String)> {
    inspect(shape)
        .into_iter()
        .map(|i| (i.code, i.location_pointer))
        .collect()
}

/// examples/citi-bike/ride.schema.yaml, as JSON.
fn ride() -> Value {
    json!({
        "$defs": {
            "timestamp": {"description": "Timestamp", "type": "string", "pattern": "\\d{4}-\\d{2}-\\d{2}"},
            "location": {
                "type": "object",
                "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}},
                "required": ["latitude", "longitude"]
            },
            "station": {
                "description": "A Citi Bike Station",
                "type": "object",
                "properties": {
                    "id": {"title": "Unique identifier for this station", "type": "integer"},
                    "name": {"type": "string"},
                    "geo": {"title": "Location of this station", "$ref": "#/$defs/location"}
                },
                "required": ["id", "name"]
            },
            "terminus": {
                "type": "object",
                "properties": {"timestamp": {"$ref": "#/$defs/timestamp"}, "station": {"$ref": "#/$defs/station"}},
                "required": ["timestamp", "station"]
            }
        },
        "description": "Ride within the Citi Bike system",
        "type": "object",
        "properties": {
            "duration_seconds": {"type": "integer"},
            "bike_id": {"title": "Unique identifier for this bike", "type": "integer"},
            "user_type": {"type": "string", "enum": ["Customer", "Subscriber"]},
            "gender": {"enum": [0, 1, 2]},
            "begin": {"title": "Starting point of the trip", "$ref": "#/$defs/terminus"},
            "end": {"$ref": "#/$defs/terminus"}
        },
        "required": ["bike_id", "begin", "end"]
    })
}

#[test]
fn types_display_and_names() {
    assert_eq!(
        (Types::INTEGER | Types::STRING).to_string(),
        "integer, string"
    );
    assert_eq!(Types::NUMBER.to_string(), "number");
    assert_eq!((Types::OBJECT | Types::NULL).to_string(), "null, object");
    assert_eq!(
        Types::ALL.to_string(),
        "array, boolean, null, number, object, string"
    );
    assert_eq!(Types::NONE.to_string(), "nothing");
    assert_eq!(Types::of_value(&json!(1.0)), Types::INTEGER);
    assert_eq!(Types::of_value(&json!(1.5)), Types::FRACTIONAL);
}

#[test]
fn infers_the_ride_schema() {
    let shape = shape_of(ride());
    assert_eq!(shape.types, Types::OBJECT);
    assert_eq!(
        shape.description(),
        Some("Ride within the Citi Bike system")
    );
    let begin = shape.locate("/begin/station/id");
    assert_eq!(begin.exists, Exists::Must);
    assert!(begin.enumerable);
    assert_eq!(begin.shape.types, Types::INTEGER);
    assert_eq!(
        begin.shape.title(),
        Some("Unique identifier for this station")
    );
    // Own title beats the referenced schema's description-less station.
    assert_eq!(
        shape.locate("/begin").shape.title(),
        Some("Starting point of the trip")
    );
    assert_eq!(
        shape.locate("/begin/station/geo/latitude").exists,
        Exists::May
    );
    assert_eq!(
        shape.locate("/begin/station/geo/latitude").shape.types,
        Types::NUMBER
    );
    let gender = shape.locate("/gender").shape;
    assert_eq!(gender.types, Types::INTEGER);
    assert_eq!(
        gender.enum_values(),
        Some(&[json!(0), json!(1), json!(2)][..])
    );
    assert_eq!(
        shape.locate("/begin/timestamp").shape.description(),
        Some("Timestamp")
    );
    assert!(inspect(&shape).is_empty());
    // Origin of a location declared through `$ref`.
    let origin = shape
        .locate("/begin/station/name")
        .shape
        .origin
        .clone()
        .unwrap();
    assert_eq!(origin.document().as_str(), INLINE);
    assert_eq!(origin.pointer(), "/$defs/station/properties/name");
}

#[test]
fn canonical_projections_of_a_nested_schema() {
    let mut schema = ride();
    schema["properties"]["pair"] = json!({
        "type": "array",
        "items": [{"type": "string"}, {"type": ["number", "null"]}, {"type": "object"}],
        "additionalItems": {"type": "string"}
    });
    schema["properties"]["maybe"] = json!({"type": ["string", "integer"]});
    schema["properties"]["extra"] =
        json!({"type": "object", "additionalProperties": {"type": "string"}});
    let fields: Vec<String> = canonical_projections(&shape_of(schema))
        .into_iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(
        fields,
        vec![
            "duration_seconds",
            "bike_id",
            "user_type",
            "gender",
            "begin/timestamp",
            "begin/station/id",
            "begin/station/name",
            "begin/station/geo/latitude",
            "begin/station/geo/longitude",
            "end/timestamp",
            "end/station/id",
            "end/station/name",
            "end/station/geo/latitude",
            "end/station/geo/longitude",
            "pair/0",
            "pair/1",
        ]
    );
}

/// reductions/reset_counter.flow.yaml: the union drops branch-only reductions.
#[test]
fn reset_counter_shape() {
    let shape = shape_of(json!({
        "type": "object",
        "properties": {"key": {"type": "string"}, "value": {"type": "number"}},
        "required": ["key"],
        "oneOf": [
            {"properties": {"action": {"const": "reset"}}, "reduce": {"strategy": "lastWriteWins"}},
            {
                "properties": {
                    "action": {"const": "sum", "reduce": {"strategy": "firstWriteWins"}},
                    "value": {"reduce": {"strategy": "sum"}}
                },
                "reduce": {"strategy": "merge"}
            }
        ]
    }));
    assert_eq!(shape.reduction, Reduction::Multiple);
    let action = shape.locate("/action").shape;
    assert_eq!(action.reduction, Reduction::Unset);
    assert_eq!(
        action.enum_values(),
        Some(&[json!("reset"), json!("sum")][..])
    );
    assert_eq!(action.types, Types::STRING);
    assert_eq!(shape.locate("/value").shape.reduction, Reduction::Unset);
    assert!(inspect(&shape).is_empty(), "{:?}", inspect(&shape));
}

/// reductions/min_max_key.flow.yaml: own `reduce` beats the `$ref`'d one.
#[test]
fn min_max_key_shape() {
    let shape = shape_of(json!({
        "type": "object",
        "reduce": {"strategy": "merge"},
        "properties": {
            "key": {"type": "string"},
            "min": {
                "$anchor": "min-max-value",
                "type": "array",
                "items": [{"type": "string"}, {"type": "number", "reduce": {"strategy": "sum"}}],
                "reduce": {"strategy": "minimize", "key": ["/0"]}
            },
            "max": {"$ref": "#min-max-value", "reduce": {"strategy": "maximize", "key": ["/0"]}}
        },
        "required": ["key"]
    }));
    assert_eq!(
        shape.locate("/max").shape.reduction,
        Reduction::Strategy(crate::Strategy::Maximize {
            key: vec!["/0".into()]
        })
    );
    assert_eq!(
        shape.locate("/max/1").shape.reduction,
        Reduction::Strategy(crate::Strategy::Sum)
    );
    assert!(inspect(&shape).is_empty(), "{:?}", inspect(&shape));
}

/// reductions/set_array.flow.yaml and examples/citi-bike/station.schema.yaml.
#[test]
fn corpus_sets_pass_the_inspections() {
    let shape = shape_of(json!({
        "type": "object",
        "reduce": {"strategy": "merge"},
        "properties": {
            "key": {"type": "string"},
            "value": {
                "type": "object",
                "reduce": {"strategy": "set", "key": ["/0"]},
                "additionalProperties": {
                    "type": "array",
                    "reduce": {"strategy": "lastWriteWins"},
                    "items": {
                        "type": "array",
                        "items": [{"type": "string"}, {"type": "number", "reduce": {"strategy": "sum"}}],
                        "reduce": {"strategy": "merge"}
                    }
                }
            }
        },
        "required": ["key"]
    }));
    assert!(inspect(&shape).is_empty(), "{:?}", inspect(&shape));

    let mut index = SchemaIndex::new();
    index.add_document(url("file:///p/ride.schema.yaml"), ride());
    index.add_document(
        url("file:///p/station.schema.yaml"),
        json!({
            "$ref": "ride.schema.yaml#/$defs/station",
            "properties": {
                "arrival": {
                    "type": "object",
                    "reduce": {"strategy": "merge"},
                    "properties": {"ride": {"type": "integer", "reduce": {"strategy": "sum"}}}
                },
                "stable": {
                    "type": "object",
                    "reduce": {"strategy": "set", "key": [""]},
                    "additionalProperties": {"type": "array", "items": {"type": "integer"}, "reduce": {"strategy": "merge"}}
                }
            },
            "reduce": {"strategy": "merge"}
        }),
    );
    let station = infer(&index, &url("file:///p/station.schema.yaml")).unwrap();
    assert_eq!(station.types, Types::OBJECT);
    assert!(inspect(&station).is_empty(), "{:?}", inspect(&station));
    assert_eq!(
        check_key_location(&station, "/id", &"key of collection S", "station"),
        None
    );
    assert!(infer(&index, &url("file:///p/missing.yaml")).is_none());
}

#[test]
fn c8a_required_location_that_cannot_exist() {
    let shape = shape_of(
        json!({"type": "object", "properties": {"a": false, "b": false}, "required": ["a"]}),
    );
    let found = inspect(&shape);
    assert_eq!(codes(&shape), vec![("C8a", "/a".to_string())]);
    assert_eq!(
        found[0].message,
        "location /a is required to exist but no value can satisfy its schema"
    );
    assert_eq!(found[0].origin.as_ref().unwrap().pointer(), "/properties/a");
    // The whole document must exist.
    assert_eq!(codes(&shape_of(json!(false))), vec![("C8a", String::new())]);
    // A nullable parent never makes its children must-exist.
    let shape = shape_of(
        json!({"type": ["object", "null"], "properties": {"a": false}, "required": ["a"]}),
    );
    assert!(inspect(&shape).is_empty());
}

#[test]
fn c8b_reduction_under_unset_parent() {
    let shape = shape_of(
        json!({"type": "object", "properties": {"a": {"type": "integer", "reduce": {"strategy": "sum"}}}}),
    );
    let found = inspect(&shape);
    assert_eq!(codes(&shape), vec![("C8b", "/a".to_string())]);
    assert!(
        found[0]
            .message
            .contains("location /a declares a reduce strategy"),
        "{}",
        found[0].message
    );
    let ok = shape_of(
        json!({"type": "object", "reduce": {"strategy": "merge"}, "properties": {"a": {"type": "integer", "reduce": {"strategy": "sum"}}}}),
    );
    assert!(inspect(&ok).is_empty());
}

#[test]
fn c8c_c8d_c8e_c8g_strategy_type_mismatches() {
    let shape = shape_of(json!({
        "type": "object",
        "reduce": {"strategy": "merge"},
        "properties": {
            "sum_untyped": {"reduce": {"strategy": "sum"}},
            "sum_ok": {"type": "number", "reduce": {"strategy": "sum"}},
            "merge_string": {"type": ["object", "string"], "reduce": {"strategy": "merge"}},
            "set_nullable": {"type": ["object", "null"], "reduce": {"strategy": "set"}},
            "append_object": {"type": "object", "reduce": {"strategy": "append"}},
            "append_ok": {"type": ["array", "null"], "reduce": {"strategy": "append"}}
        }
    }));
    let found = inspect(&shape);
    assert_eq!(
        codes(&shape),
        vec![
            ("C8c", "/sum_untyped".to_string()),
            ("C8d", "/merge_string".to_string()),
            ("C8e", "/set_nullable".to_string()),
            ("C8g", "/append_object".to_string()),
        ]
    );
    assert_eq!(
        found[0].message,
        "/sum_untyped uses 'sum', which needs a numeric location, but it may be array, boolean, null, number, object, string"
    );
    assert_eq!(
        found[1].message,
        "/merge_string uses 'merge', which needs objects or arrays, but it may be object, string"
    );
    assert_eq!(
        found[2].message,
        "/set_nullable uses 'set', which needs an object, but it may be null, object"
    );
    assert_eq!(
        found[3].message,
        "/append_object uses 'append', which needs an array (or null), but it may be object"
    );
}

#[test]
fn c8f_set_members() {
    let shape = shape_of(json!({
        "type": "object",
        "reduce": {"strategy": "set"},
        "properties": {"add": {"type": "object"}, "other": {"type": "object"}},
        "patternProperties": {"^x": {"type": "object"}}
    }));
    let found = inspect(&shape);
    assert_eq!(
        codes(&shape),
        vec![("C8f", "/other".to_string()), ("C8f", "/^x".to_string())]
    );
    assert_eq!(
        found[0].message,
        "/other is inside a 'set' location, which may only contain 'add', 'intersect' and 'remove'"
    );
}

#[test]
fn existence_of_locations() {
    let shape = shape_of(json!({
        "type": "object",
        "properties": {
            "req": {"type": "string"},
            "opt": {"type": "string"},
            "nullable": {"type": ["object", "null"], "properties": {"x": {"type": "string"}}, "required": ["x"]},
            "arr": {"type": "array", "minItems": 2, "maxItems": 4, "items": [{"type": "string"}]},
            "open": {"type": "array"},
            "str": {"type": "string"},
            "pat": {"type": "object", "patternProperties": {"^p": {"type": "integer"}}, "additionalProperties": false}
        },
        "required": ["req", "nullable", "arr"]
    }));
    let at = |p: &str| {
        let l = shape.locate(p);
        (l.exists, l.enumerable)
    };
    assert_eq!(at(""), (Exists::Must, true));
    assert_eq!(at("/req"), (Exists::Must, true));
    assert_eq!(at("/opt"), (Exists::May, true));
    assert_eq!(at("/unknown"), (Exists::Implicit, false));
    assert_eq!(at("/nullable/x"), (Exists::May, true));
    assert_eq!(at("/arr/0"), (Exists::Must, true));
    assert_eq!(at("/arr/1"), (Exists::Must, false));
    assert_eq!(at("/arr/3"), (Exists::May, false));
    assert_eq!(at("/arr/4"), (Exists::Cannot, false));
    assert_eq!(at("/open/0"), (Exists::Implicit, false));
    assert_eq!(at("/str/x"), (Exists::Cannot, false));
    assert_eq!(at("/pat/p1"), (Exists::May, false));
    assert_eq!(shape.locate("/pat/p1").shape.types, Types::INTEGER);
    assert_eq!(at("/pat/q"), (Exists::Cannot, false));
    assert!(
        Exists::Cannot < Exists::Implicit
            && Exists::Implicit < Exists::May
            && Exists::May < Exists::Must
    );
}

#[test]
fn c10_key_location_checks() {
    let shape = shape_of(json!({
        "type": "object",
        "properties": {
            "id": {"type": "integer", "reduce": {"strategy": "sum"}},
            "nullable_id": {"type": ["string", "null"]},
            "never": false,
            "optional": {"type": "string"},
            "two": {"type": ["string", "integer"]},
            "num": {"type": "number"},
            "obj": {"type": "object"},
            "byCountry": {"type": "object", "additionalProperties": {"type": "integer"}}
        },
        "required": ["id", "nullable_id", "never", "two", "num", "obj", "byCountry"]
    }));
    let role = "key of collection c";
    let check = |p: &str| check_key_location(&shape, p, &role, "flow.yaml#/collections/c/schema");
    assert_eq!(check("/id"), None);
    assert_eq!(check("/nullable_id"), None);
    let (code, message) = check("/byCountry/US").unwrap();
    assert_eq!(code, "C10a");
    assert_eq!(
        message,
        "key of collection c /byCountry/US is not a location described by schema flow.yaml#/collections/c/schema"
    );
    assert_eq!(check("/missing").unwrap().0, "C10a");
    let (code, message) = check("/never").unwrap();
    assert_eq!(
        (code, message.as_str()),
        (
            "C10b",
            "key of collection c /never can never exist in schema flow.yaml#/collections/c/schema"
        )
    );
    let (code, message) = check("/optional").unwrap();
    assert_eq!(code, "C10c");
    assert!(message.contains("/optional may be absent"));
    let (code, message) = check("/two").unwrap();
    assert_eq!(code, "C10d");
    assert!(
        message.contains("/two may be integer, string; a key may have only one type besides null")
    );
    let (code, message) = check("/num").unwrap();
    assert_eq!(code, "C10e");
    assert!(
        message
            .contains("/num may be number; objects, arrays and fractional numbers cannot be keys")
    );
    assert_eq!(check("/obj").unwrap().0, "C10e");
    assert_eq!(
        key_reduction_warning(&shape, "/id").as_deref(),
        Some("key location /id has reduce strategy sum, which will be ignored for keying")
    );
    assert_eq!(key_reduction_warning(&shape, "/two"), None);
}

#[test]
fn union_and_intersection_rules() {
    let shape = shape_of(json!({
        "anyOf": [
            {"type": "object", "properties": {"both": {"type": "string"}, "left": {"type": "string"}, "pat": {"type": "string"}}, "required": ["both", "left"]},
            {"type": "object", "properties": {"both": {"type": "integer"}}, "patternProperties": {"^pa": {"type": "null"}}, "required": ["both"]},
            {"type": "null"},
            false
        ],
        "allOf": [
            {"properties": {"extra": {"title": "from allOf"}}, "title": "T"},
            {"title": "ignored", "properties": {"both": {"description": "D"}}}
        ]
    }));
    assert_eq!(shape.types, Types::OBJECT | Types::NULL);
    assert_eq!(shape.title(), Some("T"));
    let both = shape.property("both").unwrap();
    // Required in both object members (the `null` member says nothing about objects).
    assert!(both.is_required);
    assert_eq!(both.shape.types, Types::STRING | Types::INTEGER);
    assert_eq!(both.shape.description(), Some("D"));
    assert!(shape.property("left").is_none());
    assert_eq!(
        shape.property("pat").unwrap().shape.types,
        Types::STRING | Types::NULL
    );
    assert_eq!(
        shape.property("extra").unwrap().shape.title(),
        Some("from allOf")
    );
}

#[test]
fn ref_cycles_stop_expanding() {
    let shape = shape_of(json!({
        "$defs": {"node": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "next": {"$ref": "#/$defs/node"}, "kids": {"type": "array", "items": {"$ref": "#"}}},
            "required": ["name"]
        }},
        "$ref": "#/$defs/node"
    }));
    assert_eq!(shape.locate("/name").shape.types, Types::STRING);
    // `next` refers back to the schema being expanded: unconstrained.
    assert_eq!(shape.locate("/next").exists, Exists::May);
    assert_eq!(shape.locate("/next").shape.types, Types::ALL);
    assert_eq!(shape.locate("/next/name").exists, Exists::Implicit);
    assert_eq!(shape.locate("/kids/0").shape.types, Types::ALL);
    // Mutual recursion across documents.
    let mut index = SchemaIndex::new();
    index.add_document(
        url("file:///p/a.json"),
        json!({"properties": {"b": {"$ref": "b.json"}}}),
    );
    index.add_document(
        url("file:///p/b.json"),
        json!({"properties": {"a": {"$ref": "a.json"}}, "$ref": "b.json"}),
    );
    let a = infer(&index, &url("file:///p/a.json")).unwrap();
    assert_eq!(a.locate("/b").exists, Exists::May);
    assert_eq!(a.locate("/b/a").exists, Exists::May);
    assert_eq!(a.locate("/b/a/b").exists, Exists::Implicit);
    let v = index.compile(&url("file:///p/a.json")).unwrap();
    assert!(v.is_valid(&json!({"b": {"a": {"b": {}}}})));
}

#[test]
fn ten_thousand_deep_schema_is_bounded() {
    // serde_json's own `Drop` recurses, so the value is built and dropped on a
    // thread with a large stack; our code runs on a thread with an ordinary
    // 2 MiB stack, so it must not recurse with the nesting depth.
    let big = |f: Box<dyn FnOnce() -> Value + Send>| {
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    };
    let schema = big(Box::new(|| {
        let mut schema = json!({"type": "string", "$ref": "#/nope"});
        for _ in 0..10_000 {
            // Not `json!`: it would serialize (deep-copy) `schema` at every level.
            let mut properties = serde_json::Map::new();
            properties.insert("a".to_string(), schema);
            let mut level = serde_json::Map::new();
            level.insert("type".to_string(), json!("object"));
            level.insert("properties".to_string(), Value::Object(properties));
            level.insert("reduce".to_string(), json!({"strategy": "merge"}));
            schema = Value::Object(level);
        }
        schema
    }));
    let index = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            eprintln!("step let refs = crate::co");
            let refs = crate::collect_refs(&url(INLINE), &schema);
            assert!(refs.is_empty(), "the deep $ref lies beyond the walk bound");
            eprintln!("step let mut index = Sche");
            let mut index = SchemaIndex::new();
            index.add_document(url(INLINE), schema);
            eprintln!("step let problems = crate");
            let problems = crate::check_document(&index, &url(INLINE));
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].code, "C9");
            assert!(
                problems[0].message.contains("deeper than"),
                "{}",
                problems[0].message
            );
            eprintln!("step assert!(index.compil");
            assert!(
                index
                    .compile(&url(INLINE))
                    .unwrap_err()
                    .contains("deeper than")
            );
            eprintln!("step let shape = infer(");
            let shape = infer(&index, &url(INLINE)).unwrap();
            assert_eq!(shape.locate("/a/a/a").exists, Exists::May);
            eprintln!("step assert!(inspect(&sha");
            assert!(inspect(&shape).is_empty());
            eprintln!("step assert_eq!(canonical");
            assert_eq!(canonical_projections(&shape), vec![]);
            // A deep instance is refused rather than walked.
            eprintln!("step let mut shallow");
            let mut shallow = SchemaIndex::new();
            shallow.add_document(
                url(INLINE),
                json!({"additionalProperties": {"$ref": "#"}, "reduce": {"strategy": "merge"}}),
            );
            let validator = shallow.compile(&url(INLINE)).unwrap();
            let document = index.document(&url(INLINE)).unwrap();
            let errors = validator.validate(&document).unwrap_err();
            assert!(
                errors[0].message.contains("nested deeper than"),
                "{}",
                errors[0].message
            );
            index
        })
        .unwrap()
        .join()
        .unwrap();
    big(Box::new(move || {
        drop(index);
        Value::Null
    }));
}

#[test]
fn deep_intersections_and_unions_fit_a_small_stack() {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let mut deep = json!({"type": "string", "reduce": {"strategy": "sum"}});
            for _ in 0..100 {
                let mut properties = serde_json::Map::new();
                properties.insert("a".to_string(), deep);
                let mut level = serde_json::Map::new();
                level.insert("properties".to_string(), Value::Object(properties));
                level.insert("required".to_string(), json!(["a"]));
                deep = Value::Object(level);
            }
            let mut root = serde_json::Map::new();
            root.insert(
                "allOf".to_string(),
                Value::Array(vec![deep.clone(), deep.clone()]),
            );
            root.insert("anyOf".to_string(), Value::Array(vec![deep.clone(), deep]));
            let shape = shape_of(Value::Object(root));
            let _ = inspect(&shape);
            let _ = canonical_projections(&shape);
            assert_eq!(shape.locate("/a/a/a").exists, Exists::May);
        })
        .unwrap()
        .join()
        .unwrap();
}

/// The build (shape inference, which C8 inspects) and the runtime
/// (annotations) pick the same strategy wherever the runtime finds one
/// (`crate::precedence`): own `reduce` first for the location itself, then
/// `$ref`, `allOf`, `anyOf`, `oneOf`, `if`; an in-place member's child beats
/// the schema's own `properties` child.
#[test]
fn shape_and_runtime_agree_on_precedence() {
    let strategy = |name: &str| json!({"strategy": name});
    let cases = [
        // The issue's case: the `allOf` member's `sum` wins for `/a` (C8c then fires).
        (
            json!({
                "type": "object",
                "properties": {"a": {"type": "string", "reduce": strategy("lastWriteWins")}},
                "allOf": [{"properties": {"a": {"reduce": strategy("sum")}}}]
            }),
            json!({"a": "x"}),
        ),
        // `$ref` before `allOf`, both before own properties; own `reduce` first at the root.
        (
            json!({
                "$defs": {"r": {"properties": {"a": {"reduce": strategy("minimize")}}, "reduce": strategy("append")}},
                "reduce": strategy("merge"),
                "$ref": "#/$defs/r",
                "allOf": [{"properties": {"a": {"reduce": strategy("maximize")}, "b": {"reduce": strategy("sum")}}}],
                "properties": {"a": {"reduce": strategy("sum")}, "b": {"reduce": strategy("append")}}
            }),
            json!({"a": 1, "b": 2}),
        ),
        // `anyOf` before `oneOf` before `if`/`then`/`else`.
        (
            json!({
                "anyOf": [{"properties": {"a": {"reduce": strategy("lastWriteWins")}}}],
                "oneOf": [{"properties": {"a": {"reduce": strategy("firstWriteWins")}, "b": {"reduce": strategy("firstWriteWins")}}}],
                "if": true,
                "then": {"properties": {"b": {"reduce": strategy("lastWriteWins")}, "c": {"reduce": strategy("sum")}}},
                "else": {"properties": {"b": {"reduce": strategy("lastWriteWins")}, "c": {"reduce": strategy("sum")}}},
                "properties": {"c": {"reduce": strategy("maximize")}}
            }),
            json!({"a": 1, "b": 2, "c": 3}),
        ),
        // Nested: an `allOf` inside a property's `$ref` target.
        (
            json!({
                "$defs": {"inner": {"allOf": [{"items": {"reduce": strategy("maximize")}}], "items": {"reduce": strategy("minimize")}}},
                "properties": {"list": {"$ref": "#/$defs/inner", "reduce": strategy("append")}}
            }),
            json!({"list": [1, 2]}),
        ),
    ];
    for (schema, doc) in cases {
        let mut index = SchemaIndex::new();
        index.add_document(url(INLINE), schema.clone());
        let shape = infer(&index, &url(INLINE)).unwrap();
        let annotations = index.compile(&url(INLINE)).unwrap().validate(&doc).unwrap();
        assert!(!annotations.by_location.is_empty(), "{schema}");
        for (location, strategy) in &annotations.by_location {
            assert_eq!(
                shape.locate(location).shape.reduction,
                Reduction::Strategy(strategy.clone()),
                "{location} of {schema}"
            );
        }
    }
    // The issue's schema now fails the build as it would fail at runtime.
    let shape = shape_of(json!({
        "type": "object",
        "reduce": {"strategy": "merge"},
        "properties": {"a": {"type": "string", "reduce": {"strategy": "lastWriteWins"}}},
        "allOf": [{"properties": {"a": {"reduce": {"strategy": "sum"}}}}]
    }));
    assert_eq!(codes(&shape), vec![("C8c", "/a".to_string())]);
}

/// Layout guard: a shape is a few words, its rare facts behind pointers
/// (the checks keep a shape per schema location for a whole build).
#[test]
fn layout_is_small() {
    assert_eq!(std::mem::size_of::<Shape>(), 80);
    assert_eq!(std::mem::size_of::<super::Property>(), 104);
}

/// Facts a schema does not state allocate nothing; stated ones are kept.
#[test]
fn only_stated_facts_are_allocated() {
    let shape = shape_of(json!({
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "format": "date-time", "maxLength": 30},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1}
        },
        "required": ["id"]
    }));
    assert!(shape.object.is_some());
    assert!(!shape.annotations.is_some() && !shape.string.is_some() && !shape.array.is_some());
    let id = &shape.property("id").unwrap().shape;
    assert!(!id.object.is_some() && !id.array.is_some() && !id.string.is_some());
    assert!(!id.annotations.is_some());
    let at = &shape.property("at").unwrap().shape;
    assert_eq!(at.string.format.as_deref(), Some("date-time"));
    assert_eq!(at.string.max_length, Some(30));
    let tags = &shape.property("tags").unwrap().shape;
    assert_eq!(tags.array.min_items, Some(1));
    assert_eq!(tags.array.additional.as_ref().unwrap().types, Types::STRING);
    // A union keeps string facts only when both sides state them alike.
    let either = shape_of(json!({
        "anyOf": [{"type": "string", "format": "email"}, {"type": "string"}]
    }));
    assert!(!either.string.is_some());
    let both = shape_of(json!({
        "allOf": [{"type": "string", "format": "email"}, {"maxLength": 9}]
    }));
    assert_eq!(both.string.format.as_deref(), Some("email"));
    assert_eq!(both.string.max_length, Some(9));
}

/// Inference without origins finds the same shape, origins aside.
#[test]
fn origins_decide_nothing_else() {
    fn strip(shape: &mut Shape) {
        shape.origin = None;
        for property in shape.object.properties.iter_mut() {
            strip(&mut property.shape);
        }
        for pattern in shape.object.patterns.iter_mut() {
            strip(&mut pattern.shape);
        }
        if let Some(additional) = shape.object.additional.as_deref_mut() {
            strip(additional);
        }
        shape.array.tuple.iter_mut().for_each(strip);
        if let Some(additional) = shape.array.additional.as_deref_mut() {
            strip(additional);
        }
    }
    let mut index = SchemaIndex::new();
    index.add_document(url(INLINE), ride());
    let mut with = infer(&index, &url(INLINE)).unwrap();
    let without = super::infer_without_origins(&index, &url(INLINE)).unwrap();
    assert!(with.origin.is_some() && without.origin.is_none());
    assert_ne!(with, without);
    strip(&mut with);
    assert_eq!(with, without);
}
