//! Lambda document fixtures: the text's shape, that it parses, and that the
//! line map sends generated positions back to the YAML and back again.

use super::*;
use crate::fixture;

const ORCHARD: &str = r#"
#- /flow.yaml
collections:
  orchard/picks:
    schema:
      type: object
      properties:
        tree: { type: string }
        kilos: { type: number }
      required: [tree, kilos]
    key: [/tree]
  orchard/yield:
    schema:
      type: object
      properties:
        tree: { type: string }
        kilos: { type: number, reduce: { strategy: sum } }
      required: [tree]
      reduce: { strategy: merge }
    key: [/tree]
    derivation:
      register:
        schema: { type: number, title: Running total }
        initial: 0
      transform:
        fromPicks:
          source: { name: orchard/picks }
          update:
            nodeJS: return [source.kilos];
          publish:
            nodeJS: |
              const total: number = register! + 0;
              return [{ tree: source.tree, kilos: total }];
"#;

fn document_at(marker: &str) -> (LambdaDocument, String, u32) {
    let at = ORCHARD.find(marker).expect("marker in the fixture");
    let fixture = format!("{}$0{}", &ORCHARD[..at], &ORCHARD[at..]);
    let (analysis, cursor) = fixture::analysis(&fixture);
    let position = cursor.expect("a cursor");
    let document = lambda_document(&analysis, &position).expect("a lambda there");
    let text = analysis.file(&position.file).expect("the file").text.to_string();
    (document, text, position.offset)
}

#[test]
fn a_publish_body_is_wrapped_with_its_parameters_types() {
    let (document, _, _) = document_at("register! + 0");
    let text = &document.text;
    assert!(text.contains("declare namespace collections {\n    type OrchardPicks = {"), "{text}");
    assert!(text.contains("declare namespace registers {\n    /* Running total */\n    type OrchardYield = number;\n}"), "{text}");
    assert!(
        text.contains("async function publish(source: collections.OrchardPicks, register: registers.OrchardYield, previous: registers.OrchardYield): Promise<collections.OrchardYield[]> {\nconst total: number = register! + 0;\nreturn [{ tree: source.tree, kilos: total }];\n}\n"),
        "{text}"
    );
    assert_eq!(document.lines.len(), 2, "one entry per body line");
}

#[test]
fn an_update_body_returns_register_updates() {
    let (document, _, _) = document_at("return [source.kilos]");
    assert!(
        document.text.contains(
            "async function update(source: collections.OrchardPicks): Promise<registers.OrchardYield[]> {\nreturn [source.kilos];\n}"
        ),
        "{}",
        document.text
    );
}

#[test]
fn the_key_of_a_lambda_finds_it_and_other_places_do_not() {
    let (document, _, _) = document_at("publish:");
    assert!(document.text.contains("async function publish("));
    let at = ORCHARD.find("shuffle").unwrap_or(ORCHARD.find("source: {").unwrap());
    let fixture = format!("{}$0{}", &ORCHARD[..at], &ORCHARD[at..]);
    let (analysis, cursor) = fixture::analysis(&fixture);
    assert_eq!(lambda_document(&analysis, &cursor.unwrap()), None);
}

#[test]
fn the_text_parses_as_typescript() {
    for marker in ["register! + 0", "return [source.kilos]"] {
        let (document, _, _) = document_at(marker);
        let stripped = typescript::strip_types(&document.text);
        assert!(stripped.errors.is_empty(), "{:?}\n{}", stripped.errors, document.text);
    }
}

#[test]
fn the_line_map_round_trips_positions() {
    let (document, yaml, _) = document_at("register! + 0");
    let generated: Vec<&str> = document.text.split('\n').collect();
    for map in &document.lines {
        let line = generated[map.generated_line as usize];
        // Every character of the generated line is the YAML's at the mapped offset.
        for (column, _) in line.char_indices() {
            let offset = map.offset as usize + column;
            assert_eq!(&yaml[offset..offset + 1], &line[column..column + 1]);
            // And back: the YAML offset lies in this entry's line, at this column.
            let back = document
                .lines
                .iter()
                .rev()
                .find(|entry| entry.offset as usize <= offset)
                .expect("an entry before it");
            assert_eq!(back.generated_line, map.generated_line);
            assert_eq!(offset - back.offset as usize, column);
        }
    }
    assert!(document.range.start <= document.lines[0].offset);
}
