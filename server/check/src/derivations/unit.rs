//! Unit tests of the derivation checks, one or more per check code.

use crate::test_support::*;

const ORDER_SCHEMA: &str = "type: object\nproperties:\n  id: { type: string }\n  customer: { type: string }\n  qty: { type: integer }\nrequired: [id, customer, qty]\n";
const ORDERS: &str = "  - name: acme/orders\n    schema: order.schema.yaml\n    key: [/id]\n";

/// A catalog with `acme/orders` and a derivation `acme/copies` whose
/// `transform:` mapping is `transforms` (indented by 8).
fn copies(transforms: &str) -> String {
    format!(
        "collections:\n{ORDERS}  - name: acme/copies\n    schema: order.schema.yaml\n    key: [/id]\n    derivation:\n      transform:\n{transforms}"
    )
}

fn with_schema(text: &str) -> Run {
    run(&[("flow.yaml", text), ("order.schema.yaml", ORDER_SCHEMA)])
}

const PUBLISH: &str = "          publish: { nodeJS: \"return [source];\" }\n";

#[test]
fn a_valid_derivation_is_clean() {
    with_schema(&copies(&format!(
        "        fromOrders:\n          source: {{ name: acme/orders }}\n          shuffle: [/customer]\n          readDelay: 1h 30m\n{PUBLISH}"
    )))
    .assert_clean();
}

#[test]
fn c12_unknown_source_suggests_the_nearest_name() {
    let run = with_schema(&copies(&format!(
        "        fromOrders:\n          source: {{ name: acme/order }}\n{PUBLISH}"
    )));
    let found = run.only("C12");
    assert_eq!(run.text_at(found), "acme/order");
    assert_eq!(
        found.message,
        "no collection named \"acme/order\"; did you mean \"acme/orders\"?"
    );
}

#[test]
fn c13_source_in_a_file_not_imported() {
    let run = run(&[
        ("flow.yaml", "import: [orders.yaml, copies.yaml]\n"),
        ("orders.yaml", &format!("collections:\n{ORDERS}")),
        (
            "copies.yaml",
            &format!(
                "collections:\n  - name: acme/copies\n    schema: order.schema.yaml\n    key: [/id]\n    derivation:\n      transform:\n        fromOrders:\n          source: {{ name: acme/orders }}\n{PUBLISH}"
            ),
        ),
        ("order.schema.yaml", ORDER_SCHEMA),
    ]);
    let found = run.only("C13");
    assert_eq!(run.file_of(found), "copies.yaml");
    assert_eq!(run.text_at(found), "acme/orders");
    assert!(found.message.starts_with("\"acme/orders\" is defined in file:///p/orders.yaml, which file:///p/copies.yaml does not import"));
    assert_eq!(run.related_text(found, 0), "acme/orders");
}

#[test]
fn c14_source_defined_later_in_a_list() {
    let text = format!(
        "collections:\n  - name: acme/copies\n    schema: order.schema.yaml\n    key: [/id]\n    derivation:\n      transform:\n        fromOrders:\n          source: {{ name: acme/orders }}\n{PUBLISH}{ORDERS}"
    );
    let run = with_schema(&text);
    let found = run.only("C14");
    assert_eq!(run.text_at(found), "acme/orders");
    assert_eq!(
        found.message,
        "collection \"acme/orders\" must be defined before it is used as a source"
    );
}

#[test]
fn c15_derivation_reads_itself() {
    let run = with_schema(&copies(&format!(
        "        fromEcho:\n          source: {{ name: acme/copies }}\n{PUBLISH}"
    )));
    let found = run.only("C15");
    assert_eq!(run.text_at(found), "acme/copies");
    assert_eq!(
        found.message,
        "derivation \"acme/copies\" cannot read from itself (transform \"fromEcho\")"
    );
}

#[test]
fn c16_cycle_between_map_form_derivations() {
    let derivation = |name: &str, source: &str| {
        format!(
            "  {name}:\n    schema: order.schema.yaml\n    key: [/id]\n    derivation:\n      transform:\n        from:\n          source: {{ name: {source} }}\n{PUBLISH}"
        )
    };
    let text = format!(
        "collections:\n{}{}",
        derivation("acme/ping", "acme/pong"),
        derivation("acme/pong", "acme/ping")
    );
    let run = with_schema(&text);
    let found = run.only("C16");
    assert_eq!(
        found.message,
        "derivations form a cycle: acme/ping -> acme/pong -> acme/ping"
    );
    assert_eq!(
        found.scope.pointer,
        "/collections/acme~1pong/derivation/transform/from/source/name"
    );
    assert_eq!(run.text_at(found), "acme/ping");
}

#[test]
fn c17a_transform_name_characters() {
    let run = with_schema(&copies(&format!(
        "        copy orders:\n          source: {{ name: acme/orders }}\n{PUBLISH}"
    )));
    let found = run.only("C17a");
    assert_eq!(run.text_at(found), "copy orders");
    assert!(
        found
            .message
            .starts_with("transform name \"copy orders\" may contain only")
    );
}

#[test]
fn c17b_transform_names_differing_by_case() {
    let run = with_schema(&copies(&format!(
        "        fromOrders:\n          source: {{ name: acme/orders }}\n{PUBLISH}        fromorders:\n          source: {{ name: acme/orders }}\n{PUBLISH}"
    )));
    let found = run.only("C17b");
    assert_eq!(run.text_at(found), "fromorders");
    assert_eq!(
        found.message,
        "transform \"fromorders\" duplicates \"fromOrders\" in derivation \"acme/copies\""
    );
    assert_eq!(run.related_text(found, 0), "fromOrders");
}

#[test]
fn c18_transform_without_lambdas() {
    let run = with_schema(&copies(
        "        fromOrders:\n          source: { name: acme/orders }\n          shuffle: [/customer]\n",
    ));
    let found = run.only("C18");
    assert_eq!(run.text_at(found), "fromOrders");
    assert_eq!(
        found.message,
        "transform \"fromOrders\" must have an update lambda, a publish lambda, or both"
    );
}

#[test]
fn c19_empty_shuffle() {
    let run = with_schema(&copies(&format!(
        "        fromOrders:\n          source: {{ name: acme/orders }}\n          shuffle: []\n{PUBLISH}"
    )));
    let found = run.only("C19");
    assert_eq!(run.text_at(found), "[]");
    assert!(
        found
            .message
            .starts_with("transform \"fromOrders\" has an empty shuffle")
    );
}

#[test]
fn c20_shuffle_equals_the_source_key() {
    let run = with_schema(&copies(&format!(
        "        fromOrders:\n          source: {{ name: acme/orders }}\n          shuffle: [/id]\n{PUBLISH}"
    )));
    let found = run.only("C20");
    assert_eq!(run.text_at(found), "[/id]");
    assert_eq!(
        found.message,
        "transform \"fromOrders\" shuffle equals the key of \"acme/orders\"; omit it"
    );
}

#[test]
fn c6b_and_c10c_shuffle_pointers() {
    let schema = "type: object\nproperties:\n  id: { type: string }\n  customer: { type: string }\nrequired: [id]\n";
    let text = copies(&format!(
        "        fromOrders:\n          source: {{ name: acme/orders }}\n          shuffle: [/customer, customer]\n{PUBLISH}        other:\n          source: {{ name: acme/orders }}\n          shuffle: [/customer]\n{PUBLISH}"
    ));
    let run = run(&[("flow.yaml", &text), ("order.schema.yaml", schema)]);
    assert_eq!(run.codes(), ["C6b", "C10c"], "{:#?}", run.diagnostics);
    assert_eq!(run.text_at(&run.diagnostics[0]), "customer");
    let c10c = &run.diagnostics[1];
    assert_eq!(run.text_at(c10c), "/customer");
    assert!(c10c.message.starts_with("shuffle key of transform \"other\" /customer may be absent in schema file:///p/order.schema.yaml"), "{}", c10c.message);
}

#[test]
fn c21_source_schema_is_the_collection_schema() {
    let run = with_schema(&copies(&format!(
        "        fromOrders:\n          source:\n            name: acme/orders\n            schema: order.schema.yaml\n{PUBLISH}"
    )));
    let found = run.only("C21");
    assert_eq!(run.text_at(found), "order.schema.yaml");
    assert_eq!(
        found.message,
        "transform \"fromOrders\" source schema is already the schema of \"acme/orders\"; omit it"
    );
}

#[test]
fn c22_mixed_source_schemas() {
    let run = run(&[
        (
            "flow.yaml",
            &copies(&format!(
                "        fromOrders:\n          source: {{ name: acme/orders }}\n{PUBLISH}        fromOrdersStrict:\n          source:\n            name: acme/orders\n            schema: strict.schema.yaml\n{PUBLISH}"
            )),
        ),
        ("order.schema.yaml", ORDER_SCHEMA),
        (
            "strict.schema.yaml",
            "$ref: order.schema.yaml\nproperties:\n  qty: { minimum: 1 }\n",
        ),
    ]);
    let found = run.only("C22");
    assert_eq!(run.text_at(found), "strict.schema.yaml");
    assert_eq!(
        found.message,
        "transforms of \"acme/copies\" that read \"acme/orders\" must all use the same source schema"
    );
    assert_eq!(run.related_text(found, 0), "acme/orders");
}

#[test]
fn c23_shuffle_types_differ() {
    let text = format!(
        "collections:\n{ORDERS}  - name: acme/bins\n    schema:\n      type: object\n      properties:\n        bin: {{ type: integer }}\n      required: [bin]\n    key: [/bin]\n  - name: acme/picks\n    schema: order.schema.yaml\n    key: [/id]\n    derivation:\n      transform:\n        fromBins:\n          source: {{ name: acme/bins }}\n{PUBLISH}        fromOrders:\n          source: {{ name: acme/orders }}\n          shuffle: [/customer]\n{PUBLISH}"
    );
    let run = with_schema(&text);
    let found = run.only("C23");
    assert_eq!(run.text_at(found), "[/customer]");
    assert_eq!(
        found.message,
        "shuffle key types differ between transforms: fromBins [integer] vs fromOrders [string]"
    );
    // fromBins shuffles on its source key, named by the source.
    assert_eq!(run.related_text(found, 0), "acme/bins");
}

#[test]
fn c1c_and_c24_read_delays() {
    let run = with_schema(&copies(&format!(
        "        a:\n          source: {{ name: acme/orders }}\n          readDelay: \"a while\"\n{PUBLISH}        b:\n          source: {{ name: acme/orders }}\n          readDelay: 500ms\n{PUBLISH}"
    )));
    assert_eq!(run.codes(), ["C1c", "C24"]);
    assert_eq!(run.text_at(&run.diagnostics[0]), "\"a while\"");
    assert_eq!(
        run.diagnostics[0].message,
        "readDelay \"a while\" is not a duration such as \"90s\", \"5m\" or \"48h\""
    );
    assert_eq!(run.text_at(&run.diagnostics[1]), "500ms");
    assert_eq!(
        run.diagnostics[1].message,
        "readDelay must be at least one second"
    );
}

#[test]
fn c25_selector_on_a_transform_source() {
    let text = format!(
        "collections:\n  - name: acme/orders\n    schema: order.schema.yaml\n    key: [/id]\n    projections:\n      customer: {{ location: /customer, partition: true }}\n  - name: acme/copies\n    schema: order.schema.yaml\n    key: [/id]\n    derivation:\n      transform:\n        fromOrders:\n          source:\n            name: acme/orders\n            partitions:\n              include: {{ color: [red], customer: [ada] }}\n{PUBLISH}"
    );
    let run = with_schema(&text);
    let found = run.only("C25a");
    assert_eq!(run.text_at(found), "color");
}

#[test]
fn c26_initial_register_value_is_invalid() {
    let text = format!(
        "collections:\n{ORDERS}  - name: acme/counts\n    schema: order.schema.yaml\n    key: [/id]\n    derivation:\n      register:\n        schema: {{ type: integer, reduce: {{ strategy: sum }} }}\n        initial: \"zero\"\n      transform:\n        fromOrders:\n          source: {{ name: acme/orders }}\n          update: {{ nodeJS: \"return [1];\" }}\n"
    );
    let run = with_schema(&text);
    let found = run.only("C26");
    assert_eq!(run.text_at(found), "\"zero\"");
    assert!(
        found
            .message
            .starts_with("initial register value is invalid: "),
        "{}",
        found.message
    );
}

#[test]
fn c27_register_schema_problems() {
    let text = format!(
        "collections:\n{ORDERS}  - name: acme/counts\n    schema: order.schema.yaml\n    key: [/id]\n    derivation:\n      register:\n        schema:\n          type: intger\n          reduce: {{ strategy: sum }}\n      transform:\n        fromOrders:\n          source: {{ name: acme/orders }}\n          update: {{ nodeJS: \"return [1];\" }}\n"
    );
    let run = with_schema(&text);
    let found = run.all("C27");
    assert!(!found.is_empty(), "{:#?}", run.diagnostics);
    assert_eq!(run.text_at(found[0]), "intger");
    assert!(found[0].message.starts_with("invalid schema at"));
    assert!(
        run.diagnostics
            .iter()
            .all(|diagnostic| diagnostic.code == "C27"),
        "{:#?}",
        run.diagnostics
    );
}

#[test]
fn c10_default_shuffle_against_an_alternate_source_schema() {
    let run = run(&[
        (
            "flow.yaml",
            &copies(&format!(
                "        fromOrders:\n          source:\n            name: acme/orders\n            schema: loose.schema.yaml\n{PUBLISH}"
            )),
        ),
        ("order.schema.yaml", ORDER_SCHEMA),
        (
            "loose.schema.yaml",
            "type: object\nproperties:\n  id: { type: string }\n",
        ),
    ]);
    let found = run.only("C10c");
    assert_eq!(run.text_at(found), "loose.schema.yaml");
    assert!(
        found
            .message
            .starts_with("shuffle key of transform \"fromOrders\" /id may be absent"),
        "{}",
        found.message
    );
}
