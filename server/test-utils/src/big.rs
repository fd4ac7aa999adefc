//! Generated single-file catalogs for scale tests and benchmarks: `n`
//! collections of about 650 bytes each (inline schemas with `reduce`
//! annotations, a projection), every 100th a derivation of its predecessor
//! (a publish lambda), and tests of one ingest and one verify each.
//! 34,000 collections make about 20 MB. The catalog is clean under
//! `flowctl lint` and its tests pass.

use std::fmt::Write;

/// The name of collection `i`.
pub fn collection_name(i: usize) -> String {
    format!("acme/scale/c{i:06}")
}

/// A catalog of `collections` collections and `tests` tests, as one YAML file.
pub fn single_file_catalog(collections: usize, tests: usize) -> String {
    catalog_with_note_schema(
        collections,
        tests,
        r#"{ type: [string, "null"], maxLength: 200 }"#,
    )
}

/// [`single_file_catalog`] with every collection's `note` property written as
/// `note_schema` (for example a `$ref` to a shared schema document).
pub fn catalog_with_note_schema(collections: usize, tests: usize, note_schema: &str) -> String {
    let mut out = String::with_capacity(collections * 700 + tests * 400);
    out.push_str("collections:\n");
    for i in 0..collections {
        let name = collection_name(i);
        let _ = write!(
            out,
            r#"  - name: {name}
    key: [/id]
    schema:
      type: object
      description: Generated collection number {i} of a scale test.
      reduce: {{ strategy: merge }}
      properties:
        id: {{ type: string, description: The document key. }}
        amount: {{ type: number, reduce: {{ strategy: sum }} }}
        seen: {{ type: integer, reduce: {{ strategy: maximize }} }}
        tags: {{ type: array, items: {{ type: string }}, reduce: {{ strategy: append }} }}
        note: {note_schema}
      required: [id]
    projections:
      total: /amount
"#
        );
        if i % 100 == 99 {
            let previous = collection_name(i - 1);
            let _ = write!(
                out,
                r#"    derivation:
      transform:
        fromPrevious:
          source: {{ name: {previous} }}
          publish: {{ nodeJS: "return [{{ id: source.id, amount: source.amount }}];" }}
"#
            );
        }
    }
    if tests > 0 {
        out.push_str("tests:\n");
    }
    for t in 0..tests {
        // Test `t` ingests into a captured collection and verifies it, or
        // (every third test) verifies the derivation it feeds.
        let derived = (t % (collections / 100).max(1)) * 100 + 99;
        let (ingest, verify) = if t % 3 == 2 && derived < collections {
            (collection_name(derived - 1), collection_name(derived))
        } else {
            let captured = (t * 37) % collections;
            let captured = if captured % 100 == 99 {
                captured - 1
            } else {
                captured
            };
            (collection_name(captured), collection_name(captured))
        };
        let _ = write!(
            out,
            r#"  "scale test {t:03}":
    - ingest:
        collection: {ingest}
        documents:
          - {{ id: "k{t}", amount: 2, seen: 1, tags: [a], note: null }}
          - {{ id: "k{t}", amount: 3, seen: 5, tags: [b] }}
    - verify:
        collection: {verify}
        documents:
          - {{ id: "k{t}", amount: 5 }}
"#
        );
    }
    out
}
