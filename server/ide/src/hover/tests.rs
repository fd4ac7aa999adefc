//! Hover fixtures: one per kind of thing shown.

use super::*;
use crate::fixture;

/// The hovered text and the markdown.
fn hover_at(text: &str) -> Option<(String, String)> {
    let (analysis, cursor) = fixture::analysis(text);
    let position = cursor.expect("the fixture has a $0");
    let result = hover(&analysis, &position)?;
    let file = analysis.file(&position.file)?;
    let covered = file.text[result.range.start as usize..result.range.end as usize].to_string();
    Some((covered, result.markdown))
}

const SHOP: &str = r#"
#- /flow.yaml
import: [orders.flow.yaml]
collections:
  shop/totals:
    schema:
      type: object
      properties:
        region: { type: string }
        total: { type: integer, reduce: { strategy: sum } }
      required: [region]
      reduce: { strategy: merge }
    key: [/region]
    derivation:
      register:
        schema: { type: integer, title: Count }
        initial: 0
      transform:
        fromOrders:
          source: { name: shop/orders }
          shuffle: [/region]
          update:
            nodeJS: return [1];
          publish:
            nodeJS: |
              return [{ region: source.region, total: register }];
#- /orders.flow.yaml
collections:
  shop/orders:
    schema:
      type: object
      title: An order
      properties:
        id: { type: string, description: Unique per order. }
        region: { type: string }
        lines: { type: array, items: { type: string } }
      required: [id, region]
    key: [/id]
"#;

fn at(needle: &str, cursor_after: usize) -> String {
    let at = SHOP
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the fixture"))
        + cursor_after;
    format!("{}$0{}", &SHOP[..at], &SHOP[at..])
}

#[test]
fn property_docs_from_the_catalog_schema() {
    let (covered, markdown) = hover_at(&at("shuffle:", 3)).unwrap();
    assert_eq!(covered, "shuffle");
    assert_eq!(
        markdown,
        "**shuffle**: array\n\nJSON Pointers into source documents that select the register. Default:\nthe source collection's key."
    );
    let (covered, markdown) = hover_at(&at("nodeJS: return", 2)).unwrap();
    assert_eq!(covered, "nodeJS");
    assert!(
        markdown.contains("Body of a TypeScript function"),
        "{markdown}"
    );
}

#[test]
fn a_collection_name_shows_key_schema_and_definition() {
    let (covered, markdown) = hover_at(&at("name: shop/orders", 10)).unwrap();
    assert_eq!(covered, "shop/orders");
    assert_eq!(
        markdown,
        "**shop/orders** (captured collection)\n\nkey: `[/id]`\n\nAn order\nschema: object\n- `id`: string (required)\n- `region`: string (required)\n- `lines`: array\n\ndefined at `orders.flow.yaml:2`"
    );
    let (covered, markdown) = hover_at(&at("shop/totals:", 2)).unwrap();
    assert_eq!(covered, "shop/totals");
    assert!(markdown.starts_with("**shop/totals** (derived collection)"));
    assert!(markdown.ends_with("defined at `flow.yaml:3`"), "{markdown}");
}

#[test]
fn a_pointer_shows_its_inferred_shape() {
    let (covered, markdown) = hover_at(&at("key: [/region]", 8)).unwrap();
    assert_eq!(covered, "/region");
    assert_eq!(markdown, "`/region`: string, always present");
    let (covered, markdown) = hover_at(&at("key: [/id]", 7)).unwrap();
    assert_eq!(covered, "/id");
    assert_eq!(
        markdown,
        "`/id`: string, always present\n\nUnique per order."
    );
    // A shuffle points into the source's documents.
    let (_, markdown) = hover_at(&at("shuffle: [/region]", 12)).unwrap();
    assert_eq!(markdown, "`/region`: string, always present");
}

#[test]
fn a_pointer_shows_its_reduce_strategy_and_absence() {
    let text = SHOP.replace(
        "key: [/region]",
        "key: [/region]\n    projections:\n      t: /total\n      u: /unknown",
    );
    let at = |needle: &str| {
        let at = text.find(needle).unwrap() + needle.len() - 1;
        format!("{}$0{}", &text[..at], &text[at..])
    };
    let (_, markdown) = hover_at(&at("t: /total")).unwrap();
    assert_eq!(
        markdown,
        "`/total`: integer, may be absent\n\nreduce: `sum`"
    );
    let (_, markdown) = hover_at(&at("u: /unknown")).unwrap();
    assert_eq!(
        markdown,
        "`/unknown`: array, boolean, null, number, object, string, not described by the schema"
    );
}

#[test]
fn lambda_parameters_show_their_typescript_types() {
    let (covered, markdown) = hover_at(&at("source.region", 2)).unwrap();
    assert_eq!(covered, "source");
    assert_eq!(
        markdown,
        "```typescript\nsource: collections.ShopOrders\n```\n\n```typescript\n/* An order */\ntype ShopOrders = {\n    /* Unique per order. */\n    id: string;\n    region: string;\n    lines?: string[];\n};\n```"
    );
    let (covered, markdown) = hover_at(&at("total: register", 9)).unwrap();
    assert_eq!(covered, "register");
    assert_eq!(
        markdown,
        "```typescript\nregister: registers.ShopTotals\n```\n\n```typescript\n/* Count */\ntype ShopTotals = number;\n```"
    );
    // Not a parameter: a property access, or another word.
    assert_eq!(hover_at(&at(".region, total", 3)), None);
    assert_eq!(hover_at(&at("return [{", 2)), None);
    // An alternate source schema is the source's type.
    let alternate = SHOP.replace(
        "source: { name: shop/orders }",
        "source: { name: shop/orders, schema: { type: object, properties: { id: { const: x } } } }",
    );
    let at_source = alternate.find("source.region").unwrap() + 2;
    let (_, markdown) = hover_at(&format!(
        "{}$0{}",
        &alternate[..at_source],
        &alternate[at_source..]
    ))
    .unwrap();
    assert!(
        markdown.starts_with("```typescript\nsource: collections.ShopOrders_"),
        "{markdown}"
    );
    assert!(markdown.contains("    id?: \"x\";\n"), "{markdown}");
    // In an update lambda only `source` is in scope.
    let update = SHOP.replace("nodeJS: return [1];", "nodeJS: return [previous];");
    let at = update.find("[previous]").unwrap() + 3;
    let (_, markdown) = hover_at(&format!("{}$0{}", &update[..at], &update[at..])).unwrap();
    assert!(markdown.starts_with("`previous` is not in scope in an `update` lambda"));
}

#[test]
fn schema_keywords_and_strategies() {
    let (covered, markdown) = hover_at(&at("strategy: sum", 11)).unwrap();
    assert_eq!(covered, "sum");
    assert_eq!(markdown, "**sum**\n\nNumbers are added.");
    let (covered, markdown) = hover_at(&at("required: [region]", 3)).unwrap();
    assert_eq!(covered, "required");
    assert_eq!(markdown, "**required**\n\nProperties an object must have.");
}

#[test]
fn robust_on_broken_text_and_odd_positions() {
    // A key's docs while the file does not parse.
    let (covered, markdown) =
        hover_at("#- /flow.yaml\ncollections:\n  shop/a:\n    ke$0y: [\n").unwrap();
    assert_eq!(covered, "key");
    assert!(markdown.starts_with("**key**: array (required)"));
    let (analysis, _) = fixture::analysis(SHOP);
    for offset in (0..2000).step_by(7) {
        for file in ["/flow.yaml", "/orders.flow.yaml", "/none.yaml"] {
            let position = FilePosition {
                file: fixture::url(file),
                offset,
            };
            let _ = hover(&analysis, &position);
        }
    }
}

#[test]
fn list_form_definitions_and_loose_catalogs() {
    let list = "#- /flow.yaml\ncollections:\n  - name: shop/li$0st\n    schema: { type: object, properties: { id: { type: string } }, required: [id] }\n    key: [/id]\n";
    let (covered, markdown) = hover_at(list).unwrap();
    assert_eq!(covered, "shop/list");
    assert_eq!(
        markdown,
        "**shop/list** (captured collection)\n\nkey: `[/id]`\n\nschema: object\n- `id`: string (required)\n\ndefined at `flow.yaml:2`"
    );
    // A catalog by name that does not parse: key docs still show.
    let (covered, markdown) = hover_at("#- /loose.flow.yaml\nimpo$0rt: [\n").unwrap();
    assert_eq!(covered, "import");
    assert!(markdown.starts_with("**import**: array\n\nOther catalog sources to include"));
    assert_eq!(hover_at("#- /notes.yaml\nimpo$0rt: []\n"), None);
}

/// A beehive log whose tests ingest several documents of one hive.
const HIVES: &str = r#"
#- /flow.yaml
collections:
  apiary/hives:
    schema:
      type: object
      reduce: { strategy: merge }
      properties:
        hive: { type: string }
        honeyKg: { type: number, reduce: { strategy: sum } }
        queen: { type: string }
      required: [hive]
    key: [/hive]
tests:
  apiary/harvests:
    - ingest:
        collection: apiary/hives
        documents:
          - { hive: h1, honeyKg: 2.5, queen: Maud }
          - { hive: h2, honeyKg: 1 }
          - { hive: h1, honeyKg: 4 }
          - { hive: h1, queen: Ida }
"#;

fn hives_hover(needle: &str, delta: usize) -> String {
    let at = HIVES.find(needle).expect("needle") + delta;
    let fixture = format!("{}$0{}", &HIVES[..at], &HIVES[at..]);
    let (_, markdown) = hover_at(&fixture).expect("a hover");
    markdown
}

#[test]
fn a_reduce_strategy_shows_the_fixtures_reduction_at_its_location() {
    let markdown = hives_hover("strategy: sum", 11);
    assert!(
        markdown.starts_with("**sum**\n\nNumbers are added."),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "**Reduced in the tests** at `/honeyKg`, ingests of one key in order:\n\nkey `[\"h1\"]` in test \"apiary/harvests\":\n```text\n2.5 ⊕ 4 = 6.5\n6.5 ⊕ ∅ = 6.5\n```"
        ),
        "{markdown}"
    );
    // Only keys with two documents or more: h2 has one.
    assert!(!markdown.contains("h2"), "{markdown}");
}

#[test]
fn the_reduce_key_names_the_rule_and_a_collection_key_shows_whole_documents() {
    let markdown = hives_hover("reduce: { strategy: merge }", 1);
    assert!(
        markdown.contains("`merge`: Objects: merged property by property"),
        "{markdown}"
    );
    assert!(
        markdown.contains("**Reduced in the tests**, ingests"),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "{\"hive\":\"h1\",\"honeyKg\":6.5,\"queen\":\"Maud\"} ⊕ {\"hive\":\"h1\",\"queen\":\"Ida\"} = {\"hive\":\"h1\",\"honeyKg\":6.5,\"queen\":\"Ida\"}"
        ),
        "{markdown}"
    );
    let key = hives_hover("key: [/hive]", 1);
    assert!(key.starts_with("**key**"), "{key}");
    assert!(
        key.contains("2.5,\"queen\":\"Maud\"} ⊕ {\"hive\":\"h1\",\"honeyKg\":4} = "),
        "{key}"
    );
}

#[test]
fn a_reduce_annotation_of_a_collection_no_test_ingests_shows_the_rule_only() {
    let markdown = hives_hover("strategy: merge", 11);
    assert!(markdown.contains("**merge**"), "{markdown}");
    let single = HIVES.replace(
        "          - { hive: h1, honeyKg: 4 }\n          - { hive: h1, queen: Ida }\n",
        "",
    );
    let at = single.find("strategy: sum").unwrap() + 11;
    let fixture = format!("{}$0{}", &single[..at], &single[at..]);
    let (_, markdown) = hover_at(&fixture).expect("a hover");
    assert_eq!(markdown, "**sum**\n\nNumbers are added.");
}

#[test]
fn the_fixture_reduction_is_bounded() {
    let many: String = (0..50)
        .map(|n| format!("          - {{ hive: h1, honeyKg: {n} }}\n"))
        .collect();
    let text = HIVES.replace("          - { hive: h2, honeyKg: 1 }\n", &many);
    let at = text.find("strategy: sum").unwrap() + 11;
    let fixture = format!("{}$0{}", &text[..at], &text[at..]);
    let (_, markdown) = hover_at(&fixture).expect("a hover");
    let steps = markdown.lines().filter(|line| line.contains(" ⊕ ")).count();
    assert_eq!(steps, reduction::MAX_STEPS, "{markdown}");
    assert!(markdown.contains("… 48 more"), "{markdown}");
}
