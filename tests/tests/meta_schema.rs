//! The fast meta-schema check (`schema::meta`) against jsonschema's, the
//! reference: it may answer "don't know", never "valid" where jsonschema
//! finds a document invalid. Compared on every JSON object of every YAML
//! file of `fixtures/` and the conformance corpus (schemas and catalog
//! objects alike), on every schema document the corpus indexes, and on many
//! generated mutants of those (a keyword of a random sub-schema set to a
//! value from a pool of near misses). It must also pay: it answers "valid"
//! for nearly every valid schema of the corpus.

use std::path::Path;

use serde_json::{Value, json};

use schema::check::meta_schema_accepts;
use schema::keywords;
use schema::meta::document_surely_valid;
use test_utils::rng::Rng;

/// Asserts the one-sided agreement on `value`; returns (surely valid, valid).
fn compare(value: &Value, what: &dyn Fn() -> String) -> (bool, bool) {
    if json::nesting::depth_exceeding(value, keywords::MAX_DEPTH).is_some() {
        return (false, false);
    }
    let valid = meta_schema_accepts(value).expect("the meta-schema compiles");
    let surely = document_surely_valid(value);
    assert!(
        !surely || valid,
        "the fast check accepts what jsonschema refuses: {} {value}",
        what()
    );
    (surely, valid)
}

/// Every object and array nested in `value` (itself included), pre-order.
fn nested(value: &Value, out: &mut Vec<Value>) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                out.push(v.clone());
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// Every object of every YAML file under `dir` that parses.
fn objects_under(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for path in test_utils::corpus::yaml_files(dir) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let parse = syntax::parse(text.as_str());
        if let Ok(value) = parse.tree.document_json()
            && json::nesting::depth_exceeding(&value, 64).is_none()
        {
            nested(&value, &mut out);
        }
    }
    out
}

/// Every keyword of the 2019-09 meta-schema, and some it does not name.
const KEYWORDS: &[&str] = &[
    "$id",
    "$schema",
    "$anchor",
    "$ref",
    "$recursiveRef",
    "$recursiveAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
    "definitions",
    "dependencies",
    "additionalItems",
    "unevaluatedItems",
    "items",
    "contains",
    "additionalProperties",
    "unevaluatedProperties",
    "properties",
    "patternProperties",
    "dependentSchemas",
    "propertyNames",
    "if",
    "then",
    "else",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "const",
    "enum",
    "type",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "format",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "reduce",
    "x-extension",
];

/// Values near the edge of what each keyword takes.
fn pool() -> Vec<Value> {
    let floats: Vec<Value> = ["1.0", "-0.0", "0.0", "1e300", "1.5", "-1.5", "1e-300"]
        .iter()
        .map(|t| serde_json::from_str(t).expect("a number"))
        .collect();
    let mut pool = vec![
        json!(null),
        json!(true),
        json!(false),
        json!(0),
        json!(1),
        json!(-1),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("x"),
        json!("string"),
        json!("strnig"),
        json!("(("),
        json!("^a+$"),
        json!("[a-"),
        json!("\\p{L}"),
        json!("(?<n>a)\\k<n>"),
        json!("#"),
        json!("#/a"),
        json!("#/$defs/a"),
        json!("#/$defs/a b"),
        json!("#/a~0b/%25"),
        json!("a#b"),
        json!("a#"),
        json!("##"),
        json!("a.yaml#/x"),
        json!("//host/p"),
        json!("///"),
        json!("a//b#/c"),
        json!("~"),
        json!("$"),
        json!(".#/a"),
        json!("x.schema.yaml#"),
        json!("../a.yaml"),
        json!("http://example.com/a"),
        json!("https://example.com/a#"),
        json!("http://ex ample.com"),
        json!("urn:x:y"),
        json!(":"),
        json!("a:b"),
        json!("\n"),
        json!("A"),
        json!("A-b.c:d_e"),
        json!("1a"),
        json!("a b"),
        json!("a\n"),
        json!("%zz"),
        json!("\\"),
        json!([]),
        json!([1]),
        json!(["a"]),
        json!(["a", "a"]),
        json!(["a", "b"]),
        json!(["string"]),
        json!(["string", "null"]),
        json!(["string", "string"]),
        json!(["string", "nul"]),
        json!([{}]),
        json!([true, {}]),
        json!([{"type": "x"}]),
        json!([{}, 1]),
        json!({}),
        json!({"a": {}}),
        json!({"a": 1}),
        json!({"a": true}),
        json!({"a": ["b"]}),
        json!({"a": ["b", "b"]}),
        json!({"a": []}),
        json!({"((": {}}),
        json!({"^a": {}}),
        json!({"http://example.com/v": true}),
        json!({"http://example.com/v": 1}),
        json!({"a b": true}),
        json!({"type": "string"}),
        json!({"type": "strnig"}),
        json!({"minimum": "x"}),
        json!({"$ref": "#/$defs/a b"}),
    ];
    pool.extend(floats);
    pool
}

/// The pointers of every sub-schema of `value`, as the walk visits them.
fn schema_pointers(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    keywords::walk(value, "", (), |ptr, _, _| out.push(ptr.to_string()));
    out
}

/// `value` with one random keyword of one random sub-schema (or of one
/// random entry of a keyword's object or array) set to a value of the pool.
fn mutate(value: &Value, rng: &mut Rng, pool: &[Value]) -> Value {
    let mut out = value.clone();
    let pointers = schema_pointers(&out);
    let at = &pointers[rng.below(pointers.len())];
    let Some(target) = out.pointer_mut(at) else {
        return out;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let Value::Object(map) = target else {
        return out;
    };
    let keyword = KEYWORDS[rng.below(KEYWORDS.len())];
    let new = pool[rng.below(pool.len())].clone();
    match (rng.below(4), map.get_mut(keyword)) {
        // Into an existing object or array value, one level down.
        (0, Some(Value::Object(inner))) if !inner.is_empty() => {
            let key = inner.keys().nth(rng.below(inner.len())).cloned();
            if let Some(key) = key {
                inner.insert(key, new);
            }
        }
        (0, Some(Value::Array(items))) if !items.is_empty() => {
            let i = rng.below(items.len());
            items[i] = new;
        }
        (1, _) => {
            map.remove(keyword);
        }
        _ => {
            map.insert(keyword.to_string(), new);
        }
    }
    out
}

#[test]
fn fast_meta_check_never_accepts_what_jsonschema_refuses() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut objects = objects_under(&fixtures);
    objects.extend(objects_under(&test_utils::corpus::corpus_dir()));
    assert!(objects.len() > 1_000, "{} objects", objects.len());
    let (mut surely, mut valid) = (0, 0);
    for (i, object) in objects.iter().enumerate() {
        let (s, v) = compare(object, &|| format!("object {i}"));
        surely += s as usize;
        valid += v as usize;
    }
    println!(
        "{} objects: {valid} valid, {surely} surely valid",
        objects.len()
    );

    // Mutants of small objects (schemas, mostly, and catalog parts).
    let pool = pool();
    let seeds: Vec<&Value> = objects
        .iter()
        .filter(|o| o.to_string().len() < 2_000)
        .collect();
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let (mut mutants, mut surely, mut refused) = (0, 0, 0);
    for round in 0..30_000 {
        let seed = seeds[rng.below(seeds.len())];
        let mut mutant = mutate(seed, &mut rng, &pool);
        // Some mutants get a second and third change.
        for _ in 0..rng.below(3) {
            mutant = mutate(&mutant, &mut rng, &pool);
        }
        let (s, v) = compare(&mutant, &|| format!("mutant {round}"));
        mutants += 1;
        surely += s as usize;
        refused += !v as usize;
    }
    println!("{mutants} mutants: {refused} invalid, {surely} surely valid");
    // The mutants exercise both answers.
    assert!(refused * 5 > mutants, "{refused} of {mutants} invalid");
    assert!(surely * 5 > mutants, "{surely} of {mutants} surely valid");
}

#[test]
fn fast_meta_check_answers_for_the_corpus_schemas() {
    let loaded = test_utils::corpus::load_corpus();
    let (mut documents, mut surely) = (0, 0);
    for (url, value) in loaded.schemas.documents() {
        let (s, v) = compare(&value, &|| url.to_string());
        assert!(v, "{url} is a valid schema");
        documents += 1;
        surely += s as usize;
    }
    println!("{documents} corpus schema documents, {surely} surely valid");
    assert!(documents > 20, "{documents}");
    assert_eq!(surely, documents, "the fast check answers for every one");
}
