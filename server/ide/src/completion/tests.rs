//! Completion fixtures: each kind of item, in whole and half-typed text.

use super::*;
use crate::fixture;

fn complete(text: &str) -> (Vec<CompletionItem>, String, FilePosition) {
    let (analysis, cursor) = fixture::analysis(text);
    let position = cursor.expect("the fixture has a $0");
    let file_text = analysis
        .file(&position.file)
        .map(|view| view.text.to_string())
        .unwrap_or_default();
    let mut items = completions(&analysis, &position);
    items.sort_by(|a, b| {
        (a.sort_text.as_ref().unwrap_or(&a.label), &a.label)
            .cmp(&(b.sort_text.as_ref().unwrap_or(&b.label), &b.label))
    });
    (items, file_text, position)
}

fn labels(text: &str) -> Vec<String> {
    complete(text)
        .0
        .into_iter()
        .map(|item| item.label)
        .collect()
}

fn item(text: &str, label: &str) -> (CompletionItem, String) {
    let (items, file_text, _) = complete(text);
    let item = items
        .into_iter()
        .find(|item| item.label == label)
        .unwrap_or_else(|| panic!("no item {label}"));
    let replaced = replaced(&file_text, item.edit.range).to_string();
    (item, replaced)
}

const ORDERS: &str = r#"
#- /flow.yaml
import: [shop/orders.flow.yaml, shop/stats.flow.yaml]
#- /shop/orders.flow.yaml
collections:
  shop/orders:
    schema: orders.schema.yaml
    key: [/id]
    projections:
      region: { location: /region, partition: true }
#- /shop/orders.schema.yaml
type: object
properties:
  id: { type: string, title: Order id }
  region: { type: string, enum: [eu, us] }
  total: { type: integer, reduce: { strategy: sum } }
  buyer:
    type: object
    properties:
      name: { type: string, description: Who paid. }
    required: [name]
required: [id, region, buyer]
"#;

#[test]
fn property_keys_with_docs_not_offering_present_ones() {
    let text = "#- /flow.yaml\ncollections:\n  shop/a:\n    schema: { type: object }\n    ke$0\n";
    assert_eq!(
        labels(text),
        ["key", "name", "projections", "derivation", "new derivation"],
        "required first, schema order, `schema` already present"
    );
    let (key, replaced) = item(text, "key");
    assert_eq!(replaced, "ke");
    assert_eq!(key.edit.new_text, "key: [$0]");
    assert!(key.is_snippet);
    assert!(
        key.documentation
            .as_deref()
            .is_some_and(|doc| doc.starts_with("The collection key"))
    );
    let (derivation, _) = item(text, "derivation");
    assert_eq!(derivation.edit.new_text, "derivation:\n      $0");
}

#[test]
fn keys_on_an_empty_line_deep_in_a_transform() {
    let text = "#- /flow.yaml\ncollections:\n  shop/a:\n    schema: true\n    key: [/id]\n    derivation:\n      transform:\n        fromB:\n          source: { name: shop/b }\n          $0\n";
    assert_eq!(
        labels(text),
        ["shuffle", "readDelay", "priority", "update", "publish"]
    );
}

#[test]
fn keys_of_a_test_step_and_of_an_unclosed_flow_mapping() {
    let step = "#- /flow.yaml\ntests:\n  shop/t:\n    - ing$0\n";
    assert_eq!(labels(step), ["ingest", "verify"]);
    let (ingest, replaced) = item(step, "ingest");
    assert_eq!(replaced, "ing");
    assert_eq!(ingest.edit.new_text, "ingest:\n        $0");
    let flow = "#- /flow.yaml\ntests:\n  shop/t:\n    - ingest: { documents: [], $0\n";
    assert_eq!(labels(flow), ["collection"]);
    assert_eq!(item(flow, "collection").0.edit.new_text, "collection: ");
}

#[test]
fn collection_names_visible_ones_first() {
    let text = r#"
#- /flow.yaml
import: [a.flow.yaml, b.flow.yaml]
#- /a.flow.yaml
collections:
  shop/hidden: { schema: true, key: [/id] }
#- /b.flow.yaml
collections:
  shop/seen: { schema: true, key: [/id] }
  shop/derived:
    schema: true
    key: [/id]
    derivation:
      transform:
        fromSeen:
          source: { name: sh$0 }
"#;
    assert_eq!(labels(text), ["shop/derived", "shop/seen", "shop/hidden"]);
    // The same with the flow mapping still open: the file does not parse,
    // and its own collections come from the text with the brackets closed.
    let open = text.replace("name: sh$0 }", "name: sh$0");
    assert_eq!(labels(&open), ["shop/derived", "shop/seen", "shop/hidden"]);
    let (hidden, replaced) = item(text, "shop/hidden");
    assert_eq!(replaced, "sh");
    assert_eq!(hidden.kind, CompletionKind::Collection);
    assert_eq!(
        hidden.detail.as_deref(),
        Some("captured, a.flow.yaml (not imported here)")
    );
    assert_eq!(hidden.documentation.as_deref(), Some("key: `[/id]`"));
    let (seen, _) = item(text, "shop/seen");
    assert_eq!(seen.detail.as_deref(), Some("captured, b.flow.yaml"));
    let ingest = "#- /flow.yaml\ncollections:\n  shop/c: { schema: true, key: [/id] }\n  shop/d: { schema: true, key: [/id], derivation: { transform: { t: { source: { name: shop/c }, publish: { nodeJS: 'return []' } } } } }\ntests:\n  shop/t:\n    - ingest:\n        collection: \"$0\"\n";
    assert_eq!(
        labels(ingest),
        ["shop/c", "shop/d"],
        "ingest prefers captured collections"
    );
}

#[test]
fn pointers_of_the_collection_schema_in_key_shuffle_and_projections() {
    let key = ORDERS.replace("key: [/id]", "key: [/id, $0]");
    assert_eq!(
        labels(&key),
        ["/buyer/name", "/id", "/region", "/buyer", "/total"],
        "always-present scalars first"
    );
    let (id, _) = item(&key, "/id");
    assert_eq!(id.detail.as_deref(), Some("string, always present"));
    assert_eq!(id.documentation.as_deref(), Some("**Order id**"));
    let (total, _) = item(&key, "/total");
    assert_eq!(total.detail.as_deref(), Some("integer, may be absent"));
    assert_eq!(total.documentation.as_deref(), Some("reduce: `sum`"));

    let projection = ORDERS.replace("partition: true }", "partition: true }\n      who: /bu$0");
    let (name, replaced) = item(&projection, "/buyer/name");
    assert_eq!(replaced, "/bu");
    assert_eq!(name.documentation.as_deref(), Some("Who paid."));

    let shuffle = format!(
        "{ORDERS}#- /shop/stats.flow.yaml\nimport: [orders.flow.yaml]\ncollections:\n  shop/stats:\n    schema: true\n    key: [/region]\n    derivation:\n      transform:\n        fromOrders:\n          source: {{ name: shop/orders }}\n          shuffle:\n            - $0\n"
    );
    assert_eq!(
        labels(&shuffle)[..],
        ["/buyer/name", "/id", "/region", "/buyer", "/total"]
    );
}

#[test]
fn partition_fields_in_selectors() {
    let text = format!(
        "{ORDERS}#- /shop/stats.flow.yaml\nimport: [orders.flow.yaml]\ncollections:\n  shop/stats:\n    schema: true\n    key: [/region]\n    derivation:\n      transform:\n        fromOrders:\n          source: {{ name: shop/orders, partitions: {{ include: {{ $0\n"
    );
    assert_eq!(labels(&text), ["region"]);
}

#[test]
fn reduce_strategies_and_types_in_user_schemas() {
    let inline = "#- /flow.yaml\ncollections:\n  shop/a:\n    schema:\n      properties:\n        n: { type: integer, reduce: { strategy: $0 } }\n    key: [/n]\n";
    let strategies = labels(inline);
    assert_eq!(strategies, Strategy::NAMES);
    assert_eq!(
        item(inline, "sum").0.documentation.as_deref(),
        Some("Numbers are added.")
    );
    let file = "#- /flow.yaml\ncollections:\n  shop/a: { schema: a.schema.yaml, key: [/n] }\n#- /a.schema.yaml\nproperties:\n  n:\n    reduce:\n      strategy: ma$0\n";
    let (maximize, replaced) = item(file, "maximize");
    assert_eq!(replaced, "ma");
    assert_eq!(maximize.edit.new_text, "maximize");
    let types = "#- /a.schema.yaml\nproperties:\n  n: { type: $0 }\n";
    assert_eq!(labels(types), keywords::TYPES);
    let reduce_keys = "#- /a.schema.yaml\nreduce:\n  $0\n";
    assert_eq!(labels(reduce_keys), ["key", "strategy"]);
}

#[test]
fn schema_keywords_in_schema_files_and_inline_schemas() {
    let labels_ = labels("#- /a.schema.yaml\ntype: object\nproperties:\n  n:\n    $0\n");
    assert_eq!(labels_.first().map(String::as_str), Some("type"));
    assert!(labels_.contains(&"reduce".to_string()));
    let present = labels(
        "#- /flow.yaml\ncollections:\n  shop/a:\n    schema:\n      type: object\n      re$0\n    key: [/n]\n",
    );
    assert!(!present.contains(&"type".to_string()));
    assert!(present.contains(&"required".to_string()));
}

#[test]
fn relative_paths_in_import_and_schema() {
    let import = format!("{ORDERS}#- /extra.flow.yaml\ncollections: {{}}\n").replace(
        "import: [shop/orders.flow.yaml, shop/stats.flow.yaml]",
        "import:\n  - $0",
    );
    assert_eq!(
        labels(&import),
        ["extra.flow.yaml", "shop/orders.flow.yaml"]
    );
    let schema = ORDERS.replace("schema: orders.schema.yaml", "schema: $0");
    let files = labels(&schema);
    assert_eq!(files, ["orders.schema.yaml"]);
}

#[test]
fn ref_targets() {
    let text = r##"
#- /flow.yaml
collections:
  shop/a: { schema: a.schema.yaml, key: [/id] }
#- /a.schema.yaml
$defs:
  money: { type: integer, description: Cents. }
  id: { $anchor: ident, type: string }
properties:
  id: { $ref: "#$0" }
#- /b.schema.yaml
type: string
"##;
    assert_eq!(
        labels(text),
        ["#/$defs/id", "#/$defs/money", "#ident", "b.schema.yaml"]
    );
    let (money, replaced) = item(text, "#/$defs/money");
    assert_eq!(replaced, "#");
    assert_eq!(money.documentation.as_deref(), Some("Cents."));
}

#[test]
fn snippets_for_collection_derivation_transform_and_test() {
    let collection = "#- /flow.yaml\ncollections:\n  $0\n";
    let (snippet, _) = item(collection, "new collection");
    assert_eq!(snippet.kind, CompletionKind::Snippet);
    assert_eq!(
        snippet.edit.new_text,
        "${1:acmeCo/things}:\n    schema:\n      type: object\n      properties:\n        ${2:id}: { type: string }\n      required: [${2:id}]\n    key: [/${2:id}]$0"
    );
    let derivation =
        "#- /flow.yaml\ncollections:\n  shop/a:\n    schema: true\n    key: [/id]\n    $0\n";
    let (snippet, _) = item(derivation, "new derivation");
    assert_eq!(snippet.filter_text.as_deref(), Some("derivation"));
    let transform = "#- /flow.yaml\ncollections:\n  shop/a:\n    schema: true\n    key: [/id]\n    derivation:\n      transform:\n        $0\n";
    assert_eq!(labels(transform), ["new transform"]);
    let test = "#- /flow.yaml\ntests:\n  $0\n";
    let (snippet, _) = item(test, "new test");
    assert!(
        snippet
            .edit
            .new_text
            .contains("\n    - ingest:\n        collection: ${2:acmeCo/things}")
    );
}

#[test]
fn robust_on_broken_text_positions_past_the_end_and_loose_files() {
    let broken = "#- /flow.yaml\ncollections:\n  shop/a:\n    schema: [\n    ke$0\n  - : :\n";
    let _ = labels(broken);
    let (analysis, _) = fixture::analysis("#- /flow.yaml\ncollections: {\n#- /notes.yaml\na: [\n");
    for file in ["/flow.yaml", "/notes.yaml", "/missing.yaml"] {
        for offset in [0, 5, 15, 1000] {
            let position = FilePosition {
                file: fixture::url(file),
                offset,
            };
            let _ = completions(&analysis, &position);
        }
    }
    // A loose catalog (no build reaches it by import) still gets keys.
    assert!(labels("#- /loose.flow.yaml\ncoll$0\n").contains(&"collections".to_string()));
    assert!(labels("#- /notes.yaml\ncoll$0\n").is_empty());
}

#[test]
fn pointers_while_the_key_list_is_unclosed() {
    let text = "#- /flow.yaml\ncollections:\n  shop/a:\n    schema:\n      type: object\n      properties: { id: { type: string }, n: { type: integer } }\n      required: [id]\n    key: [/id, $0\n";
    assert_eq!(labels(text), ["/id", "/n"]);
    let multi_line = text.replace("key: [/id, $0", "key: [\n      /id,\n      $0");
    assert_eq!(labels(&multi_line), ["/id", "/n"]);
}

#[test]
fn every_offset_of_odd_text_is_safe() {
    let text = "#- /flow.yaml\nimport: [a.flow.yaml\ncollections:\n  é/ü: { schema: { $ref: \"#é\", properties: { \"x\": {reduce: {strategy: ]\n  - - : \"\n    key: [/é, \n    derivation: { transform: { t: { source: { name: x }, publish: { nodeJS: |\n      return [source];\ntests:\n  t: [ { ingest: { collection: é, documents: [ {\n#- /a.schema.yaml\n{ \"$defs\": { \"x\": 1 }, \"properties\": { \"a\": { \"$ref\": \"\n";
    let (analysis, _) = fixture::analysis(text);
    for file in ["/flow.yaml", "/a.schema.yaml"] {
        let url = fixture::url(file);
        let len = analysis.file(&url).map_or(0, |view| view.text.len() as u32);
        for offset in 0..=len + 2 {
            let position = FilePosition {
                file: url.clone(),
                offset,
            };
            for item in completions(&analysis, &position) {
                assert!(item.edit.range.start <= item.edit.range.end && item.edit.range.end <= len);
            }
            if let Some(hover) = crate::hover::hover(&analysis, &position) {
                assert!(hover.range.end <= len);
            }
        }
    }
}

#[test]
fn required_offers_the_properties_not_yet_listed() {
    let text = "#- /a.schema.yaml\ntype: object\nproperties:\n  id: { type: string }\n  n: { type: integer, description: A count. }\n  m: {}\nrequired:\n  - id\n  - $0\n";
    assert_eq!(labels(text), ["m", "n"]);
    assert_eq!(item(text, "n").0.documentation.as_deref(), Some("A count."));
}
