use serde_json::json;
use jsonschema::{Registry, Draft};

#[test]
fn exp() {
    let a = json!({"$schema": "http://json-schema.org/draft-07/schema#", "$defs": {"i": {"$anchor": "Int", "type": "integer"}}, "properties": {"x": {"$ref": "b.json#Str"}, "y": {"$ref": "#Int"}}, "format": "date-time"});
    let b = json!({"$defs": {"s": {"$anchor": "Str", "type": "string", "reduce": {"strategy":"sum"}}}});
    let reg = Registry::new()
        .draft(Draft::Draft201909)
        .retrieve_known_draft_meta_schemas(false)
        .add("file:///p/x.flow.yaml?ptr=/collections/0/schema", &a).unwrap()
        .add("file:///p/b.json", &b).unwrap()
        .prepare();
    let reg = match reg { Ok(r) => r, Err(e) => panic!("reg {e}") };
    let v = jsonschema::options().with_draft(Draft::Draft201909).should_validate_formats(false).with_registry(&reg)
        .build(&json!({"$ref": "file:///p/x.flow.yaml?ptr=/collections/0/schema"}));
    let v = match v { Ok(v) => v, Err(e) => panic!("build {e}") };
    println!("valid {}", v.is_valid(&json!({"x": "s", "y": 1})));
    for e in v.iter_errors(&json!({"x": 1, "y": "s"})) {
        println!("err {} | {} | {} | {:?}", e.instance_path(), e.schema_path(), e, e.absolute_keyword_location());
    }
    let v2 = jsonschema::options().with_draft(Draft::Draft201909).with_registry(&reg)
        .build(&json!({"$ref": "file:///p/x.flow.yaml?ptr=/collections/0/schema#/properties/x"})).unwrap();
    println!("sub {}", v2.is_valid(&json!("s")));
    for bad in [json!({"type": "strnig"}), json!({"pattern": 3}), json!({"pattern": "(("}), json!({"properties": {"a": {"minimum": "x"}}}), json!({"$ref": "#/nope"}), json!({"$ref": "#Nope"}), json!({"$ref": "http://x/y"})] {
        match jsonschema::options().with_draft(Draft::Draft201909).build(&bad) {
            Ok(_) => println!("ok?? {bad}"),
            Err(e) => println!("bad {bad}: {} | {} | {}", e.instance_path(), e.schema_path(), e),
        }
    }
    let deep = {
        let mut v = json!({"type": "string"});
        for _ in 0..200 { v = json!({"properties": {"a": v}}); }
        v
    };
    let t = std::time::Instant::now();
    let dv = jsonschema::options().with_draft(Draft::Draft201909).build(&deep).unwrap();
    println!("deep ok {:?} {}", t.elapsed(), dv.is_valid(&json!({})));
}
