//! CSV conversion per runtime.md §11.2 on a small seed-catalog collection:
//! the null/empty rules, projections (user and canonical, nested), quoting,
//! and each refused header or row.

use serde_json::json;

use super::*;
use crate::engine::tests::plan;

const SEEDS: &str = r#"
collections:
  - name: seeds/packets
    schema:
      type: object
      properties:
        id: {type: integer}
        variety: {type: string}
        note: {type: [string, "null"]}
        grams: {type: [integer, "null"]}
        organic: {type: boolean}
        price: {type: number}
        origin: {type: object, properties: {farm: {type: string}, plot: {type: integer}}}
        tags: {type: array}
      required: [id, variety]
    key: [/id]
    projections:
      packet_no: /id
"#;

fn convert(text: &str) -> Result<Vec<Value>, String> {
    let (_, plan) = plan(SEEDS);
    documents(&plan, "seeds/packets", text, ',').map_err(|error| error.to_string())
}

#[test]
fn rows_become_documents_by_the_types_of_their_locations() {
    // The documentation's null example (`variety` is required and a string).
    assert_eq!(
        convert("packet_no,variety,note,grams\r\n2,,,\n\n3,\n").unwrap(),
        vec![
            json!({"id": 2, "variety": "", "note": null, "grams": null}),
            json!({"id": 3, "variety": ""}),
        ]
    );
    assert_eq!(
        convert("packet_no,variety,note,grams\n2,,,\n4\n"),
        Err("line 3: the row ends before the required field \"variety\"".to_owned())
    );
    assert_eq!(
        convert("id,variety,organic,price,origin/farm,origin/plot\n7,\"Genovese, \"\"large\"\"\",True,2,Hill,3\n8,x,0,0.5,\"\"\n").unwrap(),
        vec![
            json!({"id": 7, "variety": "Genovese, \"large\"", "organic": true, "price": 2, "origin": {"farm": "Hill", "plot": 3}}),
            json!({"id": 8, "variety": "x", "organic": false, "price": 0.5, "origin": {"farm": ""}}),
        ]
    );
}

#[test]
fn bad_headers_and_cells_are_refused_with_their_line() {
    let refused = |text: &str| convert(text).expect_err("refused");
    assert!(
        refused("id,variety,colour\n").starts_with(
            "line 1: \"colour\" is not a field of \"seeds/packets\" (its fields: grams, id, note,"
        ),
        "{}",
        refused("id,variety,colour\n")
    );
    assert_eq!(
        refused("variety\nx\n"),
        "line 1: no header covers the required field \"id\" (/id)"
    );
    assert_eq!(
        refused("id,variety\n1.5,x\n"),
        "line 2: \"1.5\" is not a valid value of \"id\" (integer)"
    );
    assert_eq!(
        refused("id,variety\n1,x,y\n"),
        "line 2: 3 cells, but only 2 headers"
    );
    assert_eq!(
        refused("id,variety\n1,\"x\n"),
        "line 2: a quoted cell is not closed"
    );
    assert_eq!(refused(""), "the text has no header row");
    assert_eq!(
        refused("id,variety,organic\n1,x,\n"),
        "line 2: \"\" is not a valid value of \"organic\" (boolean)"
    );
}
