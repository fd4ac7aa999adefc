//! Collections (catalog.md §5.1–§5.4): names (C5a–C5d), keys (C6a, C6b, C10,
//! and the W1 warning for a key with a `reduce` strategy), and the collection
//! schema (C7, C8, C9 through [`crate::schemas`]).

use std::borrow::Cow;

// Keyed by names, per collection and build: a fast hash.
use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;

use model::{Collection, Diagnostic};

use crate::context::Context;
use crate::schemas::{self, KeyRole, SchemaRole};
use crate::units::{Entity, UnitKind};

pub(crate) fn check(cx: &mut Context<'_>) {
    let catalog = cx.catalog();
    // A function of the names and their places alone: kept while they are.
    let names = cx.memo.names(&cx.loaded().root, &catalog.collections, || {
        names(&catalog.collections)
    });
    cx.diagnostics.extend(names.iter().cloned());
    for (index, collection) in catalog.collections.iter().enumerate() {
        let entity = Entity::Collection(Arc::clone(collection));
        cx.unit(UnitKind::Collection, entity, index, |cx| {
            let schema_scope = collection.scope.push("schema");
            if let Some(url) = cx.schema_url(collection) {
                schemas::check_schema_use(
                    cx,
                    url,
                    &schema_scope,
                    collection,
                    SchemaRole::Collection,
                );
            }
            key(cx, collection);
            Vec::new()
        });
    }
}

/// C5a–C5d over every collection name.
fn names(collections: &[Arc<Collection>]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    // Lower-cased name → index of the first collection with it.
    let mut first: HashMap<Cow<'_, str>, usize> = HashMap::with_capacity(collections.len());
    for (index, collection) in collections.iter().enumerate() {
        let name = &collection.name;
        if !model::names::is_valid_collection_name(name) {
            let message = format!(
                "collection name \"{name}\" may contain only letters, digits, \"-\", \"_\", \".\", \"/\""
            );
            diagnostics.push(Diagnostic::error("C5a", collection.name_scope(), message));
        }
        if name.ends_with('/') {
            let message = format!("collection name \"{name}\" must not end with \"/\"");
            diagnostics.push(Diagnostic::error("C5b", collection.name_scope(), message));
        }
        let folded = fold_case(name);
        match first.get(&folded) {
            Some(&earlier) => {
                let earlier = &collections[earlier];
                let message = format!(
                    "collection \"{name}\" is already defined at {}",
                    earlier.name_scope()
                );
                diagnostics.push(
                    Diagnostic::error("C5c", collection.name_scope(), message).with_related(
                        earlier.name_scope(),
                        format!("\"{}\" is defined here", earlier.name),
                    ),
                );
            }
            None => {
                first.insert(folded, index);
            }
        }
    }
    // C5d: a name followed by `/` and more is another name. Each pair is
    // reported once, at whichever of the two was processed later.
    let prefixes = NameTrie::new(first.iter().map(|(name, &index)| (&**name, index)));
    for (index, collection) in collections.iter().enumerate() {
        let folded = fold_case(&collection.name);
        for prefix_index in prefixes.proper_prefixes(&folded) {
            let prefix = &collections[prefix_index];
            let (later, earlier) = if prefix_index < index {
                (collection, prefix)
            } else {
                (prefix, collection)
            };
            let message = format!(
                "collection \"{}\" cannot be a prefix of collection \"{}\"",
                prefix.name, collection.name
            );
            diagnostics.push(
                Diagnostic::error("C5d", later.name_scope(), message).with_related(
                    earlier.name_scope(),
                    format!("\"{}\" is defined here", earlier.name),
                ),
            );
        }
    }
    diagnostics
}

/// A name lower-cased, copied only when that changes it.
fn fold_case(name: &str) -> Cow<'_, str> {
    if name
        .bytes()
        .all(|byte| byte.is_ascii() && !byte.is_ascii_uppercase())
    {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(name.to_lowercase())
    }
}

/// Collection names by `/`-separated segments, so that the names which are
/// proper path prefixes of a name are found in one pass over its segments
/// (each segment hashed once) instead of by hashing every prefix.
struct NameTrie<'n> {
    /// (parent node, segment) → child node; node 0 is the root.
    children: HashMap<(usize, &'n str), usize>,
    /// Per node: the index of the collection whose name ends there.
    ends: Vec<Option<usize>>,
}

impl<'n> NameTrie<'n> {
    fn new(names: impl Iterator<Item = (&'n str, usize)>) -> NameTrie<'n> {
        let mut trie = NameTrie {
            children: HashMap::new(),
            ends: vec![None],
        };
        for (name, index) in names {
            let mut node = 0;
            for segment in name.split('/') {
                let next = trie.ends.len();
                node = *trie.children.entry((node, segment)).or_insert(next);
                if node == next {
                    trie.ends.push(None);
                }
            }
            trie.ends[node] = Some(index);
        }
        trie
    }

    /// The collections named by `name` up to one of its `/`s, where more
    /// follows that `/` (shortest first).
    fn proper_prefixes(&self, name: &str) -> Vec<usize> {
        let mut found = Vec::new();
        let mut node = 0;
        let mut rest = name;
        while let Some((segment, after)) = rest.split_once('/') {
            let Some(&next) = self.children.get(&(node, segment)) else {
                break;
            };
            node = next;
            if !after.is_empty()
                && let Some(index) = self.ends[node]
            {
                found.push(index);
            }
            rest = after;
        }
        found
    }
}

/// C6a, C6b and the key-like location checks of §7.5 for the collection key.
fn key<'l>(cx: &mut Context<'l>, collection: &'l Collection) {
    let key_scope = collection.scope.push("key");
    if collection.spec.key.is_empty() {
        let message = format!(
            "collection \"{}\" must have at least one key pointer",
            collection.name
        );
        cx.report(Diagnostic::error("C6a", key_scope, message));
        return;
    }
    let shape = cx
        .schema_url(collection)
        .and_then(|url| cx.shape(url).map(|shape| (url, shape)));
    for (index, pointer) in collection.spec.key.iter().enumerate() {
        let scope = key_scope.push(index);
        if !schemas::report_invalid_pointer(cx, pointer, &scope) {
            continue;
        }
        let Some((url, shape)) = &shape else { continue };
        let role = KeyRole::Key {
            collection: &collection.name,
        };
        if schemas::check_key_location(cx, shape, url, pointer, &role, &scope)
            && let Some(message) = schema::shape::key_reduction_warning(shape, pointer)
        {
            cx.report(Diagnostic::warning("W1", scope, message));
        }
    }
}

#[cfg(test)]
mod unit {
    use crate::test_support::*;

    fn collection(name: &str, schema: &str, key: &str) -> String {
        format!("  - name: {name}\n    schema:\n{schema}    key: {key}\n")
    }

    const ID_SCHEMA: &str = "      type: object\n      properties:\n        id: { type: string }\n      required: [id]\n";

    fn one(schema: &str, key: &str) -> Run {
        run(&[(
            "flow.yaml",
            &format!("collections:\n{}", collection("acme/things", schema, key)),
        )])
    }

    #[test]
    fn c5a_bad_characters() {
        let run = run(&[(
            "flow.yaml",
            &format!(
                "collections:\n{}",
                collection("acme/open orders", ID_SCHEMA, "[/id]")
            ),
        )]);
        let found = run.only("C5a");
        assert_eq!(run.text_at(found), "acme/open orders");
        assert!(
            found
                .message
                .starts_with("collection name \"acme/open orders\" may contain only")
        );
    }

    #[test]
    fn c5b_trailing_slash() {
        let run = run(&[(
            "flow.yaml",
            &format!(
                "collections:\n{}",
                collection("acme/archive/", ID_SCHEMA, "[/id]")
            ),
        )]);
        let found = run.only("C5b");
        assert_eq!(run.text_at(found), "acme/archive/");
        assert_eq!(
            found.message,
            "collection name \"acme/archive/\" must not end with \"/\""
        );
    }

    #[test]
    fn c5c_duplicate_names_differ_by_case() {
        let run = run(&[
            ("flow.yaml", "import: [a.yaml, b.yaml]\n"),
            (
                "a.yaml",
                &format!(
                    "collections:\n{}",
                    collection("acme/orders", ID_SCHEMA, "[/id]")
                ),
            ),
            (
                "b.yaml",
                &format!("collections:\n  acme/Orders:\n    schema:\n{ID_SCHEMA}    key: [/id]\n"),
            ),
        ]);
        let found = run.only("C5c");
        assert_eq!(run.file_of(found), "b.yaml");
        assert_eq!(run.text_at(found), "acme/Orders");
        assert_eq!(
            found.message,
            "collection \"acme/Orders\" is already defined at file:///p/a.yaml#/collections/0/name"
        );
        assert_eq!(run.related_text(found, 0), "acme/orders");
    }

    #[test]
    fn c5d_name_is_a_path_prefix() {
        let text = format!(
            "collections:\n{}{}{}",
            collection("acme/orders/archive", ID_SCHEMA, "[/id]"),
            collection("acme/orders", ID_SCHEMA, "[/id]"),
            collection("acme/orders-2", ID_SCHEMA, "[/id]")
        );
        let run = run(&[("flow.yaml", &text)]);
        let found = run.only("C5d");
        // Reported at the later of the two.
        assert_eq!(found.scope.pointer, "/collections/1/name");
        assert_eq!(run.text_at(found), "acme/orders");
        assert_eq!(
            found.message,
            "collection \"acme/orders\" cannot be a prefix of collection \"acme/orders/archive\""
        );
    }

    #[test]
    fn c6a_empty_key() {
        let run = one(ID_SCHEMA, "[]");
        let found = run.only("C6a");
        assert_eq!(run.text_at(found), "[]");
        assert_eq!(
            found.message,
            "collection \"acme/things\" must have at least one key pointer"
        );
    }

    #[test]
    fn c6b_key_pointer() {
        let run = one(ID_SCHEMA, "[id]");
        let found = run.only("C6b");
        assert_eq!(run.text_at(found), "id");
        assert_eq!(found.message, "\"id\" is not a valid JSON Pointer");
    }

    #[test]
    fn c10a_undescribed_key() {
        let run = one(ID_SCHEMA, "[/sku]");
        let found = run.only("C10a");
        assert_eq!(run.text_at(found), "/sku");
        assert_eq!(
            found.message,
            "key of collection \"acme/things\" /sku is not a location described by schema file:///p/flow.yaml?ptr=/collections/0/schema"
        );
    }

    #[test]
    fn c10b_impossible_key() {
        let schema = "      type: object\n      properties:\n        id: { type: string }\n        legacy: false\n      required: [id]\n";
        let run = one(schema, "[/legacy]");
        let found = run.only("C10b");
        assert_eq!(run.text_at(found), "/legacy");
        assert!(found.message.contains("/legacy can never exist"));
    }

    #[test]
    fn c10c_optional_key() {
        let schema = "      type: object\n      properties:\n        id: { type: string }\n";
        let run = one(schema, "[/id]");
        let found = run.only("C10c");
        assert!(found.message.contains("/id may be absent"));
    }

    #[test]
    fn c10e_fractional_key() {
        let schema = "      type: object\n      properties:\n        id: { type: string }\n        level: { type: number }\n      required: [id, level]\n";
        let run = one(schema, "[/id, /level]");
        let found = run.only("C10e");
        assert_eq!(run.text_at(found), "/level");
        assert!(
            found
                .message
                .contains("objects, arrays and fractional numbers cannot be keys")
        );
    }

    #[test]
    fn w1_key_with_a_reduce_strategy() {
        let schema = "      type: object\n      reduce: { strategy: merge }\n      properties:\n        isbn:\n          type: string\n          reduce: { strategy: firstWriteWins }\n      required: [isbn]\n";
        let run = one(schema, "[/isbn]");
        let found = run.only("W1");
        assert!(!found.is_error());
        assert_eq!(run.text_at(found), "/isbn");
        assert_eq!(
            found.message,
            "key location /isbn has reduce strategy firstWriteWins, which will be ignored for keying"
        );
    }

    /// A collection keyed on `/id` whose schema file is `schema`.
    fn with_schema_file(schema: &str) -> Run {
        run(&[
            (
                "flow.yaml",
                "collections:\n  - name: acme/things\n    schema: s.yaml\n    key: [/id]\n",
            ),
            ("s.yaml", schema),
        ])
    }

    #[test]
    fn c8a_required_location_without_types() {
        let run = with_schema_file(
            "type: object\nproperties:\n  id: { type: string }\n  qty:\n    type: integer\n    allOf:\n      - type: string\nrequired: [id, qty]\n",
        );
        let found = run.only("C8a");
        assert_eq!(run.file_of(found), "s.yaml");
        assert_eq!(run.text_at(found), "qty");
        assert!(
            found
                .message
                .contains("location /qty is required to exist but no value can satisfy its schema")
        );
        assert_eq!(run.related_text(found, 0), "acme/things");
    }

    #[test]
    fn c8b_reduce_without_a_parent_reduce() {
        let run = with_schema_file(
            "type: object\nproperties:\n  id: { type: string }\n  total: { type: integer, reduce: { strategy: sum } }\nrequired: [id]\n",
        );
        let found = run.only("C8b");
        assert_eq!(run.text_at(found), "total");
        assert!(
            found
                .message
                .contains("location /total declares a reduce strategy")
        );
    }

    fn merged(property: &str) -> String {
        format!(
            "type: object\nreduce: {{ strategy: merge }}\nproperties:\n  id: {{ type: string }}\n{property}required: [id]\n"
        )
    }

    #[test]
    fn c8c_sum_of_strings() {
        let run = with_schema_file(&merged(
            "  total:\n    type: string\n    reduce: { strategy: sum }\n",
        ));
        let found = run.only("C8c");
        assert_eq!(run.text_at(found), "total");
        assert!(
            found.message.contains(
                "/total uses 'sum', which needs a numeric location, but it may be string"
            )
        );
    }

    #[test]
    fn c8d_merge_of_strings() {
        let run = with_schema_file(&merged(
            "  label: { type: string, reduce: { strategy: merge } }\n",
        ));
        let found = run.only("C8d");
        assert_eq!(run.text_at(found), "label");
    }

    #[test]
    fn c8e_set_of_an_array() {
        let run = with_schema_file(&merged(
            "  members:\n    type: array\n    reduce: { strategy: set }\n",
        ));
        let found = run.only("C8e");
        assert_eq!(run.text_at(found), "members");
    }

    #[test]
    fn c8f_set_with_another_property() {
        let run = with_schema_file(&merged(
            "  members:\n    type: object\n    reduce: { strategy: set }\n    properties:\n      add: { type: object }\n      replace: { type: object }\n",
        ));
        let found = run.only("C8f");
        assert_eq!(run.text_at(found), "replace");
        assert!(
            found
                .message
                .contains("/members/replace is inside a 'set' location")
        );
    }

    #[test]
    fn c8g_append_to_a_string() {
        let run = with_schema_file(&merged(
            "  notes: { type: string, reduce: { strategy: append } }\n",
        ));
        let found = run.only("C8g");
        assert_eq!(run.text_at(found), "notes");
    }

    #[test]
    fn c8_root_location_reports_at_the_schema_key() {
        let run = run(&[(
            "flow.yaml",
            "collections:\n  - name: acme/things\n    schema:\n      type: object\n      reduce: { strategy: sum }\n      properties:\n        id: { type: string }\n      required: [id]\n    key: [/id]\n",
        )]);
        let found = run.only("C8c");
        assert_eq!(run.text_at(found), "schema");
    }

    #[test]
    fn a_shared_schema_is_reported_once() {
        let run = run(&[
            (
                "flow.yaml",
                "collections:\n  - name: a\n    schema: s.yaml\n    key: [/id]\n  - name: b\n    schema: s.yaml\n    key: [/id]\n",
            ),
            (
                "s.yaml",
                "type: object\nproperties:\n  id: { type: string }\n  total: { type: integer, reduce: { strategy: sum } }\nrequired: [id]\n",
            ),
        ]);
        run.only("C8b");
    }

    /// catalog.md §6.2: a root `$id` is an alternate URL of the same
    /// resource; `#Money` and `customer.json` (a sub-schema's `$id`) resolve
    /// inside the file, offline, with no C2 or C7.
    #[test]
    fn a_root_id_keeps_references_in_its_file() {
        let run = run(&[
            (
                "flow.yaml",
                "collections:\n  - name: acme/orders\n    schema: order.schema.yaml\n    key: [/id]\n",
            ),
            (
                "order.schema.yaml",
                concat!(
                    "$id: https://schemas.example.com/order.json\n",
                    "type: object\n",
                    "properties:\n",
                    "  id: { type: string }\n",
                    "  total: { $ref: \"#Money\" }\n",
                    "  customer: { $ref: customer.json }\n",
                    "required: [id]\n",
                    "$defs:\n",
                    "  money: { $anchor: Money, type: number }\n",
                    "  customer:\n",
                    "    $id: customer.json\n",
                    "    type: object\n",
                    "    properties: { name: { type: string } }\n",
                ),
            ),
        ]);
        run.assert_clean();
        let schemas = &run.loaded.schemas;
        let validator = schemas
            .compile(&url("order.schema.yaml"))
            .expect("compiles offline");
        assert!(
            validator
                .is_valid(&serde_json::json!({"id": "a", "total": 1.5, "customer": {"name": "n"}}))
        );
        assert!(!validator.is_valid(&serde_json::json!({"id": "a", "total": "x"})));
        assert!(!validator.is_valid(&serde_json::json!({"id": "a", "customer": {"name": 1}})));
    }

    /// C5d with long names: each name is walked once by segments.
    #[test]
    fn c5d_long_names_and_nested_prefixes() {
        let deep = (0..2000)
            .map(|i| format!("s{i}"))
            .collect::<Vec<_>>()
            .join("/");
        let prefix = (0..3)
            .map(|i| format!("s{i}"))
            .collect::<Vec<_>>()
            .join("/");
        let run = run(&[(
            "flow.yaml",
            &format!(
                "collections:\n{}{}",
                collection(&deep, ID_SCHEMA, "[/id]"),
                collection(&prefix, ID_SCHEMA, "[/id]")
            ),
        )]);
        let found = run.only("C5d");
        assert_eq!(run.text_at(found), prefix);
    }
}
